//! Browse verdicts as files carry them: JSON lines `{"run_id", "step", "verdict", ...}`, the
//! format `lrat judge` writes and `lrat mine --verdicts` reads. A file may hold several judges'
//! verdicts on the same browses (each line names its `judge` and `model`); [`opinions`] keeps
//! them apart and combines them by one rule.

pub mod opinions;

pub use opinions::{Combine, JudgeId, Opinion, Opinions, Panel, Rule};

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};

/// Whether the agent's reasoning after a browse used the page or rejected it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Relevant,
    NotRelevant,
}

impl Verdict {
    /// As files write it.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Relevant => "relevant",
            Verdict::NotRelevant => "not_relevant",
        }
    }

    /// As the app shows it (the same word everywhere: relevant, not relevant).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Relevant => "relevant",
            Verdict::NotRelevant => "not relevant",
        }
    }
}

#[derive(Deserialize)]
struct Row {
    run_id: crate::run::lenient::Text,
    step: usize,
    verdict: String,
    #[serde(default)]
    judge: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    rationale: Option<String>,
    #[serde(default)]
    p_relevant: Option<f64>,
}

/// One line of a verdicts file read: the run, the browse step and what the judge said; `None`
/// for a blank line.
fn parse_line(
    path: &Path,
    i: usize,
    line: &str,
) -> Result<Option<(String, usize, JudgeId, Opinion)>, InputError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let row: Row =
        serde_json::from_str(line).map_err(|e| InputError::from_json(path, i + 1, &e))?;
    let verdict = match row.verdict.trim().to_ascii_lowercase().as_str() {
        "relevant" => Verdict::Relevant,
        "not_relevant" | "not relevant" | "irrelevant" => Verdict::NotRelevant,
        other => {
            return Err(InputError::new(
                path,
                format!("verdict `{other}`: expected `relevant` or `not_relevant`"),
            )
            .at_line(i + 1));
        }
    };
    let Some(run_id) = row.run_id.0 else {
        return Err(InputError::new(path, "`run_id` is null").at_line(i + 1));
    };
    if let Some(p) = row.p_relevant
        && !(0.0..=1.0).contains(&p)
    {
        return Err(InputError::new(
            path,
            format!("p_relevant {p}: a probability is from 0 to 1"),
        )
        .at_line(i + 1));
    }
    if let Some(p) = row.p_relevant {
        let contradicts = match verdict {
            Verdict::Relevant => p < 0.5,
            Verdict::NotRelevant => p > 0.5,
        };
        if contradicts {
            return Err(InputError::new(
                path,
                format!(
                    "p_relevant {p} contradicts verdict `{}` (a probability of relevant {} 0.5)",
                    verdict.name(),
                    if p < 0.5 { "below" } else { "above" }
                ),
            )
            .at_line(i + 1));
        }
    }
    let id = JudgeId {
        judge: JudgeKind::from(row.judge.unwrap_or_default()),
        model: row.model.unwrap_or_default(),
    };
    let opinion = Opinion {
        judge: 0,
        verdict,
        p_relevant: row.p_relevant,
        rationale: row.rationale,
    };
    Ok(Some((run_id, row.step, id, opinion)))
}

/// Which judge decided: lrat's heuristic phrase rules, the LLM judge, or another named in a
/// verdicts file written elsewhere. Written as `heuristic`, `llm` or the other's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum JudgeKind {
    Heuristic,
    Llm,
    /// A judge lrat does not know by name (empty when the file named none).
    Other(String),
    #[default]
    Unnamed,
}

impl JudgeKind {
    pub fn name(&self) -> &str {
        match self {
            JudgeKind::Heuristic => "heuristic",
            JudgeKind::Llm => "llm",
            JudgeKind::Other(s) => s,
            JudgeKind::Unnamed => "",
        }
    }

    /// How screens name it, with the model when there is one: `the LLM judge (qwen3)`.
    pub fn describe(&self, model: &str) -> String {
        match (self, model) {
            (JudgeKind::Heuristic, _) => "the heuristic judge".into(),
            (JudgeKind::Llm, "") => "the LLM judge".into(),
            (JudgeKind::Llm, m) => format!("the LLM judge ({m})"),
            (JudgeKind::Unnamed, _) => "the judge".into(),
            (JudgeKind::Other(j), _) => format!("the {j} judge"),
        }
    }
}

impl From<String> for JudgeKind {
    fn from(s: String) -> Self {
        match s.as_str() {
            "heuristic" => JudgeKind::Heuristic,
            "llm" => JudgeKind::Llm,
            "" => JudgeKind::Unnamed,
            _ => JudgeKind::Other(s),
        }
    }
}

impl From<&str> for JudgeKind {
    fn from(s: &str) -> Self {
        JudgeKind::from(s.to_string())
    }
}

impl From<JudgeKind> for String {
    fn from(k: JudgeKind) -> String {
        k.name().to_string()
    }
}

/// Why a judge decided: which judge (and model), and its words (the heuristic's rationale quotes
/// the phrase that decided; the LLM judge's is the model's reply).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reason {
    pub judge: JudgeKind,
    pub model: String,
    pub rationale: String,
}

/// How a rejecting rationale quotes the phrase that decided: `("PHRASE")`.
const PHRASE_OPEN: &str = "(\"";
const PHRASE_CLOSE: &str = "\")";

/// The phrase a rationale of `decide` names as the one that rejected the page.
pub fn deciding_phrase(rationale: &str) -> Option<&str> {
    let start = rationale.find(PHRASE_OPEN)? + PHRASE_OPEN.len();
    let len = rationale[start..].find(PHRASE_CLOSE)?;
    Some(&rationale[start..start + len])
}

/// `("PHRASE")`: how the heuristic judge's rationale names the phrase that decided.
pub fn quote_phrase(phrase: &str) -> String {
    format!("{PHRASE_OPEN}{phrase}{PHRASE_CLOSE}")
}

impl Reason {
    /// The phrase that decided, when the heuristic judge gave this reason.
    pub fn phrase(&self) -> Option<&str> {
        (self.judge == JudgeKind::Heuristic)
            .then(|| deciding_phrase(&self.rationale))
            .flatten()
    }
}

/// A verdict with who gave it and why: one line of a verdicts file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    pub run_id: String,
    pub step: usize,
    pub docid: String,
    pub verdict: Verdict,
    pub judge: JudgeKind,
    pub model: String,
    pub prompt_hash: String,
    pub rationale: String,
    /// The judge's probability that the page is relevant, when it gave one (an LLM judge's
    /// verdict-token log-probability, or its share of `--votes` answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_relevant: Option<f64>,
}

/// A verdicts file: JSON lines of [`Judgement`]s, the one place that reads and writes them
/// (`lrat judge --out`, the app's `J`, `lrat mine --verdicts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictFile {
    pub path: std::path::PathBuf,
}

impl VerdictFile {
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        VerdictFile { path: path.into() }
    }

    /// The verdicts with their reasons; bad lines come back as errors, the rest still counts.
    pub fn read(&self) -> Result<(Verdicts, Reasons, Vec<InputError>), Error> {
        Verdicts::read_with_reasons(&self.path)
    }

    /// Writes these judgements, and only these.
    pub fn write(&self, judgements: &[&Judgement]) -> Result<(), Error> {
        use std::io::Write;
        let path = &self.path;
        let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut w = std::io::BufWriter::new(f);
        for j in judgements {
            serde_json::to_writer(&mut w, j)?;
            w.write_all(b"\n").map_err(|e| Error::io(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))
    }

    /// Adds judgements, replacing earlier lines of the same judge (and model) for the same
    /// browses; other judges' lines and every other line, a line that is not a verdict included,
    /// are kept as they were.
    pub fn merge(&self, judgements: &[Judgement]) -> Result<(), Error> {
        #[derive(Deserialize)]
        struct Key {
            run_id: String,
            step: usize,
            #[serde(default)]
            judge: Option<String>,
            #[serde(default)]
            model: Option<String>,
        }
        let fresh: std::collections::HashSet<(&str, usize, &str, &str)> = judgements
            .iter()
            .map(|j| (j.run_id.as_str(), j.step, j.judge.name(), j.model.as_str()))
            .collect();
        let mut out = String::new();
        if let Ok(text) = std::fs::read_to_string(&self.path) {
            for line in text.lines() {
                let replaced = serde_json::from_str::<Key>(line).is_ok_and(|k| {
                    fresh.contains(&(
                        k.run_id.as_str(),
                        k.step,
                        k.judge.as_deref().unwrap_or(""),
                        k.model.as_deref().unwrap_or(""),
                    ))
                });
                if !replaced {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        for j in judgements {
            out.push_str(&serde_json::to_string(j)?);
            out.push('\n');
        }
        std::fs::write(&self.path, out).map_err(|e| Error::io(&self.path, e))
    }
}

/// Reasons keyed by run id, then step (beside `Verdicts`).
#[derive(Debug, Default, Clone)]
pub struct Reasons(pub HashMap<String, HashMap<usize, Reason>>);

impl Reasons {
    pub fn get(&self, run_id: &str, step: usize) -> Option<&Reason> {
        self.0.get(run_id).and_then(|m| m.get(&step))
    }

    pub fn insert(&mut self, run_id: &str, step: usize, r: Reason) {
        self.0
            .entry(run_id.to_string())
            .or_default()
            .insert(step, r);
    }
}

/// Verdicts keyed by run id, then step.
#[derive(Debug, Default, Clone)]
pub struct Verdicts(pub HashMap<String, HashMap<usize, Verdict>>);

impl Verdicts {
    /// Reads a verdicts file; bad lines come back as errors, the rest still counts. A later line
    /// of the same judge for the same browse replaces an earlier one.
    pub fn read(path: &Path) -> Result<(Verdicts, Vec<InputError>), Error> {
        Verdicts::read_with_reasons(path).map(|(v, _, e)| (v, e))
    }

    /// `read`, with the reason of the judge whose verdict counts (see [`Rule`]: one file may
    /// hold several judges' verdicts).
    pub fn read_with_reasons(path: &Path) -> Result<(Verdicts, Reasons, Vec<InputError>), Error> {
        let (o, errors) = Opinions::read(&[path.to_path_buf()])?;
        let (v, r) = o.verdicts(&Rule::default())?;
        Ok((v, r, errors))
    }

    pub fn get(&self, run_id: &str, step: usize) -> Option<Verdict> {
        self.0.get(run_id).and_then(|m| m.get(&step)).copied()
    }

    pub fn insert(&mut self, run_id: &str, step: usize, v: Verdict) {
        self.0
            .entry(run_id.to_string())
            .or_default()
            .insert(step, v);
    }

    pub fn len(&self) -> usize {
        self.0.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
