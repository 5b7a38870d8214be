//! The judges: the heuristic on the sample, and the LLM judge against a scripted loopback server
//! (normal answers, reasoning preambles, 500s, 429 with Retry-After, timeouts, malformed JSON,
//! empty choices), its cache, and that no failure ever becomes a label and no key is written.

use std::process::Command;
use std::time::{Duration, Instant};

use lrat::config::JudgeConfig;
use lrat::judge::llm::LlmJudge;
use lrat::judge::{BrowseInput, Cache, Outcome};
use lrat::verdict::Verdict;

use crate::server::{Reply, Server};

fn cfg(url: &str) -> JudgeConfig {
    JudgeConfig {
        url: url.to_string(),
        model: "test-model".into(),
        temperature: 0.0,
        top_p: 1.0,
        max_tokens: 64,
        concurrency: 4,
        timeout_secs: 1,
        attempts: 3,
        backoff_ms: 1,
        backoff_max_ms: 5,
        logprobs: false,
        votes: 1,
    }
}

fn input(step: usize, reasoning: &str) -> BrowseInput {
    BrowseInput {
        run_id: "r".into(),
        step,
        docid: format!("d{step}"),
        question: "Who kept the light?".into(),
        reasoning: reasoning.into(),
        document: Some("The light was kept by Oda Rin.".into()),
    }
}

/// Answers by reading the reasoning in the prompt.
fn by_reasoning(_: usize, body: &str) -> Reply {
    // The template itself names rejections; look for the reasoning's own words.
    if body.contains("This page is unrelated") {
        Reply::Content("NOT_RELEVANT".into())
    } else {
        Reply::Content("<think>The agent quotes the page. RELEVANT? NOT_RELEVANT? It used it.</think>\nRELEVANT".into())
    }
}

fn verdicts(out: &[Outcome]) -> Vec<Option<Verdict>> {
    out.iter()
        .map(|o| match o {
            Outcome::Judged { judgement, .. } => Some(judgement.verdict),
            Outcome::Pending(_) => None,
        })
        .collect()
}

#[test]
fn normal_answers_and_reasoning_preambles() {
    let server = Server::start(by_reasoning);
    let j = LlmJudge::new(cfg(&server.url), Some("sk-test-key".into()), None, None);
    let inputs = vec![
        input(1, "The page says Oda Rin kept it."),
        input(3, "This page is unrelated."),
        input(5, ""),
    ];
    let out = j.judge_all(&inputs, &|_, _| {});
    assert_eq!(
        verdicts(&out),
        vec![
            Some(Verdict::Relevant),
            Some(Verdict::NotRelevant),
            Some(Verdict::Relevant)
        ]
    );
    assert_eq!(server.count(), 3);
    let reqs = server.requests.lock().unwrap();
    assert!(
        reqs.iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer sk-test-key"))
    );
    let body: serde_json::Value = serde_json::from_str(&reqs[0].body).unwrap();
    assert_eq!(body["model"], "test-model");
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("Oda Rin")
    );
}

#[test]
fn server_errors_are_retried() {
    let server = Server::start(|n, _| {
        if n < 2 {
            Reply::Status(500, "boom".into())
        } else {
            Reply::Content("RELEVANT".into())
        }
    });
    let j = LlmJudge::new(cfg(&server.url), None, None, None);
    let out = j.judge_one(&input(1, "ok"));
    assert!(matches!(out, Outcome::Judged { .. }), "{out:?}");
    assert_eq!(server.count(), 3);
}

#[test]
fn rate_limits_honour_retry_after() {
    let server = Server::start(|n, _| {
        if n == 0 {
            Reply::RateLimited {
                retry_after_secs: 1,
            }
        } else {
            Reply::Content("NOT_RELEVANT".into())
        }
    });
    let j = LlmJudge::new(cfg(&server.url), None, None, None);
    let t = Instant::now();
    let out = j.judge_one(&input(1, "hm"));
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited {:?}, backoff alone is 1 ms",
        t.elapsed()
    );
    assert_eq!(verdicts(&[out]), vec![Some(Verdict::NotRelevant)]);
    assert_eq!(server.count(), 2);
}

#[test]
fn failures_stay_pending_and_never_become_labels() {
    let cases: Vec<(&str, Box<crate::server::Script>)> = vec![
        (
            "slow",
            Box::new(|_, _| {
                Reply::Slow(
                    Duration::from_millis(2500),
                    Box::new(Reply::Content("RELEVANT".into())),
                )
            }),
        ),
        ("malformed", Box::new(|_, _| Reply::Malformed)),
        ("empty", Box::new(|_, _| Reply::EmptyChoices)),
        (
            "always 500",
            Box::new(|_, _| Reply::Status(503, "down".into())),
        ),
        (
            "no verdict",
            Box::new(|_, _| Reply::Content("I cannot tell.".into())),
        ),
    ];
    for (name, script) in cases {
        let server = Server::start(script);
        let j = LlmJudge::new(cfg(&server.url), None, None, None);
        match j.judge_one(&input(1, "x")) {
            Outcome::Pending(p) => assert!(
                p.reason.contains("after 3 attempt(s)"),
                "{name}: {}",
                p.reason
            ),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(server.count(), 3, "{name}: three attempts");
    }
    // A client error is not retried.
    let server = Server::start(|_, _| Reply::Status(401, "{\"error\": \"bad key\"}".into()));
    let j = LlmJudge::new(cfg(&server.url), None, None, None);
    assert!(matches!(j.judge_one(&input(1, "x")), Outcome::Pending(_)));
    assert_eq!(server.count(), 1);
}

#[test]
fn the_cache_makes_a_rerun_free() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(by_reasoning);
    let inputs = vec![input(1, "fine"), input(2, "This page is unrelated.")];
    let first = LlmJudge::new(
        cfg(&server.url),
        Some("sk-live-SECRET-42".into()),
        None,
        Some(Cache::open(dir.path()).unwrap()),
    );
    let a = first.judge_all(&inputs, &|_, _| {});
    assert_eq!(server.count(), 2);
    let second = LlmJudge::new(
        cfg(&server.url),
        Some("sk-live-SECRET-42".into()),
        None,
        Some(Cache::open(dir.path()).unwrap()),
    );
    let b = second.judge_all(&inputs, &|_, _| {});
    assert_eq!(server.count(), 2, "no request on the rerun");
    assert_eq!(verdicts(&a), verdicts(&b));
    assert!(
        b.iter()
            .all(|o| matches!(o, Outcome::Judged { cached: true, .. }))
    );
    // Another model is another cache entry.
    let mut c = cfg(&server.url);
    c.model = "other".into();
    let third = LlmJudge::new(c, None, None, Some(Cache::open(dir.path()).unwrap()));
    third.judge_all(&inputs, &|_, _| {});
    assert_eq!(server.count(), 4);
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains("SECRET"), "the key never reaches the cache");
    }
}

#[test]
fn cli_judge_keeps_the_key_out_of_files_and_logs_and_pending_out_of_labels() {
    let dir = tempfile::tempdir().unwrap();
    // Every other request fails for good, and the error body echoes the key.
    let server = Server::start(|_, body| {
        if body.contains("wading bird") {
            Reply::Status(401, "{\"error\": \"invalid key sk-live-SECRET-42\"}".into())
        } else {
            Reply::Content("RELEVANT".into())
        }
    });
    let out = dir.path().join("v.jsonl");
    let pending = dir.path().join("pending.jsonl");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/workspace");
    let res = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args([
            "judge",
            sample,
            "--judge",
            "llm",
            "--url",
            &server.url,
            "--out",
        ])
        .arg(&out)
        .arg("--pending")
        .arg(&pending)
        .arg("--cache")
        .arg(dir.path().join("cache"))
        .env("OPENAI_API_KEY", "sk-live-SECRET-42")
        .env("LRAT_CONFIG_DIR", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        !res.status.success(),
        "pending browses make the command fail: {stderr}"
    );
    assert!(stderr.contains("pending"), "{stderr}");
    let judged = std::fs::read_to_string(&out).unwrap();
    let pend = std::fs::read_to_string(&pending).unwrap();
    assert!(
        judged.lines().count() > 5 && pend.lines().count() >= 1,
        "{judged}\n{pend}"
    );
    for line in pend.lines() {
        let p: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = format!("\"step\":{},", p["step"]);
        assert!(
            !judged
                .lines()
                .any(|l| l.contains(&format!("\"run_id\":{}", p["run_id"])) && l.contains(&key)),
            "a pending browse was written as a verdict: {line}"
        );
    }
    let mut everything = format!("{stderr}{}", String::from_utf8_lossy(&res.stdout));
    for f in crate::walk(dir.path()) {
        everything.push_str(&String::from_utf8_lossy(&std::fs::read(f).unwrap()));
    }
    assert!(
        !everything.contains("SECRET"),
        "the key leaked: {everything}"
    );
}

#[test]
fn heuristic_on_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.jsonl");
    let copy = crate::sample_copy();
    let sample = copy.path().to_str().unwrap();
    let res = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(["judge", sample, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rejected: Vec<(String, u64)> = rows
        .iter()
        .filter(|r| r["verdict"] == "not_relevant")
        .map(|r| {
            (
                r["run_id"].as_str().unwrap().to_string(),
                r["step"].as_u64().unwrap(),
            )
        })
        .collect();
    // The wading-bird page (s2) and the generic swing-bridge page (s6) are rejected in words.
    assert!(rejected.contains(&("s2".into(), 2)), "{rejected:?}");
    assert!(rejected.contains(&("s6".into(), 2)), "{rejected:?}");
    assert!(
        rows.iter()
            .all(|r| r["judge"] == "heuristic" && r["rationale"].is_string())
    );
    // The file feeds `lrat mine --verdicts`.
    let pairs = dir.path().join("p.jsonl");
    let res = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(["mine", sample, "--verdicts"])
        .arg(&out)
        .arg("--out")
        .arg(&pairs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{err}");
    assert!(
        err.contains(&format!("dropped by verdict            {}", rejected.len())),
        "{err}"
    );
}

/// Answers in the shapes real model families give (instruction-tuned chat models, reasoning
/// models with `<think>`, models that answer in markdown or JSON), and what each means.
#[test]
fn verdict_shapes_of_real_models() {
    use lrat::judge::llm::parse_verdict;
    use lrat::verdict::Verdict::{NotRelevant as N, Relevant as R};
    let cases: &[(&str, Option<Verdict>)] = &[
        ("RELEVANT", Some(R)),
        ("NOT_RELEVANT", Some(N)),
        ("IRRELEVANT", Some(N)),
        ("Not relevant.", Some(N)),
        ("**NOT_RELEVANT**", Some(N)),
        ("## Verdict\n**RELEVANT**", Some(R)),
        ("Verdict: NOT_RELEVANT", Some(N)),
        ("**Verdict:** RELEVANT", Some(R)),
        ("{\"verdict\": \"NOT_RELEVANT\"}", Some(N)),
        ("Final answer: `NOT_RELEVANT`", Some(N)),
        // The verdict, then an explanation that uses the other word or its opposite.
        (
            "NOT_RELEVANT\n\nThe agent says the page is irrelevant: it is about a different bridge.",
            Some(N),
        ),
        (
            "NOT_RELEVANT. The reasoning calls the page irrelevant and goes back to searching.",
            Some(N),
        ),
        (
            "RELEVANT\nThe agent extracts the founding year; the page is not irrelevant to the hop.",
            Some(R),
        ),
        // An explanation, then the verdict.
        (
            "The reasoning says the page does not mention the keeper and moves on.\n\nNOT_RELEVANT",
            Some(N),
        ),
        (
            "The agent quotes the opening date from the page, so the page was relevant to it. Continuing to search is not a rejection.\n\nRELEVANT",
            Some(R),
        ),
        (
            "It takes the year from the page, so the page is RELEVANT.",
            Some(R),
        ),
        // Reasoning models: thinking that weighs both words, then the answer.
        (
            "<think>Is it RELEVANT? The agent says 'not what I need'... that reads NOT_RELEVANT. But then it uses the date, so RELEVANT.</think>\n\nNOT_RELEVANT",
            Some(N),
        ),
        (
            "<think>\nhmm, relevant or not relevant?\n</think>\nRelevant",
            Some(R),
        ),
        (
            "Okay, the page is relevant, not irrelevant.</think>\n\nRELEVANT",
            Some(R),
        ),
        // No clear final verdict: unusable, so retried and then left pending.
        ("<think>never closed, RELEVANT", None),
        ("I cannot tell from the reasoning.", None),
        ("The page could be relevant or not relevant.", None),
        ("RELEVANT\n\nNOT_RELEVANT", None),
        ("<think>RELEVANT</think>", None),
    ];
    for (answer, want) in cases {
        assert_eq!(parse_verdict(answer), *want, "{answer}");
    }
}

/// A key that does not look like a token is still kept out of pending reasons, wherever the
/// server or the model echoes it.
#[test]
fn the_key_is_redacted_by_value() {
    let key = "plain-key-hunter2";
    for as_error in [true, false] {
        let server = Server::start(move |_, _| {
            if as_error {
                Reply::Status(401, format!("{{\"error\": \"invalid key {key}\"}}"))
            } else {
                Reply::Content(format!("Your key {key} is not a verdict."))
            }
        });
        let j = LlmJudge::new(cfg(&server.url), Some(key.into()), None, None);
        match j.judge_one(&input(1, "x")) {
            Outcome::Pending(p) => {
                assert!(!p.reason.contains("hunter2"), "{}", p.reason);
                assert!(p.reason.contains("[redacted]"), "{}", p.reason);
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A completion whose verdict token carries log-probabilities: `top` are the alternatives at the
/// verdict's first token.
fn with_logprobs(word: &str, tokens: &[&str], top: &[(&str, f64)]) -> serde_json::Value {
    let mut content = vec![
        serde_json::json!({"token": "The agent used it.\n", "logprob": -0.01, "top_logprobs": []}),
    ];
    for (i, t) in tokens.iter().enumerate() {
        let lp = if i == 0 {
            top.iter()
                .find(|(x, _)| x == t)
                .map_or(-0.1, |(_, p)| p.ln())
        } else {
            0.0
        };
        let alts: Vec<serde_json::Value> = if i == 0 {
            top.iter()
                .map(|(x, p)| serde_json::json!({"token": x, "logprob": p.ln()}))
                .collect()
        } else {
            Vec::new()
        };
        content.push(serde_json::json!({"token": t, "logprob": lp, "top_logprobs": alts}));
    }
    serde_json::json!({"id": "x", "object": "chat.completion", "choices": [{
        "index": 0, "finish_reason": "stop",
        "message": {"role": "assistant", "content": format!("The agent used it.\n{word}")},
        "logprobs": {"content": content}
    }]})
}

fn judged(o: &Outcome) -> &lrat::verdict::Judgement {
    match o {
        Outcome::Judged { judgement, .. } => judgement,
        Outcome::Pending(p) => panic!("pending: {}", p.reason),
    }
}

#[test]
fn the_probability_comes_from_logprobs_when_the_server_gives_them() {
    let srv = Server::start(|_, body| {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["logprobs"], true, "asked for log-probabilities");
        if body.contains("step-two") {
            Reply::Json(with_logprobs(
                "NOT_RELEVANT",
                &["NOT", "_REL", "EVANT"],
                &[("NOT", 0.6), ("REL", 0.3), ("The", 0.1)],
            ))
        } else {
            Reply::Json(with_logprobs(
                "RELEVANT",
                &["REL", "EVANT"],
                &[("REL", 0.9), ("NOT", 0.05)],
            ))
        }
    });
    let mut c = cfg(&srv.url);
    c.logprobs = true;
    let j = LlmJudge::new(c, None, None, None);
    let out = j.judge_all(
        &[input(1, "It says the year."), input(2, "step-two")],
        &|_, _| {},
    );
    let (a, b) = (judged(&out[0]), judged(&out[1]));
    assert_eq!(a.verdict, Verdict::Relevant);
    assert!(
        (a.p_relevant.unwrap() - 0.9 / 0.95).abs() < 1e-6,
        "{:?}",
        a.p_relevant
    );
    assert_eq!(b.verdict, Verdict::NotRelevant);
    assert!(
        (b.p_relevant.unwrap() - 0.3 / 0.9).abs() < 1e-6,
        "{:?}",
        b.p_relevant
    );
    // Written with the verdict, read back with it.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("v.jsonl");
    lrat::verdict::VerdictFile::new(&f).write(&[a, b]).unwrap();
    let (o, errors) = lrat::verdict::Opinions::read(&[f]).unwrap();
    assert!(errors.is_empty());
    assert_eq!(o.of("r", 2)[0].p_relevant, b.p_relevant);
}

#[test]
fn without_logprobs_votes_give_the_probability_and_errors_stay_pending() {
    // A server that refuses `logprobs` (400) and answers RELEVANT twice in every three requests.
    let srv = Server::start(|n, body| {
        if body.contains("\"logprobs\"") {
            return Reply::Status(400, "{\"error\": \"logprobs is not supported\"}".into());
        }
        if body.contains("broken-browse") {
            return Reply::Status(500, "{}".into());
        }
        Reply::Content(
            if n % 3 == 2 {
                "NOT_RELEVANT"
            } else {
                "RELEVANT"
            }
            .into(),
        )
    });
    let mut c = cfg(&srv.url);
    c.logprobs = true;
    c.votes = 3;
    c.concurrency = 1;
    c.attempts = 2;
    let j = LlmJudge::new(c, None, None, None);
    let out = j.judge_all(&[input(1, "It says the year.")], &|_, _| {});
    let a = judged(&out[0]);
    assert_eq!(a.verdict, Verdict::Relevant, "the majority of three votes");
    assert!(
        (a.p_relevant.unwrap() - 2.0 / 3.0).abs() < 1e-9,
        "{:?}",
        a.p_relevant
    );
    let votes = srv
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| !r.body.contains("\"logprobs\""))
        .count();
    assert_eq!(votes, 3);
    let votes_temperature: Vec<f64> = srv
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["temperature"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(
        votes_temperature.iter().all(|&t| t == 1.0),
        "votes are sampled: {votes_temperature:?}"
    );
    // A server error never becomes a label, with votes or without.
    let out = j.judge_all(&[input(2, "broken-browse")], &|_, _| {});
    assert!(
        matches!(&out[0], Outcome::Pending(p) if p.reason.contains("HTTP 500")),
        "{:?}",
        out[0]
    );
}
