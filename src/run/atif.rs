//! ATIF (Agent Trajectory Interchange Format, Harbor RFC 0001, v1.4–v1.8): one trajectory a
//! record.
//!
//! An agent step becomes, in order: its reasoning (`reasoning_content`, and the message when the
//! step also calls tools), one step a tool call with the observation result that answers it
//! (`source_call_id`, else the next unclaimed result), and the message as the final answer when
//! it is the last agent message without tool calls. System and user steps are kept as other
//! steps (the first user message is the question). Embedded subagent trajectories are read in
//! place of the observation that refers to them. Steps are numbered in that order; files that
//! `lrat convert` wrote carry each step's original number (and what ATIF cannot say) in
//! `extra.lrat`, so they read back to the same run.
//!
//! Search results: `extra.hits` (`[{docid, rank, title, snippet}]`) when present, else
//! `extra.docids` with titles and snippets from the rendered `content`, else the content's
//! text as any search output is read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::lenient;
use super::model::{Answer, Format, Hit, Meta, Other, Run, Search, Source, Step, StepKind};
use super::tools::{self, Args, ToolNames};

#[derive(Debug, Deserialize)]
pub struct AtifDoc {
    schema_version: Value,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    trajectory_id: Option<String>,
    #[serde(default)]
    agent: Option<Agent>,
    #[serde(default)]
    steps: Vec<AtifStep>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    extra: Option<Map<String, Value>>,
    #[serde(default)]
    subagent_trajectories: Vec<AtifDoc>,
}

#[derive(Debug, Deserialize)]
struct Agent {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    model_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AtifStep {
    #[serde(default)]
    step_id: Option<i64>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCall>>,
    #[serde(default)]
    observation: Option<Observation>,
    #[serde(default)]
    extra: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
struct ToolCall {
    #[serde(default)]
    tool_call_id: Option<String>,
    #[serde(default)]
    function_name: String,
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Observation {
    #[serde(default)]
    results: Vec<ObsResult>,
}

#[derive(Debug, Deserialize)]
struct ObsResult {
    #[serde(default)]
    source_call_id: Option<String>,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    subagent_trajectory_ref: Option<Vec<SubRef>>,
    #[serde(default)]
    extra: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
struct SubRef {
    #[serde(default)]
    trajectory_id: Option<String>,
    #[serde(default)]
    trajectory_path: Option<String>,
}

/// Text of a `message` or `content`: a string, text parts joined, or an object's text.
fn text_of(v: Option<&Value>, notes: &mut Notes) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => lenient::text_parts(parts),
        Some(Value::Object(m)) => {
            notes.add("observation content is an object, not a string or content parts");
            match ["text", "content", "output"]
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str))
            {
                Some(t) => t.to_string(),
                None => Value::Object(m.clone()).to_string(),
            }
        }
        Some(other) => other.to_string(),
    }
}

#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, note: impl Into<String>) {
        let n = note.into();
        if !self.0.contains(&n) {
            self.0.push(n);
        }
    }
}

fn hint(extra: &Option<Map<String, Value>>) -> Option<&Map<String, Value>> {
    extra.as_ref()?.get("lrat")?.as_object()
}

fn hint_str(h: Option<&Map<String, Value>>, k: &str) -> Option<String> {
    h?.get(k)?.as_str().map(str::to_string)
}

/// Numbers the steps: a written-back number when it keeps them increasing, else the next one.
struct Counter {
    next: usize,
}

impl Counter {
    fn take(&mut self, hinted: Option<usize>) -> usize {
        let i = match hinted {
            Some(h) if h >= self.next => h,
            _ => self.next,
        };
        self.next = i + 1;
        i
    }
}

struct Builder<'a> {
    names: &'a ToolNames,
    notes: Notes,
    counter: Counter,
    steps: Vec<Step>,
    question: Option<String>,
    subagents: BTreeMap<String, AtifDoc>,
}

pub fn build(raw: AtifDoc, source: Source, fallback_id: String, names: &ToolNames) -> Run {
    let mut notes = Notes::default();
    check_version(&raw.schema_version, &mut notes);
    let mut b = Builder {
        names,
        notes,
        counter: Counter { next: 0 },
        steps: Vec::new(),
        question: None,
        subagents: BTreeMap::new(),
    };
    let run_hint = hint(&raw.extra).cloned();
    let extra = raw.extra.unwrap_or_default();
    for sub in raw.subagent_trajectories {
        let id = sub.trajectory_id.clone().unwrap_or_default();
        b.subagents.insert(id, sub);
    }
    let last_answer = raw.steps.iter().rposition(|s| {
        s.source == "agent"
            && s.tool_calls.as_ref().is_none_or(Vec::is_empty)
            && match &s.message {
                Some(Value::String(t)) => !t.trim().is_empty(),
                Some(Value::Array(a)) => !a.is_empty(),
                Some(Value::Object(_)) => true,
                _ => false,
            }
            && hint_str(hint(&s.extra), "kind").is_none_or(|k| k == "answer")
    });
    check_step_ids(&raw.steps, &mut b.notes);
    for (i, s) in raw.steps.into_iter().enumerate() {
        b.step(s, Some(i) == last_answer, false);
    }
    let mut meta = Meta::default();
    if let Some(a) = raw.agent {
        meta.model = a.model_name;
        if let Some(n) = a.name {
            meta.extra
                .insert("agent".into(), Value::String(n).to_string());
        }
        if let Some(v) = a.version {
            meta.extra
                .insert("agent_version".into(), Value::String(v).to_string());
        }
    }
    if let Some(n) = raw.notes {
        meta.extra
            .insert("notes".into(), Value::String(n).to_string());
    }
    let get = |k: &str| extra.get(k);
    let h = run_hint.as_ref();
    for (k, v) in &extra {
        if k != "lrat" {
            meta.extra.insert(k.clone(), v.to_string());
        }
    }
    if let Some(h) = h {
        meta.retriever = hint_str(Some(h), "retriever");
        meta.k = h.get("k").and_then(Value::as_u64);
        meta.snippet_max_tokens = h.get("snippet_max_tokens").and_then(Value::as_u64);
        if let Some(m) = h.get("meta").and_then(Value::as_object) {
            meta.extra = m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect();
        }
    } else {
        meta.retriever = get("retriever").and_then(lenient::scalar);
    }
    let id = hint_str(h, "id")
        .or_else(|| {
            ["run_id", "query_id", "id"]
                .iter()
                .find_map(|k| get(k).and_then(lenient::scalar))
        })
        .or(raw.session_id)
        .or(raw.trajectory_id)
        .unwrap_or(fallback_id);
    let question = match h {
        Some(h) => h
            .get("question")
            .and_then(Value::as_str)
            .map(str::to_string),
        None => ["question", "query", "task"]
            .iter()
            .find_map(|k| get(k).and_then(Value::as_str).map(str::to_string))
            .or(b.question.take()),
    };
    let gold = ["answers", "answer", "gold", "gold_answers"]
        .iter()
        .find_map(|k| h.and_then(|h| h.get(*k)).or_else(|| get(k)))
        .cloned()
        .map(lenient::answers)
        .unwrap_or_default();
    let final_answer = match h.and_then(|h| h.get("final_answer")) {
        Some(v) => v.as_str().map(str::to_string),
        None => b.steps.iter().rev().find_map(|s| match &s.kind {
            StepKind::Answer(a) => Some(a.text.clone()),
            _ => None,
        }),
    };
    let field = |k: &str| h.and_then(|h| h.get(k)).or_else(|| get(k));
    Run {
        id,
        query_id: String::new(),
        source,
        format: Format::Atif,
        question,
        gold,
        final_answer,
        status: field("status").and_then(lenient::scalar),
        correct: field("correct").and_then(lenient::correctness),
        meta,
        tool_call_counts: h
            .and_then(|h| h.get("tool_call_counts"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                    .collect()
            })
            .unwrap_or_default(),
        retrieved_docids: field("retrieved_docids")
            .filter(|v| !v.is_null())
            .cloned()
            .map(lenient::docid_list),
        steps: b.steps,
        notes: b.notes.0,
        skeleton: None,
    }
}

fn check_version(v: &Value, notes: &mut Notes) {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    let number = text.strip_prefix("ATIF-v").unwrap_or_else(|| {
        notes.add(format!(
            "schema_version {text:?} lacks the \"ATIF-v\" prefix"
        ));
        text.trim_start_matches(['v', 'V'])
    });
    let known = number
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m <= 8);
    if !known {
        notes.add(format!(
            "schema_version {text:?}: read as ATIF v1.8 (this reader knows v1.0–v1.8)"
        ));
    }
}

fn check_step_ids(steps: &[AtifStep], notes: &mut Notes) {
    if steps.first().and_then(|s| s.step_id) == Some(0) {
        notes.add("step_id counts from 0 (ATIF counts from 1)");
    }
    let first = steps.first().and_then(|s| s.step_id).unwrap_or(1);
    if steps
        .iter()
        .enumerate()
        .any(|(i, s)| s.step_id != Some(first + i as i64))
    {
        notes.add("step_id is missing or not sequential");
    }
}

impl Builder<'_> {
    fn push(&mut self, hinted: Option<usize>, kind: StepKind) {
        let index = self.counter.take(hinted);
        self.steps.push(Step { index, kind });
    }

    fn step(&mut self, s: AtifStep, is_answer: bool, in_subagent: bool) {
        let h = hint(&s.extra).cloned();
        let hinted = h
            .as_ref()
            .and_then(|h| h.get("index"))
            .and_then(Value::as_u64)
            .and_then(|i| usize::try_from(i).ok());
        let message = text_of(s.message.as_ref(), &mut self.notes);
        let kind = hint_str(h.as_ref(), "kind");
        if kind.as_deref() == Some("question") {
            self.question = Some(message);
            return;
        }
        if s.source != "agent" {
            let mut output = message;
            for r in s.observation.map(|o| o.results).unwrap_or_default() {
                let t = text_of(r.content.as_ref(), &mut self.notes);
                if !t.is_empty() {
                    if !output.is_empty() {
                        output.push('\n');
                    }
                    output.push_str(&t);
                }
            }
            if s.source == "user" && self.question.is_none() && !in_subagent {
                self.question = Some(output.clone());
            }
            let step_type = hint_str(h.as_ref(), "step_type").unwrap_or_else(|| {
                if s.source.is_empty() {
                    "unknown".into()
                } else {
                    s.source.clone()
                }
            });
            self.push(
                hinted,
                StepKind::Other(Other {
                    step_type,
                    tool: None,
                    arguments: None,
                    output,
                }),
            );
            return;
        }
        let calls = s.tool_calls.unwrap_or_default();
        let mut results: Vec<Option<ObsResult>> = s
            .observation
            .map(|o| o.results.into_iter().map(Some).collect())
            .unwrap_or_default();
        let reasoning = s.reasoning_content.unwrap_or_default();
        if kind.as_deref() == Some("answer") || (kind.is_none() && is_answer && !in_subagent) {
            let thinking = (!reasoning.trim().is_empty()).then_some(reasoning);
            if kind.is_some() {
                // Written by lrat: one step, the thinking kept with the answer.
                self.push(
                    hinted,
                    StepKind::Answer(Answer {
                        text: message,
                        thinking,
                    }),
                );
            } else {
                if let Some(t) = thinking {
                    self.push(None, StepKind::Reasoning { text: t });
                }
                self.push(
                    None,
                    StepKind::Answer(Answer {
                        text: message,
                        thinking: None,
                    }),
                );
            }
            return;
        }
        if kind.as_deref() == Some("other") {
            let output = results
                .iter_mut()
                .find_map(Option::take)
                .map(|r| text_of(r.content.as_ref(), &mut self.notes))
                .unwrap_or(message);
            let call = calls.into_iter().next();
            self.push(
                hinted,
                StepKind::Other(Other {
                    step_type: hint_str(h.as_ref(), "step_type").unwrap_or_else(|| "tool".into()),
                    tool: call.as_ref().map(|c| c.function_name.clone()),
                    arguments: h
                        .as_ref()
                        .and_then(|h| h.get("arguments"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    output,
                }),
            );
            return;
        }
        let mut body = reasoning;
        if !message.trim().is_empty() {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(&message);
        }
        if !body.trim().is_empty() || kind.as_deref() == Some("reasoning") {
            self.push(hinted, StepKind::Reasoning { text: body });
        }
        for call in calls {
            let slot = call
                .tool_call_id
                .as_deref()
                .and_then(|id| {
                    results.iter().position(|r| {
                        r.as_ref()
                            .is_some_and(|r| r.source_call_id.as_deref() == Some(id))
                    })
                })
                .or_else(|| {
                    results
                        .iter()
                        .position(|r| r.as_ref().is_some_and(|r| r.source_call_id.is_none()))
                });
            let result = slot.and_then(|i| results[i].take());
            let kind = self.tool_step(call, result.as_ref(), h.as_ref());
            self.push(hinted, kind);
            if let Some(r) = result {
                self.subagent(r);
            }
        }
        for r in results.into_iter().flatten() {
            if r.subagent_trajectory_ref.is_some() {
                self.subagent(r);
                continue;
            }
            let output = text_of(r.content.as_ref(), &mut self.notes);
            self.push(
                None,
                StepKind::Other(Other {
                    step_type: "observation".into(),
                    tool: None,
                    arguments: None,
                    output,
                }),
            );
        }
    }

    /// Reads an embedded subagent's steps in place of the result that refers to it.
    fn subagent(&mut self, r: ObsResult) {
        for sub in r.subagent_trajectory_ref.unwrap_or_default() {
            let found = sub
                .trajectory_id
                .as_ref()
                .and_then(|id| self.subagents.remove(id));
            let Some(doc) = found else {
                let what = sub
                    .trajectory_id
                    .or(sub.trajectory_path)
                    .unwrap_or_else(|| "?".into());
                self.notes.add(format!(
                    "subagent trajectory {what:?} is not embedded; its steps are not read"
                ));
                continue;
            };
            let id = doc.trajectory_id.clone().unwrap_or_default();
            self.push(
                None,
                StepKind::Other(Other {
                    step_type: "subagent".into(),
                    tool: None,
                    arguments: None,
                    output: format!("subagent trajectory {id}"),
                }),
            );
            for s in doc.steps {
                self.step(s, false, true);
            }
        }
    }

    fn tool_step(
        &mut self,
        call: ToolCall,
        result: Option<&ObsResult>,
        h: Option<&Map<String, Value>>,
    ) -> StepKind {
        let name = call.function_name;
        let args = match call.arguments {
            None | Some(Value::Null) => Args::Missing,
            Some(Value::String(s)) => {
                self.notes
                    .add("tool_call arguments are a JSON string, not an object");
                Args::parse(Some(&s))
            }
            Some(v) => Args::Json(v),
        };
        let output = result
            .map(|r| text_of(r.content.as_ref(), &mut self.notes))
            .unwrap_or_default();
        let extra = result.and_then(|r| r.extra.as_ref());
        // A file lrat wrote says what each call was, whatever tool names this read uses.
        let written = hint_str(h, "kind");
        let is_search = written
            .as_deref()
            .map_or_else(|| self.names.is_search(&name), |k| k == "search");
        let is_browse = written
            .as_deref()
            .map_or_else(|| self.names.is_browse(&name), |k| k == "browse");
        if is_search {
            let mut s = tools::search_from_args(&name, &args, self.names);
            if result.is_none() {
                s.error = Some("no observation result for this call".into());
            } else if !search_from_extra(&mut s, extra, &output) && !output.is_empty() {
                tools::read_search_output(&mut s, &output);
            }
            if let Some(h) = h {
                s.query = hint_str(Some(h), "query");
                s.error = hint_str(Some(h), "error");
                s.arg_problem = hint_str(Some(h), "arg_problem");
            }
            StepKind::Search(s)
        } else if is_browse {
            let mut b = tools::browse_from_args(&name, &args, self.names);
            if result.is_none() {
                b.error = Some("no observation result for this call".into());
            } else if let Some(h) = h {
                b.docid = hint_str(Some(h), "docid");
                b.error = hint_str(Some(h), "error");
                b.arg_problem = hint_str(Some(h), "arg_problem");
                b.text =
                    (b.error.is_none() && h.get("text") != Some(&Value::Null)).then_some(output);
            } else if !output.is_empty() {
                tools::read_browse_output(&mut b, &output);
            }
            StepKind::Browse(b)
        } else {
            StepKind::Other(Other {
                step_type: "tool".into(),
                tool: Some(name),
                arguments: match args {
                    Args::Json(v) => Some(v.to_string()),
                    Args::Invalid { text, .. } => Some(text),
                    Args::Missing => None,
                },
                output,
            })
        }
    }
}

/// Hits from a result's `extra`: `hits` objects, or `docids` (titles and snippets from the
/// rendered content when it lists the same documents). `false` when `extra` has neither.
fn search_from_extra(s: &mut Search, extra: Option<&Map<String, Value>>, output: &str) -> bool {
    let Some(extra) = extra else { return false };
    if let Some(list) = extra.get("hits").and_then(Value::as_array) {
        s.hits = list
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let docid = h.get("docid").and_then(lenient::scalar)?;
                Some(Hit {
                    docid: tools::normalize_docid(&docid),
                    rank: h
                        .get("rank")
                        .and_then(Value::as_u64)
                        .and_then(|r| u32::try_from(r).ok())
                        .unwrap_or(u32::try_from(i + 1).unwrap_or(u32::MAX)),
                    title: h.get("title").and_then(Value::as_str).map(str::to_string),
                    snippet: h
                        .get("snippet")
                        .or_else(|| h.get("text"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                })
            })
            .collect();
        return true;
    }
    if let Some(ids) = extra.get("docids").and_then(Value::as_array) {
        let ids: Vec<String> = ids
            .iter()
            .filter_map(lenient::scalar)
            .map(|d| tools::normalize_docid(&d))
            .collect();
        let parsed = tools::parse_hits(output);
        let aligned =
            parsed.len() == ids.len() && parsed.iter().zip(&ids).all(|(h, d)| &h.docid == d);
        s.hits = if aligned {
            parsed
        } else {
            ids.into_iter()
                .enumerate()
                .map(|(i, docid)| Hit {
                    docid,
                    rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    title: None,
                    snippet: String::new(),
                })
                .collect()
        };
        return true;
    }
    false
}
