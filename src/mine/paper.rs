//! Paper mode (§5.1): one pair per (source search, browsed document); negatives are the
//! search's other hits that the run never browsed.

use ahash::AHashSet as HashSet;

use super::{BrowseInfo, Candidate, MineCounts, Mode};
use crate::run::Skeleton;

pub fn mine(
    run_id: &str,
    sk: &Skeleton,
    browses: &[BrowseInfo],
    counts: &mut MineCounts,
) -> Vec<Candidate> {
    // Every document the run tried to open, even where the tool failed: the agent chose it, so
    // it is never an unbrowsed negative.
    let browsed_anywhere: HashSet<&str> = sk.browses().filter_map(|b| b.docid.as_deref()).collect();
    let mut seen: HashSet<(usize, &str)> = HashSet::new();
    let mut out = Vec::new();
    for b in browses {
        let Some((s, _rank)) = sk.browse(b.step).and_then(|x| x.source) else {
            counts.unattributed += 1;
            continue;
        };
        if !seen.insert((s, b.docid.as_str())) {
            counts.repeated += 1;
            continue;
        }
        let Some(search) = sk.search(s) else {
            continue;
        };
        let status = super::fate(b.verdict, Mode::Paper, counts);
        let neg_id: Vec<String> = search
            .hits
            .iter()
            .filter(|d| !browsed_anywhere.contains(d))
            .map(str::to_string)
            .collect();
        let query = search.query.as_deref().unwrap_or_default().to_string();
        out.push(Candidate::new(run_id, b, Some(s), query, neg_id, status));
    }
    out
}
