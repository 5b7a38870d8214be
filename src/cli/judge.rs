//! `lrat judge`: browse verdicts (heuristic or LLM) or answer correctness, as JSON lines.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{bail, eyre};

use super::{ReadArgs, finish, load, print_errors};
use crate::config::{self, Config};
use crate::judge::{self, Outcome, answer, heuristic, llm::LlmJudge};

#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// Run files or folders.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output: JSON lines `{run_id, step, docid, verdict, judge, model, rationale}` (the file
    /// `lrat mine --verdicts` reads), or with `--answers` `{run_id, correct, judge, …}`.
    #[arg(long)]
    out: PathBuf,
    /// `heuristic`, `llm` (the `[judge]` settings), or the name of an LLM judge in config.toml's
    /// `[judges.NAME]`; several (`--judge heuristic,llm`) write every judge's verdicts on the same
    /// browses into one file, each line naming its judge and model.
    #[arg(long, value_delimiter = ',', default_value = "heuristic")]
    judge: Vec<String>,
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
    /// Answers sampled per browse when the server gives no log-probabilities: the verdict is
    /// their majority, the probability of relevant their share (config: `votes`).
    #[arg(long)]
    votes: Option<u32>,
    /// Do not ask for the verdict token's log-probability (config: `logprobs`).
    #[arg(long)]
    no_logprobs: bool,
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

/// One judge `--judge` named.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chosen {
    Heuristic,
    /// `None`: the `[judge]` settings; `Some(name)`: `[judges.NAME]`.
    Llm(Option<String>),
}

impl JudgeArgs {
    /// The config, read only when an LLM judge is asked for (the heuristic needs none, so a
    /// broken config.toml does not stop it).
    fn config(&self) -> color_eyre::Result<Config> {
        if self.judge.iter().all(|j| j.trim() == "heuristic") {
            // The built-in settings only.
            return Ok(Config::load_from(std::path::Path::new(""))?);
        }
        Ok(Config::load()?)
    }

    /// The judges `--judge` names, checked against the config.
    fn chosen(&self, config: &Config) -> color_eyre::Result<Vec<Chosen>> {
        let mut out = Vec::new();
        for name in &self.judge {
            let c = match name.trim() {
                "heuristic" => Chosen::Heuristic,
                "llm" => Chosen::Llm(None),
                n if config.judges.contains_key(n) => Chosen::Llm(Some(n.to_string())),
                n => bail!(
                    "--judge {n}: not heuristic, llm, or a judge named in {} ([judges.NAME]){}",
                    config::config_dir().join("config.toml").display(),
                    if config.judges.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; named there: {}",
                            config.judges.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    }
                ),
            };
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn llm(&self, config: &Config, name: Option<&str>) -> color_eyre::Result<LlmJudge> {
        let mut cfg = match name {
            Some(n) => config
                .named_judge(n)
                .ok_or_else(|| eyre!("no [judges.{n}] in the config"))?,
            None => config.judge.clone(),
        };
        if let Some(v) = self.votes {
            cfg.votes = v.max(1);
        }
        if self.no_logprobs {
            cfg.logprobs = false;
        }
        if name.is_some() {
            return self.finish_llm(cfg);
        }
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
        self.finish_llm(cfg)
    }

    fn finish_llm(&self, cfg: crate::config::JudgeConfig) -> color_eyre::Result<LlmJudge> {
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
        let config = self.config()?;
        let mut outcomes: Vec<Outcome> = Vec::new();
        for chosen in self.chosen(&config)? {
            match chosen {
                Chosen::Heuristic => {
                    let rules = match &self.rules {
                        Some(p) => heuristic::Rules::read(p)?,
                        None => heuristic::Rules::default_rules(),
                    };
                    outcomes.extend(inputs.iter().map(|i| Outcome::Judged {
                        judgement: heuristic::judge(&rules, i),
                        cached: false,
                    }));
                }
                Chosen::Llm(name) => {
                    let j = self.llm(&config, name.as_deref())?;
                    let bar = progress(inputs.len() as u64)?;
                    outcomes.extend(j.judge_all(&inputs, &|done, _| bar.set_position(done as u64)));
                    bar.finish_and_clear();
                }
            }
        }
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
        let judges = match self.judge.len() {
            1 => String::new(),
            n => format!(" ({n} judges on {} browses)", inputs.len()),
        };
        eprintln!(
            "judged {} browses{judges} ({} from cache): {} relevant, {} not relevant, {} pending; wrote {}",
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
        let config = self.config()?;
        let chosen = match self.chosen(&config)?.as_slice() {
            [one] => one.clone(),
            _ => bail!("--answers takes one judge (--judge heuristic, llm or a named one)"),
        };
        let rows: Vec<answer::AnswerJudgement> = match chosen {
            Chosen::Heuristic => loaded.runs.iter().map(answer::match_judge).collect(),
            Chosen::Llm(name) => {
                let j = self.llm(&config, name.as_deref())?;
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
