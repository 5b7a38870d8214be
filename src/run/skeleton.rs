//! A run's skeleton: what mining, the run list, the review queue and the statistics read of a
//! run — its searches (the query that ran, whether it failed, the documents it returned in
//! order), its browses (the document, whether it opened, the search and rank it came from,
//! its title there, the reasoning right after it) and the order of these — without the texts
//! only a person reads (documents, snippets, other reasoning, answers' thinking).
//!
//! Mining and run statistics always read a run through its skeleton ([`Run::skeleton`]), so a
//! run read whole from its file and the same run kept as a shell ([`Run::shell`], as the app
//! keeps the runs it does not show) mine and count alike.

use serde::{Deserialize, Serialize};

use super::{Run, StepKind};

/// The documents one search returned, in rank order, packed in one string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ids {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl Ids {
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> Ids {
        let mut text = String::new();
        let mut ends = Vec::new();
        for id in ids {
            text.push_str(id);
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        Ids {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&e| {
            let e = e as usize;
            let s = self.text.get(start..e).unwrap_or("");
            start = e;
            s
        })
    }

    pub fn contains(&self, docid: &str) -> bool {
        self.iter().any(|d| d == docid)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A search call's bones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchBones {
    /// File index of the step.
    pub step: usize,
    /// The query that ran.
    pub query: Option<Box<str>>,
    /// The tool reported an error.
    pub failed: bool,
    pub hits: Ids,
}

/// A browse's bones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrowseBones {
    /// File index of the step.
    pub step: usize,
    /// The document named, even when the fetch failed.
    pub docid: Option<Box<str>>,
    /// Whether the browse succeeded ([`crate::run::Browse::succeeded`]).
    pub ok: bool,
    /// The search the document came from and its rank there ([`Run::source_search`]).
    pub source: Option<(usize, u32)>,
    /// The title that search gave it.
    pub title: Option<Box<str>>,
    /// The reasoning step right after the browse ([`Run::reasoning_after`]), when there is one.
    pub reasoning: Option<Box<str>>,
    /// The words of that reasoning (whitespace-separated), counted once: mining weighs every
    /// browse by it on each recompute.
    pub reasoning_words: Option<u32>,
}

/// Words in `text`: its whitespace-separated pieces (the paper's reasoning length in words).
pub fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

impl BrowseBones {
    /// The document opened, when the browse succeeded.
    pub fn succeeded(&self) -> Option<&str> {
        self.docid.as_deref().filter(|_| self.ok)
    }
}

/// One element of the skeleton, in step order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bone<'a> {
    Search(&'a SearchBones),
    Browse(&'a BrowseBones),
    /// Consecutive steps that are neither searches nor browses; `lone_reasoning` when they are
    /// exactly one reasoning step (the one a group of browses may hold between two browses).
    Gap {
        lone_reasoning: bool,
    },
}

/// What comes next in step order (the searches and browses themselves are kept in order in
/// their own lists: a byte a step here, not a bone's size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Mark {
    Search,
    Browse,
    Gap { lone_reasoning: bool },
}

/// The skeleton of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Skeleton {
    /// Steps in the run.
    pub steps: usize,
    order: Box<[Mark]>,
    searches: Box<[SearchBones]>,
    browses: Box<[BrowseBones]>,
}

impl Skeleton {
    /// The skeleton of a run read whole.
    pub fn of(run: &Run) -> Skeleton {
        let mut order: Vec<Mark> = Vec::new();
        let mut searches = Vec::new();
        let mut browses = Vec::new();
        for s in &run.steps {
            match &s.kind {
                StepKind::Search(x) => searches.push(SearchBones {
                    step: s.index,
                    query: x.query.as_deref().map(Box::from),
                    failed: x.error.is_some(),
                    hits: Ids::new(x.hits.iter().map(|h| h.docid.as_str())),
                }),
                StepKind::Browse(b) => {
                    let ok = b.succeeded().is_some();
                    let (source, title) = match b.succeeded() {
                        Some(d) => (
                            run.source_search(s.index, d),
                            run.source_title(s.index, d).map(Box::from),
                        ),
                        None => (None, None),
                    };
                    let reasoning = match run.step(s.index + 1).map(|n| &n.kind) {
                        Some(StepKind::Reasoning { text }) => Some(Box::from(text.as_str())),
                        _ => None,
                    };
                    browses.push(BrowseBones {
                        step: s.index,
                        docid: b.docid.as_deref().map(Box::from),
                        ok,
                        source,
                        title,
                        reasoning_words: reasoning
                            .as_deref()
                            .map(|t| u32::try_from(words(t)).unwrap_or(u32::MAX)),
                        reasoning,
                    })
                }
                kind => {
                    let reasoning = matches!(kind, StepKind::Reasoning { .. });
                    match order.last_mut() {
                        Some(Mark::Gap { lone_reasoning }) => *lone_reasoning = false,
                        _ => order.push(Mark::Gap {
                            lone_reasoning: reasoning,
                        }),
                    }
                    continue;
                }
            }
            order.push(match s.kind {
                StepKind::Search(_) => Mark::Search,
                _ => Mark::Browse,
            });
        }
        Skeleton {
            steps: run.steps.len(),
            order: order.into(),
            searches: searches.into(),
            browses: browses.into(),
        }
    }

    /// The searches, browses and gaps in step order.
    pub fn bones(&self) -> impl Iterator<Item = Bone<'_>> + Clone {
        let mut s = self.searches.iter();
        let mut b = self.browses.iter();
        self.order.iter().filter_map(move |m| match *m {
            Mark::Search => s.next().map(Bone::Search),
            Mark::Browse => b.next().map(Bone::Browse),
            Mark::Gap { lone_reasoning } => Some(Bone::Gap { lone_reasoning }),
        })
    }

    pub fn searches(&self) -> impl Iterator<Item = &SearchBones> {
        self.searches.iter()
    }

    pub fn browses(&self) -> impl Iterator<Item = &BrowseBones> {
        self.browses.iter()
    }

    /// The search at file index `step`.
    pub fn search(&self, step: usize) -> Option<&SearchBones> {
        let i = self.searches.binary_search_by_key(&step, |s| s.step).ok()?;
        self.searches.get(i)
    }

    /// The browse at file index `step`.
    pub fn browse(&self, step: usize) -> Option<&BrowseBones> {
        let i = self.browses.binary_search_by_key(&step, |b| b.step).ok()?;
        self.browses.get(i)
    }

    /// The browses a judge looks at (those that opened a document): (step index, docid).
    pub fn judged(&self) -> impl Iterator<Item = (usize, &str)> {
        self.browses()
            .filter_map(|b| b.succeeded().map(|d| (b.step, d)))
    }

    /// Every document the searches returned, in order.
    pub fn retrieved(&self) -> impl Iterator<Item = &str> {
        self.searches().flat_map(|s| s.hits.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_order_and_empty_ids() {
        let ids = Ids::new(["12", "", "abc"]);
        assert_eq!(ids.iter().collect::<Vec<_>>(), vec!["12", "", "abc"]);
        assert_eq!(ids.len(), 3);
        assert!(ids.contains("abc") && ids.contains("") && !ids.contains("1"));
        assert!(Ids::new([]).is_empty());
    }
}
