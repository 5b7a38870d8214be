//! The Train screen: the settings form, the running job (what cancels it), and what its events
//! said (loss, evaluations, progress), which the view draws.

mod form;
mod history;
mod job;
mod view;

pub use form::{FIELDS, Field, Form, PRESET};
pub use history::HistoryView;
pub use job::{default_model_dir, new_run_dir};

use std::path::PathBuf;

use crate::stats::agent::AgentFigures;
use crate::train::progress::Progress;
use crate::train::worker::{MetricsLog, TrainEvent};
use crate::tui::component::{Component, Context, Effect};
use crate::tui::keymap::Action;

/// Everything the Train screen shows.
pub struct TrainScreen {
    pub form: Form,
    pub field: usize,
    /// The value being typed into the selected field.
    pub editing: Option<String>,
    pub(super) job: Option<crate::tui::jobs::Job>,
    pub running: bool,
    /// The run being trained (or the last one): every event folded by [`Progress`].
    pub progress: Progress,
    /// The summary line: set up, done, stopped, failed.
    pub state: String,
    pub log: Option<MetricsLog>,
    /// The folder the current (or last) run trains into.
    pub out: Option<PathBuf>,
    /// Earlier runs side by side, while shown (`H`).
    pub history: Option<HistoryView>,
    /// The agent re-run on the held-out questions with BM25, the base and the trained model
    /// (`L`, on a simulated workspace), as the figures come in.
    pub closed_loop: Vec<AgentFigures>,
    /// What the closed loop is doing or why it stopped (`None` before `L`).
    pub loop_state: Option<String>,
    pub loop_running: bool,
}

impl TrainScreen {
    pub fn new(out: &str) -> TrainScreen {
        TrainScreen {
            form: Form::new(out),
            field: 0,
            editing: None,
            job: None,
            running: false,
            progress: Progress::default(),
            state: "S starts training on the mined pairs; Enter edits a setting".into(),
            log: None,
            out: None,
            history: None,
            closed_loop: Vec::new(),
            loop_state: None,
            loop_running: false,
        }
    }

    /// Seconds left at the current pace, while training runs.
    pub fn eta_s(&self) -> Option<f64> {
        let done = self.progress.step.saturating_sub(self.progress.first);
        (self.running && done > 0 && self.progress.total > self.progress.step).then(|| {
            self.progress.elapsed_s / done as f64
                * (self.progress.total - self.progress.step) as f64
        })
    }

    /// Takes one event from the trainer.
    pub fn apply(&mut self, e: &TrainEvent) {
        if let Some(log) = &mut self.log {
            let _ = log.write(e);
        }
        self.progress.apply(e);
        match e {
            TrainEvent::Started {
                train_examples,
                held_out_queries,
                eval_docs,
                ..
            } => {
                self.running = true;
                self.state = format!(
                    "training on {train_examples} pairs; {held_out_queries} held-out queries \
                     ranked against {eval_docs} documents"
                );
            }
            TrainEvent::Step { .. } | TrainEvent::Eval { .. } => {}
            TrainEvent::Checkpoint { step, path } => {
                self.state = format!("step {step}: saved {}", path.display());
            }
            TrainEvent::Done {
                step,
                cancelled,
                path,
            } => {
                self.running = false;
                self.job = None;
                self.state = format!(
                    "{} after {step} steps; model in {}",
                    if *cancelled { "stopped" } else { "done" },
                    path.display()
                );
            }
            TrainEvent::Failed { message } => {
                self.running = false;
                self.job = None;
                self.state = format!("failed: {message}");
            }
        }
    }

    pub(super) fn reset_curves(&mut self) {
        self.progress = Progress::default();
    }
}

/// What the closed loop reports, one system at a time.
#[derive(Debug)]
pub enum LoopEvent {
    System(AgentFigures),
    Done,
    Failed(crate::Error),
}

/// Where a training run's events go: the app's message channel.
pub type Sink = crate::tui::jobs::Sink<TrainEvent>;

/// Mines the pairs to train on, on the training thread.
pub type Miner = Box<dyn FnOnce() -> crate::train::data::TrainSet + Send>;

impl Component for TrainScreen {
    fn act(&mut self, a: Action, _cx: &Context) -> Option<Effect> {
        if let Some(e) = self.history_action(a) {
            return Some(e);
        }
        let last = FIELDS.len() - 1;
        Some(match a {
            Action::StartTraining => Effect::StartTraining,
            Action::ClosedLoop => self.ask_closed_loop(),
            Action::History => self.toggle_history(),
            Action::StopTraining => self.stop(),
            Action::Up => {
                self.field = self.field.saturating_sub(1);
                Effect::None
            }
            Action::Down => {
                self.field = (self.field + 1).min(last);
                Effect::None
            }
            Action::Top => {
                self.field = 0;
                Effect::None
            }
            Action::Bottom => {
                self.field = last;
                Effect::None
            }
            Action::Enter => self.enter(),
            _ => return None,
        })
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        if self.history.is_some() {
            "j/k select · o overlay · H close │"
        } else {
            "Enter edit · S start · X stop · H history · ? help │"
        }
    }

    fn raw_key(&mut self, key: crossterm::event::KeyEvent) -> Option<Effect> {
        self.editing.as_ref()?;
        self.edit_key(key);
        Some(Effect::None)
    }

    fn prompt(&self, theme: &crate::tui::theme::Theme) -> Option<ratatui::text::Line<'static>> {
        view::prompt(self, theme)
    }
}
