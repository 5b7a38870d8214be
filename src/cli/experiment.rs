//! `lrat experiment ablation`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::synth::KnobArgs;
use crate::experiment::{Ablation, Arm, mean_sd, run};
use crate::synth;
use crate::train::scratch::ScratchShape;
use crate::train::worker::{Preset, TrainConfig};

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    #[command(subcommand)]
    what: Experiment,
}

#[derive(Debug, Subcommand)]
enum Experiment {
    /// Naive positives vs + judge filter vs + filter and intensity weights, from the same start,
    /// on simulated runs: held-out evidence Recall@10 and MRR@10, mean ± sd over seeds, the
    /// arms' differences paired by seed, and (when the data has truth.jsonl) a fourth arm
    /// filtered by the truth and each arm's share of useless positives.
    Ablation(AblationArgs),
    /// The review queue against file and random order on simulated runs whose truth is known:
    /// a person labels by the truth in each order; the share of wrong verdicts fixed after each
    /// label, the labels needed to fix 50/80/95 % of them (DIR/report.json), and optionally the
    /// agent re-run with a retriever trained after 0, 50 and 200 labels in each order.
    Review(ReviewArgs),
}

#[derive(Debug, Clone, Args)]
struct ReviewArgs {
    /// Working folder: the simulated data (unless --data), the trained models, report.json.
    #[arg(long)]
    out: PathBuf,
    /// Use this simulated workspace instead (it needs truth.jsonl).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Simulated runs.
    #[arg(long, default_value_t = 300)]
    runs: usize,
    /// Simulated documents.
    #[arg(long, default_value_t = 2000)]
    docs: usize,
    /// Seed of the simulated data.
    #[arg(long, default_value_t = 7)]
    data_seed: u64,
    /// The simulated LLM judge's mean chance of a wrong verdict.
    #[arg(long, default_value_t = 0.1)]
    llm_error: f64,
    /// The share of browses that are hard for the LLM judge (where most of its errors fall).
    #[arg(long, default_value_t = 0.2)]
    hard_share: f64,
    /// Seed of the LLM judge's mistakes.
    #[arg(long, default_value_t = 11)]
    judge_seed: u64,
    /// How the LLM judge's probabilities relate to its mistakes; one replay for each (the
    /// closed loop uses the first).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "calibrated,overconfident,uninformative"
    )]
    probabilities: Vec<crate::review::simulated_judge::Probabilities>,
    /// Seeds of the random order (its figures are their mean).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5")]
    random_seeds: Vec<u64>,
    /// The queue is recomputed after this many labels.
    #[arg(long, default_value_t = 10)]
    rerank_every: usize,
    /// Skip the closed loop (training after some labels and re-running the agent).
    #[arg(long)]
    no_closed_loop: bool,
    /// Label counts to train after in each order.
    #[arg(long, value_delimiter = ',', default_value = "0,50,200")]
    labels: Vec<usize>,
    /// Unseen questions the agent re-runs with each trained retriever.
    #[arg(long, default_value_t = 100)]
    test_runs: usize,
    /// A pretrained model folder to start from (default: a scratch model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Epochs a training.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Training seeds of the closed loop (each its own start model); figures are their mean.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// The simulated agent (when the data is simulated here).
    #[command(flatten)]
    knobs: KnobArgs,
}

impl ReviewArgs {
    fn run(self) -> color_eyre::Result<()> {
        use crate::review::experiment::{ClosedLoop, Settings, run};
        if !(0.0..=0.5).contains(&self.llm_error) {
            color_eyre::eyre::bail!(
                "--llm-error {}: a chance of error from 0 to 0.5",
                self.llm_error
            );
        }
        if !(self.hard_share > 0.0 && self.hard_share <= 1.0) {
            color_eyre::eyre::bail!(
                "--hard-share {}: a share above 0, at most 1",
                self.hard_share
            );
        }
        if self.probabilities.is_empty() || self.random_seeds.is_empty() {
            color_eyre::eyre::bail!("--probabilities and --random-seeds need at least one value");
        }
        let data = match &self.data {
            Some(d) => d.clone(),
            None => simulated(&self.out, self.runs, self.docs, self.data_seed, &self.knobs)?,
        };
        let base = TrainConfig::preset(Preset::Quick);
        let settings = Settings {
            data,
            out: self.out.clone(),
            errors: crate::review::simulated_judge::Errors {
                rate: self.llm_error,
                hard: self.hard_share,
                seed: self.judge_seed,
            },
            cases: self.probabilities.clone(),
            random_seeds: self.random_seeds.clone(),
            rerank_every: self.rerank_every.max(1),
            closed_loop: (!self.no_closed_loop).then(|| ClosedLoop {
                labels: self.labels.clone(),
                test_runs: self.test_runs,
                config: TrainConfig {
                    epochs: self.epochs,
                    lr: Some(if self.model.is_some() { 2e-5 } else { 3e-4 }),
                    holdout: 0.2,
                    mask_false_negatives: true,
                    ..base
                },
                seeds: self.seeds.clone(),
                scratch: ScratchShape::default(),
                model: self.model.clone(),
            }),
        };
        std::fs::create_dir_all(&self.out).map_err(|e| crate::error::Error::io(&self.out, e))?;
        let report = run(&settings, &mut |line| eprintln!("{line}"))?;
        let path = self.out.join("report.json");
        std::fs::write(&path, serde_json::to_string_pretty(&report.json())? + "\n")
            .map_err(|e| crate::error::Error::io(&path, e))?;
        print!("{}", report.render());
        eprintln!("wrote {}", path.display());
        Ok(())
    }
}

#[derive(Debug, Clone, Args)]
struct AblationArgs {
    /// Working folder: the simulated data (unless --data), start models, trained models.
    #[arg(long)]
    out: PathBuf,
    /// Use this workspace instead of simulating one (`runs/`, `corpus.jsonl`, `qrels.txt`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Simulated runs.
    #[arg(long, default_value_t = 400)]
    runs: usize,
    /// Simulated documents.
    #[arg(long, default_value_t = 3000)]
    docs: usize,
    /// Seed of the simulated data.
    #[arg(long, default_value_t = 7)]
    data_seed: u64,
    /// Training seeds (each: its own start model and held-out runs, shared by the three arms).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// A pretrained model folder to start from (default: a scratch model per seed).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Epochs a arm (the experiment's own default, longer than the quick preset's 2).
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    /// Queries a batch [the quick preset's 16].
    #[arg(long)]
    batch: Option<usize>,
    /// Group size G [the quick preset's 4].
    #[arg(long)]
    group: Option<usize>,
    /// Softmax temperature τ [the quick preset's 0.02].
    #[arg(long)]
    temperature: Option<f64>,
    /// Peak learning rate [the quick preset's 2e-5 for a pretrained model, 3e-4 from scratch].
    #[arg(long)]
    lr: Option<f64>,
    /// Share of runs held out (the experiment's own default, to have more questions to compare
    /// the arms on).
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    /// Query tokens [the quick preset's 32].
    #[arg(long)]
    query_max_len: Option<usize>,
    /// Passage tokens [the quick preset's 128].
    #[arg(long)]
    passage_max_len: Option<usize>,
    /// Also write the whole report (every seed and arm) as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run the arms at each value of a knob of the simulated agent, e.g.
    /// `length-signal=0,0.5,1`: each value simulates its own data under OUT/length-signal-V/,
    /// and a summary gives (filter + weights) − (filter) per value, paired by seed.
    #[arg(long, value_parser = parse_sweep)]
    sweep: Option<Sweep>,
    /// Skip the closed loop (the agent re-run with every retriever on unseen questions).
    #[arg(long)]
    no_closed_loop: bool,
    /// Unseen questions a seed the closed loop re-runs the agent on (questions after the
    /// training runs' in the same world; each seed its own).
    #[arg(long, default_value_t = 100)]
    test_runs: usize,
    /// Also train `+ filter + weights` without the false-negative mask, to see what it changes.
    #[arg(long)]
    unmasked_arm: bool,
    /// Keep in-batch false negatives in every arm's loss (the mask is on by default).
    #[arg(long)]
    no_mask: bool,
    /// The simulated agent (when the data is simulated here).
    #[command(flatten)]
    knobs: KnobArgs,
}

/// A knob and the values to run it at.
#[derive(Debug, Clone)]
struct Sweep {
    values: Vec<f64>,
}

fn parse_sweep(s: &str) -> Result<Sweep, String> {
    let (name, values) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected KNOB=V1,V2,… (e.g. length-signal=0,0.5,1)"))?;
    if name.trim() != "length-signal" {
        return Err(format!(
            "`{name}`: only length-signal can be swept (e.g. length-signal=0,0.5,1)"
        ));
    }
    let values = values
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| (0.0..=1.0).contains(x))
                .ok_or_else(|| format!("`{v}`: a length signal is a number from 0 to 1"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Sweep { values })
}

impl ExperimentArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let a = match self.what {
            Experiment::Ablation(a) => a,
            Experiment::Review(r) => return r.run(),
        };
        match a.sweep.clone() {
            Some(sweep) => run_sweep(a, &sweep),
            None => run_one(&a).map(|_| ()),
        }
    }
}

/// The arms at each value of the length signal, then the weights' paired effect per value.
fn run_sweep(a: AblationArgs, sweep: &Sweep) -> color_eyre::Result<()> {
    if a.data.is_some() {
        return Err(color_eyre::eyre::eyre!(
            "--sweep simulates data for each value; it cannot be combined with --data"
        ));
    }
    let mut summary = Vec::new();
    for &v in &sweep.values {
        let mut one = AblationArgs {
            out: a.out.join(format!("length-signal-{v}")),
            json: a
                .json
                .as_ref()
                .map(|p| p.with_extension(format!("length-signal-{v}.json"))),
            sweep: None,
            ..a.clone()
        };
        one.knobs.length_signal = v;
        println!("\n== length signal {v} ==");
        let report = run_one(&one)?;
        summary.push((v, report.paired(Arm::FilterWeights, Arm::Filter)));
    }
    println!("\n(+ filter + weights) − (+ filter), paired by seed");
    println!("length signal  question R@10 (single-shot)  question MRR     weights better");
    for (v, d) in summary {
        let r: Vec<f64> = d.iter().map(|x| x.0).collect();
        let m: Vec<f64> = d.iter().map(|x| x.1).collect();
        let ((ra, rb), (ma, mb)) = (mean_sd(&r), mean_sd(&m));
        let better = r.iter().filter(|x| **x > 0.0).count();
        println!(
            "{v:<14} {ra:+.3} ± {rb:.3}   {ma:+.3} ± {mb:.3}   {better} of {} seeds",
            d.len()
        );
    }
    Ok(())
}

/// One ablation: the data, the arms, the table.
fn run_one(a: &AblationArgs) -> color_eyre::Result<crate::experiment::AblationReport> {
    let data = match &a.data {
        Some(_) if a.knobs.knobs() != synth::Knobs::default() => {
            return Err(color_eyre::eyre::eyre!(
                "the agent's knobs apply to data simulated here; --data uses a workspace as it is (simulate it with `lrat synth` and those knobs)"
            ));
        }
        Some(d) => d.clone(),
        None => simulated(&a.out, a.runs, a.docs, a.data_seed, &a.knobs)?,
    };
    let ablation = Ablation {
        data,
        out: a.out.clone(),
        seeds: a.seeds.clone(),
        model: a.model.clone(),
        config: {
            let base = TrainConfig::preset(Preset::Quick);
            TrainConfig {
                epochs: a.epochs,
                batch: a.batch.unwrap_or(base.batch),
                group: a.group.unwrap_or(base.group),
                temperature: a.temperature.unwrap_or(base.temperature),
                // The arms load the saved start model, so say the scratch rate here.
                lr: a.lr.or(a.model.is_none().then_some(3e-4)),
                holdout: a.holdout,
                query_max_len: a.query_max_len.unwrap_or(base.query_max_len),
                passage_max_len: a.passage_max_len.unwrap_or(base.passage_max_len),
                mask_false_negatives: !a.no_mask,
                ..base
            }
        },
        scratch: ScratchShape::default(),
        closed_loop: (!a.no_closed_loop).then_some(a.test_runs),
        unmasked_arm: a.unmasked_arm,
    };
    let report = run(&ablation, &mut |line| eprintln!("{line}"))?;
    if let Some(p) = &a.json {
        std::fs::write(p, serde_json::to_string_pretty(&report)? + "\n")
            .map_err(|e| crate::error::Error::io(p, e))?;
    }
    print!("{}", report.render());
    Ok(report)
}

/// The data simulated under `--out`: written now, or reused when it was written with the same
/// settings (never silently reused when they differ).
fn simulated(
    out: &std::path::Path,
    runs: usize,
    docs: usize,
    data_seed: u64,
    knobs: &KnobArgs,
) -> color_eyre::Result<PathBuf> {
    let d = out.join("data");
    let wanted = synth::Settings {
        runs,
        docs,
        seed: data_seed,
        knobs: knobs.knobs(),
        first_question: 0,
        retriever: crate::retriever::Served::bm25(),
        questions: None,
    };
    if d.join("runs").is_dir() {
        return match synth::Settings::read(&d)? {
            Some(s) if s == wanted => {
                eprintln!("reusing the simulated data in {}", d.display());
                Ok(d)
            }
            Some(_) => Err(color_eyre::eyre::eyre!(
                "{} was simulated with other settings (see its {}); choose another --out, or pass --data to use it as it is",
                d.display(),
                synth::Settings::FILE
            )),
            None => Err(color_eyre::eyre::eyre!(
                "{} holds runs without {}, so its settings are unknown; choose another --out, or pass --data to use it as it is",
                d.display(),
                synth::Settings::FILE
            )),
        };
    }
    eprintln!(
        "simulating {runs} runs over {docs} documents (seed {data_seed}) into {}",
        d.display()
    );
    synth::generate(&d, runs, docs, data_seed, &wanted.knobs)?;
    Ok(d)
}
