//! The Stats screen: Table 1 by outcome, search→browse transitions, browsed rank positions
//! (Fig. 4c), post-browse length by outcome and by verdict (Fig. 4d), and the weight histogram.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Cell, Paragraph, Row, Table};

use crate::stats::Quantiles;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::verdict::Verdict;

fn f(x: Option<f64>, d: usize) -> String {
    x.map(|v| format!("{v:.d$}")).unwrap_or_else(|| "-".into())
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(report) = &app.report else {
        frame.render_widget(Paragraph::new("computing…"), area);
        return;
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [table_area, ranks_area] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
    let [left_bottom, weight_area] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(bottom);

    // Table 1 and Fig. 4a, one column an outcome.
    let mut header = vec![Cell::from("")];
    header.extend(report.groups.iter().map(|g| Cell::from(g.name.clone())));
    let metric = |label: &str, get: &dyn Fn(&crate::stats::Group) -> String| {
        let mut cells = vec![Cell::from(label.to_string())];
        cells.extend(report.groups.iter().map(|g| Cell::from(get(g))));
        Row::new(cells)
    };
    let rows = vec![
        metric("runs", &|g| g.runs.to_string()),
        metric("searches / run", &|g| f(g.mean_searches, 2)),
        metric("browses / run", &|g| f(g.mean_browses, 2)),
        metric("steps / run", &|g| f(g.mean_steps, 1)),
        metric("browse / search", &|g| f(g.browse_search_ratio, 3)),
        metric("P(browse | search)", &|g| f(g.p_browse_after_search, 3)),
        metric("P(search | search)", &|g| f(g.p_search_after_search, 3)),
        metric("median words after browse", &|g| {
            f(g.post_browse_words.p50, 0)
        }),
    ];
    // Labels first; the numbers share what is left, so narrow terminals keep the labels.
    let mut widths = vec![Constraint::Length(19)];
    widths.extend(report.groups.iter().map(|_| Constraint::Fill(1)));
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.bold()))
            .block(Block::bordered().title(" Table 1 · Fig. 4a ")),
        table_area,
    );

    // Fig. 4c: browsed rank positions.
    let ranks: Vec<Bar> = report
        .groups
        .first()
        .map(|g| {
            // Every rank from 1 to the deepest browsed, so an empty rank shows as a gap.
            let deepest = g.browse_ranks.keys().next_back().copied().unwrap_or(0);
            (1..=deepest)
                .map(|r| {
                    let n = g.browse_ranks.get(&r).copied().unwrap_or(0);
                    Bar::with_label(r.to_string(), n)
                })
                .collect()
        })
        .unwrap_or_default();
    frame.render_widget(
        BarChart::default()
            .data(BarGroup::new(ranks))
            .bar_width(3)
            .bar_gap(1)
            .block(Block::bordered().title(" browsed rank (Fig. 4c) ")),
        ranks_area,
    );

    let [len_area, agree_area] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(3)]).areas(left_bottom);
    frame.render_widget(
        Paragraph::new(agreement_line(app)).block(Block::bordered().title(" judge vs human ")),
        agree_area,
    );

    // Fig. 4d: post-browse length by outcome and by verdict.
    let by_verdict = |v: Verdict| -> Quantiles {
        let l: Vec<usize> = app
            .derived
            .candidates
            .iter()
            .filter(|c| c.verdict == Some(v))
            .filter_map(|c| c.pair.reasoning_len)
            .collect();
        Quantiles::of(&l)
    };
    let qrow = |name: String, q: &Quantiles| {
        Row::new(vec![
            name,
            q.n.to_string(),
            f(q.p25, 0),
            f(q.p50, 0),
            f(q.p75, 0),
            f(q.mean, 1),
        ])
    };
    let mut lrows: Vec<Row> = report
        .groups
        .iter()
        .map(|g| qrow(g.name.clone(), &g.post_browse_words))
        .collect();
    lrows.push(qrow("relevant".into(), &by_verdict(Verdict::Relevant)));
    lrows.push(qrow("rejected".into(), &by_verdict(Verdict::NotRelevant)));
    if app.qrels.is_some() {
        for (name, want) in [("evidence", true), ("not evidence", false)] {
            let l: Vec<usize> = app
                .derived
                .candidates
                .iter()
                .filter(|c| app.is_evidence(&c.pair.run_id, &c.pair.pos_id) == want)
                .filter_map(|c| c.pair.reasoning_len)
                .collect();
            lrows.push(qrow(name.to_string(), &Quantiles::of(&l)));
        }
    }
    frame.render_widget(
        Table::new(
            lrows,
            [
                Constraint::Length(12),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(7),
                Constraint::Length(6),
                Constraint::Length(7),
            ],
        )
        .header(Row::new(["runs / pairs", "n", "p25", "median", "p75", "mean"]).style(theme.bold()))
        .block(Block::bordered().title(" post-browse length (Fig. 4d) ")),
        len_area,
    );

    // Weight histogram over emitted pairs.
    let edges = [0.0, 0.5, 1.0, 1.5, 2.0, f64::INFINITY];
    let names = ["<.5", "<1", "<1.5", "<2", "≥2"];
    let mut counts = [0u64; 5];
    for p in app.derived.mined.pairs() {
        if let Some(b) = edges
            .windows(2)
            .position(|w| p.reweight_rate >= w[0] && p.reweight_rate < w[1])
        {
            counts[b] += 1;
        }
    }
    let bars: Vec<Bar> = names
        .iter()
        .zip(counts)
        .map(|(n, c)| Bar::with_label(*n, c))
        .collect();
    let title = Line::from(format!(
        " weights w, β {} ",
        f(app.derived.mined.weights.beta, 1)
    ));
    frame.render_widget(
        BarChart::default()
            .data(BarGroup::new(bars))
            .bar_width(4)
            .bar_gap(1)
            .block(Block::bordered().title(title)),
        weight_area,
    );
}

/// Agreement of the judge's verdicts with the human ones, on the browses both labelled.
fn agreement_line(app: &App) -> String {
    let (Some(judge), Some(human)) = (&app.judge, &app.journal) else {
        return "no judge verdicts yet (J runs the heuristic judge, or open with --verdicts)"
            .into();
    };
    let rows: Vec<crate::labels::agreement::JudgedRow> = judge
        .0
        .iter()
        .flat_map(|(run, m)| {
            m.iter()
                .map(move |(step, v)| crate::labels::agreement::JudgedRow {
                    run_id: run.clone(),
                    step: *step,
                    verdict: *v,
                    judge: Some("judge".into()),
                    model: None,
                })
        })
        .collect();
    match crate::labels::agreement::agreement(human, &rows).first() {
        Some(a) if a.n > 0 => format!(
            "n {}  accuracy {}  κ {}  (human/judge: rel/rel {}, rel/rej {}, rej/rel {}, rej/rej {})",
            a.n,
            f(a.accuracy, 3),
            f(a.kappa, 3),
            a.confusion[0][0],
            a.confusion[0][1],
            a.confusion[1][0],
            a.confusion[1][1]
        ),
        _ => "no browse has both a judge verdict and a human one".into(),
    }
}
