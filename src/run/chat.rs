//! OpenAI-style chat logs: `messages` with `tool_calls` and `tool` replies.
//!
//! A tool step is keyed by the index of its `tool` reply message; an assistant message's text
//! is keyed by the assistant message. A call that never got a reply is kept on its assistant
//! message (as the step when the message has no text, else as a line of that text).

use std::collections::BTreeMap;

use serde_json::Value;

use super::chat_wire::{ChatRun, Function};
use super::lenient;
use super::model::{Answer, Format, Meta, Other, Run, Source, Step, StepKind};
use super::tools::{self, Args, ToolNames};

/// Text of a message's `content`: a string, or a list of parts with `text`.
fn content_text(v: &Option<Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => lenient::text_parts(parts),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

struct Pending {
    id: Option<String>,
    name: String,
    arguments: Option<String>,
    at: usize,
}

pub fn build(raw: ChatRun, source: Source, fallback_id: String, names: &ToolNames) -> Run {
    let mut raw = raw;
    let (messages, _tagged) = super::tagged::normalise(std::mem::take(&mut raw.messages), names);
    raw.messages = messages;
    let last_answer = raw
        .messages
        .iter()
        .rposition(|m| m.role == "assistant" && m.tool_calls.is_empty());
    let mut question = raw.question;
    let mut steps: Vec<Step> = Vec::with_capacity(raw.messages.len());
    let mut pending: Vec<Pending> = Vec::new();
    let mut final_answer = None;
    for (index, m) in raw.messages.into_iter().enumerate() {
        let text = content_text(&m.content);
        match m.role.as_str() {
            "assistant" => {
                let mut body = m.reasoning_content.and_then(|t| t.0).unwrap_or_default();
                for call in m.tool_calls {
                    let f = call.function.unwrap_or(Function {
                        name: String::new(),
                        arguments: None,
                    });
                    pending.push(Pending {
                        id: call.id,
                        name: f.name,
                        arguments: f.arguments.and_then(|t| t.0),
                        at: index,
                    });
                }
                if Some(index) == last_answer && !text.trim().is_empty() {
                    final_answer = Some(text.clone());
                    let thinking = (!body.trim().is_empty()).then_some(body);
                    steps.push(Step {
                        index,
                        kind: StepKind::Answer(Answer { text, thinking }),
                    });
                } else {
                    if !text.trim().is_empty() {
                        if !body.is_empty() {
                            body.push('\n');
                        }
                        body.push_str(&text);
                    }
                    if !body.trim().is_empty() {
                        steps.push(Step {
                            index,
                            kind: StepKind::Reasoning { text: body },
                        });
                    }
                }
            }
            "tool" | "function" => {
                let slot = match &m.tool_call_id {
                    Some(id) => pending.iter().position(|p| p.id.as_deref() == Some(id)),
                    None => None,
                }
                .or_else(|| (!pending.is_empty()).then_some(0));
                let call = slot.map(|i| pending.remove(i));
                let (name, arguments) = match call {
                    Some(c) => (c.name, c.arguments),
                    None => (m.name.clone().unwrap_or_default(), None),
                };
                steps.push(Step {
                    index,
                    kind: tool_kind(&name, arguments, &text, names),
                });
            }
            role => {
                if role == "user" && question.is_none() {
                    question = Some(text.clone());
                }
                steps.push(Step {
                    index,
                    kind: StepKind::Other(Other {
                        step_type: if role.is_empty() {
                            "unknown".into()
                        } else {
                            role.into()
                        },
                        tool: m.name,
                        arguments: None,
                        output: text,
                    }),
                });
            }
        }
    }
    for p in pending {
        let note = format!(
            "[call without a reply: {}({})]",
            p.name,
            p.arguments.as_deref().unwrap_or("")
        );
        match steps.iter_mut().find(|s| s.index == p.at) {
            Some(Step {
                kind: StepKind::Reasoning { text },
                ..
            }) => {
                text.push('\n');
                text.push_str(&note);
            }
            Some(_) => {}
            None => {
                let mut kind = tool_kind(&p.name, p.arguments, "", names);
                match &mut kind {
                    StepKind::Search(s) => s.error = Some("no tool reply in the log".into()),
                    StepKind::Browse(b) => b.error = Some("no tool reply in the log".into()),
                    _ => {}
                }
                steps.push(Step { index: p.at, kind });
            }
        }
    }
    steps.sort_by_key(|s| s.index);
    let mut meta = Meta {
        model: raw.model,
        ..Meta::default()
    };
    for (k, v) in raw.metadata {
        meta.extra.insert(k, v.to_string());
    }
    Run {
        id: raw.id.and_then(|t| t.0).unwrap_or(fallback_id),
        query_id: String::new(),
        source,
        format: Format::Chat,
        question,
        gold: raw.answer.map(lenient::answers).unwrap_or_default(),
        final_answer,
        status: raw.status,
        correct: raw.correct.as_ref().and_then(lenient::correctness),
        meta,
        tool_call_counts: BTreeMap::new(),
        retrieved_docids: None,
        steps,
        notes: Vec::new(),
        skeleton: None,
    }
}

fn tool_kind(name: &str, arguments: Option<String>, output: &str, names: &ToolNames) -> StepKind {
    if names.is_search(name) {
        let mut s = tools::search_from_args(name, &Args::parse(arguments.as_deref()), names);
        if !output.is_empty() {
            tools::read_search_output(&mut s, output);
        }
        StepKind::Search(s)
    } else if names.is_browse(name) {
        let mut b = tools::browse_from_args(name, &Args::parse(arguments.as_deref()), names);
        if !output.is_empty() {
            tools::read_browse_output(&mut b, output);
        }
        StepKind::Browse(b)
    } else {
        StepKind::Other(Other {
            step_type: "tool".into(),
            tool: Some(name.to_string()),
            arguments,
            output: output.to_string(),
        })
    }
}
