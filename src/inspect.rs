//! A run as readable text: every step in order, hits marked browsed or not.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::qrels::Qrels;
use crate::run::{Run, StepKind};
use crate::stats::{outcome, words};
use crate::text::{clip, inert, one_line};

/// How much to show.
#[derive(Debug, Clone, Copy)]
pub struct InspectOptions {
    /// Show documents and snippets whole instead of clipped.
    pub full: bool,
}

/// Renders `run`; evidence documents are flagged when `qrels` are given.
pub fn render(run: &Run, qrels: Option<&Qrels>, opts: InspectOptions) -> String {
    let mut o = String::new();
    let doc_max = if opts.full { usize::MAX } else { 600 };
    let snip_max = if opts.full { usize::MAX } else { 160 };
    let (oc, src) = outcome(run);
    let _ = writeln!(
        o,
        "run {}   ({}, {} format)",
        inert(&run.id),
        run.source,
        run.format.name()
    );
    if let Some(q) = &run.question {
        let _ = writeln!(o, "question: {}", inert(q));
    }
    if !run.gold.is_empty() {
        let _ = writeln!(o, "gold: {}", inert(&run.gold.join(" | ")));
    }
    let _ = writeln!(
        o,
        "status: {}   outcome: {} ({})",
        run.status.as_deref().map(inert).unwrap_or("-".into()),
        oc.name(),
        src.name()
    );
    let m = &run.meta;
    let _ = writeln!(
        o,
        "agent: {}   retriever: {}   k: {}",
        m.model.as_deref().map(inert).unwrap_or("-".into()),
        m.retriever.as_deref().map(inert).unwrap_or("-".into()),
        m.k.map(|k| k.to_string()).unwrap_or("-".into())
    );
    let browsed_at: HashMap<&str, Vec<usize>> =
        run.browses().fold(HashMap::new(), |mut acc, (i, b)| {
            if let Some(d) = &b.docid {
                acc.entry(d.as_str()).or_default().push(i);
            }
            acc
        });
    let ev = |d: &str| {
        if qrels.is_some_and(|q| q.is_evidence(&run.query_id, d)) {
            "  [evidence]"
        } else {
            ""
        }
    };
    let _ = writeln!(
        o,
        "steps: {}   searches: {}   browses: {}\n",
        run.steps.len(),
        run.searches().count(),
        run.browses().count()
    );
    for step in &run.steps {
        let i = step.index;
        match &step.kind {
            StepKind::Reasoning { text } => {
                let _ = writeln!(o, "[{i}] reasoning ({} words)", words(text));
                indent(&mut o, &inert(text));
            }
            StepKind::Search(s) => {
                let q = s.query.as_deref().unwrap_or("");
                let _ = writeln!(o, "[{i}] search \"{}\"  via {}", inert(q), inert(&s.tool));
                let others: Vec<&String> = s
                    .queries
                    .iter()
                    .filter(|x| Some(x.as_str()) != s.query.as_deref())
                    .collect();
                if !others.is_empty() {
                    let list: Vec<String> =
                        others.iter().map(|x| format!("\"{}\"", inert(x))).collect();
                    let _ = writeln!(o, "    also asked (not run): {}", list.join(", "));
                }
                if let Some(p) = &s.arg_problem {
                    let _ = writeln!(o, "    ! arguments: {}", inert(p));
                }
                if let Some(e) = &s.error {
                    let _ = writeln!(o, "    ! failed: {}", inert(&one_line(e, 300)));
                }
                for h in &s.hits {
                    let mark = match browsed_at.get(h.docid.as_str()) {
                        Some(at) => format!(
                            "● browsed at {}",
                            at.iter()
                                .map(|x| format!("[{x}]"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        None => "○ unbrowsed".to_string(),
                    };
                    let _ = writeln!(
                        o,
                        "    {:>2}. {} {}  {}{}",
                        h.rank,
                        inert(&h.docid),
                        inert(h.title.as_deref().unwrap_or("")),
                        mark,
                        ev(&h.docid)
                    );
                    if !h.snippet.is_empty() {
                        let _ = writeln!(o, "        {}", inert(&one_line(&h.snippet, snip_max)));
                    }
                }
            }
            StepKind::Browse(b) => {
                match &b.docid {
                    Some(d) => {
                        let from = match run.source_search(i, d) {
                            Some((s, rank)) => format!("from search [{s}] rank {rank}"),
                            None => "not surfaced by any earlier search".to_string(),
                        };
                        let _ = writeln!(
                            o,
                            "[{i}] browse {}  via {}  ({from}){}",
                            inert(d),
                            inert(&b.tool),
                            ev(d)
                        );
                    }
                    None => {
                        let _ = writeln!(o, "[{i}] browse (no document)  via {}", inert(&b.tool));
                    }
                }
                if let Some(p) = &b.arg_problem {
                    let _ = writeln!(o, "    ! arguments: {}", inert(p));
                }
                if let Some(e) = &b.error {
                    let _ = writeln!(o, "    ! failed: {}", inert(&one_line(e, 300)));
                }
                if let Some(t) = &b.text {
                    indent(&mut o, &inert(&clip(t, doc_max)));
                }
                if b.succeeded().is_some() {
                    let _ = writeln!(
                        o,
                        "    post-browse reasoning: {} words",
                        words(run.reasoning_after(i))
                    );
                }
            }
            StepKind::Answer(a) => {
                let _ = writeln!(o, "[{i}] final answer");
                if let Some(t) = &a.thinking {
                    indent(&mut o, &inert(t));
                    let _ = writeln!(o, "    ---");
                }
                indent(&mut o, &inert(&a.text));
            }
            StepKind::Other(x) => {
                // `[2] tool call navigate`, not `[2] tool tool navigate`.
                let what = match (x.step_type.as_str(), x.tool.as_deref()) {
                    ("tool" | "tool_call" | "function_call", Some(t)) => {
                        format!("tool call {}", inert(t))
                    }
                    (kind, Some(t)) => format!("{} (tool {})", inert(kind), inert(t)),
                    (kind, None) => inert(kind).into_owned(),
                };
                let _ = writeln!(o, "[{i}] {what}");
                if let Some(a) = &x.arguments {
                    let _ = writeln!(o, "    arguments: {}", inert(&one_line(a, 300)));
                }
                indent(&mut o, &inert(&clip(&x.output, doc_max)));
            }
        }
    }
    o
}

fn indent(o: &mut String, text: &str) {
    for line in text.lines() {
        o.push_str("    ");
        o.push_str(line);
        o.push('\n');
    }
}
