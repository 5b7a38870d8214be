//! `lrat experiment ablation`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::experiment::{Ablation, run};
use crate::synth::{self, Knobs};
use crate::train::scratch::ScratchShape;
use crate::train::worker::TrainConfig;

#[derive(Debug, Args)]
pub struct ExperimentArgs {
    #[command(subcommand)]
    what: Experiment,
}

#[derive(Debug, Subcommand)]
enum Experiment {
    /// Naive positives vs + judge filter vs + filter and intensity weights, from the same start,
    /// on simulated runs: held-out evidence Recall@10 and MRR@10, mean ± sd over seeds.
    Ablation(AblationArgs),
}

#[derive(Debug, Args)]
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
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    #[arg(long, default_value_t = 16)]
    batch: usize,
    #[arg(long, default_value_t = 4)]
    group: usize,
    #[arg(long, default_value_t = 0.02)]
    temperature: f64,
    /// Peak learning rate [default: 1e-6 for a pretrained model, 3e-4 from scratch].
    #[arg(long)]
    lr: Option<f64>,
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    #[arg(long, default_value_t = 32)]
    query_max_len: usize,
    #[arg(long, default_value_t = 128)]
    passage_max_len: usize,
    /// JSON instead of a table.
    #[arg(long)]
    json: bool,
}

impl ExperimentArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let Experiment::Ablation(a) = self.what;
        let data = match &a.data {
            Some(d) => d.clone(),
            None => {
                let d = a.out.join("data");
                if !d.join("runs").is_dir() {
                    eprintln!(
                        "simulating {} runs over {} documents (seed {}) into {}",
                        a.runs,
                        a.docs,
                        a.data_seed,
                        d.display()
                    );
                    synth::generate(&d, a.runs, a.docs, a.data_seed, &Knobs::default())?;
                }
                d
            }
        };
        let ablation = Ablation {
            data,
            out: a.out.clone(),
            seeds: a.seeds.clone(),
            model: a.model.clone(),
            config: TrainConfig {
                epochs: a.epochs,
                batch: a.batch,
                group: a.group,
                temperature: a.temperature,
                // The arms load the saved start model, so say the scratch rate here.
                lr: a.lr.or(a.model.is_none().then_some(3e-4)),
                holdout: a.holdout,
                query_max_len: a.query_max_len,
                passage_max_len: a.passage_max_len,
                ..TrainConfig::default()
            },
            scratch: ScratchShape::default(),
        };
        let report = run(&ablation, &mut |line| eprintln!("{line}"))?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{}", report.render());
        }
        Ok(())
    }
}
