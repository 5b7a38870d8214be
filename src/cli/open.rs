//! `lrat open`: the terminal app.

use std::path::PathBuf;

use clap::Args;

use super::ReadArgs;
use crate::tui::{self, OpenOptions};

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Run files, folders or a workspace (default: sample_trajectories/).
    runs: Vec<PathBuf>,
    #[command(flatten)]
    judges: super::supervision::VerdictArgs,
    /// Labels folder (default: `.lrat/` beside the data).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// `tokenizer.json` or a model folder: `w` then switches `l` between words and tokens.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// Corpus JSONL (indexed beside it on first use) or index folder for document texts
    /// (default: the workspace's).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// TREC qrels: evidence documents are flagged (default: the workspace's `qrels.txt`).
    #[arg(long)]
    qrels: Option<PathBuf>,
    /// The run index folder (default: `.lrat/index/` beside the runs): unchanged files' runs
    /// are listed from it, and `/` searches it.
    #[arg(long)]
    index: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
}

impl OpenArgs {
    pub fn for_sample(dir: PathBuf) -> Self {
        OpenArgs {
            runs: vec![dir],
            judges: Default::default(),
            labels: None,
            tokenizer: None,
            corpus: None,
            qrels: None,
            index: None,
            read: ReadArgs::default(),
        }
    }

    pub fn run(self) -> color_eyre::Result<()> {
        use std::io::IsTerminal;
        if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
            color_eyre::eyre::bail!(
                "open needs a terminal on stdin and stdout (for the statistics without one: lrat stats RUNS…)"
            );
        }
        let runs = if self.runs.is_empty() {
            vec![crate::workspace::sample_dir()?]
        } else {
            self.runs
        };
        crate::run::load::check_paths(&runs)?;
        let rejected = tui::open(OpenOptions {
            runs,
            read: self.read.options(),
            questions: self.read.questions.clone(),
            labels: self.labels,
            verdicts: self.judges.verdicts.clone(),
            rule: self.judges.rule(),
            tokenizer: self.tokenizer,
            corpus: self.corpus,
            qrels: self.qrels,
            index: self.index,
        })?;
        // What was rejected, in full, now that the terminal is back; and the CLI's exit status.
        super::print_errors(&rejected);
        if !rejected.is_empty() && !self.read.keep_going {
            color_eyre::eyre::bail!(
                "{} input(s) rejected; the rest was opened (pass --keep-going to exit 0)",
                rejected.len()
            );
        }
        Ok(())
    }
}
