//! The run index of a workspace (`.lrat/index/` beside the runs, or `--index DIR`): a tantivy
//! index of every step's text — reasoning, queries with their hits' titles and snippets, browsed
//! documents, answers, and each run's question — with its run, step, kind and the run's model,
//! retriever, outcome and status, and a manifest of the files it holds with a compact record of
//! each run (id, file and line, question, outcome, counts).
//!
//! **Incremental.** A file whose size, modification time and first 4 KiB are as the manifest
//! says is not read again; a changed file's steps are deleted and written again; a removed
//! file's are deleted. **Interrupt-safe.** Work is committed every [`COMMIT_EVERY`] files and at
//! the end, and the manifest is replaced (written beside, then renamed) only after a commit (after
//! every eighth of the files read so far once that is more than 64 files, so that writing it
//! stays a small part of building a large index):
//! a build killed at any point leaves the last commit and a manifest no newer than it, so the
//! next open re-reads exactly the files not yet committed (deleting whatever of theirs an
//! interrupted commit may have kept). Tantivy's own commit is atomic; an index whose manifest
//! is missing, unreadable or of another version is rebuilt from nothing.
//!
//! **Shells.** Beside the text index, each file's runs are kept as shells (see [`shells`]): the
//! app lists, mines and counts an unchanged file's runs from them ([`RunIndex::shells_of`])
//! without reading the file again. Files read with other options (a forced format, other tool
//! names) than the index was built with are all read again.

mod search;
pub mod shells;

pub use search::{FindHit, Kind};

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::error::{Error, InputError};
use crate::run::{ReadOptions, Run, StepKind};

/// The manifest's version: another one means the index is rebuilt.
const VERSION: u32 = 5;
/// Files between commits (and manifest writes).
pub const COMMIT_EVERY: usize = 64;
/// Bytes of a file's head hashed to tell a changed file.
const HEAD: u64 = 4 * 1024;
/// The manifest, in postcard's binary encoding (a re-open of a large workspace reads it first).
const MANIFEST: &str = "manifest.bin";
/// Segments of more steps than this are not merged further, so merged segments hold at most
/// about eight times as many (6 GB of runs, 2.4 million steps, make about ten segments).
const MERGE_UP_TO: usize = 40_000;
/// The writer's memory budget (split between its threads): what building holds at most before
/// it writes a segment.
const WRITER_HEAP: usize = 24_000_000;

/// A run as the index keeps it: enough to list, filter and find it without reading its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub query_id: String,
    pub file: String,
    /// The run's line in a JSON-lines file.
    pub line: Option<usize>,
    pub question: Option<String>,
    /// `correct`, `incorrect` or `unknown` (the run's field or the answer match).
    pub outcome: String,
    pub model: Option<String>,
    pub retriever: Option<String>,
    pub steps: usize,
    pub searches: usize,
    pub browses: usize,
}

/// What the manifest knows of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub size: u64,
    pub mtime_ns: u64,
    pub head: String,
    pub runs: Vec<RunRecord>,
    /// Why a file found in a folder is not a run file (then it has no runs).
    #[serde(default)]
    pub skipped: Option<String>,
    /// Where the file's shells lie in the store.
    #[serde(default)]
    pub shells: Option<shells::Span>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    /// The read options the files were read with ([`fingerprint`]).
    #[serde(default)]
    pub options: String,
    /// The shells store's file name.
    #[serde(default)]
    pub store: String,
    /// By the file's path as the index was given it.
    pub files: BTreeMap<String, FileEntry>,
}

/// What an update did.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// Files read (new or changed).
    pub read: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Problems in the files read (the rest of each file is indexed).
    pub rejected: Vec<InputError>,
}

#[derive(Clone, Copy)]
struct Fields {
    run: Field,
    file: Field,
    line: Field,
    step: Field,
    kind: Field,
    text: Field,
    docid: Field,
    model: Field,
    retriever: Field,
    outcome: Field,
    status: Field,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field("run", STRING | STORED);
    b.add_text_field("file", STRING | STORED);
    b.add_u64_field("line", STORED);
    b.add_u64_field("step", INDEXED | STORED);
    b.add_text_field("kind", STRING | STORED);
    b.add_text_field("text", text);
    b.add_text_field("docid", STRING);
    b.add_text_field("model", STRING);
    b.add_text_field("retriever", STRING);
    b.add_text_field("outcome", STRING);
    b.add_text_field("status", STRING);
    b.build()
}

fn fields(s: &Schema) -> Option<Fields> {
    let f = |n: &str| s.get_field(n).ok();
    Some(Fields {
        run: f("run")?,
        file: f("file")?,
        line: f("line")?,
        step: f("step")?,
        kind: f("kind")?,
        text: f("text")?,
        docid: f("docid")?,
        model: f("model")?,
        retriever: f("retriever")?,
        outcome: f("outcome")?,
        status: f("status")?,
    })
}

fn ix(path: &Path) -> impl Fn(tantivy::TantivyError) -> Error + '_ {
    move |source| Error::Tantivy {
        path: path.to_path_buf(),
        source,
    }
}

/// A file's size, modification time and head hash (the file opened once: its metadata is the
/// open file's).
fn stamp(path: &Path) -> std::io::Result<Stamp> {
    use sha2::Digest;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let mut head = Vec::with_capacity(HEAD as usize);
    file.take(HEAD).read_to_end(&mut head)?;
    let hash = sha2::Sha256::digest(&head);
    let hex: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Ok((meta.len(), mtime, hex))
}

/// Whether a file's name is one a run index writes: its manifest (of any version, or being
/// written), its shells store, tantivy's meta, lock and segment files (`<32 hex>.<ext>`).
fn index_file(name: &str) -> bool {
    let segment = name
        .split_once('.')
        .is_some_and(|(id, _)| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
    segment
        || name.starts_with("manifest.")
        || name.starts_with("shells-")
        || name.starts_with(".tantivy-")
        || matches!(name, "meta.json" | ".managed.json")
}

/// Empties `dir` for a new index: only when it is a run index (nothing but files a run index
/// writes: a build killed while it was being emptied leaves some of them) are its files removed;
/// a folder holding anything else is refused, never emptied (it may be the runs themselves,
/// given to `--index` by mistake).
fn clear_for_index(dir: &Path) -> Result<(), Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
    if entries.is_empty() {
        return Ok(());
    }
    let an_index = entries.iter().all(|e| {
        e.file_type().is_ok_and(|t| t.is_file()) && index_file(&e.file_name().to_string_lossy())
    });
    if !an_index {
        return Err(Error::Index {
            path: dir.to_path_buf(),
            message: "this folder holds other things than a run index; give --index a new or \
                      empty folder (nothing in it was changed)"
                .into(),
        });
    }
    for e in entries {
        std::fs::remove_file(e.path()).map_err(|err| Error::io(e.path(), err))?;
    }
    Ok(())
}

/// How the index knows a file: its folder's canonical path joined with its name (as given when
/// the folder cannot be resolved), so that `.` and an absolute path name one file.
pub fn key_of(p: &Path) -> String {
    key_in(p, &mut std::collections::HashMap::new())
}

/// [`key_of`], each folder resolved once (`folders` keeps them: a workspace's thousands of
/// files share a few folders).
fn key_in<'p>(p: &'p Path, folders: &mut std::collections::HashMap<&'p Path, PathBuf>) -> String {
    let (Some(dir), Some(name)) = (p.parent(), p.file_name()) else {
        return std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string();
    };
    let folder = folders.entry(dir).or_insert_with(|| {
        let d = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::canonicalize(d).unwrap_or_else(|_| dir.to_path_buf())
    });
    folder.join(name).display().to_string()
}

/// The run's record.
pub fn record(run: &Run, file: &str) -> RunRecord {
    RunRecord {
        id: run.id.clone(),
        query_id: run.query_id.clone(),
        file: file.to_string(),
        line: run.source.line,
        question: run.question.clone(),
        outcome: crate::stats::outcome(run).0.name().to_string(),
        model: run.meta.model.clone(),
        retriever: run.meta.retriever.clone(),
        steps: run.steps.len(),
        searches: run.searches().count(),
        browses: run.browses().count(),
    }
}

impl std::fmt::Debug for RunIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RunIndex({})", self.dir.display())
    }
}

/// An opened run index.
pub struct RunIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    f: Fields,
    pub manifest: Manifest,
    /// The files the last update was given (searches keep to them).
    named: std::collections::HashSet<String>,
    /// Files stamped already in this session (a file is stamped once, when the app lists its
    /// shells, not again when the index is brought up to date).
    stamps: std::collections::HashMap<String, Option<Stamp>>,
    /// Set by [`RunIndex::for_search`]: whether the index holds files beyond those named.
    others: Option<bool>,
    /// Files' keys ([`key_of`]) as they were stamped, by the path given.
    keys: std::collections::HashMap<PathBuf, String>,
}

/// A file's size, modification time and head hash.
type Stamp = (u64, u64, String);

/// The read options as the manifest records them: files read with other ones are read again.
pub fn fingerprint(opts: &ReadOptions) -> String {
    format!("{opts:?}")
}

impl RunIndex {
    /// Where the index of `runs` lives: `named`, else `index/` in the `.lrat/` folder beside
    /// the data (as the labels).
    pub fn location(runs: &[PathBuf], named: Option<&Path>) -> PathBuf {
        named
            .map(Path::to_path_buf)
            .unwrap_or_else(|| crate::labels::default_dir(runs).join("index"))
    }

    /// Opens the index in `dir`, creating it (or rebuilding it from nothing when its manifest
    /// is missing, unreadable, of another version, or its schema is not this one's).
    pub fn open(dir: &Path) -> Result<RunIndex, Error> {
        let manifest: Option<Manifest> = std::fs::read(dir.join(MANIFEST))
            .ok()
            .and_then(|b| postcard::from_bytes(&b).ok())
            .filter(|m: &Manifest| m.version == VERSION);
        let existing = manifest
            .as_ref()
            .and_then(|_| Index::open_in_dir(dir).ok())
            .filter(|i| fields(&i.schema()).is_some());
        let (index, manifest) = match (existing, manifest) {
            (Some(i), Some(m)) => (i, m),
            _ => {
                clear_for_index(dir)?;
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                let i = Index::create_in_dir(dir, schema()).map_err(ix(dir))?;
                (
                    i,
                    Manifest {
                        version: VERSION,
                        options: String::new(),
                        store: shells::name(0),
                        files: BTreeMap::new(),
                    },
                )
            }
        };
        let f = fields(&index.schema()).ok_or_else(|| Error::Index {
            path: dir.to_path_buf(),
            message: "not a run index".into(),
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(ix(dir))?;
        // A store no manifest points at is what a rewrite left when it was interrupted.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if shells::generation(&name).is_some() && name != manifest.store {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(RunIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            f,
            manifest,
            named: Default::default(),
            stamps: Default::default(),
            keys: Default::default(),
            others: None,
        })
    }

    /// Stamps these files (on every core), for `cached` and `update` to use.
    pub fn stamp_all(&mut self, files: &[(PathBuf, bool)]) {
        use rayon::prelude::*;
        let mut folders = std::collections::HashMap::new();
        let keys: Vec<String> = files.iter().map(|(p, _)| key_in(p, &mut folders)).collect();
        let stamped: Vec<(&PathBuf, String, Option<Stamp>)> = files
            .par_iter()
            .zip(keys)
            .map(|((p, _), key)| (p, key, stamp(p).ok()))
            .collect();
        for (p, key, s) in stamped {
            self.keys.insert(p.clone(), key.clone());
            self.stamps.insert(key, s);
        }
    }

    fn stamp_of(&mut self, key: &str, path: &Path) -> Option<Stamp> {
        self.stamps
            .entry(key.to_string())
            .or_insert_with(|| stamp(path).ok())
            .clone()
    }

    /// Where the shells of `path` lie, when the index holds the file as it is now, read with
    /// the options whose [`fingerprint`] is `options` (`None`: read the file). The file must
    /// have been stamped ([`RunIndex::stamp_all`]); one that was not is read.
    /// [`shells::Cached::read`] reads them.
    pub fn cached(&self, path: &Path, options: &str) -> Option<shells::Cached> {
        if self.manifest.options != options {
            return None;
        }
        let key = self.keys.get(path)?;
        let (size, mtime, head) = self.stamps.get(key)?.as_ref()?;
        let e = self.manifest.files.get(key)?;
        if (e.size, e.mtime_ns, &e.head) != (*size, *mtime, head) {
            return None;
        }
        Some(shells::Cached {
            span: e.shells?,
            skipped: e.skipped.clone(),
        })
    }

    /// The shells store (open it once a thread to read what [`RunIndex::cached`] finds).
    pub fn store_path(&self) -> PathBuf {
        self.dir.join(&self.manifest.store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every run of the files named to the last update (all the index holds before one).
    pub fn records(&self) -> impl Iterator<Item = &RunRecord> {
        self.manifest
            .files
            .iter()
            .filter(|(k, _)| self.named.is_empty() || self.named.contains(k.as_str()))
            .flat_map(|(_, e)| e.runs.iter())
    }

    /// The ids of the runs of the files named to the last update as a workspace of them knows
    /// them ([`crate::run::identity::ids`]), by (file, the id the index holds); empty once the
    /// index is [`RunIndex::for_search`] (the app names runs itself).
    pub fn workspace_ids(&self) -> std::collections::HashMap<(&str, &str), String> {
        let records: Vec<&RunRecord> = self.records().collect();
        let keys: Vec<crate::run::identity::Key<'_>> = records
            .iter()
            .map(|r| crate::run::identity::Key {
                query_id: &r.query_id,
                path: Path::new(&r.file),
                line: r.line,
            })
            .collect();
        let ids = crate::run::identity::ids(&keys);
        records
            .iter()
            .zip(ids)
            .map(|(r, id)| ((r.file.as_str(), r.id.as_str()), id))
            .collect()
    }

    /// Keeps only what searching needs (the app's index once it is up to date): the manifest's
    /// files and run records are let go, and [`RunIndex::update`] then refuses.
    pub fn for_search(&mut self) {
        self.others = Some(self.holds_others());
        self.manifest.files = BTreeMap::new();
    }

    /// Whether the index holds files beyond those named (searches then filter by file).
    fn holds_others(&self) -> bool {
        if let Some(others) = self.others {
            return others;
        }
        !self.named.is_empty()
            && self
                .manifest
                .files
                .keys()
                .any(|k| !self.named.contains(k.as_str()))
    }

    fn write_manifest(&self) -> Result<(), Error> {
        let tmp = self.dir.join(format!("{MANIFEST}.tmp"));
        let bytes = postcard::to_stdvec(&self.manifest).map_err(|e| Error::Index {
            path: self.dir.clone(),
            message: format!("the manifest could not be written: {e}"),
        })?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            f.write_all(&bytes).map_err(|e| Error::io(&tmp, e))?;
            f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        }
        let to = self.dir.join(MANIFEST);
        std::fs::rename(&tmp, &to).map_err(|e| Error::io(&to, e))
    }

    /// Commits the index, and when `manifest`, writes the manifest after it (a manifest older
    /// than the last commit only makes the next open read again the files committed since).
    fn commit(
        &mut self,
        w: &mut IndexWriter,
        store: &shells::Writer,
        manifest: bool,
    ) -> Result<(), Error> {
        store.sync()?;
        w.commit().map_err(ix(&self.dir))?;
        if manifest {
            self.write_manifest()?;
        }
        Ok(())
    }

    /// Writes the shells store afresh when more than half of it is lines no file points at
    /// (files changed or removed since they were written).
    fn compact(&mut self, store_len: u64) -> Result<(), Error> {
        let live: u64 = self
            .manifest
            .files
            .values()
            .filter_map(|e| e.shells.map(|s| s.len))
            .sum();
        if store_len <= live.saturating_mul(2) + (1 << 20) {
            return Ok(());
        }
        let old = self.dir.join(&self.manifest.store);
        let next = shells::name(shells::generation(&self.manifest.store).map_or(0, |g| g + 1));
        let to = self.dir.join(&next);
        let mut from = std::fs::File::open(&old).map_err(|e| Error::io(&old, e))?;
        let mut w = shells::Writer::open(&to)?;
        for e in self.manifest.files.values_mut() {
            if let Some(span) = e.shells {
                let bytes = shells::read(&mut from, span).map_err(|err| Error::io(&old, err))?;
                e.shells = Some(w.append(&bytes)?);
            }
        }
        w.sync()?;
        self.manifest.store = next;
        self.write_manifest()?;
        std::fs::remove_file(&old).map_err(|e| Error::io(&old, e))
    }

    /// Brings the index up to date with `files` (as `run::load::collect_files` gives them):
    /// reads new and changed files, drops removed ones; `progress(done, to_read)`.
    pub fn update(
        &mut self,
        files: &[(PathBuf, bool)],
        opts: &ReadOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Update, Error> {
        if self.others.is_some() {
            return Err(Error::Index {
                path: self.dir.clone(),
                message: "this run index was opened for searching only".into(),
            });
        }
        let mut up = Update::default();
        // Files are known by their canonical path, so `.` and an absolute path are one file.
        let mut keys: Vec<(String, &PathBuf, bool)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut folders = std::collections::HashMap::new();
        for (p, explicit) in files {
            let key = match self.keys.get(p) {
                Some(k) => k.clone(),
                None => key_in(p, &mut folders),
            };
            if seen.insert(key.clone()) {
                keys.push((key, p, *explicit));
            }
        }
        self.named = seen;
        // Files no longer on disk leave; files only left unnamed this time stay (another
        // command may name them), and searches keep to the files named.
        let gone: Vec<String> = self
            .manifest
            .files
            .keys()
            .filter(|k| !self.named.contains(k.as_str()) && !Path::new(k.as_str()).exists())
            .cloned()
            .collect();
        // Files read with other options are all read again.
        let options = fingerprint(opts);
        let reread = self.manifest.options != options;
        if reread {
            self.manifest.files.clear();
            self.manifest.options = options;
        }
        let mut todo = Vec::new();
        for (key, path, explicit) in &keys {
            let s = self.stamp_of(key, path);
            let same = match (&s, self.manifest.files.get(key)) {
                (Some((size, mtime, head)), Some(e)) => {
                    e.size == *size && e.mtime_ns == *mtime && e.head == *head
                }
                _ => false,
            };
            if same {
                up.unchanged += 1;
            } else {
                todo.push((key.clone(), (*path).clone(), *explicit, s));
            }
        }
        // Stamps are taken once a session: a file changed after this update read it is read
        // again next time.
        self.stamps.clear();
        self.keys.clear();
        if gone.is_empty() && todo.is_empty() && !reread {
            return Ok(up);
        }
        let mut w: IndexWriter = self.index.writer(WRITER_HEAP).map_err(ix(&self.dir))?;
        // Segments are merged up to a size, not into one: merging large segments holds memory
        // that grows with them (3.6 GB building 6 GB of runs; 0.67 GB merging up to this size).
        let mut policy = tantivy::merge_policy::LogMergePolicy::default();
        policy.set_max_docs_before_merge(MERGE_UP_TO);
        w.set_merge_policy(Box::new(policy));
        if reread {
            w.delete_all_documents().map_err(ix(&self.dir))?;
        }
        let mut store = shells::Writer::open(&self.dir.join(&self.manifest.store))?;

        for key in gone {
            w.delete_term(Term::from_field_text(self.f.file, &key));
            self.manifest.files.remove(&key);
            up.removed += 1;
        }
        let total = todo.len();
        let (mut since, mut since_manifest) = (0usize, 0usize);
        // What the index held when it was opened (an interrupted build's commits included).
        let searcher = self.reader.searcher();
        for (n, (key, path, explicit, s)) in todo.into_iter().enumerate() {
            // Only a file the index may hold has steps to delete: deletes that match nothing
            // (every file of a first build) are not queued, as each costs the writer memory.
            let term = Term::from_field_text(self.f.file, &key);
            if searcher.doc_freq(&term).map_or(true, |n| n > 0) {
                w.delete_term(term);
            }
            self.manifest.files.remove(&key);
            let mut load = crate::run::load::load_file(&path, explicit, opts);
            // A file with problems is not recorded as read: the next open reads it (and says
            // what is wrong with it) again.
            let clean = load.errors.is_empty();
            up.rejected.extend(load.errors);
            let mut runs = Vec::new();
            for run in &load.runs {
                self.add_run(&mut w, run, &key)?;
                runs.push(record(run, &key));
            }
            if let Some((size, mtime_ns, head)) = s.filter(|_| clean) {
                let record = shells::encode(&mut load.runs).map_err(|e| Error::Index {
                    path: self.dir.clone(),
                    message: format!("{key}: its runs could not be stored: {e}"),
                })?;
                let span = store.append(&record)?;
                self.manifest.files.insert(
                    key,
                    FileEntry {
                        size,
                        mtime_ns,
                        head,
                        runs,
                        skipped: load.skipped,
                        shells: Some(span),
                    },
                );
            }
            up.read += 1;
            progress(n + 1, total);
            since += 1;
            since_manifest += 1;
            if since >= COMMIT_EVERY {
                since = 0;
                // The manifest is written every eighth of the files read so far once that is
                // more than the commits' 64: writing it stays a small part of a large build.
                let manifest = since_manifest >= COMMIT_EVERY.max((n + 1) / 8);
                if manifest {
                    since_manifest = 0;
                }
                self.commit(&mut w, &store, manifest)?;
            }
        }
        self.commit(&mut w, &store, true)?;
        self.compact(store.bytes())?;
        w.wait_merging_threads().map_err(ix(&self.dir))?;
        self.reader.reload().map_err(ix(&self.dir))?;
        Ok(up)
    }

    fn add_run(&self, w: &mut IndexWriter, run: &Run, file: &str) -> Result<(), Error> {
        let f = self.f;
        let outcome = crate::stats::outcome(run).0.name();
        let base = |kind: &str, step: usize| {
            let mut d = TantivyDocument::default();
            d.add_text(f.run, &run.id);
            d.add_text(f.file, file);
            d.add_u64(f.line, run.source.line.map_or(0, |l| l as u64));
            d.add_u64(f.step, step as u64);
            d.add_text(f.kind, kind);
            if let Some(m) = &run.meta.model {
                d.add_text(f.model, m);
            }
            if let Some(r) = &run.meta.retriever {
                d.add_text(f.retriever, r);
            }
            d.add_text(f.outcome, outcome);
            if let Some(s) = &run.status {
                d.add_text(f.status, s);
            }
            d
        };
        let add = |w: &mut IndexWriter, d: TantivyDocument| {
            w.add_document(d).map(|_| ()).map_err(ix(&self.dir))
        };
        if let Some(q) = &run.question {
            let mut d = base(Kind::Question.name(), 0);
            d.add_text(f.text, q);
            add(w, d)?;
        }
        for s in &run.steps {
            let (kind, text, docids): (Kind, String, Vec<&str>) = match &s.kind {
                StepKind::Reasoning { text } => (Kind::Reasoning, text.clone(), Vec::new()),
                StepKind::Search(x) => {
                    let mut t = x.queries.join("\n");
                    if t.is_empty() {
                        t = x.query.clone().unwrap_or_default();
                    }
                    for h in &x.hits {
                        t.push('\n');
                        if let Some(title) = &h.title {
                            t.push_str(title);
                            t.push_str(": ");
                        }
                        t.push_str(&h.snippet);
                    }
                    (
                        Kind::Search,
                        t,
                        x.hits.iter().map(|h| h.docid.as_str()).collect(),
                    )
                }
                StepKind::Browse(b) => (
                    Kind::Browse,
                    b.text.clone().unwrap_or_default(),
                    b.docid.iter().map(String::as_str).collect(),
                ),
                StepKind::Answer(a) => (Kind::Answer, a.text.clone(), Vec::new()),
                _ => continue,
            };
            let mut d = base(kind.name(), s.index);
            d.add_text(f.text, &text);
            for id in docids {
                d.add_text(f.docid, id);
            }
            add(w, d)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build killed while it emptied its folder leaves some of an index's files and none of
    /// the ones that first said "index" (the manifest, tantivy's meta): still cleared, never
    /// refused; a folder holding one file of something else is refused and left whole.
    #[test]
    fn a_half_emptied_index_is_cleared_and_other_folders_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for name in [
            ".tantivy-writer.lock",
            "shells-3.bin",
            "0123456789abcdef0123456789abcdef.idx",
            "manifest.bin.tmp",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap_or_else(|e| panic!("{e}"));
        }
        clear_for_index(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_dir(dir.path()).map(Iterator::count).ok(),
            Some(0)
        );
        std::fs::write(dir.path().join("meta.json"), b"{}").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("run.json"), b"{}").unwrap_or_else(|e| panic!("{e}"));
        assert!(clear_for_index(dir.path()).is_err());
        assert_eq!(
            std::fs::read_dir(dir.path()).map(Iterator::count).ok(),
            Some(2)
        );
    }
}
