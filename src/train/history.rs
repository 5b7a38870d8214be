//! Earlier training runs read back from their folders: the settings in `trainer_state.json`, and
//! from `metrics.jsonl` the model, the losses, every evaluation and how the run ended. Reading
//! never writes (an interrupted checkpoint is left for the trainer to settle), and a bad line is
//! reported with its file and line while the rest of the run still counts.

use crate::train::eval::System;
use std::path::{Path, PathBuf};

use super::eval::Metrics;
use super::worker::{TrainConfig, TrainEvent};

/// How a run ended, as its log says.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    Finished,
    Stopped,
    Failed(String),
    /// No end in the log: still training, or killed.
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

/// One earlier run.
#[derive(Debug, Clone, PartialEq)]
pub struct PastRun {
    pub dir: PathBuf,
    /// The folder's name (the Train screen names folders by their UTC start time).
    pub name: String,
    /// Every setting, when `trainer_state.json` was written (at the first checkpoint).
    pub config: Option<TrainConfig>,
    pub model: String,
    pub peak_lr: Option<f64>,
    pub train_examples: usize,
    /// The last step reached, of `total` planned.
    pub step: usize,
    pub total: usize,
    pub last_loss: Option<f64>,
    pub bm25: Option<Metrics>,
    pub base: Option<Metrics>,
    /// (step, metrics) of the model, the base model at step 0 first.
    pub curve: Vec<(f64, Metrics)>,
    pub ending: Ending,
    /// Lines that could not be read (`FILE:LINE: why`).
    pub problems: Vec<String>,
}

impl PastRun {
    /// The trained model's last evaluation (after step 0).
    pub fn trained(&self) -> Option<&Metrics> {
        self.curve
            .iter()
            .rev()
            .find(|(s, _)| *s > 0.0)
            .map(|(_, m)| m)
    }
}

/// A training folder, or `None` when it has no `metrics.jsonl`.
pub fn read(dir: &Path) -> Option<PastRun> {
    let log = dir.join("metrics.jsonl");
    let text = std::fs::read_to_string(&log).ok()?;
    let mut run = PastRun {
        dir: dir.to_path_buf(),
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        config: None,
        model: String::new(),
        peak_lr: None,
        train_examples: 0,
        step: 0,
        total: 0,
        last_loss: None,
        bm25: None,
        base: None,
        curve: Vec::new(),
        ending: Ending::Open,
        problems: Vec::new(),
    };
    let state = dir.join(super::checkpoint::STATE);
    if let Ok(t) = std::fs::read_to_string(&state) {
        match serde_json::from_str::<serde_json::Value>(&t)
            .and_then(|v| serde_json::from_value::<TrainConfig>(v["config"].clone()))
        {
            Ok(c) => run.config = Some(c),
            Err(e) => run.problems.push(format!("{}: {e}", state.display())),
        }
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let e = match serde_json::from_str::<TrainEvent>(line) {
            Ok(e) => e,
            Err(err) => {
                run.problems
                    .push(format!("{}:{}: {err}", log.display(), i + 1));
                continue;
            }
        };
        match e {
            TrainEvent::Started {
                model,
                lr,
                total_steps,
                train_examples,
                first_step,
                ..
            } => {
                // A resumed run appends a second start: keep its curves, take its plan.
                run.model = model;
                run.peak_lr = Some(lr);
                run.total = total_steps;
                run.train_examples = train_examples;
                run.step = run.step.max(first_step);
                run.ending = Ending::Open;
            }
            TrainEvent::Step { step, loss, .. } => {
                run.step = step;
                run.last_loss = Some(loss);
            }
            TrainEvent::Eval {
                step,
                system,
                metrics,
            } => match system {
                System::Bm25 => run.bm25 = Some(metrics),
                System::Base => {
                    run.base = Some(metrics);
                    if !run.curve.iter().any(|(s, _)| *s == 0.0) {
                        run.curve.insert(0, (0.0, metrics));
                    }
                }
                System::Model => {
                    let s = step as f64;
                    run.curve.retain(|(x, _)| *x != s);
                    run.curve.push((s, metrics));
                }
            },
            TrainEvent::Checkpoint { .. } => {}
            TrainEvent::Done {
                step, cancelled, ..
            } => {
                run.step = step;
                run.ending = if cancelled {
                    Ending::Stopped
                } else {
                    Ending::Finished
                };
            }
            TrainEvent::Failed { message } => run.ending = Ending::Failed(message),
        }
    }
    Some(run)
}

/// Every training folder directly under `base`, oldest first (folder names are start times).
pub fn scan(base: &Path) -> Vec<PastRun> {
    let Ok(rd) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().filter_map(|d| read(d)).collect()
}
