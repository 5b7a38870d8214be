//! Evaluation: rank a candidate pool for each held-out query and report Recall@1/5/10, MRR@10
//! and nDCG@10 (the pair's positive is the relevant document); with qrels, evidence retrieval for
//! the held-out runs' questions (share of a question's evidence documents in the top 10 and top
//! 100, MRR@10, nDCG@10). The same measures for BM25 over the same pool.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use super::data::TrainSet;
use super::encoder::{Encoder, Side};
use crate::corpus::{DocIndex, Document, IndexBuilder};
use crate::error::Result;
use crate::qrels::Qrels;

/// Corpora up to this size are ranked whole; larger ones through BM25 top-100 ∪ the pair's
/// documents.
pub const FULL_POOL_LIMIT: usize = 200_000;

/// What a training run evaluates side by side: BM25 over the corpus, the model before
/// training, and the model being trained. Written to `metrics.jsonl` as `bm25`/`base`/`model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Bm25,
    Base,
    Model,
}

impl System {
    /// The name in logs, tables and charts.
    pub fn name(self) -> &'static str {
        match self {
            System::Bm25 => "bm25",
            System::Base => "base",
            System::Model => "model",
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Retrieval quality for one system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Metrics {
    pub recall_1: f64,
    pub recall_5: f64,
    pub recall_10: f64,
    pub mrr_10: f64,
    pub ndcg_10: f64,
    /// Queries measured.
    pub queries: usize,
    /// Evidence retrieval for the questions (with qrels).
    pub evidence: Option<Evidence>,
}

/// Evidence retrieval as BrowseComp-Plus measures it: the question is the query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Evidence {
    pub recall_10: f64,
    pub recall_100: f64,
    pub mrr_10: f64,
    pub ndcg_10: f64,
    pub questions: usize,
}

/// One query to measure: its text and relevant documents.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The query id in TREC files: `pairN` for held-out pairs, `questionN` for questions.
    pub id: String,
    /// The run the probe comes from.
    pub run_id: String,
    pub text: String,
    pub relevant: HashSet<String>,
}

pub use crate::retriever::Ranking;

/// One query's figures, as `--per-query` writes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerQuery {
    pub qid: String,
    pub run_id: String,
    /// `pair` (a held-out query with its browsed positive) or `question` (evidence retrieval).
    pub kind: &'static str,
    pub query: String,
    pub relevant: usize,
    pub recall_1: f64,
    pub recall_5: f64,
    pub recall_10: f64,
    pub recall_100: f64,
    pub mrr_10: f64,
    pub ndcg_10: f64,
}

/// The held-out queries and questions, and the documents to rank.
pub struct EvalSet {
    pub pairs: Vec<Probe>,
    pub questions: Vec<Probe>,
    pub docs: Vec<(String, String)>,
    /// BM25 over `docs` (or the whole corpus index when the pool is a BM25 shortlist).
    pub bm25: DocIndex,
    /// Rank BM25's top 100 ∪ the relevant documents rather than every document.
    pub shortlist: bool,
}

fn passage(d: &Document) -> String {
    crate::text::passage(d.title.as_deref(), &d.text)
}

impl EvalSet {
    /// The held-out runs' examples and questions; documents from `corpus` when given (whole if
    /// small), else every document the training data names.
    pub fn build(
        set: &TrainSet,
        held: &BTreeSet<String>,
        qrels: Option<&Qrels>,
        corpus: Option<&DocIndex>,
    ) -> Result<EvalSet> {
        let mut pairs = Vec::new();
        let mut seen = HashSet::new();
        for e in set.examples.iter().filter(|e| held.contains(&e.run_id)) {
            if seen.insert((e.query.clone(), e.pos.clone())) {
                pairs.push(Probe {
                    id: format!("pair{}", pairs.len() + 1),
                    run_id: e.run_id.clone(),
                    text: e.query.clone(),
                    relevant: HashSet::from([e.pos.clone()]),
                });
            }
        }
        let questions = match qrels {
            Some(q) => set
                .questions
                .iter()
                .filter(|x| held.contains(&x.run_id))
                .filter_map(|x| q.evidence(&x.query_id).map(|ev| (x, ev)))
                .enumerate()
                .map(|(i, (x, ev))| Probe {
                    id: format!("question{}", i + 1),
                    run_id: x.run_id.clone(),
                    text: x.text.clone(),
                    relevant: ev.clone(),
                })
                .collect(),
            None => Vec::new(),
        };
        let from_set = || {
            let mut d: Vec<(String, String)> = set
                .docs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            d.sort();
            d
        };
        match corpus {
            Some(ix) if ix.num_docs() as usize > FULL_POOL_LIMIT => Ok(EvalSet {
                pairs,
                questions,
                docs: from_set(),
                bm25: ix.clone(),
                shortlist: true,
            }),
            Some(ix) => {
                let mut docs: Vec<(String, String)> = ix
                    .documents()?
                    .iter()
                    .map(|d| (d.docid.clone(), passage(d)))
                    .collect();
                let have: HashSet<String> = docs.iter().map(|d| d.0.clone()).collect();
                docs.extend(
                    set.docs
                        .iter()
                        .filter(|(k, _)| !have.contains(*k))
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                docs.sort();
                EvalSet::whole(pairs, questions, docs)
            }
            None => EvalSet::whole(pairs, questions, from_set()),
        }
    }

    /// Every document in `docs` is ranked, BM25 over an index of them.
    fn whole(
        pairs: Vec<Probe>,
        questions: Vec<Probe>,
        docs: Vec<(String, String)>,
    ) -> Result<Self> {
        Ok(EvalSet {
            bm25: index_of(&docs)?,
            pairs,
            questions,
            docs,
            shortlist: false,
        })
    }

    /// True when there is nothing to measure.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty() && self.questions.is_empty()
    }

    /// Every probe, held-out pairs first, then questions (the order of rankings).
    pub fn probes(&self) -> impl Iterator<Item = &Probe> {
        self.pairs.iter().chain(&self.questions)
    }

    /// BM25's figures.
    pub fn bm25(&self) -> Result<Metrics> {
        Ok(self.measure_rankings(&self.bm25_rankings()?))
    }

    /// BM25's top 100 for every probe, through the BM25 retriever agents are served by.
    pub fn bm25_rankings(&self) -> Result<Vec<Ranking>> {
        use crate::retriever::Retriever as _;
        let bm25 = crate::retriever::Bm25(self.bm25.clone());
        self.probes()
            .map(|p| {
                Ok(bm25
                    .search(&p.text, 100)?
                    .into_iter()
                    .map(|h| (h.doc.docid, h.score))
                    .collect())
            })
            .collect()
    }

    /// The encoder's figures.
    pub fn dense(&self, enc: &Encoder, batch: usize) -> Result<Metrics> {
        Ok(self.measure_rankings(&self.dense_rankings(enc, batch)?))
    }

    /// The encoder's top 100 for every probe.
    pub fn dense_rankings(&self, enc: &Encoder, batch: usize) -> Result<Vec<Ranking>> {
        let dim = enc.dim();
        let probes: Vec<&Probe> = self.pairs.iter().chain(&self.questions).collect();
        let texts: Vec<&str> = probes.iter().map(|p| p.text.as_str()).collect();
        let q = enc.encode(&texts, Side::Query, batch)?;
        let rankings: Vec<Ranking> = if self.shortlist {
            let lookup: HashMap<&str, &str> = self
                .docs
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let mut out = Vec::with_capacity(probes.len());
            for (i, p) in probes.iter().enumerate() {
                let mut cand: Vec<(String, String)> = self
                    .bm25
                    .search(&p.text, 100)?
                    .into_iter()
                    .map(|(_, d)| (d.docid.clone(), passage(&d)))
                    .collect();
                let have: HashSet<String> = cand.iter().map(|c| c.0.clone()).collect();
                for r in &p.relevant {
                    if !have.contains(r)
                        && let Some(t) = lookup.get(r.as_str())
                    {
                        cand.push((r.clone(), t.to_string()));
                    }
                }
                let ct: Vec<&str> = cand.iter().map(|c| c.1.as_str()).collect();
                let d = enc.encode(&ct, Side::Passage, batch)?;
                let ids: Vec<&String> = cand.iter().map(|c| &c.0).collect();
                out.push(crate::retriever::top_k(
                    &q[i * dim..(i + 1) * dim],
                    &d,
                    dim,
                    &ids,
                    100,
                ));
            }
            out
        } else {
            let texts: Vec<&str> = self.docs.iter().map(|d| d.1.as_str()).collect();
            let d = enc.encode(&texts, Side::Passage, batch)?;
            let ids: Vec<&String> = self.docs.iter().map(|d| &d.0).collect();
            (0..probes.len())
                .into_par_iter()
                .map(|i| crate::retriever::top_k(&q[i * dim..(i + 1) * dim], &d, dim, &ids, 100))
                .collect()
        };
        Ok(rankings)
    }

    /// Figures from rankings in [`EvalSet::probes`] order.
    pub fn measure_rankings(&self, rankings: &[Ranking]) -> Metrics {
        let ids: Vec<Vec<String>> = rankings
            .iter()
            .map(|r| r.iter().map(|(d, _)| d.clone()).collect())
            .collect();
        let (pairs, questions) = ids.split_at(self.pairs.len().min(ids.len()));
        self.measure(pairs, questions)
    }

    /// Each probe's figures.
    pub fn per_query(&self, rankings: &[Ranking]) -> Vec<PerQuery> {
        self.probes()
            .zip(rankings)
            .enumerate()
            .map(|(i, (p, r))| {
                let ids: Vec<String> = r.iter().map(|(d, _)| d.clone()).collect();
                PerQuery {
                    qid: p.id.clone(),
                    run_id: p.run_id.clone(),
                    kind: if i < self.pairs.len() {
                        "pair"
                    } else {
                        "question"
                    },
                    query: p.text.clone(),
                    relevant: p.relevant.len(),
                    recall_1: recall_at(&ids, &p.relevant, 1),
                    recall_5: recall_at(&ids, &p.relevant, 5),
                    recall_10: recall_at(&ids, &p.relevant, 10),
                    recall_100: recall_at(&ids, &p.relevant, 100),
                    mrr_10: mrr_at(&ids, &p.relevant, 10),
                    ndcg_10: ndcg_at(&ids, &p.relevant, 10),
                }
            })
            .collect()
    }

    /// The rankings as a TREC run (`qid Q0 docid rank score tag`, scores strictly decreasing
    /// within a query, so trec_eval, ir_measures and pytrec_eval order documents as lrat did) and
    /// the judgements they are measured against (`qid 0 docid 1`).
    pub fn write_trec(
        &self,
        rankings: &[Ranking],
        tag: &str,
        run: Option<&std::path::Path>,
        qrels: Option<&std::path::Path>,
    ) -> Result<()> {
        use std::fmt::Write as _;
        let tag: String = tag
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect();
        if let Some(path) = run {
            let mut out = String::new();
            for (p, r) in self.probes().zip(rankings) {
                let mut last = f64::INFINITY;
                for (i, (doc, score)) in r.iter().enumerate() {
                    // Ties would be reordered by the readers (by docid): nudge them apart.
                    let s = f64::from(*score).min(last - 1e-6);
                    last = s;
                    let _ = writeln!(out, "{} Q0 {doc} {} {s:.6} {tag}", p.id, i + 1);
                }
            }
            std::fs::write(path, out).map_err(|e| crate::error::Error::io(path, e))?;
        }
        if let Some(path) = qrels {
            let mut out = String::new();
            for p in self.probes() {
                let mut rel: Vec<&String> = p.relevant.iter().collect();
                rel.sort();
                for d in rel {
                    let _ = writeln!(out, "{} 0 {d} 1", p.id);
                }
            }
            std::fs::write(path, out).map_err(|e| crate::error::Error::io(path, e))?;
        }
        Ok(())
    }

    fn measure(&self, pairs: &[Vec<String>], questions: &[Vec<String>]) -> Metrics {
        let p = |f: Measure| mean(&self.pairs, pairs, f);
        let q = |f: Measure| mean(&self.questions, questions, f);
        Metrics {
            recall_1: p(&|r, rel| recall_at(r, rel, 1)),
            recall_5: p(&|r, rel| recall_at(r, rel, 5)),
            recall_10: p(&|r, rel| recall_at(r, rel, 10)),
            mrr_10: p(&|r, rel| mrr_at(r, rel, 10)),
            ndcg_10: p(&|r, rel| ndcg_at(r, rel, 10)),
            queries: pairs.len(),
            evidence: (!self.questions.is_empty()).then(|| Evidence {
                recall_10: q(&|r, rel| recall_at(r, rel, 10)),
                recall_100: q(&|r, rel| recall_at(r, rel, 100)),
                mrr_10: q(&|r, rel| mrr_at(r, rel, 10)),
                ndcg_10: q(&|r, rel| ndcg_at(r, rel, 10)),
                questions: questions.len(),
            }),
        }
    }
}

/// One ranking measure: (ranked ids, relevant ids) → value.
type Measure<'a> = &'a dyn Fn(&[String], &HashSet<String>) -> f64;

/// The mean of `f` over probes and their rankings (0 when there are none).
fn mean(probes: &[Probe], rankings: &[Vec<String>], f: Measure<'_>) -> f64 {
    let sum: f64 = probes
        .iter()
        .zip(rankings)
        .map(|(p, r)| f(r, &p.relevant))
        .sum();
    sum / rankings.len().max(1) as f64
}

fn index_of(docs: &[(String, String)]) -> Result<DocIndex> {
    let mut b = IndexBuilder::in_memory()?;
    for (id, text) in docs {
        b.add(&Document {
            docid: id.clone(),
            title: None,
            text: text.clone(),
            source: crate::corpus::DocSource::Corpus,
        })?;
    }
    b.commit()
}

/// The top `k` ids by dot product (ties by id), for one query against row-major passages.
pub fn rank(q: &[f32], d: &[f32], dim: usize, ids: &[&String], k: usize) -> Vec<String> {
    crate::retriever::top_k(q, d, dim, ids, k)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Share of the relevant documents in the top `k`.
pub fn recall_at(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let hit = ranked
        .iter()
        .take(k)
        .filter(|d| relevant.contains(*d))
        .count();
    hit as f64 / relevant.len() as f64
}

/// Reciprocal rank of the first relevant document within the top `k` (0 when none).
pub fn mrr_at(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| relevant.contains(d))
        .map(|p| 1.0 / (p + 1) as f64)
        .unwrap_or(0.0)
}

/// Binary-gain nDCG at `k`.
pub fn ndcg_at(ranked: &[String], relevant: &HashSet<String>, k: usize) -> f64 {
    // An empty float sum is −0.0; adding 0.0 makes a ranking with no hit score plain 0.
    let dcg: f64 = 0.0
        + ranked
            .iter()
            .take(k)
            .enumerate()
            .filter(|(_, d)| relevant.contains(*d))
            .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
            .sum::<f64>();
    let ideal: f64 = (0..relevant.len().min(k))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}
