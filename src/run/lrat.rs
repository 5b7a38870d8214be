//! The LRAT / Tongyi / BrowseComp-Plus run envelope: `query_id`, `query`, `answer`, `status`,
//! `metadata`, `tool_call_counts`, `retrieved_docids`, `result[]`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::lenient::{self, Text};
use super::model::{Answer, Format, Meta, Other, Run, Source, Step, StepKind};
use super::tools::{self, Args, ToolNames};

/// The envelope as read, before steps are interpreted.
#[derive(Debug, Default)]
pub struct RawRun {
    pub query_id: Option<String>,
    pub query: Option<String>,
    pub answer: Vec<String>,
    pub status: Option<String>,
    pub correct: Option<bool>,
    pub metadata: BTreeMap<String, Value>,
    pub tool_call_counts: BTreeMap<String, u64>,
    pub retrieved_docids: Option<Vec<String>>,
    pub result: Option<Vec<RawStep>>,
}

/// One entry of `result[]`.
#[derive(Debug, Default)]
pub struct RawStep {
    pub step_type: String,
    pub tool_name: Option<String>,
    pub arguments: Option<String>,
    pub output: Option<String>,
}

impl<'de> Deserialize<'de> for RawRun {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RunVisitor)
    }
}

struct RunVisitor;

impl<'de> Visitor<'de> for RunVisitor {
    type Value = RawRun;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a run object with a `result` array")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRun, A::Error> {
        let mut r = RawRun::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "query_id" | "id" | "qid" => r.query_id = map.next_value::<Text>()?.0,
                "query" | "question" => r.query = map.next_value::<Text>()?.0,
                "answer" | "answers" | "gold" => {
                    r.answer = lenient::answers(map.next_value::<Value>()?)
                }
                "status" => r.status = map.next_value::<Text>()?.0,
                "correct" | "is_correct" => {
                    r.correct = lenient::correctness(&map.next_value::<Value>()?)
                }
                "metadata" => {
                    if let Value::Object(m) = map.next_value::<Value>()? {
                        r.metadata = m.into_iter().collect();
                    }
                }
                "tool_call_counts" => {
                    if let Value::Object(m) = map.next_value::<Value>()? {
                        r.tool_call_counts = m
                            .into_iter()
                            .filter_map(|(k, v)| v.as_u64().map(|n| (k, n)))
                            .collect();
                    }
                }
                "retrieved_docids" => {
                    r.retrieved_docids = Some(lenient::docid_list(map.next_value::<Value>()?))
                }
                "result" => r.result = Some(map.next_value::<Steps>()?.0),
                other => {
                    let v = map.next_value::<Value>()?;
                    r.metadata.insert(other.to_string(), v);
                }
            }
        }
        Ok(r)
    }
}

struct Steps(Vec<RawStep>);

impl<'de> Deserialize<'de> for Steps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Steps;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of steps")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Steps, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(s) = seq.next_element::<RawStep>()? {
                    out.push(s);
                }
                Ok(Steps(out))
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StepVisitor)
    }
}

struct StepVisitor;

impl StepVisitor {
    /// A step that is not an object is kept, visibly, as an `invalid` step.
    fn invalid(text: String) -> RawStep {
        RawStep {
            step_type: "invalid".into(),
            output: Some(text),
            ..RawStep::default()
        }
    }
}

impl<'de> Visitor<'de> for StepVisitor {
    type Value = RawStep;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a step object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
        let mut s = RawStep::default();
        let mut role = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "type" => s.step_type = map.next_value::<Text>()?.0.unwrap_or_default(),
                "role" => role = map.next_value::<Text>()?.0,
                "tool_name" | "name" => s.tool_name = map.next_value::<Text>()?.0,
                "arguments" => s.arguments = map.next_value::<Text>()?.0,
                "output" | "content" => s.output = map.next_value::<Text>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if s.step_type.is_empty() {
            s.step_type = role.unwrap_or_else(|| "unknown".into());
        }
        Ok(s)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStep, E> {
        Ok(Self::invalid(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawStep, E> {
        Ok(Self::invalid(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawStep, E> {
        Ok(Self::invalid(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawStep, E> {
        Ok(Self::invalid(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawStep, E> {
        Ok(Self::invalid(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawStep, E> {
        Ok(Self::invalid(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawStep, E> {
        Ok(Self::invalid("null".into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawStep, A::Error> {
        let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Self::invalid(v.to_string()))
    }
}

/// Interprets the envelope's steps; `fallback_id` names the run when it has no `query_id`.
pub fn build(
    raw: RawRun,
    source: Source,
    format: Format,
    fallback_id: String,
    tools: &ToolNames,
) -> Run {
    let steps_raw = raw.result.unwrap_or_default();
    let last_text = steps_raw.iter().rposition(|s| s.step_type == "output_text");
    let mut steps = Vec::with_capacity(steps_raw.len());
    let mut final_answer = None;
    for (index, s) in steps_raw.into_iter().enumerate() {
        let kind = match s.step_type.as_str() {
            "reasoning" => StepKind::Reasoning {
                text: s.output.unwrap_or_default(),
            },
            "output_text" if Some(index) == last_text => {
                let text = s.output.unwrap_or_default();
                final_answer = Some(text.clone());
                StepKind::Answer(Answer {
                    text,
                    thinking: None,
                })
            }
            "tool_call" => tool_step(s, tools),
            _ => other(s),
        };
        steps.push(Step { index, kind });
    }
    let mut meta = Meta::default();
    for (k, v) in raw.metadata {
        match k.as_str() {
            "model" => meta.model = lenient::scalar(&v),
            "searcher_type" | "retriever" => meta.retriever = lenient::scalar(&v),
            "k" => meta.k = v.as_u64(),
            "snippet_max_tokens" => meta.snippet_max_tokens = v.as_u64(),
            _ => {
                meta.extra.insert(k, v.to_string());
            }
        }
    }
    Run {
        id: raw.query_id.unwrap_or(fallback_id),
        query_id: String::new(),
        source,
        format,
        question: raw.query,
        gold: raw.answer,
        final_answer,
        status: raw.status,
        correct: raw.correct,
        meta,
        tool_call_counts: raw.tool_call_counts,
        retrieved_docids: raw.retrieved_docids,
        steps,
        notes: Vec::new(),
        skeleton: None,
    }
}

fn tool_step(s: RawStep, tools: &ToolNames) -> StepKind {
    let name = s.tool_name.as_deref().unwrap_or("");
    if tools.is_search(name) {
        let mut search = tools::search_from_args(name, &Args::parse(s.arguments.as_deref()), tools);
        tools::read_search_output(&mut search, s.output.as_deref().unwrap_or(""));
        StepKind::Search(search)
    } else if tools.is_browse(name) {
        let mut browse = tools::browse_from_args(name, &Args::parse(s.arguments.as_deref()), tools);
        tools::read_browse_output(&mut browse, s.output.as_deref().unwrap_or(""));
        StepKind::Browse(browse)
    } else {
        other(s)
    }
}

fn other(s: RawStep) -> StepKind {
    StepKind::Other(Other {
        step_type: s.step_type,
        tool: s.tool_name,
        arguments: s.arguments,
        output: s.output.unwrap_or_default(),
    })
}
