//! The help screen, generated from the keymap the app uses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::HelpScreen;
use crate::tui::chrome::highlighted;
use crate::tui::component::Context;
use crate::tui::keymap::{BINDINGS, Binding};
use crate::tui::theme::Theme;

const CLOSING: [&str; 2] = [
    "  Every label is written to the journal at once; the status bar says where.",
    "  j/k, PgUp/PgDn, g/G scroll · / searches keys · ? or Esc closes.",
];

/// What the help is filtered by: the search being typed, else the last one entered.
fn filter<'a>(screen: &'a HelpScreen, cx: &Context<'a>) -> &'a str {
    cx.typing.unwrap_or(&screen.filter)
}

/// The bindings whose key or words contain `filter` (case-insensitive), all when it is empty.
fn entries(filter: &str) -> Vec<&'static Binding> {
    let f = filter.trim().to_lowercase();
    BINDINGS
        .iter()
        .filter(|b| {
            f.is_empty()
                || b.help.to_lowercase().contains(&f)
                || b.label.to_lowercase().contains(&f)
        })
        .collect()
}

/// The help's lines as text: one a key, a blank, the closing note.
fn texts(filter: &str) -> Vec<String> {
    entries(filter)
        .iter()
        .map(|b| format!("  {:<12}{}", b.label, b.help))
        .chain(std::iter::once(String::new()))
        .chain(CLOSING.iter().map(|c| c.to_string()))
        .collect()
}

/// Screen lines of the help once wrapped to a pane `width` columns wide (inside its border).
fn line_count(width: u16, filter: &str) -> usize {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    texts(filter)
        .iter()
        .map(|t| t.chars().count().max(1).div_ceil(inner))
        .sum()
}

/// How far the help can scroll at the app's size (its pane is one line taller than the lists,
/// which have a header).
pub fn scroll_max(screen: &HelpScreen, cx: &Context) -> u16 {
    let visible = cx.list_rows + 1;
    u16::try_from(line_count(cx.width, filter(screen, cx)).saturating_sub(visible))
        .unwrap_or(u16::MAX)
}

pub fn draw(screen: &HelpScreen, frame: &mut Frame, area: Rect, cx: &Context) {
    let theme: &Theme = cx.theme;
    let f = filter(screen, cx);
    let total = line_count(area.width, f);
    let shown = entries(f);
    let mut lines: Vec<Line> = shown
        .iter()
        .map(|b| {
            let mut spans = highlighted(&format!("  {:<12}", b.label), f, theme.bold(), theme);
            spans.extend(highlighted(b.help, f, Style::new(), theme));
            Line::from(spans)
        })
        .collect();
    if shown.is_empty() {
        lines.push(Line::styled(
            format!("  no key matches “{}”", crate::text::inert(f)),
            theme.dim(),
        ));
    }
    lines.push(Line::raw(""));
    lines.extend(CLOSING.iter().map(|c| Line::styled(*c, theme.dim())));
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let first = usize::from(screen.scroll).min(total.saturating_sub(1));
    let last = (first + visible).min(total);
    let matching = if f.trim().is_empty() {
        String::new()
    } else {
        format!(
            " · {} of {} keys match “{}”",
            shown.len(),
            BINDINGS.len(),
            crate::text::inert(f.trim())
        )
    };
    let title = format!(
        " keys: lines {}–{} of {total}{matching} · / search · j/k scroll · ? or Esc closes ",
        first + 1,
        last
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((screen.scroll, 0))
            .block(Block::bordered().title(title)),
        area,
    );
}
