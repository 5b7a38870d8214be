//! The app's state and how every message changes it. Nothing here touches the terminal: views
//! draw `&App`, tests drive `update`.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use super::rows::{self, Derived, RunRow};
use crate::error::InputError;
use crate::labels::Journal;
use crate::run::Run;
use crate::verdict::Verdicts;

/// One message: everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Runs read by the loader, with the problems it met.
    Loaded {
        runs: Vec<Run>,
        errors: Vec<InputError>,
        files_done: usize,
        files: usize,
    },
    LoadDone,
    /// Files found under a folder that were not run files, with why (sent before `LoadDone`).
    Skipped(Vec<(std::path::PathBuf, String)>),
    Resize,
    /// Background judge progress (done, total), then what it gave.
    JudgeProgress(usize, usize),
    Judged {
        by: String,
        outcomes: Result<Vec<crate::judge::Outcome>, String>,
    },
    /// The corpus index, once open (document texts come from it).
    Corpus(Box<crate::corpus::DocIndex>),
    CorpusFailed(String),
    /// What the training worker reports.
    Train(crate::train::worker::TrainEvent),
    /// What the closed loop (the agent re-run with the trained model) reports.
    Loop(super::training::LoopEvent),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Runs,
    Run,
    Pairs,
    Stats,
    Train,
    Help,
}

pub use super::rows::Filter;
pub use super::run_screen::Pane;

/// An action waiting for the user's yes or no.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// Label every pair shown (`A`/`D` on the Pairs screen).
    LabelPairs {
        idx: Vec<usize>,
        verdict: crate::verdict::Verdict,
    },
    /// Quit while training runs: stop it, save its checkpoint, then quit.
    QuitTraining,
    /// `J`: which judge (h, l or p), or none.
    ChooseJudge { question: String },
}

impl Confirm {
    /// The question the dialog asks.
    pub fn question(&self) -> String {
        match self {
            Confirm::LabelPairs { idx, verdict } => format!(
                "Mark all {} pairs shown as {}? It is one change: u undoes it, Ctrl-r redoes it.",
                idx.len(),
                verdict.label()
            ),
            Confirm::QuitTraining => {
                "Training is running. Stop it after this batch, save its checkpoint and quit?"
                    .into()
            }
            Confirm::ChooseJudge { question } => question.clone(),
        }
    }

    /// The dialog's title and the keys that answer it.
    pub fn answers(&self) -> (&'static str, &'static str) {
        match self {
            Confirm::ChooseJudge { .. } => (" judge ", "Esc cancel"),
            _ => (" confirm ", "y yes · n no"),
        }
    }
}

pub struct App {
    /// A bulk action waiting for y/n (drawn as a dialog over the screen).
    pub confirm: Option<Confirm>,
    /// Quit once the training worker has stopped and saved.
    pub quit_when_stopped: bool,
    /// Shared with work on other threads (mining for training), appended to while loading.
    pub runs: std::sync::Arc<Vec<Run>>,
    pub derived: Derived,
    /// The Runs screen: the listed runs and the selection.
    pub list: super::runs::RunsView,
    pub screen: Screen,
    pub(super) before_help: Screen,
    /// Where Esc from a run goes (the Runs or the Pairs screen).
    pub back_to: Screen,
    /// The Run screen: the selected step and hit, the focused pane, the detail's scroll.
    pub run_view: super::run_screen::RunScreen,
    /// The help screen: its scroll and its search.
    pub help: super::help_screen::HelpView,
    /// The search being typed, while `/` is active.
    pub typing: Option<String>,
    /// The run note being typed (`:` on the Run screen), when one is.
    pub note_typing: Option<String>,
    pub query: String,
    /// (run index, step position) of every match.
    pub matches: Vec<(usize, usize)>,
    pub match_at: usize,
    pub journal: Option<Journal>,
    pub judge: Option<Verdicts>,
    /// Why the judge decided each browse (its rationale), where known.
    pub reasons: crate::verdict::Reasons,
    pub status: String,
    pub errors: Vec<InputError>,
    pub loading: Option<(usize, usize)>,
    /// Files the loader found that were not runs, with why.
    pub skipped: Vec<(std::path::PathBuf, String)>,
    pub page: usize,
    pub quit: bool,
    /// Runs arrived since the last recomputation.
    pub dirty: bool,
    /// Rows the list screens show at once (set from the terminal size), for mouse clicks.
    pub list_rows: usize,
    pub width: u16,
    pub mode: crate::mine::Mode,
    /// What a browse without a verdict is when there are judge verdicts.
    pub unjudged: crate::labels::Unjudged,
    /// A tokenizer for `l` in tokens (`--tokenizer`), and whether it is in use.
    pub tokens: Option<std::sync::Arc<crate::mine::Length>>,
    pub use_tokens: bool,
    pub pairs: super::pairs::PairsView,
    pub report: Option<crate::stats::Report>,
    /// Where background work reports back; `None` runs it inline (tests).
    pub tx: Option<std::sync::mpsc::Sender<Msg>>,
    pub qrels: Option<crate::qrels::Qrels>,
    pub corpus: Option<Box<crate::corpus::DocIndex>>,
    pub train: super::training::TrainView,
    /// The judge from the app: which one is at work, browses left pending.
    pub judging: super::judging::JudgeState,
}

impl App {
    pub fn new(journal: Option<Journal>, judge: Option<Verdicts>, status: String) -> App {
        let model_dir = super::training::default_model_dir(journal.as_ref());
        App {
            confirm: None,
            quit_when_stopped: false,
            runs: Default::default(),
            derived: Derived::default(),
            list: Default::default(),
            screen: Screen::Runs,
            before_help: Screen::Runs,
            back_to: Screen::Runs,
            run_view: Default::default(),
            help: Default::default(),
            typing: None,
            note_typing: None,
            query: String::new(),
            matches: Vec::new(),
            match_at: 0,
            journal,
            judge,
            reasons: Default::default(),
            status,
            errors: Vec::new(),
            loading: Some((0, 0)),
            skipped: Vec::new(),
            page: 10,
            quit: false,
            dirty: false,
            list_rows: 30,
            width: 120,
            mode: crate::mine::Mode::Paper,
            unjudged: crate::labels::Unjudged::Skip,
            tokens: None,
            use_tokens: false,
            pairs: super::pairs::PairsView::default(),
            report: None,
            tx: None,
            qrels: None,
            corpus: None,
            train: super::training::TrainView::new(&model_dir.display().to_string()),
            judging: Default::default(),
        }
    }

    /// Recomputes if runs arrived since the last time: call after draining the queue.
    pub fn settle(&mut self) {
        if self.dirty {
            self.dirty = false;
            // Runs from different files that share an id are told apart by their file: once
            // for all that arrived, not once a file.
            crate::run::identity::assign(std::sync::Arc::make_mut(&mut self.runs).as_mut_slice());
            self.refresh();
        }
    }

    /// How pairs are mined now: the labels (judge, human, unjudged policy), the mode, and `l`
    /// in words or (with a tokenizer) tokens. Screens, export and training all mine with this.
    pub fn settings(&self) -> rows::Settings<'_> {
        static WORDS: crate::mine::Length = crate::mine::Length::Words;
        let length = match (&self.tokens, self.use_tokens) {
            (Some(t), true) => &**t,
            _ => &WORDS,
        };
        rows::Settings {
            labels: self.labels(),
            policy: crate::mine::Policy {
                mode: self.mode,
                length,
            },
        }
    }

    /// The effective labels: human ?? judge ?? default, unjudged browses as set.
    pub fn labels(&self) -> crate::labels::Effective<'_> {
        crate::labels::Effective {
            judge: self.judge.as_ref(),
            human: self.journal.as_ref(),
            unjudged: self.unjudged,
        }
    }

    /// Mining, weights and rows again, after runs arrive or a label changes.
    pub fn refresh(&mut self) {
        self.derived = rows::derive(&self.runs, &self.settings());
        self.relist();
    }

    /// Only run `ri` changed (a label on it): recompute it, the weights, and the lists.
    pub fn refresh_run(&mut self, ri: usize) {
        let mut derived = std::mem::take(&mut self.derived);
        rows::rederive_run(&mut derived, &self.runs, ri, &self.settings());
        self.derived = derived;
        self.relist();
    }

    /// The visible runs and pairs, and the Stats report, after the derived data changed.
    fn relist(&mut self) {
        self.refresh_pairs();
        if self.screen == Screen::Stats {
            self.refresh_report();
        } else {
            self.report = None;
        }
        // While files arrive, a selection nobody moved stays on the first row rather than
        // following the first run read to wherever it sorts.
        let top = self.loading.is_some() && self.list.selected == 0;
        self.list.relist(&self.derived.rows);
        if top {
            self.list.selected = 0;
        }
    }

    /// Whether `docid` is an evidence document of `run`'s question (with `--qrels`).
    pub fn is_evidence(&self, run: &Run, docid: &str) -> bool {
        self.qrels
            .as_ref()
            .is_some_and(|q| q.is_evidence(&run.query_id, docid))
    }

    pub fn current_run(&self) -> Option<usize> {
        self.list.current()
    }

    pub fn row(&self, run: usize) -> Option<&RunRow> {
        self.derived.rows.get(run)
    }

    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Loaded {
                runs,
                errors,
                files_done,
                files,
            } => {
                std::sync::Arc::make_mut(&mut self.runs).extend(runs);
                self.errors.extend(errors);
                self.loading = Some((files_done, files));
                // Recomputed once the queue is drained (see `settle`), not once a file.
                self.dirty = true;
            }
            Msg::LoadDone => {
                self.settle();
                self.loading = None;
                let unasked = self
                    .runs
                    .iter()
                    .filter(|r| r.question.as_deref().is_none_or(|q| q.trim().is_empty()))
                    .count();
                let hint = if unasked > 0 {
                    format!("; {unasked} runs have no question: open them with --questions FILE")
                } else {
                    String::new()
                };
                // Labels written when these runs were opened with other files' runs.
                let elsewhere = match &self.journal {
                    Some(j) => crate::run::identity::labelled_elsewhere(
                        &self.runs,
                        j.labels().into_iter().map(|(k, _)| k.run_id()),
                    ),
                    None => Vec::new(),
                };
                let elsewhere = match elsewhere.as_slice() {
                    [] => String::new(),
                    [first, ..] => format!(
                        "; labels for {} run(s) known by their file ({first}…) were written with \
                         other files open: open those files together to see them",
                        elsewhere.len()
                    ),
                };
                let read_only = match self.journal.as_ref().and_then(|j| j.read_only()) {
                    Some(why) => format!("; labels read-only: {why}"),
                    None => String::new(),
                };
                let skipped = crate::run::load::skipped_note(&self.skipped)
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default();
                self.status = format!(
                    "{} loaded, {} rejected{}{skipped}{hint}{elsewhere}{read_only}",
                    crate::text::count(self.runs.len(), "run"),
                    self.errors.len(),
                    self.errors
                        .first()
                        .map(|e| format!(" (first: {e})"))
                        .unwrap_or_default()
                );
            }
            Msg::Skipped(s) => self.skipped = s,
            Msg::Key(k) => self.key(k),
            Msg::Mouse(m) => match m.kind {
                MouseEventKind::ScrollDown => self.wheel(m.column, true),
                MouseEventKind::ScrollUp => self.wheel(m.column, false),
                MouseEventKind::Down(_) => self.click(m.row, m.column),
                _ => {}
            },
            Msg::Resize => {}
            Msg::JudgeProgress(done, total) => self.judge_progress(done, total),
            Msg::Judged { by, outcomes } => self.take_outcomes(by, outcomes),
            Msg::Corpus(ix) => {
                self.status = format!(
                    "documents from {} ({} in the index)",
                    ix.path().display(),
                    ix.num_docs()
                );
                self.corpus = Some(ix);
            }
            Msg::CorpusFailed(e) => {
                self.status = format!("corpus not available, showing what the runs showed: {e}")
            }
            Msg::Loop(e) => {
                self.train.apply_loop(e);
                if !self.train.loop_running {
                    self.status = self.train.loop_state.clone().unwrap_or_default();
                }
            }
            Msg::Train(e) => {
                self.train.apply(&e);
                if matches!(
                    e,
                    crate::train::worker::TrainEvent::Done { .. }
                        | crate::train::worker::TrainEvent::Failed { .. }
                ) {
                    self.train.rescan_history();
                }
                if self.quit_when_stopped && !self.train.running {
                    self.quit = true;
                }
            }
        }
    }
}
