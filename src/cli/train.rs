//! `lrat train` and `lrat eval`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use color_eyre::eyre::{bail, eyre};

use super::{ReadArgs, SupervisionArgs, finish, load, open_corpus, print_errors, read_qrels};
use crate::corpus::DocIndex;
use crate::qrels::Qrels;
use crate::train::bert::device;
use crate::train::data::TrainSet;
use crate::train::encoder::{Encoder, MaxLengths, Pooling};
use crate::train::eval::{EvalSet, Metrics};
use crate::train::resolve::{self, ModelSource};
use crate::train::scratch::ScratchShape;
use crate::train::source::{self, FromRuns};
use crate::train::worker::{self, MetricsLog, Preset, TrainConfig, TrainEvent, TrainJob};

/// Where the pairs come from and what else is known (shared by `train` and `eval`).
#[derive(Debug, Args)]
pub struct DataArgs {
    /// A mined pairs file (`lrat mine` output, or FlagEmbedding rows), or run files, folders or
    /// workspaces (mined here in `--mode`).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// How runs are mined when runs are given (as for `lrat mine`).
    #[command(flatten)]
    sup: SupervisionArgs,
    /// Corpus JSONL or index folder: document texts, and the pool ranked in evaluation (whole
    /// when up to 200,000 documents, else BM25 top-100 ∪ the pair's documents).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// TREC qrels of evidence documents: adds evidence retrieval for the held-out questions.
    #[arg(long)]
    qrels: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
}

/// The data, the corpus index and the qrels.
pub struct Data {
    pub set: TrainSet,
    pub corpus: Option<DocIndex>,
    pub qrels: Option<Qrels>,
}

impl DataArgs {
    pub fn load(&self) -> color_eyre::Result<Data> {
        let pairs_file = match self.inputs.as_slice() {
            [one] if one.is_file() && source::is_pairs_file(one) => Some(one.clone()),
            _ => None,
        };
        let inputs = crate::workspace::resolve(&self.inputs);
        let (corpus, _) = open_corpus(self.corpus.as_ref(), &inputs)?;
        let qrels = match self.qrels.as_ref().or(inputs.qrels.as_ref()) {
            Some(q) => Some(read_qrels(q)?),
            None => None,
        };
        let set = match pairs_file {
            Some(p) => {
                let (set, errors) = TrainSet::read_pairs(&p)?;
                print_errors(&errors);
                eprintln!(
                    "read {} pairs from {} ({} rejected, {} unsatisfied and {} without text left out)",
                    set.examples.len(),
                    p.display(),
                    errors.len(),
                    set.skipped.unsatisfied,
                    set.skipped.no_text
                );
                if !errors.is_empty() && !self.read.keep_going {
                    bail!(
                        "{} line(s) of {} rejected (pass --keep-going to use the rest)",
                        errors.len(),
                        p.display()
                    );
                }
                set
            }
            None => {
                let (loaded, _) = load(&self.inputs, &self.read)?;
                finish(&loaded, self.read.keep_going)?;
                let j = self.sup.read(&self.inputs)?;
                let (set, counts) = source::from_runs(
                    &loaded.runs,
                    &FromRuns {
                        labels: j.labels(self.sup.unjudged),
                        policy: self.sup.policy(&j),
                        corpus: corpus.as_ref(),
                    },
                );
                eprintln!(
                    "mined {} pairs from {} runs ({} dropped by verdicts, {} unjudged, {} rejected rows and {} without text left out)",
                    counts.pairs,
                    counts.runs,
                    counts.dropped_by_verdict,
                    counts.unjudged,
                    set.skipped.unsatisfied,
                    set.skipped.no_text
                );
                set
            }
        };
        if set.examples.is_empty() {
            bail!("no training pairs in the input");
        }
        Ok(Data { set, corpus, qrels })
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A model folder, a Hugging Face name (local cache, else downloaded), or `scratch`.
    /// Default: all-MiniLM-L6-v2 when a cache holds it, else a scratch model.
    #[arg(long)]
    model: Option<String>,
    /// Output folder: the model (Hugging Face / sentence-transformers layout), the optimiser
    /// state, and `metrics.jsonl`.
    #[arg(long)]
    out: PathBuf,
    /// Continue from the checkpoint in `--out` (optimiser state included).
    #[arg(long)]
    resume: bool,
    /// With --resume, continue even when settings differ from the checkpoint's (the new ones
    /// apply, and stderr says which changed).
    #[arg(long, requires = "resume")]
    force: bool,
    /// Defaults for the settings below: `paper` (§5.2: batch 32, G 10, query/passage tokens
    /// 64/256, a pretrained model's peak rate 1e-6) or `quick` (the Train screen's: batch 16, G 4,
    /// 32/128 tokens, peak rate 2e-5). Both: τ 0.02, 2 epochs, warmup 0.1, weight decay 0.01,
    /// clipping at 1.0, seed 42, 10 % of runs held out.
    #[arg(long, value_enum, default_value_t = Preset::Paper)]
    preset: Preset,
    /// Softmax temperature τ [preset].
    #[arg(long)]
    temperature: Option<f64>,
    /// Group size G: the positive and G−1 sampled negatives [preset].
    #[arg(long)]
    group: Option<usize>,
    /// Queries a batch (the other queries' passages are in-batch negatives) [preset].
    #[arg(long)]
    batch: Option<usize>,
    /// Query tokens [preset].
    #[arg(long)]
    query_max_len: Option<usize>,
    /// Passage tokens [preset].
    #[arg(long)]
    passage_max_len: Option<usize>,
    /// Peak learning rate [preset's rate for a pretrained model, 3e-4 from scratch].
    #[arg(long)]
    lr: Option<f64>,
    /// Epochs [preset].
    #[arg(long)]
    epochs: Option<usize>,
    /// Share of the steps spent in linear warmup, then linear decay [preset].
    #[arg(long)]
    warmup: Option<f64>,
    /// AdamW weight decay, not on biases and layer norms [preset].
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Clip gradients to this global norm, 0: off [preset].
    #[arg(long)]
    clip: Option<f64>,
    /// Seed of the held-out split, batch order and negative sampling [preset].
    #[arg(long)]
    seed: Option<u64>,
    /// Share of runs held out for evaluation, split by run, never by pair [preset].
    #[arg(long)]
    holdout: Option<f64>,
    /// Evaluate every N steps (0: ten times over the run).
    #[arg(long, default_value_t = 0)]
    eval_every: usize,
    /// Checkpoint every N steps (0: each epoch).
    #[arg(long, default_value_t = 0)]
    save_every: usize,
    /// Stop after N steps (the schedule still spans all epochs).
    #[arg(long)]
    max_steps: Option<usize>,
    /// The naive loss: every pair weighs 1.
    #[arg(long)]
    no_weights: bool,
    /// Prefix for queries (E5: `query: `).
    #[arg(long, default_value = "")]
    query_prefix: String,
    /// Prefix for passages (E5: `passage: `).
    #[arg(long, default_value = "")]
    passage_prefix: String,
    /// `cpu`, or `cuda:N` with the `cuda` feature.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Layers of a scratch model.
    #[arg(long, default_value_t = 2)]
    scratch_layers: usize,
    /// Hidden size of a scratch model.
    #[arg(long, default_value_t = 128)]
    scratch_hidden: usize,
    /// Pooling of a pretrained folder (default: its sentence-transformers pooling module, else
    /// CLS for the BGE family and mean for the rest; always printed).
    #[arg(long, value_enum)]
    pooling: Option<Pooling>,
    /// Batches of similar lengths: the shuffled pairs are sorted by length in windows of 16
    /// batches before they are cut into batches, so a batch pads less.
    #[arg(long)]
    length_buckets: bool,
    /// Texts a forward pass with its graph (memory, not the result: below the batch's size the
    /// step uses gradient caching and gives the same gradients). Default: from available memory.
    #[arg(long)]
    chunk: Option<usize>,
    /// Keep in-batch false negatives in the loss: by default a passage that is the query's own
    /// positive again, or the positive of another query of its run, is left out of its softmax.
    #[arg(long)]
    no_mask: bool,
}

impl TrainArgs {
    /// The preset's settings with every flag given put over them.
    fn config(&self) -> TrainConfig {
        let base = TrainConfig::preset(self.preset);
        TrainConfig {
            temperature: self.temperature.unwrap_or(base.temperature),
            group: self.group.unwrap_or(base.group),
            batch: self.batch.unwrap_or(base.batch),
            query_max_len: self.query_max_len.unwrap_or(base.query_max_len),
            passage_max_len: self.passage_max_len.unwrap_or(base.passage_max_len),
            lr: self.lr,
            epochs: self.epochs.unwrap_or(base.epochs),
            warmup: self.warmup.unwrap_or(base.warmup),
            weight_decay: self.weight_decay.unwrap_or(base.weight_decay),
            clip: match self.clip {
                Some(c) => (c > 0.0).then_some(c),
                None => base.clip,
            },
            seed: self.seed.unwrap_or(base.seed),
            holdout: self.holdout.unwrap_or(base.holdout),
            eval_every: self.eval_every,
            save_every: self.save_every,
            weighted: !self.no_weights,
            max_steps: self.max_steps,
            query_prefix: self.query_prefix.clone(),
            passage_prefix: self.passage_prefix.clone(),
            pooling: self.pooling,
            length_buckets: self.length_buckets,
            chunk: self.chunk,
            mask_false_negatives: !self.no_mask,
            ..base
        }
    }

    pub fn run(self) -> color_eyre::Result<()> {
        if self.force
            && let Some(saved) = worker::TrainerState::read(&self.out)?
        {
            let changed = worker::changed_settings(&saved.config, &self.config());
            if !changed.is_empty() {
                eprintln!(
                    "resuming with settings the checkpoint was not trained with (--force): {}",
                    changed.join(", ")
                );
            }
        }
        let data = self.data.load()?;
        let resolved = resolve::resolve(self.model.as_deref())?;
        if let Some(n) = &resolved.note {
            eprintln!("{n}");
        }
        let job = TrainJob {
            set: Arc::new(data.set),
            model: resolved.source,
            note: resolved.note,
            config: self.config(),
            out: self.out.clone(),
            qrels: data.qrels,
            corpus: data.corpus,
            resume: self.resume,
            force: self.force,
            device: device(&self.device)?,
            held_out: None,
            scratch: ScratchShape {
                layers: self.scratch_layers,
                hidden: self.scratch_hidden,
                heads: (self.scratch_hidden / 32).max(1),
                ..ScratchShape::default()
            },
        };
        let passages = job.config.batch * job.config.group;
        let mut log = MetricsLog::open(&self.out, self.resume)?;
        let bar = indicatif::ProgressBar::new(0).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} training [{bar:30}] {pos}/{len} steps {msg} eta {eta}",
            )
            .map_err(|e| eyre!("progress template: {e}"))?
            .progress_chars("=> "),
        );
        let mut failure = None;
        let mut progress = crate::train::progress::Progress::default();
        let cancel = AtomicBool::new(false);
        worker::run(job, &cancel, &mut |e| {
            if let Err(err) = log.write(&e) {
                failure = Some(err.to_string());
                return false;
            }
            progress.apply(&e);
            match &e {
                TrainEvent::Started {
                    model,
                    pooling,
                    chunk,
                    examples,
                    train_examples,
                    held_out_runs,
                    held_out_queries,
                    eval_docs,
                    total_steps,
                    first_step,
                    lr,
                    ..
                } => {
                    let passes = if *chunk >= passages {
                        "the whole batch in one pass".to_string()
                    } else {
                        format!("{chunk} texts a forward pass, by gradient caching")
                    };
                    bar.suspend(|| {
                        eprintln!(
                            "model {model}; pooling {pooling}; {passes}\n{examples} pairs: {train_examples} to train, \
                             {held_out_queries} held-out queries from {held_out_runs} runs, \
                             {eval_docs} documents ranked; peak lr {lr:e}"
                        )
                    });
                    bar.set_length(*total_steps as u64);
                    bar.set_position(*first_step as u64);
                }
                TrainEvent::Step {
                    step,
                    loss,
                    lr,
                    examples_per_s,
                    ..
                } => {
                    bar.set_position(*step as u64);
                    bar.set_message(format!(
                        "loss {loss:.4} lr {lr:.2e} {examples_per_s:.1} ex/s"
                    ));
                }
                TrainEvent::Eval {
                    step,
                    system,
                    metrics,
                } => {
                    bar.suspend(|| eprintln!("{}", eval_line(*step, system.name(), metrics)));
                }
                TrainEvent::Checkpoint { step, path } => {
                    bar.suspend(|| eprintln!("step {step}: saved {}", path.display()));
                }
                TrainEvent::Done {
                    step, cancelled, ..
                } => {
                    bar.finish_and_clear();
                    eprintln!(
                        "{} after {step} steps; metrics in {}",
                        if *cancelled { "stopped" } else { "done" },
                        self.out.join("metrics.jsonl").display()
                    );
                    if let Some(mb) = crate::sys::peak_rss_mb() {
                        eprintln!("peak memory {mb:.0} MB");
                    }
                }
                TrainEvent::Failed { .. } => bar.abandon(),
            }
            true
        });
        if let crate::train::progress::Ending::Failed(message) = &progress.ending {
            failure = Some(message.clone());
        }
        if let Some(f) = failure {
            bail!("{f}");
        }
        // BM25, the model before training, the trained model: what the run measured.
        let rows: Vec<(String, Metrics)> = [
            (
                crate::train::eval::System::Bm25.name(),
                progress.bm25.as_ref(),
            ),
            (
                crate::train::eval::System::Base.name(),
                progress.base.as_ref(),
            ),
            ("trained", progress.trained()),
        ]
        .into_iter()
        .filter_map(|(name, m)| m.map(|m| (name.to_string(), *m)))
        .collect();
        let queries = rows.first().map_or(0, |r| r.1.queries);
        if rows.is_empty() || queries == 0 {
            eprintln!("no held-out queries: nothing was measured (raise --holdout or add runs)");
        } else {
            if queries < FEW_QUERIES {
                eprintln!(
                    "only {queries} held-out queries: differences between these figures say little (raise --holdout or add runs)"
                );
            }
            println!("{}", table(&rows));
        }
        Ok(())
    }
}

/// Below this many held-out queries the table comes with a warning.
const FEW_QUERIES: usize = 20;

fn eval_line(step: usize, system: &str, m: &Metrics) -> String {
    let ev = m
        .evidence
        .map(|e| format!("  question R@10 (single-shot) {:.3}", e.recall_10))
        .unwrap_or_default();
    format!(
        "step {step:>5} {system:<7} R@1 {:.3} R@10 {:.3} MRR@10 {:.3} nDCG@10 {:.3}{ev}",
        m.recall_1, m.recall_10, m.mrr_10, m.ndcg_10
    )
}

/// The comparison table: one row a system.
pub fn table(rows: &[(String, Metrics)]) -> String {
    let with_ev = rows.iter().any(|r| r.1.evidence.is_some());
    let mut s = format!(
        "{:<10} {:>7} {:>7} {:>7} {:>7} {:>8} {:>8}",
        "system", "queries", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10"
    );
    if with_ev {
        s += &format!(
            " {:>9} {:>12} {:>12} {:>12}",
            "questions", "1-shot R@10", "1-shot R@100", "1-shot nDCG"
        );
    }
    for (name, m) in rows {
        s += &format!(
            "\n{:<10} {:>7} {:>7.3} {:>7.3} {:>7.3} {:>7.3} {:>8.3}",
            name, m.queries, m.recall_1, m.recall_5, m.recall_10, m.mrr_10, m.ndcg_10
        );
        if let Some(e) = m.evidence {
            s += &format!(
                " {:>9} {:>12.3} {:>12.3} {:>12.3}",
                e.questions, e.recall_10, e.recall_100, e.ndcg_10
            );
        }
    }
    if with_ev {
        s += "\n1-shot: each held-out question ranked once against the corpus (single-shot), not the \
              agent's evidence recall; `lrat synth --retriever` and `lrat stats A B` measure that";
    }
    s
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model folder (or a Hugging Face name, or `scratch` for an untrained one).
    #[arg(long)]
    model: String,
    /// Measure only the runs training held out with this share and `--seed` (default: the runs
    /// the model's training held out, from its `trainer_state.json`, else every run).
    #[arg(long)]
    holdout: Option<f64>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 64)]
    query_max_len: usize,
    #[arg(long, default_value_t = 256)]
    passage_max_len: usize,
    #[arg(long, default_value = "cpu")]
    device: String,
    /// JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Pooling of the model folder (default: its pooling module, else its family's; printed).
    #[arg(long, value_enum)]
    pooling: Option<Pooling>,
    /// Write the model's ranking as a TREC run (`qid Q0 docid rank score tag`) to this file.
    #[arg(long)]
    trec_run: Option<PathBuf>,
    /// Write the relevance judgements the figures use as TREC qrels (`qid 0 docid 1`).
    #[arg(long)]
    trec_qrels: Option<PathBuf>,
    /// Write each query's figures as JSON lines.
    #[arg(long)]
    per_query: Option<PathBuf>,
}

impl EvalArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let data = self.data.load()?;
        // A training folder knows which runs it held out: measure on those unless told otherwise.
        let stored = std::path::Path::new(&self.model);
        let stored = match stored.is_dir() {
            true => worker::TrainerState::read(stored)?.filter(|s| !s.held_out_runs.is_empty()),
            false => None,
        };
        let held: BTreeSet<String> = match (self.holdout, stored) {
            (Some(share), _) => data.set.split(share, self.seed).1,
            (None, Some(s)) => {
                eprintln!(
                    "measuring on the {} runs {} held out in training (its trainer_state.json; --holdout to choose others)",
                    s.held_out_runs.len(),
                    self.model
                );
                s.held_out_runs
            }
            (None, None) => data.set.examples.iter().map(|e| e.run_id.clone()).collect(),
        };
        let evalset = EvalSet::build(&data.set, &held, data.qrels.as_ref(), data.corpus.as_ref())?;
        if evalset.is_empty() {
            bail!("nothing to evaluate: no held-out queries");
        }
        let max = MaxLengths {
            query: self.query_max_len,
            passage: self.passage_max_len,
        };
        let dev = device(&self.device)?;
        let resolved = resolve::resolve(Some(&self.model))?;
        let enc = match &resolved.source {
            ModelSource::Folder(p) => {
                let enc = Encoder::load_with(p, max, &dev, self.pooling)?;
                eprintln!(
                    "pooling: {} ({})",
                    format!("{:?}", enc.pooling).to_lowercase(),
                    enc.pooling_why
                );
                enc
            }
            ModelSource::Scratch => {
                let texts = data.set.texts();
                crate::train::scratch::build(
                    texts.into_iter(),
                    ScratchShape::default(),
                    max,
                    42,
                    &dev,
                )?
            }
        };
        eprintln!(
            "{} queries, {} questions, {} documents",
            evalset.pairs.len(),
            evalset.questions.len(),
            evalset.docs.len()
        );
        let ranked = evalset.dense_rankings(&enc, 64)?;
        let rows = vec![
            (
                crate::train::eval::System::Bm25.name().to_string(),
                evalset.bm25()?,
            ),
            (self.model.clone(), evalset.measure_rankings(&ranked)),
        ];
        evalset.write_trec(
            &ranked,
            &self.model,
            self.trec_run.as_deref(),
            self.trec_qrels.as_deref(),
        )?;
        for (what, p) in [
            ("TREC run", &self.trec_run),
            ("TREC qrels", &self.trec_qrels),
        ] {
            if let Some(p) = p {
                eprintln!("wrote the {what} to {}", p.display());
            }
        }
        if let Some(p) = &self.per_query {
            let mut out = String::new();
            for q in evalset.per_query(&ranked) {
                out += &serde_json::to_string(&q)?;
                out.push('\n');
            }
            std::fs::write(p, out).map_err(|e| crate::error::Error::io(p, e))?;
            eprintln!("wrote each query's figures to {}", p.display());
        }
        if self.json {
            let v: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(k, m)| Ok((k.clone(), serde_json::to_value(m)?)))
                .collect::<Result<_, serde_json::Error>>()?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            println!("{}", table(&rows));
        }
        Ok(())
    }
}
