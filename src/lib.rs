//! lrat: Learning to Retrieve from Agent Trajectories.
//!
//! Runs are read into one model ([`run`]), documents live in a tantivy index ([`corpus`]),
//! supervision is mined from runs ([`mine`]) with verdicts ([`verdict`]) and written for
//! trainers ([`export`]), the paper's trajectory analyses are computed over runs ([`stats`]),
//! and the CLI is a thin face over these functions.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cli;
pub mod closed_loop;
pub mod config;
pub mod corpus;
pub mod error;
pub mod experiment;
pub mod export;
pub mod inspect;
pub mod judge;
pub mod labels;
pub mod mine;
pub mod qrels;
pub mod retriever;
pub mod rng;
pub mod run;
pub mod stats;
pub mod synth;
pub mod sys;
pub mod terminal;
pub mod text;
pub mod train;
pub mod tui;
pub mod verdict;
pub mod workspace;

pub use error::{Error, InputError, Result};
