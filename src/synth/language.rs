//! What the scripted agent writes after reading a page. The wording is composed from parts that
//! were written without looking at the heuristic judge's phrase rules, so grading that judge
//! against the simulator's truth measures the judge, not the simulator repeating its rules:
//! useful pages are described in varied words (some with a negation that is not a rejection),
//! and useless pages are rejected explicitly, with a hedge, as a partial miss, or only
//! implicitly by moving on (which the LRAT rule counts as no rejection at all).

use crate::rng::Rng;

/// How the agent reacts to a page it did not need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Says plainly that the page is the wrong one.
    Explicit,
    /// Doubts the page without quite saying no.
    Hedged,
    /// The page touches the topic but lacks what was needed.
    Partial,
    /// Says nothing about the page and moves on.
    Implicit,
}

/// Fills `{name}`, `{title}`, `{rel}`, `{fact}`.
fn fill(t: &str, name: &str, title: &str, rel: &str, fact: &str) -> String {
    t.replace("{name}", name)
        .replace("{title}", title)
        .replace("{rel}", rel)
        .replace("{fact}", fact)
}

const OPENERS: &[&str] = &[
    "",
    "Good.",
    "Right,",
    "OK:",
    "Found it.",
    "So",
    "Here we go:",
    "Useful.",
    "Yes —",
];

const FACT_FRAMES: &[&str] = &[
    "{fact}.",
    "according to the article, {fact}.",
    "the entry for {title} reads: {fact}.",
    "it states that {fact}.",
    "the first paragraph has it: {fact}.",
    "{title} — {fact}.",
];

const ONWARD: &[&str] = &[
    "Next I need the {rel}.",
    "That settles this step; on to the {rel}.",
    "With that, the {rel} is what remains to find.",
    "So the {rel} comes next.",
    "This is the link I was missing between {name} and the next step.",
    "That matches how the question describes {name}.",
    "I can carry this forward to the {rel}.",
];

/// Useful pages whose note also says what the page lacks: a negation that is not a rejection.
const USEFUL_WITH_A_GAP: &[&str] = &[
    "It does not mention every detail, but the {rel} link is clear enough.",
    "Nothing about the later years, yet the part I need is here.",
    "The page is short and not very detailed; still, it answers this step.",
    "No exact date is given, but {name} is clearly the one.",
];

const EXPLICIT: &[&str] = &[
    "Wrong page: this is {title}, not {name}.",
    "This {title} article has nothing to do with {name}.",
    "That is irrelevant here; it is about {title}.",
    "This is a different subject altogether, {title}, not the one in the question.",
    "No, this one covers {title}. Not what I need.",
    "{title} is unrelated to {name}.",
    "Discard this: a page on {title}, which does not help with {name}.",
];

const HEDGED: &[&str] = &[
    "Hmm, this may not be the right {name}; the details do not line up.",
    "I am not sure {title} is the one I want. The dates seem off.",
    "Possibly a namesake. I doubt this is the {name} from the question.",
    "This looks like a near miss rather than the page I need.",
];

const PARTIAL: &[&str] = &[
    "Only a passing mention of {name} here, and nothing on the {rel}.",
    "It names {name} once but says nothing about the {rel}.",
    "Some background on {title}, but the {rel} is not on this page.",
    "Close, but the {rel} of {name} is missing from it.",
];

const IMPLICIT: &[&str] = &[
    "Moving on; I need the {rel} of {name} instead.",
    "Let me try another search for {name}.",
    "Back to the results.",
    "I will look elsewhere for the {rel}.",
    "Next result.",
    "Let me check the other hits for {name}.",
];

/// The note after a page that helped: what was taken from it and where it leads.
pub fn useful(r: &mut Rng, name: &str, title: &str, rel: &str, fact: &str, terse: bool) -> String {
    let fact = fact.trim().trim_end_matches('.');
    if terse {
        return format!("{}.", crate::text::one_line(fact, 60));
    }
    let opener: &&str = r.pick(OPENERS);
    let frame: &&str = r.pick(FACT_FRAMES);
    let mut body = fill(frame, name, title, rel, fact);
    if opener.is_empty() {
        body = capitalise(&body);
    }
    let mut out = format!("{opener} {body}").trim().to_string();
    if r.chance(0.15) {
        let gap: &&str = r.pick(USEFUL_WITH_A_GAP);
        out.push(' ');
        out.push_str(&fill(gap, name, title, rel, fact));
    }
    let onward: &&str = r.pick(ONWARD);
    out.push(' ');
    out.push_str(&fill(onward, name, title, rel, fact));
    out
}

const PARTIAL_USE: &[&str] = &[
    "Not the page itself, but it says {fact}; that narrows where the {rel} of {name} might be.",
    "A side route: {fact}. I can use that to search for the {rel} more precisely.",
    "This mentions {name} in passing ({fact}), which gives me a better query for the {rel}.",
];

/// The note after a page that helped a little: what it gave and how that narrows the search.
pub fn partial_use(r: &mut Rng, name: &str, title: &str, rel: &str, fact: &str) -> String {
    let fact = fact.trim().trim_end_matches('.');
    let t: &&str = r.pick(PARTIAL_USE);
    capitalise(&fill(t, name, title, rel, fact))
}

/// The note after a page that did not help, in the given style.
pub fn rejection(r: &mut Rng, style: Rejection, name: &str, title: &str, rel: &str) -> String {
    let list = match style {
        Rejection::Explicit => EXPLICIT,
        Rejection::Hedged => HEDGED,
        Rejection::Partial => PARTIAL,
        Rejection::Implicit => IMPLICIT,
    };
    let t: &&str = r.pick(list);
    capitalise(&fill(t, name, title, rel, ""))
}

/// A rejection in words: explicit half the time, else hedged or partial.
pub fn worded_style(r: &mut Rng) -> Rejection {
    match r.below(4) {
        0 | 1 => Rejection::Explicit,
        2 => Rejection::Hedged,
        _ => Rejection::Partial,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_vary_and_fill_every_slot() {
        let mut r = Rng::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let u = useful(
                &mut r,
                "Ada Brenn",
                "Brenn Mill",
                "founder",
                "Ada Brenn built the mill",
                false,
            );
            assert!(!u.contains('{'), "{u}");
            seen.insert(u);
            for style in [
                Rejection::Explicit,
                Rejection::Hedged,
                Rejection::Partial,
                Rejection::Implicit,
            ] {
                let x = rejection(&mut r, style, "Ada Brenn", "Brenn Mill", "founder");
                assert!(!x.contains('{') && !x.is_empty(), "{x}");
            }
        }
        assert!(seen.len() > 20, "useful notes vary: {}", seen.len());
    }
}
