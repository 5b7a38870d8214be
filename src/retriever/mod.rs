//! One retriever interface: BM25 over the tantivy index, or a dense model over the same corpus
//! (document embeddings computed once and kept beside the index, exact top-k by dot product).
//! `lrat search`, evaluation and the simulator's agent all rank through it, so a figure measured
//! with a retriever is the ranking an agent served by it sees.

mod dense;
mod exact;

pub use dense::{Dense, DocEmbeddings, Manifest, OnStale, cache_for};
pub use exact::{Ranking, top_k};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{DocIndex, Document};
use crate::error::Result;

/// One ranked document.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub score: f32,
    pub doc: Document,
}

/// What served a search, as runs record it (`metadata.searcher_type`, and the model's folder
/// and training step for a dense retriever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Served {
    /// `bm25` or `dense`.
    pub searcher_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

impl Served {
    pub fn bm25() -> Served {
        Served {
            searcher_type: "bm25".into(),
            model: None,
            step: None,
        }
    }

    /// `bm25`, or the kind with the model's folder name (`dense (naive-1)`).
    pub fn label(&self) -> String {
        match &self.model {
            Some(m) => format!(
                "{} ({})",
                self.searcher_type,
                Path::new(m)
                    .file_name()
                    .map_or_else(|| m.clone(), |n| n.to_string_lossy().into_owned())
            ),
            None => self.searcher_type.clone(),
        }
    }
}

/// A ranker over one corpus.
pub trait Retriever: Send + Sync {
    /// The top `k` documents for free text, best first.
    fn search(&self, query: &str, k: usize) -> Result<Vec<Hit>>;
    /// The top `k` for each query (a dense retriever encodes them in batches).
    fn search_many(&self, queries: &[&str], k: usize) -> Result<Vec<Vec<Hit>>> {
        queries.iter().map(|q| self.search(q, k)).collect()
    }
    /// The document with this id.
    fn document(&self, docid: &str) -> Result<Option<Document>>;
    /// What this retriever is, as runs record it.
    fn served(&self) -> Served;
    /// The embedding width of a dense retriever.
    fn dimension(&self) -> Option<usize> {
        None
    }
    /// The start of `text` a snippet of at most `max_tokens` tokens shows: the model's own
    /// tokens for a dense retriever, words for BM25.
    fn snippet<'t>(&self, text: &'t str, max_tokens: usize) -> &'t str {
        first_words(text, max_tokens)
    }
}

/// The start of `text` up to the end of its `n`-th whitespace-separated word.
pub fn first_words(text: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    let mut seen = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                seen += 1;
                if seen == n {
                    return &text[..i];
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text
}

/// BM25 over the tantivy index.
#[derive(Debug, Clone)]
pub struct Bm25(pub DocIndex);

impl Retriever for Bm25 {
    fn search(&self, query: &str, k: usize) -> Result<Vec<Hit>> {
        Ok(self
            .0
            .search(query, k)?
            .into_iter()
            .map(|(score, doc)| Hit { score, doc })
            .collect())
    }

    fn document(&self, docid: &str) -> Result<Option<Document>> {
        self.0.get(docid)
    }

    fn served(&self) -> Served {
        Served::bm25()
    }
}

/// Which retriever: BM25, or a dense model folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Bm25,
    Model(PathBuf),
}

impl std::str::FromStr for Choice {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "bm25" | "BM25" => Ok(Choice::Bm25),
            "" => Err("expected bm25 or a model folder".into()),
            p => Ok(Choice::Model(PathBuf::from(p))),
        }
    }
}

impl Choice {
    /// Fails early, before any work, when a model folder is not one.
    pub fn check(&self) -> Result<()> {
        match self {
            Choice::Model(dir) if !dir.join("config.json").is_file() => {
                Err(crate::error::Error::Folder {
                    path: dir.clone(),
                    message: "not a model folder (no config.json): a model folder is one lrat train or sentence-transformers wrote (BM25 needs none)".into(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// Where the embeddings of `corpus` by a model are kept: beside its index.
pub fn embeddings_dir(corpus: &DocIndex) -> PathBuf {
    corpus.path().join("dense")
}

/// Opens the chosen retriever over `corpus`; a dense one computes its document embeddings the
/// first time (into `cache`; by default [`embeddings_dir`] for an index on disk) and reads them
/// afterwards; ones by the same model folder that no longer match are handled as `on_stale`
/// says. `progress` hears (done, total) documents while embedding.
pub fn open(
    choice: &Choice,
    corpus: &DocIndex,
    cache: Option<&Path>,
    on_stale: OnStale,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Box<dyn Retriever>> {
    choice.check()?;
    match choice {
        Choice::Bm25 => Ok(Box::new(Bm25(corpus.clone()))),
        Choice::Model(dir) => {
            let cache = cache
                .map(Path::to_path_buf)
                .or_else(|| dense::cache_for(corpus));
            Ok(Box::new(Dense::open(
                dir,
                corpus,
                cache.as_deref(),
                on_stale,
                progress,
            )?))
        }
    }
}
