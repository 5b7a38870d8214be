//! The controlled experiment (Fig. 7 of the paper in miniature): on simulated runs with known
//! evidence, train the retriever three ways from the same start — every browse a positive
//! (naive), browses the judge rejected left out (+ filter), and the filter with intensity weights
//! (+ weights) — and compare held-out evidence retrieval against the qrels over several seeds.
//! The held-out runs are the same for every arm of a seed. With the simulator's truth, a fourth
//! arm keeps only the browses that really helped — what a perfect judge would give — and every
//! arm is measured for the share of its positives (and of its loss weight) that did not help.
//!
//! The closed loop measures what the paper measures (Table 2): every trained model, the
//! untrained start and BM25 each serve the simulated agent on questions of the same world that
//! no training run asked, and the agent's success, evidence recall and search calls are
//! compared, paired by seed. The offline figure beside it ranks each held-out question once
//! (single-shot) and is not the paper's evidence recall.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use candle_core::Device;
use serde::Serialize;

use crate::corpus::DocIndex;
use crate::error::{Error, Result};
use crate::judge::{self, heuristic};
use crate::mine::Mode;
use crate::qrels::Qrels;
use crate::run::{self, ReadOptions};
use crate::train::encoder::{Encoder, MaxLengths};
use crate::train::eval::{EvalSet, Metrics};
use crate::train::resolve::ModelSource;
use crate::train::scratch::{self, ScratchShape};
use crate::train::source::{FromRuns, from_runs};
use crate::train::worker::{self, TrainConfig, TrainJob};
use crate::verdict::{Verdict, Verdicts};

/// The three ways of building the training data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    Naive,
    Filter,
    FilterWeights,
    /// The simulator's truth as the filter: only browses that really helped (an upper bound on
    /// what any judge could give; only when the data has `truth.jsonl`).
    Truth,
    /// `+ filter + weights` with in-batch false negatives left in the loss (what the mask
    /// changes; only when asked for).
    Unmasked,
}

impl Arm {
    pub const ALL: [Arm; 3] = [Arm::Naive, Arm::Filter, Arm::FilterWeights];
    pub const WITH_TRUTH: [Arm; 4] = [Arm::Naive, Arm::Filter, Arm::FilterWeights, Arm::Truth];

    pub fn name(self) -> &'static str {
        match self {
            Arm::Naive => "naive",
            Arm::Filter => "+ filter",
            Arm::FilterWeights => "+ filter + weights",
            Arm::Truth => "truth filter",
            Arm::Unmasked => "+ filter + weights, unmasked",
        }
    }
}

/// The experiment's settings.
#[derive(Debug, Clone)]
pub struct Ablation {
    /// A workspace (`runs/`, `corpus.jsonl`, `qrels.txt`), e.g. written by `lrat synth`.
    pub data: PathBuf,
    pub out: PathBuf,
    pub seeds: Vec<u64>,
    /// `None`: a scratch model (built per seed, shared by the arms of that seed).
    pub model: Option<PathBuf>,
    pub config: TrainConfig,
    pub scratch: ScratchShape,
    /// Re-run the simulated agent on this many unseen questions a seed with every retriever
    /// (the data must be simulated: its `synth.json` says how to rebuild the world).
    pub closed_loop: Option<usize>,
    /// Also train `+ filter + weights` without the false-negative mask.
    pub unmasked_arm: bool,
}

/// One retriever serving the agent on one seed's unseen questions.
#[derive(Debug, Clone, Serialize)]
pub struct ClosedLoopResult {
    pub seed: u64,
    /// `BM25`, `untrained start`, or an arm's name.
    pub system: String,
    /// The first of the questions it ran (they run `first_question..first_question+runs`).
    pub first_question: usize,
    pub figures: crate::stats::agent::AgentFigures,
}

/// One trained arm.
#[derive(Debug, Clone, Serialize)]
pub struct ArmResult {
    pub arm: Arm,
    pub seed: u64,
    pub pairs: usize,
    pub steps: usize,
    pub metrics: Metrics,
    /// What the arm learned from, against the simulator's truth (when the data has it).
    pub noise: Option<Noise>,
}

/// How much of an arm's training data is wrong: positives whose browse did not really help.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Noise {
    /// Training pairs whose browse is in the truth.
    pub known: usize,
    /// Of those, the pairs whose positive did not help.
    pub useless: usize,
    /// The share of the loss weight those pairs carry (their count share when unweighted).
    pub useless_weight_share: f64,
}

impl Noise {
    /// The training examples of `set` outside `held`, against `truth`.
    pub fn measure(
        set: &crate::train::data::TrainSet,
        held: &BTreeSet<String>,
        truth: &HashMap<(String, usize), bool>,
        weighted: bool,
    ) -> Option<Noise> {
        let (mut known, mut useless, mut w_all, mut w_useless) = (0usize, 0usize, 0.0f64, 0.0f64);
        for e in set.examples.iter().filter(|e| !held.contains(&e.run_id)) {
            let Some(&useful) = e
                .browse_step
                .and_then(|s| truth.get(&(e.run_id.clone(), s)))
            else {
                continue;
            };
            let w = if weighted { f64::from(e.weight) } else { 1.0 };
            known += 1;
            w_all += w;
            if !useful {
                useless += 1;
                w_useless += w;
            }
        }
        (known > 0 && w_all > 0.0).then(|| Noise {
            known,
            useless,
            useless_weight_share: w_useless / w_all,
        })
    }

    pub fn useless_share(&self) -> f64 {
        self.useless as f64 / self.known.max(1) as f64
    }
}

/// Everything measured.
#[derive(Debug, Clone, Serialize)]
pub struct AblationReport {
    /// BM25 on each seed's held-out runs.
    pub bm25: Vec<Metrics>,
    /// The untrained start, per seed.
    pub base: Vec<Metrics>,
    pub arms: Vec<ArmResult>,
    pub held_out_questions: usize,
    /// The agent re-run with each retriever (empty when the closed loop is off).
    pub closed_loop: Vec<ClosedLoopResult>,
}

fn data_err(path: &Path, what: &str) -> Error {
    Error::Train(crate::error::TrainError::Data {
        path: path.to_path_buf(),
        what: what.to_string(),
    })
}

/// Runs every arm for every seed; `progress` hears a line per finished training.
pub fn run(a: &Ablation, progress: &mut dyn FnMut(&str)) -> Result<AblationReport> {
    let loaded = run::load(&[a.data.join("runs")], &ReadOptions::default())?;
    if loaded.runs.is_empty() {
        return Err(data_err(&a.data, "no runs under runs/"));
    }
    let corpus_path = a.data.join("corpus.jsonl");
    let qrels_path = a.data.join("qrels.txt");
    if !corpus_path.is_file() || !qrels_path.is_file() {
        return Err(data_err(
            &a.data,
            "needs corpus.jsonl and qrels.txt (lrat synth writes both)",
        ));
    }
    let (corpus, _) = crate::corpus::open_or_build(&corpus_path)?;
    let (qrels, _) = Qrels::read(&qrels_path)?;
    let truth_path = a.data.join("truth.jsonl");
    let truth = if truth_path.is_file() {
        Some(crate::synth::report::read_truth(&truth_path)?)
    } else {
        None
    };
    let rules = heuristic::Rules::default_rules();
    let mut verdicts = Verdicts::default();
    for b in judge::browse_inputs(&loaded.runs) {
        let j = heuristic::judge(&rules, &b);
        verdicts.insert(&j.run_id, j.step, j.verdict);
    }
    let mut true_verdicts = Verdicts::default();
    for ((run, step), useful) in truth.iter().flatten() {
        let v = if *useful {
            Verdict::Relevant
        } else {
            Verdict::NotRelevant
        };
        true_verdicts.insert(run, *step, v);
    }
    let mut arms: Vec<Arm> = if truth.is_some() {
        Arm::WITH_TRUTH.to_vec()
    } else {
        Arm::ALL.to_vec()
    };
    if a.unmasked_arm {
        arms.push(Arm::Unmasked);
    }
    let world = match a.closed_loop {
        Some(_) => Some(crate::synth::Settings::read(&a.data)?.ok_or_else(|| {
            data_err(
                &a.data,
                "the closed loop re-runs the simulated agent, so the data needs the synth.json lrat synth writes",
            )
        })?),
        None => None,
    };
    let sets: Vec<(Arm, Arc<crate::train::data::TrainSet>)> = arms
        .iter()
        .map(|&arm| {
            let v = match arm {
                Arm::Naive => None,
                Arm::Filter | Arm::FilterWeights | Arm::Unmasked => Some(&verdicts),
                Arm::Truth => Some(&true_verdicts),
            };
            let (set, _) = from_runs(
                &loaded.runs,
                &FromRuns {
                    labels: crate::labels::Effective::new(v, None),
                    policy: crate::mine::Policy {
                        mode: Mode::Paper,
                        length: &crate::mine::Length::Words,
                    },
                    corpus: Some(&corpus),
                },
            );
            (arm, Arc::new(set))
        })
        .collect();
    let all_runs: BTreeSet<String> = loaded.runs.iter().map(|r| r.id.clone()).collect();
    let mut report = AblationReport {
        bm25: Vec::new(),
        base: Vec::new(),
        arms: Vec::new(),
        held_out_questions: 0,
        closed_loop: Vec::new(),
    };
    for (seed_index, &seed) in a.seeds.iter().enumerate() {
        let held = held_out_runs(&all_runs, a.config.holdout, seed);
        let start = a.out.join(format!("start-{seed}"));
        let model_dir = match &a.model {
            Some(m) => m.clone(),
            None => {
                let texts = sets[0].1.texts();
                let max = MaxLengths {
                    query: a.config.query_max_len,
                    passage: a.config.passage_max_len,
                };
                scratch::build(texts.into_iter(), a.scratch, max, seed, &Device::Cpu)?
                    .save(&start)?;
                start.clone()
            }
        };
        let evalset = EvalSet::build(&sets[0].1, &held, Some(&qrels), Some(&corpus))?;
        report.held_out_questions = evalset.questions.len();
        report.bm25.push(evalset.bm25()?);
        let max = MaxLengths {
            query: a.config.query_max_len,
            passage: a.config.passage_max_len,
        };
        let base = Encoder::load(&model_dir, max, &Device::Cpu)?;
        report.base.push(evalset.dense(&base, a.config.eval_batch)?);
        for (arm, set) in &sets {
            let mut result = train_arm(a, *arm, set, seed, &model_dir, &held, &qrels, &corpus)?;
            result.noise = truth.as_ref().and_then(|t| {
                Noise::measure(
                    set,
                    &held,
                    t,
                    matches!(arm, Arm::FilterWeights | Arm::Unmasked),
                )
            });
            progress(&format!(
                "seed {seed} {:<18} {} pairs, {} steps: question R@10 (single-shot) {:.3}, MRR@10 {:.3}",
                arm.name(),
                result.pairs,
                result.steps,
                result.metrics.evidence.map_or(0.0, |e| e.recall_10),
                result.metrics.evidence.map_or(0.0, |e| e.mrr_10),
            ));
            report.arms.push(result);
        }
        if let (Some(n), Some(world)) = (a.closed_loop, &world) {
            let first = world.first_question + world.runs + seed_index * n;
            let mut systems: Vec<(String, crate::retriever::Choice)> = vec![
                ("BM25".into(), crate::retriever::Choice::Bm25),
                (
                    "untrained start".into(),
                    crate::retriever::Choice::Model(model_dir.clone()),
                ),
            ];
            for (arm, _) in &sets {
                systems.push((
                    arm.name().to_string(),
                    crate::retriever::Choice::Model(arm_dir(a, *arm, seed)),
                ));
            }
            for (system, choice) in systems {
                let figures = crate::closed_loop::rerun(
                    world,
                    &crate::synth::Questions::Range { first, runs: n },
                    &system,
                    &choice,
                    &a.out
                        .join("closed-loop")
                        .join(format!("seed-{seed}"))
                        .join(slug(&system)),
                    &a.out.join("embeddings"),
                )?;
                progress(&format!(
                    "seed {seed} closed loop {system:<18} success {:.3}, evidence recall {:.3}, {:.1} searches a run",
                    figures.success,
                    figures.evidence_recall.unwrap_or(0.0),
                    figures.search_calls,
                ));
                report.closed_loop.push(ClosedLoopResult {
                    seed,
                    system,
                    first_question: first,
                    figures,
                });
            }
        }
    }
    Ok(report)
}

use crate::closed_loop::slug;

/// One training from a start model, as the experiments run it.
pub(crate) struct Once<'a> {
    /// How the training is named in an error.
    pub name: &'a str,
    pub config: TrainConfig,
    pub scratch: ScratchShape,
    pub start: &'a Path,
    pub held: &'a BTreeSet<String>,
    pub qrels: &'a Qrels,
    pub corpus: &'a DocIndex,
    pub out: &'a Path,
}

/// Trains `set` as `o` says, evaluating once at the end: the steps taken and the held-out
/// metrics.
pub(crate) fn train_once(
    o: &Once<'_>,
    set: &Arc<crate::train::data::TrainSet>,
) -> Result<(usize, Metrics)> {
    let config = TrainConfig {
        // Evaluate once, at the end: the trainings are compared there.
        eval_every: usize::MAX,
        ..o.config.clone()
    };
    let seed = config.seed;
    let job = TrainJob {
        set: set.clone(),
        model: ModelSource::Folder(o.start.to_path_buf()),
        note: None,
        config,
        out: o.out.to_path_buf(),
        qrels: Some(o.qrels.clone()),
        corpus: Some(o.corpus.clone()),
        resume: false,
        force: false,
        device: Device::Cpu,
        scratch: o.scratch,
        held_out: Some(o.held.clone()),
    };
    let mut progress = crate::train::progress::Progress::default();
    worker::run(job, &AtomicBool::new(false), &mut |e| {
        progress.apply(&e);
        true
    });
    if let crate::train::progress::Ending::Failed(m) = &progress.ending {
        return Err(Error::Train(crate::error::TrainError::Arm {
            arm: o.name.to_string(),
            seed,
            message: m.clone(),
        }));
    }
    let metrics = *progress
        .trained()
        .ok_or(Error::Train(crate::error::TrainError::NoEvaluation))?;
    Ok((progress.step, metrics))
}

/// Where an arm's model is trained.
fn arm_dir(a: &Ablation, arm: Arm, seed: u64) -> PathBuf {
    a.out.join(format!("{}-{seed}", slug(arm.name())))
}

/// The same share of runs for every arm: the first `share` of the runs ordered by a hash of the
/// seed and the run id (at least one).
pub fn held_out_runs(runs: &BTreeSet<String>, share: f64, seed: u64) -> BTreeSet<String> {
    let mut ranked: Vec<(String, &String)> = runs
        .iter()
        .map(|r| (crate::text::stable_hash(&[&seed.to_string(), r]), r))
        .collect();
    ranked.sort();
    let n = ((share * runs.len() as f64).round() as usize).clamp(1, runs.len().max(1));
    ranked.into_iter().take(n).map(|(_, r)| r.clone()).collect()
}

#[allow(clippy::too_many_arguments)]
fn train_arm(
    a: &Ablation,
    arm: Arm,
    set: &Arc<crate::train::data::TrainSet>,
    seed: u64,
    model: &Path,
    held: &BTreeSet<String>,
    qrels: &Qrels,
    corpus: &DocIndex,
) -> Result<ArmResult> {
    let config = TrainConfig {
        seed,
        weighted: matches!(arm, Arm::FilterWeights | Arm::Unmasked),
        mask_false_negatives: arm != Arm::Unmasked && a.config.mask_false_negatives,
        ..a.config.clone()
    };
    let (steps, metrics) = train_once(
        &Once {
            name: arm.name(),
            config,
            scratch: a.scratch,
            start: model,
            held,
            qrels,
            corpus,
            out: &arm_dir(a, arm, seed),
        },
        set,
    )?;
    let pairs = set
        .examples
        .iter()
        .filter(|e| !held.contains(&e.run_id))
        .count();
    Ok(ArmResult {
        arm,
        seed,
        pairs,
        steps,
        metrics,
        noise: None,
    })
}

pub use crate::stats::agent::mean_sd;

impl AblationReport {
    fn arm(&self, arm: Arm) -> Vec<&ArmResult> {
        self.arms.iter().filter(|r| r.arm == arm).collect()
    }

    /// Mean ± sd over seeds of evidence Recall@10 and MRR@10 (and the pairs' own Recall@10), the
    /// share of each arm's loss weight on positives that did not really help (with the truth),
    /// and the arms' differences paired by seed.
    pub fn render(&self) -> String {
        let row = |name: &str, ms: &[&Metrics], pairs: String, noise: String| {
            let r: Vec<f64> = ms.iter().map(|m| evidence(m).0).collect();
            let mrr: Vec<f64> = ms.iter().map(|m| evidence(m).1).collect();
            let pr: Vec<f64> = ms.iter().map(|m| m.recall_10).collect();
            let ((a, b), (c, d), (e, f)) = (mean_sd(&r), mean_sd(&mrr), mean_sd(&pr));
            format!(
                "{name:<20} {pairs:>6} {noise:>16}  {a:.3} ± {b:.3}   {c:.3} ± {d:.3}   {e:.3} ± {f:.3}\n"
            )
        };
        let mut s = format!(
            "{:<20} {:>6} {:>16}  {:<13}   {:<13}   {:<13}\n",
            "training data",
            "pairs",
            "useless pos/loss",
            "question R@10",
            "question MRR",
            "pair R@10"
        );
        let bm25: Vec<&Metrics> = self.bm25.iter().collect();
        s += &row("BM25", &bm25, "-".into(), "-".into());
        let base: Vec<&Metrics> = self.base.iter().collect();
        s += &row("untrained start", &base, "-".into(), "-".into());
        for arm in [
            Arm::Naive,
            Arm::Filter,
            Arm::FilterWeights,
            Arm::Truth,
            Arm::Unmasked,
        ] {
            let rs = self.arm(arm);
            if rs.is_empty() {
                continue;
            }
            let ms: Vec<&Metrics> = rs.iter().map(|r| &r.metrics).collect();
            let pairs = rs.first().map_or(0, |r| r.pairs);
            let noise: Vec<&Noise> = rs.iter().filter_map(|r| r.noise.as_ref()).collect();
            let noise = if noise.is_empty() {
                "-".to_string()
            } else {
                let n = noise.len() as f64;
                let share = noise.iter().map(|x| x.useless_share()).sum::<f64>() / n;
                let loss = noise.iter().map(|x| x.useless_weight_share).sum::<f64>() / n;
                format!("{:.1}% / {:.1}%", 100.0 * share, 100.0 * loss)
            };
            s += &row(arm.name(), &ms, pairs.to_string(), noise);
        }
        s += &format!(
            "{} seeds; {} held-out questions a seed (the same runs for every arm); question R@10 and MRR \
             rank each held-out question once against the corpus (single-shot, offline), not the \
             agent's evidence recall\n",
            self.base.len(),
            self.held_out_questions
        );
        if self.arms.iter().any(|r| r.noise.is_some()) {
            s += "useless pos/loss: training positives whose browse did not really help (truth.jsonl), \
                  and the share of the loss weight they carry\n";
        }
        s += "\npaired by seed (same start, same held-out runs)   question R@10      question MRR       better\n";
        for (name, a, b) in [
            ("+ filter − naive", Arm::Filter, Arm::Naive),
            ("+ weights − + filter", Arm::FilterWeights, Arm::Filter),
            ("+ filter + weights − naive", Arm::FilterWeights, Arm::Naive),
            ("truth filter − naive", Arm::Truth, Arm::Naive),
            (
                "unmasked − + filter + weights",
                Arm::Unmasked,
                Arm::FilterWeights,
            ),
        ] {
            let d = self.paired(a, b);
            if d.is_empty() {
                continue;
            }
            let r: Vec<f64> = d.iter().map(|x| x.0).collect();
            let m: Vec<f64> = d.iter().map(|x| x.1).collect();
            let ((ra, rb), (ma, mb)) = (mean_sd(&r), mean_sd(&m));
            let better = r.iter().filter(|x| **x > 0.0).count();
            s += &format!(
                "{name:<48} {ra:+.3} ± {rb:.3}     {ma:+.3} ± {mb:.3}     {better} of {} seeds\n",
                d.len()
            );
        }
        s += &self.render_closed_loop();
        s
    }

    /// The closed-loop table: each retriever serving the agent on unseen questions, mean ± sd
    /// over seeds, and the differences that answer the paper's questions, paired by seed.
    pub fn render_closed_loop(&self) -> String {
        if self.closed_loop.is_empty() {
            return String::new();
        }
        let systems: Vec<&str> = {
            let mut v: Vec<&str> = Vec::new();
            for r in &self.closed_loop {
                if !v.contains(&r.system.as_str()) {
                    v.push(&r.system);
                }
            }
            v
        };
        let runs = self.closed_loop.first().map_or(0, |r| r.figures.runs);
        let mut s = format!(
            "\nclosed loop: the agent re-run with each retriever on {runs} questions a seed that no training run asked\n\
             {:<30} {:<15}  {:<15}  {:<15}\n",
            "retriever", "success", "evidence recall", "search calls"
        );
        for sys in &systems {
            let rs: Vec<&ClosedLoopResult> = self.closed(sys);
            let col = |f: &dyn Fn(&ClosedLoopResult) -> f64| {
                let (m, sd) = mean_sd(&rs.iter().map(|r| f(r)).collect::<Vec<_>>());
                format!("{m:.3} ± {sd:.3}")
            };
            s += &format!(
                "{sys:<30} {:<15}  {:<15}  {:<15}\n",
                col(&|r| r.figures.success),
                col(&|r| r.figures.evidence_recall.unwrap_or(0.0)),
                col(&|r| r.figures.search_calls),
            );
        }
        s += &format!(
            "\npaired by seed (same questions)          {:<16} {:<16} {:<16} better (success / recall)\n",
            "success", "evidence recall", "search calls"
        );
        let fw = Arm::FilterWeights.name();
        let pairs: Vec<(String, &str, &str)> = vec![
            (format!("{fw} − BM25"), fw, "BM25"),
            (format!("{fw} − untrained"), fw, "untrained start"),
            ("untrained − BM25".into(), "untrained start", "BM25"),
            (
                "naive − untrained".into(),
                Arm::Naive.name(),
                "untrained start",
            ),
            (
                "+ filter − naive".into(),
                Arm::Filter.name(),
                Arm::Naive.name(),
            ),
            ("+ weights − + filter".into(), fw, Arm::Filter.name()),
            (
                "truth filter − naive".into(),
                Arm::Truth.name(),
                Arm::Naive.name(),
            ),
            ("unmasked − masked".into(), Arm::Unmasked.name(), fw),
        ];
        for (label, a, b) in pairs {
            let d = self.paired_closed(a, b);
            if d.is_empty() {
                continue;
            }
            let col = |k: usize| {
                let (m, sd) = mean_sd(&d.iter().map(|x| x[k]).collect::<Vec<_>>());
                format!("{m:+.3} ± {sd:.3}")
            };
            let wins = |k: usize| d.iter().filter(|x| x[k] > 0.0).count();
            s += &format!(
                "{label:<40} {:<16} {:<16} {:<16} {} / {} of {} seeds\n",
                col(0),
                col(1),
                col(2),
                wins(0),
                wins(1),
                d.len()
            );
        }
        s
    }

    fn closed(&self, system: &str) -> Vec<&ClosedLoopResult> {
        self.closed_loop
            .iter()
            .filter(|r| r.system == system)
            .collect()
    }

    /// Per seed, system `a` minus system `b` in success, evidence recall and search calls.
    pub fn paired_closed(&self, a: &str, b: &str) -> Vec<[f64; 3]> {
        let bs = self.closed(b);
        self.closed(a)
            .iter()
            .filter_map(|x| {
                let y = bs.iter().find(|y| y.seed == x.seed)?;
                let (fx, fy) = (&x.figures, &y.figures);
                Some([
                    fx.success - fy.success,
                    fx.evidence_recall.unwrap_or(0.0) - fy.evidence_recall.unwrap_or(0.0),
                    fx.search_calls - fy.search_calls,
                ])
            })
            .collect()
    }

    /// Per seed, arm `a` minus arm `b` in evidence Recall@10 and MRR@10.
    pub fn paired(&self, a: Arm, b: Arm) -> Vec<(f64, f64)> {
        let b_runs = self.arm(b);
        self.arm(a)
            .iter()
            .filter_map(|x| {
                let y = b_runs.iter().find(|y| y.seed == x.seed)?;
                let (xr, xm) = evidence(&x.metrics);
                let (yr, ym) = evidence(&y.metrics);
                Some((xr - yr, xm - ym))
            })
            .collect()
    }
}

/// Evidence Recall@10 and MRR@10 (0 without qrels).
fn evidence(m: &Metrics) -> (f64, f64) {
    m.evidence
        .as_ref()
        .map_or((0.0, 0.0), |e| (e.recall_10, e.mrr_10))
}
