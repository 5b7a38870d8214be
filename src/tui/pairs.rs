//! The Pairs screen as a component: which candidate pairs are shown, in what order, and what
//! its keys ask the app to do (label one pair, ask before labelling every pair shown, open a
//! run), as effects; it never touches the app itself.

use super::keymap::Action;
use super::rows::PairRow;
use crate::labels::Source;
use crate::verdict::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairFilter {
    All,
    Accepted,
    Rejected,
    /// No verdict yet (a judge spoke about other browses).
    Pending,
    Human,
}

impl PairFilter {
    pub fn name(self) -> &'static str {
        match self {
            PairFilter::All => "all",
            PairFilter::Accepted => "relevant",
            PairFilter::Rejected => "not relevant",
            PairFilter::Pending => "unjudged (no verdict)",
            PairFilter::Human => "set by a human",
        }
    }
    fn next(self) -> Self {
        match self {
            PairFilter::All => PairFilter::Accepted,
            PairFilter::Accepted => PairFilter::Rejected,
            PairFilter::Rejected => PairFilter::Pending,
            PairFilter::Pending => PairFilter::Human,
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
pub struct PairsView {
    pub filter: PairFilter,
    pub sort: PairSort,
    pub selected: usize,
    /// Indices into `derived.candidates`.
    pub order: Vec<usize>,
}

impl Default for PairsView {
    fn default() -> Self {
        PairsView {
            filter: PairFilter::All,
            sort: PairSort::Run,
            selected: 0,
            order: Vec::new(),
        }
    }
}

/// What the Pairs screen asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum PairsEffect {
    None,
    Status(String),
    /// Label these candidates (indices into the candidates) now.
    Label {
        idx: Vec<usize>,
        verdict: Verdict,
    },
    /// Ask first, then label every pair shown.
    AskLabelShown {
        idx: Vec<usize>,
        verdict: Verdict,
    },
    /// Open the run at this browse.
    Open {
        run: usize,
        step: usize,
    },
}

impl PairsView {
    /// The pairs shown, in order, after the candidates, filter or sort changed.
    pub fn refresh(&mut self, c: &[PairRow]) {
        let f = self.filter;
        let mut order: Vec<usize> = (0..c.len())
            .filter(|&i| match f {
                PairFilter::All => true,
                PairFilter::Accepted => c[i].verdict == Some(Verdict::Relevant),
                PairFilter::Rejected => c[i].verdict == Some(Verdict::NotRelevant),
                PairFilter::Pending => c[i].verdict.is_none(),
                PairFilter::Human => c[i].source == Source::Human,
            })
            .collect();
        match self.sort {
            // Runs in the Runs list's order (q2 before q10), each run's pairs in step order.
            PairSort::Run => order.sort_by(|&a, &b| {
                crate::text::natural_cmp(&c[a].pair.run_id, &c[b].pair.run_id)
                    .then(c[a].pair.browse_step.cmp(&c[b].pair.browse_step))
            }),
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

    /// An action on the Pairs screen over candidates `c`; `page` rows a page.
    pub fn act(&mut self, a: Action, c: &[PairRow], page: usize) -> PairsEffect {
        let last = self.order.len().saturating_sub(1);
        let sel = &mut self.selected;
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(last),
            Action::PageUp => *sel = sel.saturating_sub(page),
            Action::PageDown => *sel = (*sel + page).min(last),
            Action::Top => *sel = 0,
            Action::Bottom => *sel = last,
            Action::Sort => {
                self.sort = self.sort.next();
                self.refresh(c);
                return PairsEffect::Status(format!("pairs sorted by {}", self.sort.name()));
            }
            Action::Filter => {
                // The selected pair stays selected when the new filter shows it.
                let keep = self.order.get(self.selected).copied();
                self.filter = self.filter.next();
                self.refresh(c);
                self.selected = keep
                    .and_then(|k| self.order.iter().position(|&i| i == k))
                    .unwrap_or(0);
                return PairsEffect::Status(format!(
                    "showing {} pairs: {}",
                    self.order.len(),
                    self.filter.name()
                ));
            }
            Action::Accept | Action::Reject => {
                let verdict = if a == Action::Accept {
                    Verdict::Relevant
                } else {
                    Verdict::NotRelevant
                };
                if let Some(&i) = self.order.get(self.selected) {
                    return PairsEffect::Label {
                        idx: vec![i],
                        verdict,
                    };
                }
            }
            Action::AcceptShown | Action::RejectShown => {
                if self.order.is_empty() {
                    return PairsEffect::Status("no pairs shown".into());
                }
                let verdict = if a == Action::AcceptShown {
                    Verdict::Relevant
                } else {
                    Verdict::NotRelevant
                };
                return PairsEffect::AskLabelShown {
                    idx: self.order.clone(),
                    verdict,
                };
            }
            Action::Enter => {
                if let Some(p) = self.order.get(self.selected).and_then(|&i| c.get(i)) {
                    return PairsEffect::Open {
                        run: p.run,
                        step: p.pair.browse_step,
                    };
                }
            }
            _ => {}
        }
        PairsEffect::None
    }
}
