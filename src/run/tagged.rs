//! Tool calls written as text, as open-weight agents write them:
//!
//! - Qwen/Hermes chat templates: `<tool_call>{"name": …, "arguments": {…}}</tool_call>` inside
//!   an assistant message, the result back as a user (or tool) message wrapped in
//!   `<tool_response>…</tool_response>`, reasoning in `<think>…</think>`, the final answer in
//!   `<answer>…</answer>`;
//! - Search-R1: `<search>query</search>`, results in `<information>…</information>`, the answer
//!   in `<answer>…</answer>`, as chat messages (one string: [`super::search_r1`]).
//!
//! Both become structured chat messages, which the chat reader then reads like any other.

use serde_json::{Map, Value};

use super::chat_wire::{Function, Message, ToolCall};
use super::lenient::Text;
use super::tools::ToolNames;

/// Every `<tag>…</tag>` body in `text`, and the text with those spans removed. An unclosed tag
/// runs to the end of the text.
fn take_tags(text: &str, tag: &str) -> (Vec<String>, String) {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut bodies = Vec::new();
    let mut rest = String::new();
    let mut t = text;
    while let Some(start) = t.find(&open) {
        rest.push_str(&t[..start]);
        let after = &t[start + open.len()..];
        match after.find(&close) {
            Some(end) => {
                bodies.push(after[..end].trim().to_string());
                t = &after[end + close.len()..];
            }
            None => {
                bodies.push(after.trim().to_string());
                t = "";
            }
        }
    }
    rest.push_str(t);
    (bodies, rest)
}

fn text_content(m: &Message) -> Option<&str> {
    match &m.content {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn call(name: &str, arguments: String) -> ToolCall {
    ToolCall {
        id: None,
        function: Some(Function {
            name: name.to_string(),
            arguments: Some(Text(Some(arguments))),
        }),
    }
}

/// Rewrites tag-written tool calls and results into structured ones; `true` when any were found.
pub(crate) fn normalise(messages: Vec<Message>, names: &ToolNames) -> (Vec<Message>, bool) {
    let search_tool = names.search.first().map_or("search", String::as_str);
    let mut found = false;
    let mut out = Vec::with_capacity(messages.len());
    for mut m in messages {
        let Some(text) = text_content(&m).map(str::to_string) else {
            out.push(m);
            continue;
        };
        match m.role.as_str() {
            "assistant" if m.tool_calls.is_empty() => {
                let (calls, rest) = take_tags(&text, "tool_call");
                let (searches, rest) = take_tags(&rest, "search");
                let (thinks, rest) = take_tags(&rest, "think");
                let (answers, rest) = take_tags(&rest, "answer");
                if calls.is_empty()
                    && searches.is_empty()
                    && thinks.is_empty()
                    && answers.is_empty()
                {
                    out.push(m);
                    continue;
                }
                found = true;
                for c in calls {
                    let (name, args) = match serde_json::from_str::<Value>(&c) {
                        Ok(Value::Object(o)) => {
                            let name = o
                                .get("name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string();
                            let args = match o.get("arguments").or_else(|| o.get("parameters")) {
                                Some(Value::String(s)) => s.clone(),
                                Some(v) => v.to_string(),
                                None => String::new(),
                            };
                            (name, args)
                        }
                        _ => (String::new(), c),
                    };
                    m.tool_calls.push(call(&name, args));
                }
                for q in searches {
                    let mut o = Map::new();
                    o.insert("query".into(), Value::String(q));
                    m.tool_calls
                        .push(call(search_tool, Value::Object(o).to_string()));
                }
                let mut reasoning = m
                    .reasoning_content
                    .take()
                    .and_then(|t| t.0)
                    .unwrap_or_default();
                for t in thinks {
                    if !reasoning.is_empty() {
                        reasoning.push('\n');
                    }
                    reasoning.push_str(&t);
                }
                let rest = rest.trim().to_string();
                let is_answer = !answers.is_empty() && m.tool_calls.is_empty();
                let content = match answers.into_iter().last() {
                    Some(a) if m.tool_calls.is_empty() => {
                        if !rest.is_empty() {
                            if !reasoning.is_empty() {
                                reasoning.push('\n');
                            }
                            reasoning.push_str(&rest);
                        }
                        a
                    }
                    Some(a) => format!("{rest}\n{a}").trim().to_string(),
                    None => rest,
                };
                if is_answer && !reasoning.is_empty() {
                    // The thinking before an answer is reasoning of its own (it is what
                    // follows the last browse), then the answer.
                    out.push(Message {
                        role: "assistant".into(),
                        reasoning_content: Some(Text(Some(reasoning))),
                        ..Message::default()
                    });
                } else {
                    m.reasoning_content = (!reasoning.is_empty()).then_some(Text(Some(reasoning)));
                }
                m.content = Some(Value::String(content));
                out.push(m);
            }
            "user" | "tool" | "function" | "observation" => {
                let (mut bodies, rest) = take_tags(&text, "tool_response");
                let (infos, rest) = take_tags(&rest, "information");
                bodies.extend(infos);
                if bodies.is_empty() {
                    out.push(m);
                    continue;
                }
                found = true;
                if !rest.trim().is_empty() && m.role == "user" {
                    out.push(Message {
                        role: "user".into(),
                        content: Some(Value::String(rest.trim().to_string())),
                        ..Message::default()
                    });
                }
                for b in bodies {
                    out.push(Message {
                        role: "tool".into(),
                        content: Some(Value::String(b)),
                        tool_call_id: None,
                        ..Message::default()
                    });
                }
            }
            _ => out.push(m),
        }
    }
    (out, found)
}
