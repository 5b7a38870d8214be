//! The offline heuristic judge: the LRAT rule as phrase rules (`assets/judge_rules.txt`), looking
//! at the first sentences of the post-browse reasoning. Deterministic; the rationale quotes the
//! phrase that decided.

use std::path::Path;

use super::{BrowseInput, Judgement};
use crate::error::{Error, InputError};
use crate::text::stable_hash;
use crate::verdict::Verdict;

pub const DEFAULT_RULES: &str = include_str!("../../assets/judge_rules.txt");

/// Parsed phrase rules.
#[derive(Debug, Clone)]
pub struct Rules {
    pub window: usize,
    pub reject: Vec<String>,
    pub keep: Vec<String>,
    /// Hash of the rules text, recorded as the judge's model.
    pub hash: String,
}

impl Rules {
    pub fn parse(text: &str, path: &Path) -> Result<Rules, InputError> {
        let mut r = Rules {
            window: 2,
            reject: Vec::new(),
            keep: Vec::new(),
            hash: stable_hash(&[text]),
        };
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some((k, v)) = t.split_once(':') else {
                return Err(InputError::new(
                    path,
                    "expected `reject: …`, `keep: …` or `window: N`",
                )
                .at_line(i + 1));
            };
            let v = v.trim().to_lowercase();
            match k.trim() {
                "reject" => r.reject.push(v),
                "keep" => r.keep.push(v),
                "window" => {
                    r.window = v.parse().map_err(|_| {
                        InputError::new(path, format!("window `{v}` is not a number"))
                            .at_line(i + 1)
                    })?
                }
                other => {
                    return Err(
                        InputError::new(path, format!("unknown rule `{other}`")).at_line(i + 1)
                    );
                }
            }
        }
        Ok(r)
    }

    pub fn default_rules() -> Rules {
        // The embedded file is ours and tested; a parse failure would be caught by the tests.
        Rules::parse(DEFAULT_RULES, Path::new("assets/judge_rules.txt")).unwrap_or(Rules {
            window: 2,
            reject: Vec::new(),
            keep: Vec::new(),
            hash: String::new(),
        })
    }

    pub fn read(path: &Path) -> Result<Rules, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Ok(Rules::parse(&text, path)?)
    }
}

/// The first `n` sentences (split on . ! ? and newlines).
fn first_sentences(text: &str, n: usize) -> Vec<&str> {
    text.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .take(n)
        .collect()
}

/// Byte ranges where `phrase` occurs in `hay` on word boundaries.
fn find_words(hay: &str, phrase: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = hay[from..].find(phrase) {
        let s = from + i;
        let e = s + phrase.len();
        let before = hay[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = hay[e..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            out.push((s, e));
        }
        from = s + phrase.len().max(1);
        if from >= hay.len() {
            break;
        }
    }
    out
}

/// Judges one browse.
pub fn judge(rules: &Rules, input: &BrowseInput) -> Judgement {
    let (verdict, rationale) = decide(rules, &input.reasoning);
    Judgement {
        run_id: input.run_id.clone(),
        step: input.step,
        docid: input.docid.clone(),
        verdict,
        judge: crate::verdict::JudgeKind::Heuristic,
        model: format!("rules:{}", rules.hash),
        prompt_hash: rules.hash.clone(),
        rationale,
        // The rules give no probability; the review queue estimates how often each rule errs.
        p_relevant: None,
    }
}

pub fn decide(rules: &Rules, reasoning: &str) -> (Verdict, String) {
    if reasoning.trim().is_empty() {
        return (
            Verdict::Relevant,
            "no reasoning after the browse: nothing rejects the page".into(),
        );
    }
    for sentence in first_sentences(reasoning, rules.window) {
        let lower = sentence.to_lowercase();
        let kept: Vec<(usize, usize)> = rules
            .keep
            .iter()
            .flat_map(|k| find_words(&lower, k))
            .collect();
        for phrase in &rules.reject {
            for (s, e) in find_words(&lower, phrase) {
                if kept.iter().any(|&(ks, ke)| ks <= s && e <= ke) {
                    continue;
                }
                return (
                    Verdict::NotRelevant,
                    format!(
                        "the reasoning rejects the page ({}: \"{}\"",
                        crate::verdict::quote_phrase(phrase),
                        crate::text::one_line(sentence, 160)
                    ),
                );
            }
        }
    }
    (
        Verdict::Relevant,
        format!(
            "no rejection in the first {} sentence(s) after the browse",
            rules.window
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Verdict {
        decide(&Rules::default_rules(), text).0
    }

    #[test]
    fn the_lrat_rule() {
        assert_eq!(
            v("That document is unrelated. So the answer is Emilio Rabasa."),
            Verdict::NotRelevant
        );
        assert_eq!(
            v("This page is about a wading bird, not the ship. It is irrelevant to the question."),
            Verdict::NotRelevant
        );
        assert_eq!(
            v("Great! The document reveals that Emilio Rabasa wrote novels."),
            Verdict::Relevant
        );
        assert_eq!(
            v("Not converging. Let's search again for the delegate."),
            Verdict::Relevant,
            "searching on is not rejection"
        );
        assert_eq!(
            v("The page is not irrelevant: it gives the year."),
            Verdict::Relevant
        );
        assert_eq!(v(""), Verdict::Relevant);
        assert_eq!(
            v("It gives the date. Good. Later text says it is unrelated."),
            Verdict::Relevant,
            "outside the window"
        );
        assert_eq!(
            v("The unrelatedness of x"),
            Verdict::Relevant,
            "word boundaries"
        );
        let (_, why) = decide(
            &Rules::default_rules(),
            "It has no useful information about Oskerby.",
        );
        assert!(why.contains("\"no useful information\""), "{why}");
    }

    #[test]
    fn rules_parse_errors_name_the_line() {
        let e = Rules::parse("window: 2\nbogus line\n", Path::new("r.txt")).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(Rules::default_rules().reject.len() > 10);
    }
}
