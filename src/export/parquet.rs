//! Pairs as a Parquet table with every field of the `lrat` JSON lines and the same shapes: `pos_id`,
//! `pos`, `neg_id` and `neg` are lists of strings (an unknown text is an empty string).

use std::path::Path;

use polars::prelude::{
    Column, CompatLevel, DataFrame, IntoColumn, KeyValueMetadata, ListChunked, NamedFrom,
    ParquetWriter, SchemaExt, Series,
};

use super::rows::Filled;
use super::texts::DocText;
use crate::error::Error;

/// Columns collected row by row.
#[derive(Default)]
pub struct ParquetRows {
    run_id: Vec<String>,
    browse_step: Vec<u64>,
    search_step: Vec<Option<u64>>,
    query: Vec<String>,
    pos_id: Vec<String>,
    pos: Vec<String>,
    neg_id: Vec<Vec<String>>,
    neg: Vec<Vec<String>>,
    reasoning_len: Vec<u64>,
    satisfied: Vec<bool>,
    reweight_rate: Vec<f64>,
}

impl ParquetRows {
    pub fn push(&mut self, f: &Filled<'_>) {
        let p = f.pair;
        self.run_id.push(p.run_id.clone());
        self.browse_step.push(p.browse_step as u64);
        self.search_step.push(p.search_step.map(|s| s as u64));
        self.query.push(p.query.clone());
        self.pos_id.push(p.pos_id.clone());
        self.pos
            .push(f.pos.as_ref().map(DocText::passage).unwrap_or_default());
        self.neg_id.push(p.neg_id.clone());
        self.neg.push(
            f.neg
                .iter()
                .map(|t| t.as_ref().map(DocText::passage).unwrap_or_default())
                .collect(),
        );
        self.reasoning_len.push(p.reasoning_len.unwrap_or(0) as u64);
        self.satisfied.push(p.satisfied);
        self.reweight_rate.push(p.reweight_rate);
    }

    /// Moves `other`'s rows after these.
    pub fn append(&mut self, mut other: ParquetRows) {
        self.run_id.append(&mut other.run_id);
        self.browse_step.append(&mut other.browse_step);
        self.search_step.append(&mut other.search_step);
        self.query.append(&mut other.query);
        self.pos_id.append(&mut other.pos_id);
        self.pos.append(&mut other.pos);
        self.neg_id.append(&mut other.neg_id);
        self.neg.append(&mut other.neg);
        self.reasoning_len.append(&mut other.reasoning_len);
        self.satisfied.append(&mut other.satisfied);
        self.reweight_rate.append(&mut other.reweight_rate);
    }

    pub fn len(&self) -> usize {
        self.run_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.run_id.is_empty()
    }

    fn frame(self) -> Result<DataFrame, polars::error::PolarsError> {
        let n = self.run_id.len();
        let list = |name: &str, rows: Vec<Vec<String>>| -> Column {
            let series: Vec<Series> = rows
                .into_iter()
                .map(|r| Series::new("".into(), r))
                .collect();
            let mut ca: ListChunked = series.into_iter().map(Some).collect();
            ca.rename(name.into());
            ca.into_column()
        };
        let one = |v: Vec<String>| -> Vec<Vec<String>> { v.into_iter().map(|x| vec![x]).collect() };
        DataFrame::new(
            n,
            vec![
                Column::new("run_id".into(), self.run_id),
                Column::new("browse_step".into(), self.browse_step),
                Column::new("search_step".into(), self.search_step),
                Column::new("query".into(), self.query),
                list("pos_id", one(self.pos_id)),
                list("pos", one(self.pos)),
                list("neg_id", self.neg_id),
                list("neg", self.neg),
                Column::new("reasoning_len".into(), self.reasoning_len),
                Column::new("satisfied".into(), self.satisfied),
                Column::new("reweight_rate".into(), self.reweight_rate),
            ],
        )
    }

    pub fn write(self, path: &Path) -> Result<(), Error> {
        let mut df = self.frame().map_err(|e| frame_error(path, e))?;
        write_frame(&mut df, path)
    }
}

fn frame_error(path: &Path, source: polars::error::PolarsError) -> Error {
    Error::Frame {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a frame as Parquet that every Arrow reader takes as it is. Polars records its own
/// Arrow schema in the file, with string views, and pandas cannot turn a list of string views
/// into a column (older pyarrow cannot read string views at all): the file records the schema in
/// the oldest Arrow form (large strings and lists) instead.
pub fn write_frame(df: &mut DataFrame, path: &Path) -> Result<(), Error> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let arrow = df.schema().to_arrow(CompatLevel::oldest());
    let key = polars_parquet::write::schema_to_metadata_key(&arrow);
    let meta = KeyValueMetadata::from_static(vec![(key.key, key.value.unwrap_or_default())]);
    ParquetWriter::new(file)
        .with_key_value_metadata(Some(meta))
        .finish(df)
        .map_err(|e| frame_error(path, e))?;
    Ok(())
}
