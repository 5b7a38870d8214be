//! Mining LRAT supervision from runs: pairs in the paper's mode or the authors' released-code
//! mode, post-browse reasoning lengths, and intensity weights.

pub mod job;
mod length;
mod pair;
mod paper;
mod reference;
mod weight;

pub use job::{MineReport, MineSpec, drop_labelled_negatives, mine_files};
pub use length::Length;
pub use pair::Pair;
pub use weight::{WeightStats, assign_weights, median, weight_for};

use serde::Serialize;

use crate::run::Run;
use crate::verdict::{Verdict, Verdicts};

/// Which rules build the pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// §5.1 of the paper (the default).
    Paper,
    /// The authors' released builder (LRAT-Train).
    Reference,
}

/// What mining saw and set aside.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MineCounts {
    pub runs: usize,
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
    /// Pairs with an empty negative list.
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
        self.no_negative += o.no_negative;
        self.negatives_labelled += o.negatives_labelled;
    }
}

/// A successful browse as mining sees it.
#[derive(Debug, Clone)]
pub struct BrowseInfo {
    pub step: usize,
    pub docid: String,
    pub verdict: Verdict,
    /// Length of the reasoning step right after the browse; `None` when there is none.
    pub reasoning_len: Option<usize>,
}

/// The successful browses of a run with their effective verdicts and lengths.
pub fn browse_infos(
    run: &Run,
    verdicts: Option<&Verdicts>,
    length: &Length,
    counts: &mut MineCounts,
) -> Vec<BrowseInfo> {
    let mut out = Vec::new();
    for (step, b) in run.browses() {
        let docid = match (&b.docid, &b.error) {
            (Some(d), None) => d.clone(),
            _ => {
                counts.failed_browses += 1;
                continue;
            }
        };
        counts.browses += 1;
        let verdict = verdicts
            .and_then(|v| v.get(&run.id, step))
            .unwrap_or(Verdict::Relevant);
        let reasoning_len = match run.step(step + 1).map(|s| &s.kind) {
            Some(crate::run::StepKind::Reasoning { text }) => Some(length.of(text)),
            _ => None,
        };
        out.push(BrowseInfo {
            step,
            docid,
            verdict,
            reasoning_len,
        });
    }
    out
}

/// Mines one run. Weights are left at 1.0: they depend on every pair (see [`assign_weights`]).
pub fn mine_run(
    run: &Run,
    mode: Mode,
    verdicts: Option<&Verdicts>,
    length: &Length,
    counts: &mut MineCounts,
) -> Vec<Pair> {
    let browses = browse_infos(run, verdicts, length, counts);
    let pairs = match mode {
        Mode::Paper => paper::mine(run, &browses, counts),
        Mode::Reference => reference::mine(run, &browses, counts),
    };
    counts.runs += 1;
    counts.pairs += pairs.len();
    counts.no_negative += pairs.iter().filter(|p| p.neg_id.is_empty()).count();
    pairs
}

/// Mines every run and weights the pairs.
pub fn mine_all(
    runs: &[Run],
    mode: Mode,
    verdicts: Option<&Verdicts>,
    length: &Length,
) -> (Vec<Pair>, MineCounts, WeightStats) {
    let mut counts = MineCounts::default();
    let mut pairs: Vec<Pair> = runs
        .iter()
        .flat_map(|r| mine_run(r, mode, verdicts, length, &mut counts))
        .collect();
    let stats = assign_weights(&mut pairs);
    (pairs, counts, stats)
}
