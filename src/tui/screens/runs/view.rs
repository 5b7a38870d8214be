//! The Runs screen: one row a run.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use super::RunsScreen;
use crate::stats::Outcome;
use crate::tui::component::Context;

pub fn draw(screen: &RunsScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    let show_file = cx.derived.show_file;
    let mut names = vec!["run"];
    if show_file {
        names.push("file");
    }
    names.extend([
        "outcome", "src", "srch", "brws", "pairs", "unj", "hum", "question",
    ]);
    let header = Row::new(names).style(theme.bold());
    // Only the rows on screen are built: lists have tens of thousands of runs.
    let (start, end) = crate::tui::chrome::window(screen.selected, screen.order.len(), area.height);
    let shown = || screen.order[start..end].iter().filter_map(|&i| cx.row(i));
    // Columns as wide as what they show, within a share of the screen.
    let widest = |f: &dyn Fn(&crate::tui::rows::RunRow) -> usize, min: usize| {
        shown().map(f).max().unwrap_or(0).max(min)
    };
    let cap = usize::from(area.width / 4).max(10);
    let id_w = widest(
        &|r| r.id.chars().count() + if r.sets > 1 { 3 } else { 0 },
        3,
    )
    .min(cap);
    let file_w = if show_file {
        widest(&|r| r.file.chars().count(), 4).min(cap)
    } else {
        0
    };
    let rows: Vec<Row> = screen.order[start..end]
        .iter()
        .filter_map(|&i| cx.row(i))
        .map(|r| {
            let oc = match r.outcome {
                Outcome::Correct => theme.fg(Color::Green),
                Outcome::Incorrect => theme.fg(Color::Red),
                Outcome::Unknown => theme.dim(),
            };
            // ⇄N: the question has runs in N run sets (C compares them).
            let id = match r.sets {
                0 | 1 => crate::text::inert(&r.id).into_owned(),
                n => format!("⇄{n} {}", crate::text::inert(&r.id)),
            };
            let mut cells = vec![Cell::from(id)];
            if show_file {
                cells.push(Cell::from(crate::text::inert(&r.file).into_owned()).style(theme.dim()));
            }
            cells.extend([
                Cell::from(r.outcome.name()).style(oc),
                Cell::from(r.source.name()),
                Cell::from(r.searches.to_string()),
                Cell::from(r.browses.to_string()),
                Cell::from(r.pairs.to_string()),
                Cell::from(if r.unjudged > 0 {
                    r.unjudged.to_string()
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
                    spans.extend(crate::tui::chrome::highlighted(
                        &crate::text::inert(&r.question),
                        cx.query,
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
        screen.order.len(),
        cx.runs.len(),
        screen.filter.name(),
        screen.sort.name()
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
        .with_selected((!screen.order.is_empty()).then_some(screen.selected - start));
    frame.render_stateful_widget(table, area, &mut state);
}
