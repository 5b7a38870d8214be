//! The Run screen: a timeline of steps and the selected step in detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};

use super::{Pane, RunScreen};
use crate::labels::effective::Source;
use crate::labels::{Effective, NegativeLabel};
use crate::mine::Status;
use crate::run::{Run, StepKind};
use crate::text::{inert, one_line};
use crate::tui::chrome::highlighted;
use crate::tui::component::Context;
use crate::tui::theme::Theme;
use crate::verdict::Verdict;

/// Lines the question takes in the header: three, or all of it with `v` (at most half the
/// screen), the last of three saying how to see the rest.
fn question_lines(
    screen: &RunScreen,
    cx: &Context,
    ri: usize,
    width: u16,
    height: u16,
) -> Vec<String> {
    let question = cx.runs[ri].question.as_deref().unwrap_or("");
    let mut lines = crate::text::wrap(
        &inert(question.trim()),
        usize::from(width).saturating_sub(2),
    );
    let most = if screen.whole_question {
        usize::from(height / 2).max(3)
    } else {
        3
    };
    if lines.len() > most {
        let more = lines.len() - most + 1;
        lines.truncate(most - 1);
        lines.push(if screen.whole_question {
            format!("… {more} more lines (v folds)")
        } else {
            format!("… {more} more lines: v shows the whole question (and note)")
        });
    }
    lines
}

/// The note's lines (none without a note): one (cut, `…` saying so), or all of it wrapped
/// with `v`.
fn note_lines(screen: &RunScreen, cx: &Context, ri: usize, width: u16) -> Vec<String> {
    let Some(n) = cx.derived.rows.get(ri).and_then(|r| r.note.as_deref()) else {
        return Vec::new();
    };
    let room = usize::from(width.saturating_sub(7)).max(8);
    if screen.whole_question {
        crate::text::wrap(&inert(n), room)
    } else {
        vec![one_line(&inert(n), room)]
    }
}

/// The run's question (wrapped), gold and final answers, outcome with its source, and note.
fn draw_header(
    frame: &mut Frame,
    area: Rect,
    cx: &Context,
    ri: usize,
    question: Vec<String>,
    note: Vec<String>,
    theme: &Theme,
) {
    let run = &cx.runs[ri];
    let one = |s: &str, n: usize| crate::text::one_line(&inert(s), n);
    let row = cx.derived.rows.get(ri);
    let mut lines: Vec<Line> = Vec::new();
    if run.question.as_deref().unwrap_or("").trim().is_empty() {
        lines.push(Line::from(vec![
            Span::styled("Q ", theme.bold()),
            Span::styled("(no question: open with --questions FILE)", theme.dim()),
        ]));
    } else {
        let n = question.len();
        for (i, l) in question.into_iter().enumerate() {
            let lead = Span::styled(if i == 0 { "Q " } else { "  " }, theme.bold());
            let style = if i + 1 == n && l.starts_with("… ") {
                theme.dim()
            } else {
                Style::new()
            };
            lines.push(Line::from(vec![lead, Span::styled(l, style)]));
        }
    }
    let gold = if run.gold.is_empty() {
        "-".to_string()
    } else {
        one(&run.gold.join(" | "), 60)
    };
    let answer = run
        .final_answer
        .as_deref()
        .map_or("-".into(), |a| one(a, 60));
    let (outcome, source) =
        row.map_or(("unknown", "none"), |r| (r.outcome.name(), r.source.name()));
    lines.extend([Line::from(vec![
        Span::styled(format!("{outcome} ({source})"), theme.bold()),
        Span::styled(" · gold ", theme.bold()),
        Span::raw(gold),
        Span::styled(" · answer ", theme.bold()),
        Span::raw(answer),
    ])]);
    if note.is_empty() {
        lines.push(Line::from(Span::styled(
            "c correctness · : note · ] next unreviewed browse",
            theme.dim(),
        )));
    }
    lines.extend(note.into_iter().enumerate().map(|(i, l)| {
        Line::from(vec![
            Span::styled(if i == 0 { "note " } else { "     " }, theme.bold()),
            Span::raw(l),
        ])
    }));
    frame.render_widget(Paragraph::new(lines), area);
}

/// The timeline's share of the Run screen's width, in percent (the detail pane has the rest).
pub const TIMELINE_PERCENT: u16 = 38;

pub fn draw(screen: &RunScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme = cx.theme;
    let Some(ri) = cx.current_run else { return };
    let run = &cx.runs[ri];
    let question = question_lines(screen, cx, ri, area.width, area.height);
    let note = note_lines(screen, cx, ri, area.width);
    let head_h = u16::try_from(question.len() + 1 + note.len().max(1)).unwrap_or(u16::MAX);
    let [head, area] =
        Layout::vertical([Constraint::Length(head_h), Constraint::Min(1)]).areas(area);
    draw_header(frame, head, cx, ri, question, note, theme);
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(TIMELINE_PERCENT),
        Constraint::Percentage(100 - TIMELINE_PERCENT),
    ])
    .areas(area);
    let eff = cx.labels;
    let items: Vec<ListItem> = run
        .steps
        .iter()
        .map(|s| {
            ListItem::new(timeline_line(
                run,
                s,
                &eff,
                &|d| cx.is_evidence(run, d),
                theme,
            ))
        })
        .collect();
    let focus = |p: Pane| {
        if screen.pane == p {
            theme.bold()
        } else {
            theme.dim()
        }
    };
    let title = format!(" run {} · {} steps ", inert(&run.id), run.steps.len());
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(title)
                .border_style(focus(Pane::Timeline)),
        )
        .highlight_style(theme.selected());
    let mut state = ListState::default().with_selected(Some(screen.step));
    frame.render_stateful_widget(list, left, &mut state);
    let lines = detail(screen, cx, run, &eff, theme);
    let para = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((screen.detail_scroll, 0))
        .block(
            Block::bordered()
                .title(" detail (Tab) ")
                .border_style(focus(Pane::Detail)),
        );
    frame.render_widget(para, right);
}

fn verdict_style(v: Option<Verdict>, theme: &Theme) -> Style {
    match v {
        Some(Verdict::Relevant) => theme.fg(Color::Green),
        Some(Verdict::NotRelevant) => theme.fg(Color::Red),
        None => theme.fg(Color::Yellow),
    }
}

fn verdict_name(v: Option<Verdict>) -> &'static str {
    v.map_or("unjudged", Verdict::label)
}

fn timeline_line(
    run: &Run,
    s: &crate::run::Step,
    eff: &Effective<'_>,
    ev: &dyn Fn(&str) -> bool,
    theme: &Theme,
) -> Line<'static> {
    let idx = Span::styled(format!("{:>3} ", s.index), theme.dim());
    let (glyph, style, text) = match &s.kind {
        StepKind::Reasoning { text } => ("… ", theme.dim(), one_line(text, 80)),
        StepKind::Search(x) => (
            "? ",
            theme.fg(Color::Cyan),
            format!(
                "{}{}",
                one_line(x.query.as_deref().unwrap_or(""), 60),
                if x.error.is_some() { "  (failed)" } else { "" }
            ),
        ),
        StepKind::Browse(b) => match b.succeeded() {
            Some(d) => {
                let (v, src) = eff.verdict(&run.id, s.index);
                let mark = match v {
                    Some(Verdict::Relevant) => "✓",
                    Some(Verdict::NotRelevant) => "✗",
                    None => "?",
                };
                let human = if src == Source::Human { " (human)" } else { "" };
                (
                    "▣ ",
                    verdict_style(v, theme),
                    format!("{d} {mark}{human}{}", if ev(d) { " [ev]" } else { "" }),
                )
            }
            _ => ("▣ ", theme.dim(), "failed browse".to_string()),
        },
        StepKind::Answer(a) => ("! ", theme.bold(), one_line(&a.text, 80)),
        StepKind::Other(o) => (
            "· ",
            theme.dim(),
            format!("{} {}", o.step_type, o.tool.as_deref().unwrap_or("")),
        ),
    };
    Line::from(vec![
        idx,
        Span::styled(glyph, style),
        Span::styled(inert(&text).into_owned(), style),
    ])
}

/// Negatives listed by name in a browse's detail (the rest are counted).
const MAX_NEGATIVES: usize = 8;

fn text_lines(text: &str, cx: &Context, theme: &Theme) -> Vec<Line<'static>> {
    inert(text)
        .lines()
        .map(|l| Line::from(highlighted(l, cx.query, Style::new(), theme)))
        .collect()
}

/// The detail pane's lines as the terminal shows them: each line's rows once wrapped (the pane
/// is 62 % of the width, inside a border), whether it is the selected hit's, and the pane's
/// height in rows.
fn detail_rows(screen: &RunScreen, cx: &Context) -> (Vec<(usize, bool)>, usize) {
    let Some(ri) = cx.current_run else {
        return (Vec::new(), 0);
    };
    let width = (usize::from(cx.width) * 62 / 100).saturating_sub(2).max(1);
    let lines = detail(
        screen,
        cx,
        &cx.runs[ri],
        &cx.labels,
        &Theme { color: false },
    );
    let rows = lines
        .iter()
        .map(|l| {
            let cursor = l.spans.first().is_some_and(|s| s.content.starts_with('▶'));
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            (crate::text::wrap(&text, width).len().max(1), cursor)
        })
        .collect();
    // The screen is the terminal less its top and bottom lines (`list_rows` + 3); the detail
    // pane is what the header leaves of it, inside a border.
    let screen_h = cx.list_rows + 3;
    let question = question_lines(
        screen,
        cx,
        ri,
        cx.width,
        u16::try_from(screen_h).unwrap_or(u16::MAX),
    );
    let head_h = question.len() + 1 + note_lines(screen, cx, ri, cx.width).len().max(1);
    (rows, screen_h.saturating_sub(head_h + 2).max(1))
}

/// How far the detail pane of the open step can scroll: its wrapped lines minus the pane's
/// height.
pub fn detail_scroll_max(screen: &RunScreen, cx: &Context) -> u16 {
    let (rows, height) = detail_rows(screen, cx);
    let wrapped: usize = rows.iter().map(|r| r.0).sum();
    u16::try_from(wrapped.saturating_sub(height)).unwrap_or(u16::MAX)
}

/// The scroll that keeps the selected hit (its line and its snippet's) in view, moving as
/// little as possible from `screen.detail_scroll`.
pub fn scroll_to_hit(screen: &RunScreen, cx: &Context) -> u16 {
    let (rows, height) = detail_rows(screen, cx);
    let Some(at) = rows.iter().position(|r| r.1) else {
        return screen.detail_scroll;
    };
    let top: usize = rows[..at].iter().map(|r| r.0).sum();
    let bottom = top + rows[at..].iter().take(2).map(|r| r.0).sum::<usize>();
    let scroll = usize::from(screen.detail_scroll);
    let scroll = if top < scroll {
        top
    } else if bottom > scroll + height {
        bottom.saturating_sub(height)
    } else {
        scroll
    };
    u16::try_from(scroll).unwrap_or(u16::MAX)
}

fn detail(
    screen: &RunScreen,
    cx: &Context,
    run: &Run,
    eff: &Effective<'_>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let Some(step) = run.steps.get(screen.step) else {
        return Vec::new();
    };
    let i = step.index;
    let mut out = vec![Line::styled(
        format!("[{i}] {}", inert(step.kind.label())),
        theme.bold(),
    )];
    match &step.kind {
        StepKind::Reasoning { text } => {
            out.push(Line::styled(
                format!("{} words", crate::run::skeleton::words(text)),
                theme.dim(),
            ));
            out.extend(text_lines(text, cx, theme));
        }
        StepKind::Search(s) => {
            out.push(Line::from(vec![
                Span::styled("query  ", theme.dim()),
                Span::raw(inert(s.query.as_deref().unwrap_or("")).into_owned()),
            ]));
            for q in s
                .queries
                .iter()
                .filter(|q| Some(q.as_str()) != s.query.as_deref())
            {
                out.push(Line::styled(
                    format!("asked  {} (not run)", inert(q)),
                    theme.dim(),
                ));
            }
            if let Some(p) = &s.arg_problem {
                out.push(Line::styled(
                    format!("! arguments: {}", inert(p)),
                    theme.fg(Color::Yellow),
                ));
            }
            if let Some(e) = &s.error {
                out.push(Line::styled(
                    format!("! failed: {}", inert(&one_line(e, 200))),
                    theme.fg(Color::Red),
                ));
            }
            // The pairs mined from this search: (browse step, its negatives).
            let negative_of: Vec<(usize, Vec<&String>)> = cx
                .current_run
                .map(|ri| {
                    cx.derived
                        .run_pairs(ri)
                        .filter(|p| p.search_step == Some(i))
                        .map(|p| (p.browse_step, p.neg_id.iter().collect()))
                        .collect()
                })
                .unwrap_or_default();
            for (n, h) in s.hits.iter().enumerate() {
                let browsed: Vec<usize> = run
                    .browses()
                    .filter(|(_, b)| b.docid.as_deref() == Some(&h.docid))
                    .map(|(k, _)| k)
                    .collect();
                let (mark, style) = match browsed.first() {
                    Some(&k) => match eff.verdict(&run.id, k).0 {
                        Some(Verdict::Relevant) => {
                            (format!("● browsed [{k}], relevant"), theme.fg(Color::Green))
                        }
                        Some(Verdict::NotRelevant) => (
                            format!("✗ browsed [{k}], not relevant"),
                            theme.fg(Color::Red),
                        ),
                        None => (
                            format!("? browsed [{k}], unjudged"),
                            theme.fg(Color::Yellow),
                        ),
                    },
                    None => match eff.negative(&run.id, i, &h.docid) {
                        Some(NegativeLabel::Exclude) => {
                            ("⊘ excluded (human)".to_string(), theme.dim())
                        }
                        Some(NegativeLabel::ActuallyRelevant) => (
                            "★ actually relevant (human)".to_string(),
                            theme.fg(Color::Magenta),
                        ),
                        // A negative only when a pair mined from this search uses it.
                        None => match negative_of
                            .iter()
                            .find(|(_, negs)| negs.contains(&&h.docid))
                        {
                            Some((k, _)) => (
                                format!("○ unbrowsed: a negative of the pair from [{k}]"),
                                theme.fg(Color::Yellow),
                            ),
                            None => ("○ unbrowsed: no pair uses it".to_string(), theme.dim()),
                        },
                    },
                };
                let cursor = if screen.pane == Pane::Detail && n == screen.hit {
                    "▶"
                } else {
                    " "
                };
                out.push(Line::from(vec![
                    Span::raw(format!("{cursor}{:>2}. ", h.rank)),
                    Span::styled(inert(&h.docid).into_owned(), theme.bold()),
                    Span::raw(format!(" {}  ", inert(h.title.as_deref().unwrap_or("")))),
                    Span::styled(mark, style),
                    Span::styled(
                        if cx.is_evidence(run, &h.docid) {
                            "  [evidence]"
                        } else {
                            ""
                        },
                        theme.bold(),
                    ),
                ]));
                let mut snip = vec![Span::raw("     ")];
                snip.extend(highlighted(
                    &inert(&one_line(&h.snippet, 160)),
                    cx.query,
                    theme.dim(),
                    theme,
                ));
                out.push(Line::from(snip));
            }
        }
        StepKind::Browse(b) => {
            let Some(d) = &b.docid else {
                out.push(Line::styled(
                    format!("failed browse via {}", inert(&b.tool)),
                    theme.fg(Color::Red),
                ));
                if let Some(p) = &b.arg_problem {
                    out.push(Line::raw(format!("arguments: {}", inert(p))));
                }
                if let Some(e) = &b.error {
                    out.push(Line::raw(format!("error: {}", inert(&one_line(e, 200)))));
                }
                return out;
            };
            let (v, src) = eff.verdict(&run.id, i);
            let from = match run.source_search(i, d) {
                Some((s, rank)) => format!("from search [{s}], rank {rank}"),
                None => "not returned by any earlier search: no pair".into(),
            };
            let title = cx.doc_title(run, i, d);
            out.push(Line::from(vec![
                Span::styled(inert(d).into_owned(), theme.bold()),
                Span::styled(
                    if cx.is_evidence(run, d) {
                        " [evidence]"
                    } else {
                        ""
                    },
                    theme.bold(),
                ),
                Span::styled(
                    title
                        .map(|t| format!(" · {}", inert(&one_line(&t, 80))))
                        .unwrap_or_default(),
                    theme.bold(),
                ),
                Span::raw(format!("  {from}")),
            ]));
            out.push(Line::from(vec![
                Span::raw("verdict "),
                Span::styled(verdict_name(v), verdict_style(v, theme)),
                Span::raw(format!(
                    "{}   a relevant · r not relevant · u undo",
                    if v.is_some() {
                        format!(" ({})", src.name())
                    } else {
                        String::new()
                    }
                )),
            ]));
            // Why the judge decided: its words, the heuristic's deciding phrase highlighted.
            let reason = cx.reasons.get(&run.id, i);
            let phrase = reason.and_then(|r| r.phrase()).unwrap_or_default();
            if let Some(r) = reason {
                let who = r.judge.describe(&r.model);
                let mut spans = vec![Span::styled(format!("{} says: ", inert(&who)), theme.dim())];
                spans.extend(highlighted(
                    &inert(&one_line(&r.rationale, 400)),
                    phrase,
                    Style::new(),
                    theme,
                ));
                out.push(Line::from(spans));
            }
            // With several judges, what each said (the Review screen shows why it matters).
            let ops = cx.panel.opinions.of(&run.id, i);
            if ops.len() > 1 {
                let said: Vec<String> = ops
                    .iter()
                    .map(|o| {
                        format!(
                            "{} {}{}",
                            cx.panel.opinions.judges[o.judge].name(),
                            o.verdict.label(),
                            o.p_relevant
                                .map(|p| format!(" (p {p:.2})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                out.push(Line::styled(
                    format!("judges: {}", inert(&said.join(" · "))),
                    theme.dim(),
                ));
            }
            let reasoning = run.reasoning_after(i);
            let cand = cx
                .current_run
                .and_then(|r| cx.derived.mined.runs.get(r))
                .and_then(|cs| cs.iter().find(|c| c.pair.browse_step == i));
            let weight = match cand {
                Some(c) if c.status == Status::Positive => format!(
                    "w = {}   negatives {}",
                    crate::mine::weight::show(Some(c.pair.reweight_rate)),
                    c.pair.neg_id.len()
                ),
                Some(c) if c.status == Status::RejectedRow => format!(
                    "rejected row (satisfied: false), w = {}   negatives {}",
                    crate::mine::weight::show(Some(c.pair.reweight_rate)),
                    c.pair.neg_id.len()
                ),
                Some(c) if c.status == Status::Unjudged => {
                    "no pair until judged (unjudged browses are left out)".into()
                }
                Some(_) => "no pair: rejected".into(),
                None => {
                    "no pair (a repeat of an earlier browse, or not returned by a search)".into()
                }
            };
            let l = match cand.and_then(|c| c.pair.reasoning_len) {
                Some(l) => l.to_string(),
                None => "-".into(),
            };
            let unit = if cx.use_tokens { "tokens" } else { "words" };
            out.push(Line::raw(format!("l = {l} {unit}   {weight}")));
            // The negatives the pair gets: the search's results the agent did not browse.
            if let Some(c) = cand.filter(|c| !c.pair.neg_id.is_empty()) {
                let shown: Vec<String> = c
                    .pair
                    .neg_id
                    .iter()
                    .take(MAX_NEGATIVES)
                    .map(|n| match cx.doc_title(run, i, n) {
                        Some(t) => format!("{} ({})", inert(n), inert(&one_line(&t, 40))),
                        None => inert(n).into_owned(),
                    })
                    .collect();
                let more = c.pair.neg_id.len().saturating_sub(MAX_NEGATIVES);
                let more = if more > 0 {
                    format!(" … and {more} more")
                } else {
                    String::new()
                };
                let label = if c.status == Status::Positive {
                    "negatives: "
                } else {
                    "negatives, were it a pair: "
                };
                out.push(Line::from(vec![
                    Span::styled(label, theme.dim()),
                    Span::raw(format!("{}{more}", shown.join(" · "))),
                ]));
            }
            out.push(Line::styled("post-browse reasoning", theme.bold()));
            if reasoning.is_empty() {
                out.push(Line::styled("(none)", theme.dim()));
            }
            if phrase.is_empty() {
                out.extend(text_lines(reasoning, cx, theme));
            } else {
                out.extend(
                    inert(reasoning)
                        .lines()
                        .map(|l| Line::from(highlighted(l, phrase, Style::new(), theme))),
                );
            }
            out.push(Line::styled("document", theme.bold()));
            if let Some(e) = &b.error {
                out.push(Line::styled(
                    format!("! {}", inert(&one_line(e, 200))),
                    theme.fg(Color::Red),
                ));
            }
            let from_corpus = cx.corpus.and_then(|ix| ix.get(d).ok().flatten());
            match from_corpus {
                Some(doc) => {
                    out.push(Line::styled("(from the corpus)", theme.dim()));
                    out.extend(text_lines(&doc.text, cx, theme));
                }
                None => {
                    out.push(Line::styled("(as the run showed it)", theme.dim()));
                    out.extend(text_lines(
                        b.text.as_deref().unwrap_or("(no text)"),
                        cx,
                        theme,
                    ));
                }
            }
        }
        StepKind::Answer(a) => {
            if let Some(t) = &a.thinking {
                out.extend(text_lines(t, cx, theme));
                out.push(Line::raw("---"));
            }
            out.extend(text_lines(&a.text, cx, theme));
        }
        StepKind::Other(o) => {
            if let Some(t) = &o.tool {
                out.push(Line::raw(format!("tool {}", inert(t))));
            }
            if let Some(a) = &o.arguments {
                out.push(Line::raw(format!("arguments {}", inert(&one_line(a, 300)))));
            }
            out.extend(text_lines(&o.output, cx, theme));
        }
    }
    out
}
