//! The run index's store of shells: each indexed file's runs as the app keeps them
//! ([`Run::shell`]: the run's own fields and its skeleton), so that a re-open lists, mines and
//! counts every unchanged file's runs without reading the file again.
//!
//! One append-only file (`shells-N.bin`, one record a run file, in postcard's compact binary
//! encoding: a re-open decodes hundreds of megabytes of them, several times faster than JSON);
//! the manifest says where each run file's record lies. A record is written, and the file
//! synced, before the manifest that points at it, so an interrupted build leaves at most records
//! nothing points at. When more than half the store is such records (files changed since), it
//! is written afresh under the next number and the manifest switched to it in one rename.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::run::{Format, Meta, Run, Skeleton, Source};

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
    format!("shells-{n}.bin")
}

/// The generation a store name gives (`None` for any other file).
pub fn generation(name: &str) -> Option<u64> {
    name.strip_prefix("shells-")?
        .strip_suffix(".bin")?
        .parse()
        .ok()
}

/// A shell as the store writes it: every field of the run a shell keeps, in a fixed order (a
/// binary encoding has no field names to skip or default by), its file left out (the caller
/// names it when reading).
#[derive(Serialize)]
struct ShellOut<'a> {
    id: &'a str,
    query_id: &'a str,
    line: Option<usize>,
    format: Format,
    question: &'a Option<String>,
    gold: &'a [String],
    final_answer: &'a Option<String>,
    status: &'a Option<String>,
    correct: Option<bool>,
    meta: &'a Meta,
    tool_call_counts: &'a BTreeMap<String, u64>,
    retrieved_docids: &'a Option<Vec<String>>,
    notes: &'a [String],
    skeleton: &'a Skeleton,
}

/// A shell as the store reads it back ([`ShellOut`]'s fields, owned).
#[derive(Deserialize)]
struct ShellIn {
    id: String,
    query_id: String,
    line: Option<usize>,
    format: Format,
    question: Option<String>,
    gold: Vec<String>,
    final_answer: Option<String>,
    status: Option<String>,
    correct: Option<bool>,
    meta: Meta,
    tool_call_counts: BTreeMap<String, u64>,
    retrieved_docids: Option<Vec<String>>,
    notes: Vec<String>,
    skeleton: Skeleton,
}

/// One run file's record: its runs, each made a shell (runs read whole are made shells first).
pub fn encode(runs: &mut [Run]) -> Result<Vec<u8>, postcard::Error> {
    runs.iter_mut().for_each(Run::shell);
    let empty = Skeleton::default();
    let rows: Vec<ShellOut<'_>> = runs
        .iter()
        .map(|r| ShellOut {
            id: &r.id,
            query_id: &r.query_id,
            line: r.source.line,
            format: r.format,
            question: &r.question,
            gold: &r.gold,
            final_answer: &r.final_answer,
            status: &r.status,
            correct: r.correct,
            meta: &r.meta,
            tool_call_counts: &r.tool_call_counts,
            retrieved_docids: &r.retrieved_docids,
            notes: &r.notes,
            skeleton: r.skeleton.as_deref().unwrap_or(&empty),
        })
        .collect();
    postcard::to_stdvec(&rows)
}

/// The shells of one record, their source set to `path` (as the caller named the file now).
pub fn decode(bytes: &[u8], path: &Path) -> Result<Vec<Run>, postcard::Error> {
    let rows: Vec<ShellIn> = postcard::from_bytes(bytes)?;
    Ok(rows
        .into_iter()
        .map(|r| Run {
            id: r.id,
            query_id: r.query_id,
            source: Source {
                path: path.to_path_buf(),
                line: r.line,
            },
            format: r.format,
            question: r.question,
            gold: r.gold,
            final_answer: r.final_answer,
            status: r.status,
            correct: r.correct,
            meta: r.meta,
            tool_call_counts: r.tool_call_counts,
            retrieved_docids: r.retrieved_docids,
            steps: Vec::new(),
            notes: r.notes,
            skeleton: Some(Arc::new(r.skeleton)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Format, ToolNames};

    fn run() -> Run {
        let text = br#"{"query_id": "7", "query": "who?", "answer": "Ada",
            "metadata": {"model": "m", "retriever": "bm25"},
            "result": [
              {"type": "tool_call", "tool_name": "search", "arguments": "{\"query\": \"ada\"}",
               "output": "[{\"docid\": \"d1\", \"title\": \"Ada\", \"snippet\": \"s\"}, {\"docid\": \"d2\", \"snippet\": \"t\"}]"},
              {"type": "tool_call", "tool_name": "get_document", "arguments": "{\"docid\": \"d1\"}",
               "output": "Ada Lovelace wrote the first program."},
              {"type": "reasoning", "output": "This names her, so the answer is Ada."},
              {"type": "output_text", "output": "Exact Answer: Ada"}]}"#;
        crate::run::load::parse_record(
            text,
            Path::new("r.json"),
            None,
            1,
            Format::Lrat,
            "r".into(),
            &ToolNames::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_shell_comes_back_as_it_was_stored() {
        let mut runs = vec![run()];
        let bytes = encode(&mut runs).unwrap_or_else(|e| panic!("{e}"));
        let back = decode(&bytes, Path::new("r.json")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, runs);
        let sk = back[0].skeleton();
        assert_eq!(sk.browses().count(), 1);
        assert_eq!(sk.retrieved().collect::<Vec<_>>(), ["d1", "d2"]);
    }

    /// The store's records have no field names: a change to what a shell keeps changes their
    /// layout, and old records would no longer read. This pins the layout to the run index's
    /// version: when it fails, raise `VERSION` (so old indexes are rebuilt) and the hash here.
    #[test]
    fn the_store_layout_belongs_to_the_index_version() {
        let bytes = encode(&mut [run()]).unwrap_or_else(|e| panic!("{e}"));
        let layout = (super::super::VERSION, crc32fast::hash(&bytes));
        assert_eq!(
            layout,
            (5, LAYOUT),
            "the shells' layout changed: raise VERSION"
        );
    }

    const LAYOUT: u32 = 2_351_135_162;
}
