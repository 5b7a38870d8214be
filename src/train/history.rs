//! Earlier training runs read back from their folders: the settings in `trainer_state.json`, and
//! from `metrics.jsonl` the model, the losses, every evaluation and how the run ended. Reading
//! never writes (an interrupted checkpoint is left for the trainer to settle), and a bad line is
//! reported with its file and line while the rest of the run still counts.

use std::path::{Path, PathBuf};

use super::progress::Progress;
use super::worker::{TrainConfig, TrainEvent};

pub use super::progress::Ending;

/// One earlier run.
#[derive(Debug, Clone, PartialEq)]
pub struct PastRun {
    pub dir: PathBuf,
    /// The folder's name (the Train screen names folders by their UTC start time).
    pub name: String,
    /// Every setting, when `trainer_state.json` was written (at the first checkpoint).
    pub config: Option<TrainConfig>,
    /// What its events say: model, steps, losses, evaluations, how it ended.
    pub progress: Progress,
    /// Lines that could not be read (`FILE:LINE: why`).
    pub problems: Vec<String>,
}

/// A training folder, or `None` when it has no `metrics.jsonl`.
pub fn read(dir: &Path) -> Option<PastRun> {
    let log = dir.join("metrics.jsonl");
    let text = std::fs::read_to_string(&log).ok()?;
    let mut run = PastRun {
        dir: dir.to_path_buf(),
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        config: None,
        progress: Progress::default(),
        problems: Vec::new(),
    };
    let state = dir.join(super::checkpoint::STATE);
    if let Ok(t) = std::fs::read_to_string(&state) {
        match serde_json::from_str::<serde_json::Value>(&t)
            .and_then(|v| serde_json::from_value::<TrainConfig>(v["config"].clone()))
        {
            Ok(c) => run.config = Some(c),
            Err(e) => run.problems.push(format!("{}: {e}", state.display())),
        }
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let e = match serde_json::from_str::<TrainEvent>(line) {
            Ok(e) => e,
            Err(err) => {
                run.problems
                    .push(format!("{}:{}: {err}", log.display(), i + 1));
                continue;
            }
        };
        run.progress.apply(&e);
    }
    Some(run)
}

/// Every training folder directly under `base`, oldest first (folder names are start times).
pub fn scan(base: &Path) -> Vec<PastRun> {
    let Ok(rd) = std::fs::read_dir(base) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().filter_map(|d| read(d)).collect()
}
