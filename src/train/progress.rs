//! One reading of a training run's events: what the Train screen draws while it trains, what
//! the history reads back from `metrics.jsonl`, what `lrat train` prints and what experiments
//! keep all fold the same [`TrainEvent`]s through [`Progress::apply`].

use std::path::PathBuf;

use super::eval::{Metrics, System};
use super::worker::TrainEvent;

/// How a run ended, as its events say.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Ending {
    Finished,
    Stopped,
    Failed(String),
    /// No end yet: still training, or killed.
    #[default]
    Open,
}

impl Ending {
    pub fn word(&self) -> &str {
        match self {
            Ending::Finished => "done",
            Ending::Stopped => "stopped",
            Ending::Failed(_) => "failed",
            Ending::Open => "open",
        }
    }
}

/// A training run so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    pub model: String,
    /// The pooling and why (`mean (a scratch model)`).
    pub pooling: String,
    pub note: Option<String>,
    /// The peak learning rate, once started.
    pub peak_lr: Option<f64>,
    /// The learning rate of the last step.
    pub lr: f64,
    pub train_examples: usize,
    pub held_out_queries: usize,
    pub eval_docs: usize,
    /// The step this (resumed) run started from, the last reached, and the planned total.
    pub first: usize,
    pub step: usize,
    pub total: usize,
    /// (step, loss) as reported, and smoothed (exponential, 0.9).
    pub loss: Vec<(f64, f64)>,
    pub smooth: Vec<(f64, f64)>,
    pub examples_per_s: f64,
    pub elapsed_s: f64,
    pub bm25: Option<Metrics>,
    pub base: Option<Metrics>,
    /// (step, metrics) of the model, the base model at step 0 first; one entry a step.
    pub curve: Vec<(f64, Metrics)>,
    /// The last checkpoint: step and folder.
    pub saved: Option<(usize, PathBuf)>,
    /// Where the finished (or stopped) model is.
    pub out: Option<PathBuf>,
    pub ending: Ending,
}

impl Progress {
    /// Folds one event in. A resumed run's second `Started` keeps the curves and takes its plan.
    pub fn apply(&mut self, e: &TrainEvent) {
        match e {
            TrainEvent::Started {
                model,
                note,
                pooling,
                lr,
                total_steps,
                first_step,
                train_examples,
                held_out_queries,
                eval_docs,
                ..
            } => {
                self.model = model.clone();
                self.note = note.clone();
                self.pooling = pooling.clone();
                self.peak_lr = Some(*lr);
                self.lr = *lr;
                self.total = *total_steps;
                self.first = *first_step;
                self.step = self.step.max(*first_step);
                self.train_examples = *train_examples;
                self.held_out_queries = *held_out_queries;
                self.eval_docs = *eval_docs;
                self.ending = Ending::Open;
            }
            TrainEvent::Step {
                step,
                loss,
                lr,
                examples_per_s,
                elapsed_s,
                ..
            } => {
                let x = *step as f64;
                self.loss.push((x, *loss));
                let prev = self.smooth.last().map_or(*loss, |p| p.1);
                self.smooth.push((x, 0.9 * prev + 0.1 * loss));
                self.step = *step;
                self.lr = *lr;
                self.examples_per_s = *examples_per_s;
                self.elapsed_s = *elapsed_s;
            }
            TrainEvent::Eval {
                step,
                system,
                metrics,
            } => match system {
                System::Bm25 => self.bm25 = Some(*metrics),
                System::Base => {
                    self.base = Some(*metrics);
                    if !self.curve.iter().any(|(s, _)| *s == 0.0) {
                        self.curve.insert(0, (0.0, *metrics));
                    }
                }
                System::Model => {
                    let s = *step as f64;
                    self.curve.retain(|(x, _)| *x != s);
                    self.curve.push((s, *metrics));
                }
            },
            TrainEvent::Checkpoint { step, path } => self.saved = Some((*step, path.clone())),
            TrainEvent::Done {
                step,
                cancelled,
                path,
            } => {
                self.step = *step;
                self.out = Some(path.clone());
                self.ending = if *cancelled {
                    Ending::Stopped
                } else {
                    Ending::Finished
                };
            }
            TrainEvent::Failed { message } => self.ending = Ending::Failed(message.clone()),
        }
    }

    /// The last loss reported.
    pub fn last_loss(&self) -> Option<f64> {
        self.loss.last().map(|p| p.1)
    }

    /// The trained model's latest evaluation (after step 0).
    pub fn trained(&self) -> Option<&Metrics> {
        self.curve
            .iter()
            .rev()
            .find(|(s, _)| *s > 0.0)
            .map(|(_, m)| m)
    }
}
