//! The loader, a job like the others: takes every run file in turn (each file's runs sent as
//! it is taken, with the problems met), says which files were not runs, then opens the corpus
//! for document texts and brings the run index up to date. A file the run index holds as it
//! is now is taken from the index's shells, not read again.

use std::path::PathBuf;

use super::OpenOptions;
use super::jobs::{self, Reporter, Sink};
use crate::error::InputError;
use crate::run::{self, Questions, Run};
use crate::workspace;

/// Files taken at once (on every core) before their runs are sent in order.
const CHUNK: usize = 64;

/// What the loader reports.
#[derive(Debug)]
pub enum LoadEvent {
    /// Runs read, with the problems met.
    Loaded {
        runs: Vec<Run>,
        errors: Vec<InputError>,
        files_done: usize,
        files: usize,
    },
    /// Files found under a folder that were not run files, with why (sent before `Done`).
    Skipped(Vec<(PathBuf, String)>),
    /// How many files were read and how many taken from the run index unchanged (sent before
    /// `Done`).
    Sources {
        read: usize,
        from_index: usize,
    },
    /// Every file read.
    Done,
    /// The corpus index, once open (document texts come from it).
    Corpus(Box<crate::corpus::DocIndex>),
    CorpusFailed(crate::Error),
    /// The workspace's run index, up to date (`/` on the Runs screen searches it).
    RunIndex(Box<crate::runindex::RunIndex>),
    /// Why there is none (`/` then searches the runs in memory).
    RunIndexFailed(String),
}

impl LoadEvent {
    /// Runs that came from elsewhere (an embedding program, a test), as the loader sends them.
    pub fn runs(runs: Vec<Run>, errors: Vec<InputError>) -> LoadEvent {
        LoadEvent::Loaded {
            runs,
            errors,
            files_done: 1,
            files: 1,
        }
    }
}

/// Starts the loader on what `opts` names, reporting to `sink` (or here, giving back its
/// events, without one).
pub fn start(opts: &OpenOptions, sink: Option<Sink<LoadEvent>>) -> Vec<LoadEvent> {
    let inputs = workspace::resolve(&opts.runs);
    let questions = opts.questions.clone().or(inputs.questions.clone());
    let corpus = opts
        .corpus
        .clone()
        .or(inputs.index.clone())
        .or(inputs.corpus.clone());
    let read = opts.read.clone();
    let index_dir = crate::runindex::RunIndex::location(&opts.runs, opts.index.as_deref());
    let work = move |r: &Reporter<LoadEvent>| {
        // A questions file that cannot be read, or has bad entries, is shown like a bad run file.
        let (q, q_errors) = match questions {
            Some(p) => match Questions::read(&p) {
                Ok((q, errors)) => (Some(q), errors),
                Err(e) => (None, vec![InputError::from_error(&p, e)]),
            },
            None => (None, Vec::new()),
        };
        if !q_errors.is_empty() {
            r.send(LoadEvent::Loaded {
                runs: Vec::new(),
                errors: q_errors,
                files_done: 0,
                files: 0,
            });
        }
        let files = match run::load::collect_files(&inputs.runs) {
            Ok(f) => f,
            Err(e) => {
                r.send(LoadEvent::Loaded {
                    runs: Vec::new(),
                    errors: vec![InputError::new("<inputs>", e.to_string())],
                    files_done: 0,
                    files: 0,
                });
                r.send(LoadEvent::Done);
                return;
            }
        };
        let total = files.len();
        let mut skipped = Vec::new();
        let mut found = false;
        // The run index: unchanged files' runs come from its shells.
        let mut index = crate::runindex::RunIndex::open(&index_dir);
        if let Ok(ix) = index.as_mut() {
            ix.stamp_all(&files);
        }
        let (mut read_n, mut from_index) = (0, 0);
        // Runs are sent in batches (every file read, or every 50 ms of files taken from the
        // index), so that thousands of small files do not cost a message each.
        let mut batch: Vec<Run> = Vec::new();
        let mut batch_errors = Vec::new();
        let mut sent = std::time::Instant::now();
        let store = index.as_ref().ok().map(|ix| ix.store_path());
        let options = crate::runindex::fingerprint(&read);
        // Files are taken a chunk at a time, the chunk's files on every core, in order.
        for (c, chunk) in files.chunks(CHUNK).enumerate() {
            if r.cancelled() {
                return;
            }
            let ix = index.as_ref().ok();
            let parts: Vec<(run::load::FileLoad, bool)> = {
                use rayon::prelude::*;
                chunk
                    .par_iter()
                    .map_init(
                        || store.as_ref().and_then(|s| std::fs::File::open(s).ok()),
                        |store, (path, explicit)| {
                            let cached = ix.and_then(|ix| ix.cached(path, &options));
                            let runs = cached.as_ref().and_then(|c| {
                                let runs = c.read(store.as_mut()?, path)?;
                                Some(run::load::FileLoad {
                                    runs,
                                    skipped: c.skipped.clone(),
                                    ..Default::default()
                                })
                            });
                            match runs {
                                Some(part) => (part, false),
                                None => {
                                    let mut part = run::load_file(path, *explicit, &read);
                                    // The app keeps runs as shells (their steps are read
                                    // again when a run is shown, judged or exported): memory
                                    // follows the number of runs, not their texts. The index's
                                    // runs are shells already.
                                    part.runs.iter_mut().for_each(Run::shell);
                                    (part, true)
                                }
                            }
                        },
                    )
                    .collect()
            };
            for (i, ((path, _), (mut part, was_read))) in chunk.iter().zip(parts).enumerate() {
                let n = c * CHUNK + i;
                if was_read {
                    read_n += 1;
                } else {
                    from_index += 1;
                }
                if let Some(q) = &q {
                    q.apply(&mut part.runs);
                }
                match part.skipped {
                    Some(why) => skipped.push((path.clone(), why)),
                    None => found = true,
                }
                batch.append(&mut part.runs);
                batch_errors.append(&mut part.errors);
                let last = n + 1 == total;
                if was_read || last || sent.elapsed() >= std::time::Duration::from_millis(50) {
                    let event = LoadEvent::Loaded {
                        runs: std::mem::take(&mut batch),
                        errors: std::mem::take(&mut batch_errors),
                        files_done: n + 1,
                        files: total,
                    };
                    if !r.send(event) {
                        return;
                    }
                    sent = std::time::Instant::now();
                }
            }
        }
        // Nothing to open is said plainly, as the commands say it.
        if !found {
            r.send(LoadEvent::Loaded {
                runs: Vec::new(),
                errors: vec![run::load::no_runs_found(&inputs.runs, &skipped)],
                files_done: total,
                files: total,
            });
        }
        r.send(LoadEvent::Skipped(skipped));
        r.send(LoadEvent::Sources {
            read: read_n,
            from_index,
        });
        r.send(LoadEvent::Done);
        // Documents: an existing index opens at once; a corpus file is indexed beside it first.
        if let Some(c) = corpus {
            r.send(match crate::corpus::open_or_build(&c) {
                Ok((ix, _)) => LoadEvent::Corpus(Box::new(ix)),
                Err(e) => LoadEvent::CorpusFailed(e),
            });
        }
        // The run index, brought up to date (only new and changed files are read again). It
        // parses those files a second time rather than holding the listing back while it
        // indexes: parsing is a small part of indexing's cost.
        let indexed = index.and_then(|mut ix| ix.update(&files, &read, &mut |_, _| {}).map(|_| ix));
        r.send(match indexed {
            Ok(mut ix) => {
                // The app searches it; the runs it lists came through the loader.
                ix.for_search();
                LoadEvent::RunIndex(Box::new(ix))
            }
            Err(e) => LoadEvent::RunIndexFailed(format!("{e}")),
        });
    };
    jobs::start(work, sink).1
}
