//! The effective label, everywhere: human ?? judge ?? default.

use super::journal::Journal;
use super::record::{LabelKey, LabelValue, NegativeLabel};
use crate::verdict::{Verdict, Verdicts};

/// Where an effective verdict came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Human,
    Judge,
    Default,
}

/// Judge verdicts overlaid with human labels.
pub struct Effective<'a> {
    pub judge: Option<&'a Verdicts>,
    pub human: Option<&'a Journal>,
}

impl Effective<'_> {
    /// A browse's verdict and where it came from; no label means relevant (the naive setting).
    pub fn verdict(&self, run_id: &str, step: usize) -> (Verdict, Source) {
        let key = LabelKey::Browse {
            run_id: run_id.to_string(),
            step,
        };
        if let Some(LabelValue::Verdict(v)) = self.human.and_then(|h| h.get(&key)) {
            return (*v, Source::Human);
        }
        match self.judge.and_then(|j| j.get(run_id, step)) {
            Some(v) => (v, Source::Judge),
            None => (Verdict::Relevant, Source::Default),
        }
    }

    /// A human's label on a negative, if any.
    pub fn negative(&self, run_id: &str, search_step: usize, docid: &str) -> Option<NegativeLabel> {
        let key = LabelKey::Negative {
            run_id: run_id.to_string(),
            search_step,
            docid: docid.to_string(),
        };
        match self.human.and_then(|h| h.get(&key)) {
            Some(LabelValue::Negative(n)) => Some(*n),
            _ => None,
        }
    }

    /// [`Effective::merged_verdicts`], or `None` when there is neither a judge nor labels (every
    /// browse then counts as relevant).
    pub fn merged_if_any(&self) -> Option<Verdicts> {
        (self.judge.is_some() || self.human.is_some()).then(|| self.merged_verdicts())
    }

    /// The judge's verdicts with every human browse verdict laid over them: what mining reads.
    pub fn merged_verdicts(&self) -> Verdicts {
        let mut v = self.judge.cloned().unwrap_or_default();
        if let Some(h) = self.human {
            for (k, val) in h.labels() {
                if let (LabelKey::Browse { run_id, step }, LabelValue::Verdict(x)) = (k, val) {
                    v.insert(run_id, *step, *x);
                }
            }
        }
        v
    }
}
