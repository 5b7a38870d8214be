//! The simulated world: procedurally named people, towns, ships and companies linked by
//! relations; one document about each, plus distractors that share their names and wording; and
//! questions that need 2 to 4 hops through the relations, with their evidence documents.

use crate::rng::Rng;

const SYL: &[&str] = &[
    "ka", "lo", "ve", "ra", "mi", "to", "sa", "ne", "bri", "dal", "ost", "vin", "mar", "el", "quo",
    "ti", "an", "bel", "cor", "dru", "fen", "gil", "har", "jor", "kel", "lun", "mor", "nor", "pel",
    "ren", "sul", "tam", "ul", "var", "wes", "yor", "zan",
];
const TOWN_SUFFIX: &[&str] = &[
    "by", "holm", "vik", "stad", "mouth", "ford", "haven", "wick",
];
const TRADES: &[&str] = &[
    "shipwright",
    "cartographer",
    "chemist",
    "engineer",
    "painter",
    "physician",
    "composer",
    "astronomer",
    "botanist",
    "merchant",
];
const SHIP_ADJ: &[&str] = &[
    "Grey", "Swift", "Northern", "Silent", "Golden", "Red", "Patient", "Bold",
];
const SHIP_NOUN: &[&str] = &[
    "Heron", "Gull", "Tern", "Star", "Lantern", "Anchor", "Otter", "Wren",
];
const WORKS: &[&str] = &[
    "Rope Works",
    "Dye Works",
    "Shipyard",
    "Foundry",
    "Press",
    "Mill",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Person,
    Town,
    Ship,
    Company,
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub kind: Kind,
    pub year: u32,
    /// Person: trade. Town: its river. Ship: its rig. Company: its product.
    pub trait_word: String,
    /// Person: birthplace (a town). Ship: builder (a person). Company: founder (a person).
    pub link: Option<usize>,
    /// Person: mentor (a person), when there is one.
    pub mentor: Option<usize>,
    /// The document about this entity.
    pub doc: usize,
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub docid: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub answer: String,
    /// The entities visited, first to last; hop `h` reads the document of `chain[h]`.
    pub chain: Vec<usize>,
    /// The relation followed out of each entity but the last, in words.
    pub relations: Vec<&'static str>,
}

pub struct World {
    pub entities: Vec<Entity>,
    pub docs: Vec<Doc>,
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn word(rng: &mut Rng, parts: usize) -> String {
    cap(&(0..parts).map(|_| *rng.pick(SYL)).collect::<String>())
}

impl World {
    /// A world with about `docs` documents (a fifth of them about entities, the rest distractors).
    pub fn generate(docs: usize, rng: &Rng) -> World {
        let mut r = rng.fork(1);
        let n = (docs / 5).max(8);
        let towns = (n / 8).max(2);
        let people = n / 2;
        let ships = (n - towns - people) / 2;
        let companies = n - towns - people - ships;
        let mut entities = Vec::with_capacity(n);
        for i in 0..towns {
            entities.push(Entity {
                name: format!("{}{}", word(&mut r, 2), TOWN_SUFFIX[i % TOWN_SUFFIX.len()]),
                kind: Kind::Town,
                year: 1500 + r.below(300) as u32,
                trait_word: format!("{} river", word(&mut r, 2)),
                link: None,
                mentor: None,
                doc: 0,
            });
        }
        for i in 0..people {
            let mentor = (i > 4 && r.chance(0.6)).then(|| towns + r.below(i));
            entities.push(Entity {
                name: format!("{} {}", word(&mut r, 2), word(&mut r, 3)),
                kind: Kind::Person,
                year: 1750 + r.below(150) as u32,
                trait_word: r.pick(TRADES).to_string(),
                link: Some(r.below(towns)),
                mentor,
                doc: 0,
            });
        }
        for _ in 0..ships {
            entities.push(Entity {
                name: format!(
                    "{} {} {}",
                    r.pick(SHIP_ADJ),
                    r.pick(SHIP_NOUN),
                    word(&mut r, 1)
                ),
                kind: Kind::Ship,
                year: 1800 + r.below(100) as u32,
                trait_word: (*r.pick(&["schooner", "brig", "ketch", "sloop"])).to_string(),
                link: Some(towns + r.below(people)),
                mentor: None,
                doc: 0,
            });
        }
        for _ in 0..companies {
            entities.push(Entity {
                name: format!("{} {}", word(&mut r, 2), r.pick(WORKS)),
                kind: Kind::Company,
                year: 1800 + r.below(100) as u32,
                trait_word: (*r.pick(&["rope", "dye", "hulls", "iron", "paper", "flour"]))
                    .to_string(),
                link: Some(towns + r.below(people)),
                mentor: None,
                doc: 0,
            });
        }
        let mut world = World {
            entities,
            docs: Vec::with_capacity(docs),
        };
        // What each person built or founded, so their documents mention it (and searches for a
        // ship or a company also surface the people behind it).
        let mut works: Vec<Vec<usize>> = vec![Vec::new(); world.entities.len()];
        for (i, e) in world.entities.iter().enumerate() {
            if matches!(e.kind, Kind::Ship | Kind::Company)
                && let Some(p) = e.link
            {
                works[p].push(i);
            }
        }
        for (i, made) in works.iter().enumerate() {
            let (title, text) = world.describe(i, made);
            world.entities[i].doc = world.docs.len();
            world.push_doc(title, text);
        }
        // Distractors: namesakes, places and things that share words with the entities.
        let mut k = 0;
        while world.docs.len() < docs {
            let e = world.entities[r.below(world.entities.len())].clone();
            let (title, text) = match k % 4 {
                0 => {
                    let last = e.name.split_whitespace().last().unwrap_or("").to_string();
                    (
                        format!("{last} (surname)"),
                        format!(
                            "{last} is a surname. People with the name include craftsmen and merchants of the coast; none of them is {}.",
                            e.name
                        ),
                    )
                }
                1 => (
                    format!("{} Street", e.name),
                    format!(
                        "{} Street is a street named after {}. It has shops, a chapel and a small harbour office built in {}.",
                        e.name,
                        e.name,
                        e.year + 60
                    ),
                ),
                2 => (
                    format!(
                        "{} ({})",
                        e.name,
                        r.pick(&["painting", "song", "horse", "novel"])
                    ),
                    format!(
                        "{} is also the title of a work from {}. It is unrelated to the {} of that name and mentions the {} only in passing.",
                        e.name,
                        e.year + 90,
                        kind_word(e.kind),
                        e.trait_word
                    ),
                ),
                _ => (
                    format!("History of the {} trade", e.trait_word),
                    format!(
                        "The {} trade grew in the nineteenth century. Records from {} list workshops and prices, but not who founded them.",
                        e.trait_word, e.year
                    ),
                ),
            };
            world.push_doc(title, text);
            k += 1;
        }
        world
    }

    fn push_doc(&mut self, title: String, text: String) {
        let docid = format!("{}", 10_000 + self.docs.len());
        self.docs.push(Doc { docid, title, text });
    }

    fn name(&self, i: Option<usize>) -> String {
        i.map(|i| self.entities[i].name.clone()).unwrap_or_default()
    }

    fn describe(&self, i: usize, works: &[usize]) -> (String, String) {
        let e = &self.entities[i];
        let text = match e.kind {
            Kind::Town => format!(
                "{} is a town on the {}, founded in {}. Its council keeps records of the families and workshops of the town.",
                e.name, e.trait_word, e.year
            ),
            Kind::Person => {
                let mut t = format!(
                    "{} (born {} in {}) was a {}. {} trained in {} and later worked along the coast.",
                    e.name,
                    e.year,
                    self.name(e.link),
                    e.trait_word,
                    e.name.split_whitespace().next().unwrap_or(""),
                    self.name(e.link)
                );
                if e.mentor.is_some() {
                    t.push_str(&format!(
                        " {} was apprenticed to {}.",
                        e.name,
                        self.name(e.mentor)
                    ));
                }
                for &w in works.iter().take(3) {
                    let x = &self.entities[w];
                    t.push_str(&match x.kind {
                        Kind::Ship => format!(" {} built the {} {}.", e.name, x.trait_word, x.name),
                        _ => format!(" {} founded {}.", e.name, x.name),
                    });
                }
                t
            }
            Kind::Ship => format!(
                "The {} was a {} launched in {}. She was built by {}, and sailed the northern coast for decades.",
                e.name,
                e.trait_word,
                e.year,
                self.name(e.link)
            ),
            Kind::Company => format!(
                "{} was a company making {}, founded in {} by {}. It employed many workers from the district.",
                e.name,
                e.trait_word,
                e.year,
                self.name(e.link)
            ),
        };
        (e.name.clone(), text)
    }

    /// Question `i`: a chain of 2 to 4 hops ending in a town's name or a founding year.
    pub fn question(&self, i: usize, rng: &Rng) -> Question {
        let mut r = rng.fork(1_000_000 + i as u64);
        loop {
            let hops = r.range(2, 4);
            let starts: Vec<usize> = (0..self.entities.len())
                .filter(|&k| matches!(self.entities[k].kind, Kind::Ship | Kind::Company))
                .collect();
            let start = *r.pick(&starts);
            let mut chain = vec![start];
            let mut relations: Vec<&'static str> = Vec::new();
            let mut cur = start;
            while chain.len() < hops {
                let e = &self.entities[cur];
                let (next, rel) = match e.kind {
                    Kind::Ship => (e.link, "builder"),
                    Kind::Company => (e.link, "founder"),
                    Kind::Person if chain.len() + 1 < hops && e.mentor.is_some() => {
                        (e.mentor, "master")
                    }
                    Kind::Person => (e.link, "birthplace"),
                    Kind::Town => (None, ""),
                };
                let Some(n) = next else { break };
                chain.push(n);
                relations.push(rel);
                cur = n;
            }
            if chain.len() < 2 {
                continue;
            }
            let last = &self.entities[cur];
            let start_e = &self.entities[start];
            let mut phrase = match start_e.kind {
                Kind::Ship => format!("the ship {}", start_e.name),
                _ => format!("the company {}", start_e.name),
            };
            for rel in &relations {
                phrase = format!("the {rel} of {phrase}");
            }
            let (text, answer) = match last.kind {
                Kind::Town => (
                    format!("In what year was {phrase} founded?"),
                    last.year.to_string(),
                ),
                Kind::Person => (format!("Where was {phrase} born?"), self.name(last.link)),
                _ => continue,
            };
            return Question {
                id: format!("q{i}"),
                text,
                answer,
                chain,
                relations,
            };
        }
    }
}

pub fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Person => "person",
        Kind::Town => "town",
        Kind::Ship => "ship",
        Kind::Company => "company",
    }
}
