//! The Runs screen as a component: which runs are listed (filter and sort), which one is
//! selected, and what its keys ask of the app (open the selected run, say something). It keeps
//! the selected run selected when the list changes, and never touches the app itself.

use super::keymap::Action;
use super::rows::{self, Filter, RunRow, SortKey};

#[derive(Debug, Clone)]
pub struct RunsView {
    /// Visible runs (indices into the runs) after filter and sort.
    pub order: Vec<usize>,
    pub sort: SortKey,
    pub filter: Filter,
    pub selected: usize,
}

impl Default for RunsView {
    fn default() -> Self {
        RunsView {
            order: Vec::new(),
            sort: SortKey::Id,
            filter: Filter::All,
            selected: 0,
        }
    }
}

/// What the Runs screen asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum RunsEffect {
    None,
    Status(String),
    /// Open the selected run.
    Open,
}

impl RunsView {
    /// The selected run (an index into the runs).
    pub fn current(&self) -> Option<usize> {
        self.order.get(self.selected).copied()
    }

    /// The list again after the rows, filter or sort changed; the selected run stays selected
    /// when it is still listed.
    pub fn relist(&mut self, rows: &[RunRow]) {
        let keep = self.current();
        self.order = rows::visible(rows, self.filter, self.sort);
        if let Some(k) = keep
            && let Some(p) = self.order.iter().position(|&i| i == k)
        {
            self.selected = p;
        }
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    /// An action on the Runs screen; `None` when it is not this screen's.
    pub fn act(&mut self, a: Action, rows: &[RunRow], page: usize) -> Option<RunsEffect> {
        let last = self.order.len().saturating_sub(1);
        match a {
            Action::Sort => {
                self.sort = self.sort.next();
                self.relist(rows);
                return Some(RunsEffect::Status(format!(
                    "sorted by {}",
                    self.sort.name()
                )));
            }
            Action::Filter => {
                self.filter = self.filter.next();
                self.relist(rows);
                return Some(RunsEffect::Status(format!(
                    "showing {} runs: {}",
                    self.order.len(),
                    self.filter.name()
                )));
            }
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Enter if !self.order.is_empty() => return Some(RunsEffect::Open),
            _ => return None,
        }
        Some(RunsEffect::None)
    }
}
