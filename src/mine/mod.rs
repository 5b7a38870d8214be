//! Mining LRAT supervision from runs: the one derivation every caller uses (`lrat mine`, every
//! screen of the app and its export, `lrat train`, the Train screen, the ablation). A browse's
//! effective verdict (human ?? judge ?? default, see [`Effective`]) decides whether it becomes a
//! positive; the mode decides its negatives; human labels on negatives remove them; weights come
//! from the post-browse lengths of every emitted pair.

mod length;
mod pair;
mod paper;
mod reference;
pub mod tokens;
pub mod weight;

pub use length::Length;
pub use pair::Pair;
pub use weight::{WeightStats, assign_weights, median, weight_for};

use std::collections::HashSet;

use serde::Serialize;

use crate::labels::{Effective, Source};
use crate::run::{Run, Skeleton};
use crate::verdict::Verdict;

/// Which rules build the pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// §5.1 of the paper (the default).
    Paper,
    /// The authors' released builder (LRAT-Train).
    Reference,
}

impl Mode {
    /// As commands and the app name it: `paper`, `reference`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Paper => "paper",
            Mode::Reference => "reference",
        }
    }
}

/// How runs become pairs, besides the labels.
#[derive(Clone, Copy)]
pub struct Policy<'a> {
    pub mode: Mode,
    /// How post-browse reasoning is measured.
    pub length: &'a Length,
}

/// What mining saw and set aside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MineCounts {
    pub runs: usize,
    /// Pairs emitted (in reference mode rejected browses included, as `satisfied: false`).
    pub pairs: usize,
    /// Browses that named a document and got it.
    pub browses: usize,
    /// Browses with no document or whose fetch failed: never mined.
    pub failed_browses: usize,
    /// Browses of a document no earlier search returned.
    pub unattributed: usize,
    /// Paper mode: a later browse of a document already paired with the same search.
    pub repeated: usize,
    /// Paper mode: browses whose effective verdict is `not_relevant`.
    pub dropped_by_verdict: usize,
    /// Reference mode: rejected browses emitted with `satisfied: false`.
    pub rejected_emitted: usize,
    /// Browses a judge was asked about but has no verdict for: neither positive nor negative.
    pub unjudged: usize,
    /// Emitted pairs with an empty negative list.
    pub no_negative: usize,
    /// Negatives left out because a human labelled them.
    pub negatives_labelled: usize,
}

impl MineCounts {
    pub fn add(&mut self, o: &MineCounts) {
        self.runs += o.runs;
        self.pairs += o.pairs;
        self.browses += o.browses;
        self.failed_browses += o.failed_browses;
        self.unattributed += o.unattributed;
        self.repeated += o.repeated;
        self.dropped_by_verdict += o.dropped_by_verdict;
        self.rejected_emitted += o.rejected_emitted;
        self.unjudged += o.unjudged;
        self.no_negative += o.no_negative;
        self.negatives_labelled += o.negatives_labelled;
    }
}

/// A successful browse as mining sees it.
#[derive(Debug, Clone)]
pub struct BrowseInfo {
    pub step: usize,
    pub docid: String,
    /// The effective verdict; `None` when unjudged.
    pub verdict: Option<Verdict>,
    pub source: Source,
    /// Length of the reasoning step right after the browse; `None` when there is none.
    pub reasoning_len: Option<usize>,
}

/// What became of a candidate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A training positive.
    Positive,
    /// Reference mode: a rejected browse written as a row with `satisfied: false`.
    RejectedRow,
    /// Paper mode: the verdict dropped it.
    Dropped,
    /// No verdict yet: left out.
    Unjudged,
}

impl Status {
    /// Whether the pair is written (trainer formats still leave out `RejectedRow`).
    pub fn emitted(self) -> bool {
        matches!(self, Status::Positive | Status::RejectedRow)
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Positive => "positive",
            Status::RejectedRow => "rejected row",
            Status::Dropped => "dropped",
            Status::Unjudged => "unjudged",
        }
    }
}

/// What a browse's effective verdict makes of its pair in `mode`, counted: the one place that
/// decides between positive, dropped (paper), rejected row (reference) and unjudged.
fn fate(verdict: Option<Verdict>, mode: Mode, counts: &mut MineCounts) -> Status {
    match (verdict, mode) {
        (Some(Verdict::Relevant), _) => Status::Positive,
        (Some(Verdict::NotRelevant), Mode::Paper) => {
            counts.dropped_by_verdict += 1;
            Status::Dropped
        }
        (Some(Verdict::NotRelevant), Mode::Reference) => {
            counts.rejected_emitted += 1;
            Status::RejectedRow
        }
        (None, _) => {
            counts.unjudged += 1;
            Status::Unjudged
        }
    }
}

/// A browse that could pair: its pair (negatives as they would be), verdict and fate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub pair: Pair,
    pub verdict: Option<Verdict>,
    pub source: Source,
    pub status: Status,
}

impl Candidate {
    /// The candidate a browse makes: its pair (weight 1.0 until weighted) with the browse's
    /// verdict and fate.
    fn new(
        run_id: &str,
        b: &BrowseInfo,
        search_step: Option<usize>,
        query: String,
        neg_id: Vec<String>,
        status: Status,
    ) -> Candidate {
        Candidate {
            pair: Pair {
                run_id: run_id.to_string(),
                browse_step: b.step,
                search_step,
                query,
                pos_id: b.docid.clone(),
                neg_id,
                reasoning_len: b.reasoning_len,
                satisfied: status == Status::Positive,
                reweight_rate: 1.0,
            },
            verdict: b.verdict,
            source: b.source,
            status,
        }
    }
}

/// The successful browses of a run (its skeleton) with their effective verdicts and lengths.
pub fn browse_infos(
    run_id: &str,
    sk: &Skeleton,
    labels: &Effective<'_>,
    length: &Length,
    counts: &mut MineCounts,
) -> Vec<BrowseInfo> {
    let mut out = Vec::new();
    for b in sk.browses() {
        let Some(docid) = b.succeeded() else {
            counts.failed_browses += 1;
            continue;
        };
        counts.browses += 1;
        let (verdict, source) = labels.verdict(run_id, b.step);
        out.push(BrowseInfo {
            step: b.step,
            docid: docid.to_string(),
            verdict,
            source,
            reasoning_len: length.of_browse(b),
        });
    }
    out
}

/// Mines one run into its candidates, in browse order. Weights are left at 1.0 for emitted
/// pairs (they depend on every pair: see [`assign_weights`]) and 0.0 for the rest.
pub fn mine_run(
    run: &Run,
    labels: &Effective<'_>,
    policy: &Policy<'_>,
    counts: &mut MineCounts,
) -> Vec<Candidate> {
    let sk = run.skeleton();
    let browses = browse_infos(&run.id, &sk, labels, policy.length, counts);
    let mut cands = match policy.mode {
        Mode::Paper => paper::mine(&run.id, &sk, &browses, counts),
        Mode::Reference => reference::mine(&run.id, &sk, &browses, counts),
    };
    drop_labelled_negatives(run, &mut cands, labels, counts);
    counts.runs += 1;
    for c in &mut cands {
        if c.status.emitted() {
            counts.pairs += 1;
            counts.no_negative += usize::from(c.pair.neg_id.is_empty());
        } else {
            c.pair.reweight_rate = 0.0;
        }
    }
    cands
}

/// Leaves out negatives a human marked excluded or actually relevant: keyed by the pair's search
/// in paper mode; in reference mode, where negatives span searches, a label on the document for
/// any search of the run counts. Only emitted pairs count toward `negatives_labelled`.
fn drop_labelled_negatives(
    run: &Run,
    cands: &mut [Candidate],
    labels: &Effective<'_>,
    counts: &mut MineCounts,
) {
    let Some(labelled) = labels.labelled_negatives(&run.id) else {
        return;
    };
    let anywhere: HashSet<&str> = labelled.iter().map(|(_, d)| d.as_str()).collect();
    for c in cands.iter_mut() {
        let p = &mut c.pair;
        let before = p.neg_id.len();
        match p.search_step {
            Some(s) => p.neg_id.retain(|d| !labelled.contains(&(s, d.clone()))),
            None => p.neg_id.retain(|d| !anywhere.contains(d.as_str())),
        }
        if c.status.emitted() {
            counts.negatives_labelled += before - p.neg_id.len();
        }
    }
}

/// Every run's candidates, the counts, and the weights over every emitted pair.
#[derive(Debug, Clone, Default)]
pub struct Mined {
    /// Candidates of each run, in the runs' order.
    pub runs: Vec<Vec<Candidate>>,
    /// What mining counted in each run.
    pub run_counts: Vec<MineCounts>,
    pub weights: WeightStats,
}

impl Mined {
    /// What mining counted over every run.
    pub fn counts(&self) -> MineCounts {
        let mut c = MineCounts::default();
        for x in &self.run_counts {
            c.add(x);
        }
        c
    }

    /// Mines run `ri` again (its labels changed) and reweights every pair.
    pub fn remine_run(
        &mut self,
        ri: usize,
        run: &Run,
        labels: &Effective<'_>,
        policy: &Policy<'_>,
    ) {
        if ri >= self.runs.len() {
            return;
        }
        let mut counts = MineCounts::default();
        self.runs[ri] = mine_run(run, labels, policy, &mut counts);
        self.run_counts[ri] = counts;
        self.reweight();
    }

    /// The emitted pairs, in run and browse order.
    pub fn pairs(&self) -> impl Iterator<Item = &Pair> {
        self.runs
            .iter()
            .flatten()
            .filter(|c| c.status.emitted())
            .map(|c| &c.pair)
    }

    /// Weights from every emitted pair (non-emitted candidates keep 0.0).
    pub fn reweight(&mut self) {
        self.weights = WeightStats::from_lengths(self.pairs().filter_map(|p| p.reasoning_len));
        for c in self.runs.iter_mut().flatten() {
            if c.status.emitted() {
                c.pair.reweight_rate = weight_for(c.pair.reasoning_len, &self.weights);
            }
        }
    }
}

/// Mines every run (on every core, in order) and weights the pairs: the one derivation.
pub fn mine_all(runs: &[Run], labels: &Effective<'_>, policy: &Policy<'_>) -> Mined {
    use rayon::prelude::*;
    let (runs, run_counts): (Vec<_>, Vec<_>) = runs
        .par_iter()
        .map(|r| {
            let mut counts = MineCounts::default();
            (mine_run(r, labels, policy, &mut counts), counts)
        })
        .unzip();
    let mut m = Mined {
        runs,
        run_counts,
        ..Mined::default()
    };
    m.reweight();
    m
}
