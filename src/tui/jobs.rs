//! Work started from the keyboard: the Stats report and exporting the pairs.

use super::app::App;
use crate::export::{ExportFormat, ExportOptions, RunTexts, TextSource, write_pairs};
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
