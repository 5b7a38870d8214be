//! The Train screen's jobs: training on the pairs mined now, and the closed loop (the
//! simulated agent re-run with the trained model), each on a thread whose events come back as
//! messages, or inline without a channel.

use std::path::PathBuf;
use std::sync::Arc;

use crate::train::history;
use crate::train::resolve;
use crate::train::scratch::ScratchShape;
use crate::train::worker::{self, MetricsLog, TrainEvent, TrainJob};
use crate::tui::component::Effect;
use crate::tui::jobs::{self, Reporter};

use super::form::Field;
use super::{LoopEvent, Miner, Sink, TrainScreen};

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
    let stamp = crate::sys::utc_stamp(secs);
    let mut dir = base.join(&stamp);
    let mut n = 2;
    while dir.exists() {
        dir = base.join(format!("{stamp}-{n}"));
        n += 1;
    }
    dir
}

impl TrainScreen {
    /// Starts training on what `mine` gives (the `pairs` pairs mined now) with the form's
    /// settings; mining, finding the model and training happen on a thread whose events go to
    /// `sink`, or (without one) here, its events applied at once.
    pub fn start(
        &mut self,
        mine: Miner,
        pairs: usize,
        qrels: Option<crate::qrels::Qrels>,
        corpus: Option<crate::corpus::DocIndex>,
        sink: Option<Sink>,
    ) -> Effect {
        if self.running {
            return Effect::Status("training is already running (X stops it)".into());
        }
        // The screens' pair count is already known: no run folder for nothing to train on.
        if pairs == 0 {
            self.state = "no pairs to train on".into();
            return Effect::None;
        }
        let config = match self.form.config() {
            Ok(c) => c,
            Err(e) => {
                self.state = e;
                return Effect::None;
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
        // Finding the model (a download, perhaps) and training run off the draw loop.
        let work = move |r: &Reporter<TrainEvent>| {
            let set = mine();
            if set.examples.is_empty() {
                r.send(TrainEvent::Failed {
                    message: "no pairs to train on".into(),
                });
                return;
            }
            let resolved = match resolve::resolve_in(model.as_deref(), &places) {
                Ok(r) => r,
                Err(e) => {
                    r.send(TrainEvent::Failed {
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
            worker::run(job, r.cancel_flag(), &mut |e| r.send(e));
        };
        self.running = true;
        self.state = "mining the pairs, finding and loading the model…".into();
        let (job, events) = jobs::start(work, sink);
        self.job = Some(job);
        for e in &events {
            self.apply(e);
        }
        Effect::None
    }

    /// `L`: the closed loop for the last trained model, when there is one and nothing runs.
    pub(super) fn ask_closed_loop(&mut self) -> Effect {
        if self.running {
            return Effect::Status(
                "the closed loop re-runs the agent with the trained model: wait until training ends"
                    .into(),
            );
        }
        if self.loop_running {
            return Effect::Status("the agent is already re-running the held-out questions".into());
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
            Some(dir) => Effect::ClosedLoop(dir),
            None => Effect::Status(
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
        sink: Option<jobs::Sink<LoopEvent>>,
    ) {
        self.closed_loop.clear();
        self.loop_running = true;
        self.loop_state = Some("re-running the held-out questions in the simulated agent…".into());
        let work = move |r: &Reporter<LoopEvent>| {
            let result = crate::closed_loop::held_out(&workspace, &model, &mut |f| {
                r.send(LoopEvent::System(f.clone()));
            });
            r.send(match result {
                Ok(_) => LoopEvent::Done,
                Err(e) => LoopEvent::Failed(e),
            });
        };
        for e in jobs::start(work, sink).1 {
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
    pub fn stop(&mut self) -> Effect {
        match &self.job {
            Some(job) => {
                job.cancel();
                self.state = "stopping after this batch…".into();
                Effect::None
            }
            None => Effect::Status("no training is running".into()),
        }
    }
}
