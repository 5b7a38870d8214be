//! The run model: everything a run file said, in order, keyed by the step's index in the file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where a run came from: the file, and the 1-based line for one-run-a-line files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub path: PathBuf,
    pub line: Option<usize>,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// The on-disk format a run was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// LRAT / Tongyi / BrowseComp-Plus run JSON (one run a file, or one a line).
    Lrat,
    /// lrat's own JSON-lines schema (see README).
    Native,
    /// OpenAI-style chat logs (`messages` with `tool_calls`, or tool calls written inline as
    /// `<tool_call>` / `<search>` tags).
    Chat,
    /// Agent Trajectory Interchange Format (Harbor RFC 0001, v1.4–v1.8).
    Atif,
    /// OpenAI Responses API items (`function_call`, `function_call_output`, `message`, `reasoning`).
    Responses,
    /// Search-R1 style text: `<search>` … `<information>` … `<answer>` in one string.
    SearchR1,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Lrat => "lrat",
            Format::Native => "native",
            Format::Chat => "chat",
            Format::Atif => "atif",
            Format::Responses => "responses",
            Format::SearchR1 => "search-r1",
        }
    }
}

/// Agent and retriever metadata as the run recorded it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub model: Option<String>,
    pub retriever: Option<String>,
    pub k: Option<u64>,
    pub snippet_max_tokens: Option<u64>,
    /// Every other metadata field, as JSON text, so nothing is lost.
    pub extra: BTreeMap<String, String>,
}

/// One agent run.
/// Runs are read back (`Deserialize`) only as shells, from the run index's store of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The run's identity in this workspace: labels, verdicts, pairs, exports and held-out
    /// splits are keyed by it. The id its file gave ([`Run::query_id`]) unless runs from
    /// different files share that id; then `file-stem/id` (`run::identity`).
    pub id: String,
    /// The id as the file gave it: the question's id, which question files and qrels use.
    pub query_id: String,
    pub source: Source,
    pub format: Format,
    pub question: Option<String>,
    pub gold: Vec<String>,
    pub final_answer: Option<String>,
    pub status: Option<String>,
    /// An explicit correctness judgement carried by the file (`correct` field).
    pub correct: Option<bool>,
    pub meta: Meta,
    /// `tool_call_counts` as recorded.
    pub tool_call_counts: BTreeMap<String, u64>,
    /// `retrieved_docids` as recorded (flattened); `None` when the file has none.
    pub retrieved_docids: Option<Vec<String>>,
    #[serde(skip_deserializing)]
    pub steps: Vec<Step>,
    /// How the file departed from its format's spec while still being read (reported once a
    /// file by the loader).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What a shell keeps of its steps ([`Run::shell`]); `None` for a run read whole.
    #[serde(skip)]
    pub skeleton: Option<std::sync::Arc<super::skeleton::Skeleton>>,
}

/// A step with its 0-based index in the file's `result[]` (or `messages[]`): the stable key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub index: usize,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    Reasoning { text: String },
    Search(Search),
    Browse(Browse),
    Answer(Answer),
    Other(Other),
}

/// A search call: what ran, what was asked, and what came back.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Search {
    pub tool: String,
    /// The query that actually ran (only the first of a list runs).
    pub query: Option<String>,
    /// Every query the agent asked for, in order.
    pub queries: Vec<String>,
    pub hits: Vec<Hit>,
    /// The tool's error text when the call failed (then `hits` is empty).
    pub error: Option<String>,
    /// Why the arguments could not be read as the tool expects, when they could not.
    pub arg_problem: Option<String>,
}

/// One ranked search result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub docid: String,
    /// 1-based rank in the result list.
    pub rank: u32,
    pub title: Option<String>,
    pub snippet: String,
}

/// A document fetch.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Browse {
    pub tool: String,
    /// `None` when the call named no document: a failed browse, never mined.
    pub docid: Option<String>,
    /// The document text the agent saw.
    pub text: Option<String>,
    pub error: Option<String>,
    pub arg_problem: Option<String>,
}

impl Browse {
    /// The document this browse opened, when it succeeded: it named a document and the tool
    /// returned no error. The one definition of a successful browse.
    pub fn succeeded(&self) -> Option<&str> {
        match (&self.docid, &self.error) {
            (Some(d), None) => Some(d),
            _ => None,
        }
    }
}

/// The agent's final answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Answer {
    pub text: String,
    /// Reasoning the same message carried before the answer (chat logs).
    pub thinking: Option<String>,
}

/// Any other step, kept as the file had it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Other {
    pub step_type: String,
    pub tool: Option<String>,
    pub arguments: Option<String>,
    pub output: String,
}

impl Run {
    /// Keeps only what lists, mining, the review queue and statistics read — the run's own
    /// fields and its [`Skeleton`](super::skeleton::Skeleton) — and drops its steps (read back
    /// whole from the file with [`crate::run::load::with_texts`] when the run is shown): the app
    /// keeps every run it does not show so, and its memory then follows the number of runs,
    /// not their texts.
    pub fn shell(&mut self) {
        if self.skeleton.is_none() {
            self.skeleton = Some(std::sync::Arc::new(super::skeleton::Skeleton::of(self)));
        }
        self.steps = Vec::new();
    }

    /// Whether the run is a shell (its steps dropped, its skeleton kept).
    pub fn is_shell(&self) -> bool {
        self.steps.is_empty() && self.skeleton.as_ref().is_some_and(|s| s.steps > 0)
    }

    /// The run's skeleton: the one kept by a shell, else made from the steps. Mining and run
    /// statistics read runs through it.
    pub fn skeleton(&self) -> std::borrow::Cow<'_, super::skeleton::Skeleton> {
        match &self.skeleton {
            Some(s) if self.steps.is_empty() => std::borrow::Cow::Borrowed(s),
            _ => std::borrow::Cow::Owned(super::skeleton::Skeleton::of(self)),
        }
    }

    /// Keeps only the run's shape for commands that summarised it already (`lrat stats`): its
    /// own fields and each step's kind and ids; reasoning, documents, search hits, other
    /// tools' outputs and answers' thinking are dropped.
    pub fn stub(&mut self) {
        for s in &mut self.steps {
            match &mut s.kind {
                StepKind::Reasoning { text } => *text = String::new(),
                StepKind::Browse(b) => b.text = None,
                StepKind::Search(x) => x.hits = Vec::new(),
                StepKind::Other(o) => o.output = String::new(),
                StepKind::Answer(a) => a.thinking = None,
            }
        }
        self.retrieved_docids = None;
        self.steps.shrink_to_fit();
    }

    pub fn searches(&self) -> impl Iterator<Item = (usize, &Search)> {
        self.steps.iter().filter_map(|s| match &s.kind {
            StepKind::Search(x) => Some((s.index, x)),
            _ => None,
        })
    }

    pub fn browses(&self) -> impl Iterator<Item = (usize, &Browse)> {
        self.steps.iter().filter_map(|s| match &s.kind {
            StepKind::Browse(x) => Some((s.index, x)),
            _ => None,
        })
    }

    /// The step whose file index is `index`.
    pub fn step(&self, index: usize) -> Option<&Step> {
        self.steps
            .binary_search_by_key(&index, |s| s.index)
            .ok()
            .map(|i| &self.steps[i])
    }

    /// The reasoning right after the step at file index `index`, or "" (the LRAT post-browse rule).
    pub fn reasoning_after(&self, index: usize) -> &str {
        match self.step(index + 1).map(|s| &s.kind) {
            Some(StepKind::Reasoning { text }) => text,
            _ => "",
        }
    }

    /// The search a browse of `docid` at file index `browse_index` came from: the latest search
    /// before it whose hits contain the document, with the document's rank there.
    pub fn source_search(&self, browse_index: usize, docid: &str) -> Option<(usize, u32)> {
        self.source_hit(browse_index, docid)
            .map(|(s, h)| (s, h.rank))
    }

    /// The title that search gave the document (see `source_search`).
    pub fn source_title(&self, browse_index: usize, docid: &str) -> Option<&str> {
        if self.steps.is_empty() {
            // A shell: its skeleton kept each browse's title.
            let b = self.skeleton.as_ref()?.browse(browse_index)?;
            return b.title.as_deref().filter(|_| b.succeeded() == Some(docid));
        }
        self.source_hit(browse_index, docid)
            .and_then(|(_, h)| h.title.as_deref())
    }

    /// The hit behind `source_search`, with its search's file index.
    fn source_hit(&self, browse_index: usize, docid: &str) -> Option<(usize, &Hit)> {
        let end = self.steps.partition_point(|s| s.index < browse_index);
        self.steps[..end].iter().rev().find_map(|s| match &s.kind {
            StepKind::Search(x) => x
                .hits
                .iter()
                .find(|h| h.docid == docid)
                .map(|h| (s.index, h)),
            _ => None,
        })
    }

    /// Documents this run browsed successfully, in order, with repeats.
    pub fn browsed_docids(&self) -> impl Iterator<Item = &str> {
        self.browses().filter_map(|(_, b)| b.succeeded())
    }

    /// Every document the run's searches retrieved: `retrieved_docids` when recorded, else the hits.
    pub fn retrieved(&self) -> Vec<&str> {
        match &self.retrieved_docids {
            Some(ids) => ids.iter().map(String::as_str).collect(),
            None => self
                .searches()
                .flat_map(|(_, s)| s.hits.iter().map(|h| h.docid.as_str()))
                .collect(),
        }
    }
}

impl StepKind {
    /// A short name for the kind of step, as shown in listings.
    pub fn label(&self) -> &str {
        match self {
            StepKind::Reasoning { .. } => "reasoning",
            StepKind::Search(_) => "search",
            StepKind::Browse(_) => "browse",
            StepKind::Answer { .. } => "answer",
            StepKind::Other(o) => &o.step_type,
        }
    }
}
