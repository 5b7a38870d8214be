//! Reference mode: the authors' released builder. Consecutive browses form a group; negatives
//! come from rejected browses (newest first) and from the unbrowsed hits of every search since
//! the last accepted browse (newest search first); rejected browses are emitted too, with
//! `satisfied: false`. A browse without a verdict is neither: it is left out, and its document
//! is never used as a negative while the searches that returned it are still in play.

use std::collections::HashSet;

use super::{BrowseInfo, Candidate, MineCounts, Mode, Status};
use crate::run::Skeleton;
use crate::run::skeleton::Bone;
use crate::verdict::Verdict;

fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|x| seen.insert(x.clone()))
        .collect()
}

/// What the builder carries from one group to the next.
#[derive(Default)]
struct State {
    query: Option<String>,
    history: Vec<Vec<String>>,
    rejected_before: Vec<String>,
    unjudged_before: HashSet<String>,
}

pub fn mine(
    run_id: &str,
    sk: &Skeleton,
    browses: &[BrowseInfo],
    counts: &mut MineCounts,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut st = State::default();
    let bones: Vec<Bone> = sk.bones().collect();
    let mut i = 0;
    while i < bones.len() {
        match bones[i] {
            Bone::Search(s) => {
                if let Some(q) = &s.query {
                    st.query = Some(q.to_string());
                }
                st.history.push(s.hits.iter().map(str::to_string).collect());
                i += 1;
            }
            Bone::Browse(_) => {
                // A group: browse, optionally its reasoning, then the next browse, and so on.
                let mut group: Vec<&BrowseInfo> = Vec::new();
                while let Some(Bone::Browse(x)) = bones.get(i) {
                    if let Some(b) = browses.iter().find(|b| b.step == x.step) {
                        group.push(b);
                    }
                    i += 1;
                    if let Some(Bone::Gap {
                        lone_reasoning: true,
                    }) = bones.get(i)
                    {
                        i += 1;
                    }
                }
                emit_group(run_id, &group, &st, &mut out, counts);
                let accepted_any = group.iter().any(|b| b.verdict == Some(Verdict::Relevant));
                for b in &group {
                    match b.verdict {
                        Some(Verdict::NotRelevant) => st.rejected_before.push(b.docid.clone()),
                        None => {
                            st.unjudged_before.insert(b.docid.clone());
                        }
                        Some(Verdict::Relevant) => {}
                    }
                }
                if accepted_any {
                    st = State::default();
                }
            }
            Bone::Gap { .. } => i += 1,
        }
    }
    out
}

fn emit_group(
    run_id: &str,
    group: &[&BrowseInfo],
    st: &State,
    out: &mut Vec<Candidate>,
    counts: &mut MineCounts,
) {
    let with = |v: Option<Verdict>| -> Vec<&str> {
        group
            .iter()
            .filter(|b| b.verdict == v)
            .map(|b| b.docid.as_str())
            .collect()
    };
    let accepted: HashSet<&str> = with(Some(Verdict::Relevant)).into_iter().collect();
    let rejected_here = with(Some(Verdict::NotRelevant));
    let browsed: HashSet<&str> = st
        .rejected_before
        .iter()
        .map(String::as_str)
        .chain(st.unjudged_before.iter().map(String::as_str))
        .chain(group.iter().map(|b| b.docid.as_str()))
        .collect();
    let unbrowsed = st
        .history
        .iter()
        .rev()
        .flat_map(|hits| hits.iter())
        .filter(|d| !browsed.contains(d.as_str()))
        .cloned();
    let base = dedup(
        rejected_here
            .iter()
            .rev()
            .map(|d| d.to_string())
            .chain(st.rejected_before.iter().rev().cloned())
            .chain(unbrowsed),
    );
    let base: Vec<String> = base
        .into_iter()
        .filter(|d| !accepted.contains(d.as_str()))
        .collect();
    for b in group {
        let surfaced = st.history.iter().any(|hits| hits.contains(&b.docid));
        let Some(q) = st.query.as_ref().filter(|_| surfaced) else {
            counts.unattributed += 1;
            continue;
        };
        let status = super::fate(b.verdict, Mode::Reference, counts);
        let neg_id = if status == Status::Positive {
            base.clone()
        } else {
            base.iter().filter(|d| **d != b.docid).cloned().collect()
        };
        out.push(Candidate::new(run_id, b, None, q.clone(), neg_id, status));
    }
}
