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
}

/// Files mined at once: bounds the runs and texts held in memory.
const BATCH: usize = 64;

struct Part {
    pairs: Vec<Pair>,
    counts: MineCounts,
    texts: Option<RunTexts>,
    errors: Vec<InputError>,
    counted: bool,
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
    };
    let spill = out.texts.as_ref().and_then(RunTexts::spill_target);
    for batch in files.chunks(BATCH) {
        let parts: Vec<Part> = batch
            .par_iter()
            .map(|(path, explicit)| {
                let fl = load_file(path, *explicit, read);
                let mut counts = MineCounts::default();
                let mut pairs = Vec::new();
                for run in &fl.runs {
                    let cands = mine_run(run, labels, policy, &mut counts);
                    pairs.extend(
                        cands
                            .into_iter()
                            .filter(|c| c.status.emitted())
                            .map(|c| c.pair),
                    );
                }
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
                    counted: fl.skipped.is_none(),
                }
            })
            .collect();
        for p in parts {
            out.pairs.extend(p.pairs);
            out.counts.add(&p.counts);
            if let (Some(all), Some(t)) = (out.texts.as_mut(), p.texts) {
                all.absorb(t);
            }
            out.load_errors.extend(p.errors);
            out.files += usize::from(p.counted);
        }
    }
    out.weights = assign_weights(&mut out.pairs);
    Ok(out)
}
