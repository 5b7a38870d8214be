//! The one shape every screen has: a component owns its state, handles an action (or a raw key,
//! a click) given what it may read of the app — a [`Context`] — and answers with an [`Effect`]
//! the app carries out; it draws into an area from its own state and the same context. No
//! component names the app, so they can be read, tested and changed one at a time (gitui's
//! components, the Elm architecture).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::keymap::Action;
use super::rows::{Derived, RunRow};
use super::theme::Theme;
use crate::labels::{Effective, Journal, NegativeLabel};
use crate::run::Run;
use crate::verdict::{Reasons, Verdict, Verdicts};

/// What a component may read of the app: the runs, what was mined from them, the labels, the
/// mining settings, the selection other screens made, the terminal's size. Read-only.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub runs: &'a std::sync::Arc<Vec<Run>>,
    pub derived: &'a Derived,
    /// The effective labels (human ?? judge ?? the unjudged policy).
    pub labels: Effective<'a>,
    pub journal: Option<&'a Journal>,
    /// The judge's verdicts, when there are any.
    pub verdicts: Option<&'a Verdicts>,
    /// Why the judge decided each browse, where known.
    pub reasons: &'a Reasons,
    /// Every judge's verdicts, kept apart, and how they combine.
    pub panel: &'a crate::verdict::Panel,
    /// How the runs were read (a shell is read back whole with it).
    pub read: &'a crate::run::ReadOptions,
    pub qrels: Option<&'a crate::qrels::Qrels>,
    pub corpus: Option<&'a crate::corpus::DocIndex>,
    pub mode: crate::mine::Mode,
    /// `l` counted in tokens (else words).
    pub use_tokens: bool,
    /// The run selected on the Runs screen (an index into `runs`).
    pub current_run: Option<usize>,
    /// The search highlighted in texts (`/`, entered).
    pub query: &'a str,
    /// What is being typed after `/`, while it is.
    pub typing: Option<&'a str>,
    /// Rows a page, rows a list shows, and the terminal's width.
    pub page: usize,
    pub list_rows: usize,
    pub width: u16,
    pub theme: &'a Theme,
}

impl Context<'_> {
    /// Whether `docid` is an evidence document of `run`'s question (with qrels).
    pub fn is_evidence(&self, run: &Run, docid: &str) -> bool {
        self.qrels
            .is_some_and(|q| q.is_evidence(&run.query_id, docid))
    }

    /// The Runs list's row of run `run`.
    pub fn row(&self, run: usize) -> Option<&RunRow> {
        self.derived.rows.get(run)
    }

    /// The open run (the one selected on the Runs screen).
    pub fn run(&self) -> Option<&Run> {
        self.current_run.and_then(|r| self.runs.get(r))
    }

    /// A document's title: from the corpus when it is open, else as the search before the
    /// browse at file index `browse` gave it.
    pub fn doc_title(&self, run: &Run, browse: usize, docid: &str) -> Option<String> {
        self.corpus
            .and_then(|ix| ix.get(docid).ok().flatten())
            .and_then(|d| d.title)
            .filter(|t| !t.trim().is_empty())
            .or_else(|| run.source_title(browse, docid).map(str::to_string))
            .filter(|t| !t.trim().is_empty())
    }

    /// The document browse `step` of `run` opened: the corpus's text when it is open
    /// (`true`), else what the run showed the agent (read back from the run's file when the
    /// app keeps the run as a shell).
    pub fn doc_text(&self, run: &Run, step: usize, docid: &str) -> (String, bool) {
        if let Some(d) = self.corpus.and_then(|ix| ix.get(docid).ok().flatten()) {
            return (d.text, true);
        }
        let browse_text = |r: &Run| match r.step(step).map(|s| &s.kind) {
            Some(crate::run::StepKind::Browse(b)) => b.text.clone(),
            _ => None,
        };
        let text = browse_text(run)
            .or_else(|| crate::run::load::with_texts(run, self.read).and_then(|w| browse_text(&w)));
        (text.unwrap_or_else(|| "(no text)".into()), false)
    }

    /// "tokens" or "words": what `l` counts.
    pub fn unit(&self) -> &'static str {
        if self.use_tokens { "tokens" } else { "words" }
    }
}

/// What a component asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    /// A message for the status line.
    Status(String),
    /// Show another screen.
    Show(Screen),
    /// Open run `run` (an index into the runs) at the step of file index `step` (its first
    /// step when `None`); Esc goes back to `back`.
    OpenRun {
        run: usize,
        step: Option<usize>,
        back: Screen,
    },
    /// Leave the Run screen for where it was opened from.
    Back,
    /// Leave the help for the screen it was opened on.
    CloseHelp,
    /// Start typing a search.
    Search,
    /// Label the browse shown on the Run screen.
    LabelBrowse(Verdict),
    /// Label the selected hit of the search shown.
    LabelNegative(NegativeLabel),
    /// Label these candidate pairs (indices into the candidates) as one change.
    LabelPairs {
        idx: Vec<usize>,
        verdict: Verdict,
    },
    /// Ask first, then do it.
    Confirm(Confirm),
    /// Start training on the pairs mined now.
    StartTraining,
    /// Re-run the held-out questions with the model trained into this folder.
    ClosedLoop(std::path::PathBuf),
    /// Run the judge chosen.
    Judge(JudgeChoice),
    /// Label the browse at file index `step` of run `run_id` (the Review screen).
    LabelAt {
        run_id: String,
        step: usize,
        verdict: Verdict,
    },
}

/// Which screen is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Runs,
    Run,
    Pairs,
    Stats,
    Train,
    Review,
    Compare,
    Found,
    Help,
}

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

/// An action waiting for the user's yes or no.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// Label every pair shown (`A`/`D` on the Pairs screen).
    LabelPairs { idx: Vec<usize>, verdict: Verdict },
    /// Quit while training runs: stop it, save its checkpoint, then quit.
    QuitTraining,
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
        }
    }
}

/// Moves a list's selection for ↑ ↓ PgUp PgDn g G within `len` rows (`page` a page);
/// `false` for any other action. Every list screen moves its selection through here.
pub fn move_selection(a: Action, sel: &mut usize, len: usize, page: usize) -> bool {
    let last = len.saturating_sub(1);
    *sel = match a {
        Action::Up => sel.saturating_sub(1),
        Action::Down => (*sel + 1).min(last),
        Action::PageUp => sel.saturating_sub(page),
        Action::PageDown => (*sel + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return false,
    };
    true
}

/// A screen (or a dialog) of the app.
pub trait Component {
    /// An action while this component has the keys; `None` when it is not this component's
    /// (the app then gives it its general meaning, or none).
    fn act(&mut self, a: Action, cx: &Context) -> Option<Effect>;

    /// Draws into `area` from its own state and the context.
    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Context);

    /// The main keys, for the footer (`?` lists them all).
    fn keys(&self) -> &'static str;

    /// A key before the keymap reads it (a value being typed); `None`: not taken.
    fn raw_key(&mut self, _key: KeyEvent) -> Option<Effect> {
        None
    }

    /// A click at `row`, `column` of the terminal; `None`: nothing there.
    fn click(&mut self, _row: u16, _column: u16, _cx: &Context) -> Option<Effect> {
        None
    }

    /// The mouse wheel at `column`: by default what ↓ and ↑ do.
    fn wheel(&mut self, _column: u16, down: bool, cx: &Context) -> Option<Effect> {
        self.act(if down { Action::Down } else { Action::Up }, cx)
    }

    /// A line the footer shows instead of the keys and the status (a value being typed).
    fn prompt(&self, _theme: &Theme) -> Option<Line<'static>> {
        None
    }
}
