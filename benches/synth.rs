//! Simulator speed: 10,000 runs over 100,000 documents (`LRAT_BENCH_RUNS`, `LRAT_BENCH_DOCS`),
//! written to `target/bench-data/synth`.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use lrat::synth::{self, Knobs};

mod common;

fn main() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (runs, docs) = (
        env("LRAT_BENCH_RUNS", 10_000),
        env("LRAT_BENCH_DOCS", 100_000),
    );
    let dir = common::data_dir("synth");
    let _ = std::fs::remove_dir_all(&dir);
    let t = Instant::now();
    let w = synth::generate(&dir, runs, docs, 7, &Knobs::default()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let bytes: u64 = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!(
        "synth benchmark: {} runs, {} browses, {} documents",
        w.runs, w.browses, w.docs
    );
    println!(
        "generated in {secs:.2} s ({:.0} runs/s, {:.0} MB of runs)",
        w.runs as f64 / secs,
        bytes as f64 / 1e6
    );
    println!(
        "peak RSS {:.0} MB",
        lrat::sys::peak_rss_mb().unwrap_or(f64::NAN)
    );
}
