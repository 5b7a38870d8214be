//! The effective label, everywhere: human ?? judge ?? default, where the default depends on
//! whether a judge spoke at all (see [`Unjudged`]).

use super::journal::Journal;
use super::record::{LabelKey, LabelValue, NegativeLabel};
use crate::verdict::{Verdict, Verdicts};

use std::collections::HashSet;

/// Where an effective verdict came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Human,
    Judge,
    /// No judge at all: every browse counts as relevant (the paper's naive setting).
    Default,
    /// A judge was consulted but has no verdict for this browse (pending, or never judged).
    Unjudged,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Human => "human",
            Source::Judge => "judge",
            Source::Default => "default",
            Source::Unjudged => "unjudged",
        }
    }
}

/// What a browse without a verdict means when verdicts were given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unjudged {
    /// Neither a positive nor a negative: counted and left out until it is judged.
    #[default]
    Skip,
    /// The naive reading: relevant, as if there were no judge.
    Relevant,
}

/// Judge verdicts overlaid with human labels.
#[derive(Clone, Copy, Default)]
pub struct Effective<'a> {
    pub judge: Option<&'a Verdicts>,
    pub human: Option<&'a Journal>,
    /// Applies only when there is a judge: without one every browse is relevant.
    pub unjudged: Unjudged,
}

impl<'a> Effective<'a> {
    pub fn new(judge: Option<&'a Verdicts>, human: Option<&'a Journal>) -> Self {
        Effective {
            judge,
            human,
            unjudged: Unjudged::default(),
        }
    }

    /// A browse's verdict and where it came from; `None` only for [`Source::Unjudged`].
    pub fn verdict(&self, run_id: &str, step: usize) -> (Option<Verdict>, Source) {
        // (Asked once a browse over every run: no key is built while there are no labels.)
        if let Some(h) = self.human.filter(|h| !h.is_empty()) {
            let key = LabelKey::Browse {
                run_id: run_id.to_string(),
                step,
            };
            if let Some(LabelValue::Verdict(v)) = h.get(&key) {
                return (Some(*v), Source::Human);
            }
        }
        match self.judge {
            None => (Some(Verdict::Relevant), Source::Default),
            Some(j) => match (j.get(run_id, step), self.unjudged) {
                (Some(v), _) => (Some(v), Source::Judge),
                (None, Unjudged::Relevant) => (Some(Verdict::Relevant), Source::Default),
                (None, Unjudged::Skip) => (None, Source::Unjudged),
            },
        }
    }

    /// A human's label on a negative, if any.
    pub fn negative(&self, run_id: &str, search_step: usize, docid: &str) -> Option<NegativeLabel> {
        let key = LabelKey::Negative {
            run_id: run_id.to_string(),
            search_step,
            docid: docid.to_string(),
        };
        match self
            .human
            .filter(|h| !h.is_empty())
            .and_then(|h| h.get(&key))
        {
            Some(LabelValue::Negative(n)) => Some(*n),
            _ => None,
        }
    }

    /// The (search step, document) pairs of run `run_id` a human labelled as negatives; `None`
    /// when there are none.
    pub fn labelled_negatives(&self, run_id: &str) -> Option<&'a HashSet<(usize, String)>> {
        self.human.and_then(|h| h.labelled_negatives(run_id))
    }

    /// The human browse verdicts alone.
    pub fn human_verdicts(&self) -> Verdicts {
        Effective {
            judge: Some(&Verdicts::default()),
            ..*self
        }
        .merged_verdicts()
    }

    /// The judge's verdicts with every human browse verdict laid over them.
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
