//! The Found screen: what `/` on the Runs screen found across every run (from the workspace's
//! run index, with `lrat find`'s query syntax), one row a step — run, step, kind and the
//! excerpt with the words that matched highlighted; Enter opens the run at that step, where
//! `n`/`N` go to the next and previous hit inside the run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use crate::tui::component::{Component, Context, Effect, Screen};
use crate::tui::keymap::Action;

/// One step found, placed among the app's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Index of the run in the app's runs, and the step's index in its file.
    pub run: usize,
    pub step: usize,
    pub kind: String,
    pub excerpt: String,
    pub highlights: Vec<(usize, usize)>,
}

#[derive(Debug, Default)]
pub struct FoundScreen {
    pub query: String,
    pub hits: Vec<Found>,
    pub selected: usize,
}

impl Component for FoundScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        if crate::tui::component::move_selection(a, &mut self.selected, self.hits.len(), cx.page) {
            return Some(Effect::None);
        }
        match a {
            Action::Enter => {
                let h = self.hits.get(self.selected)?;
                Some(Effect::OpenRun {
                    run: h.run,
                    step: Some(h.step),
                    back: Screen::Found,
                })
            }
            Action::Back => Some(Effect::Show(Screen::Runs)),
            _ => None,
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Context) {
        let theme = cx.theme;
        let (start, end) = crate::tui::chrome::window(self.selected, self.hits.len(), area.height);
        let rows: Vec<Row> = self.hits[start..end]
            .iter()
            .map(|h| {
                let run = cx.runs.get(h.run);
                let mut spans = Vec::new();
                let mut at = 0;
                let text = &h.excerpt;
                for &(s, e) in &h.highlights {
                    if s < at
                        || e > text.len()
                        || !text.is_char_boundary(s)
                        || !text.is_char_boundary(e)
                    {
                        continue;
                    }
                    spans.push(Span::raw(
                        crate::text::inert(&text[at..s]).replace('\n', " "),
                    ));
                    spans.push(Span::styled(
                        crate::text::inert(&text[s..e]).into_owned(),
                        theme.highlight(),
                    ));
                    at = e;
                }
                spans.push(Span::raw(
                    crate::text::inert(&text[at..]).replace('\n', " "),
                ));
                Row::new(vec![
                    Cell::from(
                        run.map(|r| crate::text::inert(&r.id).into_owned())
                            .unwrap_or_default(),
                    ),
                    Cell::from(h.step.to_string()),
                    Cell::from(h.kind.clone()),
                    Cell::from(Line::from(spans)),
                ])
            })
            .collect();
        let id_w = self.hits[start..end]
            .iter()
            .filter_map(|h| cx.runs.get(h.run))
            .map(|r| r.id.chars().count())
            .max()
            .unwrap_or(3)
            .clamp(3, usize::from(area.width / 4).max(8));
        let widths = [
            Constraint::Length(u16::try_from(id_w).unwrap_or(8)),
            Constraint::Length(5),
            Constraint::Length(9),
            Constraint::Fill(1),
        ];
        let mut state = TableState::default().with_selected(Some(self.selected - start));
        frame.render_stateful_widget(
            Table::new(rows, widths)
                .header(Row::new(["run", "step", "kind", "excerpt"]).style(theme.bold()))
                .row_highlight_style(theme.selected())
                .block(Block::bordered().title(format!(
                    " {} for {} (ranked; Enter opens the run there, n/N then move between hits in it) ",
                    crate::text::count(self.hits.len(), "step"),
                    crate::text::inert(&self.query)
                ))),
            area,
            &mut state,
        );
    }

    fn keys(&self) -> &'static str {
        "Enter open at the step · / search again · Esc runs │"
    }
}
