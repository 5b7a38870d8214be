//! Work the app does for its screens and jobs: taking in what the loader read, keeping the
//! judge's verdicts, labelling pairs from the Pairs screen, exporting the pairs.

use super::App;
use crate::export::{ExportFormat, ExportOptions, RunTexts, TextSource, write_pairs};
use crate::judge::{Judgement, Outcome};
use crate::labels::{LabelKey, LabelValue};
use crate::tui::loader::LoadEvent;
use crate::verdict::Verdict;

impl App {
    /// Writes the emitted pairs beside the labels in the `lrat` schema, as `lrat mine` would with
    /// the same runs, labels, mode and length measure (texts from the corpus when one is open).
    pub(super) fn export(&mut self) {
        let Some(dir) = self
            .ws
            .journal
            .as_ref()
            .and_then(|j| j.path().parent())
            .map(|d| d.to_path_buf())
        else {
            self.status = "labels are not open: nowhere to export".into();
            return;
        };
        let path = dir.join("pairs.jsonl");
        let pairs: Vec<crate::mine::Pair> = self.ws.derived.mined.pairs().cloned().collect();
        let run_texts;
        let texts = match self.ws.corpus.as_deref() {
            Some(ix) => TextSource::Index(ix),
            None => {
                let read = &self.ws.read;
                run_texts = match RunTexts::from_shells(&self.ws.runs, &|r| {
                    crate::run::load::with_texts(r, read)
                }) {
                    Ok(t) => t,
                    Err(e) => {
                        self.status = format!("not exported: {e}");
                        return;
                    }
                };
                TextSource::Runs(&run_texts)
            }
        };
        let opts = ExportOptions::new(ExportFormat::Lrat);
        self.status = match write_pairs(&pairs, &texts, &opts, &path) {
            Ok(r) => format!(
                "exported {} pairs ({} mode, {} unjudged left out) to {}",
                r.rows_written,
                format!("{:?}", self.ws.mode).to_lowercase(),
                self.ws.derived.mined.counts().unjudged,
                path.display()
            ),
            Err(e) => format!("export failed: {e}"),
        };
    }

    /// What the loader reports.
    pub(super) fn take_load(&mut self, e: LoadEvent) {
        match e {
            LoadEvent::Loaded {
                runs,
                errors,
                files_done,
                files,
            } => {
                self.intake
                    .started
                    .get_or_insert_with(std::time::Instant::now);
                std::sync::Arc::make_mut(&mut self.ws.runs).extend(runs);
                self.intake.errors.extend(errors);
                self.intake.loading = Some((files_done, files));
                // Recomputed once the queue is drained (see `settle`), not once a file.
                self.intake.dirty = true;
            }
            LoadEvent::Skipped(s) => self.intake.skipped = s,
            LoadEvent::Sources { read, from_index } => self.intake.sources = (read, from_index),
            LoadEvent::Done => self.loaded(),
            // Said after what loaded (and what was rejected), not over it.
            LoadEvent::Corpus(ix) => {
                self.add_status(&format!(
                    "documents from {} ({} in the index)",
                    ix.path().display(),
                    ix.num_docs()
                ));
                self.ws.corpus = Some(ix);
            }
            LoadEvent::CorpusFailed(e) => self.add_status(&format!(
                "corpus not available, showing what the runs showed: {e}"
            )),
            LoadEvent::RunIndex(ix) => self.ws.run_index = Some(ix),
            // Said when `/` is used, not over what the status line says now.
            // Said once on the status line, and with every search while there is none.
            LoadEvent::RunIndexFailed(why) => {
                self.add_status(&format!(
                    "no run index ({why}): / finds the text as typed, in memory"
                ));
                self.ws.run_index_problem = Some(why);
            }
        }
    }

    /// Adds to the status line (after what it says now, when it says something).
    fn add_status(&mut self, more: &str) {
        self.status = if self.status.is_empty() {
            more.to_string()
        } else {
            format!("{}; {more}", self.status)
        };
    }

    /// Every file is read: what loaded, what was rejected or skipped, what to do about runs
    /// without questions and labels written with other files open.
    fn loaded(&mut self) {
        self.intake.loading = None;
        self.settle();
        let runs = &self.ws.runs;
        let unasked = runs
            .iter()
            .filter(|r| r.question.as_deref().is_none_or(|q| q.trim().is_empty()))
            .count();
        let hint = if unasked > 0 {
            format!("; {unasked} runs have no question: open them with --questions FILE")
        } else {
            String::new()
        };
        // Labels written when these runs were opened with other files' runs.
        let elsewhere = match &self.ws.journal {
            Some(j) => crate::run::identity::labelled_elsewhere(
                runs,
                j.labels().into_iter().map(|(k, _)| k.run_id()),
            ),
            None => Vec::new(),
        };
        let elsewhere = match elsewhere.as_slice() {
            [] => String::new(),
            [first, ..] => format!(
                "; labels for {} run(s) known by their file ({first}…) were written with other \
                 files open: open those files together to see them",
                elsewhere.len()
            ),
        };
        let read_only = match self.ws.journal.as_ref().and_then(|j| j.read_only()) {
            Some(why) => format!("; labels read-only: {why}"),
            None => String::new(),
        };
        let skipped = crate::run::load::skipped_note(&self.intake.skipped)
            .map(|n| format!("; {n}"))
            .unwrap_or_default();
        let errors = &self.intake.errors;
        let from_index = match self.intake.sources {
            (_, 0) => String::new(),
            (read, unchanged) => format!(
                " ({} unchanged, from the run index; {} read)",
                crate::text::count(unchanged, "file"),
                read
            ),
        };
        self.status = format!(
            "{} loaded{from_index}, {} rejected{}{skipped}{hint}{elsewhere}{read_only}",
            crate::text::count(runs.len(), "run"),
            errors.len(),
            errors
                .first()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
    }

    /// Sets the verdict of these candidates as one journal change.
    pub(super) fn label_pairs(&mut self, idx: Vec<usize>, v: Verdict) {
        let changes: Vec<(LabelKey, Option<LabelValue>)> = idx
            .iter()
            .filter_map(|&i| self.ws.derived.candidate(i))
            .map(|c| {
                (
                    LabelKey::Browse {
                        run_id: c.pair.run_id.clone(),
                        step: c.pair.browse_step,
                    },
                    Some(LabelValue::Verdict(v)),
                )
            })
            .collect();
        let Some(j) = self.ws.journal.as_mut() else {
            self.status = "labels are not open: nothing was written".into();
            return;
        };
        let n = changes.len();
        match j.set_all(changes.clone()) {
            Ok(_) => {
                self.status = format!(
                    "{} marked {} as one change (u undoes it), saved to {}",
                    crate::text::count(n, "browse"),
                    v.label(),
                    j.path().display()
                );
                self.refresh_changed(&changes);
            }
            Err(e) => self.status = format!("not saved: {e}"),
        }
    }

    /// A judge finished: its verdicts kept and saved, the browses it left pending remembered.
    pub(super) fn take_outcomes(&mut self, by: String, outcomes: crate::Result<Vec<Outcome>>) {
        match self.judging.finish(by, outcomes) {
            Ok(f) => self.take_judgements(&f.by, f.judgements),
            Err(why) => self.status = why,
        }
    }

    /// Judge verdicts arrive: kept in memory, written beside the labels, pairs recomputed.
    fn take_judgements(&mut self, by: &str, js: Vec<Judgement>) {
        if js.is_empty() {
            // Nothing was judged: no verdicts appear (an empty set of verdicts would turn every
            // browse into an unjudged one), nothing is written.
            self.status = format!("judged no browses with {by}{}", self.judging.pending_note());
            return;
        }
        if let Err(e) = self.ws.panel.add(&js) {
            self.status = format!("judged {} browses, but {e}", js.len());
            return;
        }
        let rejected = js
            .iter()
            .filter(|j| j.verdict == Verdict::NotRelevant)
            .count();
        let path = self
            .ws
            .journal
            .as_ref()
            .and_then(|j| j.path().parent())
            .map(|d| d.join("verdicts.jsonl"));
        let saved = match &path {
            Some(p) => match crate::verdict::VerdictFile::new(p).merge(&js) {
                Ok(()) => format!(", saved to {}", p.display()),
                Err(e) => format!(", not saved: {e}"),
            },
            None => String::new(),
        };
        let pending = self.judging.pending_note();
        self.refresh();
        // Browses with no verdict now count as unjudged and are left out: say so.
        let unjudged = match self.ws.derived.mined.counts().unjudged {
            0 => String::new(),
            n => format!("; {n} browses without a verdict are left out until judged"),
        };
        // Counts first: a narrow status line cuts the end.
        self.status = format!(
            "judged {} browses ({} relevant, {rejected} not relevant){pending}{unjudged} with \
             {by}{saved}",
            js.len(),
            js.len() - rejected
        );
    }
}
