//! The Pairs screen's state: which candidate pairs are shown, in what order, and the actions on
//! one pair or on every pair shown.

use super::app::{App, Pane, Screen};
use super::keymap::Action;
use crate::labels::Source;
use crate::labels::{LabelKey, LabelValue};
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
            PairFilter::Pending => "pending (no verdict)",
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

impl App {
    pub(super) fn refresh_pairs(&mut self) {
        let c = &self.derived.candidates;
        let f = self.pairs.filter;
        let mut order: Vec<usize> = (0..c.len())
            .filter(|&i| match f {
                PairFilter::All => true,
                PairFilter::Accepted => c[i].verdict == Some(Verdict::Relevant),
                PairFilter::Rejected => c[i].verdict == Some(Verdict::NotRelevant),
                PairFilter::Pending => c[i].verdict.is_none(),
                PairFilter::Human => c[i].source == Source::Human,
            })
            .collect();
        match self.pairs.sort {
            PairSort::Run => {}
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
        self.pairs.order = order;
        self.pairs.selected = self
            .pairs
            .selected
            .min(self.pairs.order.len().saturating_sub(1));
    }

    /// Sets the verdict of every listed candidate at once.
    /// Asks before labelling every pair shown (one change: `u` undoes it whole).
    fn confirm_label_pairs(&mut self, v: Verdict) {
        let n = self.pairs.order.len();
        if n == 0 {
            self.status = "no pairs shown".into();
            return;
        }
        self.confirm = Some(super::app::Confirm::LabelPairs {
            idx: self.pairs.order.clone(),
            verdict: v,
        });
    }

    pub(super) fn label_pairs(&mut self, idx: Vec<usize>, v: Verdict) {
        let changes: Vec<(LabelKey, Option<LabelValue>)> = idx
            .iter()
            .filter_map(|&i| self.derived.candidates.get(i))
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
        let Some(j) = self.journal.as_mut() else {
            self.status = "labels are not open: nothing was written".into();
            return;
        };
        let n = changes.len();
        match j.set_all(changes.clone()) {
            Ok(_) => {
                self.status = format!(
                    "{n} browse(s) marked {} as one change (u undoes it), saved to {}",
                    v.label(),
                    j.path().display()
                );
                self.refresh_changed(&changes);
            }
            Err(e) => self.status = format!("not saved: {e}"),
        }
    }

    pub(super) fn pairs_action(&mut self, a: Action) {
        let n = self.pairs.order.len();
        let last = n.saturating_sub(1);
        let sel = &mut self.pairs.selected;
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(last),
            Action::PageUp => *sel = sel.saturating_sub(self.page),
            Action::PageDown => *sel = (*sel + self.page).min(last),
            Action::Top => *sel = 0,
            Action::Bottom => *sel = last,
            Action::Sort => {
                self.pairs.sort = self.pairs.sort.next();
                self.refresh_pairs();
                self.status = format!("pairs sorted by {}", self.pairs.sort.name());
            }
            Action::Filter => {
                // The selected pair stays selected when the new filter shows it.
                let keep = self.pairs.order.get(self.pairs.selected).copied();
                self.pairs.filter = self.pairs.filter.next();
                self.refresh_pairs();
                self.pairs.selected = keep
                    .and_then(|k| self.pairs.order.iter().position(|&i| i == k))
                    .unwrap_or(0);
                self.status = format!(
                    "showing {} pairs: {}",
                    self.pairs.order.len(),
                    self.pairs.filter.name()
                );
            }
            Action::Accept | Action::Reject => {
                let v = if a == Action::Accept {
                    Verdict::Relevant
                } else {
                    Verdict::NotRelevant
                };
                if let Some(&i) = self.pairs.order.get(self.pairs.selected) {
                    self.label_pairs(vec![i], v);
                }
            }
            Action::AcceptShown => self.confirm_label_pairs(Verdict::Relevant),
            Action::RejectShown => self.confirm_label_pairs(Verdict::NotRelevant),
            Action::Enter => {
                let Some(c) = self
                    .pairs
                    .order
                    .get(self.pairs.selected)
                    .and_then(|&i| self.derived.candidates.get(i))
                else {
                    return;
                };
                let (run, step) = (c.run, c.pair.browse_step);
                if !self.order.contains(&run) {
                    self.filter = super::app::Filter::All;
                    self.refresh();
                }
                if let Some(p) = self.order.iter().position(|&i| i == run) {
                    self.selected = p;
                    self.screen = Screen::Run;
                    self.back_to = Screen::Pairs;
                    self.pane = Pane::Timeline;
                    let pos = self.runs[run]
                        .steps
                        .iter()
                        .position(|s| s.index == step)
                        .unwrap_or(0);
                    self.select_step(pos);
                }
            }
            _ => {}
        }
    }
}
