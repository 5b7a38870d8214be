//! The help screen, generated from the keymap the app uses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::tui::app::App;
use crate::tui::keymap::BINDINGS;
use crate::tui::theme::Theme;

const CLOSING: [&str; 2] = [
    "  Every label is written to the journal at once; the status bar says where.",
    "  j/k, PgUp/PgDn, g/G scroll this help; ?, Esc or Enter closes it.",
];

/// The help's lines as text: one a key, a blank, the closing note.
fn texts() -> Vec<String> {
    BINDINGS
        .iter()
        .map(|b| format!("  {:<12}{}", b.label, b.help))
        .chain(std::iter::once(String::new()))
        .chain(CLOSING.iter().map(|c| c.to_string()))
        .collect()
}

/// Screen lines of the help once wrapped to a pane `width` columns wide (inside its border).
fn line_count(width: u16) -> usize {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    texts()
        .iter()
        .map(|t| t.chars().count().max(1).div_ceil(inner))
        .sum()
}

/// How far the help can scroll at the app's size (its pane is one line taller than the lists,
/// which have a header).
pub fn scroll_max(app: &App) -> u16 {
    let visible = app.list_rows + 1;
    u16::try_from(line_count(app.width).saturating_sub(visible)).unwrap_or(u16::MAX)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let total = line_count(area.width);
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("  {:<12}", b.label), theme.bold()),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.extend(CLOSING.iter().map(|c| Line::styled(*c, theme.dim())));
    let visible = usize::from(area.height.saturating_sub(2)).max(1);
    let first = usize::from(app.help_scroll).min(total.saturating_sub(1));
    let last = (first + visible).min(total);
    let title = format!(
        " keys: lines {}–{} of {total} · j/k scroll · ? or Esc closes ",
        first + 1,
        last
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((app.help_scroll, 0))
            .block(Block::bordered().title(title)),
        area,
    );
}
