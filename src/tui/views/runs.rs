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
    let show_file = app.derived.show_file;
    let mut names = vec!["run"];
    if show_file {
        names.push("file");
    }
    names.extend([
        "outcome", "src", "srch", "brws", "pairs", "unj", "hum", "question",
    ]);
    let header = Row::new(names).style(theme.bold());
    // Only the rows on screen are built: lists have tens of thousands of runs.
    let (start, end) = super::window(app.list.selected, app.list.order.len(), area.height);
    let shown = || {
        app.list.order[start..end]
            .iter()
            .filter_map(|&i| app.row(i))
    };
    // Columns as wide as what they show, within a share of the screen.
    let widest = |f: &dyn Fn(&crate::tui::rows::RunRow) -> usize, min: usize| {
        shown().map(f).max().unwrap_or(0).max(min)
    };
    let cap = usize::from(area.width / 4).max(10);
    let id_w = widest(&|r| r.id.chars().count(), 3).min(cap);
    let file_w = if show_file {
        widest(&|r| r.file.chars().count(), 4).min(cap)
    } else {
        0
    };
    let rows: Vec<Row> = app.list.order[start..end]
        .iter()
        .filter_map(|&i| app.row(i))
        .map(|r| {
            let oc = match r.outcome {
                Outcome::Correct => theme.fg(Color::Green),
                Outcome::Incorrect => theme.fg(Color::Red),
                Outcome::Unknown => theme.dim(),
            };
            let mut cells = vec![Cell::from(crate::text::inert(&r.id).into_owned())];
            if show_file {
                cells.push(Cell::from(crate::text::inert(&r.file).into_owned()).style(theme.dim()));
            }
            cells.extend([
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
            ]);
            Row::new(cells)
        })
        .collect();
    let title = format!(
        " runs {} of {} · filter {} (f) · sort {} (s) ",
        app.list.order.len(),
        app.runs.len(),
        app.list.filter.name(),
        app.list.sort.name()
    );
    let mut widths = vec![Constraint::Length(id_w as u16)];
    if show_file {
        widths.push(Constraint::Length(file_w as u16));
    }
    widths.extend([
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(3),
        Constraint::Min(10),
    ]);
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected())
        .block(Block::bordered().title(title));
    let mut state = TableState::default()
        .with_selected((!app.list.order.is_empty()).then_some(app.list.selected - start));
    frame.render_stateful_widget(table, area, &mut state);
}
