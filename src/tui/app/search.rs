//! `/` across the runs: every step whose text holds the words, `n`/`N` from one to the next in
//! the Runs list's order (opening the run at that step), the words highlighted wherever texts
//! are drawn.

use super::App;
use crate::tui::rows;

/// A search and what it found.
#[derive(Debug, Clone, Default)]
pub struct Matches {
    query: String,
    /// (run index, step position) of every match.
    found: Vec<(usize, usize)>,
    at: usize,
}

impl Matches {
    /// The words searched for (empty: none).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Every match: (run index, step position).
    pub fn found(&self) -> &[(usize, usize)] {
        &self.found
    }

    /// The match shown.
    pub fn at(&self) -> usize {
        self.at
    }
}

impl App {
    pub(super) fn run_search(&mut self, q: String) {
        let query = q.trim().to_string();
        let mut found = if query.is_empty() {
            Vec::new()
        } else {
            rows::search(&self.ws.runs, &query)
        };
        // In the order the Runs list shows its runs (sort and filter), then the runs it hides.
        let shown = &self.screens.runs.order;
        let place = |run: usize| shown.iter().position(|&r| r == run).unwrap_or(usize::MAX);
        found.sort_by_key(|&(run, step)| (place(run), run, step));
        self.search = Matches {
            found,
            query,
            at: 0,
        };
        let s = &self.search;
        if s.found.is_empty() {
            self.status = if s.query.is_empty() {
                "search cleared".into()
            } else {
                format!("no match for \"{}\"", s.query)
            };
            return;
        }
        self.status = format!("{} matches for \"{}\" (n / N)", s.found.len(), s.query);
        self.goto_match();
    }

    pub(super) fn jump(&mut self, d: i64) {
        if self.search.found.is_empty() {
            self.status = "no search: press / to search".into();
            return;
        }
        let s = &mut self.search;
        let n = s.found.len() as i64;
        s.at = ((s.at as i64 + d).rem_euclid(n)) as usize;
        self.goto_match();
        let s = &self.search;
        self.status = format!(
            "match {} of {} for \"{}\"",
            s.at + 1,
            s.found.len(),
            s.query
        );
    }

    fn goto_match(&mut self) {
        let (run, step) = self.search.found[self.search.at];
        self.open_run(run, step, None);
    }
}
