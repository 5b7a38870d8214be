//! `lrat mine`.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::bail;

use super::{ReadArgs, SupervisionArgs, open_corpus, print_errors};
use crate::export::{self, ExportFormat, ExportOptions, ST_NEGATIVES, TextSource};
use crate::mine::Mode;
use crate::run;
use crate::workspace;

#[derive(Debug, Args)]
pub struct MineArgs {
    /// Run files or folders.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    sup: SupervisionArgs,
    /// Corpus JSONL (indexed beside it on first use) or an index folder, for document texts;
    /// without one, each document's best text in the runs (a fetched page over a snippet).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Output schema.
    #[arg(long, value_enum, default_value = "lrat")]
    format: ExportFormat,
    /// `--format st`: negatives a row carries (rows with fewer are left out and counted).
    #[arg(long, default_value_t = ST_NEGATIVES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    st_negatives: usize,
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
    let j = a.sup.read(&a.runs)?;
    let labels = j.labels(a.sup.unjudged);
    let policy = a.sup.policy(&j);
    let (index, corpus_rejected) = open_corpus(a.corpus.as_ref(), &inputs)?;
    let mut rejected = j.rejected + corpus_rejected;
    let mined = export::mine_files(&files, &a.read.options(), &labels, &policy, index.is_none())?;
    print_errors(&mined.load_errors);
    if mined.files == 0 && mined.load_errors.is_empty() {
        bail!("{}", run::load::no_runs_found(&inputs.runs, &mined.skipped));
    }
    if mined.counts.runs == 0 {
        // Every input rejected: an earlier output file is left as it was.
        bail!(
            "no runs were read ({} input(s) rejected): {} was not written",
            mined.load_errors.len(),
            a.out.display()
        );
    }
    if let Some(note) = run::load::skipped_note(&mined.skipped) {
        eprintln!("note: {note}");
    }
    super::print_renamed(&mined.renamed);
    rejected += mined.load_errors.len();
    let texts = match (&index, &mined.texts) {
        (Some(ix), _) => TextSource::Index(ix),
        (None, Some(t)) => TextSource::Runs(t),
        (None, None) => bail!("internal: no document texts were collected"),
    };
    let opts = ExportOptions {
        format: a.format,
        st_negatives: a.st_negatives,
    };
    let w = export::write_pairs(&mined.pairs, &texts, &opts, &a.out)?;
    let c = &mined.counts;
    eprintln!(
        "runs {} from {} files, {} rejected inputs",
        c.runs, mined.files, rejected
    );
    eprintln!(
        "mode {}, length in {}",
        a.sup.mode.name(),
        policy.length.name()
    );
    eprintln!("browses seen                  {}", c.browses);
    eprintln!("failed browses (not mined)    {}", c.failed_browses);
    eprintln!("not attributable to a search  {}", c.unattributed);
    if j.judge.is_some() {
        eprintln!(
            "unjudged (no verdict)         {} ({})",
            c.unjudged,
            match a.sup.unjudged {
                crate::labels::Unjudged::Skip => "left out; --unjudged relevant counts them",
                crate::labels::Unjudged::Relevant => "counted relevant",
            }
        );
    }
    if a.sup.mode == Mode::Paper {
        eprintln!("repeated (same search, doc)   {}", c.repeated);
        eprintln!("dropped by verdict            {}", c.dropped_by_verdict);
    } else {
        eprintln!("rejected, emitted unsatisfied {}", c.rejected_emitted);
    }
    eprintln!("pairs emitted                 {}", c.pairs);
    if c.negatives_labelled > 0 {
        eprintln!("negatives left out by labels  {}", c.negatives_labelled);
    }
    eprintln!("pairs without any negative    {}", c.no_negative);
    eprintln!("positive text unknown         {}", w.pos_text_unknown);
    eprintln!("negative texts unknown        {}", w.neg_text_unknown);
    if index.is_none() {
        eprintln!(
            "documents known only by their snippet {} (of {}; pass --corpus for full texts)",
            w.snippet_only_docs,
            mined.texts.as_ref().map_or(0, |t| t.len())
        );
    }
    if w.left_out_rejected > 0 {
        eprintln!(
            "rejected browses left out of {} (only lrat and parquet can mark them) {}",
            a.format.name(),
            w.left_out_rejected
        );
    }
    if w.left_out_no_pos_text + w.left_out_few_negatives > 0 {
        let need = match a.format {
            ExportFormat::St => format!("fewer than {} negatives", a.st_negatives),
            _ => "no negative".to_string(),
        };
        eprintln!(
            "rows left out of {}: {} without positive text, {} with {need}",
            a.format.name(),
            w.left_out_no_pos_text,
            w.left_out_few_negatives
        );
    }
    eprintln!(
        "beta {}   mu_raw {}",
        crate::mine::weight::show(mined.weights.beta),
        crate::mine::weight::show(mined.weights.mu_raw)
    );
    eprintln!("wrote {} rows to {}", w.rows_written, a.out.display());
    if let Some(mb) = crate::sys::peak_rss_mb() {
        eprintln!("peak memory {mb:.0} MB");
    }
    if rejected > 0 && !a.read.keep_going {
        bail!("{rejected} input(s) rejected; the rest was mined (pass --keep-going to exit 0)");
    }
    Ok(())
}
