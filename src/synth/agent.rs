//! The scripted agent: it knows only the question and what it has read. It searches for each
//! entity of the chain in its own words (clues first, then the names pages gave it), through
//! whichever retriever serves it, sees top-k snippets,
//! browses some hits at varied ranks, and writes post-browse reasoning whose length and wording
//! depend on whether the page helped — with noise — and it sometimes fails.

use serde::Serialize;
use serde_json::{Value, json};

use super::language::{self, Rejection};
use super::paraphrase;
use super::world::{Kind, Question, World, kind_word};
use crate::error::Error;
use crate::retriever::Retriever;
use crate::rng::Rng;

/// Every behaviour knob, with the defaults documented in README.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Knobs {
    /// Hits per search.
    pub k: usize,
    /// Chance the agent browses the page it needs when a search returns it.
    pub find_rate: f64,
    /// Chance of browsing another hit at rank 1; it falls by `rank_decay` per rank.
    pub distractor_rate: f64,
    pub rank_decay: f64,
    /// Chance a sub-query loses a name word or gains a stray one.
    pub query_noise: f64,
    /// Searches per hop before the agent gives up and guesses.
    pub searches_per_hop: usize,
    /// Chance a helpful page gets only a terse note.
    pub terse_rate: f64,
    /// Chance an unhelpful page is rejected in words (explicitly, with a hedge, or as a partial
    /// miss); otherwise the agent moves on without a word about it.
    pub reject_rate: f64,
    /// Chance an unhelpful page gets long reasoning anyway.
    pub long_useless_rate: f64,
    /// Chance a run loops on searches without browsing and answers wrongly.
    pub loop_rate: f64,
    /// How much the reasoning after a page reveals how much it helped: 0, its length does not
    /// depend on the grade of a page the agent used (rejections stay short); 1, its length
    /// follows the information taken from the page (with the noise real agents show). Data
    /// simulated before this knob existed reads as 0.
    #[serde(default)]
    pub length_signal: f64,
    /// Steps after which a run stops.
    pub max_steps: usize,
    /// Chance a question describes its first entity by clues and names no entity of its chain
    /// (1, BrowseComp-style) rather than naming the first entity (0). Data simulated before
    /// this knob existed reads as 0.
    #[serde(default)]
    pub obfuscation: f64,
    /// Chance the agent writes a term of a search in its own words (a synonym no document uses:
    /// vessel for ship, established for founded) rather than the world's. Reads as 0 in data
    /// simulated before this knob existed.
    #[serde(default)]
    pub paraphrase: f64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            k: 5,
            find_rate: 0.85,
            distractor_rate: 0.15,
            rank_decay: 0.7,
            query_noise: 0.3,
            searches_per_hop: 5,
            terse_rate: 0.15,
            reject_rate: 0.6,
            long_useless_rate: 0.15,
            loop_rate: 0.05,
            max_steps: 60,
            length_signal: 0.6,
            obfuscation: 1.0,
            paraphrase: 0.4,
        }
    }
}

/// What really happened at a browse: the simulator's ground truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    pub run_id: String,
    pub step: usize,
    pub docid: String,
    /// The page was the one the agent needed at that hop.
    pub useful: bool,
    /// The page is one of the question's evidence documents.
    pub evidence: bool,
    /// How much the page helped, in [0, 1]: 0.5–1 for the page the hop needed (by the share of
    /// its facts the agent took), 0.4 for another hop's evidence, 0.2 for another entity's page
    /// that names the entity sought (it narrows the next search), 0 otherwise.
    pub grade: f64,
}

/// Filler words after a note of `note` words, so that the whole reasoning runs to a length
/// drawn as when length says nothing (`usual`, 40–120 words) mixed by `signal` with the length
/// the information taken calls for (20 + 160·grade words, times log-normal noise).
fn filler_words(r: &mut Rng, note: usize, grade: f64, signal: f64) -> usize {
    let usual = r.range(40, 120) as f64;
    let driven = (20.0 + 160.0 * grade) * (0.2 * r.normal()).exp();
    let total = (1.0 - signal) * usual + signal * driven;
    (total.round() as usize).saturating_sub(note)
}

const FILLER: &[&str] = &[
    "I should keep the other candidates in mind.",
    "The dates look consistent with what the question implies.",
    "Several names in the results are similar, so I need to be careful.",
    "It is worth checking that the spelling of the name matches.",
    "The snippet alone was not enough, which is why I opened the page.",
    "I will note this and move on to the next part of the question.",
    "There may be more than one person with this name in the records.",
    "This fits the chain of relations the question describes.",
];

/// Between `lo` and `hi` words of filler sentences.
fn filler(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let words = rng.range(lo, hi);
    let mut out = String::new();
    while out.split_whitespace().count() < words {
        if !out.is_empty() {
            out.push(' ');
        }
        let sentence: &&str = rng.pick(FILLER);
        out.push_str(sentence);
    }
    out
}

struct Script {
    steps: Vec<Value>,
    retrieved: Vec<String>,
    truth: Vec<Truth>,
    searches: usize,
    browses: usize,
}

impl Script {
    fn reason(&mut self, text: String) {
        self.steps.push(
            json!({"type": "reasoning", "tool_name": null, "arguments": null, "output": text}),
        );
    }
}

/// What the agent knows about the entity a hop looks for, and how it would search for it.
struct Sought {
    /// How the agent's notes refer to it.
    words: String,
    /// The terms of a search for it, the world's words (names are never replaced).
    terms: Vec<Term>,
}

enum Term {
    Name(String),
    Word(String),
}

/// What the agent knows at hop `h`: the question's clues (or the first entity's name when the
/// question gives it), or what the page of the previous hop said about the next entity.
fn sought(world: &World, q: &Question, h: usize) -> Sought {
    let e = &world.entities[q.chain[h]];
    let verb = |k: Kind| match k {
        Kind::Ship => "launched",
        Kind::Company | Kind::Town => "founded",
        Kind::Person => "born",
    };
    let word = |w: &str| Term::Word(w.to_string());
    if h == 0 && !q.named {
        let c = &q.clues;
        let decade = format!("{}s", c.decade);
        let words = match c.kind {
            Kind::Ship => format!("the {} launched in the {decade}", c.trait_word),
            _ => format!("the {} company founded in the {decade}", c.trait_word),
        };
        return Sought {
            words,
            terms: vec![
                word(kind_word(c.kind)),
                word(&c.trait_word),
                word(verb(c.kind)),
                Term::Name(decade),
                word(&c.maker_trade),
            ],
        };
    }
    match e.kind {
        // Known from the previous page by trade and surname.
        Kind::Person if h > 0 => Sought {
            words: e.reference(),
            terms: vec![Term::Name(e.surname.clone()), word(&e.trait_word)],
        },
        _ => {
            let mut terms: Vec<Term> = e
                .name
                .split_whitespace()
                .map(|w| Term::Name(w.to_string()))
                .collect();
            terms.push(word(kind_word(e.kind)));
            terms.push(word(verb(e.kind)));
            Sought {
                words: e.name.clone(),
                terms,
            }
        }
    }
}

/// A search for `s` in the agent's words: each word term paraphrased with chance
/// `knobs.paraphrase`, one term dropped with chance `knobs.query_noise`, a stray word added on
/// retries (and with chance `knobs.query_noise`).
fn query_for(s: &Sought, attempt: usize, knobs: &Knobs, r: &mut Rng) -> String {
    let mut words: Vec<String> = s
        .terms
        .iter()
        .map(|t| match t {
            Term::Name(n) => n.clone(),
            Term::Word(w) => paraphrase::term(r, w, knobs.paraphrase),
        })
        .collect();
    if r.chance(knobs.query_noise) && words.len() > 2 {
        let i = r.below(words.len());
        words.remove(i);
    }
    if r.chance(knobs.query_noise) || attempt > 0 {
        words.push(
            (*r.pick(&[
                "history",
                "records",
                "family",
                "coast",
                "nineteenth century",
                "who",
            ]))
            .to_string(),
        );
    }
    words.join(" ")
}

/// One run for `q`, in the LRAT run format, with the truth of each browse; every search goes
/// to `retriever`, and the run records which retriever served it.
pub fn simulate(
    world: &World,
    q: &Question,
    retriever: &dyn Retriever,
    knobs: &Knobs,
    rng: &Rng,
) -> Result<(Value, Vec<Truth>), Error> {
    let mut r = rng.fork(2_000_000 + q.number as u64);
    let mut s = Script {
        steps: Vec::new(),
        retrieved: Vec::new(),
        truth: Vec::new(),
        searches: 0,
        browses: 0,
    };
    let evidence: Vec<String> = q
        .chain
        .iter()
        .map(|&e| world.docs[world.entities[e].doc].docid.clone())
        .collect();
    // Pages about an entity (not distractors): one that names the entity sought narrows the
    // next search.
    let about_entity: std::collections::HashSet<&str> = world
        .entities
        .iter()
        .map(|e| world.docs[e.doc].docid.as_str())
        .collect();
    s.reason(format!(
        "The question asks: {} I will follow it one step at a time, starting from {}.",
        q.text,
        sought(world, q, 0).words
    ));
    let looping = r.chance(knobs.loop_rate);
    let mut solved = true;
    'hops: for (h, &ent) in q.chain.iter().enumerate() {
        let target = &world.docs[world.entities[ent].doc];
        let full_name = &world.entities[ent].name;
        let want = sought(world, q, h);
        let name = &want.words;
        let mut found = false;
        for attempt in 0..knobs.searches_per_hop.max(1) {
            if s.steps.len() >= knobs.max_steps {
                solved = false;
                break 'hops;
            }
            let query = query_for(&want, attempt, knobs, &mut r);
            let alt = query_for(&want, attempt + 1, knobs, &mut r);
            let hits = retriever.search(&query, knobs.k)?;
            s.searches += 1;
            let body: Vec<String> = hits
                .iter()
                .map(|h| {
                    let d = &h.doc;
                    let snippet: String =
                        format!("{} {}", d.title.clone().unwrap_or_default(), d.text)
                            .split_whitespace()
                            .take(40)
                            .collect::<Vec<_>>()
                            .join(" ");
                    format!(
                        "DocID:{}\n[{}]\n{snippet}",
                        d.docid,
                        d.title.clone().unwrap_or_default()
                    )
                })
                .collect();
            s.retrieved.extend(hits.iter().map(|h| h.doc.docid.clone()));
            s.steps.push(json!({
                "type": "tool_call", "tool_name": "search",
                "arguments": json!({"query": [query, alt]}).to_string(),
                "output": format!("A search for '{query}' found {} results:\n\n## Web Results\n{}", hits.len(), body.join("\n\n")),
            }));
            if looping {
                s.reason(filler(&mut r, 8, 8));
                continue;
            }
            let mut picks: Vec<usize> = Vec::new();
            for (rank, hit) in hits.iter().enumerate() {
                let p = if hit.doc.docid == target.docid {
                    knobs.find_rate
                } else {
                    knobs.distractor_rate * knobs.rank_decay.powi(rank as i32)
                };
                if picks.len() < 3 && r.chance(p) {
                    picks.push(rank);
                }
            }
            if picks.is_empty() {
                s.reason(format!(
                    "None of these results is clearly about {name}. {}",
                    filler(&mut r, 4, 20)
                ));
                continue;
            }
            for rank in picks {
                let d = &hits[rank].doc;
                let useful = d.docid == target.docid;
                s.steps.push(json!({
                    "type": "tool_call", "tool_name": "get_document",
                    "arguments": json!({"docid": d.docid}).to_string(),
                    "output": format!("Document {}:\n{}\n{}", d.docid, d.title.clone().unwrap_or_default(), d.text),
                }));
                s.browses += 1;
                let facts: Vec<&str> = d
                    .text
                    .split(". ")
                    .map(|f| f.trim().trim_end_matches('.'))
                    .filter(|f| !f.is_empty())
                    .collect();
                let other_hop = !useful && evidence.contains(&d.docid);
                let names_it = !useful
                    && about_entity.contains(d.docid.as_str())
                    && d.text.contains(full_name.as_str());
                let taken = if useful {
                    r.range(1, facts.len().max(1))
                } else {
                    1
                };
                let grade = if useful {
                    0.5 + 0.5 * taken as f64 / facts.len().max(1) as f64
                } else if other_hop {
                    0.4
                } else if names_it {
                    0.2
                } else {
                    0.0
                };
                s.truth.push(Truth {
                    run_id: q.id.clone(),
                    step: s.steps.len() - 1,
                    docid: d.docid.clone(),
                    useful,
                    evidence: evidence.contains(&d.docid),
                    grade,
                });
                let rel = q.relations.get(h).copied().unwrap_or("answer");
                let title = d.title.clone().unwrap_or_default();
                let signal = knobs.length_signal.clamp(0.0, 1.0);
                // The note quotes what was taken as far as length is allowed to reveal it.
                let quoted = 1 + (signal * (taken - 1) as f64).round() as usize;
                let fact = facts
                    .iter()
                    .take(quoted)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(". ");
                let text = if useful {
                    found = true;
                    let terse = r.chance(knobs.terse_rate);
                    let note = language::useful(&mut r, name, &title, rel, &fact, terse);
                    if terse {
                        note
                    } else {
                        let n = note.split_whitespace().count();
                        let w = filler_words(&mut r, n, grade, signal);
                        format!("{note} {}", filler(&mut r, w, w))
                    }
                } else if grade > 0.0 {
                    let note = language::partial_use(&mut r, name, &title, rel, &fact);
                    let n = note.split_whitespace().count();
                    let w = filler_words(&mut r, n, grade, signal);
                    format!("{note} {}", filler(&mut r, w, w))
                } else if r.chance(knobs.reject_rate) {
                    let style = language::worded_style(&mut r);
                    format!(
                        "{} {}",
                        language::rejection(&mut r, style, name, &title, rel),
                        filler(&mut r, 2, 12)
                    )
                } else if r.chance(knobs.long_useless_rate) {
                    format!(
                        "Interesting background on {title}. {}",
                        filler(&mut r, 40, 100)
                    )
                } else {
                    format!(
                        "{} {}",
                        language::rejection(&mut r, Rejection::Implicit, name, &title, rel),
                        filler(&mut r, 3, 10)
                    )
                };
                s.reason(text);
                if found {
                    // It has what it needed from this search.
                    break;
                }
            }
            if found {
                continue 'hops;
            }
        }
        if !found {
            solved = false;
            break;
        }
    }
    let answer = if solved && !looping {
        format!("The answer is {}.", q.answer)
    } else {
        let wrong = if q.answer.chars().all(|c| c.is_ascii_digit()) {
            format!(
                "{}",
                q.answer.parse::<u32>().unwrap_or(1600) + 1 + r.below(40) as u32
            )
        } else {
            world.entities[r.below(world.entities.len())].name.clone()
        };
        format!("I could not confirm every step; my best guess is {wrong}.")
    };
    s.steps.push(
        json!({"type": "output_text", "tool_name": null, "arguments": null, "output": answer}),
    );
    let mut retrieved = s.retrieved.clone();
    retrieved.sort();
    retrieved.dedup();
    let served = retriever.served();
    let mut metadata = json!({"model": "lrat-synth scripted agent", "k": knobs.k, "snippet_max_tokens": 40, "searcher_type": served.searcher_type});
    if let Some(m) = &served.model {
        metadata["retriever_model"] = json!(m);
    }
    if let Some(step) = served.step {
        metadata["retriever_step"] = json!(step);
    }
    let run = json!({
        "metadata": metadata,
        "query_id": q.id,
        "tool_call_counts": {"search": s.searches, "get_document": s.browses},
        "status": "completed",
        "retrieved_docids": retrieved,
        "result": s.steps,
        "query": q.text,
        "answer": q.answer,
    });
    Ok((run, s.truth))
}
