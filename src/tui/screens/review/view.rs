//! The Review screen: a progress line (reviewed, left, wrong verdicts expected, κ per judge),
//! the queue, and the selected browse with the judges' verdicts, why it is where it is, the
//! question, the query, the reasoning after the browse and the document.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState, Wrap};

use super::ReviewScreen;
use crate::review::Item;
use crate::run::StepKind;
use crate::text::{inert, one_line};
use crate::tui::component::Context;
use crate::tui::theme::Theme;
use crate::verdict::Verdict;

/// Queue rows shown: a few on a short terminal, more on a tall one.
fn list_rows(height: u16) -> usize {
    if height >= 34 { 8 } else { 4 }
}

/// The first and one-past-last of `visible` queue rows in view with `selected` shown.
pub fn list_window(selected: usize, len: usize, visible: usize) -> (usize, usize) {
    let start = selected.saturating_sub(visible.max(1) - 1).min(len);
    (start, (start + visible).min(len))
}

fn verdict_style(v: Option<Verdict>, theme: &Theme) -> Style {
    match v {
        Some(Verdict::Relevant) => theme.fg(Color::Green),
        Some(Verdict::NotRelevant) => theme.fg(Color::Red),
        None => theme.fg(Color::Yellow),
    }
}

fn verdict_word(v: Option<Verdict>) -> &'static str {
    v.map_or("unjudged", Verdict::label)
}

pub fn draw(screen: &ReviewScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    if !screen.ready {
        frame.render_widget(Paragraph::new("computing the queue…"), area);
        return;
    }
    let q = &screen.queue;
    let shown = list_rows(area.height).min(q.items.len().max(1));
    let narrow = area.width < 100;
    let [progress, list, detail] = Layout::vertical([
        Constraint::Length(if narrow && !screen.agreement.is_empty() {
            2
        } else {
            1
        }),
        Constraint::Length(u16::try_from(shown + 3).unwrap_or(8)),
        Constraint::Min(3),
    ])
    .areas(area);
    draw_progress(screen, frame, progress, narrow, theme);
    if q.items.is_empty() {
        let why = if cx.panel.verdicts.is_none() && q.reviewed == 0 {
            "No browses to review: no run has a successful browse yet."
        } else {
            "Every judged browse has a person's label: the queue is empty."
        };
        frame.render_widget(
            Paragraph::new(why).block(Block::bordered().title(" queue ")),
            list.union(detail),
        );
        return;
    }
    draw_list(screen, frame, list, shown, cx);
    if let Some(item) = q.items.get(screen.selected) {
        draw_item(item, screen.scroll, frame, detail, cx);
    }
}

fn draw_progress(
    screen: &ReviewScreen,
    frame: &mut Frame,
    area: Rect,
    narrow: bool,
    theme: &Theme,
) {
    let q = &screen.queue;
    let mut first = vec![Span::styled(
        format!(
            " reviewed {} of {} · ~{:.1} wrong among {} left",
            q.reviewed,
            q.reviewed + q.items.len(),
            q.errors_left,
            q.items.len()
        ),
        theme.bold(),
    )];
    // On a narrow terminal κ gets a line of its own.
    let mut second = Vec::new();
    for (i, a) in screen.agreement.iter().enumerate() {
        let spans = if narrow { &mut second } else { &mut first };
        spans.push(Span::raw(format!(
            "{}{} {}",
            match (i, narrow) {
                (0, true) => " κ against the labels: ",
                (0, false) => " · κ ",
                _ => ", ",
            },
            a.judge,
            match (a.kappa, a.n) {
                (_, 0) => "-".to_string(),
                (Some(k), n) => format!("{k:.2} ({n})"),
                (None, n) => format!("- ({n})"),
            }
        )));
    }
    let mut lines = vec![Line::from(first)];
    if !second.is_empty() {
        lines.push(Line::from(second));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_list(screen: &ReviewScreen, frame: &mut Frame, area: Rect, shown: usize, cx: &Context) {
    let theme = cx.theme;
    let items = &screen.queue.items;
    screen.shown.set(shown);
    let (start, end) = list_window(screen.selected, items.len(), shown);
    let narrow = area.width < 100;
    let rows: Vec<Row> = items[start..end]
        .iter()
        .enumerate()
        .map(|(k, it)| {
            let run = &cx.runs[it.run];
            let title = cx.doc_title(run, it.step, &it.docid).unwrap_or_default();
            Row::new(vec![
                format!("{}", start + k + 1),
                format!("{:.3}", it.estimate.priority),
                format!("{:.2}", it.estimate.p_wrong),
                format!("{}:{}", it.run_id, it.step),
                verdict_word(it.verdict).to_string(),
                inert(&one_line(&format!("{} {title}", it.docid), 60)).into_owned(),
            ])
            .style(verdict_style(it.verdict, theme))
        })
        .collect();
    let header = Row::new([
        "#", "priority", "p(wrong)", "browse", "in force", "document",
    ])
    .style(theme.bold());
    let widths = [
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(if narrow { 12 } else { 18 }),
        Constraint::Length(12),
        Constraint::Fill(1),
    ];
    let mut state = TableState::default().with_selected(Some(screen.selected - start));
    frame.render_stateful_widget(
        Table::new(rows, widths)
            .header(header)
            .row_highlight_style(theme.selected())
            .block(Block::bordered().title(" queue: likeliest wrong × most weight first ")),
        area,
        &mut state,
    );
}

fn draw_item(item: &Item, scroll: u16, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    let run = &cx.runs[item.run];
    let e = &item.estimate;
    let mut out: Vec<Line> = Vec::new();
    out.push(Line::from(vec![
        Span::styled("in force ", theme.bold()),
        Span::styled(
            verdict_word(item.verdict),
            verdict_style(item.verdict, theme),
        ),
        Span::raw(format!(
            " · chance wrong {:.2} × impact {:.2} (w {:.2}, {} negatives) = priority {:.3}",
            e.p_wrong, e.impact, e.weight, e.negatives, e.priority
        )),
    ]));
    // Every judge on one line: its verdict, probability and where that came from, its words.
    let ops = cx.panel.opinions.of(&item.run_id, item.step);
    for (v, o) in e.voices.iter().zip(ops) {
        let why = o
            .rationale
            .as_deref()
            .map(|w| format!(" — {}", inert(&one_line(w, 200))))
            .unwrap_or_default();
        out.push(Line::from(vec![
            Span::styled(format!("{}: ", v.judge), theme.bold()),
            Span::styled(v.verdict.label(), verdict_style(Some(v.verdict), theme)),
            Span::raw(format!(" · p(relevant) {:.2} ({})", v.p_relevant, v.basis)),
            Span::styled(why, theme.dim()),
        ]));
    }
    if e.voices.is_empty() {
        out.push(Line::styled(
            "no judge has spoken on this browse (J judges)",
            theme.dim(),
        ));
    }
    out.push(Line::from(vec![
        Span::styled("question ", theme.bold()),
        Span::raw(inert(run.question.as_deref().unwrap_or("(none)"))),
    ]));
    if let Some((s, _)) = run.source_search(item.step, &item.docid)
        && let Some(StepKind::Search(x)) = run.step(s).map(|st| &st.kind)
    {
        out.push(Line::from(vec![
            Span::styled("query ", theme.bold()),
            Span::raw(inert(x.query.as_deref().unwrap_or(""))),
        ]));
    }
    out.push(Line::styled("reasoning after the browse", theme.bold()));
    let reasoning = run.reasoning_after(item.step);
    out.push(Line::raw(if reasoning.is_empty() {
        "(none)".to_string()
    } else {
        inert(reasoning).into_owned()
    }));
    if let Some(StepKind::Browse(_)) = run.step(item.step).map(|s| &s.kind) {
        let title = cx
            .doc_title(run, item.step, &item.docid)
            .unwrap_or_default();
        let (text, from_corpus) = cx.doc_text(run, item.step, &item.docid);
        out.push(Line::from(vec![
            Span::styled(
                format!("document {} {}", item.docid, inert(&title)),
                theme.bold(),
            ),
            Span::styled(
                if from_corpus {
                    " (from the corpus)"
                } else {
                    " (as the run showed it)"
                },
                theme.dim(),
            ),
        ]));
        out.extend(inert(&text).lines().map(|l| Line::raw(l.to_string())));
    }
    // Rows as word wrap draws them, so the detail never scrolls past its end.
    let inner = usize::from(area.width.saturating_sub(2)).max(1);
    let rows: usize = out
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            crate::text::wrap(&text, inner).len().max(1)
        })
        .sum();
    let room = usize::from(area.height.saturating_sub(2));
    let scroll = scroll.min(u16::try_from(rows.saturating_sub(room)).unwrap_or(u16::MAX));
    frame.render_widget(
        Paragraph::new(out)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(Block::bordered().title(format!(
                " {}:{} {}",
                item.run_id,
                item.step,
                match (scroll > 0, rows > room) {
                    (true, _) => "(PgUp: back to the top) ",
                    (false, true) => "(PgDn for more) ",
                    (false, false) => "",
                }
            ))),
        area,
    );
}
