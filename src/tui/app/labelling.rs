//! Label changes from the keyboard: each is written through to the journal at once, and the
//! mined pairs and weights are recomputed.

use super::{App, PLAIN};
use crate::labels::{LabelKey, LabelValue, NegativeLabel};
use crate::run::StepKind;
use crate::tui::rows;
use crate::tui::screens::Screen;
use crate::verdict::Verdict;

impl App {
    /// Recomputes the runs a label is about: only that run, unless its id is shared.
    pub(super) fn refresh_for(&mut self, run_id: &str) {
        let mut hits = self
            .ws
            .runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id == run_id)
            .map(|(i, _)| i);
        match (hits.next(), hits.next()) {
            (Some(i), None) => self.refresh_run(i),
            _ => self.refresh(),
        }
    }

    pub(super) fn write(&mut self, key: LabelKey, value: Option<LabelValue>, what: String) {
        let key_run = key.run_id().to_string();
        let Some(j) = self.ws.journal.as_mut() else {
            self.status = "labels are not open: nothing was written".into();
            return;
        };
        match j.set(key, value) {
            Ok(_) => {
                self.status = format!("{what}, saved to {}", j.path().display());
                let id = key_run.clone();
                self.refresh_for(&id);
            }
            Err(e) => self.status = format!("not saved: {e}"),
        }
    }

    /// The step shown on the Run screen: its run's id, the step's file index, its kind.
    fn shown_step(&self) -> Option<(String, usize, &StepKind)> {
        let cx = super::context(
            &self.ws,
            &self.search,
            self.size,
            self.current_run(),
            None,
            &PLAIN,
        );
        let (run, pos) = self.screens.run.step(&cx)?;
        let s = &run.steps[pos];
        Some((run.id.clone(), s.index, &s.kind))
    }

    pub(super) fn label_browse(&mut self, v: Verdict) {
        let Some((run_id, index, kind)) = self.shown_step() else {
            return;
        };
        if !matches!(kind, StepKind::Browse(_)) {
            self.status = "a and r label browses: select a browse step".into();
            return;
        }
        let what = format!("browse {run_id}:{index} marked {}", v.label());
        let key = LabelKey::Browse {
            run_id,
            step: index,
        };
        self.write(key, Some(LabelValue::Verdict(v)), what);
    }

    /// A browse labelled from the Review screen.
    pub(super) fn label_at(&mut self, run_id: String, step: usize, v: Verdict) {
        let what = format!("browse {run_id}:{step} marked {}", v.label());
        self.write(
            LabelKey::Browse { run_id, step },
            Some(LabelValue::Verdict(v)),
            what,
        );
    }

    pub(super) fn label_negative(&mut self, l: NegativeLabel) {
        let Some((_, index, kind)) = self.shown_step() else {
            return;
        };
        let StepKind::Search(search) = kind else {
            self.status =
                "x and R label a search's hits: select a search step, Tab to its hits".into();
            return;
        };
        let Some(hit) = search.hits.get(self.screens.run.hit) else {
            return;
        };
        let docid = hit.docid.clone();
        let Some(run) = self.current_run().map(|r| &self.ws.runs[r]) else {
            return;
        };
        if run.browsed_docids().any(|d| d == docid) {
            self.status =
                format!("{docid} was browsed: it is not a negative (use a or r on the browse)");
            return;
        }
        let key = LabelKey::Negative {
            run_id: run.id.clone(),
            search_step: index,
            docid: docid.clone(),
        };
        let what = format!(
            "negative {docid} of search {}:{index} marked {}",
            run.id,
            match l {
                NegativeLabel::Exclude => "excluded",
                NegativeLabel::ActuallyRelevant => "actually relevant",
            }
        );
        self.write(key, Some(LabelValue::Negative(l)), what);
    }

    pub(super) fn undo(&mut self) {
        self.replay(false);
    }

    pub(super) fn redo(&mut self) {
        self.replay(true);
    }

    /// `u` (undo the last change) or `Ctrl-r` (redo the change undone last).
    fn replay(&mut self, redo: bool) {
        let (verb, done) = if redo {
            ("redo", "redid")
        } else {
            ("undo", "undid")
        };
        let Some(j) = self.ws.journal.as_mut() else {
            self.status = format!("labels are not open: nothing to {verb}");
            return;
        };
        let result = if redo { j.redo_last() } else { j.undo_last() };
        match result {
            Ok(Some(changes)) => {
                self.status = format!("{done} {}", describe(&changes));
                self.refresh_changed(&changes);
            }
            Ok(None) => self.status = format!("nothing to {verb}"),
            Err(e) => self.status = format!("{verb} not saved: {e}"),
        }
    }

    /// Recomputes the runs `changes` are about: one by one for a few, in one pass for many.
    pub(super) fn refresh_changed(&mut self, changes: &[(LabelKey, Option<LabelValue>)]) {
        let mut runs: Vec<String> = Vec::new();
        for (k, _) in changes {
            let id = k.run_id().to_string();
            if !runs.contains(&id) {
                runs.push(id);
            }
        }
        if runs.len() <= 64 {
            for id in runs {
                self.refresh_for(&id);
            }
        } else {
            self.refresh();
        }
    }
}

/// "the change to browse q1:3 (now relevant)" or "a change of 108 labels".
fn describe(changes: &[(LabelKey, Option<LabelValue>)]) -> String {
    match changes {
        [(key, now)] => format!(
            "the last change to {}; now {}",
            rows::key_name(key),
            now.as_ref()
                .map(rows::value_name)
                .unwrap_or_else(|| "unlabelled".into())
        ),
        many => format!("a change of {} labels at once", many.len()),
    }
}

impl App {
    /// `c`: the run's correctness, cycling correct → incorrect → as the file says.
    pub(super) fn cycle_correctness(&mut self) {
        let Some(ri) = self.current_run() else { return };
        let run_id = self.ws.runs[ri].id.clone();
        let key = LabelKey::Run {
            run_id: run_id.clone(),
        };
        let now = self.ws.journal.as_ref().and_then(|j| j.get(&key)).cloned();
        let (next, what) = match now {
            None => (Some(LabelValue::Correct(true)), "correct"),
            Some(LabelValue::Correct(true)) => (Some(LabelValue::Correct(false)), "incorrect"),
            _ => (None, "back to what the file says"),
        };
        self.write(key, next, format!("run {run_id} marked {what}"));
    }

    /// Saves the run note typed after `:` (an empty one clears it).
    pub(super) fn write_note(&mut self, note: String) {
        let Some(ri) = self.current_run() else { return };
        let run_id = self.ws.runs[ri].id.clone();
        let key = LabelKey::Note {
            run_id: run_id.clone(),
            step: None,
        };
        let note = note.trim().to_string();
        if note.is_empty() {
            self.write(key, None, format!("note of run {run_id} cleared"));
        } else {
            self.write(
                key,
                Some(LabelValue::Note(note)),
                format!("note of run {run_id} written"),
            );
        }
    }

    /// `]`: the next successful browse no human has reviewed, after the selected step of this
    /// run, then in the following runs of the list.
    pub(super) fn next_unreviewed(&mut self) {
        let eff = self.ws.labels();
        // After the step shown, by its index in the file.
        let from_step = match (self.nav.screen, self.current_run()) {
            (Screen::Run, Some(ri)) => self.ws.runs[ri]
                .steps
                .get(self.screens.run.step)
                .map_or(0, |s| s.index + 1),
            _ => 0,
        };
        let list = &self.screens.runs;
        let start = list.selected;
        let mut found = None;
        for (n, &ri) in list.order.iter().enumerate().skip(start) {
            let run = &self.ws.runs[ri];
            let first = if n == start { from_step } else { 0 };
            let next =
                run.skeleton().judged().map(|(i, _)| i).find(|&i| {
                    i >= first && eff.verdict(&run.id, i).1 != crate::labels::Source::Human
                });
            if let Some(i) = next {
                found = Some((ri, i));
                break;
            }
        }
        match found {
            Some((ri, step)) => {
                self.open_run(ri, Some(step), None);
                self.status = "the next browse no human has reviewed (a/r to label it)".into();
            }
            None => self.status = "every browse from here on has a human verdict".into(),
        }
    }
}
