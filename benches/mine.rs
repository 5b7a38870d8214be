//! Mining speed and memory of `lrat mine` itself (the binary users run, not a special path):
//! generated real-shaped runs (`LRAT_BENCH_MB`, default 119 MB ≈ 2,000 runs) mined in paper mode,
//! texts from the runs, with `l` in words and, given a tokenizer (`LRAT_TOKENIZER`, a
//! `tokenizer.json` or model folder, else `LRAT_MINILM_DIR`), in tokens. Each setting runs
//! `LRAT_BENCH_REPEATS` times (default 3, alternating); the median wall time and the largest peak
//! memory (as `lrat mine` reports it) are printed.
//!
//! `cargo bench --bench mine`
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod common;

struct Setting {
    name: &'static str,
    args: Vec<String>,
}

fn run(dir: &Path, out: &Path, s: &Setting) -> (f64, f64, String) {
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .arg("mine")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .args(&s.args)
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    let peak = err
        .lines()
        .find_map(|l| l.strip_prefix("peak memory "))
        .and_then(|l| l.trim_end_matches(" MB").parse().ok())
        .unwrap_or(f64::NAN);
    let pairs = err
        .lines()
        .find_map(|l| l.strip_prefix("pairs emitted"))
        .map(|l| l.trim().to_string())
        .unwrap_or_default();
    (secs, peak, pairs)
}

fn main() {
    let mb = std::env::var("LRAT_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(119u64);
    let repeats: usize = std::env::var("LRAT_BENCH_REPEATS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = common::data_dir("mine");
    let (files, _) = common::generate(&dir, mb << 20);
    let n = std::fs::read_dir(&files).unwrap().count();
    let out = dir.join("pairs.jsonl");
    let mut settings = vec![Setting {
        name: "words",
        args: vec![],
    }];
    let tokenizer: Option<PathBuf> = std::env::var("LRAT_TOKENIZER")
        .or_else(|_| std::env::var("LRAT_MINILM_DIR"))
        .ok()
        .map(PathBuf::from);
    match &tokenizer {
        Some(t) => settings.push(Setting {
            name: "tokens",
            args: vec![
                "--length".into(),
                "tokens".into(),
                "--tokenizer".into(),
                t.display().to_string(),
            ],
        }),
        None => println!("no LRAT_TOKENIZER or LRAT_MINILM_DIR: tokens not measured"),
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!(
        "lrat mine: {mb} MiB of generated runs, {n} files, {cores} threads, {repeats} runs each"
    );
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); settings.len()];
    let mut peaks = vec![0f64; settings.len()];
    let mut pairs = vec![String::new(); settings.len()];
    for _ in 0..repeats {
        for (i, s) in settings.iter().enumerate() {
            let (t, p, n) = run(&files, &out, s);
            times[i].push(t);
            peaks[i] = peaks[i].max(p);
            pairs[i] = n;
        }
    }
    println!(
        "{:<8} {:>8} {:>10} {:>8} {:>12}",
        "length", "pairs", "median s", "MB/s", "peak MB"
    );
    for (i, s) in settings.iter().enumerate() {
        let mut t = times[i].clone();
        t.sort_by(f64::total_cmp);
        let med = t[t.len() / 2];
        println!(
            "{:<8} {:>8} {med:>10.2} {:>8.0} {:>12.0}",
            s.name,
            pairs[i],
            mb as f64 * 1.048_576 / med,
            peaks[i]
        );
    }
    let _ = std::fs::remove_file(out);
}
