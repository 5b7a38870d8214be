//! The Run screen: the selected step, the selected hit of a search, which pane has the focus
//! and how far the detail is scrolled; its keys move these and ask the app (as effects) to go
//! back or to label the browse or hit shown.

mod view;

pub use view::TIMELINE_PERCENT;

use crate::labels::NegativeLabel;
use crate::run::{Run, Search, StepKind};
use crate::tui::component::{Component, Context, Effect};
use crate::tui::keymap::Action;
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
struct Bounds {
    /// Steps in the run.
    steps: usize,
    /// Hits of the selected step when it is a search (0 otherwise).
    hits: usize,
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
    fn move_in(&mut self, pane: Pane, d: i64, cx: &Bounds) {
        match pane {
            Pane::Timeline if d < 0 => self.select_step(self.step.saturating_sub(1), cx.steps),
            Pane::Timeline => self.select_step(self.step + 1, cx.steps),
            Pane::Detail => self.move_hit(d, cx.hits),
        }
    }

    /// The step shown: the run and its position in `steps`.
    pub fn step<'a>(&self, cx: &Context<'a>) -> Option<(&'a Run, usize)> {
        let run = cx.current_run.and_then(|r| cx.runs.get(r))?;
        (self.step < run.steps.len()).then_some((run, self.step))
    }

    /// The search shown, when the step shown is one.
    pub fn search<'a>(&self, cx: &Context<'a>) -> Option<&'a Search> {
        let (run, pos) = self.step(cx)?;
        match &run.steps[pos].kind {
            StepKind::Search(s) => Some(s),
            _ => None,
        }
    }

    fn bounds(&self, cx: &Context) -> Bounds {
        Bounds {
            steps: cx.run().map_or(0, |r| r.steps.len()),
            hits: self.search(cx).map_or(0, |s| s.hits.len()),
        }
    }

    /// Opens the run at step position `step`, the timeline focused.
    pub fn open(&mut self, step: usize, cx: &Context) {
        self.pane = Pane::Timeline;
        self.select_step(step, self.bounds(cx).steps);
    }

    /// The pane at a terminal column.
    fn pane_at(column: u16, width: u16) -> Pane {
        if u32::from(column) * 100 < u32::from(width) * u32::from(TIMELINE_PERCENT) {
            Pane::Timeline
        } else {
            Pane::Detail
        }
    }
}

impl Component for RunScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        let b = self.bounds(cx);
        // How far the detail scrolls is worked out only for the keys that need it.
        let scroll_max = || view::detail_scroll_max(self, cx);
        match a {
            Action::Back => return Some(Effect::Back),
            Action::WholeQuestion => {
                self.whole_question = !self.whole_question;
                return Some(Effect::Status(
                    match self.whole_question {
                        true => "the whole question and note shown (v folds them)",
                        false => "the question folded to three lines, the note to one (v unfolds)",
                    }
                    .into(),
                ));
            }
            Action::NextPane => {
                self.pane = match self.pane {
                    Pane::Timeline => Pane::Detail,
                    Pane::Detail => Pane::Timeline,
                }
            }
            Action::Up | Action::Down => {
                self.move_in(self.pane, if a == Action::Up { -1 } else { 1 }, &b);
                if self.pane == Pane::Detail && b.hits > 0 {
                    self.detail_scroll = view::scroll_to_hit(self, cx);
                }
            }
            Action::PageUp => match self.pane {
                Pane::Timeline => self.select_step(self.step.saturating_sub(cx.page), b.steps),
                Pane::Detail => self.detail_scroll = self.detail_scroll.saturating_sub(10),
            },
            Action::PageDown => match self.pane {
                Pane::Timeline => self.select_step(self.step + cx.page, b.steps),
                Pane::Detail => {
                    let max = scroll_max();
                    self.detail_scroll = self.detail_scroll.saturating_add(10).min(max)
                }
            },
            Action::Top => match self.pane {
                Pane::Timeline => self.select_step(0, b.steps),
                Pane::Detail => self.detail_scroll = 0,
            },
            Action::Bottom => match self.pane {
                Pane::Timeline => self.select_step(usize::MAX, b.steps),
                Pane::Detail => self.detail_scroll = scroll_max(),
            },
            Action::Accept => return Some(Effect::LabelBrowse(Verdict::Relevant)),
            Action::Reject => return Some(Effect::LabelBrowse(Verdict::NotRelevant)),
            Action::Exclude => return Some(Effect::LabelNegative(NegativeLabel::Exclude)),
            Action::ActuallyRelevant => {
                return Some(Effect::LabelNegative(NegativeLabel::ActuallyRelevant));
            }
            _ => return None,
        }
        Some(Effect::None)
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        "Tab pane · a/r verdict · x/R negative · u undo · Esc back │"
    }

    /// A click focuses the pane under the pointer; on the timeline it selects the step there.
    fn click(&mut self, row: u16, column: u16, cx: &Context) -> Option<Effect> {
        if row < 2 {
            return None;
        }
        self.pane = Self::pane_at(column, cx.width);
        if self.pane == Pane::Timeline {
            let offset = self.step.saturating_sub(cx.list_rows.max(1));
            self.select_step(offset + usize::from(row - 2), self.bounds(cx).steps);
        }
        Some(Effect::None)
    }

    /// The wheel moves in the pane under the pointer; the focus stays where it was.
    fn wheel(&mut self, column: u16, down: bool, cx: &Context) -> Option<Effect> {
        let b = self.bounds(cx);
        self.move_in(
            Self::pane_at(column, cx.width),
            if down { 1 } else { -1 },
            &b,
        );
        Some(Effect::None)
    }
}
