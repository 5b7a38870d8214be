//! Mining many files without holding them: a first pass collects lengths (for β and μ_raw), a
//! second mines again, weights, looks texts up and writes rows in file order.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::{Length, MineCounts, Mode, WeightStats, mine_run, weight_for};
use crate::error::{Error, InputError};
use crate::export::{ExportFormat, Filled, Lookup, ParquetRows, Skip, TextSource};
use crate::labels::{Effective, Journal};
use crate::run::{ReadOptions, load_file};
use crate::verdict::Verdicts;

/// Everything a mining job needs besides its files.
pub struct MineSpec<'a> {
    pub mode: Mode,
    pub verdicts: Option<&'a Verdicts>,
    pub length: &'a Length,
    pub read: &'a ReadOptions,
    pub format: ExportFormat,
    pub texts: &'a TextSource<'a>,
    /// Human labels: negatives marked excluded or actually relevant are left out.
    pub human: Option<&'a Journal>,
}

/// What a job did.
#[derive(Debug, Default, Serialize)]
pub struct MineReport {
    pub files: usize,
    pub counts: MineCounts,
    pub beta: Option<f64>,
    pub mu_raw: Option<f64>,
    /// Pairs whose positive document's text is unknown.
    pub pos_text_unknown: usize,
    /// Negatives whose text is unknown.
    pub neg_text_unknown: usize,
    /// Rows the format could not hold: no positive text.
    pub dropped_no_pos_text: usize,
    /// Rows the format could not hold: no negative (with text).
    pub dropped_no_negative: usize,
    pub rows_written: usize,
    #[serde(skip)]
    pub load_errors: Vec<InputError>,
}

const BATCH: usize = 256;

/// Mines `files` into `out` in `spec.format`.
pub fn mine_files(
    files: &[(PathBuf, bool)],
    spec: &MineSpec<'_>,
    out: &Path,
) -> Result<MineReport, Error> {
    // Pass 1: counts and lengths.
    let firsts: Vec<(MineCounts, Vec<usize>, Vec<InputError>, bool)> = files
        .par_iter()
        .map(|(path, explicit)| {
            let fl = load_file(path, *explicit, spec.read);
            let mut counts = MineCounts::default();
            let mut lens = Vec::new();
            for run in &fl.runs {
                let mut pairs = mine_run(run, spec.mode, spec.verdicts, spec.length, &mut counts);
                drop_labelled_negatives(&mut pairs, spec.human, &mut counts);
                for p in pairs {
                    lens.extend(p.reasoning_len);
                }
            }
            (counts, lens, fl.errors, fl.skipped.is_none())
        })
        .collect();
    let mut report = MineReport::default();
    let mut lengths = Vec::new();
    for (c, l, e, counted) in firsts {
        report.counts.add(&c);
        lengths.extend(l);
        report.load_errors.extend(e);
        report.files += usize::from(counted);
    }
    let stats = WeightStats::from_lengths(lengths);
    report.beta = stats.beta;
    report.mu_raw = stats.mu_raw;

    // Pass 2: rows.
    let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut table = ParquetRows::default();
    for batch in files.chunks(BATCH) {
        let parts: Vec<Part> = batch
            .par_iter()
            .map(|(path, explicit)| second_pass(path, *explicit, spec, &stats))
            .collect();
        for part in parts {
            w.write_all(&part.json).map_err(|e| Error::io(out, e))?;
            report.pos_text_unknown += part.pos_text_unknown;
            report.neg_text_unknown += part.neg_text_unknown;
            report.dropped_no_pos_text += part.dropped_no_pos_text;
            report.dropped_no_negative += part.dropped_no_negative;
            report.rows_written += part.rows;
            if let Some(t) = part.table {
                table.append(t);
            }
        }
    }
    if spec.format == ExportFormat::Parquet {
        drop(w);
        table.write(out)?;
    } else {
        w.flush().map_err(|e| Error::io(out, e))?;
    }
    Ok(report)
}

#[derive(Default)]
struct Part {
    json: Vec<u8>,
    table: Option<ParquetRows>,
    rows: usize,
    pos_text_unknown: usize,
    neg_text_unknown: usize,
    dropped_no_pos_text: usize,
    dropped_no_negative: usize,
}

fn second_pass(path: &Path, explicit: bool, spec: &MineSpec<'_>, stats: &WeightStats) -> Part {
    let fl = load_file(path, explicit, spec.read);
    let mut part = Part::default();
    let mut table = (spec.format == ExportFormat::Parquet).then(ParquetRows::default);
    for run in &fl.runs {
        let mut counts = MineCounts::default();
        let mut pairs = mine_run(run, spec.mode, spec.verdicts, spec.length, &mut counts);
        drop_labelled_negatives(&mut pairs, spec.human, &mut counts);
        if pairs.is_empty() {
            continue;
        }
        let lookup = Lookup::new(spec.texts, run);
        for mut pair in pairs {
            pair.reweight_rate = weight_for(pair.reasoning_len, stats);
            let pos = lookup.get(&pair.pos_id);
            let neg: Vec<_> = pair.neg_id.iter().map(|d| lookup.get(d)).collect();
            part.pos_text_unknown += usize::from(pos.is_none());
            part.neg_text_unknown += neg.iter().filter(|t| t.is_none()).count();
            let filled = Filled {
                pair: &pair,
                pos,
                neg,
            };
            if let Some(t) = table.as_mut() {
                t.push(&filled);
                part.rows += 1;
                continue;
            }
            match filled.row(spec.format) {
                Ok(v) => {
                    // Serialising a Value cannot fail: its keys are strings.
                    if serde_json::to_writer(&mut part.json, &v).is_ok() {
                        part.json.push(b'\n');
                        part.rows += 1;
                    }
                }
                Err(Skip::NoPositiveText) => part.dropped_no_pos_text += 1,
                Err(Skip::NoNegative) => part.dropped_no_negative += 1,
            }
        }
    }
    part.table = table;
    part
}

/// Leaves out negatives a human marked excluded or actually relevant: keyed by the pair's search
/// in paper mode; in reference mode, where negatives span searches, a label on the document for
/// any search of the run counts.
pub fn drop_labelled_negatives(
    pairs: &mut [super::Pair],
    human: Option<&crate::labels::Journal>,
    counts: &mut MineCounts,
) {
    let Some(journal) = human else { return };
    let eff = Effective {
        judge: None,
        human: Some(journal),
    };
    for p in pairs.iter_mut() {
        let before = p.neg_id.len();
        match p.search_step {
            Some(s) => p.neg_id.retain(|d| eff.negative(&p.run_id, s, d).is_none()),
            None => {
                let labelled: std::collections::HashSet<&str> = journal
                    .labels()
                    .into_iter()
                    .filter_map(|(k, _)| match k {
                        crate::labels::LabelKey::Negative { run_id, docid, .. }
                            if *run_id == p.run_id =>
                        {
                            Some(docid.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                p.neg_id.retain(|d| !labelled.contains(d.as_str()));
            }
        }
        counts.negatives_labelled += before - p.neg_id.len();
    }
}
