//! The Stats screen: Table 1 by outcome (the rows `lrat stats` prints), Fig. 4a's transitions as
//! a heat map, browsed rank positions (Fig. 4c), post-browse length by outcome and by verdict as
//! box plots (Fig. 4d), and the weight histogram.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use super::StatsScreen;
use crate::stats::Quantiles;
use crate::tui::component::Context;
use crate::tui::theme::Theme;
use crate::verdict::Verdict;

fn f(x: Option<f64>, d: usize) -> String {
    x.map(|v| format!("{v:.d$}")).unwrap_or_else(|| "-".into())
}

pub fn draw(screen: &StatsScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    let Some(report) = &screen.report else {
        frame.render_widget(Paragraph::new("computing…"), area);
        return;
    };
    // Fig. 4c: every rank from 1 to the deepest browsed, so an empty rank shows as a gap.
    let ranks: Vec<(String, u64)> = report
        .groups
        .first()
        .map(|g| {
            let deepest = g.browse_ranks.keys().next_back().copied().unwrap_or(0);
            (1..=deepest)
                .map(|r| (r.to_string(), g.browse_ranks.get(&r).copied().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let mut all_rows = report.table_rows(false);
    // Rows Table 1 (header, borders) and the box plots (one a group, two verdicts, two
    // evidence classes with qrels, header, borders) take whole.
    let rows_h = |n: usize| u16::try_from(n + 3).unwrap_or(u16::MAX);
    let plots_h = rows_h(report.groups.len() + 2 + 2 * usize::from(cx.qrels.is_some()));
    // A short terminal (80×24) gives the left column to Table 1 and the box plots whole, and
    // puts the judge's agreement under the histograms on the right; when even that is short,
    // failure rows that are all zero leave the table (its title says so).
    let cramped = area.height < rows_h(all_rows.len()) + plots_h + 2;
    let mut no_failures = false;
    if cramped && area.height < rows_h(all_rows.len()) + plots_h {
        let zero = |r: &(String, Vec<String>)| {
            r.0.starts_with("failed") && r.1.iter().all(|c| c.trim() == "0")
        };
        no_failures = all_rows
            .iter()
            .filter(|r| r.0.starts_with("failed"))
            .all(zero);
        if no_failures {
            all_rows.retain(|r| !zero(r));
        }
    }
    let table_h = rows_h(all_rows.len());
    let (left_top, ranks_area, left_bottom, weight_area, side_agree) = if cramped {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
                .areas(area);
        let [t, b] =
            Layout::vertical([Constraint::Length(table_h), Constraint::Min(3)]).areas(left);
        let [r, w, a] = Layout::vertical([
            Constraint::Length(rows_h(ranks.len())),
            Constraint::Length(rows_h(5)),
            Constraint::Min(3),
        ])
        .areas(right);
        (t, r, b, w, Some(a))
    } else {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
        let [left_top, ranks_area] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
        let [left_bottom, weight_area] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
                .areas(bottom);
        (left_top, ranks_area, left_bottom, weight_area, None)
    };

    // Table 1 with `lrat stats`'s own rows (one formatting for both), and Fig. 4a as a heat map
    // when there is room for it (its four transition rows then leave the table).
    let is_transition = |label: &str| label.starts_with("P(");
    let short_rows = all_rows.iter().filter(|r| !is_transition(&r.0)).count() as u16;
    let (table_rows, table_area, heat_area) = if left_top.height >= short_rows + 3 + HEAT_HEIGHT {
        let [t, h] = Layout::vertical([
            Constraint::Min(short_rows + 3),
            Constraint::Length(HEAT_HEIGHT),
        ])
        .areas(left_top);
        let rows: Vec<_> = all_rows
            .into_iter()
            .filter(|r| !is_transition(&r.0))
            .collect();
        (rows, t, Some(h))
    } else {
        (all_rows, left_top, None)
    };
    let mut header = vec![Cell::from("")];
    header.extend(report.groups.iter().map(|g| Cell::from(g.name.clone())));
    let rows: Vec<Row> = table_rows
        .into_iter()
        .map(|(label, cells)| {
            let mut r = vec![Cell::from(label)];
            r.extend(cells.into_iter().map(Cell::from));
            Row::new(r)
        })
        .collect();
    // Labels first; the numbers share what is left, so narrow terminals keep the labels.
    let mut widths = vec![Constraint::Length(19)];
    widths.extend(report.groups.iter().map(|_| Constraint::Fill(1)));
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.bold()))
            .block(Block::bordered().title(if no_failures {
                " Table 1 (no failed calls: rows left out) "
            } else {
                " Table 1 (as lrat stats prints it) "
            })),
        table_area,
    );
    if let Some(h) = heat_area {
        draw_heat_map(frame, h, report, theme);
    }

    let total: u64 = ranks.iter().map(|r| r.1).sum();
    draw_bars(
        frame,
        ranks_area,
        &if ranks_area.width >= 40 {
            format!(" Fig. 4c browsed rank · {total} browses ")
        } else {
            format!(" Fig. 4c rank · {total} ")
        },
        ("rank", "browses"),
        &ranks,
        theme,
    );

    // Judge vs human: a box where there is room (under the histograms when the terminal is
    // short), else two wrapped lines under the box plots, so that the plots keep every row.
    if let Some(a) = side_agree {
        frame.render_widget(
            Paragraph::new(agreement_line(cx))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(Block::bordered().title(" judge vs human ")),
            a,
        );
        draw_box_plots(frame, left_bottom, cx, report, theme);
        draw_weights(frame, weight_area, cx, theme);
        return;
    }
    let tall = left_bottom.height >= 14;
    let agree_lines = crate::text::wrap(
        &agreement_line(cx),
        usize::from(left_bottom.width.saturating_sub(2)),
    )
    .len()
    .clamp(1, 3) as u16;
    let [len_area, agree_area] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(if tall { agree_lines + 2 } else { 2 }),
    ])
    .areas(left_bottom);
    let agree = Paragraph::new(format!(
        "{}{}",
        if tall { "" } else { "judge vs human: " },
        agreement_line(cx)
    ))
    .wrap(ratatui::widgets::Wrap { trim: true });
    frame.render_widget(
        if tall {
            agree.block(Block::bordered().title(" judge vs human "))
        } else {
            agree
        },
        agree_area,
    );
    draw_box_plots(frame, len_area, cx, report, theme);
    draw_weights(frame, weight_area, cx, theme);
}

/// The histogram of the emitted pairs' weights.
fn draw_weights(frame: &mut Frame, weight_area: Rect, cx: &Context, theme: &Theme) {
    let edges = [0.0, 0.5, 1.0, 1.5, 2.0, f64::INFINITY];
    let names = ["<0.5", "<1.0", "<1.5", "<2.0", "≥2.0"];
    let mut counts = [0u64; 5];
    for p in cx.derived.mined.pairs() {
        if let Some(b) = edges
            .windows(2)
            .position(|w| p.reweight_rate >= w[0] && p.reweight_rate < w[1])
        {
            counts[b] += 1;
        }
    }
    let bars: Vec<(String, u64)> = names
        .iter()
        .zip(counts)
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    draw_bars(
        frame,
        weight_area,
        &format!(
            " weights w · β {} ",
            crate::mine::weight::show(cx.derived.mined.weights.beta)
        ),
        ("w", "pairs"),
        &bars,
        theme,
    );
}

/// Rows the heat map takes: border, the outcomes, the next steps, two rows.
const HEAT_HEIGHT: u16 = 6;

/// A heat map cell: shade glyphs and the probability, 9 columns.
const CELL: usize = 9;

/// Fig. 4a as a heat map: for each outcome, P(next step | this step) over search and browse,
/// each cell shaded by its probability (░ ▒ ▓ █ from low to high) and coloured when colour is
/// on.
fn draw_heat_map(frame: &mut Frame, area: Rect, report: &crate::stats::Report, theme: &Theme) {
    let shade = |p: Option<f64>| -> Span<'static> {
        let Some(p) = p else {
            return Span::raw(format!("{:^CELL$}", "-"));
        };
        let glyph = match p {
            x if x < 0.25 => "░",
            x if x < 0.5 => "▒",
            x if x < 0.75 => "▓",
            _ => "█",
        };
        let level = (p * 5.0).round() as usize;
        let colour = [
            Color::DarkGray,
            Color::Blue,
            Color::Cyan,
            Color::Green,
            Color::Yellow,
            Color::Red,
        ][level.min(5)];
        Span::styled(format!("{glyph}{glyph} {p:.3} "), theme.fg(colour))
    };
    let label = |s: &str| format!("{s:<11}");
    let mut names = vec![Span::raw(label("outcome"))];
    let mut next = vec![Span::raw(label("this \\ next"))];
    let mut search = vec![Span::raw(label("search"))];
    let mut browse = vec![Span::raw(label("browse"))];
    for g in &report.groups {
        names.push(Span::styled(
            format!("│{:^w$}", g.name, w = 2 * CELL),
            theme.bold(),
        ));
        next.push(Span::raw(format!(
            "│{:<CELL$}{:<CELL$}",
            " search", " browse"
        )));
        search.push(Span::raw("│"));
        search.push(shade(g.p_search_after_search));
        search.push(shade(g.p_browse_after_search));
        browse.push(Span::raw("│"));
        browse.push(shade(g.p_search_after_browse));
        browse.push(shade(g.p_browse_after_browse));
    }
    let lines = vec![
        Line::from(names),
        Line::from(next),
        Line::from(search),
        Line::from(browse),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(" Fig. 4a P(next step | this step) · ░<.25 ▒<.5 ▓<.75 █ "),
        ),
        area,
    );
}

/// A bar chart of labelled counts, one bar a line, the count beside the bar (never over it),
/// scaled to the pane; every label shown, empty ones as a bare axis.
fn draw_bars(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    (what, unit): (&str, &str),
    bars: &[(String, u64)],
    theme: &Theme,
) {
    let label_w = bars
        .iter()
        .map(|b| b.0.chars().count())
        .chain([what.chars().count()])
        .max()
        .unwrap_or(1);
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0);
    let count_w = max.to_string().len().max(1);
    let room = usize::from(area.width.saturating_sub(2))
        .saturating_sub(label_w + count_w + 3)
        .max(1);
    let mut lines = vec![Line::styled(
        format!("{what:>label_w$} │ {unit}"),
        theme.dim(),
    )];
    for (label, n) in bars {
        let len = (*n as usize * room).checked_div(max as usize).unwrap_or(0);
        let len = if *n > 0 { len.max(1) } else { 0 };
        lines.push(Line::from(vec![
            Span::raw(format!("{label:>label_w$} │")),
            Span::styled("█".repeat(len), theme.fg(Color::Cyan)),
            Span::raw(format!(" {n}")),
        ]));
    }
    if bars.is_empty() {
        lines.push(Line::styled("nothing to count yet", theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title.to_string())),
        area,
    );
}

/// Fig. 4d as box plots of the post-browse length: a row an outcome, verdict and (with qrels)
/// evidence, with its quantiles and a plot on one scale: whiskers p10–p90, box p25–p75, ┃ median.
fn draw_box_plots(
    frame: &mut Frame,
    area: Rect,
    cx: &Context,
    report: &crate::stats::Report,
    theme: &Theme,
) {
    let of = |keep: &dyn Fn(&crate::tui::rows::PairRow) -> bool| -> Quantiles {
        let l: Vec<usize> = cx
            .derived
            .candidates()
            .filter(|c| keep(c))
            .filter_map(|c| c.pair.reasoning_len)
            .collect();
        Quantiles::of(&l)
    };
    let mut rows: Vec<(String, Quantiles)> = report
        .groups
        .iter()
        .map(|g| (g.name.clone(), g.post_browse_words.clone()))
        .collect();
    for v in [Verdict::Relevant, Verdict::NotRelevant] {
        rows.push((v.label().to_string(), of(&|c| c.verdict == Some(v))));
    }
    if cx.qrels.is_some() {
        for (name, want) in [("evidence", true), ("not evidence", false)] {
            rows.push((
                name.to_string(),
                of(&|c| cx.is_evidence(&cx.runs[c.run], &c.pair.pos_id) == want),
            ));
        }
    }
    let scale = rows
        .iter()
        .filter_map(|(_, q)| q.p90)
        .fold(0.0f64, f64::max)
        .max(1.0);
    const NAME: usize = 13;
    const NUM: usize = 6;
    let inner = usize::from(area.width.saturating_sub(2));
    // Narrow panels keep n, p25, median and p75 as numbers (the whiskers show p10 and p90), so
    // that the plot keeps a readable width.
    let wide = inner >= NAME + 6 * NUM + 1 + 12;
    let ncols = if wide { 6 } else { 4 };
    let plot_w = inner.saturating_sub(NAME + ncols * NUM + 1).max(4);
    let unit = if cx.use_tokens { "tokens" } else { "words" };
    let numbers = |cells: [String; 6]| -> String {
        let keep: &[usize] = if wide {
            &[0, 1, 2, 3, 4, 5]
        } else {
            &[0, 2, 3, 4]
        };
        keep.iter()
            .map(|&i| format!("{:>NUM$}", cells[i]))
            .collect()
    };
    let mut lines = vec![Line::styled(
        format!(
            "{:<NAME$}{} 0{:>w$}",
            "",
            numbers(["n", "p10", "p25", "med", "p75", "p90"].map(String::from)),
            // The scale's end, kept apart from the 0 when the plot is narrow.
            format!(" {scale:.0} {unit}"),
            w = plot_w.saturating_sub(1)
        ),
        theme.bold(),
    )];
    for (name, q) in &rows {
        let mut spans = vec![Span::raw(format!(
            "{:<NAME$}{} ",
            crate::text::one_line(name, NAME - 1),
            numbers([
                q.n.to_string(),
                f(q.p10, 1),
                f(q.p25, 1),
                f(q.p50, 1),
                f(q.p75, 1),
                f(q.p90, 1)
            ])
        ))];
        spans.extend(box_plot(q, scale, plot_w, theme));
        lines.push(Line::from(spans));
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(if wide {
            format!(" Fig. 4d post-browse length l ({unit}) by outcome and verdict ")
        } else {
            format!(" Fig. 4d l ({unit}) by outcome, verdict ")
        })),
        area,
    );
}

/// One box plot `width` columns wide on the scale 0..`scale`.
fn box_plot(q: &Quantiles, scale: f64, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let (Some(p10), Some(p25), Some(p50), Some(p75), Some(p90)) =
        (q.p10, q.p25, q.p50, q.p75, q.p90)
    else {
        return vec![Span::styled("no browses", theme.dim())];
    };
    let at = |x: f64| {
        ((x / scale) * (width - 1) as f64)
            .round()
            .clamp(0.0, (width - 1) as f64) as usize
    };
    let (a, b, m, c, d) = (at(p10), at(p25), at(p50), at(p75), at(p90));
    let mut cells = vec![' '; width];
    for (i, cell) in cells.iter_mut().enumerate() {
        *cell = if i == m {
            '┃'
        } else if i >= b && i <= c {
            '█'
        } else if i == a {
            '├'
        } else if i == d {
            '┤'
        } else if i > a && i < d {
            '─'
        } else {
            ' '
        };
    }
    let text: String = cells.into_iter().collect();
    vec![Span::styled(
        text.trim_end().to_string(),
        theme.fg(Color::Cyan),
    )]
}

/// Agreement of the judge's verdicts with the human ones, on the browses both labelled.
fn agreement_line(cx: &Context) -> String {
    let (Some(judge), Some(human)) = (cx.verdicts, cx.journal) else {
        return "no judge verdicts yet (J runs the heuristic judge, or open with --verdicts)"
            .into();
    };
    let human = crate::labels::Effective::new(None, Some(human)).human_verdicts();
    let pairs = judge.0.iter().flat_map(|(run, m)| {
        m.iter()
            .filter_map(|(step, v)| Some((human.get(run, *step)?, *v)))
    });
    let a = crate::labels::agreement::Agreement::of("judge".into(), pairs);
    if a.n == 0 {
        return "no browse has both a judge verdict and a human one".into();
    }
    format!(
        "n {}  accuracy {}  κ {}  (human/judge: rel/rel {}, rel/rej {}, rej/rel {}, rej/rej {})",
        a.n,
        f(a.accuracy, 3),
        f(a.kappa, 3),
        a.confusion[0][0],
        a.confusion[0][1],
        a.confusion[1][0],
        a.confusion[1][1]
    )
}
