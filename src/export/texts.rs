//! One document, one text: wherever a document appears (positive or negative, in any export, in
//! training), its text comes from here and is built one way. With a corpus, from the corpus.
//! Without one, the best text the loaded runs showed anywhere: a page a browse fetched beats a
//! search snippet, a longer page beats a shorter one, and the first seen wins a tie; the title is
//! the first non-empty one any search hit gave.

use std::collections::HashMap;

use crate::corpus::DocIndex;
use crate::error::Error;
use crate::run::{Run, StepKind};

/// A document's text as exports write it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocText {
    pub title: Option<String>,
    pub text: String,
}

impl DocText {
    /// Title and text as one passage (title, newline, text), without repeating a title the text
    /// already starts with. No truncation: trainers cut passages to their own token budget.
    pub fn passage(&self) -> String {
        match &self.title {
            Some(t) if !t.is_empty() && !self.text.starts_with(t.as_str()) => {
                format!("{t}\n{}", self.text)
            }
            _ => self.text.clone(),
        }
    }
}

/// How good a text is: a fetched page beats a snippet, then the longer wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    page: bool,
    len: usize,
}

#[derive(Debug, Clone)]
struct Entry {
    title: Option<String>,
    rank: Option<Rank>,
    at: (u64, u32),
}

/// Where the texts' bytes are kept: in memory, or in a temporary file when mining streams many
/// files (memory then holds only ids, titles and offsets).
enum Store {
    Mem(Vec<u8>),
    Disk { file: std::fs::File, len: u64 },
}

impl Store {
    fn put(&mut self, text: &str) -> Result<(u64, u32), Error> {
        let b = text.as_bytes();
        let n = u32::try_from(b.len()).unwrap_or(u32::MAX) as usize;
        match self {
            Store::Mem(v) => {
                let at = v.len() as u64;
                v.extend_from_slice(&b[..n]);
                Ok((at, n as u32))
            }
            Store::Disk { file, len } => {
                let at = *len;
                write_at(file, &b[..n], at).map_err(|e| Error::io("temporary text store", e))?;
                *len += n as u64;
                Ok((at, n as u32))
            }
        }
    }

    fn get(&self, (at, n): (u64, u32)) -> Result<String, Error> {
        let bytes = match self {
            Store::Mem(v) => v[at as usize..at as usize + n as usize].to_vec(),
            Store::Disk { file, .. } => {
                let mut buf = vec![0; n as usize];
                read_at(file, &mut buf, at).map_err(|e| Error::io("temporary text store", e))?;
                buf
            }
        };
        // Stored whole strings only, so this is valid UTF-8.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(unix)]
fn write_at(f: &std::fs::File, b: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, b, at)
}
#[cfg(unix)]
fn read_at(f: &std::fs::File, b: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, b, at)
}
#[cfg(windows)]
fn write_at(f: &std::fs::File, mut b: &[u8], mut at: u64) -> std::io::Result<()> {
    while !b.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(f, b, at)?;
        b = &b[n..];
        at += n as u64;
    }
    Ok(())
}
#[cfg(windows)]
fn read_at(f: &std::fs::File, mut b: &mut [u8], mut at: u64) -> std::io::Result<()> {
    while !b.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(f, b, at)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        b = &mut b[n..];
        at += n as u64;
    }
    Ok(())
}

/// The best text the loaded runs showed for each document.
pub struct RunTexts {
    docs: HashMap<String, Entry>,
    store: Store,
}

impl Default for RunTexts {
    fn default() -> Self {
        RunTexts {
            docs: HashMap::new(),
            store: Store::Mem(Vec::new()),
        }
    }
}

impl RunTexts {
    /// Collected from runs in memory.
    pub fn from_runs(runs: &[Run]) -> RunTexts {
        let mut t = RunTexts::default();
        for r in runs {
            t.offer_run(r);
        }
        t
    }

    /// An empty collection whose texts go to a temporary file.
    pub fn on_disk() -> Result<RunTexts, Error> {
        let file = tempfile::tempfile().map_err(|e| Error::io("temporary text store", e))?;
        Ok(RunTexts {
            docs: HashMap::new(),
            store: Store::Disk { file, len: 0 },
        })
    }

    fn offer(&mut self, docid: &str, title: Option<&str>, text: Option<(&str, bool)>) {
        let e = self.docs.entry(docid.to_string()).or_insert(Entry {
            title: None,
            rank: None,
            at: (0, 0),
        });
        if e.title.is_none()
            && let Some(t) = title.filter(|t| !t.trim().is_empty())
        {
            e.title = Some(t.to_string());
        }
        let Some((text, page)) = text.filter(|(t, _)| !t.trim().is_empty()) else {
            return;
        };
        let rank = Rank {
            page,
            len: text.chars().count(),
        };
        if e.rank.is_none_or(|r| rank > r) {
            // A store that cannot take the text keeps the earlier one.
            if let Ok(at) = self.store.put(text) {
                e.rank = Some(rank);
                e.at = at;
            }
        }
    }

    /// Everything one run showed: search hits (title and snippet) and fetched pages.
    pub fn offer_run(&mut self, run: &Run) {
        for s in &run.steps {
            match &s.kind {
                StepKind::Search(x) => {
                    for h in &x.hits {
                        self.offer(&h.docid, h.title.as_deref(), Some((&h.snippet, false)));
                    }
                }
                StepKind::Browse(b) => {
                    if let (Some(d), Some(t), None) = (&b.docid, &b.text, &b.error) {
                        self.offer(d, None, Some((t, true)));
                    }
                }
                _ => {}
            }
        }
    }

    /// Takes in a collection made from later runs, as if its runs had been offered here.
    pub fn absorb(&mut self, other: RunTexts) {
        let mut docs: Vec<(String, Entry)> = other.docs.into_iter().collect();
        // Offers within `other` were already resolved; order across documents does not matter.
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, e) in docs {
            let text = match e.rank {
                Some(r) => other.store.get(e.at).ok().map(|t| (t, r.page)),
                None => None,
            };
            self.offer(
                &id,
                e.title.as_deref(),
                text.as_ref().map(|(t, p)| (t.as_str(), *p)),
            );
        }
    }

    pub fn get(&self, docid: &str) -> Option<DocText> {
        let e = self.docs.get(docid)?;
        e.rank?;
        Some(DocText {
            title: e.title.clone(),
            text: self.store.get(e.at).ok()?,
        })
    }

    /// Documents known only from search snippets (never fetched in any loaded run).
    pub fn snippet_only(&self) -> usize {
        self.docs
            .values()
            .filter(|e| e.rank.is_some_and(|r| !r.page))
            .count()
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// Where texts come from.
pub enum TextSource<'a> {
    /// The corpus index.
    Index(&'a DocIndex),
    /// The best text the loaded runs showed.
    Runs(&'a RunTexts),
}

impl TextSource<'_> {
    pub fn get(&self, docid: &str) -> Option<DocText> {
        match self {
            TextSource::Runs(t) => t.get(docid),
            TextSource::Index(ix) => ix.get(docid).ok().flatten().map(|d| DocText {
                title: d.title,
                text: d.text,
            }),
        }
    }

    /// Documents whose only text is a snippet (0 with a corpus).
    pub fn snippet_only(&self) -> usize {
        match self {
            TextSource::Runs(t) => t.snippet_only(),
            TextSource::Index(_) => 0,
        }
    }
}
