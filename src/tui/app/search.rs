//! `/` across the runs: every step whose text holds the words, `n`/`N` from one to the next in
//! the Runs list's order (opening the run at that step), the words highlighted wherever texts
//! are drawn.

use super::App;
use crate::tui::rows;
use crate::tui::screens::Screen;

/// A search and what it found.
#[derive(Debug, Clone, Default)]
pub struct Matches {
    query: String,
    /// (run index, step index in the run's file) of every match.
    found: Vec<(usize, usize)>,
    at: usize,
    /// From the run index (`/` on the Runs screen): `n`/`N` stay inside the open run.
    within_run: bool,
}

/// The words of a run-index query to highlight in texts: its first quoted phrase, else its
/// first plain word (field filters, operators and excluded words left out).
pub fn highlight_words(q: &str) -> String {
    if let Some(start) = q.find('"')
        && let Some(len) = q[start + 1..].find('"')
    {
        return q[start + 1..start + 1 + len].to_string();
    }
    let plain = |w: &&str| !w.starts_with('-') && !matches!(*w, "AND" | "OR" | "NOT");
    let word = q
        .split_whitespace()
        .filter(plain)
        .find(|w| !w.contains(':'))
        // A filter alone: its value (a document id, a run) is what to look for.
        .or_else(|| {
            q.split_whitespace()
                .filter(plain)
                .filter_map(|w| w.split_once(':'))
                .find(|(f, _)| !matches!(*f, "kind" | "outcome" | "status"))
                .map(|(_, v)| v)
        })
        .unwrap_or_default();
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

impl Matches {
    /// The words searched for (empty: none).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Every match: (run index, step index in the run's file).
    pub fn found(&self) -> &[(usize, usize)] {
        &self.found
    }

    /// The match shown.
    pub fn at(&self) -> usize {
        self.at
    }
}

impl App {
    /// `/` on the Runs (or Found) screen with the run index ready: every step the query
    /// finds across the runs, ranked, listed on the Found screen.
    fn find_across_runs(&mut self, query: String) -> bool {
        let Some(ix) = self.ws.run_index.as_ref() else {
            return false;
        };
        let hits = match ix.find(&query, None, 1000) {
            Ok(h) => h,
            Err(e) => {
                self.status = e.to_string();
                return true;
            }
        };
        // The index names a run by its file and line; the app's runs by their index.
        let mut by_source: std::collections::HashMap<(String, u64), usize> = Default::default();
        for (i, r) in self.ws.runs.iter().enumerate() {
            let key = (
                crate::runindex::key_of(&r.source.path),
                r.source.line.map_or(0, |l| l as u64),
            );
            by_source.entry(key).or_insert(i);
        }
        let found: Vec<crate::tui::screens::found::Found> = hits
            .into_iter()
            .filter_map(|h| {
                let run = *by_source.get(&(h.file.clone(), h.line.unwrap_or(0)))?;
                Some(crate::tui::screens::found::Found {
                    run,
                    step: usize::try_from(h.step).unwrap_or(usize::MAX),
                    kind: h.kind,
                    excerpt: h.excerpt,
                    highlights: h.highlights,
                })
            })
            .collect();
        let mut steps: Vec<(usize, usize)> = found.iter().map(|f| (f.run, f.step)).collect();
        steps.sort_unstable();
        steps.dedup();
        self.status = match found.len() {
            0 => format!("no step matches {query}"),
            n => format!("{} for {query}", crate::text::count(n, "step")),
        };
        self.search = Matches {
            query: highlight_words(&query),
            found: steps,
            at: 0,
            within_run: true,
        };
        let f = &mut self.screens.found;
        f.query = query;
        f.hits = found;
        f.selected = 0;
        self.nav.screen = Screen::Found;
        true
    }

    pub(super) fn run_search(&mut self, q: String) {
        let query = q.trim().to_string();
        if !query.is_empty()
            && self.nav.screen != Screen::Help
            && self.find_across_runs(query.clone())
        {
            return;
        }
        // Without a run index each run is read whole from its file to be searched.
        let mut found: Vec<(usize, usize)> = Vec::new();
        if !query.is_empty() {
            for (ri, r) in self.ws.runs.iter().enumerate() {
                let whole = r
                    .is_shell()
                    .then(|| crate::run::load::with_texts(r, &self.ws.read))
                    .flatten();
                let steps = rows::search(whole.as_ref().unwrap_or(r), &query);
                found.extend(steps.into_iter().map(|s| (ri, s)));
            }
        }
        // In the order the Runs list shows its runs (sort and filter), then the runs it hides.
        let shown = &self.screens.runs.order;
        let place = |run: usize| shown.iter().position(|&r| r == run).unwrap_or(usize::MAX);
        found.sort_by_key(|&(run, step)| (place(run), run, step));
        self.search = Matches {
            found,
            query,
            at: 0,
            within_run: false,
        };
        let s = &self.search;
        if s.found.is_empty() {
            self.status = if s.query.is_empty() {
                "search cleared".into()
            } else {
                format!("no match for \"{}\"", s.query)
            };
        } else {
            let n = s.found.len();
            self.status = format!(
                "{n} match{} for \"{}\" (n / N)",
                if n == 1 { "" } else { "es" },
                s.query
            );
        }
        if let Some(why) = &self.ws.run_index_problem {
            self.status = format!("{}; the text as typed: no run index ({why})", self.status);
        }
        if !self.search.found.is_empty() {
            self.goto_match();
        }
    }

    pub(super) fn jump(&mut self, d: i64) {
        if self.search.found.is_empty() {
            self.status = "no search: press / to search".into();
            return;
        }
        // Hits from the run index: the next one inside the open run.
        if self.search.within_run && self.nav.screen == Screen::Run {
            let run = self.current_run();
            let here: Vec<usize> = (0..self.search.found.len())
                .filter(|&i| Some(self.search.found[i].0) == run)
                .collect();
            if here.is_empty() {
                self.status = "no hit in this run".into();
                return;
            }
            // The step shown, by its index in the file.
            let pos = run
                .and_then(|r| self.ws.runs.get(r))
                .and_then(|r| r.steps.get(self.screens.run.step))
                .map_or(0, |s| s.index);
            let step_of = |i: usize| self.search.found[i].1;
            // The next hit after the step shown (or the previous before it), round the run.
            let k = if d > 0 {
                here.iter().position(|&i| step_of(i) > pos).unwrap_or(0)
            } else {
                here.iter()
                    .rposition(|&i| step_of(i) < pos)
                    .unwrap_or(here.len() - 1)
            };
            self.search.at = here[k];
            self.goto_match();
            self.status = format!(
                "hit {} of {} in this run for \"{}\"",
                k + 1,
                here.len(),
                self.search.query
            );
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
        self.open_run(run, Some(step), None);
    }
}
