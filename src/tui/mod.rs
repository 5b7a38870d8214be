//! The terminal app: runs load in the background and appear as they arrive; one message queue
//! carries keys, mouse and loader progress; the screen is redrawn from `&App` after the queue is
//! drained.

pub mod app;
mod background;
pub mod help_screen;
mod input;
mod jobs;
pub mod judging;
pub mod keymap;
mod labelling;
pub mod pairs;
pub mod rows;
pub mod run_screen;
pub mod runs;
mod screens;
pub mod theme;
pub mod training;
pub mod views;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};

use self::app::{App, Msg};
use self::theme::Theme;
use crate::error::Error;
use crate::labels::{self, Journal};
use crate::run::{self, Questions, ReadOptions};
use crate::workspace;

/// What to open.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub runs: Vec<PathBuf>,
    pub read: ReadOptions,
    pub questions: Option<PathBuf>,
    pub labels: Option<PathBuf>,
    pub verdicts: Option<PathBuf>,
    /// `tokenizer.json` or a model folder, so `w` can switch `l` to tokens.
    pub tokenizer: Option<PathBuf>,
    /// Corpus JSONL or index folder for document texts (default: the workspace's).
    pub corpus: Option<PathBuf>,
    /// TREC qrels: evidence documents are flagged (default: the workspace's `qrels.txt`).
    pub qrels: Option<PathBuf>,
}

/// The app before any run has loaded: labels opened, judge verdicts read.
pub fn prepare(opts: &OpenOptions) -> Result<App, Error> {
    let labels_dir = opts
        .labels
        .clone()
        .unwrap_or_else(|| labels::default_dir(&opts.runs));
    // Data in a read-only place still opens: labels are then unavailable, and the app says so.
    let (journal, mut status) = match Journal::open(&labels_dir) {
        Ok((journal, report)) => {
            let mut status = format!(
                "labels: {} ({} in force)",
                journal.path().display(),
                journal.len()
            );
            if let Some(why) = &report.read_only {
                status = why.clone();
            }
            if let Some(p) = report.problems.first() {
                status = format!("{status}; {p}");
            }
            (Some(journal), status)
        }
        Err(e) => (
            None,
            format!("labels unavailable ({e}); nothing will be saved: pass --labels DIR"),
        ),
    };
    // Judge verdicts: the file given, else those an earlier session's `J` kept beside the labels.
    let (judge, reasons, bad_verdicts) =
        match labels::verdicts_file(opts.verdicts.as_deref(), &labels_dir) {
            Some(p) => {
                let (v, r, errors) = crate::verdict::VerdictFile::new(&p).read()?;
                (Some(v), r, errors)
            }
            None => (None, Default::default(), Vec::new()),
        };
    let mut app = App::new(journal, judge, std::mem::take(&mut status));
    app.reasons = reasons;
    app.errors.extend(bad_verdicts);
    if let Some(t) = &opts.tokenizer {
        app.tokens = Some(std::sync::Arc::new(crate::mine::Length::tokens(t)?));
    }
    let inputs = workspace::resolve(&opts.runs);
    if let Some(q) = opts.qrels.as_ref().or(inputs.qrels.as_ref()) {
        let (qrels, errors) = crate::qrels::Qrels::read(q)?;
        if let Some(e) = errors.first() {
            app.status = format!(
                "{}; qrels: {} bad lines (first: {e})",
                app.status,
                errors.len()
            );
        }
        app.qrels = Some(qrels);
    }
    Ok(app)
}

/// Reads every file, sending each file's runs as it is read.
pub fn spawn_loader(opts: &OpenOptions, tx: mpsc::Sender<Msg>) {
    let inputs = workspace::resolve(&opts.runs);
    let questions = opts.questions.clone().or(inputs.questions.clone());
    let corpus = opts
        .corpus
        .clone()
        .or(inputs.index.clone())
        .or(inputs.corpus.clone());
    let read = opts.read.clone();
    std::thread::spawn(move || {
        // A questions file that cannot be read, or has bad entries, is shown like a bad run file.
        let (q, q_errors) = match questions {
            Some(p) => match Questions::read(&p) {
                Ok((q, errors)) => (Some(q), errors),
                Err(e) => (None, vec![crate::error::InputError::from_error(&p, e)]),
            },
            None => (None, Vec::new()),
        };
        if !q_errors.is_empty() {
            let _ = tx.send(Msg::Loaded {
                runs: Vec::new(),
                errors: q_errors,
                files_done: 0,
                files: 0,
            });
        }
        let files = match run::load::collect_files(&inputs.runs) {
            Ok(f) => f,
            Err(e) => {
                let _ = tx.send(Msg::Loaded {
                    runs: Vec::new(),
                    errors: vec![crate::error::InputError::new("<inputs>", e.to_string())],
                    files_done: 0,
                    files: 0,
                });
                let _ = tx.send(Msg::LoadDone);
                return;
            }
        };
        let total = files.len();
        let mut skipped = Vec::new();
        let mut found = false;
        for (n, (path, explicit)) in files.iter().enumerate() {
            let mut part = run::load_file(path, *explicit, &read);
            if let Some(q) = &q {
                q.apply(&mut part.runs);
            }
            match part.skipped {
                Some(why) => skipped.push((path.clone(), why)),
                None => found = true,
            }
            let msg = Msg::Loaded {
                runs: part.runs,
                errors: part.errors,
                files_done: n + 1,
                files: total,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
        // Nothing to open is said plainly, as the commands say it.
        if !found {
            let _ = tx.send(Msg::Loaded {
                runs: Vec::new(),
                errors: vec![run::load::no_runs_found(&inputs.runs, &skipped)],
                files_done: total,
                files: total,
            });
        }
        let _ = tx.send(Msg::Skipped(skipped));
        let _ = tx.send(Msg::LoadDone);
        // Documents: an existing index opens at once; a corpus file is indexed beside it first.
        if let Some(c) = corpus {
            let msg = match crate::corpus::open_or_build(&c) {
                Ok((ix, _)) => Msg::Corpus(Box::new(ix)),
                Err(e) => Msg::CorpusFailed(e.to_string()),
            };
            let _ = tx.send(msg);
        }
    });
}

/// Opens the app in the terminal and runs it until the user quits; gives back the inputs it
/// rejected, for the caller to report once the terminal is restored.
pub fn open(opts: OpenOptions) -> Result<Vec<crate::error::InputError>, Error> {
    let mut app = prepare(&opts)?;
    let theme = Theme::from_env();
    let (tx, rx) = mpsc::channel();
    app.tx = Some(tx.clone());
    spawn_loader(&opts, tx.clone());
    std::thread::spawn(move || {
        loop {
            let msg = match event::poll(Duration::from_millis(250)) {
                Ok(true) => match event::read() {
                    Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => Msg::Key(k),
                    Ok(Event::Mouse(m)) => Msg::Mouse(m),
                    Ok(Event::Resize(..)) => Msg::Resize,
                    _ => continue,
                },
                Ok(false) => continue,
                Err(_) => break,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
    let mut terminal = ratatui::init();
    crate::terminal::set_in_app(true);
    let _ = crossterm::execute!(std::io::stdout(), event::EnableMouseCapture);
    let result = (|| -> Result<(), Error> {
        loop {
            let size = terminal.size().map_err(|e| Error::io("<terminal>", e))?;
            app.page = usize::from(size.height.saturating_sub(6)).max(1);
            app.list_rows = usize::from(size.height.saturating_sub(5)).max(1);
            app.width = size.width;
            terminal
                .draw(|f| views::draw(f, &app, &theme))
                .map_err(|e| Error::io("<terminal>", e))?;
            let Ok(msg) = rx.recv() else { return Ok(()) };
            app.update(msg);
            // Coalesce: apply everything already queued before drawing again.
            while let Ok(m) = rx.try_recv() {
                app.update(m);
            }
            app.settle();
            if app.quit {
                return Ok(());
            }
        }
    })();
    let _ = crossterm::execute!(std::io::stdout(), event::DisableMouseCapture);
    ratatui::restore();
    crate::terminal::set_in_app(false);
    result.map(|()| std::mem::take(&mut app.errors))
}
