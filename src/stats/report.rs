//! The trajectory report: Table 1 (per outcome), Fig. 4a transitions, Fig. 4c browse ranks and
//! Fig. 4d post-browse lengths, as a text table, JSON, or a per-run Parquet frame.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{Column, DataFrame};
use serde::Serialize;

use super::outcome::{Outcome, OutcomeOverrides, OutcomeSource};
use super::trajectory::{RunStats, Transitions, run_stats_with};
use crate::error::Error;
use crate::qrels::Qrels;
use crate::run::Run;

/// Quantiles of a length distribution.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Quantiles {
    pub n: usize,
    pub mean: Option<f64>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[usize], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] as f64 * (1.0 - frac) + sorted[hi] as f64 * frac)
}

impl Quantiles {
    pub fn of(values: &[usize]) -> Self {
        let mut v = values.to_vec();
        v.sort_unstable();
        let mean = (!v.is_empty()).then(|| v.iter().sum::<usize>() as f64 / v.len() as f64);
        Quantiles {
            n: v.len(),
            mean,
            p10: quantile(&v, 0.10),
            p25: quantile(&v, 0.25),
            p50: quantile(&v, 0.50),
            p75: quantile(&v, 0.75),
            p90: quantile(&v, 0.90),
        }
    }
}

/// Aggregates over one outcome group (or all runs).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// `all`, `correct`, `incorrect` or `unknown`.
    pub name: String,
    pub runs: usize,
    pub mean_searches: Option<f64>,
    pub mean_browses: Option<f64>,
    pub mean_steps: Option<f64>,
    /// Total browses over total searches.
    pub browse_search_ratio: Option<f64>,
    pub failed_searches: usize,
    pub failed_browses: usize,
    pub transitions: Transitions,
    pub p_browse_after_search: Option<f64>,
    pub p_search_after_search: Option<f64>,
    pub p_search_after_browse: Option<f64>,
    pub p_browse_after_browse: Option<f64>,
    /// Rank → number of browses of a document at that rank.
    pub browse_ranks: BTreeMap<u32, u64>,
    pub post_browse_words: Quantiles,
    pub evidence_recall: Option<f64>,
    pub evidence_runs: usize,
    /// Runs left out of evidence recall because their hits have no docids.
    pub runs_without_ids: usize,
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

impl Group {
    fn of(name: &str, runs: &[&RunStats]) -> Group {
        let mut transitions = Transitions::default();
        let mut ranks = BTreeMap::new();
        let mut lens = Vec::new();
        for r in runs {
            transitions.add(&r.transitions);
            for &k in &r.browse_ranks {
                *ranks.entry(k).or_insert(0) += 1;
            }
            lens.extend_from_slice(&r.post_browse_words);
        }
        let searches: usize = runs.iter().map(|r| r.searches).sum();
        let browses: usize = runs.iter().map(|r| r.browses).sum();
        let (pbs, pss) = transitions.after_search();
        let (psb, pbb) = transitions.after_browse();
        let ev: Vec<f64> = runs.iter().filter_map(|r| r.evidence_recall).collect();
        Group {
            name: name.to_string(),
            runs: runs.len(),
            mean_searches: mean(runs.iter().map(|r| r.searches as f64)),
            mean_browses: mean(runs.iter().map(|r| r.browses as f64)),
            mean_steps: mean(runs.iter().map(|r| r.steps as f64)),
            browse_search_ratio: (searches > 0).then(|| browses as f64 / searches as f64),
            failed_searches: runs.iter().map(|r| r.failed_searches).sum(),
            failed_browses: runs.iter().map(|r| r.failed_browses).sum(),
            transitions,
            p_browse_after_search: pbs,
            p_search_after_search: pss,
            p_search_after_browse: psb,
            p_browse_after_browse: pbb,
            browse_ranks: ranks,
            post_browse_words: Quantiles::of(&lens),
            evidence_recall: mean(ev.iter().copied()),
            evidence_runs: ev.len(),
            runs_without_ids: runs.iter().filter(|r| r.hits_without_ids).count(),
        }
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `all` first, then each outcome that has runs.
    pub groups: Vec<Group>,
    /// How many outcomes came from a `correct` field, a heuristic answer match, or neither.
    pub outcome_sources: BTreeMap<String, usize>,
    pub with_qrels: bool,
    pub runs: Vec<RunStats>,
}

impl Report {
    pub fn new(runs: &[Run], qrels: Option<&Qrels>) -> Report {
        Self::with_outcomes(runs, qrels, &OutcomeOverrides::default())
    }

    /// The report with outcomes decided by human labels, then an answer judge, then the runs.
    pub fn with_outcomes(
        runs: &[Run],
        qrels: Option<&Qrels>,
        overrides: &OutcomeOverrides,
    ) -> Report {
        let stats: Vec<RunStats> = runs
            .iter()
            .map(|r| run_stats_with(r, qrels, overrides))
            .collect();
        let mut groups = vec![Group::of("all", &stats.iter().collect::<Vec<_>>())];
        for o in Outcome::ALL {
            let g: Vec<&RunStats> = stats.iter().filter(|r| r.outcome == o).collect();
            if !g.is_empty() {
                groups.push(Group::of(o.name(), &g));
            }
        }
        let mut outcome_sources = BTreeMap::new();
        for s in [
            OutcomeSource::Human,
            OutcomeSource::Judge,
            OutcomeSource::Field,
            OutcomeSource::Match,
            OutcomeSource::None,
        ] {
            let n = stats.iter().filter(|r| r.outcome_source == s).count();
            outcome_sources.insert(s.name().to_string(), n);
        }
        Report {
            groups,
            outcome_sources,
            with_qrels: qrels.is_some(),
            runs: stats,
        }
    }

    /// Table 1's rows as `lrat stats` prints them and the Stats screen shows them: a label and
    /// one cell a group, formatted once here. `lengths`: with the post-browse length quantiles.
    pub fn table_rows(&self, lengths: bool) -> Vec<(String, Vec<String>)> {
        let mut rows: Vec<(String, Vec<String>)> = Vec::new();
        let mut row = |label: &str, f: &dyn Fn(&Group) -> String| {
            rows.push((label.to_string(), self.groups.iter().map(f).collect()));
        };
        row("runs", &|g| g.runs.to_string());
        row("searches / run", &|g| fmt_f(g.mean_searches, 2));
        row("browses / run", &|g| fmt_f(g.mean_browses, 2));
        row("steps / run", &|g| fmt_f(g.mean_steps, 2));
        row("browse / search", &|g| fmt_f(g.browse_search_ratio, 3));
        row("failed searches", &|g| g.failed_searches.to_string());
        row("failed browses", &|g| g.failed_browses.to_string());
        row("P(browse | search)", &|g| fmt_f(g.p_browse_after_search, 3));
        row("P(search | search)", &|g| fmt_f(g.p_search_after_search, 3));
        row("P(search | browse)", &|g| fmt_f(g.p_search_after_browse, 3));
        row("P(browse | browse)", &|g| fmt_f(g.p_browse_after_browse, 3));
        if lengths {
            row("post-browse words n", &|g| {
                g.post_browse_words.n.to_string()
            });
            row("  mean", &|g| fmt_f(g.post_browse_words.mean, 1));
            row("  p10", &|g| fmt_f(g.post_browse_words.p10, 1));
            row("  p25", &|g| fmt_f(g.post_browse_words.p25, 1));
            row("  median", &|g| fmt_f(g.post_browse_words.p50, 1));
            row("  p75", &|g| fmt_f(g.post_browse_words.p75, 1));
            row("  p90", &|g| fmt_f(g.post_browse_words.p90, 1));
        }
        if self.with_qrels {
            row("evidence recall", &|g| fmt_f(g.evidence_recall, 3));
            row("  runs with qrels", &|g| g.evidence_runs.to_string());
            if self.groups.iter().any(|g| g.runs_without_ids > 0) {
                row("  left out: hits without docids", &|g| {
                    g.runs_without_ids.to_string()
                });
            }
        }
        rows
    }

    /// The tables as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let names: Vec<&str> = self.groups.iter().map(|g| g.name.as_str()).collect();
        let _ = writeln!(out, "Trajectory statistics by outcome (Table 1, Fig. 4)");
        let src = &self.outcome_sources;
        let n = |k: &str| *src.get(k).unwrap_or(&0);
        let _ = writeln!(
            out,
            "outcome from: human {}, answer judge {}, `correct` field {}, answer match (heuristic) {}, unknown {}\n",
            n("human"),
            n("judge"),
            n("field"),
            n("match"),
            n("none")
        );
        let rows = self.table_rows(true);
        let w0 = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max(6);
        let w = 11;
        let _ = write!(out, "{:w0$}", "");
        for n in &names {
            let _ = write!(out, " {n:>w$}");
        }
        out.push('\n');
        for (label, cells) in &rows {
            let _ = write!(out, "{label:w0$}");
            for c in cells {
                let _ = write!(out, " {c:>w$}");
            }
            out.push('\n');
        }
        if let Some(all) = self.groups.first() {
            let total: u64 = all.browse_ranks.values().sum();
            let _ = writeln!(
                out,
                "\nBrowsed rank positions (Fig. 4c), {total} browses attributed to a search"
            );
            let max = all.browse_ranks.values().copied().max().unwrap_or(0);
            for (rank, n) in &all.browse_ranks {
                let bar = (*n * 40).checked_div(max).unwrap_or(0) as usize;
                let share = if total > 0 {
                    *n as f64 / total as f64
                } else {
                    0.0
                };
                let _ = writeln!(
                    out,
                    "  rank {rank:>3}  {n:>7}  {share:>6.1}%  {}",
                    "#".repeat(bar),
                    share = share * 100.0
                );
            }
        }
        out
    }

    /// A per-run frame: one row a run, for analysis elsewhere.
    pub fn frame(&self) -> Result<DataFrame, polars::error::PolarsError> {
        let r = &self.runs;
        let col_str = |name: &str, f: &dyn Fn(&RunStats) -> String| {
            Column::new(name.into(), r.iter().map(f).collect::<Vec<String>>())
        };
        let col_u = |name: &str, f: &dyn Fn(&RunStats) -> u64| {
            Column::new(name.into(), r.iter().map(f).collect::<Vec<u64>>())
        };
        let col_f = |name: &str, f: &dyn Fn(&RunStats) -> Option<f64>| {
            Column::new(name.into(), r.iter().map(f).collect::<Vec<Option<f64>>>())
        };
        let words = |s: &RunStats| super::report::Quantiles::of(&s.post_browse_words);
        DataFrame::new(
            r.len(),
            vec![
                col_str("run_id", &|s| s.run_id.clone()),
                col_str("outcome", &|s| s.outcome.name().to_string()),
                col_str("outcome_source", &|s| s.outcome_source.name().to_string()),
                col_u("steps", &|s| s.steps as u64),
                col_u("searches", &|s| s.searches as u64),
                col_u("failed_searches", &|s| s.failed_searches as u64),
                col_u("browses", &|s| s.browses as u64),
                col_u("failed_browses", &|s| s.failed_browses as u64),
                col_u("search_search", &|s| s.transitions.search_search),
                col_u("search_browse", &|s| s.transitions.search_browse),
                col_u("browse_search", &|s| s.transitions.browse_search),
                col_u("browse_browse", &|s| s.transitions.browse_browse),
                col_f("mean_browse_rank", &|s| {
                    mean(s.browse_ranks.iter().map(|&x| f64::from(x)))
                }),
                col_f("mean_post_browse_words", &|s| words(s).mean),
                col_f("median_post_browse_words", &|s| words(s).p50),
                col_f("evidence_recall", &|s| s.evidence_recall),
            ],
        )
    }

    pub fn write_parquet(&self, path: &Path) -> Result<(), Error> {
        let frame_err = |source: polars::error::PolarsError| Error::Frame {
            path: path.to_path_buf(),
            source,
        };
        let mut df = self.frame().map_err(frame_err)?;
        crate::export::write_frame(&mut df, path)
    }
}

fn fmt_f(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) => format!("{v:.digits$}"),
        None => "-".to_string(),
    }
}
