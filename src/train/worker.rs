//! The training loop: a plain candle loop over an immutable snapshot of the data, reporting by
//! events to a sink (the TUI's channel, the CLI's progress bar, `metrics.jsonl`), checking a
//! cancel flag between batches. Checkpoints are model folders with the optimiser state beside.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::Device;
use serde::{Deserialize, Serialize};

use super::checkpoint::{self, STATE};
use super::data::{Sampler, TrainSet, batches_per_epoch, bucketed_order, epoch_order};
use super::encoder::{Encoder, MaxLengths};
use super::eval::{EvalSet, Metrics};
use super::gradcache::{StepGrads, batch_grads};
use super::loss::Contrast;
use super::optim::{AdamW, AdamWConfig, schedule};
use super::resolve::ModelSource;
use super::scratch::{self, ScratchShape};
use crate::corpus::DocIndex;
use crate::error::{Error, Result};
use crate::qrels::Qrels;
use crate::train::eval::System;

/// Every setting of a training run (the defaults are the paper's, §5.2, where it gives one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Softmax temperature τ.
    pub temperature: f64,
    /// Group size G: the positive and G−1 sampled negatives.
    pub group: usize,
    /// Queries a batch.
    pub batch: usize,
    pub query_max_len: usize,
    pub passage_max_len: usize,
    /// Peak learning rate; `None`: `pretrained_lr` for a pretrained model, 3e-4 from scratch.
    pub lr: Option<f64>,
    /// The peak rate a pretrained model gets when `lr` is `None`: the paper's 1e-6, or the quick
    /// preset's 2e-5.
    #[serde(default = "paper_lr")]
    pub pretrained_lr: f64,
    pub epochs: usize,
    /// Share of the steps spent warming up.
    pub warmup: f64,
    pub weight_decay: f64,
    /// Gradient clipping by global norm (`None`: off).
    pub clip: Option<f64>,
    pub seed: u64,
    /// Share of runs held out for evaluation.
    pub holdout: f64,
    /// Evaluate every this many steps (0: ten times over the run).
    pub eval_every: usize,
    /// Save a checkpoint every this many steps (0: at the end of each epoch).
    pub save_every: usize,
    /// Intensity weights on (`false`: the naive loss).
    pub weighted: bool,
    /// Stop after this many steps (the schedule still spans every epoch); for short trials.
    pub max_steps: Option<usize>,
    /// Texts a forward pass when encoding for evaluation.
    pub eval_batch: usize,
    /// Query and passage prefixes (E5's `query: ` / `passage: `); empty keeps the model's own.
    pub query_prefix: String,
    pub passage_prefix: String,
    /// Pooling of a pretrained folder (`None`: its pooling module, else its family's).
    #[serde(default)]
    pub pooling: Option<crate::train::encoder::Pooling>,
    /// Batches of similar lengths (`data::bucketed_order`): less padding, the same examples
    /// each epoch in a different grouping.
    #[serde(default)]
    pub length_buckets: bool,
    /// Texts a forward pass with its graph when training (`None`: chosen from the memory
    /// available); below the batch's size the step uses gradient caching, with the same result.
    #[serde(default)]
    pub chunk: Option<usize>,
    /// Leave out of each query's softmax the in-batch passages that are its own positive again
    /// or a positive of another query from its run (false negatives).
    #[serde(default = "yes")]
    pub mask_false_negatives: bool,
}

impl TrainConfig {
    /// Whether the settings can train: every entry point (the CLI, the Train screen as a value
    /// is typed, the worker itself, experiments) asks this one function.
    pub fn validate(&self) -> Result<(), crate::error::TrainError> {
        let bad = |what| Err(crate::error::TrainError::Settings { what });
        if self.batch == 0 || self.group == 0 || self.epochs == 0 {
            return bad("batch, group G and epochs must be at least 1");
        }
        if self.temperature.is_nan() || self.temperature <= 0.0 {
            return bad("temperature τ must be above 0");
        }
        if !(0.0..1.0).contains(&self.holdout) || !(0.0..1.0).contains(&self.warmup) {
            return bad("held-out runs and warmup share must be in [0, 1)");
        }
        if self
            .lr
            .is_some_and(|lr| lr.is_nan() || lr <= 0.0 || lr > 1.0)
        {
            return bad("learning rate must be in (0, 1] (or auto)");
        }
        Ok(())
    }
}

fn yes() -> bool {
    true
}

fn paper_lr() -> f64 {
    1e-6
}

/// A named set of training settings. The paper's is the default of `lrat train`; the quick one
/// is the Train screen's and the ablation's: shorter texts, smaller batches and a rate at which a
/// pretrained model moves within a few dozen steps on a 2-core CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Preset {
    /// §5.2: batch 32, G 10, queries 64 / passages 256 tokens, pretrained peak rate 1e-6.
    #[default]
    Paper,
    /// batch 16, G 4, queries 32 / passages 128 tokens, pretrained peak rate 2e-5.
    Quick,
}

impl TrainConfig {
    /// The settings of a preset (everything not named above is the paper's).
    pub fn preset(p: Preset) -> TrainConfig {
        match p {
            Preset::Paper => TrainConfig::default(),
            Preset::Quick => TrainConfig {
                batch: 16,
                group: 4,
                query_max_len: 32,
                passage_max_len: 128,
                pretrained_lr: 2e-5,
                ..TrainConfig::default()
            },
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            temperature: 0.02,
            group: 10,
            batch: 32,
            query_max_len: 64,
            passage_max_len: 256,
            lr: None,
            pretrained_lr: paper_lr(),
            epochs: 2,
            warmup: 0.1,
            weight_decay: 0.01,
            clip: Some(1.0),
            seed: 42,
            holdout: 0.1,
            eval_every: 0,
            save_every: 0,
            weighted: true,
            max_steps: None,
            eval_batch: 64,
            query_prefix: String::new(),
            passage_prefix: String::new(),
            pooling: None,
            length_buckets: false,
            chunk: None,
            mask_false_negatives: true,
        }
    }
}

/// What the trainer reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainEvent {
    /// The model is loaded and the data split.
    Started {
        model: String,
        note: Option<String>,
        /// The pooling and why.
        pooling: String,
        /// Texts a forward pass with its graph (gradient caching below the batch's size).
        chunk: usize,
        examples: usize,
        train_examples: usize,
        held_out_runs: usize,
        held_out_queries: usize,
        eval_docs: usize,
        total_steps: usize,
        first_step: usize,
        lr: f64,
    },
    /// One optimiser step (1-based `step`).
    Step {
        step: usize,
        epoch: usize,
        loss: f64,
        lr: f64,
        grad_norm: f64,
        examples_per_s: f64,
        elapsed_s: f64,
    },
    /// Retrieval quality of `system` after `step` steps.
    Eval {
        step: usize,
        system: crate::train::eval::System,
        metrics: Metrics,
    },
    Checkpoint {
        step: usize,
        path: PathBuf,
    },
    /// Training finished or stopped; the model in `path` is the last one.
    Done {
        step: usize,
        cancelled: bool,
        path: PathBuf,
    },
    Failed {
        message: String,
    },
}

/// Everything a run needs.
pub struct TrainJob {
    pub set: Arc<TrainSet>,
    pub model: ModelSource,
    /// Shown in the `started` event (how the model was chosen).
    pub note: Option<String>,
    pub config: TrainConfig,
    pub out: PathBuf,
    pub qrels: Option<Qrels>,
    pub corpus: Option<DocIndex>,
    /// Continue from the checkpoint in `out`.
    pub resume: bool,
    pub device: Device,
    pub scratch: ScratchShape,
    /// Runs to hold out instead of the `holdout` share (experiments that compare training sets
    /// evaluate on the same runs).
    pub held_out: Option<BTreeSet<String>>,
    /// Resume even when the settings differ from the checkpoint's (the new ones apply).
    pub force: bool,
}

/// What `trainer_state.json` holds beside a checkpoint: the step, every setting, and what the
/// run was: its model, pooling, learning rate and held-out runs (what `lrat eval` measures on).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainerState {
    pub step: usize,
    pub config: TrainConfig,
    /// The model the run started from (a folder or `scratch`).
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub pooling: String,
    #[serde(default)]
    pub peak_lr: f64,
    /// Training pairs, and the runs held out for evaluation.
    #[serde(default)]
    pub examples: usize,
    #[serde(default)]
    pub held_out_runs: BTreeSet<String>,
}

impl TrainerState {
    /// The state saved in a training folder, if there is one.
    pub fn read(dir: &Path) -> Result<Option<TrainerState>> {
        checkpoint::settle(dir)?;
        let p = dir.join(STATE);
        if !p.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        serde_json::from_str(&text).map(Some).map_err(|source| {
            Error::Train(crate::error::TrainError::State {
                path: p.clone(),
                source,
            })
        })
    }
}

/// Settings of `now` that differ from those a checkpoint was trained with, as flags
/// (`--batch 16 (the checkpoint has 32)`); those that only change logging, evaluation or where
/// the run stops are left out.
pub fn changed_settings(saved: &TrainConfig, now: &TrainConfig) -> Vec<String> {
    let (a, b) = (
        serde_json::to_value(saved).unwrap_or_default(),
        serde_json::to_value(now).unwrap_or_default(),
    );
    let mut out = Vec::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (k, va) in a {
            if matches!(
                k.as_str(),
                "eval_every" | "save_every" | "max_steps" | "eval_batch" | "chunk"
            ) {
                continue;
            }
            let vb = b.get(k).cloned().unwrap_or_default();
            if *va != vb {
                out.push(format!(
                    "--{} {vb} (the checkpoint has {va})",
                    k.replace('_', "-")
                ));
            }
        }
    }
    out
}

const OPTIMISER: &str = "optimizer.safetensors";

/// Runs a job on the calling thread; every event goes to `sink`, which returns `false` when
/// nobody listens any more. Failures are reported as a `failed` event and returned.
pub fn run(job: TrainJob, cancel: &AtomicBool, sink: &mut dyn FnMut(TrainEvent) -> bool) {
    if let Err(e) = train(&job, cancel, sink) {
        sink(TrainEvent::Failed {
            message: e.to_string(),
        });
    }
}

/// Runs a job on its own thread.
pub fn spawn(
    job: TrainJob,
    cancel: Arc<AtomicBool>,
    mut sink: impl FnMut(TrainEvent) -> bool + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || run(job, &cancel, &mut sink))
}

/// Appends events to `DIR/metrics.jsonl`.
pub struct MetricsLog(std::fs::File, PathBuf);

impl MetricsLog {
    pub fn open(out: &Path, append: bool) -> Result<MetricsLog> {
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let path = out.join("metrics.jsonl");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(append)
            .write(true)
            .truncate(!append)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok(MetricsLog(f, path))
    }

    pub fn write(&mut self, e: &TrainEvent) -> Result<()> {
        let line = serde_json::to_string(e)?;
        writeln!(self.0, "{line}").map_err(|err| Error::io(&self.1, err))
    }
}

/// The learning rate a run uses.
pub fn peak_lr(config: &TrainConfig, scratch: bool) -> f64 {
    config
        .lr
        .unwrap_or(if scratch { 3e-4 } else { config.pretrained_lr })
}

fn load_model(job: &TrainJob, max: MaxLengths) -> Result<Encoder> {
    if job.resume {
        return Encoder::load(&job.out, max, &job.device);
    }
    match &job.model {
        ModelSource::Folder(p) => Encoder::load_with(p, max, &job.device, job.config.pooling),
        ModelSource::Scratch => {
            let texts = job.set.texts();
            scratch::build(
                texts.into_iter(),
                job.scratch,
                max,
                job.config.seed,
                &job.device,
            )
        }
    }
}

fn save(enc: &Encoder, opt: &AdamW, job: &TrainJob, state: &TrainerState) -> Result<()> {
    let tmp = checkpoint::begin(&job.out)?;
    enc.save(&tmp)?;
    opt.save(&tmp.join(OPTIMISER))?;
    std::fs::write(tmp.join(STATE), serde_json::to_string_pretty(state)?)
        .map_err(|e| Error::io(&tmp, e))?;
    checkpoint::commit(&job.out)
}

/// Hands an event to the sink; an error when nobody listens any more.
fn send(sink: &mut dyn FnMut(TrainEvent) -> bool, e: TrainEvent) -> Result<()> {
    if sink(e) {
        Ok(())
    } else {
        Err(Error::Train(crate::error::TrainError::Abandoned))
    }
}

/// Saves a checkpoint into the output folder and says so.
fn checkpoint(
    enc: &Encoder,
    opt: &AdamW,
    job: &TrainJob,
    step: usize,
    about: &TrainerState,
    sink: &mut dyn FnMut(TrainEvent) -> bool,
) -> Result<()> {
    let state = TrainerState {
        step,
        ..about.clone()
    };
    save(enc, opt, job, &state)?;
    send(
        sink,
        TrainEvent::Checkpoint {
            step,
            path: job.out.clone(),
        },
    )
}

fn train(
    job: &TrainJob,
    cancel: &AtomicBool,
    sink: &mut dyn FnMut(TrainEvent) -> bool,
) -> Result<()> {
    let c = &job.config;
    // Freed blocks stay in the heap for the next step instead of being zeroed again by the
    // kernel (about half a CPU step's time; see train::alloc).
    super::alloc::keep_freed_memory();
    c.validate()?;
    let set = &job.set;
    if set.examples.is_empty() {
        return Err(Error::Train(crate::error::TrainError::NoPairs));
    }
    let state: Option<TrainerState> = if job.resume {
        let s = TrainerState::read(&job.out)?.ok_or_else(|| {
            Error::Train(crate::error::TrainError::NothingToResume {
                path: job.out.clone(),
                state: STATE,
            })
        })?;
        let changed = changed_settings(&s.config, c);
        if !changed.is_empty() && !job.force {
            return Err(Error::Train(crate::error::TrainError::ResumeSettings {
                path: job.out.clone(),
                changed,
            }));
        }
        Some(s)
    } else {
        None
    };
    // A resumed run keeps the held-out runs it started with.
    let stored_held = state
        .as_ref()
        .map(|s| s.held_out_runs.clone())
        .filter(|h| !h.is_empty());
    let (train_ids, held): (Vec<usize>, BTreeSet<String>) =
        match stored_held.as_ref().or(job.held_out.as_ref()) {
            Some(h) => (
                (0..set.examples.len())
                    .filter(|&i| !h.contains(&set.examples[i].run_id))
                    .collect(),
                h.clone(),
            ),
            None => set.split(c.holdout, c.seed),
        };
    if train_ids.is_empty() {
        return Err(Error::Train(crate::error::TrainError::AllHeldOut));
    }
    let max = MaxLengths {
        query: c.query_max_len,
        passage: c.passage_max_len,
    };
    let mut enc = load_model(job, max)?;
    if !c.query_prefix.is_empty() {
        enc.prefixes.query = c.query_prefix.clone();
    }
    if !c.passage_prefix.is_empty() {
        enc.prefixes.passage = c.passage_prefix.clone();
    }
    let scratch = job.model == ModelSource::Scratch;
    let peak = peak_lr(c, scratch);
    let mut opt = AdamW::new(
        enc.named_vars()?,
        AdamWConfig {
            lr: peak,
            weight_decay: c.weight_decay,
            ..AdamWConfig::default()
        },
    )?;
    let first_step = match &state {
        Some(s) => {
            opt.load(&job.out.join(OPTIMISER), s.step, &job.device)?;
            s.step
        }
        None => 0,
    };
    let per_epoch = batches_per_epoch(train_ids.len(), c.batch);
    let total = per_epoch * c.epochs;
    let last = c.max_steps.map_or(total, |m| m.min(total));
    let warmup = (c.warmup * total as f64).round() as usize;
    let eval_every = match c.eval_every {
        0 => total.div_ceil(10).max(1),
        n => n,
    };
    let save_every = match c.save_every {
        0 => per_epoch,
        n => n,
    };
    let evalset = EvalSet::build(set, &held, job.qrels.as_ref(), job.corpus.as_ref())?;
    let about = TrainerState {
        step: 0,
        config: c.clone(),
        model: state
            .as_ref()
            .map(|s| s.model.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| enc.origin.clone()),
        pooling: format!("{:?}", enc.pooling).to_lowercase(),
        peak_lr: peak,
        examples: set.examples.len(),
        held_out_runs: held.clone(),
    };
    let chunk = c
        .chunk
        .filter(|&n| n > 0)
        .unwrap_or_else(|| super::gradcache::auto_chunk(&enc, c.batch, c.group));
    send(
        sink,
        TrainEvent::Started {
            model: enc.origin.clone(),
            note: job.note.clone(),
            pooling: format!("{:?} ({})", enc.pooling, enc.pooling_why).to_lowercase(),
            chunk,
            examples: set.examples.len(),
            train_examples: train_ids.len(),
            held_out_runs: held.len(),
            held_out_queries: evalset.pairs.len(),
            eval_docs: evalset.docs.len(),
            total_steps: last,
            first_step,
            lr: peak,
        },
    )?;
    let evaluate = |enc: &Encoder, step: usize, system: System| -> Result<Option<TrainEvent>> {
        if evalset.is_empty() {
            return Ok(None);
        }
        Ok(Some(TrainEvent::Eval {
            step,
            system,
            metrics: evalset.dense(enc, c.eval_batch)?,
        }))
    };
    if first_step == 0 && !evalset.is_empty() {
        send(
            sink,
            TrainEvent::Eval {
                step: 0,
                system: System::Bm25,
                metrics: evalset.bm25()?,
            },
        )?;
        if let Some(e) = evaluate(&enc, 0, System::Base)? {
            send(sink, e)?;
        }
    }
    let sampler = Sampler::new(set, c.batch, c.group, c.seed, c.weighted);
    let started = Instant::now();
    let mut seen = 0usize;
    let mut step = first_step;
    let mut cancelled = false;
    let mut last_eval = first_step;
    let mut last_save = first_step;
    while step < last {
        if cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        let epoch = step / per_epoch;
        let order = if c.length_buckets {
            bucketed_order(set, &train_ids, c.batch, c.seed, epoch)
        } else {
            epoch_order(&train_ids, c.seed, epoch)
        };
        let b = sampler.batch(&order, step % per_epoch, epoch);
        let queries: Vec<&str> = b.queries.iter().map(String::as_str).collect();
        let passages: Vec<&str> = b
            .passages
            .iter()
            .map(|id| set.docs.get(id).map(String::as_str).unwrap_or_default())
            .collect();
        let StepGrads { loss: value, grads } = batch_grads(
            &enc,
            &queries,
            &passages,
            &Contrast {
                group: c.group,
                tau: c.temperature,
                weights: &b.weights,
                mask: if c.mask_false_negatives { &b.mask } else { &[] },
            },
            chunk,
        )?;
        if !value.is_finite() {
            return Err(Error::Train(crate::error::TrainError::Diverged {
                value,
                step: step + 1,
            }));
        }
        let lr = schedule(peak, step, warmup, total);
        let grad_norm = opt.update(&grads, lr, c.clip)?;
        step += 1;
        seen += b.queries.len();
        let elapsed = started.elapsed().as_secs_f64();
        send(
            sink,
            TrainEvent::Step {
                step,
                epoch: epoch + 1,
                loss: value,
                lr,
                grad_norm,
                examples_per_s: seen as f64 / elapsed.max(1e-9),
                elapsed_s: elapsed,
            },
        )?;
        if step % eval_every == 0 || step == last {
            if let Some(e) = evaluate(&enc, step, System::Model)? {
                send(sink, e)?;
            }
            last_eval = step;
        }
        if step % save_every == 0 && step != last {
            checkpoint(&enc, &opt, job, step, &about, sink)?;
            last_save = step;
        }
    }
    if step != last_eval
        && let Some(e) = evaluate(&enc, step, System::Model)?
    {
        send(sink, e)?;
    }
    if step != last_save || first_step == step {
        checkpoint(&enc, &opt, job, step, &about, sink)?;
    }
    send(
        sink,
        TrainEvent::Done {
            step,
            cancelled,
            path: job.out.clone(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::TrainConfig;

    /// The one check every entry point asks: each out-of-range setting is named.
    #[test]
    fn settings_are_checked_in_one_place() {
        let ok = TrainConfig::preset(super::Preset::Quick);
        assert!(ok.validate().is_ok());
        let cases: [(&str, TrainConfig); 5] = [
            (
                "batch",
                TrainConfig {
                    batch: 0,
                    ..ok.clone()
                },
            ),
            (
                "temperature",
                TrainConfig {
                    temperature: 0.0,
                    ..ok.clone()
                },
            ),
            (
                "held-out",
                TrainConfig {
                    holdout: 1.0,
                    ..ok.clone()
                },
            ),
            (
                "learning rate",
                TrainConfig {
                    lr: Some(5.0),
                    ..ok.clone()
                },
            ),
            (
                "learning rate",
                TrainConfig {
                    lr: Some(-1e-5),
                    ..ok.clone()
                },
            ),
        ];
        for (what, c) in cases {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{what}: {e}");
        }
    }
}
