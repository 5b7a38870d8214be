//! The app: what every screen shares (the runs, what was mined from them, the labels, the
//! mining settings, the jobs) and how every message changes it. The screens are components
//! ([`super::screens`]) that own their state and answer with effects, which the app carries
//! out here; nothing here touches the terminal (tests drive [`App::update`] and draw into a
//! test backend).

mod dispatch;
mod draw;
mod effects;
mod labelling;
mod search;
mod tasks;
mod workspace;

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use super::component::{Confirm, Context};
use super::loader::LoadEvent;
use super::rows::Derived;
use super::screens::judge::{JudgeEvent, Judging, LlmSettings};
use super::screens::train::{LoopEvent, TrainScreen};
use super::screens::{Screen, Screens};
use super::theme::Theme;
use crate::error::InputError;
use crate::labels::Journal;
use crate::run::Run;
use crate::verdict::{Panel, Reasons, Verdicts};

pub use search::Matches;
use workspace::Workspace;

/// One message: everything that can happen to the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize,
    /// What the loader reports.
    Load(LoadEvent),
    /// What the judge at work reports.
    Judge(JudgeEvent),
    /// What the training worker reports.
    Train(crate::train::worker::TrainEvent),
    /// What the closed loop (the agent re-run with the trained model) reports.
    Loop(LoopEvent),
}

/// Where each screen is, and where Esc goes back to.
#[derive(Debug, Clone, Copy)]
struct Nav {
    screen: Screen,
    /// The screen the help was opened on.
    before_help: Screen,
    /// Where Esc from a run goes (the Runs or the Pairs screen).
    back_to: Screen,
}

/// What is being typed on the bottom line.
#[derive(Debug, Clone, PartialEq)]
enum Prompt {
    /// A search (`/`).
    Search(String),
    /// The open run's note (`:`).
    Note(String),
}

/// What came in from the inputs besides runs.
#[derive(Debug, Default)]
struct Intake {
    errors: Vec<InputError>,
    /// Files the loader found that were not runs, with why.
    skipped: Vec<(PathBuf, String)>,
    /// (files read, files) while loading.
    loading: Option<(usize, usize)>,
    /// (files read, files taken from the run index unchanged), once every file is.
    sources: (usize, usize),
    /// When the first runs arrived.
    started: Option<std::time::Instant>,
    /// When the last recomputation while loading ended, and how long it took.
    last_settle: Option<(std::time::Instant, std::time::Duration)>,
    /// Runs arrived since the last recomputation.
    dirty: bool,
}

/// The terminal's size, as the screens use it.
#[derive(Debug, Clone, Copy)]
struct Size {
    /// Rows a page.
    page: usize,
    /// Rows the list screens show at once (for mouse clicks).
    list_rows: usize,
    width: u16,
}

/// Whether the app is to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quit {
    No,
    /// Once the training worker has stopped and saved.
    WhenStopped,
    Now,
}

pub struct App {
    ws: Workspace,
    screens: Screens,
    /// The judge from the app: its dialog and its job.
    judging: Judging,
    nav: Nav,
    prompt: Option<Prompt>,
    search: Matches,
    /// An action waiting for y/n (drawn as a dialog over the screen).
    confirm: Option<Confirm>,
    status: String,
    intake: Intake,
    size: Size,
    /// Where background work reports back; `None` runs it inline (tests).
    tx: Option<std::sync::mpsc::Sender<Msg>>,
    quit: Quit,
}

/// A theme for work that draws nothing (key handling measures text without colour).
static PLAIN: Theme = Theme { color: false };

impl App {
    pub fn new(journal: Option<Journal>, panel: Panel, status: String) -> App {
        let model_dir = super::screens::train::default_model_dir(journal.as_ref());
        App {
            ws: Workspace::new(journal, panel),
            screens: Screens::new(&model_dir),
            judging: Judging::default(),
            nav: Nav {
                screen: Screen::Runs,
                before_help: Screen::Runs,
                back_to: Screen::Runs,
            },
            prompt: None,
            search: Matches::default(),
            confirm: None,
            status,
            intake: Intake {
                loading: Some((0, 0)),
                ..Intake::default()
            },
            size: Size {
                page: 10,
                list_rows: 30,
                width: 120,
            },
            tx: None,
            quit: Quit::No,
        }
    }

    // ---- set up (before the loop, or by an embedding program) ----

    /// Background work reports on this channel (without one it runs inline).
    pub fn connect(&mut self, tx: std::sync::mpsc::Sender<Msg>) {
        self.tx = Some(tx);
    }

    /// How the runs are read (to read one again, whole, when it is shown).
    pub fn set_read_options(&mut self, read: crate::run::ReadOptions) {
        self.ws.read = read;
    }

    /// A tokenizer, so `w` can count `l` in tokens.
    pub fn set_tokens(&mut self, tokens: crate::mine::Length) {
        self.ws.tokens = Some(Arc::new(tokens));
    }

    /// Evidence documents to flag.
    pub fn set_qrels(&mut self, qrels: crate::qrels::Qrels) {
        self.ws.qrels = Some(qrels);
    }

    /// Inputs rejected before loading (a verdicts file's bad lines).
    pub fn reject(&mut self, errors: Vec<InputError>) {
        self.intake.errors.extend(errors);
    }

    /// The LLM judge's settings instead of the user's config.
    pub fn set_llm_judge(&mut self, settings: LlmSettings) {
        self.judging.set_llm(settings);
    }

    /// A setting on the Train screen's form (as if typed there).
    pub fn set_train_setting(&mut self, field: super::screens::train::Field, value: &str) {
        self.screens.train.set_setting(field, value);
    }

    /// Puts a message on the status line.
    pub fn say(&mut self, status: impl Into<String>) {
        self.status = status.into();
    }

    /// The terminal's size: lists and pages follow it.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = Size {
            page: usize::from(height.saturating_sub(6)).max(1),
            list_rows: usize::from(height.saturating_sub(5)).max(1),
            width,
        };
    }

    // ---- what it shows ----

    pub fn status(&self) -> &str {
        &self.status
    }

    pub fn screen(&self) -> Screen {
        self.nav.screen
    }

    pub fn runs(&self) -> &Arc<Vec<Run>> {
        &self.ws.runs
    }

    /// What was mined from the runs with the labels in force: rows, candidates, pairs.
    pub fn derived(&self) -> &Derived {
        &self.ws.derived
    }

    pub fn journal(&self) -> Option<&Journal> {
        self.ws.journal.as_ref()
    }

    pub fn verdicts(&self) -> Option<&Verdicts> {
        self.ws.panel.verdicts.as_ref()
    }

    /// Why the judge decided each browse, where known.
    pub fn reasons(&self) -> &Reasons {
        &self.ws.panel.reasons
    }

    /// The mining mode in force.
    pub fn mode(&self) -> crate::mine::Mode {
        self.ws.mode
    }

    /// Whether `l` is counted in tokens.
    pub fn use_tokens(&self) -> bool {
        self.ws.use_tokens
    }

    /// The inputs rejected so far.
    pub fn errors(&self) -> &[InputError] {
        &self.intake.errors
    }

    /// Takes the rejected inputs (to print once the terminal is restored).
    pub fn take_errors(&mut self) -> Vec<InputError> {
        std::mem::take(&mut self.intake.errors)
    }

    /// The run selected on the Runs screen (an index into the runs).
    pub fn current_run(&self) -> Option<usize> {
        self.screens.runs.current()
    }

    /// The screens' components, to read their state.
    pub fn screens(&self) -> &Screens {
        &self.screens
    }

    pub fn train(&self) -> &TrainScreen {
        &self.screens.train
    }

    /// What training learns from: the pairs the screens show (this mode, these labels, this
    /// length measure), texts as the export writes them.
    pub fn training_set(&self) -> crate::train::data::TrainSet {
        self.ws.training_miner()()
    }

    pub fn judging(&self) -> &Judging {
        &self.judging
    }

    /// The search's matches (run index, step position) and the one shown.
    pub fn matches(&self) -> &Matches {
        &self.search
    }

    /// The question waiting for y/n, if any.
    pub fn confirm(&self) -> Option<&Confirm> {
        self.confirm.as_ref()
    }

    /// Whether the app is to end.
    pub fn quitting(&self) -> bool {
        self.quit == Quit::Now
    }

    /// Whether it ends once training has stopped.
    pub fn quitting_when_stopped(&self) -> bool {
        self.quit == Quit::WhenStopped
    }

    // ---- the shared state as the screens read it ----

    /// What the screens may read, for drawing (with `theme`) or handling a key.
    fn context<'a>(&'a self, theme: &'a Theme) -> Context<'a> {
        context(
            &self.ws,
            &self.search,
            self.size,
            self.screens.runs.current(),
            self.typing(),
            theme,
        )
    }

    /// The search being typed, while one is.
    fn typing(&self) -> Option<&str> {
        match &self.prompt {
            Some(Prompt::Search(s)) => Some(s),
            _ => None,
        }
    }

    /// Recomputes if runs arrived since the last time: call after draining the queue. While
    /// files are still loading it first waits two seconds from the first runs (a workspace
    /// taken from its run index is in by then, and is computed once), then a second, or twice
    /// as long as the last recomputation took when that is more (recomputing then takes at
    /// most a third of the loading time; each holds the old results beside the new). Once
    /// every file is in ([`LoadEvent::Done`]) it recomputes.
    pub fn settle(&mut self) {
        use std::time::Duration;
        let wait = match (self.intake.last_settle, self.intake.started) {
            (Some((at, took)), _) => Some((at, (took * 2).max(Duration::from_secs(1)))),
            (None, Some(start)) => Some((start, Duration::from_secs(2))),
            (None, None) => None,
        };
        if self.intake.loading.is_some()
            && let Some((since, gap)) = wait
            && since.elapsed() < gap
        {
            return;
        }
        if self.intake.dirty {
            let t = std::time::Instant::now();
            self.intake.dirty = false;
            // Runs from different files that share an id are told apart by their file: once
            // for all that arrived, not once a file.
            crate::run::identity::assign(Arc::make_mut(&mut self.ws.runs).as_mut_slice());
            self.refresh();
            self.intake.last_settle = Some((std::time::Instant::now(), t.elapsed()));
        }
    }

    /// Mining, weights and rows again, after runs arrive or a label changes.
    pub fn refresh(&mut self) {
        self.ws.derive();
        self.relist();
    }

    /// Only run `ri` changed (a label on it): recompute it, the weights, and the lists.
    fn refresh_run(&mut self, ri: usize) {
        self.ws.rederive_run(ri);
        self.relist();
    }

    /// The visible runs and pairs, and the Stats report, after the derived data changed.
    fn relist(&mut self) {
        self.screens.pairs.refresh(&self.ws.derived);
        if self.nav.screen == Screen::Stats {
            let cx = context(&self.ws, &self.search, self.size, None, None, &PLAIN);
            self.screens.stats.refresh(&cx);
        } else {
            self.screens.stats.clear();
        }
        if self.nav.screen == Screen::Review {
            let cx = context(&self.ws, &self.search, self.size, None, None, &PLAIN);
            self.screens.review.refresh(&cx);
        }
        // While files arrive, a selection nobody moved stays on the first row rather than
        // following the first run read to wherever it sorts.
        let runs = &mut self.screens.runs;
        let top = self.intake.loading.is_some() && runs.selected == 0;
        runs.relist(&self.ws.derived.rows);
        if top {
            runs.select(0);
        }
    }

    pub fn update(&mut self, msg: Msg) {
        match msg {
            Msg::Load(e) => self.take_load(e),
            Msg::Key(k) => self.key(k),
            Msg::Mouse(m) => match m.kind {
                MouseEventKind::ScrollDown => self.wheel(m.column, true),
                MouseEventKind::ScrollUp => self.wheel(m.column, false),
                MouseEventKind::Down(_) => self.click(m.row, m.column),
                _ => {}
            },
            Msg::Resize => {}
            Msg::Judge(JudgeEvent::Progress { done, total }) => {
                self.status = self.judging.progress(done, total)
            }
            Msg::Judge(JudgeEvent::Done { by, outcomes }) => self.take_outcomes(by, outcomes),
            Msg::Loop(e) => {
                let t = &mut self.screens.train;
                t.apply_loop(e);
                if !t.loop_running {
                    self.status = t.loop_state.clone().unwrap_or_default();
                }
            }
            Msg::Train(e) => {
                let t = &mut self.screens.train;
                t.apply(&e);
                if matches!(
                    e,
                    crate::train::worker::TrainEvent::Done { .. }
                        | crate::train::worker::TrainEvent::Failed { .. }
                ) {
                    t.rescan_history();
                }
                if self.quit == Quit::WhenStopped && !t.running {
                    self.quit = Quit::Now;
                }
            }
        }
        // The runs shown are kept whole (read back from their files); the others shells.
        let shown: Vec<usize> = match self.nav.screen {
            Screen::Run => self.current_run().into_iter().collect(),
            Screen::Compare => self.screens.compare.pair().into_iter().flatten().collect(),
            Screen::Review => self.screens.review.selected_run().into_iter().collect(),
            _ => Vec::new(),
        };
        self.ws.keep_whole(&shown);
    }
}

/// The screens' read-only view of the app, from its parts (so a component can be borrowed
/// mutably beside it).
fn context<'a>(
    ws: &'a Workspace,
    search: &'a Matches,
    size: Size,
    current_run: Option<usize>,
    typing: Option<&'a str>,
    theme: &'a Theme,
) -> Context<'a> {
    Context {
        runs: &ws.runs,
        derived: &ws.derived,
        labels: ws.labels(),
        journal: ws.journal.as_ref(),
        verdicts: ws.panel.verdicts.as_ref(),
        reasons: &ws.panel.reasons,
        panel: &ws.panel,
        read: &ws.read,
        qrels: ws.qrels.as_ref(),
        corpus: ws.corpus.as_deref(),
        mode: ws.mode,
        use_tokens: ws.use_tokens,
        current_run,
        query: search.query(),
        typing,
        page: size.page,
        list_rows: size.list_rows,
        width: size.width,
        theme,
    }
}
