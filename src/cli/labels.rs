//! `lrat labels`: export human verdicts, import verdicts as human labels, judge-vs-human agreement,
//! compaction.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use color_eyre::eyre::{bail, eyre};

use super::print_errors;
use crate::labels::agreement::by_judge;
use crate::labels::{Journal, LabelKey, LabelValue};
use crate::verdict::Verdicts;

#[derive(Debug, Args)]
pub struct LabelsArgs {
    /// The labels folder (`.lrat/` beside the data by default in `lrat open` and `lrat mine`).
    #[arg(long, global = true, default_value = ".lrat")]
    labels: PathBuf,
    #[command(subcommand)]
    command: LabelsCommand,
}

#[derive(Debug, Subcommand)]
enum LabelsCommand {
    /// Human browse verdicts in the verdicts format (`lrat mine --verdicts` reads it).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Verdict lines (`{run_id, step, verdict}`) recorded as human labels.
    Import { file: PathBuf },
    /// Agreement of each judge in these verdict files with the human labels.
    Stats {
        #[arg(required = true)]
        verdicts: Vec<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite the journal as the labels in force (drops undo history).
    Compact,
}

impl LabelsArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let (mut journal, report) = Journal::open(&self.labels)?;
        print_errors(&report.problems);
        if let Some(why) = &report.read_only {
            eprintln!("warning: {why}");
        }
        match self.command {
            LabelsCommand::Export { out } => {
                let mut f = std::io::BufWriter::new(
                    std::fs::File::create(&out).map_err(|e| eyre!("{}: {e}", out.display()))?,
                );
                let mut n = 0;
                for (k, v) in journal.labels() {
                    if let (LabelKey::Browse { run_id, step }, LabelValue::Verdict(x)) = (k, v) {
                        let note = journal
                            .get(&LabelKey::Note {
                                run_id: run_id.clone(),
                                step: Some(*step),
                            })
                            .and_then(|n| match n {
                                LabelValue::Note(t) => Some(t.clone()),
                                _ => None,
                            })
                            .unwrap_or_default();
                        let row = serde_json::json!({
                            "run_id": run_id, "step": step, "docid": null, "verdict": x,
                            "judge": "human", "model": "", "rationale": note,
                        });
                        writeln!(f, "{row}")?;
                        n += 1;
                    }
                }
                f.flush()?;
                eprintln!("exported {n} human verdicts to {}", out.display());
            }
            LabelsCommand::Import { file } => {
                let (v, errors) = Verdicts::read(&file)?;
                print_errors(&errors);
                let mut n = 0;
                let mut rows: Vec<(&String, &usize, &crate::verdict::Verdict)> =
                    v.0.iter()
                        .flat_map(|(r, m)| m.iter().map(move |(s, x)| (r, s, x)))
                        .collect();
                rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
                for (run_id, step, x) in rows {
                    journal.set(
                        LabelKey::Browse {
                            run_id: run_id.clone(),
                            step: *step,
                        },
                        Some(LabelValue::Verdict(*x)),
                    )?;
                    n += 1;
                }
                eprintln!(
                    "imported {n} verdicts as human labels into {}",
                    journal.path().display()
                );
                if !errors.is_empty() {
                    bail!("{} line(s) rejected; the rest was imported", errors.len());
                }
            }
            LabelsCommand::Stats { verdicts, json } => {
                let (opinions, errors) = crate::verdict::Opinions::read(&verdicts)?;
                print_errors(&errors);
                let bad = errors.len();
                let human = crate::labels::Effective::new(None, Some(&journal)).human_verdicts();
                let mut table = by_judge(&opinions, &human);
                table.sort_by(|a, b| a.judge.cmp(&b.judge));
                let mut out = std::io::stdout().lock();
                if json {
                    serde_json::to_writer_pretty(&mut out, &table)?;
                    writeln!(out)?;
                } else {
                    writeln!(
                        out,
                        "{} human labels; agreement on browses both labelled",
                        journal.len()
                    )?;
                    for a in &table {
                        let f = |x: Option<f64>| {
                            x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
                        };
                        writeln!(
                            out,
                            "\n{}  n={}  accuracy {}  kappa {}",
                            a.judge,
                            a.n,
                            f(a.accuracy),
                            f(a.kappa)
                        )?;
                        writeln!(
                            out,
                            "                    judge relevant  judge not_relevant"
                        )?;
                        writeln!(
                            out,
                            "human relevant      {:>14}  {:>18}",
                            a.confusion[0][0], a.confusion[0][1]
                        )?;
                        writeln!(
                            out,
                            "human not_relevant  {:>14}  {:>18}",
                            a.confusion[1][0], a.confusion[1][1]
                        )?;
                    }
                }
                if bad > 0 {
                    bail!("{bad} verdict line(s) rejected");
                }
            }
            LabelsCommand::Compact => {
                journal.compact()?;
                eprintln!(
                    "compacted {} to {} labels",
                    journal.path().display(),
                    journal.len()
                );
            }
        }
        Ok(())
    }
}
