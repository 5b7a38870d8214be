//! The Pairs screen: every candidate pair across runs, with its verdict, `l` and `w`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Color;
use ratatui::widgets::{Block, Cell, Row, Table, TableState};

use super::PairsScreen;
use crate::mine::Status;
use crate::text::{inert, one_line};
use crate::tui::component::Context;
use crate::verdict::Verdict;

pub fn draw(screen: &PairsScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    let d = cx.derived;
    let header = Row::new([
        "run", "step", "query", "positive", "verdict", "l", "w", "negs",
    ])
    .style(theme.bold());
    let (start, end) = crate::tui::chrome::window(screen.selected, screen.order.len(), area.height);
    // Narrow terminals: the verdict without its source, so query and positive stay readable.
    let narrow = area.width < 100;
    let id_w = screen.order[start..end]
        .iter()
        .filter_map(|&i| d.candidate(i))
        .map(|p| p.pair.run_id.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(3, usize::from(area.width / 5).max(8));
    let rows: Vec<Row> = screen.order[start..end]
        .iter()
        .filter_map(|&i| d.candidate(i))
        .map(|p| {
            let vstyle = match p.verdict {
                Some(Verdict::Relevant) => theme.fg(Color::Green),
                Some(Verdict::NotRelevant) => theme.fg(Color::Red),
                None => theme.fg(Color::Yellow),
            };
            let src = p.source.name();
            let row = Row::new(vec![
                Cell::from(inert(&p.pair.run_id).into_owned()),
                Cell::from(p.pair.browse_step.to_string()),
                Cell::from(inert(&one_line(&p.pair.query, 60)).into_owned()),
                Cell::from(
                    inert(&format!("{} {}", p.pair.pos_id, one_line(p.title, 40))).into_owned(),
                ),
                Cell::from(match (p.verdict, narrow) {
                    (Some(v), true) => v.label().to_string(),
                    (Some(Verdict::Relevant), false) => format!("relevant ({src})"),
                    (Some(Verdict::NotRelevant), false) => format!("not relevant ({src})"),
                    (None, _) => "unjudged".to_string(),
                })
                .style(vstyle),
                Cell::from(
                    p.pair
                        .reasoning_len
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::from(match p.status {
                    Status::Positive | Status::RejectedRow => {
                        crate::mine::weight::show(Some(p.pair.reweight_rate))
                    }
                    Status::Dropped => "dropped".into(),
                    Status::Unjudged => "unjudged".into(),
                }),
                Cell::from(p.pair.neg_id.len().to_string()),
            ]);
            if p.emitted() {
                row
            } else {
                row.style(theme.dim())
            }
        })
        .collect();
    let w = cx.derived.mined.weights;
    let f = crate::mine::weight::show;
    let title = if narrow {
        format!(
            " pairs {} of {} · {} (m) · {} (w) · filter {} (f) · sort {} (s) ",
            screen.order.len(),
            d.candidates_len(),
            cx.mode.name(),
            if cx.use_tokens { "tokens" } else { "words" },
            screen.filter.name(),
            screen.sort.name()
        )
    } else {
        format!(
            " pairs {} shown of {} · {} mode (m) · l in {} (w) · β {} · μ_raw {} · filter {} (f) · sort {} (s) · A/D all shown ",
            screen.order.len(),
            d.candidates_len(),
            cx.mode.name(),
            if cx.use_tokens { "tokens" } else { "words" },
            f(w.beta),
            f(w.mu_raw),
            screen.filter.name(),
            screen.sort.name()
        )
    };
    let table = Table::new(
        rows,
        [
            Constraint::Length(id_w as u16),
            Constraint::Length(4),
            Constraint::Percentage(35),
            Constraint::Percentage(30),
            Constraint::Length(if narrow { 12 } else { 22 }),
            Constraint::Length(5),
            Constraint::Length(7),
            Constraint::Length(4),
        ],
    )
    .header(header)
    .row_highlight_style(theme.selected())
    .block(Block::bordered().title(title));
    let mut state = TableState::default()
        .with_selected((!screen.order.is_empty()).then_some(screen.selected - start));
    frame.render_stateful_widget(table, area, &mut state);
}
