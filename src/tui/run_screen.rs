//! The Run screen as a component: the selected step, the selected hit of a search, which pane
//! has the focus and how far the detail is scrolled; its keys move these and ask the app (as
//! effects) to go back or to label the browse or hit shown. It never touches the app itself.

use super::keymap::Action;
use crate::labels::NegativeLabel;
use crate::verdict::Verdict;

/// The Run screen's two panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Timeline,
    Detail,
}

#[derive(Debug, Clone)]
pub struct RunScreen {
    pub pane: Pane,
    /// Position in the open run's `steps`.
    pub step: usize,
    /// Selected hit in a search step's detail (for x and R).
    pub hit: usize,
    pub detail_scroll: u16,
    /// The header shows the whole question, not its first three lines (`v`).
    pub whole_question: bool,
}

impl Default for RunScreen {
    fn default() -> Self {
        RunScreen {
            pane: Pane::Timeline,
            step: 0,
            hit: 0,
            detail_scroll: 0,
            whole_question: false,
        }
    }
}

/// What the screen needs to know of the open run.
pub struct RunContext<'a> {
    /// Steps in the run.
    pub steps: usize,
    /// Hits of the selected step when it is a search (0 otherwise).
    pub hits: usize,
    /// Rows a page.
    pub page: usize,
    /// How far the detail can scroll (computed only when asked).
    pub scroll_max: &'a dyn Fn() -> u16,
}

/// What the Run screen asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEffect {
    None,
    Back,
    /// Label the browse shown.
    Verdict(Verdict),
    /// Label the selected hit of the search shown.
    Negative(NegativeLabel),
}

impl RunScreen {
    /// Selects step `to` (clamped to the run), its first hit, the detail's top.
    pub fn select_step(&mut self, to: usize, steps: usize) {
        self.step = to.min(steps.saturating_sub(1));
        self.hit = 0;
        self.detail_scroll = 0;
    }

    /// One hit up or down in a search's detail; the detail scrolls when there are no hits.
    pub fn move_hit(&mut self, d: i64, hits: usize) {
        if hits == 0 {
            self.detail_scroll = if d > 0 {
                self.detail_scroll.saturating_add(1)
            } else {
                self.detail_scroll.saturating_sub(1)
            };
            return;
        }
        self.hit = (self.hit as i64 + d).clamp(0, hits as i64 - 1) as usize;
    }

    /// One step (timeline) or one hit (detail) up or down.
    pub fn move_in(&mut self, pane: Pane, d: i64, cx: &RunContext<'_>) {
        match pane {
            Pane::Timeline if d < 0 => self.select_step(self.step.saturating_sub(1), cx.steps),
            Pane::Timeline => self.select_step(self.step + 1, cx.steps),
            Pane::Detail => self.move_hit(d, cx.hits),
        }
    }

    /// An action on the Run screen; `None` when it is not this screen's.
    pub fn act(&mut self, a: Action, cx: &RunContext<'_>) -> Option<RunEffect> {
        match a {
            Action::Back => return Some(RunEffect::Back),
            Action::NextPane => {
                self.pane = match self.pane {
                    Pane::Timeline => Pane::Detail,
                    Pane::Detail => Pane::Timeline,
                }
            }
            Action::Up => self.move_in(self.pane, -1, cx),
            Action::Down => self.move_in(self.pane, 1, cx),
            Action::PageUp => match self.pane {
                Pane::Timeline => self.select_step(self.step.saturating_sub(cx.page), cx.steps),
                Pane::Detail => self.detail_scroll = self.detail_scroll.saturating_sub(10),
            },
            Action::PageDown => match self.pane {
                Pane::Timeline => self.select_step(self.step + cx.page, cx.steps),
                Pane::Detail => {
                    self.detail_scroll =
                        self.detail_scroll.saturating_add(10).min((cx.scroll_max)())
                }
            },
            Action::Top => match self.pane {
                Pane::Timeline => self.select_step(0, cx.steps),
                Pane::Detail => self.detail_scroll = 0,
            },
            Action::Bottom => match self.pane {
                Pane::Timeline => self.select_step(usize::MAX, cx.steps),
                Pane::Detail => self.detail_scroll = (cx.scroll_max)(),
            },
            Action::Accept => return Some(RunEffect::Verdict(Verdict::Relevant)),
            Action::Reject => return Some(RunEffect::Verdict(Verdict::NotRelevant)),
            Action::Exclude => return Some(RunEffect::Negative(NegativeLabel::Exclude)),
            Action::ActuallyRelevant => {
                return Some(RunEffect::Negative(NegativeLabel::ActuallyRelevant));
            }
            _ => return None,
        }
        Some(RunEffect::None)
    }
}
