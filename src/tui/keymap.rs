//! Every key the app understands, in one table: the handlers and the help screen both read it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    NextPane,
    Search,
    NextMatch,
    PrevMatch,
    Accept,
    Reject,
    Exclude,
    ActuallyRelevant,
    Undo,
    Redo,
    Correctness,
    Note,
    WholeQuestion,
    NextUnreviewed,
    Sort,
    Filter,
    ScreenRuns,
    ScreenPairs,
    ScreenStats,
    ScreenTrain,
    ScreenReview,
    Skip,
    Compare,
    StartTraining,
    StopTraining,
    History,
    ClosedLoop,
    Overlay,
    ToggleMode,
    ToggleLength,
    AcceptShown,
    RejectShown,
    Judge,
    Export,
    Help,
    Quit,
}

/// One binding: keys, what it does, and the words the help screen shows.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub action: Action,
    pub label: &'static str,
    pub help: &'static str,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Up, KeyCode::Char('k')],
        action: Action::Up,
        label: "↑ k",
        help: "previous row or step",
    },
    Binding {
        keys: &[KeyCode::Down, KeyCode::Char('j')],
        action: Action::Down,
        label: "↓ j",
        help: "next row or step",
    },
    Binding {
        keys: &[KeyCode::PageUp],
        action: Action::PageUp,
        label: "PgUp",
        help: "a page up (scrolls the detail pane when it has focus)",
    },
    Binding {
        keys: &[KeyCode::PageDown],
        action: Action::PageDown,
        label: "PgDn",
        help: "a page down",
    },
    Binding {
        keys: &[KeyCode::Char('g'), KeyCode::Home],
        action: Action::Top,
        label: "g Home",
        help: "first row",
    },
    Binding {
        keys: &[KeyCode::Char('G'), KeyCode::End],
        action: Action::Bottom,
        label: "G End",
        help: "last row",
    },
    Binding {
        keys: &[KeyCode::Enter, KeyCode::Right, KeyCode::Char('l')],
        action: Action::Enter,
        label: "Enter → l",
        help: "open the run",
    },
    Binding {
        keys: &[KeyCode::Esc, KeyCode::Left, KeyCode::Char('h')],
        action: Action::Back,
        label: "Esc ← h",
        help: "back",
    },
    Binding {
        keys: &[KeyCode::Tab],
        action: Action::NextPane,
        label: "Tab",
        help: "switch between timeline and detail",
    },
    Binding {
        keys: &[KeyCode::Char('/')],
        action: Action::Search,
        label: "/",
        help: "search questions, reasoning, queries, hits and documents",
    },
    Binding {
        keys: &[KeyCode::Char('n')],
        action: Action::NextMatch,
        label: "n",
        help: "next match",
    },
    Binding {
        keys: &[KeyCode::Char('N')],
        action: Action::PrevMatch,
        label: "N",
        help: "previous match",
    },
    Binding {
        keys: &[KeyCode::Char('a')],
        action: Action::Accept,
        label: "a",
        help: "mark the browse relevant (a human verdict)",
    },
    Binding {
        keys: &[KeyCode::Char('r')],
        action: Action::Reject,
        label: "r",
        help: "mark the browse not relevant (a human verdict)",
    },
    Binding {
        keys: &[KeyCode::Char('x')],
        action: Action::Exclude,
        label: "x",
        help: "exclude the selected negative hit",
    },
    Binding {
        keys: &[KeyCode::Char('R')],
        action: Action::ActuallyRelevant,
        label: "R",
        help: "mark the selected negative hit actually relevant",
    },
    Binding {
        keys: &[KeyCode::Char('u')],
        action: Action::Undo,
        label: "u",
        help: "undo the last label change (a bulk change whole)",
    },
    Binding {
        // Ctrl-r (matched in `action`: a plain `r` rejects).
        keys: &[],
        action: Action::Redo,
        label: "Ctrl-r",
        help: "redo the change undone last",
    },
    Binding {
        keys: &[KeyCode::Char('c')],
        action: Action::Correctness,
        label: "c",
        help: "Run: set the run correct, incorrect, or back to what the file says",
    },
    Binding {
        keys: &[KeyCode::Char(':')],
        action: Action::Note,
        label: ":",
        help: "Run: write the run's note (Enter saves, an empty note clears it)",
    },
    Binding {
        keys: &[KeyCode::Char('v')],
        action: Action::WholeQuestion,
        label: "v",
        help: "Run: show the whole question (long ones are cut to three lines), v again folds it",
    },
    Binding {
        keys: &[KeyCode::Char(']')],
        action: Action::NextUnreviewed,
        label: "]",
        help: "Run: the next browse no human has reviewed (this run, then the next)",
    },
    Binding {
        keys: &[KeyCode::Char('s')],
        action: Action::Sort,
        label: "s",
        help: "sort by the next column (Runs, Pairs)",
    },
    Binding {
        keys: &[KeyCode::Char('f')],
        action: Action::Filter,
        label: "f",
        help: "next filter (Runs: outcome, overrides, unjudged browses; Pairs: verdict, unjudged, human)",
    },
    Binding {
        keys: &[KeyCode::Char('1')],
        action: Action::ScreenRuns,
        label: "1",
        help: "Runs screen",
    },
    Binding {
        keys: &[KeyCode::Char('2')],
        action: Action::ScreenPairs,
        label: "2",
        help: "Pairs screen: every mined pair",
    },
    Binding {
        keys: &[KeyCode::Char('3')],
        action: Action::ScreenStats,
        label: "3",
        help: "Stats screen: the paper's analyses",
    },
    Binding {
        keys: &[KeyCode::Char('t'), KeyCode::Char('4')],
        action: Action::ScreenTrain,
        label: "t 4",
        help: "Train screen: fine-tune the retriever on the mined pairs",
    },
    Binding {
        keys: &[KeyCode::Char('5')],
        action: Action::ScreenReview,
        label: "5",
        help: "Review: unlabelled browses, the likeliest wrong verdicts first",
    },
    Binding {
        keys: &[KeyCode::Char(' ')],
        action: Action::Skip,
        label: "Space",
        help: "Review: skip this browse (it stays in the queue)",
    },
    Binding {
        keys: &[KeyCode::Char('C')],
        action: Action::Compare,
        label: "C",
        help: "compare the run with another run set's run of the same question (⇄ in the list)",
    },
    Binding {
        keys: &[KeyCode::Char('S')],
        action: Action::StartTraining,
        label: "S",
        help: "start training with the settings shown (Train screen)",
    },
    Binding {
        keys: &[KeyCode::Char('X')],
        action: Action::StopTraining,
        label: "X",
        help: "stop training after the current batch (a checkpoint is saved)",
    },
    Binding {
        keys: &[KeyCode::Char('H')],
        action: Action::History,
        label: "H",
        help: "earlier training runs side by side (Train screen; j/k select, H or Esc closes)",
    },
    Binding {
        keys: &[KeyCode::Char('L')],
        action: Action::ClosedLoop,
        label: "L",
        help: "re-run held-out questions in the simulated agent (Train screen)",
    },
    Binding {
        keys: &[KeyCode::Char('o')],
        action: Action::Overlay,
        label: "o",
        help: "overlay the selected earlier run's held-out curve on the chart (Train history)",
    },
    Binding {
        keys: &[KeyCode::Char('m')],
        action: Action::ToggleMode,
        label: "m",
        help: "mine in paper or reference mode",
    },
    Binding {
        keys: &[KeyCode::Char('w')],
        action: Action::ToggleLength,
        label: "w",
        help: "length in words or tokens (needs --tokenizer)",
    },
    Binding {
        keys: &[KeyCode::Char('A')],
        action: Action::AcceptShown,
        label: "A",
        help: "Pairs: mark every pair shown relevant (asks first; one u undoes it)",
    },
    Binding {
        keys: &[KeyCode::Char('D')],
        action: Action::RejectShown,
        label: "D",
        help: "Pairs: mark every pair shown not relevant (asks first; one u undoes it)",
    },
    Binding {
        keys: &[KeyCode::Char('J')],
        action: Action::Judge,
        label: "J",
        help: "judge the open run (or all): h heuristic, l LLM (config.toml), p retry pending",
    },
    Binding {
        keys: &[KeyCode::Char('e')],
        action: Action::Export,
        label: "e",
        help: "export the pairs (LRAT JSON lines) beside the labels",
    },
    Binding {
        keys: &[KeyCode::Char('?')],
        action: Action::Help,
        label: "?",
        help: "this help",
    },
    Binding {
        keys: &[KeyCode::Char('q')],
        action: Action::Quit,
        label: "q",
        help: "quit",
    },
];

/// The action for a key press, if any (Ctrl-C quits; while training runs, after asking).
pub fn action(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('r') => Some(Action::Redo),
            _ => None,
        };
    }
    BINDINGS
        .iter()
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

/// A key typed into a one-line text field (the `/` and `:` prompts, a Train setting): a
/// character, Backspace, Ctrl-U (clear, as in a shell) or Ctrl-W (the last word); other control
/// keys are ignored rather than typed. Enter and Esc are the caller's.
pub fn edit_line(buf: &mut String, k: KeyEvent) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Backspace => {
            buf.pop();
        }
        KeyCode::Char('u') if ctrl => buf.clear(),
        KeyCode::Char('w') if ctrl => {
            let end = buf.trim_end().len();
            let cut = buf[..end].rfind(char::is_whitespace).map_or(0, |i| i + 1);
            buf.truncate(cut);
        }
        KeyCode::Char(_) if ctrl => {}
        KeyCode::Char(c) => buf.push(c),
        _ => {}
    }
}
