//! Human labels: an append-only, checksummed, fsynced journal, and the effective label
//! (human ?? judge ?? default) that every stage uses.

pub mod agreement;
pub mod effective;
mod journal;
mod record;

pub use effective::{Effective, Source, Unjudged};
pub use journal::{Journal, JournalReport};
pub use record::{LabelKey, LabelValue, NegativeLabel};

use std::path::{Path, PathBuf};

/// The folder that holds a data set's labels: `--labels DIR`, else `.lrat/` beside the data (in a
/// workspace folder, or the runs folder, or the folder of a runs file).
pub fn default_dir(runs: &[PathBuf]) -> PathBuf {
    let base = runs
        .first()
        .map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or_default()
            }
        })
        .unwrap_or_default();
    base.join(".lrat")
}

/// The judge verdicts that go with the labels in `labels_dir`: the files named, else the
/// `verdicts.jsonl` the app's `J` keeps beside the labels when there is one. The app and every
/// command read the same files by this rule.
pub fn verdicts_files(named: &[PathBuf], labels_dir: &Path) -> Vec<PathBuf> {
    if !named.is_empty() {
        return named.to_vec();
    }
    let kept = labels_dir.join("verdicts.jsonl");
    if kept.exists() {
        vec![kept]
    } else {
        Vec::new()
    }
}

/// [`default_dir`] when it already holds labels: commands that only read labels use it then.
pub fn existing_dir(runs: &[PathBuf]) -> Option<PathBuf> {
    let d = default_dir(runs);
    d.join("labels.jsonl").exists().then_some(d)
}
