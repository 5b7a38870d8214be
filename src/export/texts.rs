//! One document, one text: wherever a document appears (positive or negative, in any export, in
//! training), its text comes from here and is built one way. With a corpus, from the corpus.
//! Without one, the best text the loaded runs showed anywhere: a page a browse fetched beats a
//! search snippet, a longer text (in bytes) beats a shorter one, and the first seen wins a tie; the title is
//! the first non-empty one any search hit gave.

type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

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

/// A temporary file that collections spill their texts into, from any thread: each spill
/// reserves its own range and writes it with one call.
pub struct SpillFile {
    file: std::fs::File,
    len: std::sync::atomic::AtomicU64,
}

impl SpillFile {
    fn append(&self, b: &[u8]) -> Result<u64, Error> {
        let at = self
            .len
            .fetch_add(b.len() as u64, std::sync::atomic::Ordering::Relaxed);
        write_at(&self.file, b, at).map_err(|e| Error::io("temporary text store", e))?;
        Ok(at)
    }
}

/// Where the texts' bytes are kept: in memory, or in a temporary file when mining streams many
/// files (memory then holds only ids, titles and offsets).
enum Store {
    Mem(Vec<u8>),
    Disk(std::sync::Arc<SpillFile>),
}

impl Store {
    fn put(&mut self, b: &[u8]) -> Result<(u64, u32), Error> {
        let n = b.len().min(u32::MAX as usize);
        let b = &b[..n];
        match self {
            Store::Mem(v) => {
                let at = v.len() as u64;
                v.extend_from_slice(b);
                Ok((at, n as u32))
            }
            Store::Disk(f) => Ok((f.append(b)?, n as u32)),
        }
    }

    fn bytes(&self, (at, n): (u64, u32)) -> Result<std::borrow::Cow<'_, [u8]>, Error> {
        match self {
            Store::Mem(v) => Ok(std::borrow::Cow::Borrowed(
                &v[at as usize..at as usize + n as usize],
            )),
            Store::Disk(f) => {
                let mut buf = vec![0; n as usize];
                read_at(&f.file, &mut buf, at).map_err(|e| Error::io("temporary text store", e))?;
                Ok(std::borrow::Cow::Owned(buf))
            }
        }
    }

    fn get(&self, at: (u64, u32)) -> Result<String, Error> {
        let bytes = self.bytes(at)?.into_owned();
        // Only whole strings are stored, so this is valid UTF-8.
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
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
        b = &mut std::mem::take(&mut b)[n..];
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
            docs: HashMap::default(),
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
            docs: HashMap::default(),
            store: Store::Disk(std::sync::Arc::new(SpillFile {
                file,
                len: std::sync::atomic::AtomicU64::new(0),
            })),
        })
    }

    /// The file this collection keeps its texts in, for collections made elsewhere to spill
    /// into before they are absorbed here.
    pub fn spill_target(&self) -> Option<std::sync::Arc<SpillFile>> {
        match &self.store {
            Store::Disk(f) => Some(f.clone()),
            Store::Mem(_) => None,
        }
    }

    /// Moves an in-memory collection's texts into `file` with one write (any thread may do it);
    /// absorbing it into the collection that owns `file` then copies no text.
    pub fn spill(&mut self, file: &std::sync::Arc<SpillFile>) -> Result<(), Error> {
        let Store::Mem(buf) = &self.store else {
            return Ok(());
        };
        let base = file.append(buf)?;
        for e in self.docs.values_mut() {
            e.at.0 += base;
        }
        self.store = Store::Disk(file.clone());
        Ok(())
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
            len: text.len(),
        };
        if e.rank.is_none_or(|r| rank > r) {
            // A store that cannot take the text keeps the earlier one.
            if let Ok(at) = self.store.put(text.as_bytes()) {
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

    /// Takes in a collection made from later runs, as if its runs had been offered here (offers
    /// within `other` are already resolved, and documents do not affect each other).
    pub fn absorb(&mut self, other: RunTexts) {
        for (id, theirs) in other.docs {
            let mine = self.docs.entry(id).or_insert(Entry {
                title: None,
                rank: None,
                at: (0, 0),
            });
            if mine.title.is_none() {
                mine.title = theirs.title;
            }
            let Some(rank) = theirs.rank else { continue };
            if mine.rank.is_some_and(|r| rank <= r) {
                continue;
            }
            let at = match (&self.store, &other.store) {
                (Store::Disk(a), Store::Disk(b)) if std::sync::Arc::ptr_eq(a, b) => Ok(theirs.at),
                _ => other
                    .store
                    .bytes(theirs.at)
                    .and_then(|b| self.store.put(&b)),
            };
            if let Ok(at) = at {
                mine.rank = Some(rank);
                mine.at = at;
            }
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
