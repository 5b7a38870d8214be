//! Counting tokens for `l` without encodings gives exactly what the tokenizer's own encoding
//! gives: on a BERT WordPiece tokenizer built here (the direct count) and on the real MiniLM
//! tokenizer when `LRAT_MINILM_DIR` names it, for ordinary text and hostile text alike (accents,
//! CJK, control characters, punctuation, very long words, special tokens in the text).

use lrat::mine::tokens::TokenCounter;
use proptest::prelude::*;
use tokenizers::Tokenizer;

const TEXTS: &[&str] = &[
    "The page confirms it: Ada Brenn founded the Kaldvik mill in 1884.",
    "Wrong page — this is about Brantholm's harbour, not the keeper.",
    "Café déjà vu: naïve façade, Ångström, Øresund, İstanbul, straße.",
    "北京大学 was founded in 1898; 東京 too.",
    "tabs\tand\nnewlines\r\nand \u{0007}bell and \u{200b}zero-width and \u{fffd}",
    "supercalifragilisticexpialidocioussupercalifragilisticexpialidocioussupercalifragilisticexpialidociousxyzxyzxyz",
    "[CLS] a literal [SEP] in the reasoning [MASK] and [UNK]",
    "emoji 🚀🚀 and math ∑∫ and «quotes» and ‘curly’ ¿qué?",
    "",
    "   ",
];

fn tokenizer() -> Tokenizer {
    let mut t = lrat::train::scratch::train_tokenizer(TEXTS.iter().copied(), 200).unwrap();
    t.with_truncation(None).unwrap();
    t.with_padding(None);
    t
}

fn agree(tk: &Tokenizer, counter: &TokenCounter, text: &str) {
    let want = tk.encode_fast(text, false).unwrap().len();
    assert_eq!(counter.count(text), Some(want), "{text:?}");
}

#[test]
fn direct_wordpiece_count_equals_the_encoding() {
    let tk = tokenizer();
    let counter = TokenCounter::new(Box::new(tk.clone()));
    assert!(
        counter.is_direct(),
        "a BERT WordPiece tokenizer is counted directly"
    );
    for t in TEXTS {
        agree(&tk, &counter, t);
    }
}

#[test]
fn the_real_minilm_tokenizer_agrees() {
    let Ok(dir) = std::env::var("LRAT_MINILM_DIR") else {
        eprintln!("skipped: LRAT_MINILM_DIR is not set (.ci/run sets it)");
        return;
    };
    let mut tk = Tokenizer::from_file(std::path::Path::new(&dir).join("tokenizer.json")).unwrap();
    tk.with_truncation(None).unwrap();
    tk.with_padding(None);
    let counter = TokenCounter::new(Box::new(tk.clone()));
    assert!(counter.is_direct());
    for t in TEXTS {
        agree(&tk, &counter, t);
    }
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_trajectories/runs");
    let runs = lrat::run::load(&[sample.into()], &Default::default())
        .unwrap()
        .runs;
    for b in lrat::judge::browse_inputs(&runs) {
        agree(&tk, &counter, &b.reasoning);
        agree(&tk, &counter, b.document.as_deref().unwrap_or(""));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_text_counts_the_same(text in "(\\PC|[\\t\\n\\r\\u{0}\\u{7}\\u{fffd}\\u{301}\\u{4e00}-\\u{4e10}]|\\[SEP\\]|[a-z]{1,30}| ){0,60}") {
        let tk = tokenizer();
        let counter = TokenCounter::new(Box::new(tk.clone()));
        let want = tk.encode_fast(text.as_str(), false).unwrap().len();
        prop_assert_eq!(counter.count(&text), Some(want));
    }
}
