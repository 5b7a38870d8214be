//! What the screens show that is computed from runs and labels: one row a run, the pairs mined
//! with the effective verdicts, their weights, sorting and search.

use crate::labels::{Effective, LabelKey, LabelValue, Source};
use crate::mine::{self, Candidate, Mined, Pair, Policy};
use crate::run::{Run, StepKind};
use crate::stats::{Outcome, OutcomeOverrides, OutcomeSource};

/// Which runs the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Correct,
    Incorrect,
    Unknown,
    WithOverrides,
    WithUnjudged,
}

impl Filter {
    pub fn name(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Correct => "correct",
            Filter::Incorrect => "incorrect",
            Filter::Unknown => "unknown",
            Filter::WithOverrides => "with overrides",
            Filter::WithUnjudged => "with unjudged browses",
        }
    }
    pub fn next(self) -> Filter {
        match self {
            Filter::All => Filter::Correct,
            Filter::Correct => Filter::Incorrect,
            Filter::Incorrect => Filter::Unknown,
            Filter::Unknown => Filter::WithOverrides,
            Filter::WithOverrides => Filter::WithUnjudged,
            Filter::WithUnjudged => Filter::All,
        }
    }
}

/// One row of the Runs screen.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: String,
    /// The file the run came from (its stem), and the line for one-run-a-line files.
    pub file: String,
    pub outcome: Outcome,
    pub source: OutcomeSource,
    pub searches: usize,
    pub browses: usize,
    pub pairs: usize,
    pub overrides: usize,
    /// Successful browses a judge was asked about (or judges were given) with neither its
    /// verdict nor a human's: left out of the pairs until judged. Zero when no judge spoke
    /// (every browse then counts as relevant), as on the Pairs screen.
    pub unjudged: usize,
    pub question: String,
    /// The run's note, written by a human (`:` on the Run screen).
    pub note: Option<String>,
    /// Run sets (folders, or JSON-lines files) holding a run of this question: `C` compares
    /// them when there are two or more.
    pub sets: usize,
}

/// One candidate pair on the Pairs screen: emitted, dropped by its verdict, or unjudged.
#[derive(Debug, Clone, Copy)]
pub struct PairRow<'a> {
    /// Index of the run in the app's runs.
    pub run: usize,
    /// The positive's title as the search that returned it gave it.
    pub title: &'a str,
    /// The candidate as mined: its pair, verdict, the verdict's source and its fate.
    pub candidate: &'a Candidate,
}

impl std::ops::Deref for PairRow<'_> {
    type Target = Candidate;
    fn deref(&self) -> &Candidate {
        self.candidate
    }
}

impl PairRow<'_> {
    pub fn emitted(&self) -> bool {
        self.status.emitted()
    }
}

/// Where a candidate pair lives in [`Mined::runs`], and its positive's title.
#[derive(Debug)]
struct Slot {
    run: u32,
    at: u32,
    title: Box<str>,
}

/// Everything derived at once.
#[derive(Debug, Default)]
pub struct Derived {
    pub rows: Vec<RunRow>,
    /// What the one derivation ([`mine::mine_all`]) gives for these runs and labels.
    pub mined: Mined,
    /// Every candidate pair, for the Pairs screen (read through [`Derived::candidate`]: the
    /// pairs themselves are kept once, in `mined`).
    slots: Vec<Slot>,
    /// Emitted pairs over every run (kept: the header shows it every frame).
    pub total_pairs: usize,
    /// Whether the run list shows each run's file: runs come from several files and some file
    /// holds more than one (one run a file names its run already).
    pub show_file: bool,
}

impl Derived {
    /// Candidate pair `i` of every run's, in run and step order.
    pub fn candidate(&self, i: usize) -> Option<PairRow<'_>> {
        let s = self.slots.get(i)?;
        let candidate = self.mined.runs.get(s.run as usize)?.get(s.at as usize)?;
        Some(PairRow {
            run: s.run as usize,
            title: &s.title,
            candidate,
        })
    }

    /// How many candidate pairs there are.
    pub fn candidates_len(&self) -> usize {
        self.slots.len()
    }

    /// Every candidate pair, in run and step order.
    pub fn candidates(&self) -> impl Iterator<Item = PairRow<'_>> {
        (0..self.slots.len()).filter_map(|i| self.candidate(i))
    }

    /// The emitted pairs of run `ri`.
    pub fn run_pairs(&self, ri: usize) -> impl Iterator<Item = &Pair> {
        self.mined
            .runs
            .get(ri)
            .into_iter()
            .flatten()
            .filter(|c| c.status.emitted())
            .map(|c| &c.pair)
    }
}

/// How pairs are mined for the screens.
pub struct Settings<'a> {
    pub labels: Effective<'a>,
    pub policy: Policy<'a>,
}

/// The positive's title as the search that returned it gave it.
fn title(r: &Run, pair: &Pair) -> String {
    r.source_title(pair.browse_step, &pair.pos_id)
        .unwrap_or_default()
        .to_string()
}

/// Human outcome labels and how many labels each run has.
struct Human {
    overrides: OutcomeOverrides,
    per_run: std::collections::HashMap<String, usize>,
}

impl Human {
    fn new(labels: &Effective<'_>) -> Human {
        let mut h = Human {
            overrides: OutcomeOverrides::default(),
            per_run: Default::default(),
        };
        if let Some(j) = labels.human {
            for (k, _) in j.labels() {
                *h.per_run.entry(k.run_id().to_string()).or_default() += 1;
            }
            h.overrides.human = j.run_correctness();
        }
        h
    }
}

/// One run's row.
fn run_row(r: &Run, labels: &Effective<'_>, human: &Human, pairs: usize) -> RunRow {
    let per_run = human.per_run.get(r.id.as_str()).copied().unwrap_or(0);
    let (outcome, source) = human.overrides.outcome(r);
    let sk = r.skeleton();
    RunRow {
        id: r.id.clone(),
        file: file_label(&r.source),
        outcome,
        source,
        searches: sk.searches().count(),
        browses: sk.browses().count(),
        pairs,
        overrides: per_run,
        unjudged: sk
            .judged()
            .filter(|(i, _)| labels.verdict(&r.id, *i).1 == Source::Unjudged)
            .count(),
        question: crate::text::one_line(r.question.as_deref().unwrap_or(""), 200),
        note: run_note(labels, &r.id),
        sets: 1,
    }
}

/// `stem` or `stem:line`: where a run came from, short enough for a column.
fn file_label(source: &crate::run::Source) -> String {
    let stem = source.path.file_stem().map_or_else(
        || source.path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    match source.line {
        Some(line) => format!("{stem}:{line}"),
        None => stem,
    }
}

/// The run-level note in the journal, if any.
pub fn run_note(labels: &Effective<'_>, run_id: &str) -> Option<String> {
    let key = LabelKey::Note {
        run_id: run_id.to_string(),
        step: None,
    };
    match labels.human?.get(&key) {
        Some(LabelValue::Note(n)) if !n.trim().is_empty() => Some(n.clone()),
        _ => None,
    }
}

/// Rows, candidates and totals from `d.mined` (after mining or re-mining).
fn relist(d: &mut Derived, runs: &[Run], labels: &Effective<'_>, only: Option<usize>) {
    let per_run = |ri: usize| {
        d.mined.runs[ri]
            .iter()
            .filter(|c| c.status.emitted())
            .count()
    };
    let human = Human::new(labels);
    match only {
        Some(ri) => {
            let sets = d.rows[ri].sets;
            d.rows[ri] = run_row(&runs[ri], labels, &human, per_run(ri));
            d.rows[ri].sets = sets;
        }
        None => {
            use rayon::prelude::*;
            d.rows = runs
                .par_iter()
                .enumerate()
                .map(|(ri, r)| run_row(r, labels, &human, per_run(ri)))
                .collect();
            // How many run sets hold each question.
            let mut sets: ahash::AHashMap<&str, ahash::AHashSet<&std::path::Path>> =
                ahash::AHashMap::new();
            for r in runs {
                sets.entry(r.query_id.as_str())
                    .or_default()
                    .insert(crate::compare::run_set_path(r));
            }
            for (row, r) in d.rows.iter_mut().zip(runs) {
                row.sets = sets.get(r.query_id.as_str()).map_or(1, |s| s.len());
            }
        }
    }
    use rayon::prelude::*;
    d.slots = d
        .mined
        .runs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(ri, cs)| {
            cs.iter().enumerate().map(move |(at, c)| Slot {
                run: u32::try_from(ri).unwrap_or(u32::MAX),
                at: u32::try_from(at).unwrap_or(u32::MAX),
                title: title(&runs[ri], &c.pair).into(),
            })
        })
        .collect();
    d.total_pairs = d.mined.pairs().count();
}

pub fn derive(runs: &[Run], set: &Settings<'_>) -> Derived {
    let mut d = Derived {
        mined: mine::mine_all(runs, &set.labels, &set.policy),
        show_file: several_runs_a_file(runs),
        ..Derived::default()
    };
    relist(&mut d, runs, &set.labels, None);
    d
}

fn several_runs_a_file(runs: &[Run]) -> bool {
    let mut files = std::collections::HashSet::new();
    let many = runs.iter().any(|r| r.source.line.is_some_and(|l| l > 1));
    many && runs
        .iter()
        .any(|r| files.insert(&r.source.path) && files.len() > 1)
}

/// Recomputes one run after its labels changed (the weights still over every pair).
pub fn rederive_run(d: &mut Derived, runs: &[Run], ri: usize, set: &Settings<'_>) {
    let Some(r) = runs.get(ri) else { return };
    if ri >= d.rows.len() {
        *d = derive(runs, set);
        return;
    }
    d.mined.remine_run(ri, r, &set.labels, &set.policy);
    relist(d, runs, &set.labels, Some(ri));
}

/// Columns the run list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    Outcome,
    Searches,
    Browses,
    Pairs,
    Unjudged,
    Overrides,
    Source,
    Question,
}

impl SortKey {
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Outcome => "outcome",
            SortKey::Searches => "searches (most first)",
            SortKey::Browses => "browses (most first)",
            SortKey::Pairs => "pairs (most first)",
            SortKey::Unjudged => "unjudged browses (most first)",
            SortKey::Overrides => "human overrides (most first)",
            SortKey::Source => "outcome source",
            SortKey::Question => "question",
        }
    }
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Id => SortKey::Outcome,
            SortKey::Outcome => SortKey::Searches,
            SortKey::Searches => SortKey::Browses,
            SortKey::Browses => SortKey::Pairs,
            SortKey::Pairs => SortKey::Unjudged,
            SortKey::Unjudged => SortKey::Overrides,
            SortKey::Overrides => SortKey::Source,
            SortKey::Source => SortKey::Question,
            SortKey::Question => SortKey::Id,
        }
    }
}

/// Indices of the rows to show, filtered and sorted (ties by id in natural order: q2 before q10).
pub fn visible(rows: &[RunRow], filter: Filter, sort: SortKey) -> Vec<usize> {
    let mut v: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            let r = &rows[i];
            match filter {
                Filter::All => true,
                Filter::Correct => r.outcome == Outcome::Correct,
                Filter::Incorrect => r.outcome == Outcome::Incorrect,
                Filter::Unknown => r.outcome == Outcome::Unknown,
                Filter::WithOverrides => r.overrides > 0,
                Filter::WithUnjudged => r.unjudged > 0,
            }
        })
        .collect();

    v.sort_by(|&a, &b| {
        let (x, y) = (&rows[a], &rows[b]);
        let primary = match sort {
            SortKey::Id => std::cmp::Ordering::Equal,
            SortKey::Outcome => x.outcome.cmp(&y.outcome),
            SortKey::Searches => y.searches.cmp(&x.searches),
            SortKey::Browses => y.browses.cmp(&x.browses),
            SortKey::Pairs => y.pairs.cmp(&x.pairs),
            SortKey::Unjudged => y.unjudged.cmp(&x.unjudged),
            SortKey::Overrides => y.overrides.cmp(&x.overrides),
            SortKey::Source => x.source.name().cmp(y.source.name()),
            SortKey::Question => x.question.to_lowercase().cmp(&y.question.to_lowercase()),
        };
        primary.then_with(|| crate::text::natural_cmp(&x.id, &y.id))
    });
    v
}

/// The steps (by file index) of a run read whole whose text contains `query`
/// (case-insensitive): the question (as the run's first step), reasoning, queries, hit titles
/// and snippets, documents, answers.
pub fn search(r: &Run, query: &str) -> Vec<usize> {
    let q = query.to_lowercase();
    let has = |t: &str| t.to_lowercase().contains(&q);
    let mut out = Vec::new();
    {
        let mut question_hit = r.question.as_deref().is_some_and(has);
        for s in &r.steps {
            let hit = match &s.kind {
                StepKind::Reasoning { text } => has(text),
                StepKind::Search(x) => {
                    x.queries.iter().any(|t| has(t))
                        || x.hits
                            .iter()
                            .any(|h| has(&h.snippet) || h.title.as_deref().is_some_and(has))
                }
                StepKind::Browse(b) => {
                    b.text.as_deref().is_some_and(has) || b.docid.as_deref().is_some_and(has)
                }
                StepKind::Answer(a) => has(&a.text),
                StepKind::Other(o) => has(&o.output),
            };
            if hit || std::mem::take(&mut question_hit) {
                out.push(s.index);
            }
        }
    }
    out
}

pub fn key_name(k: &LabelKey) -> String {
    match k {
        LabelKey::Browse { run_id, step } => format!("browse {run_id}:{step}"),
        LabelKey::Negative {
            run_id,
            search_step,
            docid,
        } => format!("negative {docid} of {run_id}:{search_step}"),
        LabelKey::Run { run_id } => format!("run {run_id}"),
        LabelKey::Note { run_id, step } => format!(
            "note on {run_id}{}",
            step.map(|s| format!(":{s}")).unwrap_or_default()
        ),
    }
}

pub fn value_name(v: &LabelValue) -> String {
    match v {
        LabelValue::Verdict(x) => x.label().to_string(),
        LabelValue::Negative(crate::labels::NegativeLabel::Exclude) => "excluded".into(),
        LabelValue::Negative(crate::labels::NegativeLabel::ActuallyRelevant) => {
            "actually relevant".into()
        }
        LabelValue::Correct(c) => if *c { "correct" } else { "incorrect" }.into(),
        LabelValue::Note(t) => format!("note \"{}\"", crate::text::one_line(t, 40)),
    }
}
