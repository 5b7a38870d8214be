//! Two runs of the same question side by side (BM25 against a trained retriever, or two
//! agents): their actions aligned in order — each search with its query, each browse with its
//! document (marked when both runs browsed it, and when it is evidence), the answer — where they
//! diverged, and what each achieved (outcome, searches, browses, evidence found). The Compare
//! screen and `lrat inspect A B --run ID` both show this.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::qrels::Qrels;
use crate::run::{Run, StepKind};
use crate::text::{inert, one_line};

/// One action of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Search {
        step: usize,
        query: String,
        hits: usize,
        /// Evidence documents among the hits (with qrels).
        evidence: usize,
    },
    Browse {
        step: usize,
        docid: String,
        title: Option<String>,
        /// The other run browsed it too.
        both: bool,
        evidence: bool,
        failed: bool,
    },
    Answer {
        step: usize,
        text: String,
    },
}

impl Action {
    pub fn step(&self) -> usize {
        match self {
            Action::Search { step, .. }
            | Action::Browse { step, .. }
            | Action::Answer { step, .. } => *step,
        }
    }

    /// The same action: the same query, document or answer.
    fn same(&self, o: &Action) -> bool {
        match (self, o) {
            (Action::Search { query: a, .. }, Action::Search { query: b, .. }) => {
                a.trim().eq_ignore_ascii_case(b.trim())
            }
            (Action::Browse { docid: a, .. }, Action::Browse { docid: b, .. }) => a == b,
            (Action::Answer { text: a, .. }, Action::Answer { text: b, .. }) => {
                a.trim() == b.trim()
            }
            _ => false,
        }
    }

    /// One line: `[3] ? query (10 hits, 1 evidence)`, `[5] ▣ 1234 Title ⇄ ★`, `[9] ! answer`.
    pub fn line(&self) -> String {
        match self {
            Action::Search {
                step,
                query,
                hits,
                evidence,
            } => format!(
                "[{step}] ? {} ({hits} hits{})",
                inert(&one_line(query, 200)),
                if *evidence > 0 {
                    format!(", {evidence} evidence")
                } else {
                    String::new()
                }
            ),
            Action::Browse {
                step,
                docid,
                title,
                both,
                evidence,
                failed,
            } => format!(
                "[{step}] ▣ {}{}{}{}{}",
                inert(docid),
                title
                    .as_deref()
                    .map(|t| format!(" {}", inert(&one_line(t, 80))))
                    .unwrap_or_default(),
                if *both { " ⇄ both" } else { "" },
                if *evidence { " ★ evidence" } else { "" },
                if *failed { " (failed)" } else { "" }
            ),
            Action::Answer { step, text } => {
                format!("[{step}] ! {}", inert(&one_line(text, 200)))
            }
        }
    }
}

/// What one side achieved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// Where the run came from (its run set).
    pub name: String,
    /// The run set as headers show it: its folder's name (the workspace's, for a `runs/`
    /// folder), or its file's.
    pub label: String,
    pub run_id: String,
    pub outcome: String,
    pub searches: usize,
    pub browses: usize,
    /// Evidence documents its searches retrieved, of the question's (with qrels).
    pub evidence_found: Option<(usize, usize)>,
    pub actions: Vec<Action>,
}

/// Two runs compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub question: Option<String>,
    pub a: Side,
    pub b: Side,
    /// Documents both browsed.
    pub both_browsed: Vec<String>,
    /// Where the runs first did something different: the turn (0-based: a search with the
    /// browses after it) and the action within it.
    pub diverged_at: Option<(usize, usize)>,
}

/// A run's set, as the Runs list and the Compare screen name it: the folder of a one-run file,
/// the file of a JSON-lines one.
pub fn run_set(run: &Run) -> String {
    run_set_path(run).display().to_string()
}

/// [`run_set`], as a path.
pub fn run_set_path(run: &Run) -> &std::path::Path {
    let p = &run.source.path;
    match run.source.line {
        Some(_) => p,
        None => p.parent().unwrap_or(p),
    }
}

/// A run's actions in turns: each search with what followed it before the next search (what
/// came before the first search is a turn of its own). Turns are what the two columns align.
pub fn turns(actions: &[Action]) -> Vec<&[Action]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, a) in actions.iter().enumerate() {
        if matches!(a, Action::Search { .. }) && i > start {
            out.push(&actions[start..i]);
            start = i;
        }
    }
    if start < actions.len() {
        out.push(&actions[start..]);
    }
    out
}

/// The first (turn, action in it) where two runs' turns differ.
fn diverged(ta: &[&[Action]], tb: &[&[Action]]) -> Option<(usize, usize)> {
    (0..ta.len().max(tb.len())).find_map(|i| {
        let (x, y) = (
            ta.get(i).copied().unwrap_or(&[]),
            tb.get(i).copied().unwrap_or(&[]),
        );
        (0..x.len().max(y.len()))
            .find(|&k| match (x.get(k), y.get(k)) {
                (Some(p), Some(q)) => !p.same(q),
                _ => true,
            })
            .map(|k| (i, k))
    })
}

/// A run set's short name: the folder (or file) name, the workspace's for a `runs/` folder.
pub fn set_label(set: &str) -> String {
    let p = std::path::Path::new(set);
    let name = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    match p.file_name().and_then(|n| n.to_str()) {
        Some("runs") => p.parent().map(name).unwrap_or_else(|| name(p)),
        _ => name(p),
    }
}

fn actions(run: &Run, other_browsed: &BTreeSet<&str>, qrels: Option<&Qrels>) -> Vec<Action> {
    let evidence = |d: &str| qrels.is_some_and(|q| q.is_evidence(&run.query_id, d));
    run.steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Search(x) => Some(Action::Search {
                step: s.index,
                query: x.query.clone().unwrap_or_else(|| x.queries.join(" | ")),
                hits: x.hits.len(),
                evidence: x.hits.iter().filter(|h| evidence(&h.docid)).count(),
            }),
            StepKind::Browse(b) => {
                let docid = b.docid.clone().unwrap_or_else(|| "(no document)".into());
                Some(Action::Browse {
                    step: s.index,
                    both: other_browsed.contains(docid.as_str()),
                    evidence: evidence(&docid),
                    failed: b.succeeded().is_none(),
                    title: run.source_title(s.index, &docid).map(str::to_string),
                    docid,
                })
            }
            StepKind::Answer(a) => Some(Action::Answer {
                step: s.index,
                text: a.text.clone(),
            }),
            _ => None,
        })
        .collect()
}

fn side(run: &Run, other: &Run, qrels: Option<&Qrels>) -> Side {
    let other_browsed: BTreeSet<&str> = other.browsed_docids().collect();
    let found = qrels.and_then(|q| {
        let ev = q.evidence(&run.query_id)?;
        let got = run
            .searches()
            .flat_map(|(_, s)| s.hits.iter())
            .filter(|h| ev.contains(&h.docid))
            .map(|h| h.docid.as_str())
            .collect::<BTreeSet<_>>()
            .len();
        Some((got, ev.len()))
    });
    let name = run_set(run);
    Side {
        label: set_label(&name),
        name,
        run_id: run.id.clone(),
        outcome: crate::stats::outcome(run).0.name().to_string(),
        searches: run.searches().count(),
        browses: run.browses().count(),
        evidence_found: found,
        actions: actions(run, &other_browsed, qrels),
    }
}

impl Comparison {
    pub fn of(a: &Run, b: &Run, qrels: Option<&Qrels>) -> Comparison {
        let (sa, sb) = (side(a, b, qrels), side(b, a, qrels));
        let (ta, tb) = (turns(&sa.actions), turns(&sb.actions));
        let diverged_at = diverged(&ta, &tb);
        let a_browsed: BTreeSet<&str> = a.browsed_docids().collect();
        let both_browsed = b
            .browsed_docids()
            .filter(|d| a_browsed.contains(d))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(str::to_string)
            .collect();
        Comparison {
            question: a.question.clone().or_else(|| b.question.clone()),
            a: sa,
            b: sb,
            both_browsed,
            diverged_at,
        }
    }

    /// A side's summary line.
    pub fn summary(s: &Side) -> String {
        format!(
            "{} · {} searches · {} browses{}",
            s.outcome,
            s.searches,
            s.browses,
            s.evidence_found
                .map(|(g, n)| format!(" · evidence {g}/{n}"))
                .unwrap_or_default()
        )
    }

    /// The comparison as text `width` columns wide: two columns, the divergence marked.
    pub fn render(&self, width: usize) -> String {
        use std::fmt::Write;
        let col = width.saturating_sub(3).max(20) / 2;
        let cell = |s: &str| -> Vec<String> { crate::text::wrap(s, col) };
        let mut o = String::new();
        if let Some(q) = &self.question {
            for line in crate::text::wrap(&format!("question: {}", inert(q)), width.max(20)) {
                let _ = writeln!(o, "{line}");
            }
        }
        let pair = |o: &mut String, l: &str, r: &str| {
            let (l, r) = (cell(l), cell(r));
            for i in 0..l.len().max(r.len()) {
                let a = l.get(i).map(String::as_str).unwrap_or("");
                let b = r.get(i).map(String::as_str).unwrap_or("");
                let pad = col.saturating_sub(a.chars().count());
                let _ = writeln!(o, "{a}{} │ {b}", " ".repeat(pad));
            }
        };
        pair(
            &mut o,
            &format!("A: {} · {}", self.a.label, self.a.run_id),
            &format!("B: {} · {}", self.b.label, self.b.run_id),
        );
        pair(
            &mut o,
            &Comparison::summary(&self.a),
            &Comparison::summary(&self.b),
        );
        let _ = writeln!(
            o,
            "{}",
            match self.both_browsed.len() {
                0 => "no document browsed by both".to_string(),
                n => format!(
                    "both browsed {}: {}",
                    crate::text::count(n, "document"),
                    self.both_browsed.join(", ")
                ),
            }
        );
        let _ = writeln!(o, "{}┼{}", "─".repeat(col + 1), "─".repeat(col + 1));
        let (ta, tb) = (turns(&self.a.actions), turns(&self.b.actions));
        for i in 0..ta.len().max(tb.len()) {
            let side = |t: Option<&&[Action]>| {
                t.map(|t| t.iter().map(Action::line).collect::<Vec<_>>())
                    .unwrap_or_default()
            };
            let (l, r) = (side(ta.get(i)), side(tb.get(i)));
            for k in 0..l.len().max(r.len()) {
                if Some((i, k)) == self.diverged_at {
                    let _ = writeln!(
                        o,
                        "── the runs diverge here {}",
                        "─".repeat(width.saturating_sub(25).min(2 * col))
                    );
                }
                pair(
                    &mut o,
                    l.get(k).map(String::as_str).unwrap_or(""),
                    r.get(k).map(String::as_str).unwrap_or(""),
                );
            }
        }
        if self.diverged_at.is_none() {
            let _ = writeln!(o, "(the runs took the same actions)");
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(step: usize, q: &str) -> Action {
        Action::Search {
            step,
            query: q.into(),
            hits: 5,
            evidence: 0,
        }
    }

    fn browse(step: usize, d: &str) -> Action {
        Action::Browse {
            step,
            docid: d.into(),
            title: None,
            both: false,
            evidence: false,
            failed: false,
        }
    }

    /// The same search then different browses diverge at the browse, not at the search.
    #[test]
    fn runs_diverge_at_the_first_action_that_differs() {
        let a = [
            search(1, "x"),
            browse(2, "d1"),
            search(3, "y"),
            browse(4, "d2"),
        ];
        let b = [
            search(1, "x"),
            browse(2, "d1"),
            search(3, "y"),
            browse(4, "d9"),
        ];
        assert_eq!(diverged(&turns(&a), &turns(&b)), Some((1, 1)));
        assert_eq!(diverged(&turns(&a), &turns(&a)), None);
        // One run went on: it diverges where the other stopped.
        assert_eq!(diverged(&turns(&a), &turns(&a[..3])), Some((1, 1)));
        assert_eq!(diverged(&turns(&a[..2]), &turns(&a)), Some((1, 0)));
    }

    #[test]
    fn turns_keep_a_search_with_its_browses() {
        let a = [
            search(1, "x"),
            browse(2, "d1"),
            search(3, "y"),
            search(4, "z"),
            browse(5, "d2"),
        ];
        let t = turns(&a);
        assert_eq!(t.iter().map(|t| t.len()).collect::<Vec<_>>(), vec![2, 1, 2]);
        // A browse before any search is a turn of its own.
        let b = [browse(0, "d0"), search(1, "x")];
        assert_eq!(turns(&b).len(), 2);
        assert!(turns(&[]).is_empty());
    }
}
