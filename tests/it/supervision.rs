//! One supervision pipeline: `lrat mine`, the app's export and the training input are the same
//! pairs with the same texts, in both modes, with judge verdicts (some browses left unjudged),
//! human verdicts, excluded and actually-relevant negatives, and lengths in tokens.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lrat::labels::{Journal, LabelKey, LabelValue, NegativeLabel};
use lrat::mine::Mode;
use lrat::run::{self, ReadOptions, Run};
use lrat::train::data::TrainSet;
use lrat::tui::app::{App, Msg};
use lrat::tui::loader::LoadEvent;
use lrat::tui::{self, OpenOptions};
use lrat::verdict::Verdict;
use serde_json::Value;

use crate::lrat_env;

/// A workspace copy with a tokenizer, judge verdicts for most browses (every fifth left
/// unjudged) and human labels: one browse verdict flipped, one negative excluded and one marked
/// actually relevant. Returns the runs.
fn workspace(dir: &Path, corpus: bool) -> Vec<Run> {
    if !corpus {
        std::fs::remove_file(dir.join("corpus.jsonl")).unwrap();
    }
    let runs = run::load(&[dir.join("runs")], &ReadOptions::default())
        .unwrap()
        .runs;
    let texts: Vec<String> = runs
        .iter()
        .flat_map(|r| lrat::judge::browse_inputs(std::slice::from_ref(r)))
        .map(|b| b.reasoning)
        .collect();
    let tk = lrat::train::scratch::train_tokenizer(texts.iter().map(String::as_str), 300).unwrap();
    tk.save(dir.join("tokenizer.json"), false).unwrap();
    let mut lines = String::new();
    let browses = lrat::judge::browse_inputs(&runs);
    for (i, b) in browses.iter().enumerate() {
        if i % 5 == 3 {
            continue;
        }
        let v = if i % 4 == 1 {
            "not_relevant"
        } else {
            "relevant"
        };
        lines.push_str(&format!(
            "{{\"run_id\": \"{}\", \"step\": {}, \"verdict\": \"{v}\"}}\n",
            b.run_id, b.step
        ));
    }
    std::fs::write(dir.join("verdicts.jsonl"), lines).unwrap();
    let (mut j, _) = Journal::open(&dir.join(".lrat")).unwrap();
    let flip = &browses[1];
    j.set(
        LabelKey::Browse {
            run_id: flip.run_id.clone(),
            step: flip.step,
        },
        Some(LabelValue::Verdict(Verdict::Relevant)),
    )
    .unwrap();
    // Two negatives of the first search that has three unbrowsed hits.
    let (run_id, search_step, hits) = runs
        .iter()
        .find_map(|r| {
            let browsed: Vec<&str> = r.browsed_docids().collect();
            r.searches().find_map(|(s, x)| {
                let free: Vec<String> = x
                    .hits
                    .iter()
                    .filter(|h| !browsed.contains(&h.docid.as_str()))
                    .map(|h| h.docid.clone())
                    .collect();
                (free.len() >= 3 && x.hits.iter().any(|h| browsed.contains(&h.docid.as_str())))
                    .then(|| (r.id.clone(), s, free))
            })
        })
        .unwrap();
    for (docid, label) in [
        (&hits[0], NegativeLabel::Exclude),
        (&hits[1], NegativeLabel::ActuallyRelevant),
    ] {
        j.set(
            LabelKey::Negative {
                run_id: run_id.clone(),
                search_step,
                docid: docid.clone(),
            },
            Some(LabelValue::Negative(label)),
        )
        .unwrap();
    }
    runs
}

fn app(dir: &Path, runs: Vec<Run>, mode: Mode, corpus: bool) -> App {
    let opts = OpenOptions {
        runs: vec![dir.to_path_buf()],
        verdicts: vec![dir.join("verdicts.jsonl")],
        tokenizer: Some(dir.join("tokenizer.json")),
        ..OpenOptions::default()
    };
    let mut a = tui::prepare(&opts).unwrap();
    a.update(Msg::Load(LoadEvent::Loaded {
        runs,
        errors: Vec::new(),
        files_done: 1,
        files: 1,
    }));
    a.update(Msg::Load(LoadEvent::Done));
    if corpus {
        let (ix, _) = lrat::corpus::open_or_build(&dir.join("corpus.jsonl")).unwrap();
        a.update(Msg::Load(LoadEvent::Corpus(Box::new(ix))));
    }
    // `m` and `w`, as a person switches the mode and counts `l` in tokens.
    if a.mode() != mode {
        a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('m'),
            KeyModifiers::NONE,
        )));
    }
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('w'),
        KeyModifiers::NONE,
    )));
    assert!(a.use_tokens() && a.mode() == mode);
    a
}

fn cli_mine(dir: &Path, mode: &str, out: &Path, extra: &[&str]) -> String {
    let d = dir.to_str().unwrap();
    let v = dir.join("verdicts.jsonl");
    let t = dir.join("tokenizer.json");
    let mut args = vec![
        "mine",
        d,
        "--mode",
        mode,
        "--verdicts",
        v.to_str().unwrap(),
        "--length",
        "tokens",
        "--tokenizer",
        t.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = lrat_env(&args, &[]);
    assert_eq!(code, 0, "{err}");
    err
}

/// What training learns: examples and the text of every document.
type Learned = (
    Vec<(String, Option<usize>, String, String, Vec<String>, u32)>,
    BTreeMap<String, String>,
);

fn learned(set: &TrainSet) -> Learned {
    let ex = set
        .examples
        .iter()
        .map(|e| {
            (
                e.run_id.clone(),
                e.browse_step,
                e.query.clone(),
                e.pos.clone(),
                e.negs.clone(),
                e.weight.to_bits(),
            )
        })
        .collect();
    (ex, set.docs.clone().into_iter().collect())
}

fn check(mode: Mode, corpus: bool) {
    let ws = crate::sample_copy();
    let dir = ws.path();
    let runs = workspace(dir, corpus);
    let name = format!("{mode:?}").to_lowercase();
    let cli = dir.join("cli.jsonl");
    let err = cli_mine(dir, &name, &cli, &[]);
    let mut a = app(dir, runs, mode, corpus);
    a.update(Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('e'),
        crossterm::event::KeyModifiers::NONE,
    )));
    let exported = dir.join(".lrat/pairs.jsonl");
    let cli_text = std::fs::read_to_string(&cli).unwrap();
    let app_text = std::fs::read_to_string(&exported).unwrap();
    let rows: Vec<Value> = cli_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 5, "{name}: too few pairs to compare\n{err}");
    assert_eq!(
        cli_text, app_text,
        "{name}: `lrat mine` and the app's export differ"
    );
    // The labels really were in play: tokens, unjudged browses, labelled negatives.
    assert!(err.contains("length in tokens"), "{err}");
    assert!(!err.contains("unjudged (no verdict)         0 "), "{err}");
    if mode == Mode::Paper {
        assert!(err.contains("negatives left out by labels  2"), "{err}");
    }
    // Training from the runs (the Train screen's path) and from the exported file (`lrat train
    // PAIRS`) learn the same examples and texts.
    let from_app = learned(&a.training_set());
    let (from_file, errors) = TrainSet::read_pairs(&cli).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        from_app,
        learned(&from_file),
        "{name}: training input differs"
    );
    let satisfied = rows.iter().filter(|r| r["satisfied"] == true).count();
    assert_eq!(from_app.0.len(), satisfied);
    // One document, one text: every appearance of a document carries the same text.
    let mut seen: HashMap<String, String> = HashMap::new();
    for r in &rows {
        let ids = r["pos_id"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["neg_id"].as_array().unwrap());
        let texts = r["pos"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["neg"].as_array().unwrap());
        for (id, t) in ids.zip(texts) {
            let (id, t) = (id.as_str().unwrap(), t.as_str().unwrap());
            let before = seen.entry(id.to_string()).or_insert_with(|| t.to_string());
            assert_eq!(before, t, "{name}: document {id} has two texts");
        }
    }
}

#[test]
fn cli_app_and_trainer_agree_in_paper_mode() {
    check(Mode::Paper, false);
}

#[test]
fn cli_app_and_trainer_agree_in_reference_mode() {
    check(Mode::Reference, false);
}

#[test]
fn cli_app_and_trainer_agree_with_a_corpus() {
    check(Mode::Paper, true);
}

/// Trainer formats never carry a rejected browse, whatever the verdicts; the `lrat` schema keeps
/// them as `satisfied: false`.
#[test]
fn trainer_formats_carry_no_rejected_browse() {
    let ws = crate::sample_copy();
    let dir = ws.path();
    workspace(dir, false);
    let lrat_out = dir.join("ref.jsonl");
    cli_mine(dir, "reference", &lrat_out, &[]);
    let rejected: Vec<(String, u64)> = std::fs::read_to_string(&lrat_out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["satisfied"] == false)
        .map(|r| {
            (
                r["run_id"].as_str().unwrap().to_string(),
                r["browse_step"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!rejected.is_empty(), "the verdicts reject some browses");
    for format in ["flagembedding", "tevatron", "st"] {
        let out = dir.join(format!("{format}.jsonl"));
        let err = cli_mine(
            dir,
            "reference",
            &out,
            &["--format", format, "--st-negatives", "1"],
        );
        assert!(
            err.contains(&format!(
                "rejected browses left out of {format} (only lrat and parquet can mark them) {}",
                rejected.len()
            )),
            "{format}: {err}"
        );
        for l in std::fs::read_to_string(&out).unwrap().lines() {
            let r: Value = serde_json::from_str(l).unwrap();
            let key = match format {
                "tevatron" => {
                    let (run, step) = r["query_id"].as_str().unwrap().rsplit_once(':').unwrap();
                    (run.to_string(), step.parse().unwrap())
                }
                "st" => continue,
                _ => (
                    r["run_id"].as_str().unwrap().to_string(),
                    r["browse_step"].as_u64().unwrap(),
                ),
            };
            assert!(
                !rejected.contains(&key),
                "{format} carries rejected {key:?}"
            );
        }
    }
}
