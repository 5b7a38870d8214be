//! Where inputs live. A folder with a `runs/` subfolder is a workspace: its runs are under
//! `runs/`, and `corpus.jsonl` (or an `index/`), `questions.jsonl` and `qrels.txt` beside it are
//! picked up when present. This is the layout `sample_trajectories/` and `lrat synth` use.

use std::path::{Path, PathBuf};

/// Inputs resolved from the paths a user gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub runs: Vec<PathBuf>,
    pub corpus: Option<PathBuf>,
    pub index: Option<PathBuf>,
    pub questions: Option<PathBuf>,
    pub qrels: Option<PathBuf>,
}

fn existing(p: PathBuf) -> Option<PathBuf> {
    p.exists().then_some(p)
}

/// Expands workspace folders; other paths are runs as given.
pub fn resolve(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    for p in paths {
        let runs = p.join("runs");
        if p.is_dir() && runs.is_dir() {
            inputs.runs.push(runs);
            inputs.corpus = inputs
                .corpus
                .take()
                .or_else(|| existing(p.join("corpus.jsonl")));
            inputs.index = inputs.index.take().or_else(|| existing(p.join("index")));
            inputs.questions = inputs
                .questions
                .take()
                .or_else(|| existing(p.join("questions.jsonl")));
            inputs.qrels = inputs
                .qrels
                .take()
                .or_else(|| existing(p.join("qrels.txt")));
        } else {
            inputs.runs.push(p.clone());
        }
    }
    inputs
}

/// `sample_trajectories/` in the working directory (the repository root, where `cargo run`
/// starts); an error naming what to do elsewhere.
pub fn sample_dir() -> Result<PathBuf, crate::error::Error> {
    let here = Path::new("sample_trajectories");
    if here.is_dir() {
        return Ok(here.to_path_buf());
    }
    Err(crate::error::Error::Rejected(format!(
        "no sample_trajectories/ in {}: name the runs to open (lrat open RUNS…), or run lrat from the repository's root",
        std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| ".".into())
    )))
}
