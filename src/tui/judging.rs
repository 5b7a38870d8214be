//! Judging from the app: `J` asks which judge (the heuristic phrase rules, or the LLM judge on
//! the OpenAI-compatible server the user's config names), the work runs on a background thread
//! with progress in the status line, browses the LLM could not judge stay pending (never
//! labelled) and `J` then `p` retries them, and the verdicts are written where the app reads
//! them at its next start (`verdicts.jsonl` beside the labels, the file `lrat judge --out` and
//! `lrat mine --verdicts` use).

use std::collections::HashSet;
use std::path::PathBuf;

use super::app::{App, Confirm, Msg, Screen};
use crate::config::{self, JudgeConfig};
use crate::judge::llm::LlmJudge;
use crate::judge::{self, BrowseInput, Judgement, Outcome, Pending, heuristic};

/// A judge's work: given a progress callback (browses done), every browse's outcome, or why the
/// judge could not start.
type Work = Box<dyn FnOnce(&(dyn Fn(usize) + Sync)) -> Result<Vec<Outcome>, String> + Send>;

/// Which judge `J` was answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgeChoice {
    /// The heuristic judge; `all`: on every run, not only the open one.
    Heuristic {
        all: bool,
    },
    Llm {
        all: bool,
    },
    /// The LLM judge again on the browses it left pending.
    RetryPending,
}

/// LLM settings given to the app instead of the user's config (tests, embedding).
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSettings {
    pub cfg: JudgeConfig,
    /// Where answers are cached; `None`: every browse asks the server.
    pub cache: Option<PathBuf>,
}

/// The judge's state in the app.
#[derive(Debug, Default)]
pub struct JudgeState {
    /// The judge at work (its description), while one runs.
    pub running: Option<String>,
    /// Browses the LLM judge could not judge after every attempt: unlabelled, retried with `p`.
    pub pending: Vec<Pending>,
    /// `None`: the user's `config.toml`, `LRAT_JUDGE_URL`/`LRAT_JUDGE_MODEL` and cache folder.
    pub llm: Option<LlmSettings>,
}

/// What judging only the open run does to the other runs' pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Others {
    pub runs: usize,
    /// Browses of the other runs with no verdict, judge's or human's.
    pub unjudged: usize,
    /// Whether they count as relevant now (no judge has spoken) and would leave the pairs.
    pub leave_pairs: bool,
    /// Browses of every run, for the judge-all answers.
    pub all_browses: usize,
}

/// The dialog's question for `J`, an answer a line.
pub fn choice_question(
    scope: &str,
    browses: usize,
    llm: &str,
    pending: usize,
    others: Option<Others>,
) -> String {
    let mut q = format!(
        "Judge {} of {scope} with:\n\
         h  the heuristic judge (phrase rules, offline)\n\
         l  the LLM judge: {llm}",
        crate::text::count(browses, "browse")
    );
    if pending > 0 {
        q.push_str(&format!(
            "\np  the LLM judge on the {pending} browses it left pending"
        ));
    }
    if let Some(o) = others {
        if o.leave_pairs && o.unjudged > 0 {
            q.push_str(&format!(
                "\n\nJudging one run gives the other {} runs' {} browses no verdict: they \
                 leave the pairs until judged.",
                o.runs, o.unjudged
            ));
        } else if o.unjudged > 0 {
            q.push_str(&format!(
                "\n\nThe other {} runs' {} browses without a verdict stay out of the pairs.",
                o.runs, o.unjudged
            ));
        }
        q.push_str(&format!(
            "\nH  the heuristic judge on all {} runs ({} browses)\n\
             L  the LLM judge on all {} runs",
            o.runs + 1,
            o.all_browses,
            o.runs + 1
        ));
    }
    q
}

impl App {
    /// The open run, when `J` judges only it (on the Run screen).
    fn judge_one(&self) -> Option<usize> {
        match (self.screen, self.current_run()) {
            (Screen::Run, Some(r)) => Some(r),
            _ => None,
        }
    }

    /// What judging only run `r` does to the others.
    fn others(&self, r: usize) -> Others {
        let labels = self.labels();
        let mut o = Others {
            runs: self.runs.len().saturating_sub(1),
            unjudged: 0,
            leave_pairs: self.judge.is_none(),
            all_browses: 0,
        };
        for (i, run) in self.runs.iter().enumerate() {
            for (b, ..) in judge::judged_browses(run) {
                o.all_browses += 1;
                if i == r {
                    continue;
                }
                let judged = self
                    .judge
                    .as_ref()
                    .is_some_and(|j| j.get(&run.id, b).is_some());
                let human = labels.verdict(&run.id, b).1 == crate::labels::Source::Human;
                if !judged && !human {
                    o.unjudged += 1;
                }
            }
        }
        o
    }

    /// The runs `J` judges: the open run on the Run screen, else every run (no copies).
    fn judge_scope(&self, all: bool) -> (&[crate::run::Run], String) {
        match self.judge_one().filter(|_| !all) {
            Some(r) => (
                std::slice::from_ref(&self.runs[r]),
                format!("run {}", self.runs[r].id),
            ),
            _ => (&self.runs, format!("all {} runs", self.runs.len())),
        }
    }

    /// The LLM judge's settings and cache folder: the app's own, else the user's config.
    fn llm_settings(&self) -> crate::Result<LlmSettings> {
        match &self.judging.llm {
            Some(s) => Ok(s.clone()),
            None => Ok(LlmSettings {
                cfg: config::Config::load()?.judge,
                cache: Some(config::cache_dir()),
            }),
        }
    }

    /// `J`: asks which judge, unless one is at work.
    pub(super) fn ask_judge(&mut self) {
        if let Some(by) = &self.judging.running {
            self.status = format!("the judge is at work ({by}); its verdicts arrive when done");
            return;
        }
        let (runs, scope) = self.judge_scope(false);
        let browses: usize = runs.iter().map(|r| judge::judged_browses(r).count()).sum();
        let llm = match self.llm_settings() {
            Ok(s) => format!(
                "{} at {}",
                s.cfg.model,
                crate::judge::llm::endpoint(&s.cfg.url)
            ),
            Err(e) => format!("not available: {e}"),
        };
        self.confirm = Some(Confirm::ChooseJudge {
            question: choice_question(
                &scope,
                browses,
                &llm,
                self.judging.pending.len(),
                self.judge_one().map(|r| self.others(r)),
            ),
        });
    }

    /// Starts the chosen judge on the scope's browses (or the pending ones) in the background.
    pub(super) fn start_judge(&mut self, choice: JudgeChoice) {
        // What to judge is counted here (cheaply) and gathered on the judge's thread, from the
        // shared runs: the open run, every run, or the browses left pending.
        let all = match choice {
            JudgeChoice::Heuristic { all } | JudgeChoice::Llm { all } => all,
            JudgeChoice::RetryPending => true,
        };
        let only = self.judge_one().filter(|_| !all);
        let keys: Option<HashSet<(String, usize)>> =
            (choice == JudgeChoice::RetryPending).then(|| {
                self.judging
                    .pending
                    .iter()
                    .map(|p| (p.run_id.clone(), p.step))
                    .collect()
            });
        let total = match &keys {
            Some(k) => k.len(),
            None => self
                .judge_scope(all)
                .0
                .iter()
                .map(|r| judge::judged_browses(r).count())
                .sum(),
        };
        if total == 0 {
            self.status = "no browses to judge".into();
            return;
        }
        let runs = self.runs.clone();
        let gather = move || -> Vec<BrowseInput> {
            let scope: &[crate::run::Run] = match only {
                Some(i) => std::slice::from_ref(&runs[i]),
                None => &runs,
            };
            let mut inputs = judge::browse_inputs(scope);
            if let Some(keys) = &keys {
                inputs.retain(|i| keys.contains(&(i.run_id.clone(), i.step)));
            }
            inputs
        };
        let (by, work): (String, Work) = match choice {
            JudgeChoice::Heuristic { .. } => (
                "the heuristic judge".into(),
                Box::new(heuristic_work(gather)),
            ),
            JudgeChoice::Llm { .. } | JudgeChoice::RetryPending => match self.llm_settings() {
                Ok(set) => {
                    let by = format!("the LLM judge ({})", set.cfg.model);
                    (
                        by,
                        Box::new(move |progress: &(dyn Fn(usize) + Sync)| {
                            // The cache is read here, off the draw loop.
                            let j = LlmJudge::from_settings(set.cfg, None, set.cache.as_deref())
                                .map_err(|e| e.to_string())?;
                            Ok(j.judge_all(&gather(), &|done, _| progress(done)))
                        }),
                    )
                }
                Err(e) => {
                    self.status = format!("the LLM judge is not available: {e}");
                    return;
                }
            },
        };
        self.judging.running = Some(by.clone());
        match self.tx.clone() {
            Some(tx) => {
                self.status = format!("judging {total} browses with {by}…");
                std::thread::spawn(move || {
                    let outcomes = work(&|done| {
                        let _ = tx.send(Msg::JudgeProgress(done, total));
                    });
                    let _ = tx.send(Msg::Judged { by, outcomes });
                });
            }
            None => {
                let outcomes = work(&|_| {});
                self.take_outcomes(by, outcomes);
            }
        }
    }

    /// Progress of the judge at work.
    pub(super) fn judge_progress(&mut self, done: usize, total: usize) {
        let by = self.judging.running.as_deref().unwrap_or("the judge");
        let pending = self.judging.pending.len();
        let pending = if pending > 0 {
            format!(" ({pending} pending from before)")
        } else {
            String::new()
        };
        self.status = format!("judging {done}/{total} browses with {by}…{pending}");
    }

    /// A judge finished: verdicts kept and saved, pending browses remembered for `p`.
    pub(super) fn take_outcomes(&mut self, by: String, outcomes: Result<Vec<Outcome>, String>) {
        self.judging.running = None;
        let outcomes = match outcomes {
            Ok(o) => o,
            Err(e) => {
                self.status = format!("{} could not start: {e}", capitalise(&by));
                return;
            }
        };
        let mut judged = Vec::new();
        let mut pending = Vec::new();
        for o in outcomes {
            match o {
                Outcome::Judged { judgement, .. } => judged.push(judgement),
                Outcome::Pending(p) => pending.push(p),
            }
        }
        // Browses judged now are no longer pending; those left pending now replace their
        // earlier entries.
        let settled: std::collections::HashSet<(String, usize)> = judged
            .iter()
            .map(|j| (j.run_id.clone(), j.step))
            .chain(pending.iter().map(|p| (p.run_id.clone(), p.step)))
            .collect();
        self.judging
            .pending
            .retain(|p| !settled.contains(&(p.run_id.clone(), p.step)));
        self.judging.pending.extend(pending);
        self.take_judgements(&by, judged);
    }

    /// Judge verdicts arrive: kept in memory, written beside the labels, pairs recomputed.
    fn take_judgements(&mut self, by: &str, js: Vec<Judgement>) {
        if js.is_empty() {
            // Nothing was judged: no verdicts appear (an empty set of verdicts would turn every
            // browse into an unjudged one), nothing is written.
            self.status = format!("judged no browses with {by}{}", self.pending_note());
            return;
        }
        let judge = self.judge.get_or_insert_with(Default::default);
        for j in &js {
            judge.insert(&j.run_id, j.step, j.verdict);
            self.reasons.insert(
                &j.run_id,
                j.step,
                crate::verdict::Reason {
                    judge: j.judge.clone(),
                    model: j.model.clone(),
                    rationale: j.rationale.clone(),
                },
            );
        }
        let rejected = js
            .iter()
            .filter(|j| j.verdict == crate::verdict::Verdict::NotRelevant)
            .count();
        let path = self
            .journal
            .as_ref()
            .and_then(|j| j.path().parent())
            .map(|d| d.join("verdicts.jsonl"));
        let saved = match &path {
            Some(p) => match crate::verdict::VerdictFile::new(p).merge(&js) {
                Ok(()) => format!(", saved to {}", p.display()),
                Err(e) => format!(", not saved: {e}"),
            },
            None => String::new(),
        };
        let pending = self.pending_note();
        self.refresh();
        // Browses with no verdict now count as unjudged and are left out: say so.
        let unjudged = match self.derived.mined.counts().unjudged {
            0 => String::new(),
            n => format!("; {n} browses without a verdict are left out until judged"),
        };
        // Counts first: a narrow status line cuts the end.
        self.status = format!(
            "judged {} browses ({} relevant, {rejected} not relevant){pending}{unjudged} with \
             {by}{saved}",
            js.len(),
            js.len() - rejected
        );
    }
}

impl App {
    /// `; N pending (why the first was: …; J then p retries them)`, or nothing.
    fn pending_note(&self) -> String {
        match self.judging.pending.as_slice() {
            [] => String::new(),
            [first, ..] => format!(
                "; {} pending ({}: {}; J then p retries them)",
                self.judging.pending.len(),
                if self.judging.pending.len() == 1 {
                    "why"
                } else {
                    "the first, why"
                },
                crate::text::one_line(&first.reason, 160)
            ),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The heuristic judge over what `gather` gives, reporting progress every 256 browses.
fn heuristic_work(
    gather: impl FnOnce() -> Vec<BrowseInput> + Send,
) -> impl FnOnce(&(dyn Fn(usize) + Sync)) -> Result<Vec<Outcome>, String> + Send {
    move |progress| {
        let rules = heuristic::Rules::default_rules();
        Ok(gather()
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if i % 256 == 0 {
                    progress(i);
                }
                Outcome::Judged {
                    judgement: heuristic::judge(&rules, b),
                    cached: false,
                }
            })
            .collect())
    }
}
