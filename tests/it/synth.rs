//! The simulator: deterministic for a seed, readable by our own readers, and its ground truth
//! consistent with the runs.

use lrat::run::{self, ReadOptions, StepKind};
use lrat::synth::{self, Knobs};

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for name in [
        "corpus.jsonl",
        "questions.jsonl",
        "qrels.txt",
        "truth.jsonl",
        "synth.json",
    ] {
        out.push((name.to_string(), std::fs::read(dir.join(name)).unwrap()));
    }
    let mut runs: Vec<_> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    for p in runs {
        out.push((
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&p).unwrap(),
        ));
    }
    out
}

#[test]
fn same_seed_same_bytes_and_the_readers_load_it() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let k = Knobs::default();
    let w = synth::generate(a.path(), 30, 600, 11, &k).unwrap();
    synth::generate(b.path(), 30, 600, 11, &k).unwrap();
    synth::generate(c.path(), 30, 600, 12, &k).unwrap();
    assert_eq!(w.runs, 30);
    assert_eq!(w.docs, 600);
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.len(), fb.len());
    for ((na, xa), (nb, xb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(xa == xb, "{na} differs between two runs with the same seed");
    }
    assert!(fa != files(c.path()), "another seed, other data");
    let settings = synth::Settings::read(a.path()).unwrap().unwrap();
    assert_eq!((settings.runs, settings.docs, settings.seed), (30, 600, 11));
    assert_eq!(settings.knobs, k);

    let loaded = run::load(&[a.path().join("runs")], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.runs.len(), 30);
    let browses: usize = loaded.runs.iter().map(|r| r.browses().count()).sum();
    assert_eq!(browses, w.browses, "one truth row a browse");
    // Every browse was of a document a search returned, and no search failed (a search in the
    // agent's own words may find nothing, and says so).
    for r in &loaded.runs {
        for (i, b) in r.browses() {
            assert!(r.source_search(i, b.docid.as_deref().unwrap()).is_some());
        }
        for s in &r.steps {
            if let StepKind::Search(x) = &s.kind {
                assert!(x.error.is_none(), "{x:?}");
            }
        }
        assert!(r.question.is_some() && !r.gold.is_empty() && r.final_answer.is_some());
    }
}

#[test]
fn the_truth_report_sees_the_signals() {
    let d = tempfile::tempdir().unwrap();
    synth::generate(d.path(), 120, 1500, 3, &Knobs::default()).unwrap();
    let rep = synth::report::report(d.path()).unwrap();
    assert_eq!(rep.runs, 120);
    assert!(rep.browses > 200 && rep.useful > 50, "{rep:?}");
    // Useful pages get longer reasoning. The agent's words were not written against the
    // heuristic's rules, so the judge catches some rejections and misses others (hedged,
    // partial and implicit ones), and rejects some useful pages whose note admits a gap.
    assert!(rep.length_usefulness_r.unwrap() > 0.3, "{rep:?}");
    assert!(rep.mean_words_useful.unwrap() > rep.mean_words_useless.unwrap());
    // A BrowseComp-shaped agent opens many pages it did not need (about half its browses), and
    // the phrase rules catch only the rejections said in so many words.
    assert!(rep.judge_accuracy.unwrap() > 0.5, "{rep:?}");
    let (precision, recall) = (
        rep.judge_reject_precision.unwrap(),
        rep.judge_reject_recall.unwrap(),
    );
    assert!(precision > 0.3 && precision < 1.0, "{rep:?}");
    assert!(recall > 0.05 && recall < 0.8, "{rep:?}");
    assert!(rep.render().contains("useless pages the heuristic rejects"));
    // With no rejections in words at all, every rejection the heuristic makes is a mistake.
    let e = tempfile::tempdir().unwrap();
    let quiet = Knobs {
        reject_rate: 0.0,
        ..Knobs::default()
    };
    synth::generate(e.path(), 60, 800, 3, &quiet).unwrap();
    let rep = synth::report::report(e.path()).unwrap();
    assert!(
        matches!(rep.judge_reject_precision, None | Some(0.0)),
        "{rep:?}"
    );
}

#[test]
fn cli_writes_and_reports() {
    let d = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(["synth", "--out"])
        .arg(d.path())
        .args(["--runs", "12", "--docs", "400", "--seed", "5", "--report"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ground truth of 12 runs"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 12 runs"));
}

#[test]
fn the_shipped_sample_is_what_its_readme_command_writes() {
    let d = tempfile::tempdir().unwrap();
    synth::generate(d.path(), 30, 1500, 7, &Knobs::default()).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_trajectories");
    let (ours, theirs) = (files(d.path()), files(&shipped));
    assert_eq!(ours.len(), theirs.len());
    for ((n, a), (m, b)) in ours.iter().zip(&theirs) {
        assert_eq!(n, m);
        assert!(
            a == b,
            "sample_trajectories/{n} is not what `lrat synth --runs 30 --docs 1500 --seed 7` writes"
        );
    }
}

#[test]
fn the_ablation_never_reuses_data_simulated_with_other_settings() {
    let out = tempfile::tempdir().unwrap();
    let data = out.path().join("data");
    synth::generate(&data, 12, 300, 7, &Knobs::default()).unwrap();
    let ablation = |extra: &[&str]| {
        let o = out.path().to_str().unwrap();
        let mut args = vec![
            "experiment",
            "ablation",
            "--out",
            o,
            "--runs",
            "12",
            "--docs",
            "300",
        ];
        args.extend_from_slice(extra);
        crate::lrat_env(&args, &[])
    };
    let (code, _, err) = ablation(&["--reject-rate", "0.1"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("other settings") && err.contains("synth.json"),
        "{err}"
    );
    std::fs::remove_file(data.join("synth.json")).unwrap();
    let (code, _, err) = ablation(&[]);
    assert_ne!(code, 0);
    assert!(err.contains("settings are unknown"), "{err}");
    let d = data.to_str().unwrap();
    let (code, _, err) = ablation(&["--data", d, "--terse-rate", "0"]);
    assert_ne!(code, 0);
    assert!(err.contains("--data uses a workspace as it is"), "{err}");
}

/// `--length-signal` is the premise of the intensity weights as a knob: at 0 the reasoning's
/// length says nothing about how much a useful page helped, at 1 it follows it (with noise).
#[test]
fn the_length_signal_sets_how_much_length_reveals_the_grade() {
    let rho = |signal: f64| {
        let d = tempfile::tempdir().unwrap();
        let knobs = Knobs {
            length_signal: signal,
            ..Knobs::default()
        };
        synth::generate(d.path(), 200, 1500, 3, &knobs).unwrap();
        let truth = std::fs::read_to_string(d.path().join("truth.jsonl")).unwrap();
        for line in truth.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let g = v["grade"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&g), "{line}");
            assert_eq!(v["useful"].as_bool().unwrap(), g >= 0.5, "{line}");
        }
        let rep = synth::report::report(d.path()).unwrap();
        assert!(rep.render().contains("post-browse words vs grade"));
        rep.length_grade_rho_useful.unwrap()
    };
    let (none, full) = (rho(0.0), rho(1.0));
    assert!(none.abs() < 0.15, "length says nothing at 0: {none}");
    assert!(full > 0.25, "length follows the grade at 1: {full}");
}

/// The default world is BrowseComp-shaped: questions describe their first entity by clues and
/// name no page of their own evidence chain, the agent searches in its own words (no query is
/// a page's title, and a search for a clue names no evidence page), and BM25 leaves room for a
/// better retriever: the agent's success and evidence recall are both between 0.3 and 0.7.
#[test]
fn the_default_world_hides_its_chains_and_bm25_leaves_headroom() {
    let d = tempfile::tempdir().unwrap();
    synth::generate(d.path(), 150, 2000, 7, &Knobs::default()).unwrap();
    let corpus = std::fs::read_to_string(d.path().join("corpus.jsonl")).unwrap();
    let titles: std::collections::HashMap<String, String> = corpus
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["docid"].as_str().unwrap().to_string(),
                v["title"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect();
    let all_titles: std::collections::HashSet<&String> = titles.values().collect();
    let (qrels, _) = lrat::qrels::Qrels::read(&d.path().join("qrels.txt")).unwrap();
    let loaded = run::load(&[d.path().join("runs")], &ReadOptions::default()).unwrap();
    assert_eq!(loaded.runs.len(), 150);
    for r in &loaded.runs {
        let question = r.question.as_deref().unwrap().to_lowercase();
        let evidence = qrels.evidence(&r.id).unwrap();
        for docid in evidence {
            let t = &titles[docid];
            assert!(
                !question.contains(t.as_str()),
                "{}: the question names `{t}`: {question}",
                r.id
            );
        }
        let mut first_search = true;
        for s in &r.steps {
            if let StepKind::Search(x) = &s.kind {
                for q in &x.queries {
                    let q = q.to_lowercase();
                    assert!(
                        !all_titles.contains(&q),
                        "{}: `{q}` is a page's title",
                        r.id
                    );
                    if first_search {
                        for docid in evidence {
                            assert!(!q.contains(titles[docid].as_str()), "{}: `{q}`", r.id);
                        }
                    }
                }
                first_search = false;
            }
        }
        assert_eq!(r.meta.retriever.as_deref(), Some("bm25"));
    }
    // The figures `lrat stats` gives these runs.
    let f = lrat::closed_loop::measure(d.path(), "bm25").unwrap();
    let recall = f.evidence_recall.unwrap();
    assert!((0.3..=0.7).contains(&f.success), "success {f:?}");
    assert!((0.3..=0.7).contains(&recall), "evidence recall {f:?}");
    // Naming the first entity (today's questions) makes the same world much easier.
    let named = tempfile::tempdir().unwrap();
    let easy = Knobs {
        obfuscation: 0.0,
        paraphrase: 0.0,
        ..Knobs::default()
    };
    synth::generate(named.path(), 150, 2000, 7, &easy).unwrap();
    let g = lrat::closed_loop::measure(named.path(), "named").unwrap();
    assert!(g.success > f.success + 0.15, "{g:?} vs {f:?}");
}

/// The same test questions run with BM25 and with a model folder: the runs ask the same
/// questions, say what served them, and `lrat stats A B --json` gives each set's success,
/// evidence recall and search calls with differences paired over the shared questions.
#[test]
fn the_same_questions_run_with_two_retrievers_and_compare_side_by_side() {
    use lrat::train::encoder::MaxLengths;
    use lrat::train::scratch::{self, ScratchShape};
    let d = tempfile::tempdir().unwrap();
    // A small model folder the agent's dense searches go through.
    let world = d.path().join("world");
    synth::generate(&world, 6, 300, 3, &Knobs::default()).unwrap();
    let corpus = std::fs::read_to_string(world.join("corpus.jsonl")).unwrap();
    let shape = ScratchShape {
        layers: 1,
        hidden: 16,
        heads: 2,
        vocab: 200,
    };
    let max = MaxLengths {
        query: 16,
        passage: 32,
    };
    let model = d.path().join("model");
    scratch::build(corpus.lines(), shape, max, 1, &candle_core::Device::Cpu)
        .unwrap()
        .save(&model)
        .unwrap();
    let run = |out: &str, retriever: &str| {
        let out = d.path().join(out);
        let (code, _, err) = crate::lrat_env(
            &[
                "synth",
                "--out",
                out.to_str().unwrap(),
                "--runs",
                "5",
                "--docs",
                "300",
                "--seed",
                "3",
                "--first-question",
                "40",
                "--retriever",
                retriever,
            ],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        out
    };
    let bm25 = run("bm25", "bm25");
    let dense = run("dense", model.to_str().unwrap());
    let questions =
        |dir: &std::path::Path| std::fs::read_to_string(dir.join("questions.jsonl")).unwrap();
    assert_eq!(questions(&bm25), questions(&dense), "the same questions");
    assert!(questions(&bm25).contains("\"q40\"") && questions(&bm25).contains("\"q44\""));
    let loaded = run::load(&[dense.join("runs")], &ReadOptions::default()).unwrap();
    for r in &loaded.runs {
        assert_eq!(r.meta.retriever.as_deref(), Some("dense"));
        assert!(
            r.meta.extra["retriever_model"].contains("model"),
            "{:?}",
            r.meta
        );
    }
    let settings = synth::Settings::read(&dense).unwrap().unwrap();
    assert_eq!(settings.first_question, 40);
    assert_eq!(settings.retriever.searcher_type, "dense");
    // The embeddings were computed once and are kept for the next run.
    assert!(dense.join(".lrat/dense").is_dir());

    let (code, out, err) = crate::lrat_env(
        &[
            "stats",
            bm25.to_str().unwrap(),
            dense.to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sets"][0]["retriever"], "bm25");
    assert!(
        v["sets"][1]["retriever"]
            .as_str()
            .unwrap()
            .starts_with("dense")
    );
    for s in v["sets"].as_array().unwrap() {
        assert_eq!(s["runs"], 5);
        assert!(
            s["evidence_recall"].is_f64() && s["success"].is_f64() && s["search_calls"].is_f64()
        );
    }
    let p = &v["paired"][0];
    assert_eq!(p["shared"], 5);
    assert_eq!(p["success"]["questions"], 5);
    let want = v["sets"][1]["evidence_recall"].as_f64().unwrap()
        - v["sets"][0]["evidence_recall"].as_f64().unwrap();
    assert!(
        (p["evidence_recall"]["mean"].as_f64().unwrap() - want).abs() < 1e-9,
        "{p}"
    );
    let (code, text, _) = crate::lrat_env(
        &["stats", bm25.to_str().unwrap(), dense.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 0);
    assert!(
        text.contains("paired over the 5 questions both ran"),
        "{text}"
    );
    // lrat search ranks with the same model over a corpus file.
    let (code, out, err) = crate::lrat_env(
        &[
            "search",
            bm25.join("corpus.jsonl").to_str().unwrap(),
            "shipwright",
            "-k",
            "3",
            "--json",
            "--model",
            model.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    // A model folder that is not one is one plain line.
    let (code, _, err) = crate::lrat_env(
        &[
            "synth",
            "--out",
            d.path().join("x").to_str().unwrap(),
            "--runs",
            "2",
            "--docs",
            "300",
            "--retriever",
            "/nonexistent/model",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("/nonexistent/model: not a model folder"),
        "{err}"
    );
    assert!(!d.path().join("x").exists(), "nothing written");
}

/// A world past the ships' name space (adjective × noun × syllable: 2,368 names; 100,000
/// documents want 3,750 ships) is made, every entity with its own name.
#[test]
fn a_large_world_gives_every_entity_its_own_name() {
    let w = lrat::synth::world::World::generate(70_000, &lrat::rng::Rng::new(11));
    let names: std::collections::HashSet<&str> =
        w.entities.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names.len(), w.entities.len());
    assert!(w.entities.len() >= 14_000, "{}", w.entities.len());
    assert!(w.docs.len() >= 70_000, "{}", w.docs.len());
}
