//! Drawing: a pure function of `&App`.

pub mod help;
mod pairs;
pub mod run;
mod runs;
mod stats;
mod train;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Screen};
use super::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(status_height(app, frame.area().width)),
    ])
    .areas(frame.area());
    draw_header(frame, header, app, theme);
    match app.screen {
        Screen::Runs => runs::draw(frame, body, app, theme),
        Screen::Run => run::draw(frame, body, app, theme),
        Screen::Pairs => pairs::draw(frame, body, app, theme),
        Screen::Stats => stats::draw(frame, body, app, theme),
        Screen::Train => train::draw(frame, body, &app.train, theme),
        Screen::Help => help::draw(frame, body, app, theme),
    }
    draw_status(frame, status, app, theme);
    if let Some(c) = &app.confirm {
        draw_confirm(frame, body, c, theme);
    }
}

/// A question in a box over the middle of the screen, with the keys that answer it.
fn draw_confirm(frame: &mut Frame, area: Rect, confirm: &super::app::Confirm, theme: &Theme) {
    use ratatui::widgets::{Block, Borders, Clear, Wrap};
    let question = &confirm.question();
    let (title, keys) = confirm.answers();
    let width = area.width.clamp(20, 64);
    let inner = width.saturating_sub(2).max(1) as usize;
    let lines: u16 = question
        .lines()
        .map(|l| l.chars().count().div_ceil(inner).max(1) as u16)
        .sum::<u16>()
        + 2;
    let height = (lines + 2).min(area.height);
    let x = area.x + (area.width - width) / 2;
    let y = area.y + area.height.saturating_sub(height) / 2;
    let rect = Rect::new(x, y, width, height);
    frame.render_widget(Clear, rect);
    let mut text: Vec<Line> = question
        .lines()
        .map(|l| Line::from(l.to_string()))
        .collect();
    text.push(Line::from(""));
    text.push(Line::from(Span::styled(keys, theme.bold())));
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(title)),
        rect,
    );
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let w = app.derived.mined.weights;
    // A tab bar of the screens, the current one marked (a run counts as the Runs screen).
    let current = match app.screen {
        Screen::Runs | Screen::Run => Some(0),
        Screen::Pairs => Some(1),
        Screen::Stats => Some(2),
        Screen::Train => Some(3),
        Screen::Help => None,
    };
    let mut spans = vec![Span::styled(" lrat ", theme.bold())];
    for (i, name) in ["1 Runs", "2 Pairs", "3 Stats", "4 Train"]
        .iter()
        .enumerate()
    {
        let tab = if i == 0 && app.screen == Screen::Run {
            " 1 Run ".to_string()
        } else {
            format!(" {name} ")
        };
        spans.push(if current == Some(i) {
            Span::styled(tab, theme.selected())
        } else {
            Span::styled(tab, theme.dim())
        });
    }
    if app.screen == Screen::Help {
        spans.push(Span::styled(" Help ", theme.selected()));
    }
    spans.extend([Span::raw(format!(
        " {} runs · {} pairs · β {} ",
        app.runs.len(),
        app.derived.total_pairs,
        crate::mine::weight::show(w.beta)
    ))]);
    if let Some((done, total)) = app.loading {
        spans.push(Span::styled(
            format!(" loading {done}/{total} files… "),
            theme.dim(),
        ));
    }
    if let Some(j) = &app.journal
        && j.read_only().is_some()
    {
        spans.push(Span::styled(" labels read-only ", theme.dim()));
    }
    if app.journal.is_none() {
        spans.push(Span::styled(
            " labels unavailable: --labels DIR to save ",
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The footer's height: one line, or, when the message does not fit beside the keys, the keys
/// on a line of their own and the message wrapped below them (up to four lines in all), so
/// that no message is cut at the terminal's width.
fn status_height(app: &App, width: u16) -> u16 {
    let typing = app.note_typing.is_some()
        || app.typing.is_some()
        || (app.screen == Screen::Train && app.train.editing.is_some());
    let status = crate::text::inert(&app.status);
    let keys = screen_keys(app).chars().count() + 2;
    if typing || keys + status.chars().count() <= usize::from(width) {
        return 1;
    }
    let lines = crate::text::wrap(&status, usize::from(width.max(1))).len();
    u16::try_from((1 + lines).clamp(2, 4)).unwrap_or(4)
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if app.screen == Screen::Train
        && let Some(buf) = &app.train.editing
    {
        let label = super::training::FIELDS
            .get(app.train.field)
            .map_or("value", |f| f.label());
        let check = match app.train.check_edit() {
            Ok(()) => Span::styled(
                "  ✓ Enter keeps it · Esc leaves it · Ctrl-U clears",
                theme.dim(),
            ),
            Err(e) => Span::styled(format!("  ✗ {e}"), theme.bold()),
        };
        let line = Line::from(vec![
            Span::styled(format!("{label}: "), theme.bold()),
            Span::raw(crate::text::inert(buf).into_owned()),
            Span::raw("▏"),
            check,
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    // What is typed scrolls: its end, with the cursor, always shows.
    let typed = |buf: &str, room: usize| {
        let text = crate::text::inert(buf);
        let n = text.chars().count();
        if n < room {
            text.into_owned()
        } else {
            let keep = room.saturating_sub(2);
            format!("…{}", text.chars().skip(n - keep).collect::<String>())
        }
    };
    let width = usize::from(area.width);
    let line = match (&app.note_typing, &app.typing) {
        (Some(buf), _) => Line::from(vec![
            Span::styled("note: ", theme.bold()),
            Span::raw(typed(buf, width.saturating_sub(6 + 31).max(10))),
            Span::raw("▏"),
            Span::styled("  Enter saves · Esc leaves it", theme.dim()),
        ]),
        (None, Some(buf)) => Line::from(vec![
            Span::styled("/", theme.bold()),
            Span::raw(typed(buf, width.saturating_sub(2).max(10))),
            Span::raw("▏"),
        ]),
        (None, None) if area.height > 1 => {
            // A long message: the keys on their line, the whole message wrapped below.
            let [keys, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
            frame.render_widget(
                Paragraph::new(Span::styled(format!(" {}", screen_keys(app)), theme.dim())),
                keys,
            );
            let text = crate::text::wrap(
                &crate::text::inert(&app.status),
                usize::from(area.width.max(1)),
            )
            .join("\n");
            frame.render_widget(Paragraph::new(text), rest);
            return;
        }
        (None, None) => Line::from(vec![
            Span::styled(format!(" {} ", screen_keys(app)), theme.dim()),
            Span::raw(crate::text::inert(&app.status).into_owned()),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The current screen's main keys, for the footer (`?` lists them all).
fn screen_keys(app: &App) -> &'static str {
    if app.screen == Screen::Train && app.train.history.is_some() {
        return "j/k select · o overlay · H close │";
    }
    match app.screen {
        Screen::Runs => "Enter open · s sort · f filter · / search · ? help · q quit │",
        Screen::Run => "Tab pane · a/r verdict · x/R negative · u undo · Esc back │",
        Screen::Pairs => "a/r · A/D shown · f filter · s sort · m mode · e export │",
        Screen::Stats => "1 Runs · 2 Pairs · 4 Train · ? help │",
        Screen::Train => "Enter edit · S start · X stop · H history · ? help │",
        Screen::Help => "j/k scroll · / search · Esc close │",
    }
}

/// Splits `text` into spans with every case-insensitive occurrence of `query` highlighted.
pub fn highlighted(
    text: &str,
    query: &str,
    base: ratatui::style::Style,
    theme: &Theme,
) -> Vec<Span<'static>> {
    if query.is_empty() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let lower = text.to_lowercase();
    let q = query.to_lowercase();
    // Lowercasing can change byte lengths; fall back to no highlight then.
    if lower.len() != text.len() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(&q) {
        let s = at + i;
        if s > at {
            out.push(Span::styled(text[at..s].to_string(), base));
        }
        out.push(Span::styled(
            text[s..s + q.len()].to_string(),
            theme.highlight(),
        ));
        at = s + q.len();
    }
    if at < text.len() {
        out.push(Span::styled(text[at..].to_string(), base));
    }
    out
}

/// The slice of a list to build for a table of `height` rows (borders and header included) so
/// that `selected` is on screen, scrolling as ratatui would.
pub fn window(selected: usize, len: usize, height: u16) -> (usize, usize) {
    let visible = usize::from(height.saturating_sub(3)).max(1);
    let start = selected.saturating_sub(visible - 1).min(len);
    (start, (start + visible).min(len))
}
