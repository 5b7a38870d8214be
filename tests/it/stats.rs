//! The trajectory analyses on a hand-made run whose numbers are known.

use lrat::qrels::Qrels;
use lrat::run::{self, ReadOptions};
use lrat::stats::{Outcome, OutcomeSource, Report};

use crate::fixture;

#[test]
fn known_numbers() {
    let loaded = run::load(&[fixture("runs/docid_style.json")], &ReadOptions::default()).unwrap();
    let (qrels, errs) = Qrels::read(&fixture("qrels.txt")).unwrap();
    assert!(errs.is_empty());
    let report = Report::new(&loaded.runs, Some(&qrels));
    let r = &report.runs[0];
    assert_eq!(
        (r.outcome, r.outcome_source),
        (Outcome::Correct, OutcomeSource::Match)
    );
    assert_eq!(r.searches, 1);
    assert_eq!(r.browses, 3);
    assert_eq!(r.failed_browses, 1);
    // search → browse → browse → browse
    assert_eq!(r.transitions.search_browse, 1);
    assert_eq!(r.transitions.browse_browse, 2);
    assert_eq!(r.browse_ranks, vec![1, 3]);
    assert_eq!(r.post_browse_words, vec![14, 0]);
    assert_eq!(r.evidence_recall, Some(0.5));
    let all = &report.groups[0];
    assert_eq!(all.name, "all");
    assert_eq!(all.p_browse_after_search, Some(1.0));
    assert_eq!(all.post_browse_words.p50, Some(7.0));
    let text = report.render();
    assert!(text.contains("evidence recall"));
    assert!(text.contains("rank   3"));
}

#[test]
fn parquet_has_a_row_per_run() {
    let loaded = run::load(&[fixture("runs")], &ReadOptions::default()).unwrap();
    let report = Report::new(&loaded.runs, None);
    let df = report.frame().unwrap();
    assert_eq!(df.height(), 5);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("runs.parquet");
    report.write_parquet(&p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
}

#[test]
fn outcomes_human_then_answer_judge_then_runs() {
    use lrat::labels::{Journal, LabelKey, LabelValue};
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/workspace");
    let answers = dir.path().join("answers.jsonl");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "judge",
        sample,
        "--answers",
        "--out",
        answers.to_str().unwrap(),
    ]);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&answers)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 8);
    assert!(
        rows.iter()
            .all(|r| r["judge"] == "match" && r["correct"].is_boolean())
    );
    // The judge says s4 is incorrect; a human says it is correct; an edited answers file says s8 is.
    let edited = dir.path().join("edited.jsonl");
    std::fs::write(
        &edited,
        "{\"run_id\": \"s8\", \"correct\": true, \"judge\": \"llm\"}\n",
    )
    .unwrap();
    let labels = dir.path().join("labels");
    {
        let (mut j, _) = Journal::open(&labels).unwrap();
        j.set(
            LabelKey::Run {
                run_id: "s4".into(),
            },
            Some(LabelValue::Correct(true)),
        )
        .unwrap();
    }
    let out = run(&[
        "stats",
        sample,
        "--json",
        "--answers",
        edited.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let get = |id: &str| {
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["run_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            get("s4")["outcome"].clone(),
            get("s4")["outcome_source"].clone()
        ),
        ("correct".into(), "human".into())
    );
    assert_eq!(
        (
            get("s8")["outcome"].clone(),
            get("s8")["outcome_source"].clone()
        ),
        ("correct".into(), "judge".into())
    );
    assert_eq!(get("s1")["outcome_source"], "match");
}

/// The groups' figures come from polars reductions over the runs; they equal the same figures
/// computed directly from each run's numbers (means, sums, linear quantiles), per outcome.
#[test]
fn polars_aggregates_match_the_runs_numbers() {
    use lrat::stats::Quantiles;
    let loaded = run::load(&[fixture("workspace/runs")], &ReadOptions::default()).unwrap();
    let report = Report::new(&loaded.runs, None);
    for g in &report.groups {
        let runs: Vec<_> = report
            .runs
            .iter()
            .filter(|r| g.name == "all" || r.outcome.name() == g.name)
            .collect();
        assert_eq!(g.runs, runs.len(), "{}", g.name);
        let mean = |f: &dyn Fn(&lrat::stats::RunStats) -> usize| {
            runs.iter().map(|r| f(r) as f64).sum::<f64>() / runs.len() as f64
        };
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        assert!(close(g.mean_searches, mean(&|r| r.searches)), "{}", g.name);
        assert!(close(g.mean_steps, mean(&|r| r.steps)), "{}", g.name);
        assert_eq!(
            g.failed_browses,
            runs.iter().map(|r| r.failed_browses).sum::<usize>()
        );
        let words: Vec<usize> = runs
            .iter()
            .flat_map(|r| r.post_browse_words.iter().copied())
            .collect();
        let q = Quantiles::of(&words);
        let w = &g.post_browse_words;
        assert_eq!(w.n, q.n);
        for (a, b) in [
            (w.p10, q.p10),
            (w.p25, q.p25),
            (w.p50, q.p50),
            (w.p75, q.p75),
            (w.p90, q.p90),
            (w.mean, q.mean),
        ] {
            assert!(
                (a.unwrap() - b.unwrap()).abs() < 1e-9,
                "{}: {a:?} {b:?}",
                g.name
            );
        }
    }
}
