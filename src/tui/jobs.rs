//! Work started from the keyboard: the Stats report, the heuristic judge in the background, and
//! exporting the pairs.

use super::app::{App, Msg};
use crate::export::{ExportFormat, ExportOptions, RunTexts, TextSource, write_pairs};
use crate::judge::{self, Judgement, heuristic};
use crate::stats::{OutcomeOverrides, Report};

impl App {
    pub(super) fn refresh_report(&mut self) {
        let o = OutcomeOverrides {
            human: self
                .journal
                .as_ref()
                .map(|j| j.run_correctness())
                .unwrap_or_default(),
            ..OutcomeOverrides::default()
        };
        self.report = Some(Report::with_outcomes(&self.runs, None, &o));
    }

    /// The heuristic judge over the open run's browses (or every run's, from the lists).
    pub(super) fn start_judge(&mut self) {
        let runs: Vec<crate::run::Run> = match (self.screen, self.current_run()) {
            (super::app::Screen::Run, Some(r)) => vec![self.runs[r].clone()],
            _ => self.runs.clone(),
        };
        let inputs = judge::browse_inputs(&runs);
        let total = inputs.len();
        let work = move |progress: &dyn Fn(usize)| -> Vec<Judgement> {
            let rules = heuristic::Rules::default_rules();
            inputs
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    if i % 256 == 0 {
                        progress(i);
                    }
                    heuristic::judge(&rules, b)
                })
                .collect()
        };
        match self.tx.clone() {
            Some(tx) => {
                self.status = format!("judging {total} browses in the background…");
                std::thread::spawn(move || {
                    let out = work(&|i| {
                        let _ = tx.send(Msg::JudgeProgress(i, total));
                    });
                    let _ = tx.send(Msg::Judged(out));
                });
            }
            None => {
                let out = work(&|_| {});
                self.take_judgements(out);
            }
        }
    }

    /// Judge verdicts arrive: kept in memory, written beside the labels, pairs recomputed.
    pub(super) fn take_judgements(&mut self, js: Vec<Judgement>) {
        let judge = self.judge.get_or_insert_with(Default::default);
        for j in &js {
            judge.insert(&j.run_id, j.step, j.verdict);
        }
        let rejected = js
            .iter()
            .filter(|j| j.verdict == crate::verdict::Verdict::NotRelevant)
            .count();
        let path = self
            .journal
            .as_ref()
            .and_then(|j| j.path().parent())
            .map(|d| d.join("verdicts.jsonl"));
        let saved = match &path {
            Some(p) => match save_verdicts(p, &js) {
                Ok(()) => format!(", saved to {}", p.display()),
                Err(e) => format!(", not saved: {e}"),
            },
            None => String::new(),
        };
        self.status = format!("judged {} browses: {rejected} rejected{saved}", js.len());
        self.refresh();
    }

    /// Writes the emitted pairs beside the labels in the `lrat` schema, as `lrat mine` would with
    /// the same runs, labels, mode and length measure (texts from the corpus when one is open).
    pub(super) fn export(&mut self) {
        let Some(dir) = self
            .journal
            .as_ref()
            .and_then(|j| j.path().parent())
            .map(|d| d.to_path_buf())
        else {
            self.status = "labels are not open: nowhere to export".into();
            return;
        };
        let path = dir.join("pairs.jsonl");
        let pairs: Vec<crate::mine::Pair> = self.derived.mined.pairs().cloned().collect();
        let run_texts;
        let texts = match self.corpus.as_deref() {
            Some(ix) => TextSource::Index(ix),
            None => {
                run_texts = RunTexts::from_runs(&self.runs);
                TextSource::Runs(&run_texts)
            }
        };
        let opts = ExportOptions::new(ExportFormat::Lrat);
        self.status = match write_pairs(&pairs, &texts, &opts, &path) {
            Ok(r) => format!(
                "exported {} pairs ({} mode, {} unjudged left out) to {}",
                r.rows_written,
                format!("{:?}", self.mode).to_lowercase(),
                self.derived.mined.counts().unjudged,
                path.display()
            ),
            Err(e) => format!("export failed: {e}"),
        };
    }
}

/// Rewrites `path` with these judgements replacing earlier lines for the same browses.
fn save_verdicts(path: &std::path::Path, js: &[Judgement]) -> std::io::Result<()> {
    let fresh: std::collections::HashSet<(&str, usize)> =
        js.iter().map(|j| (j.run_id.as_str(), j.step)).collect();
    let mut out = String::new();
    if let Ok(text) = std::fs::read_to_string(path) {
        for line in text.lines() {
            let v: serde_json::Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(_) => continue,
            };
            let key = (
                v["run_id"].as_str().unwrap_or(""),
                v["step"].as_u64().unwrap_or(u64::MAX) as usize,
            );
            if !fresh.contains(&key) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for j in js {
        out.push_str(&serde_json::to_string(j).map_err(std::io::Error::other)?);
        out.push('\n');
    }
    std::fs::write(path, out)
}
