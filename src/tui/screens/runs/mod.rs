//! The Runs screen: which runs are listed (filter and sort), which one is selected, and what
//! its keys ask of the app (open the selected run, say something). It keeps the selected run
//! selected when the list changes.

mod view;

use crate::tui::component::{Component, Context, Effect};
use crate::tui::keymap::Action;
use crate::tui::rows::{self, Filter, RunRow, SortKey};

#[derive(Debug, Clone)]
pub struct RunsScreen {
    /// Visible runs (indices into the runs) after filter and sort.
    pub order: Vec<usize>,
    pub sort: SortKey,
    pub filter: Filter,
    pub selected: usize,
}

impl Default for RunsScreen {
    fn default() -> Self {
        RunsScreen {
            order: Vec::new(),
            sort: SortKey::Id,
            filter: Filter::All,
            selected: 0,
        }
    }
}

impl RunsScreen {
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

    /// Selects the `n`th listed run.
    pub fn select(&mut self, n: usize) {
        self.selected = n.min(self.order.len().saturating_sub(1));
    }

    /// Selects run `run` (an index into the runs), listing every run first when the filter
    /// hides it; `false` when it is not there at all.
    pub fn select_run(&mut self, run: usize, rows: &[RunRow]) -> bool {
        if !self.order.contains(&run) {
            self.filter = Filter::All;
            self.relist(rows);
        }
        match self.order.iter().position(|&i| i == run) {
            Some(p) => {
                self.selected = p;
                true
            }
            None => false,
        }
    }
}

impl Component for RunsScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        let rows = &cx.derived.rows;
        let page = cx.page;
        match a {
            Action::Sort => {
                self.sort = self.sort.next();
                self.relist(rows);
                return Some(Effect::Status(format!("sorted by {}", self.sort.name())));
            }
            Action::Filter => {
                self.filter = self.filter.next();
                self.relist(rows);
                return Some(Effect::Status(format!(
                    "showing {} runs: {}",
                    self.order.len(),
                    self.filter.name()
                )));
            }
            _ if crate::tui::component::move_selection(
                a,
                &mut self.selected,
                self.order.len(),
                page,
            ) => {}
            Action::Enter => {
                return Some(match self.current() {
                    Some(run) => Effect::OpenRun {
                        run,
                        step: None,
                        back: crate::tui::screens::Screen::Runs,
                    },
                    None => Effect::None,
                });
            }
            _ => return None,
        }
        Some(Effect::None)
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        "Enter open · s sort · f filter · / search · C compare · ? help │"
    }

    /// A click selects the row under the pointer.
    fn click(&mut self, row: u16, _column: u16, cx: &Context) -> Option<Effect> {
        let i = crate::tui::chrome::row_at(row, self.selected, cx.list_rows)?;
        if i < self.order.len() {
            self.selected = i;
        }
        Some(Effect::None)
    }
}
