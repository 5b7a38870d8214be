//! Paper mode (§5.1): one pair per (source search, browsed document); negatives are the
//! search's other hits that the run never browsed.

use std::collections::HashSet;

use super::{BrowseInfo, Candidate, MineCounts, Mode};
use crate::run::{Run, StepKind};

pub fn mine(run: &Run, browses: &[BrowseInfo], counts: &mut MineCounts) -> Vec<Candidate> {
    // Every document the run tried to open, even where the tool failed: the agent chose it, so
    // it is never an unbrowsed negative.
    let browsed_anywhere: HashSet<&str> = run
        .browses()
        .filter_map(|(_, b)| b.docid.as_deref())
        .collect();
    let mut seen: HashSet<(usize, &str)> = HashSet::new();
    let mut out = Vec::new();
    for b in browses {
        let Some((s, _rank)) = run.source_search(b.step, &b.docid) else {
            counts.unattributed += 1;
            continue;
        };
        if !seen.insert((s, b.docid.as_str())) {
            counts.repeated += 1;
            continue;
        }
        let Some(StepKind::Search(search)) = run.step(s).map(|x| &x.kind) else {
            continue;
        };
        let status = super::fate(b.verdict, Mode::Paper, counts);
        let neg_id: Vec<String> = search
            .hits
            .iter()
            .filter(|h| !browsed_anywhere.contains(h.docid.as_str()))
            .map(|h| h.docid.clone())
            .collect();
        let query = search.query.clone().unwrap_or_default();
        out.push(Candidate::new(run, b, Some(s), query, neg_id, status));
    }
    out
}
