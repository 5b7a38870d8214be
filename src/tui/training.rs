//! The Train screen's state: the settings form, the running job (cancel flag), and what its
//! events said (loss, evaluations, progress), which the view draws.

use crate::train::progress::Progress;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::keymap::Action;
use crate::stats::agent::AgentFigures;
use crate::train::eval::Metrics;
use crate::train::history::{self, PastRun};
use crate::train::resolve;
use crate::train::scratch::ScratchShape;
use crate::train::worker::{self, MetricsLog, Preset, TrainConfig, TrainEvent, TrainJob};

/// One setting on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Model,
    Epochs,
    Batch,
    Group,
    Temperature,
    Lr,
    Warmup,
    Holdout,
    QueryLen,
    PassageLen,
    MaxSteps,
    Weights,
    Out,
}

pub const FIELDS: [Field; 13] = [
    Field::Model,
    Field::Epochs,
    Field::Batch,
    Field::Group,
    Field::Temperature,
    Field::Lr,
    Field::Warmup,
    Field::Holdout,
    Field::QueryLen,
    Field::PassageLen,
    Field::MaxSteps,
    Field::Weights,
    Field::Out,
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Model => "model",
            Field::Epochs => "epochs",
            Field::Batch => "batch",
            Field::Group => "group G",
            Field::Temperature => "temperature τ",
            Field::Lr => "learning rate",
            Field::Warmup => "warmup share",
            Field::Holdout => "held-out runs",
            Field::QueryLen => "query tokens",
            Field::PassageLen => "passage tokens",
            Field::MaxSteps => "stop after steps",
            Field::Weights => "intensity weights",
            Field::Out => "save to",
        }
    }
}

/// The Train screen's preset: its fields start at these settings, and `auto` takes its rates.
pub const PRESET: Preset = Preset::Quick;

/// The form's values as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub values: Vec<String>,
}

impl Form {
    fn new(out: &str) -> Form {
        let c = TrainConfig::preset(PRESET);
        let values = FIELDS
            .iter()
            .map(|f| match f {
                Field::Model | Field::Lr => "auto".to_string(),
                Field::Epochs => c.epochs.to_string(),
                Field::Batch => c.batch.to_string(),
                Field::Group => c.group.to_string(),
                Field::Temperature => c.temperature.to_string(),
                Field::Warmup => c.warmup.to_string(),
                Field::Holdout => c.holdout.to_string(),
                Field::QueryLen => c.query_max_len.to_string(),
                Field::PassageLen => c.passage_max_len.to_string(),
                Field::MaxSteps => c.max_steps.map_or("all".into(), |m| m.to_string()),
                Field::Weights => if c.weighted { "on" } else { "off" }.to_string(),
                Field::Out => out.to_string(),
            })
            .collect();
        Form { values }
    }

    pub fn get(&self, f: Field) -> &str {
        FIELDS
            .iter()
            .position(|x| *x == f)
            .and_then(|i| self.values.get(i))
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The settings, or which field is wrong.
    pub fn config(&self) -> Result<TrainConfig, String> {
        fn num<T: std::str::FromStr>(form: &Form, f: Field) -> Result<T, String> {
            form.get(f)
                .trim()
                .parse()
                .map_err(|_| format!("{}: `{}` is not a number", f.label(), form.get(f)))
        }
        let auto = |f: Field| matches!(self.get(f).trim(), "auto" | "all" | "");
        Ok(TrainConfig {
            epochs: num(self, Field::Epochs)?,
            batch: num(self, Field::Batch)?,
            group: num(self, Field::Group)?,
            temperature: num(self, Field::Temperature)?,
            lr: if auto(Field::Lr) {
                None
            } else {
                Some(num(self, Field::Lr)?)
            },
            warmup: num(self, Field::Warmup)?,
            holdout: num(self, Field::Holdout)?,
            query_max_len: num(self, Field::QueryLen)?,
            passage_max_len: num(self, Field::PassageLen)?,
            max_steps: if auto(Field::MaxSteps) {
                None
            } else {
                Some(num(self, Field::MaxSteps)?)
            },
            weighted: !matches!(self.get(Field::Weights).trim(), "off" | "no" | "false"),
            ..TrainConfig::preset(PRESET)
        })
    }
}

impl TrainView {
    /// Whether the value being typed would make valid settings: `Err` names the field and why.
    pub fn check_edit(&self) -> Result<(), String> {
        let Some(buf) = &self.editing else {
            return Ok(());
        };
        let mut form = self.form.clone();
        if let Some(slot) = form.values.get_mut(self.field) {
            *slot = buf.clone();
        }
        form.config()?.validate().map_err(|e| e.to_string())
    }
}

/// Everything the Train screen shows.
pub struct TrainView {
    pub form: Form,
    pub field: usize,
    /// The value being typed into the selected field.
    pub editing: Option<String>,
    cancel: Option<Arc<AtomicBool>>,
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

/// The Train screen's list of earlier runs.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    /// Where they were found (the *save to* folder).
    pub base: PathBuf,
    pub runs: Vec<PastRun>,
    pub selected: usize,
    /// Runs whose held-out curves are drawn over the chart (indices into `runs`).
    pub overlaid: Vec<usize>,
}

impl TrainView {
    pub fn new(out: &str) -> TrainView {
        TrainView {
            form: Form::new(out),
            field: 0,
            editing: None,
            cancel: None,
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

    /// The trained model's latest evaluation.
    pub fn trained(&self) -> Option<&Metrics> {
        self.progress.trained()
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
                self.cancel = None;
                self.state = format!(
                    "{} after {step} steps; model in {}",
                    if *cancelled { "stopped" } else { "done" },
                    path.display()
                );
            }
            TrainEvent::Failed { message } => {
                self.running = false;
                self.cancel = None;
                self.state = format!("failed: {message}");
            }
        }
    }

    fn reset_curves(&mut self) {
        self.progress = Progress::default();
    }
}

/// Where the Train screen's runs go: `.lrat/runs/` beside the labels (each start gets its own
/// folder there).
pub fn default_model_dir(journal: Option<&crate::labels::Journal>) -> PathBuf {
    journal
        .and_then(|j| j.path().parent().map(|d| d.join("runs")))
        .unwrap_or_else(|| crate::config::cache_dir().join("runs"))
}

/// A new folder under `base` named for this moment (UTC, `YYYYMMDD-HHMMSS`, with `-2`, `-3` …
/// when that exists), so a start never trains over an earlier run.
pub fn new_run_dir(base: &std::path::Path) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = utc_stamp(secs);
    let mut dir = base.join(&stamp);
    let mut n = 2;
    while dir.exists() {
        dir = base.join(format!("{stamp}-{n}"));
        n += 1;
    }
    dir
}

/// `YYYYMMDD-HHMMSS` for seconds since the Unix epoch (UTC, proleptic Gregorian calendar).
pub fn utc_stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// What the Train screen asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainEffect {
    None,
    /// A message for the status line.
    Status(String),
    /// Start training: the app supplies the pairs it mines now and calls `TrainView::start`.
    Start,
    /// Re-run the held-out questions in the simulated agent with the model trained into this
    /// folder: the app finds the workspace and calls `TrainView::start_closed_loop`.
    ClosedLoop(PathBuf),
}

/// What the closed loop reports, one system at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum LoopEvent {
    System(AgentFigures),
    Done,
    Failed(String),
}

/// Where a training run's events go: the app's message channel.
pub type Sink = super::background::Sink<TrainEvent>;

/// Mines the pairs to train on, on the training thread.
pub type Miner = Box<dyn FnOnce() -> crate::train::data::TrainSet + Send>;

impl TrainView {
    /// An action on the Train screen; `None` when it is not this screen's.
    pub fn act(&mut self, a: Action) -> Option<TrainEffect> {
        if let Some(e) = self.history_action(a) {
            return Some(e);
        }
        let last = FIELDS.len() - 1;
        Some(match a {
            Action::StartTraining => TrainEffect::Start,
            Action::ClosedLoop => self.ask_closed_loop(),
            Action::History => self.toggle_history(),
            Action::StopTraining => self.stop(),
            Action::Up => {
                self.field = self.field.saturating_sub(1);
                TrainEffect::None
            }
            Action::Down => {
                self.field = (self.field + 1).min(last);
                TrainEffect::None
            }
            Action::Top => {
                self.field = 0;
                TrainEffect::None
            }
            Action::Bottom => {
                self.field = last;
                TrainEffect::None
            }
            Action::Enter => self.enter(),
            _ => return None,
        })
    }

    /// Starts training on what `mine` gives (the pairs mined now) with the form's settings;
    /// mining, finding the model and training happen on a thread whose events go to `sink`, or
    /// (without one) here, its events applied at once.
    pub fn start(
        &mut self,
        mine: Miner,
        qrels: Option<crate::qrels::Qrels>,
        corpus: Option<crate::corpus::DocIndex>,
        sink: Option<Sink>,
    ) -> TrainEffect {
        if self.running {
            return TrainEffect::Status("training is already running (X stops it)".into());
        }
        let config = match self.form.config() {
            Ok(c) => c,
            Err(e) => {
                self.state = e;
                return TrainEffect::None;
            }
        };
        let model = match self.form.get(Field::Model).trim() {
            "auto" | "" => None,
            m => Some(m.to_string()),
        };
        // No progress bar here: it would draw over the screen.
        let places = resolve::Places {
            progress: false,
            ..resolve::Places::from_env()
        };
        let out = new_run_dir(&PathBuf::from(self.form.get(Field::Out).trim()));
        self.out = Some(out.clone());
        self.log = MetricsLog::open(&out, false).ok();
        self.reset_curves();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        // Finding the model (a download, perhaps) and training run off the draw loop.
        let work = move |sink: &mut dyn FnMut(TrainEvent) -> bool| {
            let set = mine();
            if set.examples.is_empty() {
                sink(TrainEvent::Failed {
                    message: "no pairs to train on".into(),
                });
                return;
            }
            let resolved = match resolve::resolve_in(model.as_deref(), &places) {
                Ok(r) => r,
                Err(e) => {
                    sink(TrainEvent::Failed {
                        message: e.to_string(),
                    });
                    return;
                }
            };
            let job = TrainJob {
                set: Arc::new(set),
                model: resolved.source,
                note: resolved.note,
                config,
                out,
                qrels,
                corpus,
                resume: false,
                force: false,
                device: candle_core::Device::Cpu,
                scratch: ScratchShape::default(),
                held_out: None,
            };
            worker::run(job, &stop, sink);
        };
        self.running = true;
        self.state = "mining the pairs, finding and loading the model…".into();
        self.cancel = Some(cancel);
        for e in &super::background::run(work, sink) {
            self.apply(e);
        }
        TrainEffect::None
    }

    /// `L`: the closed loop for the last trained model, when there is one and nothing runs.
    fn ask_closed_loop(&mut self) -> TrainEffect {
        if self.running {
            return TrainEffect::Status(
                "the closed loop re-runs the agent with the trained model: wait until training ends"
                    .into(),
            );
        }
        if self.loop_running {
            return TrainEffect::Status(
                "the agent is already re-running the held-out questions".into(),
            );
        }
        // The run selected in the history, else the one trained here, else the newest finished
        // run under the *save to* folder (after a restart).
        let finished = |d: &PathBuf| d.join(crate::train::checkpoint::STATE).is_file();
        let chosen = match &self.history {
            Some(h) => h.runs.get(h.selected).map(|r| r.dir.clone()),
            None => self.out.clone().filter(finished).or_else(|| {
                history::scan(&PathBuf::from(self.form.get(Field::Out).trim()))
                    .into_iter()
                    .rev()
                    .map(|r| r.dir)
                    .find(finished)
            }),
        };
        match chosen.filter(finished) {
            Some(dir) => TrainEffect::ClosedLoop(dir),
            None => TrainEffect::Status(
                "train a model first (S), then L re-runs its held-out questions".into(),
            ),
        }
    }

    /// Re-runs the held-out questions of `workspace` with BM25, the base model and the model in
    /// `model`, on a thread whose events go to `sink`, or (without one) here.
    pub fn start_closed_loop(
        &mut self,
        workspace: PathBuf,
        model: PathBuf,
        sink: Option<super::background::Sink<LoopEvent>>,
    ) {
        self.closed_loop.clear();
        self.loop_running = true;
        self.loop_state = Some("re-running the held-out questions in the simulated agent…".into());
        let work = move |sink: &mut dyn FnMut(LoopEvent) -> bool| {
            let result = crate::closed_loop::held_out(&workspace, &model, &mut |f| {
                sink(LoopEvent::System(f.clone()));
            });
            sink(match result {
                Ok(_) => LoopEvent::Done,
                Err(e) => LoopEvent::Failed(e.to_string()),
            });
        };
        for e in super::background::run(work, sink) {
            self.apply_loop(e);
        }
    }

    /// Takes one event from the closed loop.
    pub fn apply_loop(&mut self, e: LoopEvent) {
        match e {
            LoopEvent::System(f) => self.closed_loop.push(f),
            LoopEvent::Done => {
                self.loop_running = false;
                let n = self.closed_loop.first().map_or(0, |f| f.runs);
                let base = if self.closed_loop.iter().any(|f| f.name == "base model") {
                    ""
                } else {
                    "; no base row (a scratch start)"
                };
                self.loop_state = Some(format!(
                    "re-ran {n} held-out questions with each retriever{base}"
                ));
            }
            LoopEvent::Failed(m) => {
                self.loop_running = false;
                self.loop_state = Some(format!("closed loop failed: {m}"));
            }
        }
    }

    /// Asks the running job to stop after its current batch.
    pub fn stop(&mut self) -> TrainEffect {
        match &self.cancel {
            Some(c) => {
                c.store(true, Ordering::Relaxed);
                self.state = "stopping after this batch…".into();
                TrainEffect::None
            }
            None => TrainEffect::Status("no training is running".into()),
        }
    }

    /// A key while a value is typed.
    pub fn edit_key(&mut self, k: crossterm::event::KeyEvent) {
        use crossterm::event::{KeyCode, KeyModifiers};
        if self.editing.is_none() {
            return;
        }
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if k.code == KeyCode::Enter
            && let Err(e) = self.check_edit()
        {
            // A value that does not parse stays in the editor, with the reason.
            self.state = e;
            return;
        }
        let Some(buf) = self.editing.as_mut() else {
            return;
        };
        match k.code {
            KeyCode::Enter => {
                let v = std::mem::take(buf);
                self.editing = None;
                if let Some(slot) = self.form.values.get_mut(self.field) {
                    *slot = v;
                }
                self.state = "settings changed".into();
            }
            KeyCode::Esc => self.editing = None,
            KeyCode::Backspace => {
                buf.pop();
            }
            // Ctrl-U clears the value (as in a shell).
            KeyCode::Char('u') if ctrl => buf.clear(),
            KeyCode::Char(_) if ctrl => {}
            KeyCode::Char(c) => buf.push(c),
            _ => {}
        }
    }

    /// Enter on a field: toggles weights, else starts typing a new value.
    fn enter(&mut self) -> TrainEffect {
        if self.running {
            return TrainEffect::Status("settings are fixed while training runs".into());
        }
        match FIELDS.get(self.field) {
            Some(Field::Weights) => {
                let v = &mut self.form.values[self.field];
                *v = if v == "on" { "off" } else { "on" }.into();
            }
            Some(_) => self.editing = Some(self.form.values[self.field].clone()),
            None => {}
        }
        TrainEffect::None
    }

    /// `H`: shows the earlier runs under the *save to* folder, or hides them.
    fn toggle_history(&mut self) -> TrainEffect {
        if self.history.take().is_some() {
            return TrainEffect::None;
        }
        let base = PathBuf::from(self.form.get(Field::Out).trim());
        let runs = history::scan(&base);
        let status = match runs.len() {
            0 => format!("no earlier training runs in {}", base.display()),
            n => {
                let problems: usize = runs.iter().map(|r| r.problems.len()).sum();
                let first = runs
                    .iter()
                    .flat_map(|r| r.problems.first())
                    .next()
                    .map(|p| format!(" (first: {p})"))
                    .unwrap_or_default();
                format!(
                    "{n} earlier training runs in {}{}",
                    base.display(),
                    if problems > 0 {
                        format!("; {problems} unreadable lines left out{first}")
                    } else {
                        String::new()
                    }
                )
            }
        };
        self.history = Some(HistoryView {
            selected: runs.len().saturating_sub(1),
            base,
            runs,
            overlaid: Vec::new(),
        });
        TrainEffect::Status(status)
    }

    /// Reads the history's folders again (a run ended), keeping the selection and overlays.
    pub fn rescan_history(&mut self) {
        let Some(h) = self.history.as_mut() else {
            return;
        };
        let name = |i: &usize| h.runs.get(*i).map(|r| r.name.clone());
        let selected = name(&h.selected);
        let overlaid: Vec<String> = h.overlaid.iter().filter_map(name).collect();
        let runs = history::scan(&h.base);
        h.selected = selected
            .and_then(|n| runs.iter().position(|r| r.name == n))
            .unwrap_or(runs.len().saturating_sub(1));
        h.overlaid = overlaid
            .iter()
            .filter_map(|n| runs.iter().position(|r| &r.name == n))
            .collect();
        h.runs = runs;
    }

    /// A key while the history is shown; `None` when it is not the history's.
    fn history_action(&mut self, a: Action) -> Option<TrainEffect> {
        let h = self.history.as_mut()?;
        let last = h.runs.len().saturating_sub(1);
        match a {
            Action::Up => h.selected = h.selected.saturating_sub(1),
            Action::Down => h.selected = (h.selected + 1).min(last),
            Action::Top => h.selected = 0,
            Action::Bottom => h.selected = last,
            Action::Overlay if !h.runs.is_empty() => {
                let i = h.selected;
                let status = if let Some(at) = h.overlaid.iter().position(|&x| x == i) {
                    h.overlaid.remove(at);
                    format!("{}: curve hidden", h.runs[i].name)
                } else {
                    h.overlaid.push(i);
                    format!("{}: held-out MRR@10 drawn over the chart", h.runs[i].name)
                };
                return Some(TrainEffect::Status(status));
            }
            Action::Back | Action::History => self.history = None,
            _ => return None,
        }
        Some(TrainEffect::None)
    }
}
