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
    #[command(flatten)]
    pub judges: VerdictArgs,
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

/// Which judges' verdicts to read and how to combine them: shared by every command that reads
/// verdicts and by `lrat open`.
#[derive(Debug, Clone, Default, Args)]
pub struct VerdictArgs {
    /// Judge verdicts (JSON lines `{run_id, step, verdict, judge, model, …}`, as `lrat judge`
    /// writes them); repeat for several files. Default: `verdicts.jsonl` beside the labels.
    #[arg(long)]
    pub verdicts: Vec<PathBuf>,
    /// When judges differ: the primary judge's verdict (`primary`), or the majority (`majority`,
    /// a tie going to the primary judge).
    #[arg(long, value_enum, default_value = "primary")]
    pub combine: crate::verdict::Combine,
    /// The primary judge, by kind (`llm`, `heuristic`), model, or `kind (model)` (default: the
    /// first LLM judge read, else the first judge).
    #[arg(long)]
    pub primary: Option<String>,
}

impl VerdictArgs {
    pub fn rule(&self) -> crate::verdict::Rule {
        crate::verdict::Rule {
            combine: self.combine,
            primary: self.primary.clone(),
        }
    }

    /// The files to read: those named, else `verdicts.jsonl` in `labels_dir` when there is one.
    pub fn files(&self, labels_dir: Option<&Path>) -> Vec<PathBuf> {
        match labels_dir {
            Some(d) => crate::labels::verdicts_files(&self.verdicts, d),
            None => self.verdicts.clone(),
        }
    }

    /// Reads and combines the verdicts, printing what was read and the lines rejected.
    pub fn read(&self, labels_dir: Option<&Path>) -> color_eyre::Result<crate::verdict::Panel> {
        let files = self.files(labels_dir);
        let panel = crate::verdict::Panel::read(&files, self.rule())?;
        print_errors(&panel.errors);
        if let Some(v) = &panel.verdicts {
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            let fallbacks = match panel.fallbacks() {
                0 => String::new(),
                n if panel.opinions.judges.len() > 1 => format!(
                    "; on {} the primary judge has no verdict and the others decide",
                    crate::text::count(n, "browse")
                ),
                _ => String::new(),
            };
            eprintln!(
                "read verdicts on {} browses from {}{}{}{fallbacks}",
                v.len(),
                names.join(", "),
                if self.verdicts.is_empty() {
                    " (the judge's, kept beside the labels; --verdicts FILE reads another)"
                } else {
                    ""
                },
                match panel.opinions.judges.len() {
                    0 | 1 => String::new(),
                    _ => format!(
                        "; judges {} (the first is the primary); {}",
                        panel.judges(),
                        match self.combine {
                            crate::verdict::Combine::Primary =>
                                "the primary judge's verdict counts (--combine majority for the majority)",
                            crate::verdict::Combine::Majority =>
                                "the majority counts, a tie going to the primary judge",
                        }
                    ),
                }
            );
        }
        Ok(panel)
    }
}

/// The judge's verdicts and the human labels, as read.
pub(crate) struct Judgements {
    /// Every judge's verdicts and their combination (`judge` is the combined verdicts).
    pub panel: crate::verdict::Panel,
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
        let panel = self.judges.read(labels_dir.as_deref())?;
        let (judge, rejected) = (panel.verdicts.clone(), panel.errors.len());
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
            panel,
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
