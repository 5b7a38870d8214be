//! Training data: examples (query, positive, negatives, weight) with the documents' texts, read
//! from a mined pairs file or mined from runs; the held-out split by run; batches with groups of
//! sampled negatives. Everything random is a function of the seed, the epoch and the position, so
//! a resumed run draws exactly what an uninterrupted one would.

use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, InputError, Result};
use crate::export::TextSource;
use crate::mine::Pair;
use crate::rng::Rng;
use crate::run::Run;
use crate::text::stable_hash;

/// One training query.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub run_id: String,
    /// The browse that made the positive (mined pairs; `None` for rows that do not say).
    pub browse_step: Option<usize>,
    pub query: String,
    pub pos: String,
    pub negs: Vec<String>,
    /// The intensity weight (`reweight_rate`).
    pub weight: f32,
}

/// A run's question, for evidence recall against qrels.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub run_id: String,
    /// The question's id in qrels ([`crate::run::Run::query_id`]).
    pub query_id: String,
    pub text: String,
}

/// Examples and the texts of every document they name.
#[derive(Debug, Clone, Default)]
pub struct TrainSet {
    pub examples: Vec<Example>,
    /// Document id → passage text.
    pub docs: HashMap<String, String>,
    /// Questions by run (runs only; a pairs file has none).
    pub questions: Vec<Question>,
    /// Pairs left out, and why.
    pub skipped: Skipped,
}

/// What was left out of training.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Rejected browses (reference mode emits them with `satisfied: false`).
    pub unsatisfied: usize,
    /// Positives whose text is unknown.
    pub no_text: usize,
}

fn text_id(text: &str) -> String {
    format!("h:{}", stable_hash(&[text]))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl TrainSet {
    /// Reads mined pairs: the `lrat` export schema (`query`, `pos_id`, `pos`, `neg_id`, `neg`,
    /// `reweight_rate`, `satisfied`, `run_id`) or FlagEmbedding rows (`query`, `pos`, `neg`;
    /// ids are made from the texts). Bad lines are reported and skipped.
    pub fn read_pairs(path: &Path) -> Result<(TrainSet, Vec<InputError>)> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut set = TrainSet::default();
        let mut errors = Vec::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::io(path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |m: &str| {
                let mut e = InputError::new(path, m);
                e.line = Some(i + 1);
                e
            };
            let v: Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(InputError::from_json(path, i + 1, &e));
                    continue;
                }
            };
            let Some(query) = v.get("query").and_then(Value::as_str) else {
                errors.push(bad("no `query` string"));
                continue;
            };
            if v.get("satisfied").and_then(Value::as_bool) == Some(false) {
                set.skipped.unsatisfied += 1;
                continue;
            }
            let pos_texts = strings(v.get("pos"));
            let neg_texts = strings(v.get("neg"));
            let pos_ids = match strings(v.get("pos_id")) {
                ids if ids.is_empty() => pos_texts.iter().map(|t| text_id(t)).collect(),
                ids => ids,
            };
            let neg_ids = match strings(v.get("neg_id")) {
                ids if ids.is_empty() => neg_texts.iter().map(|t| text_id(t)).collect(),
                ids => ids,
            };
            let (Some(pos), Some(pos_text)) = (pos_ids.first(), pos_texts.first()) else {
                errors.push(bad("no positive (`pos` and `pos_id`)"));
                continue;
            };
            if pos_text.is_empty() {
                set.skipped.no_text += 1;
                continue;
            }
            if neg_ids.len() != neg_texts.len() {
                errors.push(bad(&format!(
                    "{} `neg_id` but {} `neg` texts",
                    neg_ids.len(),
                    neg_texts.len()
                )));
                continue;
            }
            set.docs.insert(pos.clone(), pos_text.clone());
            let mut negs = Vec::new();
            for (id, t) in neg_ids.iter().zip(&neg_texts) {
                if !t.is_empty() {
                    set.docs.entry(id.clone()).or_insert_with(|| t.clone());
                    negs.push(id.clone());
                }
            }
            let weight = v
                .get("reweight_rate")
                .and_then(Value::as_f64)
                .unwrap_or(1.0);
            if !weight.is_finite() || weight < 0.0 {
                errors.push(bad(&format!("`reweight_rate` {weight} is not a weight")));
                continue;
            }
            let run_id = v
                .get("run_id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("line{}", i + 1));
            let browse_step = v
                .get("browse_step")
                .and_then(Value::as_u64)
                .map(|s| s as usize);
            set.examples.push(Example {
                run_id,
                browse_step,
                query: query.to_string(),
                pos: pos.clone(),
                negs,
                weight: weight as f32,
            });
        }
        Ok((set, errors))
    }

    /// Examples from mined pairs, texts from `texts` (the same text for a document wherever it
    /// appears); questions from `runs`.
    pub fn from_pairs(pairs: &[Pair], runs: &[Run], texts: &TextSource<'_>) -> TrainSet {
        let mut set = TrainSet::default();
        for p in pairs {
            if !p.satisfied {
                set.skipped.unsatisfied += 1;
                continue;
            }
            let mut text = |id: &str| -> Option<String> {
                if let Some(t) = set.docs.get(id) {
                    return Some(t.clone());
                }
                let t = texts.get(id)?.passage();
                set.docs.insert(id.to_string(), t.clone());
                Some(t)
            };
            if text(&p.pos_id).is_none() {
                set.skipped.no_text += 1;
                continue;
            }
            let negs = p
                .neg_id
                .iter()
                .filter(|n| text(n).is_some())
                .cloned()
                .collect();
            set.examples.push(Example {
                run_id: p.run_id.clone(),
                browse_step: Some(p.browse_step),
                query: p.query.clone(),
                pos: p.pos_id.clone(),
                negs,
                weight: p.reweight_rate as f32,
            });
        }
        set.questions = runs
            .iter()
            .filter_map(|r| {
                r.question.as_ref().map(|q| Question {
                    run_id: r.id.clone(),
                    query_id: r.query_id.clone(),
                    text: q.clone(),
                })
            })
            .collect();
        set
    }

    /// Every query and document text in a fixed order (the scratch vocabulary is learned from
    /// them, and its merges depend on the order).
    pub fn texts(&self) -> Vec<&str> {
        let mut docs: Vec<(&String, &String)> = self.docs.iter().collect();
        docs.sort();
        self.examples
            .iter()
            .map(|e| e.query.as_str())
            .chain(docs.into_iter().map(|(_, t)| t.as_str()))
            .collect()
    }

    /// Splits example indices by run: a deterministic `share` of the runs (at least one when
    /// there are two or more and `share` > 0) is held out. Returns (train, held-out run ids).
    pub fn split(&self, share: f64, seed: u64) -> (Vec<usize>, BTreeSet<String>) {
        let runs: BTreeSet<&str> = self.examples.iter().map(|e| e.run_id.as_str()).collect();
        let mut ranked: Vec<(String, &str)> = runs
            .iter()
            .map(|r| (stable_hash(&[&seed.to_string(), r]), *r))
            .collect();
        ranked.sort();
        let mut n = (share * ranked.len() as f64).round() as usize;
        if share > 0.0 && n == 0 && ranked.len() >= 2 {
            n = 1;
        }
        n = n.min(ranked.len().saturating_sub(1));
        let held: BTreeSet<String> = ranked[..n].iter().map(|(_, r)| r.to_string()).collect();
        let train = (0..self.examples.len())
            .filter(|&i| !held.contains(&self.examples[i].run_id))
            .collect();
        (train, held)
    }
}

/// A batch: queries, their passages in groups of G (positive first), weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub queries: Vec<String>,
    /// Document ids, `G` per query.
    pub passages: Vec<String>,
    pub weights: Vec<f32>,
    /// `(query, passage)` pairs that are false negatives: passage is the query's own positive
    /// document again, or the positive of another query of the same run ([`false_negatives`]).
    pub mask: Vec<(usize, usize)>,
}

/// The in-batch false negatives of a batch: for each query, every passage column other than its
/// own positive whose document is its positive or the positive of a query from the same run.
pub fn false_negatives(
    runs: &[&str],
    positives: &[&str],
    passages: &[String],
    group: usize,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, (run, pos)) in runs.iter().zip(positives).enumerate() {
        let same_run: Vec<&str> = runs
            .iter()
            .zip(positives)
            .filter(|(r, _)| *r == run)
            .map(|(_, p)| *p)
            .collect();
        for (j, d) in passages.iter().enumerate() {
            if j != i * group && (d == pos || same_run.contains(&d.as_str())) {
                out.push((i, j));
            }
        }
    }
    out
}

/// The order of training examples in `epoch`.
pub fn epoch_order(train: &[usize], seed: u64, epoch: usize) -> Vec<usize> {
    let mut order = train.to_vec();
    let mut r = Rng::new(seed).fork(1 + epoch as u64);
    for i in (1..order.len()).rev() {
        order.swap(i, r.below(i + 1));
    }
    order
}

/// Examples a length bucket: this many batches' worth of the shuffled order is sorted by length
/// before it is cut into batches.
pub const BUCKET_BATCHES: usize = 16;

/// `epoch_order` with length-bucketed batches: the shuffled order is cut into windows of
/// `BUCKET_BATCHES` batches, each window is sorted by the length of its query and positive text
/// (so a batch pads to little beyond its texts), and the full batches are shuffled again so that
/// lengths do not rise through the epoch; a last, shorter batch stays last.
pub fn bucketed_order(
    set: &TrainSet,
    train: &[usize],
    batch: usize,
    seed: u64,
    epoch: usize,
) -> Vec<usize> {
    let batch = batch.max(1);
    let len = |i: usize| {
        let e = &set.examples[i];
        e.query.len() + set.docs.get(&e.pos).map_or(0, String::len)
    };
    let mut order = epoch_order(train, seed, epoch);
    for window in order.chunks_mut(batch * BUCKET_BATCHES) {
        window.sort_by_key(|&i| len(i));
    }
    let full = order.len() / batch;
    let mut batches: Vec<&[usize]> = order.chunks(batch).collect();
    let mut r = Rng::new(seed ^ 0xB0C4).fork(1 + epoch as u64);
    for i in (1..full).rev() {
        batches.swap(i, r.below(i + 1));
    }
    batches.concat()
}

/// Batches per epoch.
pub fn batches_per_epoch(n: usize, batch: usize) -> usize {
    n.div_ceil(batch.max(1))
}

/// Draws batches from a training set.
pub struct Sampler<'a> {
    pub set: &'a TrainSet,
    pub size: usize,
    pub group: usize,
    pub seed: u64,
    /// `false` sets every weight to 1 (the naive loss).
    pub weighted: bool,
    /// Every document id, for queries without negatives.
    all_docs: Vec<String>,
}

impl<'a> Sampler<'a> {
    pub fn new(set: &'a TrainSet, size: usize, group: usize, seed: u64, weighted: bool) -> Self {
        let mut all_docs: Vec<String> = set.docs.keys().cloned().collect();
        all_docs.sort();
        Sampler {
            set,
            size: size.max(1),
            group: group.max(1),
            seed,
            weighted,
            all_docs,
        }
    }

    /// Batch `b` of `epoch` over `order`: G−1 negatives a query, sampled without replacement
    /// when there are enough and with replacement when there are fewer (as FlagEmbedding does);
    /// a query with no negatives gets random documents other than its positive.
    pub fn batch(&self, order: &[usize], b: usize, epoch: usize) -> Batch {
        let start = b * self.size;
        let ids = &order[start.min(order.len())..(start + self.size).min(order.len())];
        let group = self.group;
        let mut out = Batch {
            queries: Vec::with_capacity(ids.len()),
            passages: Vec::with_capacity(ids.len() * group),
            weights: Vec::with_capacity(ids.len()),
            mask: Vec::new(),
        };
        let root = Rng::new(self.seed ^ 0x5EED).fork(1 + epoch as u64);
        for &i in ids {
            let e = &self.set.examples[i];
            let mut r = root.fork(1 + i as u64);
            out.queries.push(e.query.clone());
            out.passages.push(e.pos.clone());
            let want = group - 1;
            if e.negs.len() >= want {
                let mut pool: Vec<&String> = e.negs.iter().collect();
                for k in 0..want {
                    let j = k + r.below(pool.len() - k);
                    pool.swap(k, j);
                    out.passages.push(pool[k].clone());
                }
            } else if !e.negs.is_empty() {
                for _ in 0..want {
                    out.passages.push(r.pick(&e.negs).clone());
                }
            } else {
                for _ in 0..want {
                    let mut d = r.pick(&self.all_docs);
                    for _ in 0..8 {
                        if *d != e.pos {
                            break;
                        }
                        d = r.pick(&self.all_docs);
                    }
                    out.passages.push(d.clone());
                }
            }
            out.weights.push(if self.weighted { e.weight } else { 1.0 });
        }
        let runs: Vec<&str> = ids
            .iter()
            .map(|&i| self.set.examples[i].run_id.as_str())
            .collect();
        let positives: Vec<&str> = ids
            .iter()
            .map(|&i| self.set.examples[i].pos.as_str())
            .collect();
        out.mask = false_negatives(&runs, &positives, &out.passages, group);
        out
    }
}
