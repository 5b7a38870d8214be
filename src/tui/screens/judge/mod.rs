//! Judging from the app: `J` asks which judge (the heuristic phrase rules, or the LLM judge on
//! the OpenAI-compatible server the user's config names), the work runs on a background thread
//! with progress in the status line, browses the LLM could not judge stay pending (never
//! labelled) and `J` then `p` retries them, and the verdicts are written where the app reads
//! them at its next start (`verdicts.jsonl` beside the labels, the file `lrat judge --out` and
//! `lrat mine --verdicts` use).

use std::collections::HashSet;
use std::path::PathBuf;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use crate::config::{self, JudgeConfig};
use crate::judge::llm::LlmJudge;
use crate::judge::{self, BrowseInput, Judgement, Outcome, Pending, heuristic};
use crate::run::Run;
pub use crate::tui::component::JudgeChoice;
use crate::tui::component::{Component, Context, Effect};
use crate::tui::jobs::{self, Reporter, Sink};
use crate::tui::keymap::Action;

/// A judge's work: given a progress callback (browses done), every browse's outcome.
type Work = Box<dyn FnOnce(&(dyn Fn(usize) + Sync)) -> crate::Result<Vec<Outcome>> + Send>;

/// LLM settings given to the app instead of the user's config (tests, embedding).
#[derive(Debug, Clone, PartialEq)]
pub struct LlmSettings {
    pub cfg: JudgeConfig,
    /// Where answers are cached; `None`: every browse asks the server.
    pub cache: Option<PathBuf>,
}

/// The judge from the app: the dialog `J` opens, the judge at work, the browses it left
/// pending.
#[derive(Debug, Default)]
pub struct Judging {
    /// The judge at work (its description), while one runs.
    running: Option<String>,
    /// Browses the LLM judge could not judge after every attempt: unlabelled, retried with `p`.
    pending: Vec<Pending>,
    /// `None`: the user's `config.toml`, `LRAT_JUDGE_URL`/`LRAT_JUDGE_MODEL` and cache folder.
    llm: Option<LlmSettings>,
    /// The question `J` asked, while it waits for an answer.
    asking: Option<String>,
}

/// What a judge at work reports.
#[derive(Debug)]
pub enum JudgeEvent {
    /// Browses judged so far, of `total`.
    Progress { done: usize, total: usize },
    /// Every browse's outcome (judged or left pending), or why the judge could not start.
    Done {
        by: String,
        outcomes: crate::Result<Vec<Outcome>>,
    },
}

/// What a finished judge gave the app: verdicts to keep, and the status line's words.
pub struct Finished {
    pub by: String,
    pub judgements: Vec<Judgement>,
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

impl Judging {
    /// Judges with these LLM settings instead of the user's config (tests, embedding).
    pub fn set_llm(&mut self, settings: LlmSettings) {
        self.llm = Some(settings);
    }

    /// Browses the LLM judge left pending.
    pub fn pending(&self) -> &[Pending] {
        &self.pending
    }

    /// Whether the dialog waits for an answer.
    pub fn asking(&self) -> bool {
        self.asking.is_some()
    }

    /// The LLM judge's settings and cache folder: the app's own, else the user's config.
    fn llm_settings(&self) -> crate::Result<LlmSettings> {
        match &self.llm {
            Some(s) => Ok(s.clone()),
            None => Ok(LlmSettings {
                cfg: config::Config::load()?.judge,
                cache: Some(config::cache_dir()),
            }),
        }
    }

    /// `J`: asks which judge, unless one is at work. `open`: the run open on the Run screen
    /// (then `J` judges only it), if any.
    pub fn ask(&mut self, cx: &Context, open: Option<usize>) -> Effect {
        if let Some(by) = &self.running {
            return Effect::Status(format!(
                "the judge is at work ({by}); its verdicts arrive when done"
            ));
        }
        let (runs, scope) = scope(cx.runs, open);
        let browses: usize = runs.iter().map(|r| r.skeleton().judged().count()).sum();
        let llm = match self.llm_settings() {
            Ok(s) => format!(
                "{} at {}",
                s.cfg.model,
                crate::judge::llm::endpoint(&s.cfg.url)
            ),
            Err(e) => format!("not available: {e}"),
        };
        self.asking = Some(choice_question(
            &scope,
            browses,
            &llm,
            self.pending.len(),
            open.map(|r| others(cx, r)),
        ));
        Effect::None
    }

    /// Starts the chosen judge on the browses of every run, of run `open` (when the choice is
    /// not for all), or the pending ones; on a thread reporting to `sink`, or here, giving back
    /// its events. `Err`: why it cannot start.
    pub fn start(
        &mut self,
        choice: JudgeChoice,
        runs: &Arc<Vec<Run>>,
        read: &crate::run::ReadOptions,
        open: Option<usize>,
        sink: Option<Sink<JudgeEvent>>,
    ) -> Result<(String, Vec<JudgeEvent>), String> {
        // What to judge is counted here (cheaply) and gathered on the judge's thread, from the
        // shared runs: the open run, every run, or the browses left pending.
        let all = match choice {
            JudgeChoice::Heuristic { all } | JudgeChoice::Llm { all } => all,
            JudgeChoice::RetryPending => true,
        };
        let only = open.filter(|_| !all);
        let keys: Option<HashSet<(String, usize)>> =
            (choice == JudgeChoice::RetryPending).then(|| {
                self.pending
                    .iter()
                    .map(|p| (p.run_id.clone(), p.step))
                    .collect()
            });
        let total = match &keys {
            Some(k) => k.len(),
            None => scope(runs, only)
                .0
                .iter()
                .map(|r| r.skeleton().judged().count())
                .sum(),
        };
        if total == 0 {
            return Err("no browses to judge".into());
        }
        let runs = runs.clone();
        let read = read.clone();
        let gather = move || -> Vec<BrowseInput> {
            let scope: &[Run] = match only {
                Some(i) => std::slice::from_ref(&runs[i]),
                None => &runs,
            };
            // The app keeps runs as shells: each is read back whole for the documents the judge
            // reads, one at a time.
            let mut inputs = Vec::new();
            for r in scope {
                match crate::run::load::with_texts(r, &read) {
                    Some(whole) => {
                        inputs.extend(judge::browse_inputs(std::slice::from_ref(&whole)))
                    }
                    None => inputs.extend(judge::browse_inputs(std::slice::from_ref(r))),
                }
            }
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
            JudgeChoice::Llm { .. } | JudgeChoice::RetryPending => {
                let set = self
                    .llm_settings()
                    .map_err(|e| format!("the LLM judge is not available: {e}"))?;
                let by = format!("the LLM judge ({})", set.cfg.model);
                (
                    by,
                    Box::new(move |progress: &(dyn Fn(usize) + Sync)| {
                        // The cache is read here, off the draw loop.
                        let j = LlmJudge::from_settings(set.cfg, None, set.cache.as_deref())?;
                        Ok(j.judge_all(&gather(), &|done, _| progress(done)))
                    }),
                )
            }
        };
        self.running = Some(by.clone());
        let name = by.clone();
        let (_, events) = jobs::start(
            move |r: &Reporter<JudgeEvent>| {
                let outcomes = work(&|done| {
                    r.send(JudgeEvent::Progress { done, total });
                });
                r.send(JudgeEvent::Done { by: name, outcomes });
            },
            sink,
        );
        Ok((format!("judging {total} browses with {by}…"), events))
    }

    /// The status line while the judge works.
    pub fn progress(&self, done: usize, total: usize) -> String {
        let by = self.running.as_deref().unwrap_or("the judge");
        let pending = match self.pending.len() {
            0 => String::new(),
            n => format!(" ({n} pending from before)"),
        };
        format!("judging {done}/{total} browses with {by}…{pending}")
    }

    /// A judge finished: the browses left pending remembered for `p`, the verdicts given back
    /// to keep; `Err`: the status line's words when it could not start.
    pub fn finish(
        &mut self,
        by: String,
        outcomes: crate::Result<Vec<Outcome>>,
    ) -> Result<Finished, String> {
        self.running = None;
        let outcomes = match outcomes {
            Ok(o) => o,
            Err(e) => return Err(format!("{} could not start: {e}", capitalise(&by))),
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
        let settled: HashSet<(String, usize)> = judged
            .iter()
            .map(|j| (j.run_id.clone(), j.step))
            .chain(pending.iter().map(|p| (p.run_id.clone(), p.step)))
            .collect();
        self.pending
            .retain(|p| !settled.contains(&(p.run_id.clone(), p.step)));
        self.pending.extend(pending);
        Ok(Finished {
            by,
            judgements: judged,
        })
    }

    /// `; N pending (why the first was: …; J then p retries them)`, or nothing.
    pub fn pending_note(&self) -> String {
        match self.pending.as_slice() {
            [] => String::new(),
            [first, ..] => format!(
                "; {} pending ({}: {}; J then p retries them)",
                self.pending.len(),
                if self.pending.len() == 1 {
                    "why"
                } else {
                    "the first, why"
                },
                crate::text::one_line(&first.reason, 160)
            ),
        }
    }
}

impl Component for Judging {
    /// The dialog takes every key (through `raw_key`) while it asks; nothing else is its own.
    fn act(&mut self, _a: Action, _cx: &Context) -> Option<Effect> {
        None
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        if let Some(q) = &self.asking {
            crate::tui::chrome::dialog(frame, area, " judge ", q, "Esc cancel", cx.theme);
        }
    }

    fn keys(&self) -> &'static str {
        "h l H L choose a judge · Esc cancel │"
    }

    /// The dialog's answer: which judge, or none.
    fn raw_key(&mut self, k: KeyEvent) -> Option<Effect> {
        self.asking.as_ref()?;
        let choice = match k.code {
            KeyCode::Char('h') => Some(JudgeChoice::Heuristic { all: false }),
            KeyCode::Char('l') => Some(JudgeChoice::Llm { all: false }),
            KeyCode::Char('H') => Some(JudgeChoice::Heuristic { all: true }),
            KeyCode::Char('L') => Some(JudgeChoice::Llm { all: true }),
            KeyCode::Char('p') if !self.pending.is_empty() => Some(JudgeChoice::RetryPending),
            KeyCode::Esc | KeyCode::Char('n' | 'q') => {
                self.asking = None;
                return Some(Effect::Status("no judge run".into()));
            }
            // Any other key leaves the question open.
            _ => None,
        };
        Some(match choice {
            Some(c) => {
                self.asking = None;
                Effect::Judge(c)
            }
            None => Effect::None,
        })
    }
}

/// The runs `J` judges: run `open` when given, else every run (no copies), and their name.
fn scope(runs: &[Run], open: Option<usize>) -> (&[Run], String) {
    match open {
        Some(r) => (
            std::slice::from_ref(&runs[r]),
            format!("run {}", runs[r].id),
        ),
        None => (runs, format!("all {} runs", runs.len())),
    }
}

/// What judging only run `r` does to the others.
fn others(cx: &Context, r: usize) -> Others {
    let mut o = Others {
        runs: cx.runs.len().saturating_sub(1),
        unjudged: 0,
        leave_pairs: cx.verdicts.is_none(),
        all_browses: 0,
    };
    for (i, run) in cx.runs.iter().enumerate() {
        for (b, _) in run.skeleton().judged() {
            o.all_browses += 1;
            if i == r {
                continue;
            }
            let judged = cx.verdicts.is_some_and(|j| j.get(&run.id, b).is_some());
            let human = cx.labels.verdict(&run.id, b).1 == crate::labels::Source::Human;
            if !judged && !human {
                o.unjudged += 1;
            }
        }
    }
    o
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
) -> impl FnOnce(&(dyn Fn(usize) + Sync)) -> crate::Result<Vec<Outcome>> + Send {
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
