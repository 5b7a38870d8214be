//! Drawing the app: a header (the screens as tabs, the counts, loading, the labels' state), the
//! screen shown (its component draws itself), the footer (keys and status, or what is being
//! typed) and any dialog over them — a pure function of `&App`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{App, Prompt};
use crate::tui::chrome;
use crate::tui::component::{Component, Context};
use crate::tui::screens::Screen;
use crate::tui::theme::Theme;

impl App {
    pub fn draw(&self, frame: &mut Frame, theme: &Theme) {
        let cx = self.context(theme);
        let [header, body, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(self.status_height(frame.area().width)),
        ])
        .areas(frame.area());
        self.draw_header(frame, header, &cx);
        self.screens.get(self.nav.screen).draw(frame, body, &cx);
        self.draw_status(frame, status, theme);
        if let Some(c) = &self.confirm {
            chrome::dialog(
                frame,
                body,
                " confirm ",
                &c.question(),
                "y yes · n no",
                theme,
            );
        }
        self.judging.draw(frame, body, &cx);
    }

    /// The screen shown.
    fn shown(&self) -> &dyn Component {
        self.screens.get(self.nav.screen)
    }

    fn draw_header(&self, frame: &mut Frame, area: Rect, cx: &Context) {
        let theme = cx.theme;
        let screen = self.nav.screen;
        let w = cx.derived.mined.weights;
        // A tab bar of the screens, the current one marked (a run counts as the Runs screen).
        let current = match screen {
            Screen::Runs | Screen::Run => Some(0),
            Screen::Pairs => Some(1),
            Screen::Stats => Some(2),
            Screen::Train => Some(3),
            Screen::Review => Some(4),
            Screen::Help | Screen::Compare | Screen::Found => None,
        };
        let mut spans = vec![Span::styled(" lrat ", theme.bold())];
        for (i, name) in ["1 Runs", "2 Pairs", "3 Stats", "4 Train", "5 Review"]
            .iter()
            .enumerate()
        {
            // A narrow terminal pads the tabs by one space, not two, to keep the counts.
            let narrow = area.width < 100;
            let name = if i == 0 && screen == Screen::Run {
                "1 Run"
            } else {
                name
            };
            let tab = if narrow {
                format!("{name} ")
            } else {
                format!(" {name} ")
            };
            spans.push(if current == Some(i) {
                Span::styled(tab, theme.selected())
            } else {
                Span::styled(tab, theme.dim())
            });
        }
        if screen == Screen::Compare {
            spans.push(Span::styled(" Compare ", theme.selected()));
        }
        if screen == Screen::Found {
            spans.push(Span::styled(" Found ", theme.selected()));
        }
        if screen == Screen::Help {
            let tab = if area.width < 100 { "Help " } else { " Help " };
            spans.push(Span::styled(tab, theme.selected()));
        }
        spans.extend([Span::raw(format!(
            " {} runs · {} pairs · β {} ",
            cx.runs.len(),
            cx.derived.total_pairs,
            crate::mine::weight::show(w.beta)
        ))]);
        if let Some((done, total)) = self.intake.loading {
            spans.push(Span::styled(
                format!(" loading {done}/{total} files… "),
                theme.dim(),
            ));
        }
        match cx.journal {
            Some(j) if j.read_only().is_some() => {
                spans.push(Span::styled(" labels read-only ", theme.dim()))
            }
            Some(_) => {}
            None => spans.push(Span::styled(
                " labels unavailable: --labels DIR to save ",
                theme.dim(),
            )),
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    /// The footer's height: one line, or, when the message does not fit beside the keys, the
    /// keys on a line of their own and the message wrapped below them (up to four lines in
    /// all), so that no message is cut at the terminal's width.
    fn status_height(&self, width: u16) -> u16 {
        let typing = self.prompt.is_some() || self.shown().prompt(&PLAIN_THEME).is_some();
        let status = crate::text::inert(&self.status);
        let keys = self.shown().keys().chars().count() + 2;
        if typing || keys + status.chars().count() <= usize::from(width) {
            return 1;
        }
        let lines = crate::text::wrap(&status, usize::from(width.max(1))).len();
        u16::try_from((1 + lines).clamp(2, 4)).unwrap_or(4)
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(line) = self.shown().prompt(theme) {
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
        let keys = self.shown().keys();
        let line = match &self.prompt {
            Some(Prompt::Note(buf)) => Line::from(vec![
                Span::styled("note: ", theme.bold()),
                Span::raw(typed(buf, width.saturating_sub(6 + 31).max(10))),
                Span::raw("▏"),
                Span::styled("  Enter saves · Esc leaves it", theme.dim()),
            ]),
            Some(Prompt::Search(buf)) => Line::from(vec![
                Span::styled("/", theme.bold()),
                Span::raw(typed(buf, width.saturating_sub(2).max(10))),
                Span::raw("▏"),
            ]),
            None if area.height > 1 => {
                // A long message: the keys on their line, the whole message wrapped below.
                let [keys_area, rest] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
                frame.render_widget(
                    Paragraph::new(Span::styled(format!(" {keys}"), theme.dim())),
                    keys_area,
                );
                let text = crate::text::wrap(
                    &crate::text::inert(&self.status),
                    usize::from(area.width.max(1)),
                )
                .join("\n");
                frame.render_widget(Paragraph::new(text), rest);
                return;
            }
            None => Line::from(vec![
                Span::styled(format!(" {keys} "), theme.dim()),
                Span::raw(crate::text::inert(&self.status).into_owned()),
            ]),
        };
        frame.render_widget(Paragraph::new(line), area);
    }
}

static PLAIN_THEME: Theme = Theme { color: false };
