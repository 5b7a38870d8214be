//! The Pairs screen: which candidate pairs are shown, in what order, and what its keys ask the
//! app to do (label one pair, ask before labelling every pair shown, open a run), as effects.

mod view;

use crate::labels::Source;
use crate::tui::component::{Component, Confirm, Context, Effect};
use crate::tui::keymap::Action;
use crate::tui::rows::{Derived, PairRow};
use crate::verdict::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairFilter {
    All,
    Accepted,
    Rejected,
    /// No verdict yet (a judge spoke about other browses).
    Unjudged,
    Human,
}

impl PairFilter {
    pub fn name(self) -> &'static str {
        match self {
            PairFilter::All => "all",
            PairFilter::Accepted => "relevant",
            PairFilter::Rejected => "not relevant",
            PairFilter::Unjudged => "unjudged (no verdict)",
            PairFilter::Human => "set by a human",
        }
    }
    fn next(self) -> Self {
        match self {
            PairFilter::All => PairFilter::Accepted,
            PairFilter::Accepted => PairFilter::Rejected,
            PairFilter::Rejected => PairFilter::Unjudged,
            PairFilter::Unjudged => PairFilter::Human,
            PairFilter::Human => PairFilter::All,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSort {
    Run,
    Length,
    Weight,
    Negatives,
}

impl PairSort {
    pub fn name(self) -> &'static str {
        match self {
            PairSort::Run => "run",
            PairSort::Length => "l (longest first)",
            PairSort::Weight => "w (heaviest first)",
            PairSort::Negatives => "negatives (most first)",
        }
    }
    fn next(self) -> Self {
        match self {
            PairSort::Run => PairSort::Length,
            PairSort::Length => PairSort::Weight,
            PairSort::Weight => PairSort::Negatives,
            PairSort::Negatives => PairSort::Run,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PairsScreen {
    pub filter: PairFilter,
    pub sort: PairSort,
    pub selected: usize,
    /// Indices into `derived.candidates`.
    pub order: Vec<usize>,
}

impl Default for PairsScreen {
    fn default() -> Self {
        PairsScreen {
            filter: PairFilter::All,
            sort: PairSort::Run,
            selected: 0,
            order: Vec::new(),
        }
    }
}

impl PairsScreen {
    /// The pairs shown, in order, after the candidates, filter or sort changed.
    pub fn refresh(&mut self, d: &Derived) {
        let c: Vec<PairRow> = d.candidates().collect();
        let f = self.filter;
        let mut order: Vec<usize> = (0..c.len())
            .filter(|&i| match f {
                PairFilter::All => true,
                PairFilter::Accepted => c[i].verdict == Some(Verdict::Relevant),
                PairFilter::Rejected => c[i].verdict == Some(Verdict::NotRelevant),
                PairFilter::Unjudged => c[i].verdict.is_none(),
                PairFilter::Human => c[i].source == Source::Human,
            })
            .collect();
        match self.sort {
            // Runs in the Runs list's order (q2 before q10), each run's pairs in step order.
            PairSort::Run => {
                // Each run's place in id order, found once a run rather than once a comparison.
                let mut by_id: Vec<usize> = (0..d.rows.len()).collect();
                by_id.sort_by(|&a, &b| crate::text::natural_cmp(&d.rows[a].id, &d.rows[b].id));
                let mut place = vec![0; by_id.len()];
                for (p, &ri) in by_id.iter().enumerate() {
                    place[ri] = p;
                }
                order.sort_by_key(|&i| {
                    (
                        place.get(c[i].run).copied().unwrap_or(usize::MAX),
                        c[i].pair.browse_step,
                    )
                })
            }
            PairSort::Length => {
                order.sort_by_key(|&i| std::cmp::Reverse(c[i].pair.reasoning_len.unwrap_or(0)))
            }
            PairSort::Weight => {
                order.sort_by(|&a, &b| c[b].pair.reweight_rate.total_cmp(&c[a].pair.reweight_rate))
            }
            PairSort::Negatives => {
                order.sort_by_key(|&i| std::cmp::Reverse(c[i].pair.neg_id.len()))
            }
        }
        self.order = order;
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    /// Selects the `n`th pair shown.
    pub fn select(&mut self, n: usize) {
        self.selected = n.min(self.order.len().saturating_sub(1));
    }
}

impl Component for PairsScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        if crate::tui::component::move_selection(a, &mut self.selected, self.order.len(), cx.page) {
            return Some(Effect::None);
        }
        match a {
            Action::Sort => {
                self.sort = self.sort.next();
                self.refresh(cx.derived);
                return Some(Effect::Status(format!(
                    "pairs sorted by {}",
                    self.sort.name()
                )));
            }
            Action::Filter => {
                // The selected pair stays selected when the new filter shows it.
                let keep = self.order.get(self.selected).copied();
                self.filter = self.filter.next();
                self.refresh(cx.derived);
                self.selected = keep
                    .and_then(|k| self.order.iter().position(|&i| i == k))
                    .unwrap_or(0);
                return Some(Effect::Status(format!(
                    "showing {}: {}",
                    crate::text::count(self.order.len(), "pair"),
                    self.filter.name()
                )));
            }
            Action::Accept | Action::Reject => {
                let verdict = if a == Action::Accept {
                    Verdict::Relevant
                } else {
                    Verdict::NotRelevant
                };
                if let Some(&i) = self.order.get(self.selected) {
                    return Some(Effect::LabelPairs {
                        idx: vec![i],
                        verdict,
                    });
                }
            }
            Action::AcceptShown | Action::RejectShown => {
                if self.order.is_empty() {
                    return Some(Effect::Status("no pairs shown".into()));
                }
                let verdict = if a == Action::AcceptShown {
                    Verdict::Relevant
                } else {
                    Verdict::NotRelevant
                };
                return Some(Effect::Confirm(Confirm::LabelPairs {
                    idx: self.order.clone(),
                    verdict,
                }));
            }
            Action::Enter => {
                if let Some(p) = self
                    .order
                    .get(self.selected)
                    .and_then(|&i| cx.derived.candidate(i))
                {
                    return Some(Effect::OpenRun {
                        run: p.run,
                        step: Some(p.pair.browse_step),
                        back: super::Screen::Pairs,
                    });
                }
            }
            _ => return None,
        }
        Some(Effect::None)
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        "a/r · A/D shown · f filter · s sort · m mode · e export │"
    }

    fn click(&mut self, row: u16, _column: u16, cx: &Context) -> Option<Effect> {
        let i = crate::tui::chrome::row_at(row, self.selected, cx.list_rows)?;
        if i < self.order.len() {
            self.selected = i;
        }
        Some(Effect::None)
    }
}
