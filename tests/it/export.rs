//! `lrat mine` end to end: every output format, verdicts, texts from runs and from a corpus.

use std::process::Command;

use crate::fixture;

fn lrat(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rows(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn lrat_format_keeps_provenance_and_aligned_texts() {
    let dir = tempfile::tempdir().unwrap();
    let sample = crate::sample_copy();
    let sample = sample.path().to_str().unwrap();
    let out = dir.path().join("pairs.jsonl");
    let (code, err) = lrat(&["mine", sample, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("pairs emitted"), "{err}");
    assert!(err.contains("beta"), "{err}");
    let rows = rows(&out);
    assert!(rows.len() >= 10);
    for r in &rows {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec![
                "run_id",
                "browse_step",
                "search_step",
                "query",
                "pos_id",
                "neg_id",
                "pos",
                "neg",
                "reasoning_len",
                "satisfied",
                "reweight_rate"
            ]
        );
        assert_eq!(
            r["neg_id"].as_array().unwrap().len(),
            r["neg"].as_array().unwrap().len()
        );
        assert!(
            !r["pos"][0].as_str().unwrap().is_empty(),
            "the sample's corpus has every text"
        );
    }
    let mean: f64 = rows
        .iter()
        .filter(|r| r["reasoning_len"].as_u64().unwrap() > 0)
        .map(|r| r["reweight_rate"].as_f64().unwrap())
        .sum::<f64>()
        / rows
            .iter()
            .filter(|r| r["reasoning_len"].as_u64().unwrap() > 0)
            .count() as f64;
    assert!(
        (mean - 1.0).abs() < 1e-9,
        "weights over l > 0 average to 1, got {mean}"
    );
}

#[test]
fn verdicts_drop_pairs_and_bad_verdict_lines_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.jsonl");
    std::fs::write(
        &v,
        "{\"run_id\": \"s2\", \"step\": 2, \"verdict\": \"not_relevant\"}\n{\"run_id\": \"s2\", \"step\": 4, \"verdict\": \"maybe\"}\n",
    )
    .unwrap();
    let out = dir.path().join("p.jsonl");
    let sample = crate::sample_copy();
    let sample = sample.path().to_str().unwrap();
    let (code, _) = lrat(&["mine", sample, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    let all = rows(&out).len();
    let (code, err) = lrat(&[
        "mine",
        sample,
        "--out",
        out.to_str().unwrap(),
        "--verdicts",
        v.to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "a bad verdict line is a rejected input");
    assert!(err.contains("v.jsonl:2: verdict `maybe`"), "{err}");
    assert!(err.contains("dropped by verdict            1"), "{err}");
    // Every other browse has no verdict: unjudged, so neither positive nor negative.
    let unjudged = all - 1;
    assert!(
        err.contains(&format!(
            "unjudged (no verdict)         {unjudged} (left out"
        )),
        "{err}"
    );
    assert_eq!(rows(&out).len(), 0);
    // The naive reading counts them relevant: only the rejected browse is dropped.
    let (_, err) = lrat(&[
        "mine",
        sample,
        "--out",
        out.to_str().unwrap(),
        "--verdicts",
        v.to_str().unwrap(),
        "--unjudged",
        "relevant",
    ]);
    assert!(err.contains("dropped by verdict            1"), "{err}");
    assert_eq!(rows(&out).len(), all - 1);
}

#[test]
fn trainer_formats() {
    let dir = tempfile::tempdir().unwrap();
    let runs = fixture("runs/docid_style.json");
    let runs = runs.to_str().unwrap();
    let get = |format: &str| {
        let out = dir.path().join(format!("{format}.out"));
        let (code, err) = lrat(&[
            "mine",
            runs,
            "--out",
            out.to_str().unwrap(),
            "--format",
            format,
            "--st-negatives",
            "1",
        ]);
        assert_eq!(code, 0, "{err}");
        (out, err)
    };
    let (out, _) = get("flagembedding");
    let r = &rows(&out)[0];
    assert_eq!(r["query"], "Skarvholm lighthouse keeper");
    assert!(r["pos"][0].as_str().unwrap().contains("keeper's log"));
    assert_eq!(
        r["neg_id"],
        serde_json::json!(["502"]),
        "503 was browsed, so it is not a negative"
    );
    assert!(r["reweight_rate"].is_number());
    let (out, _) = get("tevatron");
    let r = &rows(&out)[0];
    assert_eq!(r["query_id"], "t1:3");
    assert_eq!(r["positive_passages"][0]["docid"], "501");
    assert_eq!(r["negative_passages"][0]["title"], "Skarvholm");
    let (out, _) = get("st");
    let r = &rows(&out)[0];
    assert_eq!(r["anchor"], "Skarvholm lighthouse keeper");
    assert!(r["negative_1"].is_string() && r.get("negative_2").is_none());
    // The weight rides in sentence-transformers' label column, the same as FlagEmbedding's.
    assert!(r["label"].as_f64().unwrap() > 0.0);
    let fe = rows(&get("flagembedding").0);
    assert_eq!(r["label"], fe[0]["reweight_rate"]);
    // The default shape has three negatives: these rows have one, so they are left out and counted.
    let out = dir.path().join("st3.out");
    let (code, err) = lrat(&[
        "mine",
        runs,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "st",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 with fewer than 3 negatives"), "{err}");
    assert_eq!(std::fs::read_to_string(out).unwrap(), "");
    let (out, _) = get("parquet");
    assert_eq!(&std::fs::read(out).unwrap()[..4], b"PAR1");
}

#[test]
fn flagembedding_leaves_out_rows_without_negatives() {
    let dir = tempfile::tempdir().unwrap();
    let run = serde_json::json!({"query_id": "z", "result": [
        {"type": "tool_call", "tool_name": "search", "arguments": "{\"query\": \"q\"}", "output": "DocID:1\n[One]\none"},
        {"type": "tool_call", "tool_name": "get_document", "arguments": "{\"docid\": \"1\"}", "output": "Document 1:\none in full"},
    ]});
    let p = dir.path().join("z.json");
    std::fs::write(&p, run.to_string()).unwrap();
    let out = dir.path().join("f.jsonl");
    let (code, err) = lrat(&[
        "mine",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "flagembedding",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("0 without positive text, 1 with no negative"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(out).unwrap(), "");
}

#[test]
fn texts_from_a_corpus_index() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    std::fs::copy(fixture("corpus.jsonl"), &corpus).unwrap();
    let out = dir.path().join("p.jsonl");
    let runs = fixture("runs/docid_style.json");
    let args = [
        "mine",
        runs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--corpus",
        corpus.to_str().unwrap(),
        "--keep-going",
    ];
    let (code, err) = lrat(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        dir.path().join("corpus.jsonl.index").is_dir(),
        "the index is kept beside the corpus"
    );
    let r = &rows(&out)[0];
    assert_eq!(
        r["pos"][0],
        "Skarvholm Light\nThe light was kept by Oda Rin from 1902."
    );
    assert_eq!(
        r["neg"][0],
        "Skarvholm\nAn island with a fishing harbour and lighthouses."
    );
    // Second use opens the kept index.
    let (code, err) = lrat(&args);
    assert_eq!(code, 0, "{err}");
}
