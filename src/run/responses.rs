//! OpenAI Responses API items, as agents built on that API log them: `message` items (text in
//! `input_text`/`output_text` parts), `reasoning` items (their `summary` texts), `function_call`
//! (`name`, `arguments`, `call_id`) and `function_call_output` (`call_id`, `output`). A list of
//! items, or an object holding them as `input`, `items` and `output` (in that order). Read
//! through the chat reader: a call is keyed by the item that answered it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::chat;
use super::chat_wire::{ChatRun, Function, Message, ToolCall};
use super::detect::responses_items;
use super::lenient::{self, Text};
use super::model::{Format, Run, Source};
use super::tools::ToolNames;

fn parts_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => lenient::text_parts(parts),
        _ => String::new(),
    }
}

pub fn build(
    raw: Value,
    source: Source,
    fallback_id: String,
    names: &ToolNames,
) -> Result<Run, String> {
    let Some(items) = responses_items(&raw) else {
        return Err(
            "expected Responses API items (`function_call`, `function_call_output`, `message`)"
                .into(),
        );
    };
    let mut messages: Vec<Message> = Vec::with_capacity(items.len());
    for item in items {
        let ty = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("message");
        let m = match ty {
            "message" => Message {
                role: item
                    .get("role")
                    .and_then(Value::as_str)
                    .unwrap_or("assistant")
                    .to_string(),
                content: Some(Value::String(parts_text(item.get("content")))),
                ..Message::default()
            },
            "reasoning" => {
                let mut text = parts_text(item.get("summary"));
                let content = parts_text(item.get("content"));
                if !content.is_empty() {
                    if !text.is_empty() {
                        text.push('\n');
                    }
                    text.push_str(&content);
                }
                Message {
                    role: "assistant".into(),
                    reasoning_content: Some(Text(Some(text))),
                    ..Message::default()
                }
            }
            "function_call" => Message {
                role: "assistant".into(),
                tool_calls: vec![ToolCall {
                    id: item
                        .get("call_id")
                        .or_else(|| item.get("id"))
                        .and_then(lenient::scalar),
                    function: Some(Function {
                        name: item
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        arguments: Some(Text(item.get("arguments").map(|a| match a {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }))),
                    }),
                }],
                ..Message::default()
            },
            "function_call_output" => Message {
                role: "tool".into(),
                tool_call_id: item.get("call_id").and_then(lenient::scalar),
                content: Some(Value::String(match item.get("output") {
                    Some(Value::String(s)) => s.clone(),
                    Some(v @ Value::Array(_)) => parts_text(Some(v)),
                    Some(v) => v.to_string(),
                    None => String::new(),
                })),
                ..Message::default()
            },
            other => Message {
                role: other.to_string(),
                content: Some(Value::String(item.to_string())),
                ..Message::default()
            },
        };
        messages.push(m);
    }
    let obj = raw.as_object();
    let get = |k: &str| obj.and_then(|o| o.get(k));
    let mut metadata = BTreeMap::new();
    if let Some(o) = obj {
        for (k, v) in o {
            if ![
                "input", "items", "output", "id", "run_id", "question", "answer", "answers",
                "correct", "model", "status",
            ]
            .contains(&k.as_str())
            {
                metadata.insert(k.clone(), v.clone());
            }
        }
    }
    let chat_run = ChatRun {
        id: ["run_id", "id"]
            .iter()
            .find_map(|k| get(k))
            .and_then(lenient::scalar)
            .map(|s| Text(Some(s))),
        question: get("question").and_then(Value::as_str).map(str::to_string),
        answer: get("answers").or_else(|| get("answer")).cloned(),
        correct: get("correct").cloned(),
        status: get("status").and_then(Value::as_str).map(str::to_string),
        model: get("model").and_then(Value::as_str).map(str::to_string),
        metadata,
        messages,
    };
    let mut run = chat::build(chat_run, source, fallback_id, names);
    run.format = Format::Responses;
    Ok(run)
}
