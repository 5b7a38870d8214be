//! The Review screen (`5`): the review queue — every browse a person has not labelled, the
//! verdicts most likely wrong and most consequential for training first — one item at a time
//! with what a person needs to judge it; `a`/`r` label it and the next appears, Space skips,
//! `u` undoes as everywhere.

mod view;

use crate::review::{self, Inputs, Queue};
use crate::tui::component::{Component, Context, Effect};
use crate::tui::keymap::Action;
use crate::verdict::Verdict;

/// One judge's agreement with the person's labels so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub judge: String,
    pub n: usize,
    pub kappa: Option<f64>,
}

#[derive(Debug, Default)]
pub struct ReviewScreen {
    pub queue: Queue,
    pub selected: usize,
    /// Each judge's agreement with the labels (κ), updated with every label.
    pub agreement: Vec<Agreement>,
    /// Whether the queue was computed (it is when the screen is shown).
    pub ready: bool,
    /// Queue rows the last frame showed (for clicks).
    shown: std::cell::Cell<usize>,
    /// Lines the selected browse's detail is scrolled by (PgDn/PgUp).
    pub scroll: u16,
    /// Browses skipped in this session: shown after the others, in queue order.
    skipped: Vec<(String, usize)>,
}

impl ReviewScreen {
    /// The queue and the agreement from the runs and labels in force.
    pub fn refresh(&mut self, cx: &Context) {
        let human = cx.labels.human_verdicts();
        self.queue = review::queue(&Inputs {
            runs: cx.runs,
            panel: cx.panel,
            labels: cx.labels,
            human: &human,
            mined: &cx.derived.mined,
        });
        // κ per judge, named as the queue names them.
        let names = cx.panel.opinions.judges.iter().map(|j| j.name());
        self.agreement = crate::labels::agreement::by_judge(&cx.panel.opinions, &human)
            .into_iter()
            .zip(names)
            .map(|(a, judge)| Agreement {
                judge,
                n: a.n,
                kappa: a.kappa,
            })
            .collect();
        // Skipped browses wait at the end, in the order they were skipped.
        let skipped = &self.skipped;
        let rank = |i: &review::Item| {
            skipped
                .iter()
                .position(|(r, s)| *r == i.run_id && *s == i.step)
                .map_or(0, |p| p + 1)
        };
        self.queue.items.sort_by_key(rank);
        self.selected = self.selected.min(self.queue.items.len().saturating_sub(1));
        self.ready = true;
    }
}

impl ReviewScreen {
    /// The run of the browse selected.
    pub fn selected_run(&self) -> Option<usize> {
        self.queue.items.get(self.selected).map(|i| i.run)
    }
}

impl Component for ReviewScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        // The detail scrolls by page; every other move shows the next browse from its top.
        match a {
            Action::PageDown => {
                self.scroll = self
                    .scroll
                    .saturating_add(u16::try_from(cx.page).unwrap_or(10));
                return Some(Effect::None);
            }
            Action::PageUp => {
                self.scroll = self
                    .scroll
                    .saturating_sub(u16::try_from(cx.page).unwrap_or(10));
                return Some(Effect::None);
            }
            _ => self.scroll = 0,
        }
        if crate::tui::component::move_selection(
            a,
            &mut self.selected,
            self.queue.items.len(),
            cx.page,
        ) {
            return Some(Effect::None);
        }
        let sel = &mut self.selected;
        match a {
            Action::Skip => {
                let Some(item) = self.queue.items.get(*sel) else {
                    return Some(Effect::Status("the queue is empty".into()));
                };
                let key = (item.run_id.clone(), item.step);
                let what = format!(
                    "skipped {}:{} (it waits at the end of the queue)",
                    item.run_id, item.step
                );
                // The skipped browse moves to the end; the next one takes its place.
                let moved = self.queue.items.remove(*sel);
                self.queue.items.push(moved);
                self.skipped.retain(|k| *k != key);
                self.skipped.push(key);
                Some(Effect::Status(what))
            }
            Action::Accept | Action::Reject => {
                let item = self.queue.items.get(*sel)?;
                // The labelled item leaves the queue; the next one takes its place.
                Some(Effect::LabelAt {
                    run_id: item.run_id.clone(),
                    step: item.step,
                    verdict: if a == Action::Accept {
                        Verdict::Relevant
                    } else {
                        Verdict::NotRelevant
                    },
                })
            }
            Action::Enter => {
                let item = self.queue.items.get(*sel)?;
                Some(Effect::OpenRun {
                    run: item.run,
                    step: Some(item.step),
                    back: super::Screen::Review,
                })
            }
            _ => None,
        }
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        "a relevant · r not · Space skip · u undo · PgDn · Enter run │"
    }

    fn click(&mut self, row: u16, _column: u16, _cx: &Context) -> Option<Effect> {
        // The list starts below the header, the progress line and the list's own header.
        let first = row.checked_sub(4)?;
        let (start, _) = view::list_window(self.selected, self.queue.items.len(), self.shown.get());
        let i = start + usize::from(first);
        if i < self.queue.items.len() {
            self.selected = i;
        }
        Some(Effect::None)
    }
}
