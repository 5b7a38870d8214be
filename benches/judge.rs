//! LLM judge throughput against a loopback OpenAI-compatible server that answers after an injected
//! latency (200 ms by default): judged browses per second against concurrency / latency.
//!
//! `cargo bench --bench judge` (`LRAT_BENCH_LATENCY_MS`, `LRAT_BENCH_BROWSES` to change).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use lrat::config::JudgeConfig;
use lrat::judge::llm::LlmJudge;
use lrat::judge::{BrowseInput, Outcome};

#[path = "../tests/it/server.rs"]
#[allow(dead_code)]
mod server;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let latency = Duration::from_millis(env("LRAT_BENCH_LATENCY_MS", 200));
    let n = env("LRAT_BENCH_BROWSES", 400) as usize;
    let srv = server::Server::start(move |_, _| {
        server::Reply::Slow(latency, Box::new(server::Reply::Content("RELEVANT".into())))
    });
    let inputs: Vec<BrowseInput> = (0..n)
        .map(|i| BrowseInput {
            run_id: format!("r{}", i / 10),
            step: i,
            docid: format!("d{i}"),
            question: "q".into(),
            reasoning: format!("reasoning {i}"),
            document: Some("text".into()),
        })
        .collect();
    println!(
        "judge throughput: {n} browses, {} ms per answer, loopback server",
        latency.as_millis()
    );
    println!(
        "{:>11} {:>9} {:>10} {:>10} {:>8}",
        "concurrency", "seconds", "judged/s", "ideal/s", "ratio"
    );
    for concurrency in [1usize, 8, 32] {
        let cfg = JudgeConfig {
            url: srv.url.clone(),
            model: "bench".into(),
            temperature: 0.0,
            top_p: 1.0,
            max_tokens: 8,
            concurrency,
            timeout_secs: 30,
            attempts: 3,
            backoff_ms: 100,
            backoff_max_ms: 1000,
            logprobs: false,
            votes: 1,
        };
        let j = LlmJudge::new(cfg, None, None, None);
        let take = if concurrency == 1 { n.min(20) } else { n };
        let t = Instant::now();
        let out = j.judge_all(&inputs[..take], &|_, _| {});
        let secs = t.elapsed().as_secs_f64();
        assert!(out.iter().all(|o| matches!(o, Outcome::Judged { .. })));
        let rate = take as f64 / secs;
        let ideal = concurrency as f64 / latency.as_secs_f64();
        println!(
            "{concurrency:>11} {secs:>9.2} {rate:>10.1} {ideal:>10.1} {:>8.3}",
            rate / ideal
        );
    }
}
