//! lrat: Learning to Retrieve from Agent Trajectories.
//!
//! # Reading this code
//!
//! The library does the work; the CLI ([`cli`]) and the terminal app ([`tui`]) are thin faces
//! over it. Modules read bottom-up, each layer using only those below it (a test,
//! `tests/it/layers.rs`, fails on any module that imports one that imports it back):
//!
//! 1. **Runs** ([`run`]): every run format read into one model ([`run::Run`]): steps,
//!    searches with their hits, browses, answers. One function per format builds it, and
//!    every record goes through `run::load::parse_record`, which also sets the run's id as the
//!    file gave it (`query_id`) and links browses that name a hit by its title. A run's
//!    identity across files is [`run::identity`].
//! 2. **Documents and labels**: the corpus index ([`corpus`]), evidence judgements ([`qrels`]),
//!    human labels in an append-only journal ([`labels`]) and judge verdicts
//!    ([`verdict`], read and written only through [`verdict::VerdictFile`]; several judges'
//!    opinions kept apart in [`verdict::Opinions`] and combined by the one rule,
//!    `verdict::Opinions::decide`, into what [`verdict::Panel`] gives every reader). The
//!    effective verdict of a browse (human ?? judge ?? default) is [`labels::Effective`].
//! 3. **Mining** ([`mine`]): the one derivation of pairs from a run and its labels
//!    (`mine::mine_run`), the weights of Eq. 3, paper and reference modes.
//! 4. **Exports and statistics** ([`export`], [`stats`]): pairs written in the trainers' own
//!    formats; the paper's trajectory analyses and the agent figures (success, evidence
//!    recall, search calls).
//! 5. **Judges** ([`judge`]): the heuristic phrase rules and the LLM judge, both giving
//!    [`verdict::Judgement`]s; which judge decided is [`verdict::JudgeKind`].
//! 6. **Retrieval and training**: one retriever interface ([`retriever::Retriever`]: BM25 and
//!    dense models) used by search, evaluation and the simulator; training ([`train`]) with
//!    its settings checked by one function (`train::worker::TrainConfig::validate`) and what
//!    it evaluates named by [`train::eval::System`], its events folded by
//!    [`train::progress::Progress`] for every reader; the simulated agent ([`synth`]), the
//!    closed loop ([`closed_loop`]) and the ablation ([`experiment`]); the review queue
//!    ([`review`]: which unlabelled browse a person should label first, and the experiment that
//!    measures that order against file and random order).
//! 7. **Faces**: [`cli`] (one module per command, `run() -> Result`), [`tui`], and [`serve`]
//!    (a retriever served to agents over MCP and HTTP; its requests checked, answered and
//!    logged in `serve::Service`, which the MCP and HTTP modules only translate).
//!
//! # Where each concept lives
//!
//! - a successful browse: `run::Browse::succeeded`;
//! - a document's passage text (title, newline, text): [`text::passage`];
//! - a stable hash of strings: [`text::stable_hash`];
//! - a run's identity, and the question id files and qrels use: [`run::identity`],
//!   `run::Run::query_id`;
//! - the verdicts files beside the labels, read by the app and the commands alike:
//!   `labels::verdicts_files`; which judge's verdict counts: `verdict::Opinions::decide`;
//! - how likely a verdict in force is wrong, and what its label moves in training:
//!   `review::priority::estimate`;
//! - the held-out split of runs: `train::data::TrainSet::split`;
//! - a browse without a verdict once a judge has spoken is *unjudged*
//!   ([`labels::effective::Unjudged`]); the Runs and Pairs screens count the same browses;
//! - errors: [`Error`], with typed variants for models ([`error::ModelError`]) and
//!   training ([`error::TrainError`]); bad records are [`InputError`]s naming file, line and
//!   column.
//!
//! # The app
//!
//! - **Shared state**: [`tui::app::App`] keeps what every screen shares (the runs, what was
//!   mined from them, the labels and verdicts, the mining settings, the jobs) in private fields
//!   behind methods. Every key and job event is a [`tui::app::Msg`] given to `App::update`;
//!   drawing ([`tui::draw`]) is a pure function of the app.
//! - **Screens are components**: each screen lives in `tui/screens/<name>/` with its state
//!   (`mod.rs`) and its drawing (`view.rs`) and implements [`tui::component::Component`]: it
//!   handles an action (or a raw key, a click) given a read-only
//!   [`tui::component::Context`] and answers with a [`tui::component::Effect`] that the app
//!   carries out (open a run, label, ask first, start a job); it draws from its own state and
//!   the same context. No screen names the app (a test checks it). The judge's dialog and job
//!   ([`tui::screens::judge::Judging`]) are a component too.
//! - **One job shape**: loading, judging, training and the closed loop each start through
//!   [`tui::jobs::start`]: their work reports typed events (progress, then the result) through
//!   a [`tui::jobs::Reporter`] and polls its cancel flag; with the app's channel it runs on a
//!   thread and its events arrive as messages, without one (tests) it runs inline and its
//!   events come back in order.
#![cfg_attr(test, allow(clippy::unwrap_used))]

/// mimalloc: the app and the commands allocate millions of small strings (runs' shells, pairs);
/// it makes re-opening a large workspace about a third faster than the system allocator, and
/// holds less memory doing it (README, Benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod cli;
pub mod closed_loop;
pub mod compare;
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
pub mod review;
pub mod rng;
pub mod run;
pub mod runindex;
pub mod serve;
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
