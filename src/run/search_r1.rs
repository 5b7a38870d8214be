//! Search-R1 records: a question and the whole rollout as one string (`<search>` …
//! `<information>` … `<answer>`), turned into chat messages and read by the chat reader.

use serde_json::Value;

use super::chat;
use super::chat_wire::{ChatRun, Message};
use super::lenient::Text;
use super::model::{Format, Run, Source};
use super::tools::ToolNames;

const ROLLOUT_KEYS: [&str; 6] = [
    "output",
    "response",
    "prediction",
    "trajectory",
    "text",
    "completion",
];

const QUESTION_KEYS: [&str; 4] = ["question", "query", "prompt", "input"];
const ID_KEYS: [&str; 4] = ["id", "run_id", "query_id", "qid"];

/// One Search-R1 record: a question and the whole rollout as one string (`output`, `response`,
/// `prediction`, `trajectory` or `text`), with `golden_answers`.
pub fn build(
    raw: Value,
    source: Source,
    fallback_id: String,
    names: &ToolNames,
) -> Result<Run, String> {
    let Value::Object(mut o) = raw else {
        return Err("expected a JSON object".into());
    };
    let tagged = |v: &Value| {
        v.as_str()
            .is_some_and(|t| t.contains("<search>") || t.contains("<tool_call>"))
    };
    let rollout_key = ROLLOUT_KEYS
        .iter()
        .find(|k| o.get(**k).is_some_and(tagged))
        .map(|k| k.to_string())
        .or_else(|| o.iter().find(|(_, v)| tagged(v)).map(|(k, _)| k.clone()))
        .or_else(|| {
            ROLLOUT_KEYS
                .iter()
                .find(|k| o.get(**k).is_some_and(Value::is_string))
                .map(|k| k.to_string())
        });
    let Some(rollout_key) = rollout_key else {
        return Err(
            "no rollout text: expected `output` or `response` holding `<search>` tags".into(),
        );
    };
    let rollout = o
        .remove(&rollout_key)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let question = QUESTION_KEYS
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string));
    let mut messages = Vec::new();
    if let Some(q) = &question {
        messages.push(Message {
            role: "user".into(),
            content: Some(Value::String(q.clone())),
            ..Message::default()
        });
    }
    // Split the rollout into the agent's turns and the results the environment inserted.
    let mut t = rollout.as_str();
    loop {
        let next = ["<information>", "<tool_response>"]
            .iter()
            .filter_map(|tag| t.find(tag).map(|i| (i, *tag)))
            .min();
        let Some((start, tag)) = next else {
            if !t.trim().is_empty() {
                messages.push(assistant(t));
            }
            break;
        };
        if !t[..start].trim().is_empty() {
            messages.push(assistant(&t[..start]));
        }
        let close = tag.replace('<', "</");
        let end = t[start..]
            .find(&close)
            .map_or(t.len(), |e| start + e + close.len());
        messages.push(Message {
            role: "user".into(),
            content: Some(Value::String(t[start..end].to_string())),
            ..Message::default()
        });
        t = &t[end..];
    }
    let id = ID_KEYS
        .iter()
        .find_map(|k| o.get(*k).and_then(super::lenient::scalar));
    let gold = ["golden_answers", "answers", "answer", "gold"]
        .iter()
        .find_map(|k| o.remove(*k));
    let correct = o.remove("correct");
    let mut metadata = std::collections::BTreeMap::new();
    for (k, v) in o {
        if !QUESTION_KEYS.contains(&k.as_str()) && !ID_KEYS.contains(&k.as_str()) {
            metadata.insert(k, v);
        }
    }
    let chat_run = ChatRun {
        id: id.map(|s| Text(Some(s))),
        question,
        answer: gold,
        correct,
        metadata,
        messages,
        ..ChatRun::default()
    };
    let mut run = chat::build(chat_run, source, fallback_id, names);
    run.format = Format::SearchR1;
    Ok(run)
}

fn assistant(text: &str) -> Message {
    Message {
        role: "assistant".into(),
        content: Some(Value::String(text.trim().to_string())),
        ..Message::default()
    }
}
