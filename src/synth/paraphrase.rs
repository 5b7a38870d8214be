//! The agent's own words. The world's pages say "shipwright", "launched", "founded"; an agent
//! searching for them writes "boatbuilder", "maiden voyage", "established" — words no document
//! uses, so a retriever that only matches terms misses pages a retriever that learned the
//! world's vocabulary finds.

use crate::rng::Rng;

/// A term of a search and the words the agent may write instead (none of them appears in any
/// document of the world).
const SYNONYMS: &[(&str, &[&str])] = &[
    ("ship", &["vessel", "craft", "boat"]),
    ("company", &["firm", "business", "enterprise"]),
    ("town", &["settlement", "village", "township"]),
    ("schooner", &["fore-aft rigger", "two-masted coaster"]),
    ("brig", &["square-rigger", "two-masted square rigger"]),
    ("ketch", &["yawl", "mizzen-masted boat"]),
    ("sloop", &["single-master", "cutter"]),
    ("rope", &["cordage", "hawsers"]),
    ("dye", &["pigments", "colourings"]),
    ("hulls", &["boat frames", "keels"]),
    ("iron", &["ironware", "metal castings"]),
    ("paper", &["stationery", "pulp sheets"]),
    ("flour", &["milled grain", "meal"]),
    ("launched", &["maiden voyage", "commissioned"]),
    ("founded", &["established", "set up"]),
    ("built", &["constructed", "made"]),
    ("born", &["native", "birth"]),
    ("apprenticed", &["pupil", "mentored"]),
    ("shipwright", &["boatbuilder", "boat maker"]),
    ("cartographer", &["mapmaker", "surveyor"]),
    ("chemist", &["apothecary", "alchemist"]),
    ("engineer", &["mechanic", "machinist"]),
    ("painter", &["artist", "portraitist"]),
    ("physician", &["doctor", "surgeon"]),
    ("composer", &["musician", "songwriter"]),
    ("astronomer", &["stargazer", "skywatcher"]),
    ("botanist", &["herbalist", "plant collector"]),
    ("merchant", &["dealer", "shopkeeper"]),
];

/// Every word the agent may write instead of a world's word.
pub fn all_synonyms() -> impl Iterator<Item = &'static str> {
    SYNONYMS.iter().flat_map(|(_, s)| s.iter().copied())
}

/// `term` in the agent's words with chance `rate` (when it has any), else as the world says it.
pub fn term(r: &mut Rng, term: &str, rate: f64) -> String {
    match SYNONYMS.iter().find(|(w, _)| *w == term) {
        Some((_, alts)) if r.chance(rate) => (*r.pick(alts)).to_string(),
        _ => term.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::world::World;

    #[test]
    fn no_document_uses_the_agents_words() {
        let world = World::generate(600, &Rng::new(3));
        let mut words = std::collections::HashSet::new();
        for d in &world.docs {
            for w in format!("{} {}", d.title, d.text).split(|c: char| !c.is_alphanumeric()) {
                words.insert(w.to_lowercase());
            }
        }
        for s in all_synonyms() {
            for w in s.split(|c: char| !c.is_alphanumeric()) {
                assert!(!words.contains(w), "`{w}` (from `{s}`) is in the corpus");
            }
        }
    }

    #[test]
    fn rate_sets_how_often_a_term_is_replaced() {
        let mut r = Rng::new(1);
        assert_eq!(term(&mut r, "ship", 0.0), "ship");
        assert_ne!(term(&mut r, "ship", 1.0), "ship");
        assert_eq!(term(&mut r, "Kalovik", 1.0), "Kalovik");
    }
}
