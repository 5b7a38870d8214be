//! Writing mined pairs for trainers: LRAT-Train JSON lines, FlagEmbedding, Tevatron,
//! sentence-transformers, and Parquet; the documents' texts; mining many files for export.

pub mod job;
mod parquet;
mod rows;
mod texts;
mod write;

pub use job::{MinedFiles, mine_files};
pub use parquet::{ParquetRows, write_frame};
pub use rows::{ExportFormat, ExportOptions, Filled, ST_NEGATIVES, Skip};
pub use texts::{DocText, RunTexts, TextSource};
pub use write::{WriteReport, write_pairs};
