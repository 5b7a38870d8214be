//! The help screen as a component: how far it is scrolled and what it is filtered by; its keys
//! scroll it and ask the app (as effects) to start a search or to close it.

use super::keymap::Action;

#[derive(Debug, Clone, Default)]
pub struct HelpView {
    /// How far the help is scrolled.
    pub scroll: u16,
    /// What the help is filtered by (`/`, entered).
    pub filter: String,
}

/// What the help asks of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpEffect {
    None,
    /// Start typing a search of the keys.
    Search,
    Close,
}

impl HelpView {
    /// An action while the help is shown; `max` is how far it can scroll, `page` rows a page.
    pub fn act(&mut self, a: Action, max: u16, page: u16) -> HelpEffect {
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
                return HelpEffect::Search;
            }
            // Esc clears a search first, then closes.
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                self.scroll = 0;
            }
            Action::Help | Action::Back | Action::Enter => return HelpEffect::Close,
            _ => {}
        }
        HelpEffect::None
    }

    /// A search was entered: filter by it, from the top.
    pub fn search(&mut self, q: String) {
        self.filter = q;
        self.scroll = 0;
    }
}
