//! The Train screen: the settings form with Start/Stop, live charts of the loss (raw and
//! smoothed) and of Recall@10 / MRR@10 against steps, a progress gauge with examples/s and ETA,
//! and the table base vs trained vs BM25.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Cell, Chart, Dataset, Gauge, GraphType, Paragraph, Row, Table, Wrap,
};

use super::{FIELDS, HistoryView, TrainScreen};
use crate::train::eval::Metrics;
use crate::tui::component::Context;
use crate::tui::theme::Theme;

/// Draws the Train screen from its own state alone.
pub fn draw(t: &TrainScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(20)]).areas(area);
    draw_form(frame, left, t, theme);
    if let Some(h) = &t.history {
        let [loss_area, eval_area, history_area] = Layout::vertical([
            Constraint::Percentage(30),
            Constraint::Percentage(35),
            Constraint::Min(5),
        ])
        .areas(right);
        draw_loss(frame, loss_area, t, theme);
        draw_evals(frame, eval_area, t, theme);
        draw_history(frame, history_area, h, theme);
        return;
    }
    if t.loop_state.is_some() {
        let [loss_area, eval_area, gauge_area, table_area, loop_area] = Layout::vertical([
            Constraint::Percentage(25),
            Constraint::Percentage(22),
            Constraint::Length(3),
            Constraint::Min(6),
            Constraint::Length(t.closed_loop.len().max(1) as u16 + 3),
        ])
        .areas(right);
        draw_loss(frame, loss_area, t, theme);
        draw_evals(frame, eval_area, t, theme);
        draw_gauge(frame, gauge_area, t, theme);
        draw_table(frame, table_area, t, theme);
        draw_closed_loop(frame, loop_area, t, theme);
        return;
    }
    let [loss_area, eval_area, gauge_area, table_area] = Layout::vertical([
        Constraint::Percentage(38),
        Constraint::Percentage(32),
        Constraint::Length(3),
        Constraint::Min(6),
    ])
    .areas(right);
    draw_loss(frame, loss_area, t, theme);
    draw_evals(frame, eval_area, t, theme);
    draw_gauge(frame, gauge_area, t, theme);
    draw_table(frame, table_area, t, theme);
}

/// The agent re-run with each retriever on the held-out questions (`L`): success, evidence
/// recall and search calls, as `lrat stats` gives them.
fn draw_closed_loop(frame: &mut Frame, area: Rect, t: &TrainScreen, theme: &Theme) {
    let header = [
        "retriever",
        "questions",
        "success",
        "evidence recall",
        "search calls",
    ];
    let rows: Vec<Row> = t
        .closed_loop
        .iter()
        .map(|f| {
            Row::new(vec![
                f.name.clone(),
                f.runs.to_string(),
                format!("{:.3}", f.success),
                f.evidence_recall
                    .map_or_else(|| "-".into(), |e| format!("{e:.3}")),
                format!("{:.2}", f.search_calls),
            ])
        })
        .collect();
    let widths: Vec<Constraint> = header
        .iter()
        .map(|h| Constraint::Length(h.chars().count().max(10) as u16))
        .collect();
    let state = t.loop_state.as_deref().unwrap_or_default();
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header.to_vec()).style(theme.bold()))
            .block(
                Block::bordered()
                    .title(" Closed loop: the agent re-run with each retriever ")
                    .title_bottom(Line::styled(
                        format!(" {} ", crate::text::inert(state)),
                        theme.dim(),
                    )),
            ),
        area,
    );
}

/// An earlier run's curve over the chart: legend name, points, colour.
type Overlay = (String, Vec<(f64, f64)>, Color);

/// Colours of overlaid earlier runs, in turn.
const OVERLAY: [Color; 4] = [
    Color::Magenta,
    Color::LightBlue,
    Color::LightRed,
    Color::White,
];

/// Earlier runs side by side: settings, how far each went, its final figures.
/// The history's columns shown, in order: every one, or (a narrow pane) what tells runs apart
/// and how they did — mark, run, steps, end, MRR@10.
fn history_columns<T>(columns: Vec<T>, compact: bool) -> Vec<T> {
    const COMPACT: [usize; 5] = [0, 1, 6, 7, 10];
    columns
        .into_iter()
        .enumerate()
        .filter(|(k, _)| !compact || COMPACT.contains(k))
        .map(|(_, c)| c)
        .collect()
}

fn draw_history(frame: &mut Frame, area: Rect, h: &HistoryView, theme: &Theme) {
    let f3 = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
    let header = [
        "", "run", "model", "lr", "b×G", "w", "steps", "end", "loss", "R@10", "MRR@10", "1-shot",
    ];
    let compact = area.width < 86;
    let rows: Vec<Row> = h
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mark = match h.overlaid.iter().position(|&x| x == i) {
                Some(k) => Span::styled("●", theme.fg(OVERLAY[k % OVERLAY.len()])),
                None => Span::raw(" "),
            };
            let c = r.config.as_ref();
            // The model's folder name (a sentence-transformers folder is often `…/NAME/model`).
            let model = std::path::Path::new(&r.progress.model)
                .components()
                .rev()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .find(|c| c != "model" && !c.is_empty())
                .unwrap_or_else(|| r.progress.model.clone());
            let m = r.progress.trained();
            let cells = vec![
                Cell::from(mark),
                Cell::from(r.name.clone()),
                Cell::from(crate::text::inert(&model).into_owned()),
                Cell::from(
                    r.progress
                        .peak_lr
                        .map(|l| format!("{l:.0e}"))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::from(
                    c.map(|c| format!("{}×{}", c.batch, c.group))
                        .unwrap_or_else(|| "-".into()),
                ),
                Cell::from(
                    c.map(|c| if c.weighted { "on" } else { "off" })
                        .unwrap_or("-"),
                ),
                Cell::from(format!("{}/{}", r.progress.step, r.progress.total)),
                Cell::from(r.progress.ending.word().to_string()),
                Cell::from(f3(r.progress.last_loss())),
                Cell::from(f3(m.map(|m| m.recall_10))),
                Cell::from(f3(m.map(|m| m.mrr_10))),
                Cell::from(f3(m.and_then(|m| m.evidence).map(|e| e.recall_10))),
            ];
            let row = Row::new(history_columns(cells, compact));
            if i == h.selected {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(15),
        Constraint::Min(6),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(7),
    ];
    let widths = history_columns(widths.to_vec(), compact);
    let header = history_columns(header.to_vec(), compact);
    let title = format!(
        " Earlier runs in {} · {} · j/k select · o overlay · H close ",
        crate::text::inert(&h.base.display().to_string()),
        h.runs.len()
    );
    if h.runs.is_empty() {
        frame.render_widget(
            Paragraph::new("No earlier training runs here: S starts one.")
                .block(Block::bordered().title(title)),
            area,
        );
        return;
    }
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.bold()))
            .block(Block::bordered().title(title)),
        area,
    );
}

fn draw_form(frame: &mut Frame, area: Rect, t: &TrainScreen, theme: &Theme) {
    let [form_area, note_area] = Layout::vertical([
        Constraint::Length(FIELDS.len() as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(area);
    let value_w = usize::from(form_area.width.saturating_sub(2 + 17 + 1)).max(4);
    let rows: Vec<Row> = FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let value = match (&t.editing, i == t.field) {
                (Some(buf), true) => format!("{buf}▏"),
                // A path's end names it: cut long values at the front.
                _ => tail(&t.form.values[i], value_w),
            };
            let row = Row::new(vec![
                Cell::from(f.label()),
                Cell::from(crate::text::inert(&value).into_owned()),
            ]);
            if i == t.field {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let title = if t.running {
        " Settings · X stop "
    } else {
        " Settings · S start "
    };
    frame.render_widget(
        Table::new(rows, [Constraint::Length(17), Constraint::Min(8)])
            .block(Block::bordered().title(title)),
        form_area,
    );
    let mut lines = vec![Line::from(crate::text::inert(&t.state).into_owned())];
    if !t.progress.model.is_empty() {
        lines.push(Line::styled(
            format!(
                "model: {} · pooling {}",
                crate::text::inert(&t.progress.model),
                crate::text::inert(&t.progress.pooling)
            ),
            theme.dim(),
        ));
    }
    if let Some(n) = &t.progress.note {
        lines.push(Line::styled(
            crate::text::inert(n).into_owned(),
            theme.dim(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Status ")),
        note_area,
    );
}

/// `s` in at most `w` characters: whole, or `…` and its end.
fn tail(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n <= w {
        return s.to_string();
    }
    let skip = n - (w - 1);
    format!("…{}", s.chars().skip(skip).collect::<String>())
}

fn bounds(points: &[(f64, f64)]) -> ([f64; 2], [f64; 2]) {
    let x_max = points.iter().map(|p| p.0).fold(1.0, f64::max);
    let (lo, hi) = points
        .iter()
        .map(|p| p.1)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.05).max(1e-6);
    ([0.0, x_max], [(lo - pad).max(0.0), hi + pad])
}

fn labels(r: [f64; 2], digits: usize) -> Vec<Line<'static>> {
    // Whole steps over a span of one or two: the ends only (not `0 0 1`).
    if digits == 0 && r[1] - r[0] < 2.5 {
        return vec![
            Line::from(format!("{:.0}", r[0])),
            Line::from(format!("{:.0}", r[1])),
        ];
    }
    vec![
        Line::from(format!("{:.digits$}", r[0])),
        Line::from(format!("{:.digits$}", (r[0] + r[1]) / 2.0)),
        Line::from(format!("{:.digits$}", r[1])),
    ]
}

fn draw_loss(frame: &mut Frame, area: Rect, t: &TrainScreen, theme: &Theme) {
    let (x, y) = bounds(&t.progress.loss);
    let last = t
        .progress
        .smooth
        .last()
        .map(|p| format!(" {:.4}", p.1))
        .unwrap_or_default();
    // The key is in the title: a legend box would sit on the curves it names.
    let title = Line::from(vec![
        Span::raw(" Loss "),
        Span::styled("· loss ", theme.fg(Color::DarkGray)),
        Span::styled(format!("─ smoothed{last} "), theme.fg(Color::Cyan)),
    ]);
    let chart = Chart::new(vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Scatter)
            .style(theme.fg(Color::DarkGray))
            .data(&t.progress.loss),
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.fg(Color::Cyan))
            .data(&t.progress.smooth),
    ])
    .block(Block::bordered().title(title))
    .x_axis(Axis::default().title("step").bounds(x).labels(labels(x, 0)))
    .y_axis(Axis::default().bounds(y).labels(labels(y, 3)));
    frame.render_widget(chart, area);
}

fn draw_evals(frame: &mut Frame, area: Rect, t: &TrainScreen, theme: &Theme) {
    let recall: Vec<(f64, f64)> = t
        .progress
        .curve
        .iter()
        .map(|(s, m)| (*s, m.recall_10))
        .collect();
    let mrr: Vec<(f64, f64)> = t
        .progress
        .curve
        .iter()
        .map(|(s, m)| (*s, m.mrr_10))
        .collect();
    // Earlier runs' MRR@10, when overlaid from the history.
    let overlays: Vec<Overlay> = t
        .history
        .iter()
        .flat_map(|h| {
            h.overlaid.iter().enumerate().filter_map(|(k, &i)| {
                h.runs.get(i).map(|r| {
                    (
                        format!("MRR@10 {}", r.name),
                        r.progress
                            .curve
                            .iter()
                            .map(|(s, m)| (*s, m.mrr_10))
                            .collect(),
                        OVERLAY[k % OVERLAY.len()],
                    )
                })
            })
        })
        .collect();
    let x_max = recall
        .iter()
        .chain(overlays.iter().flat_map(|o| o.1.iter()))
        .map(|p| p.0)
        .fold(t.progress.total.max(1) as f64, f64::max);
    let mut sets = vec![
        Dataset::default()
            .name("Recall@10")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.fg(Color::Green))
            .data(&recall),
        Dataset::default()
            .name("MRR@10")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.fg(Color::Yellow))
            .data(&mrr),
    ];
    for (name, points, colour) in &overlays {
        sets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(theme.fg(*colour))
                .data(points),
        );
    }
    let chart = Chart::new(sets)
        .block(Block::bordered().title(" Held-out retrieval "))
        // The legend is always drawn (without it the lines cannot be told apart), low on the
        // right where rising curves seldom are.
        .hidden_legend_constraints((Constraint::Percentage(100), Constraint::Percentage(100)))
        .legend_position(Some(ratatui::widgets::LegendPosition::BottomRight))
        .x_axis(
            Axis::default()
                .title("step")
                .bounds([0.0, x_max])
                .labels(labels([0.0, x_max], 0)),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, 1.0])
                .labels(labels([0.0, 1.0], 1)),
        );
    frame.render_widget(chart, area);
}

fn clock(s: f64) -> String {
    let s = s.round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn draw_gauge(frame: &mut Frame, area: Rect, t: &TrainScreen, theme: &Theme) {
    let ratio = if t.progress.total == 0 {
        0.0
    } else {
        (t.progress.step as f64 / t.progress.total as f64).clamp(0.0, 1.0)
    };
    let eta = t
        .eta_s()
        .map(|s| format!(" · ETA {}", clock(s)))
        .unwrap_or_default();
    // Before the first step there is no rate or learning rate to show.
    let label = match t.progress.step {
        0 => format!("step 0/{}{eta}", t.progress.total),
        _ => format!(
            "step {}/{} · {:.1} examples/s · lr {:.2e}{eta}",
            t.progress.step, t.progress.total, t.progress.examples_per_s, t.progress.lr
        ),
    };
    frame.render_widget(
        Gauge::default()
            .block(Block::bordered().title(" Progress "))
            .gauge_style(theme.fg(Color::Blue))
            .ratio(ratio)
            .label(Span::raw(label)),
        area,
    );
}

fn draw_table(frame: &mut Frame, area: Rect, t: &TrainScreen, theme: &Theme) {
    let rows_in: Vec<(&str, Option<&Metrics>)> = vec![
        ("BM25", t.progress.bm25.as_ref()),
        ("base", t.progress.base.as_ref()),
        ("trained", t.progress.trained()),
    ];
    let with_ev = rows_in
        .iter()
        .any(|(_, m)| m.is_some_and(|m| m.evidence.is_some()));
    let mut header = vec!["system", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10"];
    if with_ev {
        header.extend(["1-shot R@10", "1-shot R@100"]);
    }
    let rows: Vec<Row> = rows_in
        .iter()
        .map(|(name, m)| {
            let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
            let mut cells = vec![
                name.to_string(),
                f(m.map(|m| m.recall_1)),
                f(m.map(|m| m.recall_5)),
                f(m.map(|m| m.recall_10)),
                f(m.map(|m| m.mrr_10)),
                f(m.map(|m| m.ndcg_10)),
            ];
            if with_ev {
                let e = m.and_then(|m| m.evidence);
                cells.push(f(e.map(|e| e.recall_10)));
                cells.push(f(e.map(|e| e.recall_100)));
            }
            Row::new(cells)
        })
        .collect();
    let widths: Vec<Constraint> = header
        .iter()
        .map(|h| Constraint::Length(h.chars().count().max(7) as u16))
        .collect();
    let queries = t
        .progress
        .bm25
        .map(|m| format!(" · {} held-out queries", m.queries))
        .unwrap_or_default();
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.bold()))
            .block(Block::bordered().title(format!(" Base vs trained vs BM25{queries} "))),
        area,
    );
}

/// The footer while a value is typed: the field, the value with a cursor, and whether it would
/// make valid settings.
pub fn prompt(t: &TrainScreen, theme: &Theme) -> Option<Line<'static>> {
    let buf = t.editing.as_ref()?;
    let label = FIELDS.get(t.field).map_or("value", |f| f.label());
    let check = match t.check_edit() {
        Ok(()) => Span::styled(
            "  ✓ Enter keeps it · Esc leaves it · Ctrl-U clears",
            theme.dim(),
        ),
        Err(e) => Span::styled(format!("  ✗ {e}"), theme.bold()),
    };
    Some(Line::from(vec![
        Span::styled(format!("{label}: "), theme.bold()),
        Span::raw(crate::text::inert(buf).into_owned()),
        Span::raw("▏"),
        check,
    ]))
}
