//! `lrat mine`.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::bail;

use super::{ReadArgs, open_corpus, print_errors, read_judgements};
use crate::export::{ExportFormat, TextSource};
use crate::mine::{self, Length, MineSpec, Mode};
use crate::run;
use crate::workspace;

/// How post-browse reasoning length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LengthKind {
    /// Whitespace-separated words.
    Words,
    /// Token ids of a Hugging Face tokenizer (`--tokenizer`).
    Tokens,
}

#[derive(Debug, Args)]
pub struct MineArgs {
    /// Run files or folders.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// `paper` (§5.1) or `reference` (the authors' released builder).
    #[arg(long, value_enum, default_value = "paper")]
    mode: Mode,
    /// Verdicts (JSON lines `{run_id, step, verdict}`); browses without one count as relevant.
    #[arg(long)]
    verdicts: Option<PathBuf>,
    /// Human labels to lay over the verdicts and negatives (default: `.lrat/` beside the data,
    /// when it exists).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// How post-browse reasoning is measured.
    #[arg(long, value_enum, default_value = "words")]
    length: LengthKind,
    /// `tokenizer.json` or a model folder, for `--length tokens`.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// Corpus JSONL (indexed beside it on first use) or an index folder, for document texts;
    /// without one, texts come from what the runs showed.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Output schema.
    #[arg(long, value_enum, default_value = "lrat")]
    format: ExportFormat,
    #[command(flatten)]
    read: ReadArgs,
}

impl MineArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        mine(self)
    }
}

fn mine(a: MineArgs) -> color_eyre::Result<()> {
    let inputs = workspace::resolve(&a.runs);
    let files = run::load::collect_files(&inputs.runs)?;
    let length = match (a.length, &a.tokenizer) {
        (LengthKind::Words, _) => Length::Words,
        (LengthKind::Tokens, Some(t)) => Length::tokens(t)?,
        (LengthKind::Tokens, None) => {
            bail!("--length tokens needs --tokenizer (a tokenizer.json or a model folder)")
        }
    };
    let j = read_judgements(a.verdicts.as_deref(), a.labels.clone(), &a.runs)?;
    let (journal, verdicts) = (j.journal, j.verdicts);
    let (index, corpus_rejected) = open_corpus(a.corpus.as_ref(), &inputs)?;
    let mut rejected = j.rejected + corpus_rejected;
    let texts = match &index {
        Some(ix) => TextSource::Index(ix),
        None => TextSource::Runs,
    };
    let options = a.read.options();
    let spec = MineSpec {
        mode: a.mode,
        verdicts: verdicts.as_ref(),
        length: &length,
        read: &options,
        format: a.format,
        texts: &texts,
        human: journal.as_ref(),
    };
    let report = mine::mine_files(&files, &spec, &a.out)?;
    print_errors(&report.load_errors);
    rejected += report.load_errors.len();
    let c = &report.counts;
    let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into());
    eprintln!(
        "runs {} from {} files, {} rejected inputs",
        c.runs, report.files, rejected
    );
    eprintln!("mode {:?}, length in {}", a.mode, length.name());
    eprintln!("browses seen                 {}", c.browses);
    eprintln!("failed browses (not mined)   {}", c.failed_browses);
    eprintln!("not attributable to a search {}", c.unattributed);
    if a.mode == Mode::Paper {
        eprintln!("repeated (same search, doc)  {}", c.repeated);
        eprintln!("dropped by verdict           {}", c.dropped_by_verdict);
    } else {
        eprintln!("rejected, emitted unsatisfied {}", c.rejected_emitted);
    }
    eprintln!("pairs emitted                {}", c.pairs);
    if c.negatives_labelled > 0 {
        eprintln!("negatives left out by labels {}", c.negatives_labelled);
    }
    eprintln!("pairs without any negative   {}", c.no_negative);
    eprintln!("positive text unknown        {}", report.pos_text_unknown);
    eprintln!("negative texts unknown       {}", report.neg_text_unknown);
    if report.dropped_no_pos_text + report.dropped_no_negative > 0 {
        eprintln!(
            "rows left out of {:?}: {} without positive text, {} without a negative",
            a.format, report.dropped_no_pos_text, report.dropped_no_negative
        );
    }
    eprintln!("beta {}   mu_raw {}", f(report.beta), f(report.mu_raw));
    eprintln!("wrote {} rows to {}", report.rows_written, a.out.display());
    if rejected > 0 && !a.read.keep_going {
        bail!("{rejected} input(s) rejected; the rest was mined (pass --keep-going to exit 0)");
    }
    Ok(())
}
