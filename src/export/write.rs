//! Writing pairs in a format: the same function for `lrat mine` and the app's export, so the
//! same pairs and texts give the same bytes.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::parquet::ParquetRows;
use super::rows::{ExportFormat, ExportOptions, Filled, Skip};
use super::texts::TextSource;
use crate::error::Error;
use crate::mine::Pair;

/// What writing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteReport {
    pub rows_written: usize,
    /// Pairs whose positive document's text is unknown.
    pub pos_text_unknown: usize,
    /// Negatives whose text is unknown.
    pub neg_text_unknown: usize,
    /// Rejected browses left out of a format that would read them as positives.
    pub left_out_rejected: usize,
    /// Rows left out: no positive text.
    pub left_out_no_pos_text: usize,
    /// Rows left out: fewer negatives with text than the format needs.
    pub left_out_few_negatives: usize,
    /// Documents whose best text is a search snippet (never fetched in the loaded runs).
    pub snippet_only_docs: usize,
}

impl WriteReport {
    fn add(&mut self, o: &WriteReport) {
        self.rows_written += o.rows_written;
        self.pos_text_unknown += o.pos_text_unknown;
        self.neg_text_unknown += o.neg_text_unknown;
        self.left_out_rejected += o.left_out_rejected;
        self.left_out_no_pos_text += o.left_out_no_pos_text;
        self.left_out_few_negatives += o.left_out_few_negatives;
    }
}

/// Pairs a worker turns into rows at once; a few chunks a thread are in memory together.
const CHUNK: usize = 256;

/// Rows of `pairs` (in order) with their texts, as JSON lines or Parquet rows.
fn rows(
    pairs: &[Pair],
    texts: &TextSource<'_>,
    opts: &ExportOptions,
) -> (Vec<u8>, ParquetRows, WriteReport) {
    let mut json = Vec::new();
    let mut table = ParquetRows::default();
    let mut r = WriteReport::default();
    for pair in pairs {
        let pos = texts.get(&pair.pos_id);
        let neg: Vec<_> = pair.neg_id.iter().map(|d| texts.get(d)).collect();
        r.pos_text_unknown += usize::from(pos.is_none());
        r.neg_text_unknown += neg.iter().filter(|t| t.is_none()).count();
        let filled = Filled { pair, pos, neg };
        if opts.format == ExportFormat::Parquet {
            table.push(&filled);
            r.rows_written += 1;
            continue;
        }
        match filled.row(opts) {
            Ok(v) => {
                // Serialising a Value cannot fail: its keys are strings.
                if serde_json::to_writer(&mut json, &v).is_ok() {
                    json.push(b'\n');
                    r.rows_written += 1;
                }
            }
            Err(Skip::Rejected) => r.left_out_rejected += 1,
            Err(Skip::NoPositiveText) => r.left_out_no_pos_text += 1,
            Err(Skip::TooFewNegatives) => r.left_out_few_negatives += 1,
        }
    }
    (json, table, r)
}

/// Writes `pairs` to `out` in `opts.format`.
pub fn write_pairs(
    pairs: &[Pair],
    texts: &TextSource<'_>,
    opts: &ExportOptions,
    out: &Path,
) -> Result<WriteReport, Error> {
    let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut report = WriteReport {
        snippet_only_docs: texts.snippet_only(),
        ..WriteReport::default()
    };
    let mut table = ParquetRows::default();
    // A bounded number of chunks is built at once, then written in order.
    let at_once = CHUNK * 2 * rayon::current_num_threads().max(1);
    for group in pairs.chunks(at_once) {
        let parts: Vec<_> = group
            .par_chunks(CHUNK)
            .map(|c| rows(c, texts, opts))
            .collect();
        for (json, t, r) in parts {
            w.write_all(&json).map_err(|e| Error::io(out, e))?;
            table.append(t);
            report.add(&r);
        }
    }
    if opts.format == ExportFormat::Parquet {
        drop(w);
        table.write(out)?;
    } else {
        w.flush().map_err(|e| Error::io(out, e))?;
    }
    Ok(report)
}
