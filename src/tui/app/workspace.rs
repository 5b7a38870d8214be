//! What every screen shares: the runs, the labels (human journal, judge verdicts and their
//! reasons, what an unjudged browse is), the mining settings, the evidence and the documents,
//! and what was mined from them with those labels and settings.

use std::sync::Arc;

use crate::labels::{Effective, Journal};
use crate::mine::{Length, Policy};
use crate::run::Run;
use crate::train::source::FromRuns;
use crate::tui::rows::{self, Derived};
use crate::tui::screens::train::Miner;
use crate::verdict::Panel;

pub(super) struct Workspace {
    /// Shared with work on other threads (mining for training), appended to while loading.
    pub(super) runs: Arc<Vec<Run>>,
    pub(super) derived: Derived,
    pub(super) journal: Option<Journal>,
    /// The judges' verdicts (each judge's, and combined) with their reasons.
    pub(super) panel: Panel,
    pub(super) qrels: Option<crate::qrels::Qrels>,
    pub(super) corpus: Option<Box<crate::corpus::DocIndex>>,
    pub(super) mode: crate::mine::Mode,
    /// What a browse without a verdict is when there are judge verdicts.
    pub(super) unjudged: crate::labels::Unjudged,
    /// A tokenizer for `l` in tokens (`--tokenizer`), and whether it is in use.
    pub(super) tokens: Option<Arc<Length>>,
    pub(super) use_tokens: bool,
    /// The workspace's run index, once the loader has brought it up to date.
    pub(super) run_index: Option<Box<crate::runindex::RunIndex>>,
    /// Why there is no run index, when building it failed.
    pub(super) run_index_problem: Option<String>,
    /// How the runs were read (to read a run again, whole).
    pub(super) read: crate::run::ReadOptions,
    /// The runs kept whole now (those shown), the others shells ([`Run::shell`]).
    pub(super) whole: Vec<usize>,
}

impl Workspace {
    pub(super) fn new(journal: Option<Journal>, panel: Panel) -> Workspace {
        Workspace {
            runs: Default::default(),
            derived: Derived::default(),
            journal,
            panel,
            qrels: None,
            corpus: None,
            mode: crate::mine::Mode::Paper,
            unjudged: crate::labels::Unjudged::Skip,
            tokens: None,
            use_tokens: false,
            run_index: None,
            run_index_problem: None,
            read: Default::default(),
            whole: Vec::new(),
        }
    }

    /// The effective labels: human ?? judge ?? default, unjudged browses as set.
    pub(super) fn labels(&self) -> Effective<'_> {
        Effective {
            judge: self.panel.verdicts.as_ref(),
            human: self.journal.as_ref(),
            unjudged: self.unjudged,
        }
    }

    /// How pairs are mined now: the labels, the mode, and `l` in words or (with a tokenizer)
    /// tokens. Screens, export and training all mine with this.
    pub(super) fn settings(&self) -> rows::Settings<'_> {
        static WORDS: Length = Length::Words;
        let length = match (&self.tokens, self.use_tokens) {
            (Some(t), true) => &**t,
            _ => &WORDS,
        };
        rows::Settings {
            labels: self.labels(),
            policy: Policy {
                mode: self.mode,
                length,
            },
        }
    }

    /// Mines every run again.
    pub(super) fn derive(&mut self) {
        self.derived = rows::derive(&self.runs, &self.settings());
    }

    /// Mines run `ri` again (a label on it changed), and the weights.
    pub(super) fn rederive_run(&mut self, ri: usize) {
        let mut derived = std::mem::take(&mut self.derived);
        rows::rederive_run(&mut derived, &self.runs, ri, &self.settings());
        self.derived = derived;
    }

    /// Keeps the runs `want` whole (shells read back from their files) and the runs read back
    /// before as shells again. Runs handed over whole (not read from a file) stay as they are.
    pub(super) fn keep_whole(&mut self, want: &[usize]) {
        let leave = self.whole.iter().any(|o| !want.contains(o));
        let read = want
            .iter()
            .any(|w| !self.whole.contains(w) && self.runs.get(*w).is_some_and(Run::is_shell));
        if !leave && !read {
            return;
        }
        let runs = Arc::make_mut(&mut self.runs);
        let before = std::mem::take(&mut self.whole);
        for &old in &before {
            if !want.contains(&old)
                && let Some(r) = runs.get_mut(old)
            {
                r.shell();
            }
        }
        for &w in want {
            let Some(r) = runs.get_mut(w) else { continue };
            if before.contains(&w) {
                self.whole.push(w);
            } else if r.is_shell()
                && let Some(whole) = crate::run::load::with_texts(r, &self.read)
            {
                *r = whole;
                self.whole.push(w);
            }
        }
    }

    /// What training learns from, as work that owns what it needs (the runs, a snapshot of the
    /// labels, the length measure, the corpus), so the training thread mines, not the draw
    /// loop: the pairs the screens show, texts as the export writes them.
    pub(super) fn training_miner(&self) -> Miner {
        let runs = self.runs.clone();
        let judge = self.panel.verdicts.clone();
        let human = self.journal.as_ref().map(Journal::snapshot);
        let unjudged = self.unjudged;
        let mode = self.mode;
        let length = match (&self.tokens, self.use_tokens) {
            (Some(t), true) => t.clone(),
            _ => Arc::new(Length::Words),
        };
        let corpus = self.corpus.as_deref().cloned();
        let read = self.read.clone();
        Box::new(move || {
            let labels = Effective {
                judge: judge.as_ref(),
                human: human.as_ref(),
                unjudged,
            };
            let policy = Policy {
                mode,
                length: &length,
            };
            crate::train::source::from_shells(
                &runs,
                &FromRuns {
                    labels,
                    policy,
                    corpus: corpus.as_ref(),
                },
                &|r| crate::run::load::with_texts(r, &read),
            )
            .0
        })
    }
}
