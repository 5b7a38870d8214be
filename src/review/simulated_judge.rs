//! An LLM judge whose mistakes are known: an OpenAI-compatible server on a loopback port that
//! answers each browse's prompt with a verdict drawn against the simulator's truth, at a chosen
//! error rate, and the verdict token's log-probabilities (calibrated, overconfident or
//! uninformative). lrat's own LLM judge client talks to it as to any server.
//!
//! **Where it errs.** A share `hard` of the browses is hard: the judge is wrong there with
//! chance `min(0.5, 0.85·rate/hard)`; the rest takes the error rate that makes the mean `rate`.
//! Which browses are hard, and which it gets wrong, is fixed by the seed and the browse, so
//! every probability style sees the same verdicts.
//!
//! **What it says about itself.** Calibrated: the probability of the verdict it gave is its
//! chance of being right (jittered by ±25 % of the chance of error). Overconfident: the chance
//! of error it admits is a fifth of the calibrated one (the order is kept, the scale is not).
//! Uninformative: a probability from 0.55 to 1, whatever the chance of error.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::text::stable_hash;
use crate::verdict::Verdict;

/// How the simulated judge's probabilities relate to its mistakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Probabilities {
    Calibrated,
    Overconfident,
    Uninformative,
}

impl Probabilities {
    pub fn name(self) -> &'static str {
        match self {
            Probabilities::Calibrated => "calibrated",
            Probabilities::Overconfident => "overconfident",
            Probabilities::Uninformative => "uninformative",
        }
    }
}

/// The judge's error model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Errors {
    /// The mean chance of a wrong verdict.
    pub rate: f64,
    /// The share of browses that are hard.
    pub hard: f64,
    pub seed: u64,
}

/// A number in [0, 1) from a seed and some words.
fn unit(seed: u64, parts: &[&str]) -> f64 {
    let mut all = vec![seed.to_string()];
    all.extend(parts.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let h = stable_hash(&refs);
    u64::from_str_radix(&h[..13], 16).unwrap_or(0) as f64 / (1u64 << 52) as f64
}

impl Errors {
    /// The chances of error on hard and on other browses.
    pub fn chances(&self) -> (f64, f64) {
        let hard = self.hard.clamp(1e-6, 1.0);
        let on_hard = (0.85 * self.rate / hard).min(0.5);
        let rest = if hard >= 1.0 {
            0.0
        } else {
            ((self.rate - hard * on_hard) / (1.0 - hard)).clamp(0.0, 0.5)
        };
        (on_hard, rest)
    }

    /// What the judge says about browse `key` whose truth is `useful`: its verdict and its
    /// probability of relevant.
    pub fn answer(&self, key: &str, useful: bool, style: Probabilities) -> (Verdict, f64) {
        let (on_hard, rest) = self.chances();
        let e = if unit(self.seed, &[key, "hard"]) < self.hard {
            on_hard
        } else {
            rest
        };
        let wrong = unit(self.seed, &[key, "wrong"]) < e;
        let said = if useful != wrong {
            Verdict::Relevant
        } else {
            Verdict::NotRelevant
        };
        let jitter = 0.75 + 0.5 * unit(self.seed, &[key, "jitter"]);
        let calibrated = (1.0 - e * jitter).clamp(0.5, 0.999);
        let confidence = match style {
            Probabilities::Calibrated => calibrated,
            Probabilities::Overconfident => 1.0 - (1.0 - calibrated) / 5.0,
            Probabilities::Uninformative => 0.55 + 0.45 * unit(self.seed, &[key, "shown"]),
        };
        let p = match said {
            Verdict::Relevant => confidence,
            Verdict::NotRelevant => 1.0 - confidence,
        };
        (said, p)
    }
}

/// The server: answers by prompt (a hash of the prompt's text names the browse).
pub struct SimulatedJudge {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the server answers to each prompt it knows: the verdict and its probability of relevant.
pub type Answers = HashMap<String, (Verdict, f64)>;

/// The key the server finds a prompt by.
pub fn prompt_key(prompt: &str) -> String {
    stable_hash(&[prompt])
}

/// The chat completion for `verdict` said with probability of relevant `p`: text ending in the
/// verdict word, and (when asked) the verdict token's log-probabilities with the other verdict's
/// first token as the alternative.
fn completion(verdict: Verdict, p: f64, logprobs: bool) -> Value {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    let (word, tokens): (&str, &[&str]) = match verdict {
        Verdict::Relevant => ("RELEVANT", &["REL", "EVANT"]),
        Verdict::NotRelevant => ("NOT_RELEVANT", &["NOT", "_REL", "EVANT"]),
    };
    let mut choice = json!({
        "index": 0,
        "message": {"role": "assistant", "content": format!("Judged from the reasoning.\n{word}")},
        "finish_reason": "stop",
    });
    if logprobs {
        let (rel, not) = (p.ln(), (1.0 - p).ln());
        let first = match verdict {
            Verdict::Relevant => rel,
            Verdict::NotRelevant => not,
        };
        let mut content = vec![
            json!({"token": "Judged from the reasoning.", "logprob": 0.0, "top_logprobs": []}),
            json!({"token": "\n", "logprob": 0.0, "top_logprobs": []}),
            json!({"token": tokens[0], "logprob": first, "top_logprobs": [
                {"token": "REL", "logprob": rel}, {"token": "NOT", "logprob": not}
            ]}),
        ];
        for t in &tokens[1..] {
            content.push(json!({"token": t, "logprob": 0.0, "top_logprobs": []}));
        }
        choice["logprobs"] = json!({ "content": content });
    }
    json!({"id": "simulated", "object": "chat.completion", "model": "simulated-judge", "choices": [choice]})
}

async fn chat(
    axum::extract::State(answers): axum::extract::State<Arc<Answers>>,
    body: String,
) -> (axum::http::StatusCode, String) {
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return (axum::http::StatusCode::BAD_REQUEST, "not JSON".into());
    };
    let prompt = v["messages"][0]["content"].as_str().unwrap_or("");
    let logprobs = v["logprobs"].as_bool().unwrap_or(false);
    match answers.get(&prompt_key(prompt)) {
        Some(&(verdict, p)) => (
            axum::http::StatusCode::OK,
            completion(verdict, p, logprobs).to_string(),
        ),
        // A prompt it was not given: a server error, which leaves the browse pending.
        None => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "unknown prompt".into(),
        ),
    }
}

impl SimulatedJudge {
    /// Serves `answers` on 127.0.0.1 (a free port) until dropped.
    pub fn start(answers: Answers) -> Result<SimulatedJudge> {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| Error::io("127.0.0.1:0", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("127.0.0.1:0", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("127.0.0.1:0", e))?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let answers = Arc::new(answers);
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = axum::Router::new()
                    .route("/v1/chat/completions", axum::routing::post(chat))
                    .with_state(answers);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        Ok(SimulatedJudge {
            url: format!("http://{addr}"),
            stop: Some(tx),
            thread: Some(thread),
        })
    }
}

impl Drop for SimulatedJudge {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_rate_is_the_one_asked_for() {
        let e = Errors {
            rate: 0.15,
            hard: 0.2,
            seed: 3,
        };
        let (on_hard, rest) = e.chances();
        assert!((0.2 * on_hard + 0.8 * rest - 0.15).abs() < 1e-9);
        let n = 20_000;
        let wrong = (0..n)
            .filter(|i| {
                e.answer(&i.to_string(), true, Probabilities::Calibrated).0 != Verdict::Relevant
            })
            .count();
        let rate = wrong as f64 / n as f64;
        assert!((rate - 0.15).abs() < 0.01, "{rate}");
        // The same verdicts whatever the probabilities say.
        for i in 0..100 {
            let k = i.to_string();
            assert_eq!(
                e.answer(&k, false, Probabilities::Calibrated).0,
                e.answer(&k, false, Probabilities::Uninformative).0
            );
        }
    }
}
