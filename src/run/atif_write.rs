//! Writing a run as ATIF v1.8 (`lrat convert --to atif`): one lrat step an ATIF step, a
//! search's hits as rendered text in the observation's `content` with `extra.docids` and
//! `extra.hits`, a browse as a `get_document`-style call. What ATIF has no field for (the step's
//! number, a failed call's problem, gold answers, correctness…) goes in `extra.lrat`, so the
//! file reads back to the same run.

use serde_json::{Map, Value, json};

use super::model::{Run, StepKind};

pub const SCHEMA_VERSION: &str = "ATIF-v1.8";

fn rendered_hits(s: &super::model::Search) -> String {
    let mut out = String::new();
    for h in &s.hits {
        out.push_str(&format!("DocID: {}\n", h.docid));
        if let Some(t) = &h.title {
            out.push_str(&format!("[{t}]\n"));
        }
        out.push_str(&h.snippet);
        out.push_str("\n\n");
    }
    out.trim_end().to_string()
}

/// Parsed arguments as an ATIF object (a non-object is kept under `raw`).
fn arguments_object(raw: Option<&str>) -> Value {
    match raw.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(m))) => Value::Object(m),
        Some(_) => json!({"raw": raw.unwrap_or_default()}),
        None => json!({}),
    }
}

pub fn to_atif(run: &Run) -> Value {
    let mut steps: Vec<Value> = Vec::new();
    let mut push = |mut step: Map<String, Value>, lrat: Value| {
        step.insert("step_id".into(), json!(steps.len() + 1));
        step.insert("extra".into(), json!({ "lrat": lrat }));
        steps.push(Value::Object(step));
    };
    let obj = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let asks_question = run
        .steps
        .iter()
        .any(|s| matches!(&s.kind, StepKind::Other(o) if o.step_type == "user"));
    if let Some(q) = &run.question
        && !asks_question
    {
        push(
            obj(json!({"source": "user", "message": q})),
            json!({"kind": "question"}),
        );
    }
    for s in &run.steps {
        let id = format!("call_{}", s.index);
        match &s.kind {
            StepKind::Reasoning { text } => push(
                obj(json!({"source": "agent", "message": "", "reasoning_content": text})),
                json!({"index": s.index, "kind": "reasoning"}),
            ),
            StepKind::Search(x) => {
                let query = if x.queries.len() == 1 {
                    json!(x.queries[0])
                } else {
                    json!(x.queries)
                };
                let content = x.error.clone().unwrap_or_else(|| rendered_hits(x));
                let hits: Vec<Value> = x
                    .hits
                    .iter()
                    .map(|h| json!({"docid": h.docid, "rank": h.rank, "title": h.title, "snippet": h.snippet}))
                    .collect();
                let docids: Vec<&str> = x.hits.iter().map(|h| h.docid.as_str()).collect();
                push(
                    obj(json!({
                        "source": "agent",
                        "message": "",
                        "tool_calls": [{"tool_call_id": id, "function_name": x.tool, "arguments": {"query": query}}],
                        "observation": {"results": [{"source_call_id": id, "content": content, "extra": {"docids": docids, "hits": hits}}]},
                    })),
                    json!({"index": s.index, "kind": "search", "query": x.query, "error": x.error, "arg_problem": x.arg_problem}),
                );
            }
            StepKind::Browse(b) => {
                let args = match &b.docid {
                    Some(d) => json!({"docid": d}),
                    None => json!({}),
                };
                let content = b
                    .error
                    .clone()
                    .or_else(|| b.text.clone())
                    .unwrap_or_default();
                push(
                    obj(json!({
                        "source": "agent",
                        "message": "",
                        "tool_calls": [{"tool_call_id": id, "function_name": b.tool, "arguments": args}],
                        "observation": {"results": [{"source_call_id": id, "content": content}]},
                    })),
                    json!({"index": s.index, "kind": "browse", "docid": b.docid, "error": b.error, "arg_problem": b.arg_problem, "text": b.text.as_ref().map(|_| true)}),
                );
            }
            StepKind::Answer(a) => {
                let mut step = obj(json!({"source": "agent", "message": a.text}));
                if let Some(t) = &a.thinking {
                    step.insert("reasoning_content".into(), json!(t));
                }
                push(step, json!({"index": s.index, "kind": "answer"}));
            }
            StepKind::Other(o) => {
                let lrat = json!({"index": s.index, "kind": "other", "step_type": o.step_type, "arguments": o.arguments});
                let step = match (&o.tool, o.step_type.as_str()) {
                    (None, "user" | "system") => {
                        obj(json!({"source": o.step_type, "message": o.output}))
                    }
                    (None, _) => obj(json!({"source": "agent", "message": o.output})),
                    (Some(tool), _) => obj(json!({
                        "source": "agent",
                        "message": "",
                        "tool_calls": [{"tool_call_id": id, "function_name": tool, "arguments": arguments_object(o.arguments.as_deref())}],
                        "observation": {"results": [{"source_call_id": id, "content": o.output}]},
                    })),
                };
                push(step, lrat);
            }
        }
    }
    let meta: Map<String, Value> = run
        .meta
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut agent = json!({"name": "unknown", "version": "unknown"});
    if let Some(m) = &run.meta.model {
        agent["model_name"] = json!(m);
    }
    json!({
        "schema_version": SCHEMA_VERSION,
        "session_id": run.id,
        "agent": agent,
        "steps": steps,
        "extra": {
            "question": run.question,
            "answers": run.gold,
            "lrat": {
                "id": run.id,
                "question": run.question,
                "answers": run.gold,
                "final_answer": run.final_answer,
                "status": run.status,
                "correct": run.correct,
                "retriever": run.meta.retriever,
                "k": run.meta.k,
                "snippet_max_tokens": run.meta.snippet_max_tokens,
                "meta": meta,
                "tool_call_counts": run.tool_call_counts,
                "retrieved_docids": run.retrieved_docids,
                "source_format": run.format.name(),
            },
        },
    })
}
