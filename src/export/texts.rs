//! One document, one text: wherever a document appears (positive or negative, in any export, in
//! training), its text comes from here and is built one way. With a corpus, from the corpus.
//! Without one, the best text the loaded runs showed anywhere: a page a browse fetched beats a
//! search snippet, a longer text (in bytes) beats a shorter one, and the first seen wins a tie;
//! the title is the first non-empty one any search hit gave.

use crate::corpus::DocIndex;
use crate::error::Error;
use crate::run::{Run, StepKind};

type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

/// A document's text as exports write it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocText {
    pub title: Option<String>,
    pub text: String,
}

impl DocText {
    /// Title and text as one passage: see [`crate::text::passage`].
    pub fn passage(&self) -> String {
        crate::text::passage(self.title.as_deref(), &self.text)
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

/// A document's first title and best text so far, borrowed from the runs.
type Best<'r> = (Option<&'r str>, Option<(&'r str, Rank)>);

/// Decides each document's title and text over some runs without copying anything.
#[derive(Default)]
struct Picker<'r> {
    best: HashMap<&'r str, Best<'r>>,
    /// Documents in the order first seen.
    order: Vec<&'r str>,
}

impl<'r> Picker<'r> {
    fn offer(&mut self, docid: &'r str, title: Option<&'r str>, text: Option<(&'r str, bool)>) {
        let order = &mut self.order;
        let e = self.best.entry(docid).or_insert_with(|| {
            order.push(docid);
            (None, None)
        });
        if e.0.is_none() {
            e.0 = title.filter(|t| !t.trim().is_empty());
        }
        if let Some((t, page)) = text.filter(|(t, _)| !t.trim().is_empty()) {
            let rank = Rank { page, len: t.len() };
            if e.1.is_none_or(|(_, r)| rank > r) {
                e.1 = Some((t, rank));
            }
        }
    }
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
    /// The best texts of runs that may be shells ([`Run::shell`]): each run is read back
    /// whole by `whole` in turn and its texts collected into a temporary file, so only one run's
    /// texts are in memory at a time.
    pub fn from_shells(
        runs: &[Run],
        whole: &dyn Fn(&Run) -> Option<Run>,
    ) -> Result<RunTexts, Error> {
        let mut all = RunTexts::on_disk()?;
        let file = all.spill_target();
        for r in runs {
            let full = whole(r).unwrap_or_else(|| r.clone());
            all.absorb(RunTexts::collect(
                std::slice::from_ref(&full),
                file.as_ref(),
            )?);
        }
        Ok(all)
    }

    /// Collected from runs in memory.
    pub fn from_runs(runs: &[Run]) -> RunTexts {
        // In memory nothing can fail.
        RunTexts::collect(runs, None).unwrap_or_default()
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

    /// The best texts of `runs` (in order), copied once into this collection's store: a map
    /// that borrows from the runs decides first, then only the winners are written.
    pub fn collect(
        runs: &[Run],
        file: Option<&std::sync::Arc<SpillFile>>,
    ) -> Result<RunTexts, Error> {
        let mut p = Picker::default();
        for run in runs {
            for s in &run.steps {
                match &s.kind {
                    StepKind::Search(x) => {
                        for h in &x.hits {
                            p.offer(&h.docid, h.title.as_deref(), Some((&h.snippet, false)));
                        }
                    }
                    StepKind::Browse(b) => {
                        if let (Some(d), Some(t)) = (b.succeeded(), &b.text) {
                            p.offer(d, None, Some((t, true)));
                        }
                    }
                    _ => {}
                }
            }
        }
        let bytes: usize = p
            .best
            .values()
            .filter_map(|e| e.1.map(|(t, _)| t.len()))
            .sum();
        let mut buf = Vec::with_capacity(bytes);
        let mut docs = HashMap::with_capacity_and_hasher(p.order.len(), Default::default());
        for id in p.order {
            let (title, text) = p.best[id];
            let (rank, at) = match text {
                Some((t, r)) => {
                    let at = (buf.len() as u64, t.len().min(u32::MAX as usize) as u32);
                    buf.extend_from_slice(&t.as_bytes()[..at.1 as usize]);
                    (Some(r), at)
                }
                None => (None, (0, 0)),
            };
            docs.insert(
                id.to_string(),
                Entry {
                    title: title.map(str::to_string),
                    rank,
                    at,
                },
            );
        }
        let mut out = RunTexts {
            docs,
            store: Store::Mem(buf),
        };
        if let Some(f) = file {
            out.spill(f)?;
        }
        Ok(out)
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
