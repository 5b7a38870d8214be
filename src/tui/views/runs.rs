//! The Runs screen: one row a run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use crate::stats::Outcome;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let header = Row::new([
        "run", "outcome", "src", "srch", "brws", "pairs", "pend", "hum", "question",
    ])
    .style(theme.bold());
    // Only the rows on screen are built: lists have tens of thousands of runs.
    let (start, end) = super::window(app.list.selected, app.list.order.len(), area.height);
    let rows: Vec<Row> = app.list.order[start..end]
        .iter()
        .filter_map(|&i| app.row(i))
        .map(|r| {
            let oc = match r.outcome {
                Outcome::Correct => theme.fg(Color::Green),
                Outcome::Incorrect => theme.fg(Color::Red),
                Outcome::Unknown => theme.dim(),
            };
            Row::new(vec![
                Cell::from(crate::text::inert(&r.id).into_owned()),
                Cell::from(r.outcome.name()).style(oc),
                Cell::from(r.source.name()),
                Cell::from(r.searches.to_string()),
                Cell::from(r.browses.to_string()),
                Cell::from(r.pairs.to_string()),
                Cell::from(if r.pending > 0 {
                    r.pending.to_string()
                } else {
                    String::new()
                }),
                Cell::from(if r.overrides > 0 {
                    r.overrides.to_string()
                } else {
                    String::new()
                }),
                Cell::from(Line::from({
                    let mut spans = Vec::new();
                    if let Some(n) = &r.note {
                        spans.push(ratatui::text::Span::styled(
                            format!("✎ {} · ", crate::text::one_line(&crate::text::inert(n), 30)),
                            theme.dim(),
                        ));
                    }
                    spans.extend(super::highlighted(
                        &crate::text::inert(&r.question),
                        &app.query,
                        ratatui::style::Style::new(),
                        theme,
                    ));
                    spans
                })),
            ])
        })
        .collect();
    let title = format!(
        " runs {} of {} · filter {} (f) · sort {} (s) ",
        app.list.order.len(),
        app.runs.len(),
        app.list.filter.name(),
        app.list.sort.name()
    );
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(4),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(3),
            Constraint::Min(10),
        ],
    )
    .header(header)
    .row_highlight_style(theme.selected())
    .block(Block::bordered().title(title));
    let mut state = TableState::default()
        .with_selected((!app.list.order.is_empty()).then_some(app.list.selected - start));
    frame.render_stateful_widget(table, area, &mut state);
}
