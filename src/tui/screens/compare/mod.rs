//! The Compare screen (`C` on a run whose question other run sets also ran): the two runs side
//! by side as [`crate::compare::Comparison`] gives them — each one's searches, browses (those
//! both browsed marked, evidence marked with qrels) and answer, aligned in order, where they
//! diverged, and what each achieved. `C` again shows the next other run of the question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use crate::compare::{Comparison, run_set};
use crate::run::Run;
use crate::tui::component::{Component, Context, Effect, Screen};
use crate::tui::keymap::Action;

#[derive(Debug, Default)]
pub struct CompareScreen {
    /// The run compared (an index into the runs) and the other runs of its question.
    pub a: usize,
    pub others: Vec<usize>,
    /// Which of `others` is shown.
    pub shown: usize,
    pub scroll: u16,
    /// Where Esc goes.
    pub back: Option<Screen>,
}

/// The runs of `runs[a]`'s question from other run sets, in the runs' order.
pub fn others(runs: &[Run], a: usize) -> Vec<usize> {
    let Some(r) = runs.get(a) else {
        return Vec::new();
    };
    let set = run_set(r);
    runs.iter()
        .enumerate()
        .filter(|(i, o)| *i != a && o.query_id == r.query_id && run_set(o) != set)
        .map(|(i, _)| i)
        .collect()
}

impl CompareScreen {
    /// Compares run `a` with the first other run of its question; `Err` says why not.
    pub fn open(&mut self, runs: &[Run], a: usize, back: Screen) -> Result<(), String> {
        let others = others(runs, a);
        if others.is_empty() {
            let id = runs.get(a).map_or("", |r| r.query_id.as_str());
            return Err(format!(
                "no other run set has question {id}: open two run sets together (lrat open A B) to compare"
            ));
        }
        *self = CompareScreen {
            a,
            others,
            shown: 0,
            scroll: 0,
            back: Some(back),
        };
        Ok(())
    }

    fn b(&self) -> Option<usize> {
        self.others.get(self.shown).copied()
    }

    /// The two runs shown.
    pub fn pair(&self) -> Option<[usize; 2]> {
        Some([self.a, self.b()?])
    }
}

impl Component for CompareScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        let page = u16::try_from(cx.page).unwrap_or(10);
        match a {
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll = self.scroll.saturating_add(page),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::Top => self.scroll = 0,
            Action::Compare => {
                if self.others.len() < 2 {
                    return Some(Effect::Status(
                        "no third run of this question to compare".into(),
                    ));
                }
                self.shown = (self.shown + 1) % self.others.len();
                self.scroll = 0;
                let b = self.b().and_then(|b| cx.runs.get(b));
                return Some(Effect::Status(format!(
                    "comparing with {} ({} of {})",
                    b.map(run_set).unwrap_or_default(),
                    self.shown + 1,
                    self.others.len()
                )));
            }
            Action::Back => return Some(Effect::Show(self.back.unwrap_or(Screen::Runs))),
            _ => return None,
        }
        Some(Effect::None)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Context) {
        let (Some(a), Some(b)) = (cx.runs.get(self.a), self.b().and_then(|b| cx.runs.get(b)))
        else {
            frame.render_widget(Paragraph::new("no runs to compare"), area);
            return;
        };
        let c = Comparison::of(a, b, cx.qrels);
        let text = c.render(usize::from(area.width.saturating_sub(2)));
        let lines: Vec<Line> = text.lines().map(|l| Line::raw(l.to_string())).collect();
        let room = usize::from(area.height.saturating_sub(2));
        let scroll = self
            .scroll
            .min(u16::try_from(lines.len().saturating_sub(room)).unwrap_or(u16::MAX));
        let title = format!(
            " {} vs {}{} ",
            a.id,
            b.id,
            if self.others.len() > 1 {
                format!(
                    " ({} of {} other runs: C next)",
                    self.shown + 1,
                    self.others.len()
                )
            } else {
                String::new()
            }
        );
        frame.render_widget(
            Paragraph::new(lines)
                .scroll((scroll, 0))
                .block(Block::bordered().title(title)),
            area,
        );
    }

    fn keys(&self) -> &'static str {
        "j/k PgUp/PgDn scroll · C next other run · Esc back │"
    }
}
