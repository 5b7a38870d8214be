//! `lrat judge`: browse verdicts (heuristic or LLM) or answer correctness, as JSON lines.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{bail, eyre};

use super::{ReadArgs, finish, load, print_errors};
use crate::config::{self, Config};
use crate::judge::{self, Outcome, answer, heuristic, llm::LlmJudge};

/// Which judge to run (the verdicts then say which decided, as `verdict::JudgeKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WhichJudge {
    /// Offline phrase rules (`assets/judge_rules.txt`); for answers, normalised match.
    Heuristic,
    /// An OpenAI-compatible server (`LRAT_JUDGE_URL`, `LRAT_JUDGE_MODEL`, `OPENAI_API_KEY`).
    Llm,
}

#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// Run files or folders.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output: JSON lines `{run_id, step, docid, verdict, judge, model, rationale}` (the file
    /// `lrat mine --verdicts` reads), or with `--answers` `{run_id, correct, judge, …}`.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "heuristic")]
    judge: WhichJudge,
    /// Judge each run's final answer instead of its browses.
    #[arg(long)]
    answers: bool,
    /// Phrase rules for the heuristic judge (default: the built-in `assets/judge_rules.txt`).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Prompt template for the LLM judge (placeholders `{question}`, `{document}`, `{reasoning}`).
    #[arg(long)]
    prompt: Option<PathBuf>,
    /// Server base URL (overrides config and `LRAT_JUDGE_URL`).
    #[arg(long)]
    url: Option<String>,
    /// Model name (overrides config and `LRAT_JUDGE_MODEL`).
    #[arg(long)]
    model: Option<String>,
    /// Requests in flight.
    #[arg(long)]
    concurrency: Option<usize>,
    /// Seconds per request.
    #[arg(long)]
    timeout: Option<u64>,
    /// Attempts per browse before it is left pending.
    #[arg(long)]
    attempts: Option<u32>,
    /// First backoff between attempts, in milliseconds (doubles each time, with jitter).
    #[arg(long)]
    backoff_ms: Option<u64>,
    /// Cache folder for LLM answers (default: the user cache folder; `LRAT_CACHE_DIR`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Ask the server even when the cache has an answer.
    #[arg(long)]
    no_cache: bool,
    /// Also write the browses left pending, as JSON lines.
    #[arg(long)]
    pending: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
}

impl JudgeArgs {
    fn llm(&self) -> color_eyre::Result<LlmJudge> {
        let mut cfg = Config::load()?.judge;
        if let Some(u) = &self.url {
            cfg.url = u.clone();
        }
        if let Some(m) = &self.model {
            cfg.model = m.clone();
        }
        if let Some(c) = self.concurrency {
            cfg.concurrency = c;
        }
        if let Some(t) = self.timeout {
            cfg.timeout_secs = t;
        }
        if let Some(a) = self.attempts {
            cfg.attempts = a;
        }
        if let Some(b) = self.backoff_ms {
            cfg.backoff_ms = b;
        }
        let template = match &self.prompt {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| eyre!("{}: {e}", p.display()))?),
            None => None,
        };
        let cache_dir = self.cache.clone().unwrap_or_else(config::cache_dir);
        let j = LlmJudge::from_settings(cfg, template, (!self.no_cache).then_some(&*cache_dir))?;
        eprintln!("judging with {}", j.describe());
        Ok(j)
    }

    pub fn run(self) -> color_eyre::Result<()> {
        let (loaded, _) = load(&self.runs, &self.read)?;
        if self.answers {
            return self.run_answers(&loaded);
        }
        let inputs = judge::browse_inputs(&loaded.runs);
        let outcomes: Vec<Outcome> = match self.judge {
            WhichJudge::Heuristic => {
                let rules = match &self.rules {
                    Some(p) => heuristic::Rules::read(p)?,
                    None => heuristic::Rules::default_rules(),
                };
                inputs
                    .iter()
                    .map(|i| Outcome::Judged {
                        judgement: heuristic::judge(&rules, i),
                        cached: false,
                    })
                    .collect()
            }
            WhichJudge::Llm => {
                let j = self.llm()?;
                let bar = progress(inputs.len() as u64)?;
                let out = j.judge_all(&inputs, &|done, _| bar.set_position(done as u64));
                bar.finish_and_clear();
                out
            }
        };
        let mut judged = Vec::new();
        let mut pending = Vec::new();
        let mut cached = 0;
        for o in &outcomes {
            match o {
                Outcome::Judged {
                    judgement,
                    cached: c,
                } => {
                    judged.push(judgement);
                    cached += usize::from(*c);
                }
                Outcome::Pending(p) => pending.push(p),
            }
        }
        crate::verdict::VerdictFile::new(&self.out).write(&judged)?;
        let rejected = judged
            .iter()
            .filter(|j| j.verdict == crate::verdict::Verdict::NotRelevant)
            .count();
        eprintln!(
            "judged {} browses ({} from cache): {} relevant, {} not relevant, {} pending; wrote {}",
            judged.len(),
            cached,
            judged.len() - rejected,
            rejected,
            pending.len(),
            self.out.display()
        );
        if !pending.is_empty() {
            let lines: Vec<String> = pending
                .iter()
                .map(|p| {
                    format!(
                        "pending {}:{} ({}): {}",
                        p.run_id, p.step, p.docid, p.reason
                    )
                })
                .collect();
            print_errors(&lines);
            if let Some(path) = &self.pending {
                let mut f =
                    std::fs::File::create(path).map_err(|e| eyre!("{}: {e}", path.display()))?;
                for p in &pending {
                    writeln!(f, "{}", serde_json::to_string(p)?)?;
                }
            }
            if !self.read.keep_going {
                bail!(
                    "{} left pending, not labelled; rerun to retry them (answers already given come from the cache)",
                    crate::text::count(pending.len(), "browse")
                );
            }
        }
        finish(&loaded, self.read.keep_going)
    }

    fn run_answers(&self, loaded: &crate::run::Loaded) -> color_eyre::Result<()> {
        let rows: Vec<answer::AnswerJudgement> = match self.judge {
            WhichJudge::Heuristic => loaded.runs.iter().map(answer::match_judge).collect(),
            WhichJudge::Llm => {
                let j = self.llm()?;
                let bar = progress(loaded.runs.len() as u64)?;
                let rows = loaded
                    .runs
                    .iter()
                    .map(|r| {
                        let a = answer::llm_judge(&j, r);
                        bar.inc(1);
                        a
                    })
                    .collect();
                bar.finish_and_clear();
                rows
            }
        };
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(&self.out).map_err(|e| eyre!("{}: {e}", self.out.display()))?,
        );
        for r in &rows {
            writeln!(f, "{}", serde_json::to_string(r)?)?;
        }
        f.flush()?;
        let yes = rows.iter().filter(|r| r.correct == Some(true)).count();
        let no = rows.iter().filter(|r| r.correct == Some(false)).count();
        eprintln!(
            "judged {} answers: {yes} correct, {no} incorrect, {} undecided; wrote {}",
            rows.len(),
            rows.len() - yes - no,
            self.out.display()
        );
        finish(loaded, self.read.keep_going)
    }
}

fn progress(n: u64) -> color_eyre::Result<indicatif::ProgressBar> {
    Ok(indicatif::ProgressBar::new(n).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} judging [{bar:30}] {pos}/{len} {per_sec} eta {eta}",
        )
        .map_err(|e| eyre!("progress template: {e}"))?
        .progress_chars("=> "),
    ))
}
