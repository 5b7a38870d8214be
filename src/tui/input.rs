//! Input: what each key, click and search does to the app's state.

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Filter, Pane, Screen};
use super::help_screen::HelpEffect;
use super::keymap::{self, Action};
use super::rows;
use super::run_screen::RunContext;
use crate::run::{Run, StepKind};

impl App {
    pub(super) fn key(&mut self, k: KeyEvent) {
        if let Some(super::app::Confirm::ChooseJudge { .. }) = &self.confirm {
            use super::judging::JudgeChoice;
            let choice = match k.code {
                KeyCode::Char('h') => Some(JudgeChoice::Heuristic { all: false }),
                KeyCode::Char('l') => Some(JudgeChoice::Llm { all: false }),
                KeyCode::Char('H') => Some(JudgeChoice::Heuristic { all: true }),
                KeyCode::Char('L') => Some(JudgeChoice::Llm { all: true }),
                KeyCode::Char('p') if !self.judging.pending.is_empty() => {
                    Some(JudgeChoice::RetryPending)
                }
                KeyCode::Esc | KeyCode::Char('n' | 'q') => {
                    self.confirm = None;
                    self.status = "no judge run".into();
                    return;
                }
                _ => None,
            };
            if let Some(c) = choice {
                self.confirm = None;
                self.start_judge(c);
            }
            return;
        }
        if let Some(c) = self.confirm.take() {
            let ctrl_c = k
                .modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL)
                && k.code == KeyCode::Char('c');
            let yes = ctrl_c || matches!(k.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter);
            match k.code {
                _ if yes => match c {
                    super::app::Confirm::LabelPairs { idx, verdict } => {
                        self.label_pairs(idx, verdict)
                    }
                    super::app::Confirm::QuitTraining => {
                        let e = self.train.stop();
                        self.apply_train(e);
                        self.quit_when_stopped = true;
                        self.status =
                            "stopping training: saving its checkpoint, then quitting".into();
                        if !self.train.running {
                            self.quit = true;
                        }
                    }
                    // Answered above, never here.
                    super::app::Confirm::ChooseJudge { .. } => {}
                },
                KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => {
                    self.status = "cancelled: nothing was changed".into();
                }
                // Any other key leaves the question open.
                _ => self.confirm = Some(c),
            }
            return;
        }
        if let Some(buf) = self.note_typing.as_mut() {
            match k.code {
                KeyCode::Enter => {
                    let note = std::mem::take(buf);
                    self.note_typing = None;
                    self.write_note(note);
                }
                KeyCode::Esc => {
                    self.note_typing = None;
                    self.status = "note not changed".into();
                }
                KeyCode::Backspace => {
                    buf.pop();
                }
                KeyCode::Char(c) => buf.push(c),
                _ => {}
            }
            return;
        }
        if let Some(buf) = self.typing.as_mut() {
            match k.code {
                KeyCode::Enter => {
                    let q = std::mem::take(buf);
                    self.typing = None;
                    if self.screen == Screen::Help {
                        self.help.search(q);
                    } else {
                        self.run_search(q);
                    }
                }
                KeyCode::Esc => self.typing = None,
                KeyCode::Backspace => {
                    buf.pop();
                }
                KeyCode::Char(c) => buf.push(c),
                _ => {}
            }
            return;
        }
        if self.screen == Screen::Train && self.train.editing.is_some() {
            self.train.edit_key(k);
            return;
        }
        if let Some(a) = keymap::action(k) {
            // A message belongs to the screen it was given on: moving to another screen clears
            // it, unless the move itself says something.
            let (screen, status) = (self.screen, self.status.clone());
            self.act(a);
            if self.screen != screen && self.status == status && self.screen != Screen::Help {
                self.status.clear();
            }
        }
    }

    pub(super) fn run_len(&self) -> usize {
        self.current_run().map_or(0, |r| self.runs[r].steps.len())
    }

    pub fn act(&mut self, a: Action) {
        if self.screen == Screen::Help && !matches!(a, Action::Quit) {
            let max = super::views::help::scroll_max(self);
            match self.help.act(a, max, self.page as u16) {
                HelpEffect::None => {}
                HelpEffect::Search => self.typing = Some(String::new()),
                HelpEffect::Close => self.screen = self.before_help,
            }
            return;
        }
        match (a, self.screen) {
            (Action::Quit, _) if self.train.running => {
                self.confirm = Some(super::app::Confirm::QuitTraining);
            }
            (Action::Quit, _) => self.quit = true,
            (Action::Help, s) => {
                self.before_help = s;
                self.screen = Screen::Help;
                self.help.scroll = 0;
            }
            (Action::Search, _) => self.typing = Some(String::new()),
            (Action::NextMatch, _) => self.jump(1),
            (Action::PrevMatch, _) => self.jump(-1),
            (Action::Undo, _) => self.undo(),
            (Action::Redo, _) => self.redo(),
            (Action::Correctness, Screen::Run | Screen::Runs) => self.cycle_correctness(),
            (Action::Note, Screen::Run | Screen::Runs) => {
                let now = self
                    .current_run()
                    .and_then(|ri| self.derived.rows.get(ri))
                    .and_then(|r| r.note.clone())
                    .unwrap_or_default();
                self.note_typing = Some(now);
            }
            (Action::WholeQuestion, Screen::Run) => {
                self.run_view.whole_question = !self.run_view.whole_question;
            }
            (Action::NextUnreviewed, Screen::Run | Screen::Runs) => self.next_unreviewed(),
            (Action::ScreenRuns, _) => self.screen = Screen::Runs,
            (Action::ScreenPairs, _) => self.screen = Screen::Pairs,
            (Action::ScreenStats, _) => {
                self.screen = Screen::Stats;
                self.refresh_report();
            }
            (Action::ToggleMode, _) => {
                self.mode = match self.mode {
                    crate::mine::Mode::Paper => crate::mine::Mode::Reference,
                    crate::mine::Mode::Reference => crate::mine::Mode::Paper,
                };
                self.refresh();
                self.status = format!(
                    "mining in {:?} mode: {} pairs",
                    self.mode, self.derived.total_pairs
                )
                .to_lowercase();
            }
            (Action::ToggleLength, _) => {
                if self.tokens.is_none() {
                    self.status =
                        "no tokenizer: open with --tokenizer tokenizer.json (or a model folder)"
                            .into();
                } else {
                    self.use_tokens = !self.use_tokens;
                    self.refresh();
                    self.status = format!(
                        "length in {}",
                        if self.use_tokens { "tokens" } else { "words" }
                    );
                }
            }
            (Action::ScreenTrain, _) => self.screen = Screen::Train,
            (a, Screen::Train) if self.train_action(a) => {}
            (Action::StartTraining, _) => {
                self.status = "S starts training on the Train screen (t)".into()
            }
            (Action::StopTraining, _) => {
                let e = self.train.stop();
                self.apply_train(e);
            }
            (Action::Back, Screen::Train) => self.screen = Screen::Runs,
            (Action::Judge, _) => self.ask_judge(),
            (Action::Export, _) => self.export(),
            (a, Screen::Pairs) => self.pairs_action(a),
            (a, Screen::Runs) if self.runs_action(a) => {}
            (a, Screen::Run) if self.run_action(a) => {}
            (Action::Accept | Action::Reject | Action::Exclude | Action::ActuallyRelevant, _) => {
                self.status =
                    "open a run (Enter) and select a browse or a search hit to label it".into()
            }
            _ => {}
        }
    }

    /// A click selects the row under the pointer (lists scroll to keep the selection in view, so
    /// the first visible row follows from the selection).
    pub(super) fn click(&mut self, row: u16, column: u16) {
        let first_row = |header: u16| usize::from(row.saturating_sub(header));
        let visible = self.list_rows.max(1);
        match self.screen {
            Screen::Runs if row >= 3 => {
                let offset = self.list.selected.saturating_sub(visible - 1);
                let i = offset + first_row(3);
                if i < self.list.order.len() {
                    self.list.selected = i;
                }
            }
            Screen::Pairs if row >= 3 => {
                let offset = self.pairs.selected.saturating_sub(visible - 1);
                let i = offset + first_row(3);
                if i < self.pairs.order.len() {
                    self.pairs.selected = i;
                }
            }
            Screen::Run if row >= 2 => {
                self.run_view.pane = self.pane_at(column);
                if self.run_view.pane == Pane::Timeline {
                    let offset = self.run_view.step.saturating_sub(visible);
                    self.select_step(offset + first_row(2));
                }
            }
            _ => {}
        }
    }

    /// The mouse wheel: on the Run screen it moves in the pane under the pointer (the focus
    /// stays where it was); elsewhere it moves as ↑/↓ do.
    pub(super) fn wheel(&mut self, column: u16, down: bool) {
        let d = if down { 1 } else { -1 };
        if self.screen == Screen::Run {
            self.move_in(self.pane_at(column), d);
        } else {
            self.act(if down { Action::Down } else { Action::Up });
        }
    }

    /// The Run screen's pane at a screen column.
    fn pane_at(&self, column: u16) -> Pane {
        let timeline = super::views::run::TIMELINE_PERCENT;
        if u32::from(column) * 100 < u32::from(self.width) * u32::from(timeline) {
            Pane::Timeline
        } else {
            Pane::Detail
        }
    }

    /// What the Run screen needs to know of the open run.
    pub(super) fn run_context<'a>(&self, scroll_max: &'a dyn Fn() -> u16) -> RunContext<'a> {
        RunContext {
            steps: self.run_len(),
            hits: self.current_search().map_or(0, |s| s.hits.len()),
            page: self.page,
            scroll_max,
        }
    }

    /// One step (timeline) or one hit (detail) up or down on the Run screen.
    fn move_in(&mut self, pane: Pane, d: i64) {
        let cx = self.run_context(&|| 0);
        self.run_view.move_in(pane, d, &cx);
    }

    pub(super) fn select_step(&mut self, to: usize) {
        let steps = self.run_len();
        self.run_view.select_step(to, steps);
    }

    pub(super) fn current_step(&self) -> Option<(&Run, usize)> {
        let r = &self.runs[self.current_run()?];
        let s = r.steps.get(self.run_view.step)?;
        Some((r, s.index))
    }

    pub(super) fn current_search(&self) -> Option<&crate::run::Search> {
        let r = &self.runs[self.current_run()?];
        match &r.steps.get(self.run_view.step)?.kind {
            StepKind::Search(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn run_search(&mut self, q: String) {
        self.query = q.trim().to_string();
        self.matches = if self.query.is_empty() {
            Vec::new()
        } else {
            rows::search(&self.runs, &self.query)
        };
        self.match_at = 0;
        if self.matches.is_empty() {
            self.status = if self.query.is_empty() {
                "search cleared".into()
            } else {
                format!("no match for \"{}\"", self.query)
            };
            return;
        }
        self.status = format!(
            "{} matches for \"{}\" (n / N)",
            self.matches.len(),
            self.query
        );
        self.goto_match();
    }

    pub(super) fn jump(&mut self, d: i64) {
        if self.matches.is_empty() {
            self.status = "no search: press / to search".into();
            return;
        }
        let n = self.matches.len() as i64;
        self.match_at = ((self.match_at as i64 + d).rem_euclid(n)) as usize;
        self.goto_match();
        self.status = format!(
            "match {} of {} for \"{}\"",
            self.match_at + 1,
            self.matches.len(),
            self.query
        );
    }

    pub(super) fn goto_match(&mut self) {
        let (run, step) = self.matches[self.match_at];
        if !self.list.order.contains(&run) {
            self.list.filter = Filter::All;
            self.refresh();
        }
        if let Some(p) = self.list.order.iter().position(|&i| i == run) {
            self.list.selected = p;
            self.screen = Screen::Run;
            self.run_view.pane = Pane::Timeline;
            self.select_step(step);
        }
    }
}
