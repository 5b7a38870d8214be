//! How well an agent did with a retriever, as the paper's Table 2 measures it: success rate
//! (correct answers over runs), evidence recall (BrowseComp-Plus's definition: the share of a
//! question's evidence documents that any search of its run retrieved, averaged over the
//! questions with qrels) and search calls a run; and several run sets side by side, with their
//! differences paired over the questions they share.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::outcome::Outcome;
use super::trajectory::RunStats;
use crate::retriever::Served;
use crate::run::Run;

/// Mean and sample standard deviation (0 for fewer than two values).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// One run set's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentFigures {
    /// The set's name (the folder or file it was read from).
    pub name: String,
    /// What served its searches, from the runs' metadata (`bm25`, a model …), when they say.
    pub retriever: Option<String>,
    pub runs: usize,
    /// Runs whose answer is correct, over all runs.
    pub success: f64,
    /// Mean over the questions with qrels (`None` without qrels).
    pub evidence_recall: Option<f64>,
    pub evidence_questions: usize,
    /// Searches a run.
    pub search_calls: f64,
}

/// Per-question values of one run set, by run id.
struct PerQuestion {
    success: f64,
    evidence_recall: Option<f64>,
    searches: f64,
}

impl PerQuestion {
    fn of(s: &RunStats) -> PerQuestion {
        PerQuestion {
            success: f64::from(u8::from(s.outcome == Outcome::Correct)),
            evidence_recall: s.evidence_recall,
            searches: s.searches as f64,
        }
    }
}

fn per_question(stats: &[RunStats]) -> BTreeMap<&str, PerQuestion> {
    stats
        .iter()
        .map(|s| (s.query_id.as_str(), PerQuestion::of(s)))
        .collect()
}

/// What served a set of runs ([`Served::label`]), when its runs say and agree.
pub fn served_by<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Option<String> {
    let label = |r: &Run| {
        Some(
            Served {
                searcher_type: r.meta.retriever.clone()?,
                model: r
                    .meta
                    .extra
                    .get("retriever_model")
                    .map(|m| m.trim_matches('"').to_string()),
                step: None,
            }
            .label(),
        )
    };
    let mut runs = runs.into_iter();
    let first = label(runs.next()?)?;
    runs.all(|r| label(r).as_deref() == Some(&first))
        .then_some(first)
}

impl AgentFigures {
    pub fn of(name: &str, retriever: Option<String>, stats: &[RunStats]) -> AgentFigures {
        let n = stats.len().max(1) as f64;
        let each: Vec<PerQuestion> = stats.iter().map(PerQuestion::of).collect();
        let ev: Vec<f64> = each.iter().filter_map(|q| q.evidence_recall).collect();
        // 0.0 + : an empty float sum is −0.0.
        let mean = |f: fn(&PerQuestion) -> f64| 0.0 + each.iter().map(f).sum::<f64>() / n;
        AgentFigures {
            name: name.to_string(),
            retriever,
            runs: stats.len(),
            success: mean(|q| q.success),
            evidence_recall: (!ev.is_empty()).then(|| mean_sd(&ev).0),
            evidence_questions: ev.len(),
            search_calls: mean(|q| q.searches),
        }
    }
}

/// A difference between two sets over the questions both ran: mean ± sd of the per-question
/// differences, and on how many questions the first set's value was higher and lower.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Diff {
    pub mean: f64,
    pub sd: f64,
    pub higher: usize,
    pub lower: usize,
    pub questions: usize,
}

impl Diff {
    fn of(d: &[f64]) -> Diff {
        let (mean, sd) = mean_sd(d);
        Diff {
            mean,
            sd,
            higher: d.iter().filter(|x| **x > 0.0).count(),
            lower: d.iter().filter(|x| **x < 0.0).count(),
            questions: d.len(),
        }
    }
}

/// Set `a` minus set `b`, paired by question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    pub a: String,
    pub b: String,
    /// Questions both sets ran.
    pub shared: usize,
    pub success: Diff,
    pub evidence_recall: Option<Diff>,
    pub search_calls: Diff,
}

/// Several run sets side by side, each later one paired with the first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub sets: Vec<AgentFigures>,
    pub paired: Vec<Paired>,
}

impl Comparison {
    /// `sets`: each set's figures and its runs' statistics.
    pub fn new(sets: &[(AgentFigures, Vec<RunStats>)]) -> Comparison {
        let mut paired = Vec::new();
        if let Some((base, base_stats)) = sets.first() {
            let b = per_question(base_stats);
            for (fig, stats) in &sets[1..] {
                let a = per_question(stats);
                let shared: Vec<(&PerQuestion, &PerQuestion)> = a
                    .iter()
                    .filter_map(|(id, x)| b.get(id).map(|y| (x, y)))
                    .collect();
                let diff = |f: &dyn Fn(&PerQuestion) -> f64| {
                    Diff::of(&shared.iter().map(|(x, y)| f(x) - f(y)).collect::<Vec<_>>())
                };
                let ev: Vec<f64> = shared
                    .iter()
                    .filter_map(|(x, y)| Some(x.evidence_recall? - y.evidence_recall?))
                    .collect();
                paired.push(Paired {
                    a: fig.name.clone(),
                    b: base.name.clone(),
                    shared: shared.len(),
                    success: diff(&|q| q.success),
                    evidence_recall: (!ev.is_empty()).then(|| Diff::of(&ev)),
                    search_calls: diff(&|q| q.searches),
                });
            }
        }
        Comparison {
            sets: sets.iter().map(|(f, _)| f.clone()).collect(),
            paired,
        }
    }

    /// The figures as a table, one column a set, then the paired differences.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let w = self
            .sets
            .iter()
            .map(|f| f.name.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(12, 40);
        let _ = writeln!(s, "agent with each retriever (the paper's Table 2 figures)");
        let _ = writeln!(
            s,
            "{:<w$}  {:>5}  {:>7}  {:>15}  {:>12}  retriever",
            "runs", "n", "success", "evidence recall", "search calls"
        );
        for f in &self.sets {
            if f.runs == 0 {
                let _ = writeln!(
                    s,
                    "{:<w$}  {:>5}  {:>7}  {:>15}  {:>12}  (no runs found)",
                    f.name, 0, "-", "-", "-"
                );
                continue;
            }
            let ev = f
                .evidence_recall
                .map_or("-".to_string(), |e| format!("{e:.3}"));
            let _ = writeln!(
                s,
                "{:<w$}  {:>5}  {:>7.3}  {:>15}  {:>12.2}  {}",
                f.name,
                f.runs,
                f.success,
                ev,
                f.search_calls,
                f.retriever.as_deref().unwrap_or("-")
            );
        }
        if self.sets.iter().all(|f| f.evidence_recall.is_none()) {
            let _ = writeln!(
                s,
                "(evidence recall needs --qrels, or qrels.txt beside the runs)"
            );
        }
        for p in &self.paired {
            if p.shared == 0 {
                let _ = writeln!(
                    s,
                    "\n{} and {} share no question: nothing to pair",
                    p.a, p.b
                );
                continue;
            }
            let _ = writeln!(
                s,
                "\n{} − {}, paired over the {} questions both ran (mean ± sd; questions where it is higher / lower)",
                p.a, p.b, p.shared
            );
            let row = |label: &str, d: &Diff| {
                format!(
                    "  {label:<16} {:+.3} ± {:.3}   higher on {}, lower on {}\n",
                    d.mean, d.sd, d.higher, d.lower
                )
            };
            s += &row("success", &p.success);
            if let Some(d) = &p.evidence_recall {
                s += &row("evidence recall", d);
            }
            s += &row("search calls", &p.search_calls);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_set_shows_no_figures_and_nothing_is_paired_with_it() {
        let empty = AgentFigures::of("empty", None, &[]);
        assert_eq!(empty.search_calls.to_string(), "0", "not −0");
        let c = Comparison::new(&[
            (AgentFigures::of("a", None, &[]), Vec::new()),
            (empty, Vec::new()),
        ]);
        let text = c.render();
        assert!(text.contains("(no runs found)"), "{text}");
        assert!(text.contains("share no question"), "{text}");
        assert!(
            !text.contains("−0.000") && !text.contains("-0.00"),
            "{text}"
        );
        assert_eq!(c.paired[0].shared, 0);
    }

    #[test]
    fn differences_are_paired_by_question() {
        use crate::stats::outcome::{Outcome, OutcomeSource};
        let run = |id: &str, correct: bool, searches: usize, ev: f64| {
            let mut s = crate::stats::trajectory::RunStats {
                run_id: id.into(),
                query_id: id.into(),
                outcome: if correct {
                    Outcome::Correct
                } else {
                    Outcome::Incorrect
                },
                outcome_source: OutcomeSource::Field,
                steps: 0,
                searches,
                failed_searches: 0,
                browses: 0,
                failed_browses: 0,
                transitions: Default::default(),
                browse_ranks: Vec::new(),
                post_browse_words: Vec::new(),
                evidence_recall: Some(ev),
                hits_without_ids: false,
            };
            s.steps = searches;
            s
        };
        let a = vec![run("q1", false, 4, 0.5), run("q2", true, 2, 1.0)];
        let b = vec![
            run("q1", true, 3, 1.0),
            run("q2", true, 2, 1.0),
            run("q3", true, 1, 1.0),
        ];
        let c = Comparison::new(&[
            (AgentFigures::of("a", None, &a), a.clone()),
            (AgentFigures::of("b", None, &b), b.clone()),
        ]);
        let p = &c.paired[0];
        assert_eq!(p.shared, 2, "q3 is only in b");
        assert_eq!(
            (p.success.mean, p.success.higher, p.success.lower),
            (0.5, 1, 0)
        );
        assert_eq!(p.evidence_recall.unwrap().mean, 0.25);
        assert_eq!((p.search_calls.mean, p.search_calls.lower), (-0.5, 1));
        assert_eq!(c.sets[1].success, 1.0);
        assert!((c.sets[0].search_calls - 3.0).abs() < 1e-12);
    }
}
