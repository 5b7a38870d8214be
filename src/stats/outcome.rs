//! A run's outcome: a `correct` field when the file has one, else a normalised match of the final
//! answer against the gold answer (labelled as heuristic).

use serde::Serialize;

use crate::run::Run;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Correct,
    Incorrect,
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Correct, Outcome::Incorrect, Outcome::Unknown];
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Correct => "correct",
            Outcome::Incorrect => "incorrect",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Where an outcome came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeSource {
    /// The run file's own `correct` field.
    Field,
    /// Normalised containment of the gold answer in the final answer (heuristic).
    Match,
    /// An answer judge's verdict (`lrat judge --answers`).
    Judge,
    /// A human's label.
    Human,
    /// Neither a field nor both answers to compare.
    None,
}

impl OutcomeSource {
    pub fn name(self) -> &'static str {
        match self {
            OutcomeSource::Field => "field",
            OutcomeSource::Match => "match",
            OutcomeSource::Judge => "judge",
            OutcomeSource::Human => "human",
            OutcomeSource::None => "none",
        }
    }
}

/// Lowercase, punctuation to spaces, drop articles, collapse whitespace.
pub fn normalize(s: &str) -> String {
    /// The text so far and where the word being written starts (at its separating space).
    struct Out {
        text: String,
        word: Option<usize>,
    }
    impl Out {
        fn end_word(&mut self) {
            if let Some(start) = self.word.take()
                && matches!(self.text[start..].trim_start(), "a" | "an" | "the")
            {
                self.text.truncate(start);
            }
        }
        fn step(&mut self, c: char) {
            if !c.is_alphanumeric() {
                return self.end_word();
            }
            if self.word.is_none() {
                self.word = Some(self.text.len());
                if !self.text.is_empty() {
                    self.text.push(' ');
                }
            }
            self.text.push(c);
        }
    }
    let mut out = Out {
        text: String::with_capacity(s.len()),
        word: None,
    };
    for c in s.chars() {
        if c.is_ascii() {
            out.step(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(|l| out.step(l));
        }
    }
    out.end_word();
    out.text
}

/// True when some gold answer, normalised, occurs in the normalised final answer on word bounds.
pub fn answer_matches(final_answer: &str, gold: &[String]) -> bool {
    let fa = format!(" {} ", normalize(final_answer));
    gold.iter()
        .map(|g| normalize(g))
        .filter(|g| !g.is_empty())
        .any(|g| fa.contains(&format!(" {g} ")))
}

/// Correctness decided outside the run file: by humans (labels) and by an answer judge.
#[derive(Debug, Default, Clone)]
pub struct OutcomeOverrides {
    pub human: std::collections::HashMap<String, bool>,
    pub judge: std::collections::HashMap<String, bool>,
}

impl OutcomeOverrides {
    /// human ?? judge ?? the run's own field ?? answer match.
    pub fn outcome(&self, run: &Run) -> (Outcome, OutcomeSource) {
        let as_outcome = |c: bool| {
            if c {
                Outcome::Correct
            } else {
                Outcome::Incorrect
            }
        };
        if let Some(c) = self.human.get(&run.id) {
            return (as_outcome(*c), OutcomeSource::Human);
        }
        if let Some(c) = self.judge.get(&run.id) {
            return (as_outcome(*c), OutcomeSource::Judge);
        }
        outcome(run)
    }
}

pub fn outcome(run: &Run) -> (Outcome, OutcomeSource) {
    if let Some(c) = run.correct {
        return (
            if c {
                Outcome::Correct
            } else {
                Outcome::Incorrect
            },
            OutcomeSource::Field,
        );
    }
    match (&run.final_answer, run.gold.is_empty()) {
        (Some(fa), false) if !fa.trim().is_empty() => {
            let ok = answer_matches(fa, &run.gold);
            (
                if ok {
                    Outcome::Correct
                } else {
                    Outcome::Incorrect
                },
                OutcomeSource::Match,
            )
        }
        _ => (Outcome::Unknown, OutcomeSource::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_and_match() {
        assert_eq!(normalize("The  Émile-Rabasa, Jr.!"), "émile rabasa jr");
        assert!(answer_matches(
            "It was **Emilio Rabasa** (1856).",
            &["Emilio Rabasa".into()]
        ));
        assert!(!answer_matches("Emilio Rabasaa", &["Emilio Rabasa".into()]));
        assert!(!answer_matches("anything", &["".into()]));
    }

    /// The normalisation as its rule reads: lowercase, punctuation to spaces, articles dropped,
    /// whitespace collapsed.
    fn by_the_rule(s: &str) -> String {
        let lowered: String = s
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        lowered
            .split_whitespace()
            .filter(|w| !matches!(*w, "a" | "an" | "the"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        #[test]
        fn normalize_follows_the_rule(s in "(?s)(the|a|an|The|AN|İ|ß|Émile|x|[ .,!\\-]|\\PC){0,40}") {
            proptest::prop_assert_eq!(normalize(&s), by_the_rule(&s));
        }
    }
}
