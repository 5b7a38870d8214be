//! One JSON row a pair, in each trainer's schema, and what each schema cannot hold.

use serde_json::{Map, Value, json};

use super::texts::DocText;
use crate::mine::Pair;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The authors' LRAT-Train schema plus provenance (JSON lines); keeps rejected browses of
    /// reference mode as `satisfied: false`.
    Lrat,
    /// FlagEmbedding's fine-tuning schema (JSON lines).
    Flagembedding,
    /// Tevatron's schema (JSON lines).
    Tevatron,
    /// sentence-transformers columns `anchor`, `positive`, `negative_1..K` (JSON lines), K fixed.
    St,
    /// Every field of the `lrat` schema, as Parquet.
    Parquet,
}

impl ExportFormat {
    /// The name the command line uses.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Lrat => "lrat",
            ExportFormat::Flagembedding => "flagembedding",
            ExportFormat::Tevatron => "tevatron",
            ExportFormat::St => "st",
            ExportFormat::Parquet => "parquet",
        }
    }

    /// Whether the schema can say a row is a rejected browse (`satisfied: false`).
    pub fn carries_rejected(self) -> bool {
        matches!(self, ExportFormat::Lrat | ExportFormat::Parquet)
    }
}

/// A format and its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// `st`: every row has exactly this many negatives; rows with fewer are left out.
    pub st_negatives: usize,
}

/// The default number of negatives a sentence-transformers row carries.
pub const ST_NEGATIVES: usize = 3;

impl ExportOptions {
    pub fn new(format: ExportFormat) -> Self {
        ExportOptions {
            format,
            st_negatives: ST_NEGATIVES,
        }
    }
}

/// Why a row was left out of a format that cannot hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// A rejected browse (reference mode) in a format that would read it as a positive.
    Rejected,
    NoPositiveText,
    /// Fewer negatives with text than the format needs.
    TooFewNegatives,
}

/// A pair with its texts looked up.
pub struct Filled<'a> {
    pub pair: &'a Pair,
    pub pos: Option<DocText>,
    /// Aligned with `pair.neg_id`.
    pub neg: Vec<Option<DocText>>,
}

impl Filled<'_> {
    fn known_negs(&self) -> impl Iterator<Item = (&String, &DocText)> {
        self.pair
            .neg_id
            .iter()
            .zip(&self.neg)
            .filter_map(|(id, t)| t.as_ref().map(|t| (id, t)))
    }

    /// The row for `opts.format` (not Parquet), or why it was left out.
    pub fn row(&self, opts: &ExportOptions) -> Result<Value, Skip> {
        let p = self.pair;
        if !p.satisfied && !opts.format.carries_rejected() {
            return Err(Skip::Rejected);
        }
        let pos_text = self.pos.as_ref().map(DocText::passage);
        match opts.format {
            ExportFormat::Lrat | ExportFormat::Parquet => {
                let mut m = Map::new();
                m.insert("run_id".into(), json!(p.run_id));
                m.insert("browse_step".into(), json!(p.browse_step));
                if let Some(s) = p.search_step {
                    m.insert("search_step".into(), json!(s));
                }
                m.insert("query".into(), json!(p.query));
                m.insert("pos_id".into(), json!([p.pos_id]));
                m.insert("neg_id".into(), json!(p.neg_id));
                m.insert("pos".into(), json!([pos_text.unwrap_or_default()]));
                let neg: Vec<String> = self
                    .neg
                    .iter()
                    .map(|t| t.as_ref().map(DocText::passage).unwrap_or_default())
                    .collect();
                m.insert("neg".into(), json!(neg));
                m.insert("reasoning_len".into(), json!(p.reasoning_len.unwrap_or(0)));
                m.insert("satisfied".into(), json!(p.satisfied));
                m.insert("reweight_rate".into(), json!(p.reweight_rate));
                Ok(Value::Object(m))
            }
            ExportFormat::Flagembedding => {
                let pos = pos_text.ok_or(Skip::NoPositiveText)?;
                let (ids, texts): (Vec<&String>, Vec<String>) =
                    self.known_negs().map(|(id, t)| (id, t.passage())).unzip();
                if texts.is_empty() {
                    return Err(Skip::TooFewNegatives);
                }
                Ok(json!({
                    "query": p.query, "pos": [pos], "neg": texts, "reweight_rate": p.reweight_rate,
                    "pos_id": [p.pos_id], "neg_id": ids, "run_id": p.run_id, "browse_step": p.browse_step,
                }))
            }
            ExportFormat::Tevatron => {
                let pos = self.pos.as_ref().ok_or(Skip::NoPositiveText)?;
                let passage = |id: &str, t: &DocText| json!({"docid": id, "title": t.title.clone().unwrap_or_default(), "text": t.text});
                let negs: Vec<Value> = self.known_negs().map(|(id, t)| passage(id, t)).collect();
                if negs.is_empty() {
                    return Err(Skip::TooFewNegatives);
                }
                Ok(json!({
                    "query_id": format!("{}:{}", p.run_id, p.browse_step),
                    "query": p.query,
                    "positive_passages": [passage(&p.pos_id, pos)],
                    "negative_passages": negs,
                }))
            }
            ExportFormat::St => {
                let pos = pos_text.ok_or(Skip::NoPositiveText)?;
                let negs: Vec<String> = self
                    .known_negs()
                    .take(opts.st_negatives)
                    .map(|(_, t)| t.passage())
                    .collect();
                if negs.len() < opts.st_negatives {
                    return Err(Skip::TooFewNegatives);
                }
                let mut m = Map::new();
                m.insert("anchor".into(), json!(p.query));
                m.insert("positive".into(), json!(pos));
                for (i, t) in negs.into_iter().enumerate() {
                    m.insert(format!("negative_{}", i + 1), json!(t));
                }
                // sentence-transformers hands its `label` column to the loss: the weight.
                m.insert("label".into(), json!(p.reweight_rate));
                Ok(Value::Object(m))
            }
        }
    }
}
