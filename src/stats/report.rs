//! The trajectory report: Table 1 (per outcome), Fig. 4a transitions, Fig. 4c browse ranks and
//! Fig. 4d post-browse lengths, as a text table, JSON, or a per-run Parquet frame.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{ChunkCompareEq, Column, DataFrame, PolarsResult, QuantileMethod, Series};
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
    /// The group's figures: counts, means, sums and length quantiles are polars reductions over
    /// `frames` filtered to the group (`None`: every run); the rank histogram is counted here.
    fn of(name: &str, outcome: Option<&str>, frames: &Frames, runs: &[&RunStats]) -> Group {
        let figures = frames.figures(outcome).unwrap_or_default();
        let mut ranks = BTreeMap::new();
        for r in runs {
            for &k in &r.browse_ranks {
                *ranks.entry(k).or_insert(0) += 1;
            }
        }
        let transitions = figures.transitions;
        let (pbs, pss) = transitions.after_search();
        let (psb, pbb) = transitions.after_browse();
        Group {
            name: name.to_string(),
            runs: figures.runs,
            mean_searches: figures.mean_searches,
            mean_browses: figures.mean_browses,
            mean_steps: figures.mean_steps,
            browse_search_ratio: (figures.searches > 0)
                .then(|| figures.browses as f64 / figures.searches as f64),
            failed_searches: figures.failed_searches as usize,
            failed_browses: figures.failed_browses as usize,
            transitions,
            p_browse_after_search: pbs,
            p_search_after_search: pss,
            p_search_after_browse: psb,
            p_browse_after_browse: pbb,
            browse_ranks: ranks,
            post_browse_words: figures.words,
            evidence_recall: figures.evidence_recall,
            evidence_runs: figures.evidence_runs,
            runs_without_ids: runs.iter().filter(|r| r.hits_without_ids).count(),
        }
    }
}

/// The runs as polars frames: one row a run, and one row a post-browse reasoning length.
struct Frames {
    runs: DataFrame,
    words: DataFrame,
}

/// A group's figures as the frames give them.
#[derive(Default)]
struct Figures {
    runs: usize,
    mean_searches: Option<f64>,
    mean_browses: Option<f64>,
    mean_steps: Option<f64>,
    searches: u64,
    browses: u64,
    failed_searches: u64,
    failed_browses: u64,
    transitions: Transitions,
    words: Quantiles,
    evidence_recall: Option<f64>,
    evidence_runs: usize,
}

/// One row a run (the `--parquet` frame, and what the groups' figures are reduced from).
fn run_frame(r: &[RunStats]) -> PolarsResult<DataFrame> {
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

impl Frames {
    fn new(stats: &[RunStats]) -> PolarsResult<Frames> {
        let runs = run_frame(stats)?;
        let (outcomes, words): (Vec<&str>, Vec<f64>) = stats
            .iter()
            .flat_map(|s| {
                s.post_browse_words
                    .iter()
                    .map(move |&w| (s.outcome.name(), w as f64))
            })
            .unzip();
        let words = DataFrame::new(
            words.len(),
            vec![
                Column::new("outcome".into(), outcomes),
                Column::new("words".into(), words),
            ],
        )?;
        Ok(Frames { runs, words })
    }

    /// The figures of the runs with this outcome (`None`: all).
    fn figures(&self, outcome: Option<&str>) -> PolarsResult<Figures> {
        let pick = |df: &DataFrame| -> PolarsResult<DataFrame> {
            match outcome {
                None => Ok(df.clone()),
                Some(o) => df.filter(&df.column("outcome")?.str()?.equal(o)),
            }
        };
        let runs = pick(&self.runs)?;
        let words = pick(&self.words)?;
        let col = |c: &str| -> PolarsResult<Series> {
            Ok(runs.column(c)?.as_materialized_series().clone())
        };
        let sum = |c: &str| -> PolarsResult<u64> { col(c)?.sum::<u64>() };
        let w = words.column("words")?.as_materialized_series().clone();
        let q = |p: f64| -> PolarsResult<Option<f64>> {
            if w.is_empty() {
                return Ok(None);
            }
            Ok(w.quantile_reduce(p, QuantileMethod::Linear)?
                .value()
                .extract::<f64>())
        };
        let evidence = col("evidence_recall")?;
        Ok(Figures {
            runs: runs.height(),
            mean_searches: col("searches")?.mean(),
            mean_browses: col("browses")?.mean(),
            mean_steps: col("steps")?.mean(),
            searches: sum("searches")?,
            browses: sum("browses")?,
            failed_searches: sum("failed_searches")?,
            failed_browses: sum("failed_browses")?,
            transitions: Transitions {
                search_search: sum("search_search")?,
                search_browse: sum("search_browse")?,
                browse_search: sum("browse_search")?,
                browse_browse: sum("browse_browse")?,
            },
            words: Quantiles {
                n: w.len(),
                mean: w.mean(),
                p10: q(0.10)?,
                p25: q(0.25)?,
                p50: q(0.50)?,
                p75: q(0.75)?,
                p90: q(0.90)?,
            },
            evidence_recall: evidence.mean(),
            evidence_runs: evidence.len() - evidence.null_count(),
        })
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
    /// Success, evidence recall and search calls over all runs (the paper's Table 2 figures).
    pub agent: super::agent::AgentFigures,
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
        Report::from_stats(stats, super::agent::served_by(runs), qrels.is_some())
    }

    /// The report from each run's figures (as `lrat stats` gathers them while it reads, not
    /// holding the runs): `served` names what served the runs, `with_qrels` whether evidence
    /// was measured.
    pub fn from_stats(stats: Vec<RunStats>, served: Option<String>, with_qrels: bool) -> Report {
        // Frames of plain numbers and strings cannot fail to build; an empty report if they do.
        let frames = Frames::new(&stats).unwrap_or(Frames {
            runs: DataFrame::empty(),
            words: DataFrame::empty(),
        });
        let mut groups = vec![Group::of(
            "all",
            None,
            &frames,
            &stats.iter().collect::<Vec<_>>(),
        )];
        for o in Outcome::ALL {
            let g: Vec<&RunStats> = stats.iter().filter(|r| r.outcome == o).collect();
            if !g.is_empty() {
                groups.push(Group::of(o.name(), Some(o.name()), &frames, &g));
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
            with_qrels,
            agent: super::agent::AgentFigures::of("all", served, &stats),
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
        run_frame(&self.runs)
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
