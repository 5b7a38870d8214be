//! The probability of "relevant" from an OpenAI-compatible answer's `logprobs`: at the token that
//! starts the final verdict word, the mass the model put on tokens that start `RELEVANT` against
//! tokens that start `NOT_RELEVANT` / `IRRELEVANT` (its `top_logprobs`, or the chosen token alone).

use serde_json::Value;

use crate::verdict::Verdict;

/// Which verdict a token begins, if any: `REL…` relevant; `NOT…`, `NON…`, `IRR…` not relevant.
fn class(token: &str) -> Option<Verdict> {
    let t: String = token
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if t.len() < 2 {
        return None;
    }
    let starts = |word: &str| word.starts_with(&t) || t.starts_with(word);
    if starts("RELEVANT") {
        Some(Verdict::Relevant)
    } else if starts("NOTRELEVANT") || starts("NONRELEVANT") || starts("IRRELEVANT") {
        Some(Verdict::NotRelevant)
    } else {
        None
    }
}

/// Whether token `i` of `tokens` starts a word (not the `_REL` of `NOT` `_REL` `EVANT`).
fn starts_word(tokens: &[&str], i: usize) -> bool {
    let first = tokens[i].chars().next();
    if first.is_some_and(|c| c.is_whitespace() || (!c.is_alphanumeric() && c != '_')) {
        return true;
    }
    if first == Some('_') {
        return false;
    }
    i == 0
        || tokens[i - 1]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_')
}

/// `P(relevant)` from `choices[0].logprobs` when it is there and its final verdict word agrees
/// with `verdict` (what the answer's text was read as); `None` otherwise.
pub fn p_relevant(logprobs: &Value, verdict: Verdict) -> Option<f64> {
    let content = logprobs.get("content")?.as_array()?;
    let tokens: Vec<&str> = content
        .iter()
        .map(|t| t.get("token").and_then(Value::as_str).unwrap_or(""))
        .collect();
    let i = (0..tokens.len())
        .rev()
        .find(|&i| class(tokens[i]).is_some() && starts_word(&tokens, i))?;
    if class(tokens[i]) != Some(verdict) {
        return None;
    }
    let at = &content[i];
    let mut alternatives: Vec<(&str, f64)> = at
        .get("top_logprobs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| Some((t.get("token")?.as_str()?, t.get("logprob")?.as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    let chosen = at.get("logprob").and_then(Value::as_f64)?;
    if !alternatives.iter().any(|(t, _)| *t == tokens[i]) {
        alternatives.push((tokens[i], chosen));
    }
    let (mut rel, mut not) = (0.0, 0.0);
    for (t, lp) in alternatives {
        match class(t) {
            Some(Verdict::Relevant) => rel += lp.exp(),
            Some(Verdict::NotRelevant) => not += lp.exp(),
            None => {}
        }
    }
    let p = match (rel > 0.0, not > 0.0) {
        (true, true) => rel / (rel + not),
        (true, false) => rel,
        (false, true) => 1.0 - not,
        (false, false) => return None,
    };
    p.is_finite().then_some(p.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type Token<'a> = (&'a str, f64, &'a [(&'a str, f64)]);

    fn lp(tokens: &[Token<'_>]) -> Value {
        json!({"content": tokens.iter().map(|(t, l, top)| json!({
            "token": t, "logprob": l,
            "top_logprobs": top.iter().map(|(a, b)| json!({"token": a, "logprob": b})).collect::<Vec<_>>()
        })).collect::<Vec<_>>()})
    }

    #[test]
    fn the_verdict_token_carries_the_probability() {
        let ln = f64::ln;
        // "It is not relevant.\nNOT_RELEVANT": the final word's first token decides.
        let v = lp(&[
            ("It", 0.0, &[]),
            (" is", 0.0, &[]),
            (" not", 0.0, &[]),
            (" relevant", 0.0, &[]),
            (".\n", 0.0, &[]),
            (
                "NOT",
                ln(0.7),
                &[("NOT", ln(0.7)), ("REL", ln(0.2)), ("The", ln(0.1))],
            ),
            ("_REL", 0.0, &[]),
            ("EVANT", 0.0, &[]),
        ]);
        let p = p_relevant(&v, Verdict::NotRelevant).unwrap();
        assert!((p - 0.2 / 0.9).abs() < 1e-9, "{p}");
        assert_eq!(
            p_relevant(&v, Verdict::Relevant),
            None,
            "disagrees with the text"
        );
        // No alternatives: the chosen token's own probability.
        let v = lp(&[("\n", 0.0, &[]), ("RELEVANT", ln(0.8), &[])]);
        assert!((p_relevant(&v, Verdict::Relevant).unwrap() - 0.8).abs() < 1e-9);
        assert_eq!(
            p_relevant(&json!({"content": null}), Verdict::Relevant),
            None
        );
    }
}
