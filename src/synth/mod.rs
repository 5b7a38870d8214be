//! The trajectory simulator: a world with known ground truth, a scripted agent searching it, and
//! its runs written in the LRAT run format — sample data, data at scale, and the truth to check
//! LRAT's signals against.

pub mod agent;
mod language;
pub mod paraphrase;
pub mod report;
pub mod world;

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde_json::json;

use crate::rng::Rng;
pub use agent::{Knobs, Truth};
use world::World;

use crate::corpus::{DocSource, Document, IndexBuilder};
use crate::error::Error;
use crate::retriever::{self, Choice, Served};

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub runs: usize,
    pub docs: usize,
    pub browses: usize,
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(p, e)
}

/// What a simulated data set was made with, kept beside it in `synth.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub runs: usize,
    pub docs: usize,
    pub seed: u64,
    pub knobs: Knobs,
    /// The world's question the first run asks (runs ask `first_question..first_question+runs`).
    #[serde(default)]
    pub first_question: usize,
    /// The retriever the agent searched with.
    #[serde(default = "Served::bm25")]
    pub retriever: Served,
    /// The world's questions the runs ask, when they are not `first_question..+runs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<usize>>,
}

impl Settings {
    pub const FILE: &'static str = "synth.json";

    /// The settings written beside a data set; `None` when there is no `synth.json`.
    pub fn read(dir: &Path) -> Result<Option<Settings>, Error> {
        let p = dir.join(Self::FILE);
        match std::fs::read_to_string(&p) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::Input(crate::error::InputError::from_json(&p, 1, &e))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
    }
}

/// Which of the world's questions the runs ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Questions {
    /// `runs` questions from `first`.
    Range { first: usize, runs: usize },
    /// Exactly these (a held-out set re-run with another retriever).
    List(Vec<usize>),
}

impl Questions {
    /// The question numbers, in order.
    pub fn numbers(&self) -> Vec<usize> {
        match self {
            Questions::Range { first, runs } => (*first..first + runs).collect(),
            Questions::List(l) => l.clone(),
        }
    }
}

/// What to simulate: a world (`docs`, `seed`), which of its questions, how the agent behaves,
/// and which retriever serves its searches.
#[derive(Debug, Clone)]
pub struct Plan {
    pub docs: usize,
    pub seed: u64,
    pub knobs: Knobs,
    pub questions: Questions,
    pub retriever: Choice,
    /// Where a dense retriever keeps the world's document embeddings (default: `OUT/.lrat/dense`).
    pub embeddings: Option<std::path::PathBuf>,
}

impl Plan {
    /// `runs` questions from the first, searched with BM25.
    pub fn bm25(runs: usize, docs: usize, seed: u64, knobs: &Knobs) -> Plan {
        Plan {
            docs,
            seed,
            knobs: *knobs,
            questions: Questions::Range { first: 0, runs },
            retriever: Choice::Bm25,
            embeddings: None,
        }
    }
}

/// Writes `corpus.jsonl`, `questions.jsonl`, `qrels.txt`, `truth.jsonl`, `synth.json` and `runs/`
/// into `out`, the same for the same seed and knobs, searched with BM25.
pub fn generate(
    out: &Path,
    runs: usize,
    docs: usize,
    seed: u64,
    knobs: &Knobs,
) -> Result<Written, Error> {
    generate_with(out, &Plan::bm25(runs, docs, seed, knobs), &mut |_, _| {})
}

/// [`generate`] for any plan; `progress` hears (done, total) documents while a dense
/// retriever embeds the world's corpus the first time.
pub fn generate_with(
    out: &Path,
    plan: &Plan,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Written, Error> {
    plan.retriever.check()?;
    let numbers = plan.questions.numbers();
    let (runs, docs, seed, knobs) = (numbers.len(), plan.docs, plan.seed, &plan.knobs);
    let rng = Rng::new(seed);
    let world = World::generate(docs, &rng);
    std::fs::create_dir_all(out.join("runs")).map_err(io(out))?;
    let corpus = out.join("corpus.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&corpus).map_err(io(&corpus))?);
    let mut builder = IndexBuilder::in_memory()?;
    for d in &world.docs {
        writeln!(
            w,
            "{}",
            json!({"docid": d.docid, "title": d.title, "text": d.text})
        )
        .map_err(io(&corpus))?;
        builder.add(&Document {
            docid: d.docid.clone(),
            title: Some(d.title.clone()),
            text: d.text.clone(),
            source: DocSource::Corpus,
        })?;
    }
    w.flush().map_err(io(&corpus))?;
    let index = builder.commit()?;
    let cache = plan
        .embeddings
        .clone()
        .unwrap_or_else(|| out.join(".lrat").join("dense"));
    let searcher = retriever::open(
        &plan.retriever,
        &index,
        Some(&cache),
        retriever::OnStale::Recompute,
        progress,
    )?;
    let questions: Vec<world::Question> = numbers
        .iter()
        .map(|&i| world.question(i, &rng, knobs.obfuscation))
        .collect();
    let results: Vec<Result<(String, Vec<Truth>), Error>> = questions
        .par_iter()
        .map(|q| {
            let (run, truth) = agent::simulate(&world, q, searcher.as_ref(), knobs, &rng)?;
            let path = out.join("runs").join(format!("{}.json", q.id));
            std::fs::write(&path, serde_json::to_string_pretty(&run)?).map_err(io(&path))?;
            Ok((q.id.clone(), truth))
        })
        .collect();
    let mut truth = Vec::new();
    for r in results {
        truth.extend(r?.1);
    }
    let write_lines = |name: &str, lines: &mut dyn Iterator<Item = String>| -> Result<(), Error> {
        let p = out.join(name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).map_err(io(&p))?);
        for l in lines {
            writeln!(f, "{l}").map_err(io(&p))?;
        }
        f.flush().map_err(io(&p))
    };
    write_lines(
        "questions.jsonl",
        &mut questions
            .iter()
            .map(|q| json!({"query_id": q.id, "query": q.text, "answer": q.answer}).to_string()),
    )?;
    let world_ref = &world;
    let qrels: Vec<String> = questions
        .iter()
        .flat_map(|q| {
            q.chain.iter().map(move |&e| {
                format!(
                    "{} 0 {} 1",
                    q.id, world_ref.docs[world_ref.entities[e].doc].docid
                )
            })
        })
        .collect();
    write_lines("qrels.txt", &mut qrels.into_iter())?;
    let settings = Settings {
        runs,
        docs,
        seed,
        knobs: *knobs,
        first_question: numbers.first().copied().unwrap_or(0),
        retriever: searcher.served(),
        questions: match &plan.questions {
            Questions::Range { .. } => None,
            Questions::List(l) => Some(l.clone()),
        },
    };
    let p = out.join(Settings::FILE);
    std::fs::write(&p, serde_json::to_string_pretty(&settings)? + "\n").map_err(io(&p))?;
    let browses = truth.len();
    write_lines(
        "truth.jsonl",
        &mut truth.iter().filter_map(|t| serde_json::to_string(t).ok()),
    )?;
    Ok(Written {
        runs,
        docs: world.docs.len(),
        browses,
    })
}
