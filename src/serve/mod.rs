//! A retriever served to agents, the way BrowseComp-Plus's servers serve theirs: MCP tools
//! `search` (the top k as `{docid, score, snippet}`) and `get_document` (the document, or null),
//! over stdio or streamable HTTP, and beside them Search-R1's `POST /retrieve` and `GET /health`.
//!
//! [`Service`] is the one place a request is checked, answered and logged; [`mcp`] and [`http`]
//! only translate. It ranks through [`crate::retriever::Retriever`], the interface `lrat search`,
//! evaluation and the simulator use, so a served ranking is the one they measure.

pub mod http;
pub mod mcp;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::corpus::{DocIndex, Document};
use crate::error::{Error, Result};
use crate::retriever::{Hit, Retriever};
pub(crate) use crate::run::lenient::kind;

/// The longest query served, in bytes; longer ones are refused (a query is a sentence, and a
/// megabyte of text would tie up a core for nothing).
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// The most results one request may ask for.
pub const MAX_K: usize = 1000;
/// The most queries one Search-R1 batch may hold.
pub const MAX_BATCH: usize = 1024;

/// What every request is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Results a search returns (BrowseComp-Plus fixes it for the session).
    pub k: usize,
    /// Snippets are cut to this many tokens (the model's own, or words for BM25); `None` keeps
    /// whole documents.
    pub snippet_max_tokens: Option<usize>,
    /// Offer the `get_document` tool.
    pub get_document: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            k: 5,
            snippet_max_tokens: Some(512),
            get_document: false,
        }
    }
}

/// One search result as BrowseComp-Plus's `search` tool gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub docid: String,
    pub score: f32,
    pub snippet: String,
}

/// Why a request was not answered.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The request is wrong (a missing or non-string query, one too long, bad JSON); the client
    /// can fix it.
    #[error("{0}")]
    Bad(String),
    /// The retriever failed on a well-formed request.
    #[error("{0}")]
    Failed(#[from] Error),
}

/// A retriever with its settings, answering requests and logging them.
pub struct Service {
    retriever: Box<dyn Retriever>,
    settings: Settings,
    corpus: PathBuf,
    documents: u64,
    log: Option<Mutex<std::io::BufWriter<std::fs::File>>>,
}

impl Service {
    /// Serves `retriever` over `corpus`; with `log`, each answer is appended there as a JSON
    /// line (time, tool, arguments, docids returned).
    pub fn new(
        retriever: Box<dyn Retriever>,
        corpus: &DocIndex,
        settings: Settings,
        log: Option<&Path>,
    ) -> Result<Service> {
        let log = match log {
            Some(p) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| Error::io(p, e))?;
                Some(Mutex::new(std::io::BufWriter::new(f)))
            }
            None => None,
        };
        Ok(Service {
            retriever,
            settings,
            corpus: corpus.path().to_path_buf(),
            documents: corpus.num_docs(),
            log,
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// What is served, for `GET /health` and the startup line.
    pub fn health(&self) -> Value {
        let served = self.retriever.served();
        json!({
            "status": "ok",
            "retriever": served.label(),
            "searcher_type": served.searcher_type,
            "model": served.model,
            "step": served.step,
            "corpus": self.corpus.display().to_string(),
            "documents": self.documents,
            "dimension": self.retriever.dimension(),
            "k": self.settings.k,
            "snippet_max_tokens": self.settings.snippet_max_tokens,
            "tools": self.tools(),
        })
    }

    /// The MCP tools offered.
    pub fn tools(&self) -> Vec<&'static str> {
        let mut t = vec!["search"];
        if self.settings.get_document {
            t.push("get_document");
        }
        t
    }

    /// What the `search` tool says it is, to the model reading its description.
    pub fn search_description(&self) -> String {
        let served = self.retriever.served();
        let what = match served.searcher_type.as_str() {
            "bm25" => "BM25 (keyword match)".to_string(),
            _ => format!(
                "a dense retriever (the model {})",
                served
                    .model
                    .as_deref()
                    .map(Path::new)
                    .and_then(Path::file_name)
                    .map_or_else(|| "?".into(), |n| n.to_string_lossy())
            ),
        };
        let unit = match served.searcher_type.as_str() {
            "bm25" => "words",
            _ => "tokens",
        };
        let cut = match self.settings.snippet_max_tokens {
            Some(n) => format!(" (cut to its first {n} {unit})"),
            None => String::new(),
        };
        format!(
            "Perform a search on a knowledge source of {} documents, ranked by {what}. Returns the top-{} hits with docid, score, and snippet; the snippet is the document's contents{cut}.",
            self.documents, self.settings.k
        )
    }

    /// What the `get_document` tool says it is.
    pub fn get_document_description(&self) -> &'static str {
        "Retrieve a full document by its docid (null when there is no such document)."
    }

    /// The top `k` (the session's when `None`) for `query`; a blank query has none.
    pub fn search(&self, query: &str, k: Option<usize>) -> Result<Vec<Hit>, Refused> {
        let k = k.unwrap_or(self.settings.k);
        if query.trim().is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        Ok(self.retriever.search(query, k)?)
    }

    /// The top `k` for each query, in order.
    pub fn search_many(
        &self,
        queries: &[&str],
        k: Option<usize>,
    ) -> Result<Vec<Vec<Hit>>, Refused> {
        let k = k.unwrap_or(self.settings.k);
        let asked: Vec<&str> = queries
            .iter()
            .copied()
            .filter(|q| !q.trim().is_empty())
            .collect();
        let mut found = if k == 0 {
            Vec::new()
        } else {
            self.retriever.search_many(&asked, k)?
        }
        .into_iter();
        Ok(queries
            .iter()
            .map(|q| match q.trim().is_empty() || k == 0 {
                true => Vec::new(),
                false => found.next().unwrap_or_default(),
            })
            .collect())
    }

    /// A hit as BrowseComp-Plus's `search` tool returns it.
    pub fn result(&self, hit: &Hit) -> SearchResult {
        SearchResult {
            docid: hit.doc.docid.clone(),
            score: hit.score,
            snippet: self.snippet(&hit.doc),
        }
    }

    /// The document's title and text, cut to the snippet budget.
    pub fn snippet(&self, doc: &Document) -> String {
        let whole = crate::text::passage(doc.title.as_deref(), &doc.text);
        match self.settings.snippet_max_tokens {
            Some(n) => self.retriever.snippet(&whole, n).to_string(),
            None => whole,
        }
    }

    /// The document with this id as `get_document` returns it, or `None`.
    pub fn document(&self, docid: &str) -> Result<Option<Value>, Refused> {
        Ok(self.retriever.document(docid)?.map(|d| {
            let mut v = Map::new();
            v.insert("docid".into(), d.docid.into());
            if let Some(t) = d.title {
                v.insert("title".into(), t.into());
            }
            v.insert("text".into(), d.text.into());
            Value::Object(v)
        }))
    }

    /// Appends an answer to the log (when there is one): which documents the agent was shown.
    pub fn record(&self, tool: &str, arguments: Value, docids: &[&str]) {
        let Some(log) = &self.log else { return };
        let line = json!({
            "time": crate::sys::utc_now(),
            "tool": tool,
            "arguments": arguments,
            "docids": docids,
        });
        let Ok(mut w) = log.lock() else { return };
        if writeln!(w, "{line}").and_then(|()| w.flush()).is_err() {
            complain("log", "could not append to the --log file");
        }
    }
}

/// Says on stderr, as one line, that a request was not answered and why (stdout may be the
/// MCP stdio channel).
pub fn complain(what: &str, why: &str) {
    let why = crate::text::one_line(why, 300);
    eprintln!("{} {what}: {why}", crate::sys::utc_now());
}

/// Refuses arguments a tool does not take (an agent passing `k` learns that the server fixes it).
pub fn only_args(
    args: Option<&Map<String, Value>>,
    tool: &str,
    takes: &str,
    k: usize,
) -> Result<(), Refused> {
    match args.and_then(|a| a.keys().find(|key| key.as_str() != takes)) {
        Some(other) => Err(Refused::Bad(format!(
            "unknown argument `{other}`: {tool} takes only `{takes}`{}",
            if tool == "search" {
                format!(" (the server returns the top {k})")
            } else {
                String::new()
            }
        ))),
        None => Ok(()),
    }
}

/// A required string argument of a request, checked: present, a string, not too long.
pub fn string_arg<'a>(
    args: Option<&'a Map<String, Value>>,
    name: &str,
) -> Result<&'a str, Refused> {
    match args.and_then(|a| a.get(name)) {
        None | Some(Value::Null) => Err(Refused::Bad(format!(
            "missing argument `{name}` (a string)"
        ))),
        Some(Value::String(s)) if s.len() > MAX_QUERY_BYTES => Err(Refused::Bad(format!(
            "`{name}` is {} bytes; the limit is {MAX_QUERY_BYTES}",
            s.len()
        ))),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Refused::Bad(format!(
            "`{name}` must be a string, not {}",
            kind(other)
        ))),
    }
}

/// An optional count argument (`k`, `topk`), checked: a whole number from 0 to [`MAX_K`].
pub fn count_arg(args: &Map<String, Value>, name: &str) -> Result<Option<usize>, Refused> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(k) if k as usize <= MAX_K => Ok(Some(k as usize)),
            _ => Err(Refused::Bad(format!(
                "`{name}` must be a whole number from 0 to {MAX_K}, not {n}"
            ))),
        },
        Some(other) => Err(Refused::Bad(format!(
            "`{name}` must be a number, not {}",
            kind(other)
        ))),
    }
}
