//! The OpenAI-compatible LLM judge: our prompt (`assets/judge_prompt.txt`), concurrent requests,
//! per-request timeouts, retries with exponential backoff and jitter on 429, 5xx, timeouts and
//! unusable answers (honouring `Retry-After`), and a cache. A browse whose attempts all fail stays
//! pending: it never becomes a label.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::cache::{Cache, Entry};
use super::{BrowseInput, Judgement, Outcome, Pending};
use crate::config::JudgeConfig;
use crate::text::stable_hash;
use crate::verdict::Verdict;

pub const DEFAULT_PROMPT: &str = include_str!("../../assets/judge_prompt.txt");

/// How long the document shown to the judge may be, in characters.
const DOC_CHARS: usize = 6000;

/// The client: settings, the key (from the environment, never written), template and cache.
pub struct LlmJudge {
    pub cfg: JudgeConfig,
    api_key: Option<String>,
    template: String,
    prompt_hash: String,
    agent: ureq::Agent,
    cache: Option<Cache>,
    /// Set when the server refused `logprobs`: later requests go without.
    no_logprobs: AtomicBool,
}

/// One answer: its text and, when the server gave them, its token log-probabilities.
#[derive(Debug, Clone)]
pub struct Reply {
    pub content: String,
    pub logprobs: Option<Value>,
}

/// Why one attempt failed, and whether another may help.
#[derive(Debug)]
struct Failure {
    reason: String,
    retry: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn retry(reason: impl Into<String>) -> Self {
        Failure {
            reason: reason.into(),
            retry: true,
            retry_after: None,
        }
    }
}

pub use super::verdict_text::parse_verdict;

/// `Retry-After` in seconds (HTTP dates are treated as "soon").
fn retry_after(v: &str) -> Option<Duration> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(300.0)))
}

/// Endpoint for a base URL given with or without `/v1` or the full path.
pub fn endpoint(base: &str) -> String {
    let b = base.trim_end_matches('/');
    if b.ends_with("/chat/completions") {
        b.to_string()
    } else if b.ends_with("/v1") {
        format!("{b}/chat/completions")
    } else {
        format!("{b}/v1/chat/completions")
    }
}

impl LlmJudge {
    pub fn new(
        cfg: JudgeConfig,
        api_key: Option<String>,
        template: Option<String>,
        cache: Option<Cache>,
    ) -> Self {
        let template = template.unwrap_or_else(|| DEFAULT_PROMPT.to_string());
        let prompt_hash = stable_hash(&[&template]);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(cfg.timeout_secs.max(1))))
            .http_status_as_error(false)
            .build()
            .into();
        LlmJudge {
            cfg,
            api_key: api_key.filter(|k| !k.is_empty()),
            template,
            prompt_hash,
            agent,
            cache,
            no_logprobs: AtomicBool::new(false),
        }
    }

    /// The judge `lrat judge --judge llm` and the app use: these settings, the key from
    /// `OPENAI_API_KEY`, the built-in prompt unless `template`, and answers cached in `cache`
    /// (`None`: every browse asks the server).
    pub fn from_settings(
        cfg: JudgeConfig,
        template: Option<String>,
        cache: Option<&std::path::Path>,
    ) -> crate::Result<LlmJudge> {
        let cache = cache.map(Cache::open).transpose()?;
        let key = std::env::var("OPENAI_API_KEY").ok();
        Ok(LlmJudge::new(cfg, key, template, cache))
    }

    /// `MODEL at ENDPOINT (N in flight)[, cache DIR]`, for the user.
    pub fn describe(&self) -> String {
        format!(
            "{} at {} ({} in flight){}",
            self.cfg.model,
            endpoint(&self.cfg.url),
            self.cfg.concurrency,
            self.cache
                .as_ref()
                .map(|c| format!(", cache {}", c.path().display()))
                .unwrap_or_default()
        )
    }

    pub fn prompt_hash(&self) -> &str {
        &self.prompt_hash
    }

    pub fn prompt(&self, input: &BrowseInput) -> String {
        let doc = input
            .document
            .as_deref()
            .unwrap_or("(the document text is not available)");
        self.template
            .replace("{question}", &input.question)
            .replace("{document}", &crate::text::clip(doc, DOC_CHARS))
            .replace(
                "{reasoning}",
                if input.reasoning.is_empty() {
                    "(none)"
                } else {
                    &input.reasoning
                },
            )
    }

    fn cache_key(&self, prompt: &str) -> String {
        match self.cfg.votes {
            0 | 1 => stable_hash(&[&self.cfg.model, &self.prompt_hash, prompt]),
            n => stable_hash(&[
                &self.cfg.model,
                &self.prompt_hash,
                prompt,
                &format!("votes {n}"),
            ]),
        }
    }

    /// The temperature votes are sampled at: the configured one, or 1.0 when that is 0.
    fn vote_temperature(&self) -> f64 {
        if self.cfg.temperature > 0.0 {
            self.cfg.temperature
        } else {
            1.0
        }
    }

    /// One request; the model's reply, with log-probabilities when asked for and given.
    fn call(&self, prompt: &str, temperature: f64) -> Result<Reply, Failure> {
        let logprobs = self.cfg.logprobs && !self.no_logprobs.load(Ordering::Relaxed);
        let mut body = json!({
            "model": self.cfg.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": temperature,
            "top_p": self.cfg.top_p,
            "max_tokens": self.cfg.max_tokens,
        });
        if logprobs {
            body["logprobs"] = json!(true);
            body["top_logprobs"] = json!(5);
        }
        let mut req = self
            .agent
            .post(endpoint(&self.cfg.url))
            .header("Content-Type", "application/json");
        if let Some(k) = &self.api_key {
            req = req.header("Authorization", format!("Bearer {k}"));
        }
        let mut resp = match req.send(body.to_string()) {
            Ok(r) => r,
            Err(ureq::Error::Timeout(_)) => return Err(Failure::retry("timed out")),
            Err(e) => {
                return Err(Failure::retry(format!(
                    "request failed: {}",
                    self.scrub(&e.to_string())
                )));
            }
        };
        let status = resp.status().as_u16();
        let after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        let text = match resp.body_mut().read_to_string() {
            Ok(t) => t,
            Err(ureq::Error::Timeout(_)) => {
                return Err(Failure::retry("timed out reading the answer"));
            }
            Err(e) => {
                return Err(Failure::retry(format!(
                    "reading the answer: {}",
                    self.scrub(&e.to_string())
                )));
            }
        };
        if status == 429 || status >= 500 {
            return Err(Failure {
                reason: format!("HTTP {status}"),
                retry: true,
                retry_after: after,
            });
        }
        if logprobs && (status == 400 || status == 422) {
            // A server without log-probabilities may refuse the option: ask again without it.
            self.no_logprobs.store(true, Ordering::Relaxed);
            return self.call(prompt, temperature);
        }
        if status >= 400 {
            return Err(Failure {
                reason: format!(
                    "HTTP {status}: {}",
                    crate::text::one_line(&self.scrub(&text), 200)
                ),
                retry: false,
                retry_after: None,
            });
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| Failure::retry("malformed JSON in the answer"))?;
        let choice = v["choices"].get(0);
        let content = choice
            .and_then(|c| c["message"]["content"].as_str())
            .ok_or_else(|| Failure::retry("the answer has no choices[0].message.content"))?;
        Ok(Reply {
            content: content.to_string(),
            logprobs: choice
                .and_then(|c| c.get("logprobs"))
                .filter(|l| !l.is_null())
                .cloned(),
        })
    }

    /// A message with the API key removed by value (servers and clients may echo it), and
    /// anything else that looks like a token.
    fn scrub(&self, s: &str) -> String {
        let mut out = s.to_string();
        if let Some(k) = self.api_key.as_deref().filter(|k| k.len() >= 4) {
            out = out.replace(k, "[redacted]");
        }
        redact(&out)
    }

    /// Asks `prompt` until `parse` accepts an answer or the attempts run out; returns the parsed
    /// value and the answer text, or the last failure.
    pub fn ask<T>(
        &self,
        prompt: &str,
        seed: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<(T, String), String> {
        self.ask_at(prompt, seed, self.cfg.temperature, parse)
            .map(|(v, r)| (v, r.content))
    }

    /// [`LlmJudge::ask`] at a temperature, giving the whole reply.
    fn ask_at<T>(
        &self,
        prompt: &str,
        seed: &str,
        temperature: f64,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<(T, Reply), String> {
        let attempts = self.cfg.attempts.max(1);
        let mut last = String::new();
        let mut made = 0;
        for attempt in 0..attempts {
            made += 1;
            let failure = match self.call(prompt, temperature) {
                Ok(reply) => match parse(&reply.content) {
                    Some(v) => return Ok((v, reply)),
                    None => Failure::retry(format!(
                        "the answer gave no clear verdict: \"{}\"",
                        crate::text::one_line(&reply.content, 120)
                    )),
                },
                Err(f) => f,
            };
            last = self.scrub(&failure.reason);
            if !failure.retry || attempt + 1 == attempts {
                break;
            }
            std::thread::sleep(self.backoff(attempt, failure.retry_after, seed));
        }
        Err(format!("{last} (after {made} attempt(s))"))
    }

    /// Judges one browse, with retries; never a label unless the server said one. The
    /// probability of "relevant" comes from the verdict token's log-probability when the server
    /// gives it, else from `votes` answers when more than one is asked for.
    pub fn judge_one(&self, input: &BrowseInput) -> Outcome {
        let prompt = self.prompt(input);
        let key = self.cache_key(&prompt);
        let judgement = |verdict, rationale: String, p_relevant| Judgement {
            run_id: input.run_id.clone(),
            step: input.step,
            docid: input.docid.clone(),
            verdict,
            judge: crate::verdict::JudgeKind::Llm,
            model: self.cfg.model.clone(),
            prompt_hash: self.prompt_hash.clone(),
            rationale,
            p_relevant,
        };
        if let Some(e) = self.cache.as_ref().and_then(|c| c.get(&key)) {
            return Outcome::Judged {
                judgement: judgement(e.verdict, e.rationale, e.p_relevant),
                cached: true,
            };
        }
        let seed = format!("{}:{}", input.run_id, input.step);
        let votes = self.cfg.votes.max(1);
        let temperature = if votes > 1 {
            self.vote_temperature()
        } else {
            self.cfg.temperature
        };
        let first = self.ask_at(&prompt, &seed, temperature, parse_verdict);
        let (v, reply) = match first {
            Ok(x) => x,
            Err(reason) => {
                return Outcome::Pending(Pending {
                    run_id: input.run_id.clone(),
                    step: input.step,
                    docid: input.docid.clone(),
                    reason,
                });
            }
        };
        let rationale_of = |content: &str| {
            crate::text::one_line(content.rsplit("</think>").next().unwrap_or(content), 300)
        };
        let mut verdict = v;
        let mut rationale = rationale_of(&reply.content);
        let mut p = reply
            .logprobs
            .as_ref()
            .and_then(|l| super::logprobs::p_relevant(l, v));
        if p.is_none() && votes > 1 {
            // Votes that fail are not counted; the first answer always is.
            let mut answers = vec![(v, rationale.clone())];
            for k in 1..votes {
                if let Ok((x, r)) =
                    self.ask_at(&prompt, &format!("{seed}:{k}"), temperature, parse_verdict)
                {
                    answers.push((x, rationale_of(&r.content)));
                }
            }
            let rel = answers
                .iter()
                .filter(|(x, _)| *x == Verdict::Relevant)
                .count();
            let n = answers.len();
            verdict = match (2 * rel).cmp(&n) {
                std::cmp::Ordering::Greater => Verdict::Relevant,
                std::cmp::Ordering::Less => Verdict::NotRelevant,
                std::cmp::Ordering::Equal => v,
            };
            if let Some((_, r)) = answers.iter().find(|(x, _)| *x == verdict) {
                rationale = r.clone();
            }
            p = Some(rel as f64 / n as f64);
        }
        if let Some(c) = &self.cache {
            // A cache that cannot be written only costs a later rerun.
            let _ = c.put(Entry {
                key,
                verdict,
                rationale: rationale.clone(),
                p_relevant: p,
            });
        }
        Outcome::Judged {
            judgement: judgement(verdict, rationale, p),
            cached: false,
        }
    }

    /// Exponential backoff with jitter, or the server's `Retry-After` when it gave one.
    fn backoff(&self, attempt: u32, after: Option<Duration>, seed: &str) -> Duration {
        if let Some(a) = after {
            return a;
        }
        let base = self.cfg.backoff_ms.saturating_mul(1u64 << attempt.min(20));
        let capped = base.min(self.cfg.backoff_max_ms);
        // Jitter in [0.5, 1.0) of the delay, varied per browse and attempt.
        let seed = stable_hash(&[seed, &attempt.to_string()]);
        let frac = u64::from_str_radix(&seed[..4], 16).unwrap_or(0) as f64 / 65536.0;
        Duration::from_millis((capped as f64 * (0.5 + frac / 2.0)) as u64)
    }

    /// Judges every browse with `cfg.concurrency` requests in flight; `progress(done, total)`.
    pub fn judge_all(
        &self,
        inputs: &[BrowseInput],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Vec<Outcome> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; inputs.len()]);
        std::thread::scope(|s| {
            for _ in 0..self.cfg.concurrency.max(1).min(inputs.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        let out = self.judge_one(input);
                        if let Ok(mut r) = results.lock() {
                            r[i] = Some(out);
                        }
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1, inputs.len());
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .zip(inputs)
            .map(|(o, input)| {
                o.unwrap_or_else(|| {
                    Outcome::Pending(Pending {
                        run_id: input.run_id.clone(),
                        step: input.step,
                        docid: input.docid.clone(),
                        reason: "not judged".into(),
                    })
                })
            })
            .collect()
    }
}

/// Removes anything that looks like a bearer token from a message.
fn redact(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            if w.starts_with("sk-") || w.len() > 40 && !w.contains('/') {
                "[redacted]"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(endpoint("http://h:1"), "http://h:1/v1/chat/completions");
        assert_eq!(endpoint("http://h:1/v1/"), "http://h:1/v1/chat/completions");
        assert_eq!(retry_after(" 2 "), Some(Duration::from_secs(2)));
    }
}
