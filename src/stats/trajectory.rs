//! Per-run trajectory measurements (the paper's §3 analyses), the unit every table aggregates.

use serde::Serialize;

use super::outcome::{Outcome, OutcomeOverrides, OutcomeSource};
use crate::qrels::Qrels;
use crate::run::Run;
use crate::run::skeleton::Bone;

/// Whitespace-separated words: the `words` length of post-browse reasoning.
pub use crate::run::skeleton::words;

/// What one run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunStats {
    pub run_id: String,
    /// The question's id ([`Run::query_id`]): what run sets are paired by.
    #[serde(skip)]
    pub query_id: String,
    pub outcome: Outcome,
    pub outcome_source: OutcomeSource,
    pub steps: usize,
    pub searches: usize,
    pub failed_searches: usize,
    pub browses: usize,
    pub failed_browses: usize,
    /// Consecutive tool actions: search→search, search→browse, browse→search, browse→browse.
    pub transitions: Transitions,
    /// The rank each browsed document had in the search it came from.
    pub browse_ranks: Vec<u32>,
    /// Words of the reasoning right after each successful browse.
    pub post_browse_words: Vec<usize>,
    /// Share of the question's evidence documents the run's searches retrieved (with qrels).
    pub evidence_recall: Option<f64>,
    /// The run's hits carry no docids (ids derived from titles), so evidence recall is not
    /// measured for it.
    pub hits_without_ids: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Transitions {
    pub search_search: u64,
    pub search_browse: u64,
    pub browse_search: u64,
    pub browse_browse: u64,
}

impl Transitions {
    pub fn add(&mut self, o: &Transitions) {
        self.search_search += o.search_search;
        self.search_browse += o.search_browse;
        self.browse_search += o.browse_search;
        self.browse_browse += o.browse_browse;
    }

    /// P(next is browse | a search), P(next is search | a search).
    pub fn after_search(&self) -> (Option<f64>, Option<f64>) {
        let n = self.search_search + self.search_browse;
        if n == 0 {
            return (None, None);
        }
        (
            Some(self.search_browse as f64 / n as f64),
            Some(self.search_search as f64 / n as f64),
        )
    }

    /// P(next is search | a browse), P(next is browse | a browse).
    pub fn after_browse(&self) -> (Option<f64>, Option<f64>) {
        let n = self.browse_search + self.browse_browse;
        if n == 0 {
            return (None, None);
        }
        (
            Some(self.browse_search as f64 / n as f64),
            Some(self.browse_browse as f64 / n as f64),
        )
    }
}

pub fn run_stats(run: &Run, qrels: Option<&Qrels>) -> RunStats {
    run_stats_with(run, qrels, &OutcomeOverrides::default())
}

/// [`run_stats`] with the outcome decided by human labels and an answer judge first.
pub fn run_stats_with(run: &Run, qrels: Option<&Qrels>, overrides: &OutcomeOverrides) -> RunStats {
    let (outcome, outcome_source) = overrides.outcome(run);
    let sk = run.skeleton();
    let mut s = RunStats {
        run_id: run.id.clone(),
        query_id: run.query_id.clone(),
        outcome,
        outcome_source,
        steps: sk.steps,
        searches: 0,
        failed_searches: 0,
        browses: 0,
        failed_browses: 0,
        transitions: Transitions::default(),
        browse_ranks: Vec::new(),
        post_browse_words: Vec::new(),
        evidence_recall: None,
        hits_without_ids: false,
    };
    let mut prev: Option<bool> = None; // Some(true) = last action was a search
    for bone in sk.bones() {
        let is_search = match bone {
            Bone::Search(x) => {
                s.searches += 1;
                s.failed_searches += usize::from(x.failed);
                true
            }
            Bone::Browse(b) => {
                s.browses += 1;
                if b.ok {
                    if let Some((_, rank)) = b.source {
                        s.browse_ranks.push(rank);
                    }
                    s.post_browse_words
                        .push(b.reasoning_words.map_or(0, |w| w as usize));
                } else {
                    s.failed_browses += 1;
                }
                false
            }
            Bone::Gap { .. } => continue,
        };
        match (prev, is_search) {
            (Some(true), true) => s.transitions.search_search += 1,
            (Some(true), false) => s.transitions.search_browse += 1,
            (Some(false), true) => s.transitions.browse_search += 1,
            (Some(false), false) => s.transitions.browse_browse += 1,
            (None, _) => {}
        }
        prev = Some(is_search);
    }
    if let Some(ev) = qrels.and_then(|q| q.evidence(&run.query_id))
        && !ev.is_empty()
    {
        let retrieved: std::collections::HashSet<&str> = match &run.retrieved_docids {
            Some(ids) => ids.iter().map(String::as_str).collect(),
            None => sk.retrieved().collect(),
        };
        if !retrieved.is_empty()
            && retrieved
                .iter()
                .all(|d| crate::run::tools::is_title_docid(d))
        {
            s.hits_without_ids = true;
        } else {
            let found = ev.iter().filter(|d| retrieved.contains(d.as_str())).count();
            s.evidence_recall = Some(found as f64 / ev.len() as f64);
        }
    }
    s
}
