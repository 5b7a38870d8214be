//! `lrat convert`: runs written as ATIF (one trajectory a file) or as native lrat JSONL.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::atif_write::to_atif;
use super::model::{Run, StepKind};
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// ATIF v1.8, one trajectory a file (`<run id>.json`).
    Atif,
    /// lrat's native JSON lines, all runs in `runs.jsonl`.
    Native,
}

/// A file name from a run id: characters other than letters, digits, `.`, `-` and `_` become
/// `_`; a name already taken gets `-2`, `-3`….
fn file_name(id: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if base.is_empty() || base.starts_with('.') {
        base.insert(0, '_');
    }
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.to_ascii_lowercase()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// One native-schema record. Step numbers that are not 0, 1, 2… are kept as `index`.
pub fn to_native(run: &Run) -> Value {
    let renumbered = run.steps.iter().enumerate().any(|(i, s)| s.index != i);
    let steps: Vec<Value> = run
        .steps
        .iter()
        .map(|s| {
            let mut v = match &s.kind {
                StepKind::Reasoning { text } => json!({"type": "reasoning", "text": text}),
                StepKind::Search(x) => json!({
                    "type": "search", "tool": x.tool, "query": x.query, "queries": x.queries,
                    "hits": x.hits.iter().map(|h| json!({"docid": h.docid, "title": h.title, "snippet": h.snippet})).collect::<Vec<_>>(),
                    "error": x.error,
                }),
                StepKind::Browse(b) => json!({"type": "browse", "tool": b.tool, "docid": b.docid, "text": b.text, "error": b.error}),
                StepKind::Answer(a) => json!({"type": "answer", "text": a.text}),
                StepKind::Other(o) => json!({"type": o.step_type, "tool": o.tool, "arguments": o.arguments, "output": o.output}),
            };
            if renumbered {
                v["index"] = json!(s.index);
            }
            v
        })
        .collect();
    let meta: Map<String, Value> = run
        .meta
        .extra
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone())),
            )
        })
        .collect();
    json!({
        "run_id": run.id, "question": run.question, "answers": run.gold,
        "final_answer": run.final_answer, "correct": run.correct, "status": run.status,
        "agent": run.meta.model, "retriever": run.meta.retriever, "k": run.meta.k,
        "meta": meta, "retrieved_docids": run.retrieved_docids, "steps": steps,
    })
}

/// Writes `runs` under `out` (created); the files written.
pub fn write(runs: &[Run], target: Target, out: &Path) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written = Vec::new();
    match target {
        Target::Atif => {
            let mut taken = HashSet::new();
            for run in runs {
                let path = out.join(format!("{}.json", file_name(&run.id, &mut taken)));
                let text = serde_json::to_string_pretty(&to_atif(run)).unwrap_or_default();
                std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))?;
                written.push(path);
            }
        }
        Target::Native => {
            let path = out.join("runs.jsonl");
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut w = std::io::BufWriter::new(file);
            for run in runs {
                serde_json::to_writer(&mut w, &to_native(run))
                    .map_err(|e| Error::io(&path, e.into()))?;
                w.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
            }
            w.flush().map_err(|e| Error::io(&path, e))?;
            written.push(path);
        }
    }
    Ok(written)
}
