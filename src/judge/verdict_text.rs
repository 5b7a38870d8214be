//! Reading a verdict out of a model's free-text answer. Real models answer in many shapes: the
//! one word asked for, markdown (`**NOT_RELEVANT**`), `Verdict: X`, the verdict then an
//! explanation, an explanation then the verdict, `IRRELEVANT`, `Not relevant.`, JSON, and
//! `<think>` blocks that weigh both words. The rules, in order:
//!
//! 1. Thinking is set aside: everything up to the last `</think>`; an unclosed `<think>` leaves
//!    no answer.
//! 2. An explicit label (`verdict`, `answer`, `judgement`, `label`, `decision`, `classification`,
//!    `output`, `result`) followed by a verdict: the last such one wins.
//! 3. Lines that are only a verdict: the last one, unless another such line disagrees with it.
//! 4. A first line that starts with a verdict (the verdict, then why), or a last line that ends
//!    with one (why, then the verdict), when the line does not also say the opposite.
//! 5. Otherwise every mention must agree; an answer that says both without a clear final verdict
//!    is unusable (`None`): the caller retries and then leaves the browse pending.

use crate::verdict::Verdict;

/// Label words that announce a verdict.
const LABELS: &[&str] = &[
    "VERDICT",
    "ANSWER",
    "JUDGEMENT",
    "JUDGMENT",
    "LABEL",
    "DECISION",
    "CLASSIFICATION",
    "OUTPUT",
    "RESULT",
];

/// Words that may sit between a label and its verdict (`Final answer is: X`).
const FILLER: &[&str] = &["IS", "FINAL", "MY", "THE", "VERDICT", "ANSWER"];

/// Upper-cased alphanumeric words of a line (markdown, quotes and punctuation dropped;
/// `NOT_RELEVANT` and `non-relevant` become two words).
fn words(line: &str) -> Vec<String> {
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect()
}

/// A verdict phrase starting at `w[i]`: the verdict and how many words it took.
fn phrase_at(w: &[String], i: usize) -> Option<(Verdict, usize)> {
    match w[i].as_str() {
        "RELEVANT" => Some((Verdict::Relevant, 1)),
        "IRRELEVANT" | "NONRELEVANT" | "NOTRELEVANT" | "UNRELEVANT" => {
            Some((Verdict::NotRelevant, 1))
        }
        "NOT" | "NON" if w.get(i + 1).is_some_and(|x| x == "RELEVANT") => {
            Some((Verdict::NotRelevant, 2))
        }
        _ => None,
    }
}

/// Every verdict phrase in a line, in order (a `RELEVANT` inside `NOT RELEVANT` is not one).
fn mentions(w: &[String]) -> Vec<Verdict> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        match phrase_at(w, i) {
            Some((v, n)) => {
                out.push(v);
                i += n;
            }
            None => i += 1,
        }
    }
    out
}

/// The verdict a label announces in this line, if any (the last one in the line).
fn labelled(w: &[String]) -> Option<Verdict> {
    let mut found = None;
    for (i, x) in w.iter().enumerate() {
        if !LABELS.contains(&x.as_str()) {
            continue;
        }
        let mut j = i + 1;
        while j < w.len() && FILLER.contains(&w[j].as_str()) {
            j += 1;
        }
        if j < w.len()
            && let Some((v, _)) = phrase_at(w, j)
        {
            found = Some(v);
        }
    }
    found
}

/// The line is a verdict and nothing else.
fn only(w: &[String]) -> Option<Verdict> {
    match phrase_at(w, 0)? {
        (v, n) if n == w.len() => Some(v),
        _ => None,
    }
}

/// The line's last words are a verdict phrase.
fn ends_with_verdict(w: &[String]) -> bool {
    let n = w.len();
    phrase_at(w, n - 1).is_some_and(|(_, k)| k == 1)
        || (n >= 2 && phrase_at(w, n - 2).is_some_and(|(_, k)| k == 2))
}

/// The answer part of a reply: after the last `</think>`; `None` for unclosed thinking.
fn answer_part(content: &str) -> Option<&str> {
    match content.rfind("</think>") {
        Some(i) => Some(&content[i + "</think>".len()..]),
        None if content.contains("<think>") => None,
        None => Some(content),
    }
}

/// The verdict in a model's reply, or `None` when it gives no clear one.
pub fn parse_verdict(content: &str) -> Option<Verdict> {
    let answer = answer_part(content)?;
    let lines: Vec<Vec<String>> = answer
        .lines()
        .map(words)
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(v) = lines.iter().rev().find_map(|w| labelled(w)) {
        return Some(v);
    }
    let alone: Vec<Verdict> = lines.iter().filter_map(|w| only(w)).collect();
    if let Some(&last) = alone.last() {
        return alone.iter().all(|&v| v == last).then_some(last);
    }
    let agreeing = |w: &Vec<String>, v: Verdict| mentions(w).iter().all(|&m| m == v);
    if let Some(w) = lines.first()
        && let Some((v, _)) = phrase_at(w, 0)
        && agreeing(w, v)
    {
        return Some(v);
    }
    if let Some(w) = lines.last()
        && let Some(&v) = mentions(w).last()
        && ends_with_verdict(w)
        && agreeing(w, v)
    {
        return Some(v);
    }
    let all: Vec<Verdict> = lines.iter().flat_map(|w| mentions(w)).collect();
    let first = *all.first()?;
    all.iter().all(|&v| v == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::{NotRelevant as N, Relevant as R};

    #[test]
    fn bare_words() {
        assert_eq!(parse_verdict("RELEVANT"), Some(R));
        assert_eq!(parse_verdict("NOT_RELEVANT"), Some(N));
        assert_eq!(parse_verdict("IRRELEVANT"), Some(N));
        assert_eq!(parse_verdict("Not relevant."), Some(N));
        assert_eq!(parse_verdict("relevant\n"), Some(R));
        assert_eq!(parse_verdict("Non-relevant"), Some(N));
    }

    #[test]
    fn unclear_answers_are_unusable() {
        assert_eq!(parse_verdict("I cannot say."), None);
        assert_eq!(parse_verdict(""), None);
        assert_eq!(
            parse_verdict("The page could be relevant, or it could be not relevant."),
            None
        );
        assert_eq!(parse_verdict("RELEVANT\n\nNOT_RELEVANT"), None);
        assert_eq!(parse_verdict("<think>never closed RELEVANT"), None);
    }
}
