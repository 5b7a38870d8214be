//! lrat's own JSON-lines run schema (documented in README): one run a line, steps typed by `type`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::lenient::Text;
use super::model::{Answer, Browse, Format, Hit, Meta, Other, Run, Search, Source, Step, StepKind};
use super::tools::normalize_docid;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeRun {
    #[serde(default)]
    run_id: Option<Text>,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    answers: Vec<String>,
    #[serde(default)]
    final_answer: Option<String>,
    #[serde(default)]
    correct: Option<bool>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    retriever: Option<String>,
    #[serde(default)]
    k: Option<u64>,
    #[serde(default)]
    meta: BTreeMap<String, Value>,
    #[serde(default)]
    retrieved_docids: Option<Vec<Text>>,
    steps: Vec<NativeStep>,
}

#[derive(Debug, Deserialize)]
struct NativeHit {
    docid: Text,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    snippet: String,
}

#[derive(Debug, Deserialize)]
struct NativeStep {
    /// The step's number when it is not its position (runs converted from chat logs).
    #[serde(default)]
    index: Option<usize>,
    #[serde(rename = "type")]
    step_type: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    queries: Vec<String>,
    #[serde(default)]
    hits: Vec<NativeHit>,
    #[serde(default)]
    docid: Option<Text>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    arguments: Option<Text>,
    #[serde(default)]
    output: Option<Text>,
}

pub fn build(raw: NativeRun, source: Source, fallback_id: String) -> Run {
    // Written numbers are used when every step has one and they increase.
    let numbered = !raw.steps.is_empty()
        && raw.steps.iter().all(|s| s.index.is_some())
        && raw.steps.windows(2).all(|w| w[0].index < w[1].index);
    let steps: Vec<Step> = raw
        .steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| Step {
            index: if numbered { s.index.unwrap_or(i) } else { i },
            kind: step(s),
        })
        .collect();
    let final_answer = raw.final_answer.or_else(|| {
        steps.iter().rev().find_map(|s| match &s.kind {
            StepKind::Answer(a) => Some(a.text.clone()),
            _ => None,
        })
    });
    let mut meta = Meta {
        model: raw.agent,
        retriever: raw.retriever,
        k: raw.k,
        ..Meta::default()
    };
    for (k, v) in raw.meta {
        meta.extra.insert(k, v.to_string());
    }
    Run {
        id: raw.run_id.and_then(|t| t.0).unwrap_or(fallback_id),
        query_id: String::new(),
        source,
        format: Format::Native,
        question: raw.question,
        gold: raw.answers,
        final_answer,
        status: raw.status,
        correct: raw.correct,
        meta,
        tool_call_counts: BTreeMap::new(),
        retrieved_docids: raw.retrieved_docids.map(|v| {
            v.into_iter()
                .filter_map(|t| t.0)
                .map(|s| normalize_docid(&s))
                .collect()
        }),
        steps,
        notes: Vec::new(),
        skeleton: None,
    }
}

fn step(s: NativeStep) -> StepKind {
    match s.step_type.as_str() {
        "reasoning" => StepKind::Reasoning {
            text: s.text.unwrap_or_default(),
        },
        "answer" => StepKind::Answer(Answer {
            text: s.text.unwrap_or_default(),
            thinking: None,
        }),
        "search" => {
            let mut queries = s.queries;
            if let Some(q) = &s.query
                && !queries.contains(q)
            {
                queries.insert(0, q.clone());
            }
            let hits = s
                .hits
                .into_iter()
                .enumerate()
                .filter_map(|(i, h)| {
                    Some(Hit {
                        docid: normalize_docid(&h.docid.0?),
                        rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        title: h.title,
                        snippet: h.snippet,
                    })
                })
                .collect();
            StepKind::Search(Search {
                tool: s.tool.unwrap_or_else(|| "search".into()),
                query: s.query.or_else(|| queries.first().cloned()),
                queries,
                hits,
                error: s.error,
                arg_problem: None,
            })
        }
        "browse" => {
            let docid = s.docid.and_then(|t| t.0).map(|d| normalize_docid(&d));
            let arg_problem = docid
                .is_none()
                .then(|| "the browse names no docid".to_string());
            StepKind::Browse(Browse {
                tool: s.tool.unwrap_or_else(|| "browse".into()),
                docid,
                text: s.text,
                error: s.error,
                arg_problem,
            })
        }
        _ => StepKind::Other(Other {
            step_type: s.step_type,
            tool: s.tool,
            arguments: s.arguments.and_then(|t| t.0),
            output: s.output.and_then(|t| t.0).or(s.text).unwrap_or_default(),
        }),
    }
}
