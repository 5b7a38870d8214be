//! Input: where each key, click and wheel turn goes. A dialog or a line being typed takes the
//! keys first; then the screen shown has its say (its component answers with an effect); what
//! no screen takes has the app's general meaning (switch screens, undo, judge, quit …).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, PLAIN, Prompt, Quit};
use crate::tui::component::{Component, Confirm, Effect};
use crate::tui::keymap::{self, Action};
use crate::tui::screens::Screen;

impl App {
    /// Leaves the `/` or `:` prompt without acting.
    fn cancel_prompt(&mut self) {
        if let Some(Prompt::Note(_)) = self.prompt.take() {
            self.status = "note not changed".into();
        }
    }

    pub(super) fn key(&mut self, k: KeyEvent) {
        if let Some(e) = self.judging.raw_key(k) {
            return self.apply(e);
        }
        if let Some(c) = self.confirm.take() {
            return self.answer(c, k);
        }
        if let Some(p) = self.prompt.as_mut() {
            let buf = match p {
                Prompt::Search(b) | Prompt::Note(b) => b,
            };
            match k.code {
                KeyCode::Enter => {
                    let done = std::mem::take(buf);
                    match self.prompt.take() {
                        Some(Prompt::Note(_)) => self.write_note(done),
                        Some(Prompt::Search(_)) if self.nav.screen == Screen::Help => {
                            self.screens.help.search(done)
                        }
                        _ => self.run_search(done),
                    }
                }
                KeyCode::Esc => self.cancel_prompt(),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.cancel_prompt()
                }
                _ => keymap::edit_line(buf, k),
            }
            return;
        }
        if let Some(e) = self.screens.get_mut(self.nav.screen).raw_key(k) {
            return self.apply(e);
        }
        if let Some(a) = keymap::action(k) {
            // A message belongs to the screen it was given on: moving to another screen clears
            // it, unless the move itself says something.
            let (screen, status) = (self.nav.screen, self.status.clone());
            self.act(a);
            let now = self.nav.screen;
            if now != screen && self.status == status && now != Screen::Help {
                self.status.clear();
            }
        }
    }

    /// The answer to a yes/no question.
    fn answer(&mut self, c: Confirm, k: KeyEvent) {
        let ctrl_c = k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
        let yes = ctrl_c || matches!(k.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter);
        match k.code {
            _ if yes => match c {
                Confirm::LabelPairs { idx, verdict } => self.label_pairs(idx, verdict),
                Confirm::QuitTraining => {
                    let e = self.screens.train.stop();
                    self.apply(e);
                    self.quit = Quit::WhenStopped;
                    self.status = "stopping training: saving its checkpoint, then quitting".into();
                    if !self.screens.train.running {
                        self.quit = Quit::Now;
                    }
                }
            },
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => {
                self.status = "cancelled: nothing was changed".into();
            }
            // Any other key leaves the question open.
            _ => self.confirm = Some(c),
        }
    }

    /// An action: the help's while it is shown, else the screen's, else the app's.
    pub(super) fn act(&mut self, a: Action) {
        if self.nav.screen == Screen::Help && a != Action::Quit {
            let e = self.with_screen(|s, cx| s.act(a, cx));
            return self.apply(e.unwrap_or(Effect::None));
        }
        // Keys that mean the same on every screen come first.
        match a {
            Action::Quit if self.screens.train.running => {
                return self.confirm = Some(Confirm::QuitTraining);
            }
            Action::Quit => return self.quit = Quit::Now,
            Action::Help => {
                self.nav.before_help = self.nav.screen;
                self.nav.screen = Screen::Help;
                self.screens.help.open();
                return;
            }
            Action::Search => return self.prompt = Some(Prompt::Search(String::new())),
            Action::NextMatch => return self.jump(1),
            Action::PrevMatch => return self.jump(-1),
            Action::Undo => return self.undo(),
            Action::Redo => return self.redo(),
            Action::ScreenRuns => return self.show(Screen::Runs),
            Action::ScreenPairs => return self.show(Screen::Pairs),
            Action::ScreenStats => return self.show(Screen::Stats),
            Action::ScreenTrain => return self.show(Screen::Train),
            Action::ScreenReview => return self.show(Screen::Review),
            Action::ToggleMode => return self.toggle_mode(),
            Action::ToggleLength => return self.toggle_length(),
            Action::Judge => return self.ask_judge(),
            Action::Export => return self.export(),
            _ => {}
        }
        let on_runs = matches!(self.nav.screen, Screen::Run | Screen::Runs);
        match a {
            Action::Correctness if on_runs => return self.cycle_correctness(),
            Action::Note if on_runs => {
                let now = self
                    .current_run()
                    .and_then(|ri| self.ws.derived.rows.get(ri))
                    .and_then(|r| r.note.clone())
                    .unwrap_or_default();
                return self.prompt = Some(Prompt::Note(now));
            }
            Action::NextUnreviewed if on_runs => return self.next_unreviewed(),
            Action::Compare if on_runs => return self.compare(),
            _ => {}
        }
        if let Some(e) = self.with_screen(|s, cx| s.act(a, cx)) {
            return self.apply(e);
        }
        match (a, self.nav.screen) {
            (Action::StartTraining, _) => {
                self.status = "S starts training on the Train screen (t)".into()
            }
            (Action::StopTraining, _) => {
                let e = self.screens.train.stop();
                self.apply(e);
            }
            (Action::Back, Screen::Train | Screen::Review) => self.show(Screen::Runs),
            (Action::Accept | Action::Reject | Action::Exclude | Action::ActuallyRelevant, _) => {
                self.status =
                    "open a run (Enter) and select a browse or a search hit to label it".into()
            }
            _ => {}
        }
    }

    /// Gives the screen shown what it may read and lets it act.
    fn with_screen<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Component, &crate::tui::component::Context) -> T,
    ) -> T {
        let current = self.screens.runs.current();
        let typing = match &self.prompt {
            Some(Prompt::Search(s)) => Some(s.as_str()),
            _ => None,
        };
        let cx = super::context(&self.ws, &self.search, self.size, current, typing, &PLAIN);
        f(self.screens.get_mut(self.nav.screen), &cx)
    }

    /// Shows screen `s` (the Stats screen computes its report as it is shown).
    pub(super) fn show(&mut self, s: Screen) {
        self.nav.screen = s;
        if s == Screen::Stats {
            let cx = super::context(&self.ws, &self.search, self.size, None, None, &PLAIN);
            self.screens.stats.refresh(&cx);
        }
        if s == Screen::Review {
            let cx = super::context(&self.ws, &self.search, self.size, None, None, &PLAIN);
            self.screens.review.refresh(&cx);
        }
    }

    /// A click selects what is under the pointer.
    pub(super) fn click(&mut self, row: u16, column: u16) {
        if let Some(e) = self.with_screen(|s, cx| s.click(row, column, cx)) {
            self.apply(e);
        }
    }

    /// The mouse wheel: on the Run screen it moves in the pane under the pointer (the focus
    /// stays where it was); elsewhere it moves as ↑/↓ do.
    pub(super) fn wheel(&mut self, column: u16, down: bool) {
        if self.nav.screen == Screen::Run {
            if let Some(e) = self.with_screen(|s, cx| s.wheel(column, down, cx)) {
                self.apply(e);
            }
        } else {
            self.act(if down { Action::Down } else { Action::Up });
        }
    }
}
