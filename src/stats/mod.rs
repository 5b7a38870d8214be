//! The paper's trajectory analyses over runs.

pub mod agent;
pub mod outcome;
pub mod report;
pub mod trajectory;

pub use outcome::{Outcome, OutcomeOverrides, OutcomeSource, outcome};
pub use report::{Group, Quantiles, Report};
pub use trajectory::{RunStats, run_stats, run_stats_with, words};
