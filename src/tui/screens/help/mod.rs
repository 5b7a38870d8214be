//! The help screen: how far it is scrolled and what it is filtered by; its keys scroll it and
//! ask the app (as effects) to start a search or to close it.

mod view;

use crate::tui::component::{Component, Context, Effect};
use crate::tui::keymap::Action;

#[derive(Debug, Clone, Default)]
pub struct HelpScreen {
    /// How far the help is scrolled.
    pub scroll: u16,
    /// What the help is filtered by (`/`, entered).
    pub filter: String,
}

impl HelpScreen {
    /// Shown again: from the top.
    pub fn open(&mut self) {
        self.scroll = 0;
    }

    /// A search was entered: filter by it, from the top.
    pub fn search(&mut self, q: String) {
        self.filter = q;
        self.scroll = 0;
    }
}

impl Component for HelpScreen {
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect> {
        let max = view::scroll_max(self, cx);
        let page = u16::try_from(cx.page).unwrap_or(u16::MAX);
        let h = &mut self.scroll;
        match a {
            Action::Up => *h = h.saturating_sub(1),
            Action::Down => *h = (*h + 1).min(max),
            Action::PageUp => *h = h.saturating_sub(page),
            Action::PageDown => *h = (*h).saturating_add(page).min(max),
            Action::Top => *h = 0,
            Action::Bottom => *h = max,
            Action::Search => {
                self.scroll = 0;
                return Some(Effect::Search);
            }
            // Esc clears a search first, then closes.
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.scroll = 0;
            }
            Action::Help | Action::Back | Action::Enter => return Some(Effect::CloseHelp),
            _ => {}
        }
        // Every other key is the help's (and does nothing) until it is closed.
        Some(Effect::None)
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        "j/k scroll · / search · Esc close │"
    }
}
