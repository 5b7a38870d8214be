//! The command line: one module a command group, each a thin call into the library.

mod analyse;
mod convert;
mod corpus;
mod experiment;
mod find;
mod judge;
mod labels;
mod mine;
mod open;
mod progress;
mod queue;
mod serve;
mod supervision;
mod synth;
mod train;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::bail;

pub(crate) use supervision::SupervisionArgs;

use crate::qrels::Qrels;
use crate::run::{self, Format, Loaded, Questions, ReadOptions, ToolNames};
use crate::text::inert;
use crate::workspace::{self, Inputs};

#[derive(Debug, Parser)]
#[command(
    name = "lrat",
    version,
    about = "Learning to Retrieve from Agent Trajectories: read agent runs, mine supervision, judge browses, label, and analyse"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Step through runs in the terminal: see what was mined and why, and correct the labels.
    Open(open::OpenArgs),
    /// The paper's trajectory analysis per outcome (Table 1, Fig. 4).
    Stats(analyse::StatsArgs),
    /// A run as readable text: every step, hits marked browsed or unbrowsed.
    Inspect(analyse::InspectArgs),
    /// Mine LRAT training pairs from runs (paper or reference mode), weighted by post-browse
    /// reasoning length.
    Mine(mine::MineArgs),
    /// Write runs of any readable format as ATIF (v1.8) or native lrat JSONL.
    Convert(convert::ConvertArgs),
    /// Judge browses (did the reasoning after each use the page?) or final answers.
    Judge(judge::JudgeArgs),
    /// Find the steps where something was said, searched, browsed or answered, across runs
    /// (from the workspace's run index, built or updated first).
    Find(find::FindArgs),
    /// The review queue: unlabelled browses, those whose verdict is most likely wrong and
    /// moves training most first, with why.
    Queue(queue::QueueArgs),
    /// Human labels: export, import, agreement with a judge, compaction.
    Labels(labels::LabelsArgs),
    /// Simulated runs with known ground truth (corpus, questions, qrels, runs, truth).
    Synth(synth::SynthArgs),
    /// Build a BM25 index (tantivy) from a corpus JSONL (`{docid|id|_id, text|contents, title?}`),
    /// and a model's document embeddings beside it (`--model`), exportable for FAISS (`--export`).
    Index(corpus::IndexArgs),
    /// Search an index built by `lrat index`, with BM25 or a model.
    Search(corpus::SearchArgs),
    /// Serve a retriever (BM25 or a model) to agents: MCP tools `search` and `get_document`
    /// (stdio or streamable HTTP), Search-R1's POST /retrieve, GET /health.
    Serve(serve::ServeArgs),
    /// Fine-tune a dense retriever on mined pairs with the intensity-weighted contrastive loss.
    Train(Box<train::TrainArgs>),
    /// Retrieval quality of a model (and BM25) on pairs or runs: Recall@k, MRR@10, nDCG@10,
    /// evidence recall with qrels.
    Eval(train::EvalArgs),
    /// Controlled experiments on simulated runs (the paper's ablation in miniature).
    Experiment(experiment::ExperimentArgs),
}

pub fn run(cli: Cli) -> color_eyre::Result<()> {
    match cli.command {
        // The main job: the app on the sample; without a terminal, the sample's statistics.
        None => {
            use std::io::IsTerminal;
            let dir = workspace::sample_dir()?;
            if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
                open::OpenArgs::for_sample(dir).run()
            } else {
                eprintln!(
                    "lrat: not a terminal; statistics of {} instead of the app",
                    dir.display()
                );
                analyse::StatsArgs::for_sample(dir).run()
            }
        }
        Some(Command::Open(a)) => a.run(),
        Some(Command::Stats(a)) => a.run(),
        Some(Command::Inspect(a)) => a.run(),
        Some(Command::Mine(a)) => a.run(),
        Some(Command::Convert(a)) => a.run(),
        Some(Command::Judge(a)) => a.run(),
        Some(Command::Queue(a)) => a.run(),
        Some(Command::Find(a)) => a.run(),
        Some(Command::Labels(a)) => a.run(),
        Some(Command::Synth(a)) => a.run(),
        Some(Command::Index(a)) => a.run(),
        Some(Command::Search(a)) => a.run(),
        Some(Command::Serve(a)) => a.run(),
        Some(Command::Train(a)) => a.run(),
        Some(Command::Eval(a)) => a.run(),
        Some(Command::Experiment(a)) => a.run(),
    }
}

/// How runs are read; shared by every command that takes RUNS.
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Force the run format instead of detecting it from content (`stats` and `inspect` also
    /// take it as `--format`).
    #[arg(long = "run-format", value_enum)]
    pub run_format: Option<Format>,
    /// Questions file for runs without `query`/`answer`: a JSON object (id → question, or id →
    /// {question, answer}), a JSON array, JSON lines `{query_id, query, answer}`, or TSV
    /// `id<TAB>question<TAB>answer`.
    #[arg(long)]
    pub questions: Option<PathBuf>,
    /// Tool names that mean search.
    #[arg(long, value_delimiter = ',', default_value = "search")]
    pub search_tools: Vec<String>,
    /// Tool names that mean browse (fetch a document).
    #[arg(long, value_delimiter = ',', default_value = "get_document,visit")]
    pub browse_tools: Vec<String>,
    /// Argument fields holding a search's query.
    #[arg(long, value_delimiter = ',', default_value = "query,queries,q")]
    pub query_fields: Vec<String>,
    /// Argument fields holding a browse's document id.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "docid,doc_id,id,document_id"
    )]
    pub docid_fields: Vec<String>,
    /// Exit 0 even when some runs were rejected.
    #[arg(long)]
    pub keep_going: bool,
}

impl Default for ReadArgs {
    fn default() -> Self {
        let t = ToolNames::default();
        Self {
            run_format: None,
            questions: None,
            search_tools: t.search,
            browse_tools: t.browse,
            query_fields: t.query_fields,
            docid_fields: t.docid_fields,
            keep_going: false,
        }
    }
}

impl ReadArgs {
    pub(crate) fn with_format(mut self, format: Option<Format>) -> Self {
        self.run_format = format.or(self.run_format);
        self
    }

    pub(crate) fn options(&self) -> ReadOptions {
        ReadOptions {
            format: self.run_format,
            tools: ToolNames {
                search: self.search_tools.clone(),
                browse: self.browse_tools.clone(),
                query_fields: self.query_fields.clone(),
                docid_fields: self.docid_fields.clone(),
            },
        }
    }
}

/// Prints up to 20 problems, then how many more there were.
pub(crate) fn print_errors<E: std::fmt::Display>(errors: &[E]) {
    const SHOWN: usize = 20;
    for e in errors.iter().take(SHOWN) {
        eprintln!("error: {}", inert(&e.to_string()));
    }
    if errors.len() > SHOWN {
        eprintln!("… and {} more errors", errors.len() - SHOWN);
    }
}

/// The corpus index named by `--corpus`, else the workspace's (indexed beside a JSONL corpus on
/// first use); also how many corpus lines were rejected.
pub(crate) fn open_corpus(
    explicit: Option<&PathBuf>,
    inputs: &Inputs,
) -> color_eyre::Result<(Option<crate::corpus::DocIndex>, usize)> {
    let Some(c) = explicit
        .or(inputs.index.as_ref())
        .or(inputs.corpus.as_ref())
    else {
        return Ok((None, 0));
    };
    let (ix, errors) = crate::corpus::open_or_build(c)?;
    print_errors(&errors);
    eprintln!(
        "documents from {} ({} in index)",
        c.display(),
        ix.num_docs()
    );
    Ok((Some(ix), errors.len()))
}

/// Loads runs, reporting every rejected input on stderr.
pub(crate) fn load(paths: &[PathBuf], read: &ReadArgs) -> color_eyre::Result<(Loaded, Inputs)> {
    load_with(paths, read, true)
}

/// [`load`]; `warn_duplicates: false` when the paths are run sets to compare, whose runs share
/// ids by design (the same questions, another retriever).
pub(crate) fn load_with(
    paths: &[PathBuf],
    read: &ReadArgs,
    warn_duplicates: bool,
) -> color_eyre::Result<(Loaded, Inputs)> {
    load_summarised(paths, read, warn_duplicates, &|_: &run::Run| (), false).map(|(l, i, _)| (l, i))
}

/// [`load_with`], each run summarised by `summary` as it is read and (with `stub`) kept
/// without its texts ([`run::Run::stub`]); the questions file is applied to the runs kept,
/// after the summaries.
pub(crate) fn load_summarised<T: Send>(
    paths: &[PathBuf],
    read: &ReadArgs,
    warn_duplicates: bool,
    summary: &(dyn Fn(&run::Run) -> T + Sync),
    stub: bool,
) -> color_eyre::Result<(Loaded, Inputs, Vec<T>)> {
    let inputs = workspace::resolve(paths);
    let (mut loaded, summaries) =
        run::load::load_summarised(&inputs.runs, &read.options(), summary, stub)?;
    if let Some(q) = read.questions.as_ref().or(inputs.questions.as_ref()) {
        let (questions, errors) =
            Questions::read(q).map_err(|e| color_eyre::eyre::eyre!("questions file: {e}"))?;
        questions.apply(&mut loaded.runs);
        loaded.errors.extend(errors);
    }
    print_errors(&loaded.errors);
    if loaded.files == 0 && loaded.errors.is_empty() {
        color_eyre::eyre::bail!(
            "{}",
            run::load::no_runs_found(&inputs.runs, &loaded.skipped)
        );
    }
    let renamed = if warn_duplicates {
        loaded.renamed()
    } else {
        Default::default()
    };
    print_renamed(&renamed);
    eprintln!("{}", loaded.summary());
    let questions_given = read.questions.is_some() || inputs.questions.is_some();
    for line in loaded.advisories(questions_given) {
        eprintln!("{line}");
    }
    Ok((loaded, inputs, summaries))
}

/// Says which shared run ids were told apart, and how (a few, then a count).
pub(crate) fn print_renamed(renamed: &[(String, Vec<String>)]) {
    for (id, now) in renamed.iter().take(5) {
        eprintln!(
            "note: run id `{}` is shared by {} runs; each is known by where it came from: {}",
            inert(id),
            now.len(),
            now.iter().map(|n| inert(n)).collect::<Vec<_>>().join(", ")
        );
    }
    if renamed.len() > 5 {
        eprintln!("note: … and {} more shared run ids", renamed.len() - 5);
    }
}

pub(crate) fn finish(loaded: &Loaded, keep_going: bool) -> color_eyre::Result<()> {
    if !loaded.errors.is_empty() && !keep_going {
        bail!(
            "{} input(s) rejected; the rest was processed (pass --keep-going to exit 0)",
            loaded.errors.len()
        );
    }
    Ok(())
}

pub(crate) fn read_qrels(path: &std::path::Path) -> color_eyre::Result<Qrels> {
    let (q, errors) = Qrels::read(path)?;
    for e in errors.iter().take(5) {
        eprintln!("warning: {e}");
    }
    Ok(q)
}
