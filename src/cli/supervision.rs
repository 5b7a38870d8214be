//! How runs become supervision, as flags: shared by `lrat mine` and `lrat train` so both read the
//! same verdicts, labels, mode, length measure and unjudged policy the same way.

use std::path::{Path, PathBuf};

use clap::Args;
use color_eyre::eyre::bail;

use super::print_errors;
use crate::labels::{Effective, Journal, Unjudged};
use crate::mine::{Length, Mode, Policy};
use crate::verdict::Verdicts;

/// How post-browse reasoning length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LengthKind {
    /// Whitespace-separated words.
    Words,
    /// Token ids of a Hugging Face tokenizer (`--tokenizer`).
    Tokens,
}

#[derive(Debug, Clone, Args)]
pub struct SupervisionArgs {
    /// `paper` (§5.1) or `reference` (the authors' released builder).
    #[arg(long, value_enum, default_value = "paper")]
    pub mode: Mode,
    /// Judge verdicts (JSON lines `{run_id, step, verdict}`, as `lrat judge` writes them).
    #[arg(long)]
    pub verdicts: Option<PathBuf>,
    /// With `--verdicts`, what a browse without a verdict is: left out (`skip`) or, the naive
    /// reading, a positive (`relevant`). Without verdicts every browse is a positive.
    #[arg(long, value_enum, default_value = "skip")]
    pub unjudged: Unjudged,
    /// Human labels to lay over the verdicts and negatives (default: `.lrat/` beside the data,
    /// when it exists).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// How post-browse reasoning is measured (the intensity weights' `l`).
    #[arg(long, value_enum, default_value = "words")]
    pub length: LengthKind,
    /// `tokenizer.json` or a model folder, for `--length tokens`.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
}

/// The judge's verdicts and the human labels, as read.
pub(crate) struct Judgements {
    pub judge: Option<Verdicts>,
    pub journal: Option<Journal>,
    /// Lines of the verdicts file that were rejected.
    pub rejected: usize,
    pub length: Length,
}

impl Judgements {
    pub fn labels(&self, unjudged: Unjudged) -> Effective<'_> {
        Effective {
            judge: self.judge.as_ref(),
            human: self.journal.as_ref(),
            unjudged,
        }
    }
}

impl SupervisionArgs {
    /// Reads verdicts, labels and the tokenizer, printing their problems and what was read.
    pub(crate) fn read(&self, runs: &[PathBuf]) -> color_eyre::Result<Judgements> {
        let length = match (self.length, &self.tokenizer) {
            (LengthKind::Words, _) => Length::Words,
            (LengthKind::Tokens, Some(t)) => Length::tokens(t)?,
            (LengthKind::Tokens, None) => {
                bail!("--length tokens needs --tokenizer (a tokenizer.json or a model folder)")
            }
        };
        let labels_dir = self
            .labels
            .clone()
            .or_else(|| crate::labels::existing_dir(runs));
        let verdicts = match &labels_dir {
            Some(d) => crate::labels::verdicts_file(self.verdicts.as_deref(), d),
            None => self.verdicts.clone(),
        };
        let (judge, rejected) = read_verdicts(verdicts.as_deref(), self.verdicts.is_none())?;
        let journal = match labels_dir {
            Some(d) => {
                let (j, report) = Journal::open(&d)?;
                print_errors(&report.problems);
                eprintln!("{} human labels from {}", j.len(), j.path().display());
                Some(j)
            }
            None => None,
        };
        Ok(Judgements {
            judge,
            journal,
            rejected,
            length,
        })
    }

    pub fn policy<'a>(&self, j: &'a Judgements) -> Policy<'a> {
        Policy {
            mode: self.mode,
            length: &j.length,
        }
    }
}

fn read_verdicts(
    path: Option<&Path>,
    beside_labels: bool,
) -> color_eyre::Result<(Option<Verdicts>, usize)> {
    let Some(p) = path else {
        return Ok((None, 0));
    };
    let (v, errors) = Verdicts::read(p)?;
    print_errors(&errors);
    eprintln!(
        "read {} verdicts from {}{}",
        v.len(),
        p.display(),
        if beside_labels {
            " (the judge's, kept beside the labels; --verdicts FILE reads another)"
        } else {
            ""
        }
    );
    Ok((Some(v), errors.len()))
}
