//! The terminal app: runs load in the background and appear as they arrive; one message queue
//! carries keys, mouse and every job's events; the screen is redrawn from `&App` after the
//! queue is drained.
//!
//! - [`app`]: the shared state and how each message changes it;
//! - [`component`]: the one trait every screen implements, what it may read, what it may ask;
//! - [`screens`]: the screens, each in a folder with its state and its drawing;
//! - [`jobs`]: the one shape of background work ([`loader`] is one such job);
//! - [`chrome`]: the header, footer and dialogs around the screens, and shared widgets.

pub mod app;
pub mod chrome;
pub mod component;
pub mod jobs;
pub mod keymap;
pub mod loader;
pub mod rows;
pub mod screens;
pub mod theme;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};

use self::app::{App, Msg};
use self::theme::Theme;
use crate::error::Error;
use crate::labels::{self, Journal};
use crate::run::ReadOptions;
use crate::workspace;

/// What to open.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub runs: Vec<PathBuf>,
    pub read: ReadOptions,
    pub questions: Option<PathBuf>,
    pub labels: Option<PathBuf>,
    /// Verdict files (none: the `verdicts.jsonl` beside the labels, if any).
    pub verdicts: Vec<PathBuf>,
    /// How judges that differ are combined.
    pub rule: crate::verdict::Rule,
    /// `tokenizer.json` or a model folder, so `w` can switch `l` to tokens.
    pub tokenizer: Option<PathBuf>,
    /// Corpus JSONL or index folder for document texts (default: the workspace's).
    pub corpus: Option<PathBuf>,
    /// TREC qrels: evidence documents are flagged (default: the workspace's `qrels.txt`).
    pub qrels: Option<PathBuf>,
    /// The run index folder (default: `.lrat/index/` beside the runs).
    pub index: Option<PathBuf>,
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
    // Judge verdicts: the files given, else those an earlier session's `J` kept beside the labels.
    let mut panel = crate::verdict::Panel::read(
        &labels::verdicts_files(&opts.verdicts, &labels_dir),
        opts.rule.clone(),
    )?;
    let bad_verdicts = std::mem::take(&mut panel.errors);
    let mut app = App::new(journal, panel, std::mem::take(&mut status));
    app.set_read_options(opts.read.clone());
    app.reject(bad_verdicts);
    if let Some(t) = &opts.tokenizer {
        app.set_tokens(crate::mine::Length::tokens(t)?);
    }
    let inputs = workspace::resolve(&opts.runs);
    if let Some(q) = opts.qrels.as_ref().or(inputs.qrels.as_ref()) {
        let (qrels, errors) = crate::qrels::Qrels::read(q)?;
        if let Some(e) = errors.first() {
            let status = format!(
                "{}; qrels: {} bad lines (first: {e})",
                app.status(),
                errors.len()
            );
            app.say(status);
        }
        app.set_qrels(qrels);
    }
    Ok(app)
}

/// Reads every file on a thread of its own, sending each file's runs as it is read.
pub fn spawn_loader(opts: &OpenOptions, tx: mpsc::Sender<Msg>) {
    loader::start(opts, Some(jobs::sink_to(&tx, Msg::Load)));
}

/// Draws the app: the header, the screen shown, the footer and any dialog.
pub fn draw(frame: &mut ratatui::Frame, app: &App, theme: &Theme) {
    app.draw(frame, theme)
}

/// Opens the app in the terminal and runs it until the user quits; gives back the inputs it
/// rejected, for the caller to report once the terminal is restored.
pub fn open(opts: OpenOptions) -> Result<Vec<crate::error::InputError>, Error> {
    let mut app = prepare(&opts)?;
    let theme = Theme::from_env();
    let (tx, rx) = mpsc::channel();
    app.connect(tx.clone());
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
            app.resize(size.width, size.height);
            terminal
                .draw(|f| app.draw(f, &theme))
                .map_err(|e| Error::io("<terminal>", e))?;
            let Ok(msg) = rx.recv() else { return Ok(()) };
            app.update(msg);
            // Coalesce: apply everything already queued before drawing again.
            while let Ok(m) = rx.try_recv() {
                app.update(m);
            }
            app.settle();
            if app.quitting() {
                return Ok(());
            }
        }
    })();
    let _ = crossterm::execute!(std::io::stdout(), event::DisableMouseCapture);
    ratatui::restore();
    crate::terminal::set_in_app(false);
    result.map(|()| app.take_errors())
}
