//! Ranking measures, the held-out split, pairs files, model resolution, and `lrat train` /
//! `lrat eval` as a user runs them.

use std::collections::HashSet;

use lrat::train::data::TrainSet;
use lrat::train::eval::{mrr_at, ndcg_at, rank, recall_at};
use lrat::train::resolve::{ModelSource, Places, find_cached, resolve_in};

use crate::fixture;

fn ids(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

#[test]
fn measures_match_hand_values() {
    let ranked = ids(&["a", "b", "c", "d"]);
    let rel: HashSet<String> = ["c", "x"].iter().map(|s| s.to_string()).collect();
    assert_eq!(recall_at(&ranked, &rel, 2), 0.0);
    assert_eq!(recall_at(&ranked, &rel, 3), 0.5);
    assert!((mrr_at(&ranked, &rel, 10) - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(mrr_at(&ranked, &rel, 2), 0.0);
    // DCG = 1/log2(4); ideal (two relevant) = 1 + 1/log2(3).
    let want = 0.5 / (1.0 + 1.0 / 3f64.log2());
    assert!((ndcg_at(&ranked, &rel, 10) - want).abs() < 1e-12);
    let one: HashSet<String> = HashSet::from(["a".to_string()]);
    assert_eq!(ndcg_at(&ranked, &one, 10), 1.0);
}

#[test]
fn ranking_is_by_score_then_id() {
    let (a, b, c) = ("a".to_string(), "b".to_string(), "c".to_string());
    let d = [0.1f32, 0.0, 0.5, 0.0, 0.5, 0.0];
    assert_eq!(
        rank(&[1.0, 0.0], &d, 2, &[&c, &b, &a], 3),
        ids(&["a", "b", "c"])
    );
    assert_eq!(rank(&[1.0, 0.0], &d, 2, &[&c, &b, &a], 1), ids(&["a"]));
}

#[test]
fn the_split_is_by_run_and_deterministic() {
    let (set, errors) = TrainSet::read_pairs(&fixture("pairs.jsonl")).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let (train, held) = set.split(0.34, 7);
    assert_eq!(set.split(0.34, 7), (train.clone(), held.clone()));
    assert_eq!(held.len(), 1, "a third of four runs, rounded");
    for i in &train {
        assert!(!held.contains(&set.examples[*i].run_id));
    }
    let held_pairs = set
        .examples
        .iter()
        .filter(|e| held.contains(&e.run_id))
        .count();
    assert_eq!(train.len() + held_pairs, set.examples.len());
    assert_eq!(set.split(0.0, 7).1.len(), 0);
    assert_eq!(set.split(1.0, 7).1.len(), 3, "one run always trains");
}

#[test]
fn pairs_files_read_both_schemas_and_name_bad_lines() {
    let (set, errors) = TrainSet::read_pairs(&fixture("pairs.jsonl")).unwrap();
    assert!(errors.is_empty());
    assert_eq!(set.examples.len(), 4);
    assert_eq!(set.skipped.unsatisfied, 1);
    let flag = set
        .examples
        .iter()
        .find(|e| e.run_id == "line5")
        .expect("a FlagEmbedding row");
    assert!(flag.pos.starts_with("h:") && flag.negs.len() == 1);
    assert_eq!(set.examples[0].weight, 1.25);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"query\":\"q\",\"pos\":[\"t\"],\"pos_id\":[\"d\"]}\n{\"query\": 3}\n{oops\n\
         {\"query\":\"q\",\"pos\":[\"t\"],\"pos_id\":[\"d\"],\"neg_id\":[\"x\"],\"neg\":[]}\n",
    )
    .unwrap();
    let (set, errors) = TrainSet::read_pairs(&bad).unwrap();
    assert_eq!(set.examples.len(), 1);
    let lines: Vec<Option<usize>> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(4)]);
    assert!(
        errors[0]
            .to_string()
            .starts_with(&format!("{}:2", bad.display()))
    );
    assert!(errors[2].message.contains("neg_id"), "{}", errors[2]);
}

fn places(dir: &std::path::Path) -> Places {
    Places {
        caches: vec![dir.join("hub")],
        progress: false,
        // Nothing listens on port 9 here: a download fails at once.
        endpoint: "http://127.0.0.1:9".into(),
    }
}

#[test]
fn models_resolve_from_folders_caches_or_scratch_and_offline_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let p = places(dir.path());
    let none = resolve_in(None, &p).unwrap();
    assert_eq!(none.source, ModelSource::Scratch);
    assert!(none.note.unwrap().contains("from scratch"));
    let snap = dir
        .path()
        .join("hub/models--sentence-transformers--all-MiniLM-L6-v2/snapshots/abc");
    std::fs::create_dir_all(&snap).unwrap();
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::write(snap.join(f), "{}").unwrap();
    }
    std::fs::write(
        dir.path()
            .join("hub/models--sentence-transformers--all-MiniLM-L6-v2/refs")
            .tap_mkdir()
            .join("main"),
        "abc\n",
    )
    .unwrap();
    assert_eq!(
        find_cached("sentence-transformers/all-MiniLM-L6-v2", &p),
        Some(snap.clone())
    );
    assert_eq!(
        resolve_in(None, &p).unwrap().source,
        ModelSource::Folder(snap.clone())
    );
    assert_eq!(
        resolve_in(Some("all-MiniLM-L6-v2"), &p).unwrap().source,
        ModelSource::Folder(snap)
    );
    let err = resolve_in(Some("someone/unknown-model"), &p)
        .unwrap_err()
        .to_string();
    assert!(err.contains("could not be downloaded"), "{err}");
    assert!(
        err.contains("--model DIR") && err.contains("--model scratch"),
        "{err}"
    );
    assert!(
        !dir.path()
            .join("own/someone--unknown-model.partial")
            .exists()
    );
    let not_model = resolve_in(Some(dir.path().to_str().unwrap()), &p).unwrap_err();
    assert!(not_model.to_string().contains("no config.json"));
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

/// The binary with no model cache and an unreachable hub.
fn lrat(args: &[&str]) -> (i32, String, String) {
    crate::lrat_env(
        args,
        &[
            ("HF_HUB_CACHE", "/nonexistent"),
            ("HF_HOME", "/nonexistent"),
            ("HF_ENDPOINT", "http://127.0.0.1:9"),
            ("LRAT_CACHE_DIR", "/nonexistent"),
        ],
    )
}

#[test]
fn train_then_eval_from_the_command_line() {
    let ws = crate::sample_copy();
    let out = ws.path().join("model");
    let ws_s = ws.path().to_str().unwrap();
    let out_s = out.to_str().unwrap();
    let (code, table, err) = lrat(&[
        "train",
        ws_s,
        "--out",
        out_s,
        "--epochs",
        "1",
        "--batch",
        "4",
        "--group",
        "3",
        "--query-max-len",
        "16",
        "--passage-max-len",
        "48",
        "--holdout",
        "0.25",
        "--scratch-layers",
        "1",
        "--scratch-hidden",
        "32",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("from scratch"),
        "the scratch default is announced: {err}"
    );
    assert!(table.contains("bm25") && table.contains("base") && table.contains("trained"));
    assert!(
        table.contains("1-shot R@10"),
        "the workspace has qrels: {table}"
    );
    let log = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["event"], "started");
    let steps: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "step").collect();
    assert!(!steps.is_empty());
    assert!(
        steps
            .iter()
            .all(|s| s["loss"].is_f64() && s["lr"].is_f64() && s["step"].is_u64())
    );
    assert_eq!(events.last().unwrap()["event"], "done");
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "modules.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let (code, json, err) = lrat(&[
        "eval",
        ws_s,
        "--model",
        out_s,
        "--holdout",
        "0.25",
        "--query-max-len",
        "16",
        "--passage-max-len",
        "48",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["bm25"]["recall_10"].is_f64());
    assert!(v[out_s]["mrr_10"].is_f64());
    assert!(v[out_s]["evidence"]["recall_10"].is_f64());
    let (code, _, err) = lrat(&["train", ws_s, "--out", out_s, "--model", "someone/nothing"]);
    assert_ne!(code, 0);
    assert!(err.contains("could not be downloaded"), "{err}");
}

/// `lrat eval --trec-run --trec-qrels --per-query`: figures recomputed from the TREC files alone,
/// the way trec_eval reads them (score descending, ties by docid descending), equal lrat's.
#[test]
fn trec_files_give_lrats_figures() {
    use std::collections::HashMap;
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let ws = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/workspace");
    let (code, out, err) = crate::lrat_env(
        &[
            "eval",
            ws,
            "--model",
            "scratch",
            "--json",
            "--trec-run",
            &p("run.txt"),
            "--trec-qrels",
            &p("qrels.txt"),
            "--per-query",
            &p("per.jsonl"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let figures: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut runs: HashMap<String, Vec<(f64, String)>> = HashMap::new();
    for line in std::fs::read_to_string(p("run.txt")).unwrap().lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((f.len(), f[1], f[5]), (6, "Q0", "scratch"), "{line}");
        runs.entry(f[0].into())
            .or_default()
            .push((f[4].parse().unwrap(), f[2].into()));
    }
    let mut rel: HashMap<String, HashSet<String>> = HashMap::new();
    for line in std::fs::read_to_string(p("qrels.txt")).unwrap().lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f[3], "1");
        rel.entry(f[0].into()).or_default().insert(f[2].into());
    }
    let measure = |prefix: &str| -> (f64, f64, f64) {
        let qids: Vec<&String> = rel.keys().filter(|q| q.starts_with(prefix)).collect();
        let (mut r10, mut mrr, mut ndcg) = (0.0, 0.0, 0.0);
        for q in &qids {
            let mut ranked = runs.get(*q).cloned().unwrap_or_default();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
            let top: Vec<&String> = ranked.iter().take(10).map(|x| &x.1).collect();
            let relevant = &rel[*q];
            let hits: Vec<usize> = (0..top.len())
                .filter(|&i| relevant.contains(top[i]))
                .collect();
            r10 += hits.len() as f64 / relevant.len() as f64;
            mrr += hits.first().map_or(0.0, |&i| 1.0 / (i + 1) as f64);
            let dcg: f64 = hits.iter().map(|&i| 1.0 / ((i + 2) as f64).log2()).sum();
            let idcg: f64 = (0..relevant.len().min(10))
                .map(|i| 1.0 / ((i + 2) as f64).log2())
                .sum();
            ndcg += dcg / idcg;
        }
        let n = qids.len() as f64;
        (r10 / n, mrr / n, ndcg / n)
    };
    let m = &figures["scratch"];
    let (r10, mrr, ndcg) = measure("pair");
    let close = |a: f64, b: &serde_json::Value| (a - b.as_f64().unwrap()).abs() < 1e-9;
    assert!(close(r10, &m["recall_10"]), "{r10} vs {m}");
    assert!(close(mrr, &m["mrr_10"]), "{mrr} vs {m}");
    assert!(close(ndcg, &m["ndcg_10"]), "{ndcg} vs {m}");
    let ev = &m["evidence"];
    let (r10, mrr, ndcg) = measure("question");
    assert!(close(r10, &ev["recall_10"]), "{r10} vs {ev}");
    assert!(close(mrr, &ev["mrr_10"]), "{mrr} vs {ev}");
    assert!(close(ndcg, &ev["ndcg_10"]), "{ndcg} vs {ev}");
    // Each query's figures, one line a probe.
    let per = std::fs::read_to_string(p("per.jsonl")).unwrap();
    assert_eq!(per.lines().count(), rel.len());
}
