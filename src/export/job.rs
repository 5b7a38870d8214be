//! Mining many run files without holding them: each file is read once, in parallel batches, and
//! mined by [`crate::mine::mine_run`] (the one derivation); only the emitted pairs are kept, and
//! without a corpus the best text of every document goes to a temporary file.

use std::path::PathBuf;

use rayon::prelude::*;

use super::texts::RunTexts;
use crate::error::{Error, InputError};
use crate::labels::Effective;
use crate::mine::{MineCounts, Pair, Policy, WeightStats, assign_weights, mine_run};
use crate::run::{ReadOptions, load_file};

/// Emitted pairs of every file, weighted over all of them.
pub struct MinedFiles {
    pub pairs: Vec<Pair>,
    pub counts: MineCounts,
    pub weights: WeightStats,
    /// The best text of each document the runs showed (when asked for).
    pub texts: Option<RunTexts>,
    /// Files read (inputs that were not run files are not counted).
    pub files: usize,
    pub load_errors: Vec<InputError>,
    /// Ids that runs from several files shared, with the ids they are known by now
    /// ([`crate::run::identity`]).
    pub renamed: Vec<(String, Vec<String>)>,
    /// Files under a folder that were not run files, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Files mined at once: bounds the runs and texts held in memory.
const BATCH: usize = 64;

struct Part {
    pairs: Vec<Pair>,
    counts: MineCounts,
    texts: Option<RunTexts>,
    errors: Vec<InputError>,
    skipped: Option<(PathBuf, String)>,
    /// Each run's id as its file gave it and its line: what its identity depends on.
    keys: Vec<(String, Option<usize>)>,
}

/// One file's pairs, counts and run keys.
type FileMined = (Vec<Pair>, MineCounts, Vec<(String, Option<usize>)>);

/// Mines the runs of one loaded file, each known by `ids` when given (else its own id).
fn mine_loaded(
    runs: &mut [crate::run::Run],
    ids: Option<&[String]>,
    labels: &Effective<'_>,
    policy: &Policy<'_>,
) -> (Vec<Pair>, MineCounts) {
    let mut counts = MineCounts::default();
    let mut pairs = Vec::new();
    for (i, run) in runs.iter_mut().enumerate() {
        if let Some(id) = ids.and_then(|ids| ids.get(i)) {
            run.id = id.clone();
        }
        let cands = mine_run(run, labels, policy, &mut counts);
        pairs.extend(
            cands
                .into_iter()
                .filter(|c| c.status.emitted())
                .map(|c| c.pair),
        );
    }
    (pairs, counts)
}

/// Mines `files` (path, named explicitly) in file order; `collect_texts` keeps the runs' texts.
pub fn mine_files(
    files: &[(PathBuf, bool)],
    read: &ReadOptions,
    labels: &Effective<'_>,
    policy: &Policy<'_>,
    collect_texts: bool,
) -> Result<MinedFiles, Error> {
    let mut out = MinedFiles {
        pairs: Vec::new(),
        counts: MineCounts::default(),
        weights: WeightStats::default(),
        texts: if collect_texts {
            Some(RunTexts::on_disk()?)
        } else {
            None
        },
        files: 0,
        load_errors: Vec::new(),
        renamed: Vec::new(),
        skipped: Vec::new(),
    };
    let spill = out.texts.as_ref().and_then(RunTexts::spill_target);
    // Each file's pairs, counts and run keys, in file order.
    let mut per_file: Vec<FileMined> = Vec::new();
    for batch in files.chunks(BATCH) {
        let parts: Vec<Part> = batch
            .par_iter()
            .map(|(path, explicit)| {
                let mut fl = load_file(path, *explicit, read);
                let (pairs, counts) = mine_loaded(&mut fl.runs, None, labels, policy);
                // Each worker writes its file's texts; the merge below only moves offsets.
                let mut errors = fl.errors;
                let texts = match collect_texts.then(|| RunTexts::collect(&fl.runs, spill.as_ref()))
                {
                    Some(Ok(t)) => Some(t),
                    Some(Err(e)) => {
                        errors.push(InputError::new(path, e.to_string()));
                        None
                    }
                    None => None,
                };
                Part {
                    pairs,
                    counts,
                    texts,
                    errors,
                    skipped: fl.skipped.map(|why| (path.clone(), why)),
                    keys: fl
                        .runs
                        .iter()
                        .map(|r| (r.query_id.clone(), r.source.line))
                        .collect(),
                }
            })
            .collect();
        for p in parts {
            if let (Some(all), Some(t)) = (out.texts.as_mut(), p.texts) {
                all.absorb(t);
            }
            out.load_errors.extend(p.errors);
            match p.skipped {
                Some(s) => out.skipped.push(s),
                None => out.files += 1,
            }
            per_file.push((p.pairs, p.counts, p.keys));
        }
    }
    // Runs from different files that share an id are known by their file: the files holding
    // such runs are mined again under those ids (their labels are keyed by them).
    let keys: Vec<crate::run::identity::Key<'_>> = per_file
        .iter()
        .zip(files)
        .flat_map(|((_, _, ks), (path, _))| {
            ks.iter().map(move |(q, line)| crate::run::identity::Key {
                query_id: q,
                path,
                line: *line,
            })
        })
        .collect();
    let ids = crate::run::identity::ids(&keys);
    let mut renamed: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut again: Vec<(usize, Vec<String>)> = Vec::new();
    let mut at = 0;
    for (f, (_, _, ks)) in per_file.iter().enumerate() {
        let file_ids = &ids[at..at + ks.len()];
        at += ks.len();
        let mut changed = false;
        for ((q, _), id) in ks.iter().zip(file_ids) {
            if q != id {
                renamed.entry(q.clone()).or_default().push(id.clone());
                changed = true;
            }
        }
        if changed {
            again.push((f, file_ids.to_vec()));
        }
    }
    drop(keys);
    let redone: Vec<(usize, Vec<Pair>, MineCounts)> = again
        .par_iter()
        .map(|(f, file_ids)| {
            let (path, explicit) = &files[*f];
            let mut fl = load_file(path, *explicit, read);
            let (pairs, counts) = mine_loaded(&mut fl.runs, Some(file_ids), labels, policy);
            (*f, pairs, counts)
        })
        .collect();
    for (f, pairs, counts) in redone {
        per_file[f].0 = pairs;
        per_file[f].1 = counts;
    }
    for (pairs, counts, _) in per_file {
        out.pairs.extend(pairs);
        out.counts.add(&counts);
    }
    out.renamed = renamed.into_iter().collect();
    out.weights = assign_weights(&mut out.pairs);
    Ok(out)
}
