//! What surrounds the screens and what they share: a dialog box over the middle of the
//! screen, highlighted search words, and the slice of a long list a table shows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;

/// A question in a box over the middle of `area`, titled `title`, with the keys that answer it.
pub fn dialog(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    question: &str,
    keys: &str,
    theme: &Theme,
) {
    use ratatui::widgets::{Block, Borders, Clear, Wrap};
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
    text.push(Line::from(Span::styled(keys.to_string(), theme.bold())));
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        rect,
    );
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

/// The list row (an index into the list) under terminal row `row`, for a list drawn below the
/// header and the table's own header (three rows) whose `selected` row is in view: the list
/// scrolls to keep the selection shown, so the first visible row follows from it.
pub fn row_at(row: u16, selected: usize, list_rows: usize) -> Option<usize> {
    let first = row.checked_sub(3)?;
    let visible = list_rows.max(1);
    Some(selected.saturating_sub(visible - 1) + usize::from(first))
}
