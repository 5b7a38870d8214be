//! How likely a browse's effective verdict is wrong, and what its label moves in training: the
//! one function behind the review queue's order (the Review screen, `lrat queue`, the review
//! experiment).
//!
//! **Chance of error.** Each judge that spoke gives a probability that the page is relevant:
//! its own (`p_relevant`, from log-probabilities or votes) when it gave one, else how often it
//! agreed with the person's labels so far — for the heuristic, per rule (each rejecting phrase,
//! "no rejection", "no reasoning") — starting from a prior of [`PRIOR_LABELS`] labels at the
//! prior accuracy below and moving with every label. The judges' probabilities are combined as
//! independent evidence (their log-odds added, see [`combine`]: judges that agree make each
//! other surer, a judge that disagrees pulls toward ½, a judge no better than chance counts for
//! nothing), and the chance of error is the combined probability of the verdict *not* in force.
//! A browse no judge spoke on gets ½.
//!
//! **Effect on training.** A label decides whether the browse's pair is a positive: it moves the
//! pair's intensity weight `w` (Eq. 3, what the pair would weigh as a positive) and its
//! negatives. `impact = w · (1 + negatives) / (1 + mean negatives)`, about 1 for a typical pair.
//!
//! **Priority** = chance of error × impact.

use std::collections::HashMap;

use serde::Serialize;

use crate::verdict::{JudgeKind, Opinion, Opinions, Verdict, Verdicts, deciding_phrase};

/// How many labels the prior accuracies count as.
pub const PRIOR_LABELS: f64 = 8.0;
/// Prior accuracy of an LLM judge (any judge but the heuristic) that gave no probability.
pub const PRIOR_LLM: f64 = 0.85;
/// Prior accuracy of a heuristic rule that rejected on a phrase.
pub const PRIOR_REJECT_PHRASE: f64 = 0.8;
/// Prior accuracy of the heuristic when no phrase rejected the page.
pub const PRIOR_NO_REJECTION: f64 = 0.85;
/// Prior accuracy of the heuristic when there was no reasoning after the browse.
pub const PRIOR_NO_REASONING: f64 = 0.6;

/// Which estimate a judge's opinion is weighed by: the judge, and for the heuristic its rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Class {
    pub judge: usize,
    /// `reject "PHRASE"`, `no rejection`, `no reasoning`; empty for other judges.
    pub rule: String,
}

/// The class of an opinion and its prior accuracy.
pub fn class_of(opinions: &Opinions, o: &Opinion) -> (Class, f64) {
    let kind = &opinions.judges[o.judge].judge;
    let why = o.rationale.as_deref().unwrap_or("");
    let (rule, prior) = match kind {
        JudgeKind::Heuristic => match deciding_phrase(why) {
            Some(p) => (format!("reject \"{p}\""), PRIOR_REJECT_PHRASE),
            None if why.starts_with("no reasoning") => ("no reasoning".into(), PRIOR_NO_REASONING),
            None => ("no rejection".into(), PRIOR_NO_REJECTION),
        },
        // A judge named otherwise is another model: an LLM judge's prior.
        _ => (String::new(), PRIOR_LLM),
    };
    (
        Class {
            judge: o.judge,
            rule,
        },
        prior,
    )
}

/// Agreement of each class with the person's labels so far: (agreed, labelled).
#[derive(Debug, Clone, Default)]
pub struct Track(HashMap<Class, (usize, usize)>);

impl Track {
    /// Counts every labelled browse's opinions against its label.
    pub fn from_labels(opinions: &Opinions, human: &Verdicts) -> Track {
        let mut t = Track::default();
        for (run, step, ops) in opinions.browses() {
            if let Some(h) = human.get(run, step) {
                for o in ops {
                    t.count(opinions, o, h);
                }
            }
        }
        t
    }

    /// One more label `h` on a browse `o` spoke on.
    pub fn count(&mut self, opinions: &Opinions, o: &Opinion, h: Verdict) {
        let (c, _) = class_of(opinions, o);
        let e = self.0.entry(c).or_default();
        e.0 += usize::from(o.verdict == h);
        e.1 += 1;
    }

    /// The estimated accuracy of `o`'s class, and how many labels it rests on.
    pub fn accuracy(&self, opinions: &Opinions, o: &Opinion) -> (f64, usize, String) {
        let (c, prior) = class_of(opinions, o);
        let (agreed, n) = self.0.get(&c).copied().unwrap_or_default();
        (
            (agreed as f64 + prior * PRIOR_LABELS) / (n as f64 + PRIOR_LABELS),
            n,
            c.rule,
        )
    }
}

/// One judge's part in an estimate, shown beside the item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Voice {
    /// `heuristic`, `llm (qwen3)`.
    pub judge: String,
    pub verdict: Verdict,
    /// The probability of relevant this judge stands for.
    pub p_relevant: f64,
    /// Where that came from: `its own probability`, or `rule "…" agreed with 7 of 9 labels`.
    pub basis: String,
    /// The judge gave the probability itself (else it is estimated from labels and a prior).
    #[serde(skip)]
    pub own: bool,
}

/// Why an item is where it is in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub voices: Vec<Voice>,
    /// Judges that differ from the verdict in force.
    pub disagree: usize,
    /// The judges' combined probability that the page is relevant.
    pub p_relevant: f64,
    /// The chance the verdict in force is wrong.
    pub p_wrong: f64,
    /// The pair's intensity weight as a positive.
    pub weight: f64,
    pub negatives: usize,
    pub impact: f64,
    pub priority: f64,
}

/// The judges' probabilities combined as independent evidence: their log-odds added (each
/// clamped to [0.01, 0.99], so no single judge is ever certain). ½ when there is none.
pub fn combine(ps: impl Iterator<Item = f64>) -> f64 {
    let logit: f64 = ps
        .map(|p| {
            let p = p.clamp(0.01, 0.99);
            (p / (1.0 - p)).ln()
        })
        .sum();
    1.0 / (1.0 + (-logit).exp())
}

/// The estimate for one browse whose verdict in force is `verdict` (`None`: unjudged); `weight` and `negatives` are its pair's, `mean_negatives` over every pair.
pub fn estimate(
    opinions: &Opinions,
    ops: &[Opinion],
    verdict: Option<Verdict>,
    track: &Track,
    weight: f64,
    negatives: usize,
    mean_negatives: f64,
) -> Estimate {
    let voices: Vec<Voice> = ops
        .iter()
        .map(|o| {
            let (p, basis) = match o.p_relevant {
                Some(p) => (p, "its own probability".to_string()),
                None => {
                    let (acc, n, rule) = track.accuracy(opinions, o);
                    let what = if rule.is_empty() {
                        "agreement".to_string()
                    } else {
                        format!("rule {rule}")
                    };
                    let p = match o.verdict {
                        Verdict::Relevant => acc,
                        Verdict::NotRelevant => 1.0 - acc,
                    };
                    (
                        p,
                        format!(
                            "{what}: {:.0}% over {} + prior",
                            acc * 100.0,
                            crate::text::count(n, "label")
                        ),
                    )
                }
            };
            Voice {
                judge: opinions.judges[o.judge].name(),
                verdict: o.verdict,
                p_relevant: p,
                basis,
                own: o.p_relevant.is_some(),
            }
        })
        .collect();
    let p_relevant = combine(voices.iter().map(|v| v.p_relevant));
    let p_wrong = match verdict {
        Some(Verdict::Relevant) => 1.0 - p_relevant,
        Some(Verdict::NotRelevant) => p_relevant,
        // Unjudged: nothing is in force, and either label is as likely.
        None => 0.5,
    };
    let disagree = match verdict {
        Some(v) => voices.iter().filter(|x| x.verdict != v).count(),
        None => 0,
    };
    let impact = weight * (1.0 + negatives as f64) / (1.0 + mean_negatives.max(0.0));
    Estimate {
        voices,
        disagree,
        p_relevant,
        p_wrong,
        weight,
        negatives,
        impact,
        priority: p_wrong * impact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Judgement, Verdict::*};

    fn j(judge: JudgeKind, step: usize, v: Verdict, p: Option<f64>, why: &str) -> Judgement {
        Judgement {
            run_id: "r".into(),
            step,
            docid: "d".into(),
            verdict: v,
            judge,
            model: String::new(),
            prompt_hash: String::new(),
            rationale: why.into(),
            p_relevant: p,
        }
    }

    #[test]
    fn disagreement_and_doubt_come_first() {
        let mut o = Opinions::default();
        let sure = "no rejection in the first 2 sentence(s)";
        o.add(&j(JudgeKind::Llm, 1, Relevant, Some(0.98), "used it"));
        o.add(&j(JudgeKind::Heuristic, 1, Relevant, None, sure));
        o.add(&j(JudgeKind::Llm, 2, Relevant, Some(0.6), "maybe"));
        o.add(&j(
            JudgeKind::Heuristic,
            2,
            NotRelevant,
            None,
            "(\"unrelated\")",
        ));
        let t = Track::default();
        let e1 = estimate(&o, o.of("r", 1), Some(Relevant), &t, 1.0, 3, 3.0);
        let e2 = estimate(&o, o.of("r", 2), Some(Relevant), &t, 1.0, 3, 3.0);
        assert!(e2.priority > e1.priority, "{e1:?} {e2:?}");
        assert_eq!(e2.disagree, 1);
        // log-odds ln(0.6/0.4) + ln(0.2/0.8) = −0.981: p_relevant 0.273, so "relevant" is
        // wrong with chance 0.727.
        assert!((e2.p_wrong - 0.7273).abs() < 1e-3, "{}", e2.p_wrong);
        assert!(
            (combine([0.9, 0.5].into_iter()) - 0.9).abs() < 1e-9,
            "chance adds nothing"
        );
        assert!(combine([0.9, 0.9].into_iter()) > 0.98, "agreement adds");
        // A heavier pair with more negatives moves training more.
        let heavy = estimate(&o, o.of("r", 1), Some(Relevant), &t, 2.0, 7, 3.0);
        assert!((heavy.impact - 4.0).abs() < 1e-9);
        // Labels move a rule's accuracy: the phrase rule wrong on 4 labels of 4.
        let mut t = Track::default();
        let phrase = &o.of("r", 2)[1];
        for _ in 0..4 {
            t.count(&o, phrase, Relevant);
        }
        let (acc, n, rule) = t.accuracy(&o, phrase);
        assert_eq!((n, rule.as_str()), (4, "reject \"unrelated\""));
        assert!((acc - 0.8 * 8.0 / 12.0).abs() < 1e-9);
    }
}
