//! The review queue: every browse a person has not labelled, most likely wrong and most
//! consequential first (see [`priority`] for the one estimate behind the order).

pub mod experiment;
pub mod priority;
pub mod simulated_judge;

use serde::Serialize;

use crate::labels::Effective;
use crate::mine::{Mined, weight_for};
use crate::run::Run;
use crate::verdict::{Panel, Verdict, Verdicts};

pub use priority::{Estimate, Track, Voice};

/// One browse waiting for a person's label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// Index of the run in the runs given.
    #[serde(skip)]
    pub run: usize,
    pub run_id: String,
    pub step: usize,
    pub docid: String,
    /// The verdict in force (`None`: unjudged).
    pub verdict: Option<Verdict>,
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// The queue in priority order, with what is already done.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Queue {
    pub items: Vec<Item>,
    /// Judged browses a person has labelled.
    pub reviewed: usize,
    /// The expected number of wrong verdicts among the items (the sum of their chances).
    pub errors_left: f64,
}

/// What the queue is built from.
pub struct Inputs<'a> {
    pub runs: &'a [Run],
    pub panel: &'a Panel,
    /// The verdicts in force (human ?? judge ?? default).
    pub labels: Effective<'a>,
    /// The browses a person labelled, and how ([`Effective::human_verdicts`]).
    pub human: &'a Verdicts,
    /// What was mined with those labels, in the runs' order (for each pair's weight and
    /// negatives).
    pub mined: &'a Mined,
}

/// Every browse not yet labelled by a person, in file order, with its estimate.
pub fn items(i: &Inputs<'_>) -> Queue {
    let human = i.human;
    let track = Track::from_labels(&i.panel.opinions, human);
    let cands = i.mined.runs.iter().flatten();
    let (n, negs) = cands.fold((0usize, 0usize), |(n, s), c| {
        (n + 1, s + c.pair.neg_id.len())
    });
    let mean_negatives = if n == 0 { 0.0 } else { negs as f64 / n as f64 };
    let mut q = Queue::default();
    for (ri, run) in i.runs.iter().enumerate() {
        let cands = i.mined.runs.get(ri).map(Vec::as_slice).unwrap_or_default();
        for (step, docid) in run.skeleton().judged() {
            if human.get(&run.id, step).is_some() {
                q.reviewed += 1;
                continue;
            }
            let (weight, negatives) = cands
                .iter()
                .find(|c| c.pair.browse_step == step)
                .map(|c| {
                    (
                        weight_for(c.pair.reasoning_len, &i.mined.weights),
                        c.pair.neg_id.len(),
                    )
                })
                .unwrap_or((1.0, 0));
            let (verdict, _) = i.labels.verdict(&run.id, step);
            let estimate = priority::estimate(
                &i.panel.opinions,
                i.panel.opinions.of(&run.id, step),
                verdict,
                &track,
                weight,
                negatives,
                mean_negatives,
            );
            q.errors_left += estimate.p_wrong;
            q.items.push(Item {
                run: ri,
                run_id: run.id.clone(),
                step,
                docid: docid.to_string(),
                verdict,
                estimate,
            });
        }
    }
    q
}

/// The queue: [`items`] by priority, highest first (file order among equals).
pub fn queue(i: &Inputs<'_>) -> Queue {
    let mut q = items(i);
    q.items
        .sort_by(|a, b| b.estimate.priority.total_cmp(&a.estimate.priority));
    q
}
