//! `lrat stats` and `lrat inspect`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::bail;

use super::{ReadArgs, finish, load, print_errors, read_qrels};
use crate::inspect::{self, InspectOptions};
use crate::judge::answer::read_answers;
use crate::labels::{self, Journal};
use crate::run::Format;
use crate::run::Run;
use crate::stats::agent::{AgentFigures, Comparison, served_by};
use crate::stats::{OutcomeOverrides, Report, RunStats};

/// The runs of each path given, by the path they were read from (a run under two of the paths
/// goes to the first).
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Run files or folders (a folder means every run file under it). Several are several run
    /// sets (e.g. the same questions run with different retrievers), shown side by side with
    /// success, evidence recall and search calls paired over the questions they share.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Read several paths as one run set (e.g. files a shell glob listed).
    #[arg(long)]
    merge: bool,
    /// TREC qrels (`qid Q0 docid rel`) for evidence recall.
    #[arg(long)]
    qrels: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Also write one row a run to this Parquet file.
    #[arg(long)]
    parquet: Option<PathBuf>,
    /// Answer judgements (`lrat judge --answers`) that decide outcomes before the runs' own.
    #[arg(long)]
    answers: Option<PathBuf>,
    /// Human labels (run correctness wins over everything; default `.lrat/` beside the data).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Force the run format (same as `--run-format`).
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    read: ReadArgs,
}

impl StatsArgs {
    pub fn for_sample(dir: PathBuf) -> Self {
        StatsArgs {
            runs: vec![dir],
            merge: false,
            qrels: None,
            json: false,
            parquet: None,
            answers: None,
            labels: None,
            format: None,
            read: ReadArgs::default(),
        }
    }

    pub fn run(self) -> color_eyre::Result<()> {
        let read = self.read.with_format(self.format);
        let comparing = self.runs.len() > 1 && !self.merge;
        let explicit_qrels = self.qrels.is_some();
        let qrels = self
            .qrels
            .clone()
            .or(crate::workspace::resolve(&self.runs).qrels)
            .map(|p| read_qrels(&p))
            .transpose()?;
        // Each workspace's own qrels when comparing, unless --qrels names one for all.
        let mut set_qrels = Vec::new();
        for path in &self.runs {
            let own = path.join("qrels.txt");
            set_qrels.push(if comparing && !explicit_qrels && own.is_file() {
                Some(read_qrels(&own)?)
            } else {
                qrels.clone()
            });
        }
        // Each run's figures are taken as its file is read, and only the runs' shapes are kept
        // (memory holds figures, not texts); outcomes are settled below, once ids, labels and
        // the questions file are known.
        let runs_paths = self.runs.clone();
        let summary = |r: &Run| {
            let q = runs_paths
                .iter()
                .position(|p| r.source.path.starts_with(p))
                .and_then(|i| set_qrels[i].as_ref());
            crate::stats::run_stats(r, q)
        };
        let (loaded, _, mut all_stats) =
            super::load_summarised(&self.runs, &read, !comparing, &summary, true)?;
        let mut overrides = OutcomeOverrides::default();
        let mut rejected = 0;
        if let Some(p) = &self.answers {
            let (map, errors) = read_answers(p)?;
            print_errors(&errors);
            rejected += errors.len();
            overrides.judge = map;
        }
        if let Some(d) = self
            .labels
            .clone()
            .or_else(|| labels::existing_dir(&self.runs))
        {
            let (j, report) = Journal::open(&d)?;
            print_errors(&report.problems);
            overrides.human = j.run_correctness();
        }
        for (s, r) in all_stats.iter_mut().zip(&loaded.runs) {
            s.run_id = r.id.clone();
            (s.outcome, s.outcome_source) = overrides.outcome(r);
        }
        let mut out = std::io::stdout().lock();
        if comparing {
            let mut figures: Vec<(AgentFigures, Vec<RunStats>)> = Vec::new();
            for (i, path) in self.runs.iter().enumerate() {
                let name = path.display().to_string();
                let mine: Vec<usize> = (0..loaded.runs.len())
                    .filter(|&k| {
                        self.runs
                            .iter()
                            .position(|p| loaded.runs[k].source.path.starts_with(p))
                            == Some(i)
                    })
                    .collect();
                let stats: Vec<RunStats> = mine.iter().map(|&k| all_stats[k].clone()).collect();
                let served = served_by(mine.iter().map(|&k| &loaded.runs[k]));
                figures.push((AgentFigures::of(&name, served, &stats), stats));
            }
            let comparison = Comparison::new(&figures);
            if self.json {
                serde_json::to_writer_pretty(&mut out, &comparison)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", comparison.render())?;
            }
            if self.parquet.is_some() {
                bail!("--parquet writes one run set; give one path, or --merge");
            }
            return finish(&loaded, read.keep_going);
        }
        let served = served_by(&loaded.runs);
        let report = Report::from_stats(all_stats, served, qrels.is_some());
        if self.json {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", report.render())?;
            let name = self
                .runs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let one = AgentFigures {
                name,
                ..report.agent.clone()
            };
            write!(out, "\n{}", Comparison::new(&[(one, Vec::new())]).render())?;
        }
        if let Some(p) = self.parquet {
            report.write_parquet(&p)?;
            eprintln!("wrote {} rows to {}", report.runs.len(), p.display());
        }
        if rejected > 0 && !read.keep_going {
            bail!("{rejected} answer line(s) rejected");
        }
        finish(&loaded, read.keep_going)
    }
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A run file (or a folder); two run sets (files or folders) to compare their runs of one
    /// question side by side (`--run ID`; without it every question both ran).
    #[arg(required = true, num_args = 1..=2)]
    files: Vec<PathBuf>,
    /// Which run, for files holding several (default: all).
    #[arg(long)]
    run: Option<String>,
    /// Show documents and snippets whole.
    #[arg(long)]
    full: bool,
    #[arg(skip)]
    file: PathBuf,
    /// TREC qrels: flag evidence documents.
    #[arg(long)]
    qrels: Option<PathBuf>,
    /// Force the run format (same as `--run-format`).
    #[arg(long, value_enum)]
    format: Option<Format>,
    #[command(flatten)]
    read: ReadArgs,
}

impl InspectArgs {
    pub fn run(mut self) -> color_eyre::Result<()> {
        if self.files.len() == 2 {
            return self.compare();
        }
        self.file = self.files.remove(0);
        self.one()
    }

    /// Two run sets' runs of the same questions, side by side.
    fn compare(&self) -> color_eyre::Result<()> {
        let read = self.read.clone().with_format(self.format);
        let (a, ia) = super::load_with(std::slice::from_ref(&self.files[0]), &read, false)?;
        let (b, ib) = super::load_with(std::slice::from_ref(&self.files[1]), &read, false)?;
        let qrels = self
            .qrels
            .clone()
            .or(ia.qrels)
            .or(ib.qrels)
            .map(|p| read_qrels(&p))
            .transpose()?;
        let find = |runs: &[crate::run::Run], id: &str| {
            runs.iter()
                .find(|r| r.id == id)
                .or_else(|| runs.iter().find(|r| crate::run::identity::names(r, id)))
                .cloned()
        };
        // An id names the question: the other set's run of it is found by the id its file
        // gave, when the id named (a workspace's `set/q0/q0`) is this set's alone.
        let named = |id: &str| {
            let (x, y) = (find(&a.runs, id), find(&b.runs, id));
            let x = x.or_else(|| find(&a.runs, &y.as_ref()?.query_id));
            let y = y.or_else(|| find(&b.runs, &x.as_ref()?.query_id));
            (x, y)
        };
        let pairs: Vec<(crate::run::Run, crate::run::Run)> = match &self.run {
            Some(id) => match named(id) {
                (Some(x), Some(y)) => vec![(x, y)],
                (x, _) => bail!(
                    "no run `{id}` in {}",
                    self.files[usize::from(x.is_some())].display()
                ),
            },
            None => a
                .runs
                .iter()
                .filter_map(|x| find(&b.runs, &x.query_id).map(|y| (x.clone(), y)))
                .collect(),
        };
        if pairs.is_empty() {
            bail!(
                "{} and {} have no question in common (runs are matched by the id their files give)",
                self.files[0].display(),
                self.files[1].display()
            );
        }
        let width = crossterm::terminal::size()
            .map_or(120, |(w, _)| usize::from(w))
            .max(60);
        let mut out = std::io::stdout().lock();
        for (i, (x, y)) in pairs.iter().enumerate() {
            if i > 0 {
                writeln!(out, "\n{}\n", "═".repeat(width.min(120)))?;
            }
            write!(
                out,
                "{}",
                crate::compare::Comparison::of(x, y, qrels.as_ref()).render(width)
            )?;
        }
        finish(&a, read.keep_going)?;
        finish(&b, read.keep_going)
    }

    fn one(self) -> color_eyre::Result<()> {
        let read = self.read.with_format(self.format);
        let (loaded, inputs) = load(std::slice::from_ref(&self.file), &read)?;
        let qrels = self
            .qrels
            .or(inputs.qrels)
            .map(|p| read_qrels(&p))
            .transpose()?;
        let runs: Vec<_> = match &self.run {
            Some(id) => {
                let exact: Vec<_> = loaded.runs.iter().filter(|r| &r.id == id).collect();
                // An id qualified by its file's path, as a workspace of several run sets
                // shows it (`bm25/runs/q0/q0`), names the run when its file is read alone.
                if exact.is_empty() && id.contains('/') {
                    loaded
                        .runs
                        .iter()
                        .filter(|r| crate::run::identity::names(r, id))
                        .collect()
                } else {
                    exact
                }
            }
            None => loaded.runs.iter().collect(),
        };
        if runs.is_empty() {
            match self.run {
                Some(id) => {
                    // Runs from several files that share the id are known by their file.
                    let like: Vec<&str> = loaded
                        .runs
                        .iter()
                        .filter(|r| r.query_id == id)
                        .map(|r| r.id.as_str())
                        .collect();
                    if like.is_empty() {
                        bail!("no run `{id}` in {}", self.file.display())
                    }
                    bail!(
                        "no run `{id}` in {}: runs from several files share that id; name one of {}",
                        self.file.display(),
                        like.join(", ")
                    )
                }
                None => bail!("no runs loaded from {}", self.file.display()),
            }
        }
        let mut out = std::io::stdout().lock();
        for (i, r) in runs.iter().enumerate() {
            if i > 0 {
                writeln!(out, "\n{}\n", "─".repeat(60))?;
            }
            write!(
                out,
                "{}",
                inspect::render(r, qrels.as_ref(), InspectOptions { full: self.full })
            )?;
        }
        finish(&loaded, read.keep_going)
    }
}
