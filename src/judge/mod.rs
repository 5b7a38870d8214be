//! Judges: whether the reasoning after a browse used the page or rejected it (an offline
//! heuristic, or an OpenAI-compatible LLM), and whether a run's final answer is correct.

pub mod answer;
mod cache;
pub mod heuristic;
pub mod llm;
mod logprobs;
mod verdict_text;

pub use cache::Cache;

use serde::Serialize;

use crate::run::{Run, StepKind};

/// What a browse judge reads.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowseInput {
    pub run_id: String,
    pub step: usize,
    pub docid: String,
    pub question: String,
    /// The reasoning right after the browse ("" when none).
    pub reasoning: String,
    /// The document text the agent saw, when known.
    pub document: Option<String>,
}

/// Every successful browse of the runs, in order.
pub fn browse_inputs(runs: &[Run]) -> Vec<BrowseInput> {
    let mut out = Vec::new();
    for r in runs {
        for (index, docid, text) in judged_browses(r) {
            out.push(BrowseInput {
                run_id: r.id.clone(),
                step: index,
                docid: docid.to_string(),
                question: r.question.clone().unwrap_or_default(),
                reasoning: r.reasoning_after(index).to_string(),
                document: text.map(str::to_string),
            });
        }
    }
    out
}

/// The browses a judge looks at in `run` (those that opened a document without an error):
/// (step index, docid, the text the agent saw).
pub fn judged_browses(run: &Run) -> impl Iterator<Item = (usize, &str, Option<&str>)> {
    run.steps.iter().filter_map(|s| match &s.kind {
        StepKind::Browse(b) => b.succeeded().map(|d| (s.index, d, b.text.as_deref())),
        _ => None,
    })
}

pub use crate::verdict::Judgement;

/// A browse no call could judge: reported, shown, never turned into a label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pending {
    pub run_id: String,
    pub step: usize,
    pub docid: String,
    pub reason: String,
}

/// What judging one browse gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Judged { judgement: Judgement, cached: bool },
    Pending(Pending),
}
