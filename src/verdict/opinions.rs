//! Several judges on the same browses: who said what (and with what probability), and the one
//! rule that turns their opinions into the verdict the pipeline uses.
//!
//! **The rule.** One judge is the *primary*: the one `--primary NAME` names, else the first judge
//! read that is not lrat's heuristic rules (an LLM judge, whatever its name), else the first. With [`Combine::Primary`] (the default) a browse gets
//! the primary judge's verdict, or, when the primary judge has none for it, the majority of the
//! others (a tie goes to the earliest judge read). With [`Combine::Majority`] a browse gets the
//! majority of every judge that gave one, a tie going to the primary judge (then the earliest).
//! A single judge's verdicts are therefore used exactly as before.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::{JudgeKind, Judgement, Reason, Reasons, Verdict, Verdicts, parse_line};
use crate::error::{Error, InputError};

/// A judge as verdict lines name it: its kind and model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JudgeId {
    pub judge: JudgeKind,
    pub model: String,
}

impl JudgeId {
    /// `heuristic`, `llm (qwen3)`: how commands and screens name it.
    pub fn name(&self) -> String {
        let kind = match &self.judge {
            JudgeKind::Unnamed => "judge",
            k => k.name(),
        };
        match (&self.judge, self.model.as_str()) {
            // The heuristic's model is a hash of its rules: not a name anyone would type.
            (JudgeKind::Heuristic, _) | (_, "") => kind.to_string(),
            (_, m) => format!("{kind} ({m})"),
        }
    }

    /// Whether `name` picks this judge: its kind (`llm`), its model (`qwen3`) or both as
    /// [`JudgeId::name`] writes them.
    pub fn answers_to(&self, name: &str) -> bool {
        let n = name.trim();
        n == self.judge.name() || (!self.model.is_empty() && n == self.model) || n == self.name()
    }
}

/// What one judge said about one browse.
#[derive(Debug, Clone, PartialEq)]
pub struct Opinion {
    /// Index into [`Opinions::judges`].
    pub judge: usize,
    pub verdict: Verdict,
    /// The judge's probability that the page is relevant, when it gave one.
    pub p_relevant: Option<f64>,
    pub rationale: Option<String>,
}

/// How judges that differ are combined (see the module's rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// The primary judge's verdict; the others' majority only where it has none.
    #[default]
    Primary,
    /// The majority of the judges; a tie goes to the primary judge.
    Majority,
}

/// The combination rule and, when named, the primary judge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    pub combine: Combine,
    /// A judge's kind, model or `kind (model)`; `None`: the first judge that is not the
    /// heuristic, else the first.
    pub primary: Option<String>,
}

/// Every judge's verdicts, kept apart.
#[derive(Debug, Clone, Default)]
pub struct Opinions {
    /// In the order first read.
    pub judges: Vec<JudgeId>,
    browses: HashMap<String, BTreeMap<usize, Vec<Opinion>>>,
}

impl Opinions {
    /// Reads verdict files (each may hold several judges); bad lines come back as errors, the
    /// rest still counts. A later line of the same judge for the same browse replaces an
    /// earlier one.
    pub fn read(paths: &[PathBuf]) -> Result<(Opinions, Vec<InputError>), Error> {
        let mut o = Opinions::default();
        let mut errors = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            for (i, line) in text.lines().enumerate() {
                match parse_line(path, i, line) {
                    Ok(Some((run, step, id, op))) => o.put(&run, step, id, op),
                    Ok(None) => {}
                    Err(e) => errors.push(e),
                }
            }
        }
        Ok((o, errors))
    }

    fn judge_index(&mut self, id: JudgeId) -> usize {
        match self.judges.iter().position(|j| *j == id) {
            Some(i) => i,
            None => {
                self.judges.push(id);
                self.judges.len() - 1
            }
        }
    }

    fn put(&mut self, run: &str, step: usize, id: JudgeId, mut op: Opinion) {
        op.judge = self.judge_index(id);
        let list = self
            .browses
            .entry(run.to_string())
            .or_default()
            .entry(step)
            .or_default();
        match list.iter_mut().find(|o| o.judge == op.judge) {
            Some(old) => *old = op,
            None => list.push(op),
        }
    }

    /// Adds (or replaces) a judgement made in this session.
    pub fn add(&mut self, j: &Judgement) {
        let id = JudgeId {
            judge: j.judge.clone(),
            model: j.model.clone(),
        };
        let op = Opinion {
            judge: 0,
            verdict: j.verdict,
            p_relevant: j.p_relevant,
            rationale: Some(j.rationale.clone()),
        };
        self.put(&j.run_id, j.step, id, op);
    }

    pub fn is_empty(&self) -> bool {
        self.browses.is_empty()
    }

    /// Every judge's opinion on one browse, in the order the judges were first read.
    pub fn of(&self, run_id: &str, step: usize) -> &[Opinion] {
        self.browses
            .get(run_id)
            .and_then(|m| m.get(&step))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The primary judge's index under `rule`; an error when `rule` names a judge none of the
    /// verdicts came from.
    pub fn primary(&self, rule: &Rule) -> Result<Option<usize>, Error> {
        if let Some(name) = &rule.primary {
            return match self.judges.iter().position(|j| j.answers_to(name)) {
                Some(i) => Ok(Some(i)),
                None if self.judges.is_empty() => Ok(None),
                None => Err(Error::Usage(format!(
                    "--primary {name}: no verdicts from such a judge (the verdicts are from {})",
                    self.judges
                        .iter()
                        .map(JudgeId::name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            };
        }
        Ok(self
            .judges
            .iter()
            .position(|j| j.judge != JudgeKind::Heuristic)
            .or((!self.judges.is_empty()).then_some(0)))
    }

    /// The opinion whose verdict counts for a browse: the one place the rule is applied.
    pub fn decide(ops: &[Opinion], combine: Combine, primary: Option<usize>) -> Option<&Opinion> {
        let of_primary = ops.iter().find(|o| Some(o.judge) == primary);
        let others = || ops.iter().filter(|o| Some(o.judge) != primary);
        // The majority of `it`, a tie going to the earliest judge.
        fn majority<'a>(it: impl Iterator<Item = &'a Opinion> + Clone) -> Option<&'a Opinion> {
            let rel = it
                .clone()
                .filter(|o| o.verdict == Verdict::Relevant)
                .count();
            let not = it.clone().count() - rel;
            let first = it.clone().min_by_key(|o| o.judge)?;
            let winner = match rel.cmp(&not) {
                std::cmp::Ordering::Greater => Verdict::Relevant,
                std::cmp::Ordering::Less => Verdict::NotRelevant,
                std::cmp::Ordering::Equal => first.verdict,
            };
            it.filter(|o| o.verdict == winner).min_by_key(|o| o.judge)
        }
        match combine {
            Combine::Primary => of_primary.or_else(|| majority(others())),
            Combine::Majority => {
                let rel = ops
                    .iter()
                    .filter(|o| o.verdict == Verdict::Relevant)
                    .count();
                let not = ops.len() - rel;
                if rel == not {
                    of_primary.or_else(|| majority(ops.iter()))
                } else {
                    let winner = if rel > not {
                        Verdict::Relevant
                    } else {
                        Verdict::NotRelevant
                    };
                    match of_primary {
                        Some(p) if p.verdict == winner => Some(p),
                        _ => ops
                            .iter()
                            .filter(|o| o.verdict == winner)
                            .min_by_key(|o| o.judge),
                    }
                }
            }
        }
    }

    /// The verdicts the pipeline uses under `rule`, with the reason of the judge that decided
    /// each.
    pub fn verdicts(&self, rule: &Rule) -> Result<(Verdicts, Reasons), Error> {
        let primary = self.primary(rule)?;
        let mut v = Verdicts::default();
        let mut r = Reasons::default();
        for (run, steps) in &self.browses {
            for (&step, ops) in steps {
                let Some(o) = Opinions::decide(ops, rule.combine, primary) else {
                    continue;
                };
                v.insert(run, step, o.verdict);
                if let Some(why) = &o.rationale {
                    let id = &self.judges[o.judge];
                    r.insert(
                        run,
                        step,
                        Reason {
                            judge: id.judge.clone(),
                            model: id.model.clone(),
                            rationale: why.clone(),
                        },
                    );
                }
            }
        }
        Ok((v, r))
    }

    /// Browses with opinions, over every run.
    pub fn browses(&self) -> impl Iterator<Item = (&str, usize, &[Opinion])> {
        self.browses
            .iter()
            .flat_map(|(r, m)| m.iter().map(move |(s, o)| (r.as_str(), *s, o.as_slice())))
    }
}

/// Verdict files read and combined: what every command and the app judge browses by.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub opinions: Opinions,
    pub rule: Rule,
    /// The combined verdicts; `None` when no verdicts file was given (no judge at all).
    pub verdicts: Option<Verdicts>,
    /// The reason of the judge that decided each browse.
    pub reasons: Reasons,
    /// Lines that could not be read.
    pub errors: Vec<InputError>,
}

impl Panel {
    /// Reads `files` (none: no judge) and combines them by `rule`.
    pub fn read(files: &[PathBuf], rule: Rule) -> Result<Panel, Error> {
        let (opinions, errors) = Opinions::read(files)?;
        let mut p = Panel {
            opinions,
            rule,
            verdicts: None,
            reasons: Reasons::default(),
            errors,
        };
        if !files.is_empty() {
            p.combine()?;
        }
        Ok(p)
    }

    /// Recombines after opinions were added (a judge ran in this session).
    pub fn combine(&mut self) -> Result<(), Error> {
        let (v, r) = self.opinions.verdicts(&self.rule)?;
        self.verdicts = Some(v);
        self.reasons = r;
        Ok(())
    }

    /// Adds judgements made in this session and recombines.
    pub fn add(&mut self, js: &[Judgement]) -> Result<(), Error> {
        for j in js {
            self.opinions.add(j);
        }
        self.combine()
    }

    /// Browses the primary judge has no verdict on that other judges decide.
    pub fn fallbacks(&self) -> usize {
        let Ok(Some(p)) = self.opinions.primary(&self.rule) else {
            return 0;
        };
        self.opinions
            .browses()
            .filter(|(_, _, ops)| !ops.iter().any(|o| o.judge == p))
            .count()
    }

    /// The primary judge's name, when there are verdicts.
    pub fn primary_name(&self) -> Option<String> {
        let p = self.opinions.primary(&self.rule).ok().flatten()?;
        Some(self.opinions.judges[p].name())
    }

    /// `heuristic, llm (qwen3)`, the primary first: who judged.
    pub fn judges(&self) -> String {
        let primary = self.opinions.primary(&self.rule).ok().flatten();
        let mut names: Vec<(bool, String)> = self
            .opinions
            .judges
            .iter()
            .enumerate()
            .map(|(i, j)| (Some(i) != primary, j.name()))
            .collect();
        names.sort_by_key(|(not_primary, _)| *not_primary);
        names
            .into_iter()
            .map(|(_, n)| n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(judge: usize, v: Verdict) -> Opinion {
        Opinion {
            judge,
            verdict: v,
            p_relevant: None,
            rationale: None,
        }
    }

    use Verdict::{NotRelevant as N, Relevant as R};

    #[test]
    fn the_rule() {
        let d = |ops: &[Opinion], c, p| Opinions::decide(ops, c, p).map(|o| o.verdict);
        // Primary: the primary judge's verdict even against two others.
        let ops = [op(0, R), op(1, N), op(2, N)];
        assert_eq!(d(&ops, Combine::Primary, Some(0)), Some(R));
        assert_eq!(d(&ops, Combine::Majority, Some(0)), Some(N));
        // Primary silent: the others' majority, a tie to the earliest.
        let ops = [op(1, N), op(2, R)];
        assert_eq!(d(&ops, Combine::Primary, Some(0)), Some(N));
        // Majority tie: the primary's.
        assert_eq!(d(&ops, Combine::Majority, Some(2)), Some(R));
        assert_eq!(d(&[], Combine::Majority, Some(0)), None);
    }

    #[test]
    fn names_pick_judges() {
        let llm = JudgeId {
            judge: JudgeKind::Llm,
            model: "qwen3".into(),
        };
        assert_eq!(llm.name(), "llm (qwen3)");
        assert!(llm.answers_to("llm") && llm.answers_to("qwen3") && llm.answers_to("llm (qwen3)"));
        let h = JudgeId {
            judge: JudgeKind::Heuristic,
            model: "rules:ab12".into(),
        };
        assert_eq!(h.name(), "heuristic");
        assert!(!h.answers_to("llm"));
    }
}
