//! The Train screen's list of earlier training runs under the *save to* folder, compared side
//! by side, their held-out curves drawn over the chart.

use std::path::PathBuf;

use crate::train::history::{self, PastRun};
use crate::tui::component::Effect;
use crate::tui::keymap::Action;

use super::TrainScreen;
use super::form::Field;

/// The Train screen's list of earlier runs.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    /// Where they were found (the *save to* folder).
    pub base: PathBuf,
    pub runs: Vec<PastRun>,
    pub selected: usize,
    /// Runs whose held-out curves are drawn over the chart (indices into `runs`).
    pub overlaid: Vec<usize>,
}

impl TrainScreen {
    /// `H`: shows the earlier runs under the *save to* folder, or hides them.
    pub(super) fn toggle_history(&mut self) -> Effect {
        if self.history.take().is_some() {
            return Effect::None;
        }
        let base = PathBuf::from(self.form.get(Field::Out).trim());
        let runs = history::scan(&base);
        let status = match runs.len() {
            0 => format!("no earlier training runs in {}", base.display()),
            n => {
                let problems: usize = runs.iter().map(|r| r.problems.len()).sum();
                let first = runs
                    .iter()
                    .flat_map(|r| r.problems.first())
                    .next()
                    .map(|p| format!(" (first: {p})"))
                    .unwrap_or_default();
                format!(
                    "{n} earlier training runs in {}{}",
                    base.display(),
                    if problems > 0 {
                        format!("; {problems} unreadable lines left out{first}")
                    } else {
                        String::new()
                    }
                )
            }
        };
        self.history = Some(HistoryView {
            selected: runs.len().saturating_sub(1),
            base,
            runs,
            overlaid: Vec::new(),
        });
        Effect::Status(status)
    }

    /// Reads the history's folders again (a run ended), keeping the selection and overlays.
    pub fn rescan_history(&mut self) {
        let Some(h) = self.history.as_mut() else {
            return;
        };
        let name = |i: &usize| h.runs.get(*i).map(|r| r.name.clone());
        let selected = name(&h.selected);
        let overlaid: Vec<String> = h.overlaid.iter().filter_map(name).collect();
        let runs = history::scan(&h.base);
        h.selected = selected
            .and_then(|n| runs.iter().position(|r| r.name == n))
            .unwrap_or(runs.len().saturating_sub(1));
        h.overlaid = overlaid
            .iter()
            .filter_map(|n| runs.iter().position(|r| &r.name == n))
            .collect();
        h.runs = runs;
    }

    /// A key while the history is shown; `None` when it is not the history's.
    pub(super) fn history_action(&mut self, a: Action) -> Option<Effect> {
        let h = self.history.as_mut()?;
        let last = h.runs.len().saturating_sub(1);
        match a {
            Action::Up => h.selected = h.selected.saturating_sub(1),
            Action::Down => h.selected = (h.selected + 1).min(last),
            Action::Top => h.selected = 0,
            Action::Bottom => h.selected = last,
            Action::Overlay if !h.runs.is_empty() => {
                let i = h.selected;
                let status = if let Some(at) = h.overlaid.iter().position(|&x| x == i) {
                    h.overlaid.remove(at);
                    format!("{}: curve hidden", h.runs[i].name)
                } else {
                    h.overlaid.push(i);
                    format!("{}: held-out MRR@10 drawn over the chart", h.runs[i].name)
                };
                return Some(Effect::Status(status));
            }
            Action::Back | Action::History => self.history = None,
            _ => return None,
        }
        Some(Effect::None)
    }
}
