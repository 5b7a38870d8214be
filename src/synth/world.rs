//! The simulated world: procedurally named people, towns, ships and companies linked by
//! relations; one document about each, plus distractors that share their names and wording; and
//! questions that need 2 to 4 hops through the relations, with their evidence documents.
//!
//! Pages name the people they link to the way encyclopedia entries do — by trade and surname
//! ("built by the shipwright Brenn") — and surnames are shared by several people, so following
//! a link means telling namesakes apart. Every document has the same form (a title, then prose
//! that does not open with it), so nothing but its content tells a useful page from a namesake.

use crate::rng::Rng;

const SYL: &[&str] = &[
    "ka", "lo", "ve", "ra", "mi", "to", "sa", "ne", "bri", "dal", "ost", "vin", "mar", "el", "quo",
    "ti", "an", "bel", "cor", "dru", "fen", "gil", "har", "jor", "kel", "lun", "mor", "nor", "pel",
    "ren", "sul", "tam", "ul", "var", "wes", "yor", "zan",
];
const TOWN_SUFFIX: &[&str] = &[
    "by", "holm", "vik", "stad", "mouth", "ford", "haven", "wick",
];
pub const TRADES: &[&str] = &[
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
pub const RIGS: &[&str] = &["schooner", "brig", "ketch", "sloop"];
pub const PRODUCTS: &[&str] = &["rope", "dye", "hulls", "iron", "paper", "flour"];
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
    /// A person's family name (shared with other people); the whole name otherwise.
    pub surname: String,
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

impl Entity {
    /// How other pages name this entity: a person by trade and surname, the rest by name.
    pub fn reference(&self) -> String {
        match self.kind {
            Kind::Person => format!("the {} {}", self.trait_word, self.surname),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub docid: String,
    pub title: String,
    pub text: String,
}

/// What an obfuscated question says about its first entity instead of naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clues {
    pub kind: Kind,
    /// The ship's rig or the company's product.
    pub trait_word: String,
    /// The decade of its launch or founding (1840 for the 1840s).
    pub decade: u32,
    /// The trade of its builder or founder.
    pub maker_trade: String,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    /// The question's number in the world (questions are numbered from 0).
    pub number: usize,
    pub text: String,
    pub answer: String,
    /// The entities visited, first to last; hop `h` reads the document of `chain[h]`.
    pub chain: Vec<usize>,
    /// The relation followed out of each entity but the last, in words.
    pub relations: Vec<&'static str>,
    /// Whether the question names its first entity (else it gives only `clues`).
    pub named: bool,
    pub clues: Clues,
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
        let mut taken = std::collections::HashSet::new();
        // A name not taken yet; once a kind's names run short (a large world has more ships
        // than adjective × noun × syllable), later ones are numbered ("Grey Heron Ka 2").
        let mut unique = |r: &mut Rng, make: &dyn Fn(&mut Rng) -> String| {
            let mut tries = 0;
            loop {
                let mut name = make(r);
                tries += 1;
                if tries > 50 {
                    name = format!("{name} {}", tries / 50 + 1);
                }
                if taken.insert(name.clone()) {
                    return name;
                }
            }
        };
        for i in 0..towns {
            let name = unique(&mut r, &|r| {
                format!("{}{}", word(r, 2), TOWN_SUFFIX[i % TOWN_SUFFIX.len()])
            });
            entities.push(Entity {
                surname: name.clone(),
                name,
                kind: Kind::Town,
                year: 1500 + r.below(300) as u32,
                trait_word: format!("{} river", word(&mut r, 2)),
                link: None,
                mentor: None,
                doc: 0,
            });
        }
        // About three people share each family name.
        let surnames: Vec<String> = (0..(people / 3).max(2))
            .map(|_| unique(&mut r, &|r| word(r, 3)))
            .collect();
        for i in 0..people {
            let surname = r.pick(&surnames).clone();
            let name = unique(&mut r, &|r| format!("{} {surname}", word(r, 2)));
            let mentor = (i > 4 && r.chance(0.6)).then(|| towns + r.below(i));
            entities.push(Entity {
                name,
                surname,
                kind: Kind::Person,
                year: 1750 + r.below(150) as u32,
                trait_word: r.pick(TRADES).to_string(),
                link: Some(r.below(towns)),
                mentor,
                doc: 0,
            });
        }
        for _ in 0..ships {
            let name = unique(&mut r, &|r| {
                format!("{} {} {}", r.pick(SHIP_ADJ), r.pick(SHIP_NOUN), word(r, 1))
            });
            entities.push(Entity {
                surname: name.clone(),
                name,
                kind: Kind::Ship,
                year: 1800 + r.below(100) as u32,
                trait_word: (*r.pick(RIGS)).to_string(),
                link: Some(towns + r.below(people)),
                mentor: None,
                doc: 0,
            });
        }
        for _ in 0..companies {
            let name = unique(&mut r, &|r| format!("{} {}", word(r, 2), r.pick(WORKS)));
            entities.push(Entity {
                surname: name.clone(),
                name,
                kind: Kind::Company,
                year: 1800 + r.below(100) as u32,
                trait_word: (*r.pick(PRODUCTS)).to_string(),
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
            let place = world.entities[r.below(towns)].name.clone();
            let (title, text) = match k % 4 {
                0 => (
                    format!("{} (surname)", e.surname),
                    format!(
                        "A family name of the coast. People called {} include craftsmen, merchants and at least one {} from {place}.",
                        e.surname,
                        r.pick(TRADES)
                    ),
                ),
                1 => (
                    format!("{} Street", e.name),
                    format!(
                        "A street in {place} named after {}. It has shops, a chapel and a small harbour office built in {}.",
                        e.name,
                        e.year + 60
                    ),
                ),
                2 => {
                    let what = *r.pick(&["painting", "song", "horse", "novel"]);
                    (
                        format!("{} ({what})", e.name),
                        format!(
                            "A {what} from {} that shares its title with the {} {}. It is unrelated to it and mentions the {} only in passing.",
                            e.year + 90,
                            kind_word(e.kind),
                            e.name,
                            e.trait_word
                        ),
                    )
                }
                _ => (
                    format!("History of the {} trade", e.trait_word),
                    format!(
                        "In the nineteenth century the {} trade grew along the coast. Records from {} list workshops and prices in {place}, but not who founded them.",
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

    fn reference(&self, i: Option<usize>) -> String {
        i.map(|i| self.entities[i].reference()).unwrap_or_default()
    }

    fn describe(&self, i: usize, works: &[usize]) -> (String, String) {
        let e = &self.entities[i];
        let text = match e.kind {
            Kind::Town => format!(
                "Founded in {}, {} is a town on the {}. Its council keeps records of the families and workshops of the town.",
                e.year, e.name, e.trait_word
            ),
            Kind::Person => {
                let mut t = format!(
                    "Born in {} in {}, {} was a {}. {} trained in {} and later worked along the coast.",
                    e.year,
                    self.name(e.link),
                    e.name,
                    e.trait_word,
                    e.surname,
                    self.name(e.link)
                );
                if e.mentor.is_some() {
                    t.push_str(&format!(
                        " {} was apprenticed to {}.",
                        e.surname,
                        self.reference(e.mentor)
                    ));
                }
                for &w in works.iter().take(3) {
                    let x = &self.entities[w];
                    t.push_str(&match x.kind {
                        Kind::Ship => {
                            format!(" {} built the {} {}.", e.surname, x.trait_word, x.name)
                        }
                        _ => format!(" {} founded {}.", e.surname, x.name),
                    });
                }
                t
            }
            Kind::Ship => format!(
                "Launched in {}, the {} was a {}. She was built by {}, and sailed the northern coast for decades.",
                e.year,
                e.name,
                e.trait_word,
                self.reference(e.link)
            ),
            Kind::Company => format!(
                "Founded in {} by {}, {} was a company making {}. It employed many workers from the district.",
                e.year,
                self.reference(e.link),
                e.name,
                e.trait_word
            ),
        };
        (e.name.clone(), text)
    }

    /// Question `i`: a chain of 2 to 4 hops ending in a town's founding year or a person's
    /// birthplace. With chance `obfuscation` it describes its first entity by clues (kind,
    /// rig or product, decade, its maker's trade) and names no entity of the chain; otherwise
    /// it names the first entity.
    pub fn question(&self, i: usize, rng: &Rng, obfuscation: f64) -> Question {
        let mut r = rng.fork(1_000_000 + i as u64);
        let named = !r.chance(obfuscation);
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
            let clues = Clues {
                kind: start_e.kind,
                trait_word: start_e.trait_word.clone(),
                decade: start_e.year / 10 * 10,
                maker_trade: self.entities[chain[1]].trait_word.clone(),
            };
            let (intro, mut phrase) = if named {
                let first = match start_e.kind {
                    Kind::Ship => format!("the ship {}", start_e.name),
                    _ => format!("the company {}", start_e.name),
                };
                (String::new(), format!("the {} of {first}", relations[0]))
            } else {
                let intro = match start_e.kind {
                    Kind::Ship => format!(
                        "A {} was launched in the {}s by {}. ",
                        clues.trait_word,
                        clues.decade,
                        with_article(&clues.maker_trade)
                    ),
                    _ => format!(
                        "A company making {} was founded in the {}s by {}. ",
                        clues.trait_word,
                        clues.decade,
                        with_article(&clues.maker_trade)
                    ),
                };
                (intro, format!("its {}", relations[0]))
            };
            for rel in &relations[1..] {
                phrase = format!("the {rel} of {phrase}");
            }
            let (ask, answer) = match last.kind {
                Kind::Town => (
                    format!("In what year was {phrase} founded?"),
                    last.year.to_string(),
                ),
                Kind::Person => (format!("Where was {phrase} born?"), self.name(last.link)),
                _ => continue,
            };
            return Question {
                id: question_id(i),
                number: i,
                text: format!("{intro}{}", cap(&ask)),
                answer,
                chain,
                relations,
                named,
                clues,
            };
        }
    }
}

/// The run id of the world's question `i` (`q17`).
pub fn question_id(i: usize) -> String {
    format!("q{i}")
}

/// The world's question a simulated run asked (`q17` → 17), the inverse of [`question_id`].
pub fn question_number(run_id: &str) -> Option<usize> {
    run_id.strip_prefix('q')?.parse().ok()
}

/// `a shipwright`, `an engineer`.
fn with_article(noun: &str) -> String {
    let an = noun
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if an { "an" } else { "a" })
}

pub fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Person => "person",
        Kind::Town => "town",
        Kind::Ship => "ship",
        Kind::Company => "company",
    }
}
