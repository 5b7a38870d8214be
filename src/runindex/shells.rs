//! The run index's store of shells: each indexed file's runs as the app keeps them
//! ([`Run::shell`]: the run's own fields and its skeleton), so that a re-open lists, mines and
//! counts every unchanged file's runs without reading the file again.
//!
//! One append-only file (`shells-N.jsonl`, one JSON line a run file); the manifest says where
//! each run file's line lies. A line is written, and the file synced, before the manifest that
//! points at it, so an interrupted build leaves at most lines nothing points at. When more than
//! half the store is such lines (files changed since), it is written afresh under the next
//! number and the manifest switched to it in one rename.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::run::{Run, Skeleton};

/// Where one run file's shells lie in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub offset: u64,
    pub len: u64,
}

/// A file the index holds as it is now: where its shells lie, and why it is not a run file
/// when it is not (then it has none).
#[derive(Debug, Clone)]
pub struct Cached {
    pub span: Span,
    pub skipped: Option<String>,
}

impl Cached {
    /// The file's runs, from the store (`store`, opened on [`super::RunIndex::store_path`]),
    /// their source set to `path`; `None` when the store cannot give them (then read the file).
    pub fn read(&self, store: &mut File, path: &Path) -> Option<Vec<Run>> {
        let bytes = read(store, self.span).ok()?;
        decode(&bytes, path).ok()
    }
}

/// The store's file name for generation `n`.
pub fn name(n: u64) -> String {
    format!("shells-{n}.jsonl")
}

/// The generation a store name gives (`None` for any other file).
pub fn generation(name: &str) -> Option<u64> {
    name.strip_prefix("shells-")?
        .strip_suffix(".jsonl")?
        .parse()
        .ok()
}

/// One run file's line: its runs, each made a shell (runs read whole are made shells first).
pub fn encode(runs: &mut [Run]) -> Result<Vec<u8>, Error> {
    runs.iter_mut().for_each(Run::shell);
    let rows: Vec<(&Run, Option<&Skeleton>)> =
        runs.iter().map(|r| (r, r.skeleton.as_deref())).collect();
    let mut line = serde_json::to_vec(&rows)?;
    line.push(b'\n');
    Ok(line)
}

/// The shells of one line, their source set to `path` (as the caller named the file now).
pub fn decode(bytes: &[u8], path: &Path) -> Result<Vec<Run>, serde_json::Error> {
    let rows: Vec<(Run, Option<Skeleton>)> = serde_json::from_slice(bytes)?;
    Ok(rows
        .into_iter()
        .map(|(mut run, sk)| {
            run.source.path = path.to_path_buf();
            run.skeleton = sk.map(Arc::new);
            run
        })
        .collect())
}

/// The store open for appending.
pub struct Writer {
    path: PathBuf,
    file: File,
    len: u64,
}

impl Writer {
    pub fn open(path: &Path) -> Result<Writer, Error> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Ok(Writer {
            path: path.to_path_buf(),
            file,
            len,
        })
    }

    pub fn append(&mut self, line: &[u8]) -> Result<Span, Error> {
        self.file
            .write_all(line)
            .map_err(|e| Error::io(&self.path, e))?;
        let span = Span {
            offset: self.len,
            len: line.len() as u64,
        };
        self.len += span.len;
        Ok(span)
    }

    /// Makes what was appended durable (before a manifest points at it).
    pub fn sync(&self) -> Result<(), Error> {
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }

    pub fn bytes(&self) -> u64 {
        self.len
    }
}

/// Reads one span of the store.
pub fn read(file: &mut File, span: Span) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(span.offset))?;
    let mut bytes = vec![0; usize::try_from(span.len).unwrap_or(usize::MAX)];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}
