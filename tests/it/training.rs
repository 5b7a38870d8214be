//! The loss, the trainer, checkpoints and resuming, on tiny models built in the test.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use candle_core::{Device, Tensor};
use lrat::train::data::{Example, TrainSet};
use lrat::train::encoder::{Encoder, MaxLengths, Side};
use lrat::train::loss::weighted_infonce;
use lrat::train::resolve::ModelSource;
use lrat::train::scratch::{self, ScratchShape};
use lrat::train::worker::{self, TrainConfig, TrainEvent, TrainJob};

const TOPICS: [(&str, &str); 10] = [
    ("apple", "orchard fruit red crisp"),
    ("river", "water flows bridge valley"),
    ("piano", "keys music concert melody"),
    ("rocket", "launch orbit engine fuel"),
    ("garden", "flowers soil seeds bloom"),
    ("castle", "tower king walls moat"),
    ("coffee", "beans roast brew morning"),
    ("glacier", "ice mountain cold melt"),
    ("violin", "strings bow orchestra tune"),
    ("desert", "sand dunes heat camel"),
];

fn max() -> MaxLengths {
    MaxLengths {
        query: 16,
        passage: 32,
    }
}

fn shape() -> ScratchShape {
    ScratchShape {
        layers: 1,
        hidden: 16,
        heads: 2,
        vocab: 120,
    }
}

/// Ten runs, one topic each: the query names the topic, the positive describes it, the
/// negatives are the other topics' documents.
fn toy_set() -> TrainSet {
    let mut set = TrainSet::default();
    for (i, (name, words)) in TOPICS.iter().enumerate() {
        set.docs
            .insert(format!("d{i}"), format!("{name} {words} {name} {words}"));
    }
    for (i, (name, words)) in TOPICS.iter().enumerate() {
        let first = words.split(' ').next().unwrap_or_default();
        set.examples.push(Example {
            run_id: format!("r{i}"),
            browse_step: None,
            query: format!("{name} {first}"),
            pos: format!("d{i}"),
            negs: (0..TOPICS.len())
                .filter(|&j| j != i)
                .map(|j| format!("d{j}"))
                .collect(),
            weight: 1.0 + i as f32 / 10.0,
        });
    }
    set
}

fn toy_encoder(seed: u64) -> Encoder {
    let set = toy_set();
    let texts: Vec<&str> = set
        .examples
        .iter()
        .map(|e| e.query.as_str())
        .chain(set.docs.values().map(String::as_str))
        .collect();
    scratch::build(texts.into_iter(), shape(), max(), seed, &Device::Cpu).unwrap()
}

fn config(max_steps: Option<usize>) -> TrainConfig {
    TrainConfig {
        temperature: 0.1,
        group: 3,
        batch: 4,
        query_max_len: 16,
        passage_max_len: 32,
        lr: Some(5e-3),
        epochs: 6,
        warmup: 0.1,
        holdout: 0.2,
        eval_every: 5,
        max_steps,
        eval_batch: 8,
        ..TrainConfig::default()
    }
}

fn job(out: &Path, model: ModelSource, config: TrainConfig, resume: bool) -> TrainJob {
    TrainJob {
        set: Arc::new(toy_set()),
        model,
        note: None,
        config,
        out: out.to_path_buf(),
        qrels: None,
        corpus: None,
        resume,
        device: Device::Cpu,
        scratch: shape(),
        held_out: None,
        force: false,
    }
}

fn run(job: TrainJob) -> Vec<TrainEvent> {
    let mut events = Vec::new();
    worker::run(job, &AtomicBool::new(false), &mut |e| {
        events.push(e);
        true
    });
    if let Some(TrainEvent::Failed { message }) = events.last() {
        panic!("training failed: {message}");
    }
    events
}

fn losses(events: &[TrainEvent]) -> Vec<f64> {
    events
        .iter()
        .filter_map(|e| match e {
            TrainEvent::Step { loss, .. } => Some(*loss),
            _ => None,
        })
        .collect()
}

fn row(v: &[f64]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter().map(|x| (x / n) as f32).collect()
}

/// Two queries, G = 2: query 0's candidates are rows 0 (its positive), 1 (its negative), 2 and 3
/// (query 1's passages); query 1's positive is row 2.
#[test]
fn weighted_loss_equals_a_hand_computation() {
    let dev = Device::Cpu;
    let q = [row(&[1.0, 0.0]), row(&[0.6, 0.8])];
    let p = [
        row(&[1.0, 0.2]),
        row(&[0.0, 1.0]),
        row(&[-1.0, 2.0]),
        row(&[1.0, -1.0]),
    ];
    let tau = 0.5;
    // By hand: s_ij = (q_i · p_j) / τ; ℓ_i = log Σ_j exp(s_ij) − s_i,pos.
    let dot = |a: &[f32], b: &[f32]| f64::from(a[0] * b[0] + a[1] * b[1]);
    let ell = |i: usize, pos: usize| {
        let s: Vec<f64> = p.iter().map(|pj| dot(&q[i], pj) / tau).collect();
        s.iter().map(|x| x.exp()).sum::<f64>().ln() - s[pos]
    };
    let (l0, l1) = (ell(0, 0), ell(1, 2));
    let qt = Tensor::from_iter(q.concat(), &dev)
        .unwrap()
        .reshape((2, 2))
        .unwrap();
    let pt = Tensor::from_iter(p.concat(), &dev)
        .unwrap()
        .reshape((4, 2))
        .unwrap();
    let naive = weighted_infonce(&qt, &pt, 2, tau, &[1.0, 1.0])
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    let weighted = weighted_infonce(&qt, &pt, 2, tau, &[0.5, 1.5])
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!((f64::from(naive) - (l0 + l1) / 2.0).abs() < 1e-5, "{naive}");
    let want = (0.5 * l0 + 1.5 * l1) / 2.0;
    assert!(
        (f64::from(weighted) - want).abs() < 1e-5,
        "{weighted} vs {want}"
    );
    assert!(
        (l0 - 0.5749).abs() < 1e-3 && (l1 - 1.6386).abs() < 1e-3,
        "{l0} {l1}"
    );
    assert!(weighted_infonce(&qt, &pt, 3, tau, &[1.0, 1.0]).is_err());
}

#[test]
fn gradients_of_the_loss_reach_the_embeddings() {
    let enc = toy_encoder(1);
    let q = enc
        .embed(&["apple orchard", "river water"], Side::Query)
        .unwrap();
    let p = enc
        .embed(
            &[
                "apple orchard fruit",
                "desert sand",
                "river water",
                "piano keys",
            ],
            Side::Passage,
        )
        .unwrap();
    let loss = weighted_infonce(&q, &p, 2, 0.05, &[1.0, 2.0]).unwrap();
    let grads = loss.backward().unwrap();
    let vars: HashMap<String, candle_core::Var> = enc.named_vars().unwrap().into_iter().collect();
    let word = &vars["embeddings.word_embeddings.weight"];
    let g = grads.get(word).expect("word embeddings get a gradient");
    let norm = g
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(norm > 0.0);
    let without: Vec<&String> = vars
        .iter()
        .filter(|(_, v)| grads.get(v).is_none())
        .map(|(k, _)| k)
        .collect();
    assert!(without.is_empty(), "no gradient: {without:?}");
}

#[test]
fn the_loss_falls_on_a_toy_set() {
    let dir = tempfile::tempdir().unwrap();
    let events = run(job(dir.path(), ModelSource::Scratch, config(None), false));
    let l = losses(&events);
    assert!(l.len() >= 12, "{} steps", l.len());
    let head: f64 = l[..3].iter().sum::<f64>() / 3.0;
    let tail: f64 = l[l.len() - 3..].iter().sum::<f64>() / 3.0;
    assert!(tail < head * 0.8, "loss {head:.4} → {tail:.4}");
    // Evaluation ran before the first step (BM25 and the base model) and after the last.
    let evals: Vec<(usize, &str)> = events
        .iter()
        .filter_map(|e| match e {
            TrainEvent::Eval { step, system, .. } => Some((*step, system.name())),
            _ => None,
        })
        .collect();
    assert_eq!(evals[..2], [(0, "bm25"), (0, "base")]);
    assert_eq!(evals.last().map(|e| e.1), Some("model"));
    assert!(matches!(
        events.last(),
        Some(TrainEvent::Done {
            cancelled: false,
            ..
        })
    ));
    let log = std::fs::read_to_string(dir.path().join("metrics.jsonl"));
    assert!(log.is_err(), "the library writes no log; the CLI does");
}

#[test]
fn a_checkpoint_loads_back_to_identical_embeddings() {
    let dir = tempfile::tempdir().unwrap();
    let enc = toy_encoder(3);
    enc.save(dir.path()).unwrap();
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "modules.json",
        "1_Pooling/config.json",
    ] {
        assert!(dir.path().join(f).is_file(), "{f}");
    }
    let back = Encoder::load(dir.path(), max(), &Device::Cpu).unwrap();
    let texts = ["apple orchard fruit", "a sentence the vocabulary never saw"];
    for side in [Side::Query, Side::Passage] {
        let a = enc.encode(&texts, side, 8).unwrap();
        let b = back.encode(&texts, side, 8).unwrap();
        assert_eq!(a, b);
    }
    let names: Vec<String> = back
        .named_vars()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(names.contains(&"encoder.layer.0.attention.self.query.weight".to_string()));
}

fn weights(dir: &Path) -> HashMap<String, Vec<f32>> {
    candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu)
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, v.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
        .collect()
}

#[test]
fn two_steps_resume_two_steps_equals_four_steps() {
    let start = tempfile::tempdir().unwrap();
    toy_encoder(9).save(start.path()).unwrap();
    let model = ModelSource::Folder(start.path().to_path_buf());
    let straight = tempfile::tempdir().unwrap();
    let four = run(job(straight.path(), model.clone(), config(Some(4)), false));
    let split = tempfile::tempdir().unwrap();
    let first = run(job(split.path(), model.clone(), config(Some(2)), false));
    let second = run(job(split.path(), model, config(Some(4)), true));
    assert!(matches!(
        second.first(),
        Some(TrainEvent::Started { first_step: 2, .. })
    ));
    let mut resumed = losses(&first);
    resumed.extend(losses(&second));
    assert_eq!(losses(&four), resumed);
    let (a, b) = (weights(straight.path()), weights(split.path()));
    assert_eq!(a.len(), b.len());
    for (k, v) in &a {
        assert_eq!(v, &b[k], "{k}");
    }
}

#[test]
fn cancelling_stops_between_batches_and_saves() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let mut events = Vec::new();
    worker::run(
        job(dir.path(), ModelSource::Scratch, config(None), false),
        &cancel,
        &mut |e| {
            if matches!(e, TrainEvent::Step { step: 3, .. }) {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            events.push(e);
            true
        },
    );
    assert_eq!(losses(&events).len(), 3);
    assert!(matches!(
        events.last(),
        Some(TrainEvent::Done {
            step: 3,
            cancelled: true,
            ..
        })
    ));
    assert!(dir.path().join("trainer_state.json").is_file());
}

#[test]
fn bad_settings_and_empty_data_fail_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut j = job(dir.path(), ModelSource::Scratch, config(None), false);
    j.config.group = 0;
    let mut events = Vec::new();
    worker::run(j, &AtomicBool::new(false), &mut |e| {
        events.push(e);
        true
    });
    assert!(
        matches!(events.last(), Some(TrainEvent::Failed { message }) if message.contains("group")),
        "{events:?}"
    );
    let mut j = job(dir.path(), ModelSource::Scratch, config(None), true);
    j.out = dir.path().join("nothing-here");
    let mut events = Vec::new();
    worker::run(j, &AtomicBool::new(false), &mut |e| {
        events.push(e);
        true
    });
    assert!(
        matches!(events.last(), Some(TrainEvent::Failed { message }) if message.contains("cannot resume")),
        "{events:?}"
    );
}

#[test]
fn the_scratch_vocabulary_depends_only_on_the_texts() {
    let texts = [
        "The harbour guild",
        "guild of the harbour",
        "a storm; the harbour!",
    ];
    let a = scratch::train_tokenizer(texts.iter().copied(), 100).unwrap();
    let b = scratch::train_tokenizer(texts.iter().copied(), 100).unwrap();
    assert_eq!(a.get_vocab(true), b.get_vocab(true));
    let enc = a.encode("the harbour guild", true).unwrap();
    assert_eq!(
        enc.get_tokens(),
        ["[CLS]", "the", "harbour", "guild", "[SEP]"],
        "frequent words are whole tokens"
    );
    let rare = a.encode("storm", true).unwrap();
    assert_eq!(
        rare.get_tokens(),
        ["[CLS]", "s", "##t", "##o", "##r", "##m", "[SEP]"]
    );
}

#[test]
fn the_ablation_trains_every_arm_on_the_same_held_out_runs() {
    use lrat::experiment::{Ablation, Arm, held_out_runs};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    lrat::synth::generate(&data, 24, 300, 5, &lrat::synth::Knobs::default()).unwrap();
    let ablation = Ablation {
        data,
        out: dir.path().join("out"),
        seeds: vec![1],
        model: None,
        config: TrainConfig {
            epochs: 1,
            batch: 8,
            group: 2,
            lr: Some(1e-3),
            holdout: 0.25,
            query_max_len: 16,
            passage_max_len: 32,
            ..TrainConfig::default()
        },
        scratch: shape(),
        closed_loop: Some(3),
        unmasked_arm: false,
    };
    let mut lines = Vec::new();
    let report = lrat::experiment::run(&ablation, &mut |l| lines.push(l.to_string())).unwrap();
    // The simulator wrote truth.jsonl, so the truth-filtered arm runs too.
    assert_eq!(report.arms.len(), 4);
    // A line a trained arm, then one a retriever of the closed loop (BM25, the start, 4 arms).
    assert_eq!(lines.len(), 4 + 6, "{lines:?}");
    let systems: Vec<&str> = report
        .closed_loop
        .iter()
        .map(|r| r.system.as_str())
        .collect();
    assert_eq!(
        systems,
        [
            "BM25",
            "untrained start",
            "naive",
            "+ filter",
            "+ filter + weights",
            "truth filter"
        ]
    );
    for r in &report.closed_loop {
        // Questions after the 24 training runs: none of them was trained on.
        assert_eq!((r.figures.runs, r.first_question), (3, 24), "{r:?}");
        assert!(r.figures.evidence_recall.is_some() && r.figures.search_calls > 0.0);
    }
    let served: Vec<Option<&str>> = report
        .closed_loop
        .iter()
        .map(|r| r.figures.retriever.as_deref())
        .collect();
    assert_eq!(served[0], Some("bm25"));
    assert!(
        served[2].unwrap().starts_with("dense (naive-1"),
        "{served:?}"
    );
    assert_eq!(report.paired_closed("naive", "BM25").len(), 1);
    let arms: Vec<Arm> = report.arms.iter().map(|r| r.arm).collect();
    assert_eq!(arms, Arm::WITH_TRUTH);
    let noise: Vec<_> = report.arms.iter().map(|r| r.noise.unwrap()).collect();
    assert!(
        noise[0].useless > 0,
        "naive positives include useless browses"
    );
    assert_eq!(
        noise[3].useless, 0,
        "the truth filter keeps only useful ones"
    );
    assert!(noise[1].useless <= noise[0].useless);
    assert_eq!(noise[1].useless, noise[2].useless);
    assert!(
        noise[2].useless_weight_share < noise[1].useless_weight_share,
        "short reasoning after useless pages weighs less: {noise:?}"
    );
    assert_eq!(report.paired(Arm::Filter, Arm::Naive).len(), 1);
    assert!(report.held_out_questions > 0);
    assert!(
        report
            .arms
            .iter()
            .all(|r| r.metrics.evidence.is_some() && r.steps > 0)
    );
    assert!(
        report.arms[0].pairs >= report.arms[1].pairs,
        "the filter only removes pairs"
    );
    assert_eq!(report.arms[1].pairs, report.arms[2].pairs);
    let text = report.render();
    assert!(
        text.contains("+ filter + weights")
            && text.contains("BM25")
            && text.contains("truth filter − naive")
            && text.contains("closed loop")
            && text.contains("question R@10"),
        "{text}"
    );
    let runs: std::collections::BTreeSet<String> = (0..10).map(|i| format!("q{i}")).collect();
    assert_eq!(held_out_runs(&runs, 0.2, 3), held_out_runs(&runs, 0.2, 3));
    assert_eq!(held_out_runs(&runs, 0.2, 3).len(), 2);
    assert_eq!(held_out_runs(&runs, 0.0, 3).len(), 1, "at least one");
}

/// Pooling comes from the folder's pooling module; without one, from the model family (CLS for
/// BGE and what FlagEmbedding trains from it, mean otherwise); `--pooling` overrides both; the
/// reason is always given.
#[test]
fn pooling_from_the_folder_its_family_or_the_caller() {
    use lrat::train::encoder::Pooling;
    let dir = tempfile::tempdir().unwrap();
    toy_encoder(5).save(dir.path()).unwrap();
    let load = |p: Option<Pooling>| {
        let e = Encoder::load_with(dir.path(), max(), &Device::Cpu, p).unwrap();
        (e.pooling, e.pooling_why)
    };
    let (p, why) = load(None);
    assert_eq!(p, Pooling::Mean);
    assert!(why.contains("pooling"), "{why}");
    assert_eq!(load(Some(Pooling::Cls)), (Pooling::Cls, "--pooling".into()));
    // sentence-transformers 6 writes the mode as one string.
    let pool_cfg = dir.path().join("1_Pooling/config.json");
    for (mode, want) in [("cls", Pooling::Cls), ("mean", Pooling::Mean)] {
        std::fs::write(
            &pool_cfg,
            format!(
                r#"{{"embedding_dimension": 16, "pooling_mode": "{mode}", "include_prompt": true}}"#
            ),
        )
        .unwrap();
        assert_eq!(load(None).0, want, "{mode}");
    }
    std::fs::write(&pool_cfg, r#"{"pooling_mode": "max"}"#).unwrap();
    let Err(err) = Encoder::load_with(dir.path(), max(), &Device::Cpu, None) else {
        panic!("max pooling loaded");
    };
    assert!(err.to_string().contains("\"max\""), "{err}");
    // A FlagEmbedding or Tevatron output: no sentence-transformers modules.
    std::fs::remove_dir_all(dir.path().join("1_Pooling")).unwrap();
    std::fs::remove_file(dir.path().join("modules.json")).unwrap();
    let (p, why) = load(None);
    assert_eq!(p, Pooling::Mean);
    assert!(why.contains("no pooling module"), "{why}");
    let cfg = dir.path().join("config.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    v["_name_or_path"] = "BAAI/bge-small-en-v1.5".into();
    std::fs::write(&cfg, v.to_string()).unwrap();
    let (p, why) = load(None);
    assert_eq!(p, Pooling::Cls, "{why}");
    assert!(why.contains("BGE"), "{why}");
    assert_eq!(load(Some(Pooling::Mean)).0, Pooling::Mean);
}

/// The training folder describes the run; resuming with other settings is refused unless forced,
/// and a resumed run keeps the runs it held out.
#[test]
fn the_folder_describes_the_run_and_resume_keeps_its_settings() {
    let start = tempfile::tempdir().unwrap();
    toy_encoder(9).save(start.path()).unwrap();
    let model = ModelSource::Folder(start.path().to_path_buf());
    let out = tempfile::tempdir().unwrap();
    run(job(out.path(), model.clone(), config(Some(2)), false));
    let state = worker::TrainerState::read(out.path()).unwrap().unwrap();
    assert_eq!(state.step, 2);
    assert_eq!(state.model, start.path().display().to_string());
    assert_eq!(state.pooling, "mean");
    assert!(state.peak_lr > 0.0 && state.examples > 0);
    assert!(!state.held_out_runs.is_empty(), "{state:?}");
    // Another batch size: refused, naming the setting.
    let mut other = config(Some(4));
    other.batch += 1;
    let mut events = Vec::new();
    worker::run(
        job(out.path(), model.clone(), other.clone(), true),
        &AtomicBool::new(false),
        &mut |e| {
            events.push(e);
            true
        },
    );
    assert!(
        matches!(events.last(), Some(TrainEvent::Failed { message })
            if message.contains("other settings") && message.contains("--batch")),
        "{events:?}"
    );
    assert_eq!(
        worker::TrainerState::read(out.path())
            .unwrap()
            .unwrap()
            .step,
        2
    );
    // Forced: it continues with the new settings and the same held-out runs.
    let mut forced = job(out.path(), model, other, true);
    forced.force = true;
    run(forced);
    let after = worker::TrainerState::read(out.path()).unwrap().unwrap();
    assert!(after.step > 2);
    assert_eq!(after.held_out_runs, state.held_out_runs);
}

/// Gradient caching gives the full batch's loss and gradients, whatever the chunk.
#[test]
fn gradient_caching_equals_the_full_batch() {
    use lrat::train::gradcache::batch_grads;
    let enc = toy_encoder(11);
    let set = toy_set();
    let queries: Vec<&str> = set
        .examples
        .iter()
        .take(4)
        .map(|e| e.query.as_str())
        .collect();
    let docs: Vec<&str> = set.docs.values().map(String::as_str).collect();
    let passages: Vec<&str> = (0..12).map(|i| docs[(i * 7) % docs.len()]).collect();
    let weights = [0.5f32, 1.0, 2.5, 0.25];
    let full = batch_grads(&enc, &queries, &passages, &contrast(&weights), 1000).unwrap();
    let vars = enc.named_vars().unwrap();
    for chunk in [1, 2, 5] {
        let cached = batch_grads(&enc, &queries, &passages, &contrast(&weights), chunk).unwrap();
        assert!(
            (cached.loss - full.loss).abs() < 1e-5,
            "chunk {chunk}: {} vs {}",
            cached.loss,
            full.loss
        );
        let mut compared = 0;
        for (name, v) in &vars {
            let (Some(a), Some(b)) = (
                full.grads.get(v.as_tensor()),
                cached.grads.get(v.as_tensor()),
            ) else {
                assert!(
                    full.grads.get(v.as_tensor()).is_none()
                        == cached.grads.get(v.as_tensor()).is_none(),
                    "{name}"
                );
                continue;
            };
            let diff = f64::from(
                (a - b)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap(),
            );
            let scale = f64::from(
                a.abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap(),
            );
            assert!(
                diff <= 1e-4 * scale + 1e-7,
                "chunk {chunk}, {name}: {diff} against {scale}"
            );
            compared += 1;
        }
        assert!(compared > 10, "{compared} gradients compared");
    }
    // And the weights matter: the same batch unweighted has another loss.
    let plain = batch_grads(&enc, &queries, &passages, &contrast(&[1.0; 4]), 2).unwrap();
    assert!((plain.loss - full.loss).abs() > 1e-4);
}

/// A checkpoint interrupted after it was committed is finished by the next reader, and a stale
/// uncommitted one is never read: the folder is always one step's checkpoint.
#[test]
fn an_interrupted_checkpoint_is_finished_never_mixed() {
    let start = tempfile::tempdir().unwrap();
    toy_encoder(9).save(start.path()).unwrap();
    let model = ModelSource::Folder(start.path().to_path_buf());
    let a = tempfile::tempdir().unwrap();
    run(job(a.path(), model.clone(), config(Some(2)), false));
    let b = tempfile::tempdir().unwrap();
    run(job(b.path(), model.clone(), config(Some(4)), false));
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_ne!(
        read(&a.path().join("model.safetensors")),
        read(&b.path().join("model.safetensors"))
    );
    // Step 4's checkpoint was committed into A, and the crash came when only the weights had
    // moved into place; a stale uncommitted checkpoint lies beside it.
    let commit = a.path().join(".commit");
    crate::copy_dir(b.path(), &commit);
    let _ = std::fs::remove_file(commit.join("metrics.jsonl"));
    std::fs::rename(
        commit.join("model.safetensors"),
        a.path().join("model.safetensors"),
    )
    .unwrap();
    std::fs::create_dir_all(a.path().join(".partial")).unwrap();
    std::fs::write(a.path().join(".partial/model.safetensors"), b"torn").unwrap();
    let state = worker::TrainerState::read(a.path()).unwrap().unwrap();
    assert_eq!(state.step, 4);
    assert!(!commit.exists());
    for f in [
        "model.safetensors",
        "optimizer.safetensors",
        "trainer_state.json",
        "config.json",
    ] {
        assert_eq!(read(&a.path().join(f)), read(&b.path().join(f)), "{f}");
    }
    // Loading the folder finishes an interrupted commit too.
    let c = tempfile::tempdir().unwrap();
    crate::copy_dir(b.path(), c.path());
    let commit = c.path().join(".commit");
    crate::copy_dir(a.path(), &commit);
    std::fs::write(
        commit.join("trainer_state.json"),
        std::fs::read_to_string(a.path().join("trainer_state.json"))
            .unwrap()
            .replace("\"step\": 4", "\"step\": 7"),
    )
    .unwrap();
    Encoder::load(c.path(), max(), &Device::Cpu).unwrap();
    assert!(!commit.exists());
    assert_eq!(
        worker::TrainerState::read(c.path()).unwrap().unwrap().step,
        7
    );
    // The next checkpoint clears the stale partial one.
    run(job(a.path(), model, config(Some(6)), true));
    assert!(!a.path().join(".partial").exists());
}

/// The automatic chunk takes the whole batch when its graph fits the budget, else as many of the
/// longest texts as fit, and never less than one.
#[test]
fn automatic_chunk_follows_the_memory_budget() {
    use lrat::train::gradcache::chunk_for;
    let enc = toy_encoder(11);
    let c = &enc.bert.config;
    let per_token = c.num_hidden_layers * c.hidden_size * 24 * 4;
    let (q, p) = (enc.max.query, enc.max.passage);
    let whole = per_token * (4 * q + 12 * p);
    assert_eq!(chunk_for(&enc, 4, 3, whole), 12, "the whole batch fits");
    assert_eq!(chunk_for(&enc, 4, 3, usize::MAX / 2), 12);
    let longest = q.max(p);
    assert_eq!(
        chunk_for(&enc, 4, 3, whole - 1),
        ((whole - 1) / (per_token * longest)).min(11),
        "just too big: gradient caching, never the one-pass path"
    );
    assert_eq!(chunk_for(&enc, 4, 3, per_token * longest * 3), 3);
    assert_eq!(chunk_for(&enc, 4, 3, 0), 1);
}

/// One place for training defaults: the Train screen's form, `lrat train --preset quick` and
/// the paper's preset all come from `TrainConfig::preset`, and `auto` rates from `peak_lr`.
#[test]
fn the_screen_and_the_cli_train_with_the_same_preset() {
    use lrat::train::worker::{Preset, peak_lr};
    let quick = TrainConfig::preset(Preset::Quick);
    let screen = lrat::tui::screens::train::TrainScreen::new("unused")
        .form
        .config()
        .unwrap();
    assert_eq!(screen, quick);
    assert_eq!(peak_lr(&quick, false), 2e-5);
    assert_eq!(peak_lr(&quick, true), 3e-4);
    assert_eq!(peak_lr(&TrainConfig::default(), false), 1e-6);
    assert_eq!(TrainConfig::preset(Preset::Paper), TrainConfig::default());
    assert_eq!((quick.batch, quick.group, quick.query_max_len), (16, 4, 32));

    let ws = crate::sample_copy();
    let out = tempfile::tempdir().unwrap();
    let (ws_s, out_s) = (
        ws.path().to_str().unwrap(),
        out.path().join("m").to_str().unwrap().to_string(),
    );
    let (code, _, err) = crate::lrat_env(
        &[
            "train",
            ws_s,
            "--preset",
            "quick",
            "--model",
            "scratch",
            "--out",
            &out_s,
            "--max-steps",
            "1",
            "--batch",
            "8",
        ],
        &[("HF_ENDPOINT", "http://127.0.0.1:9")],
    );
    assert_eq!(code, 0, "{err}");
    let state = worker::TrainerState::read(Path::new(&out_s))
        .unwrap()
        .unwrap();
    let expected = TrainConfig {
        batch: 8,
        max_steps: Some(1),
        ..quick
    };
    assert_eq!(state.config, expected);
}

/// Length-bucketed batches: every example once an epoch, the same order for the same seed and
/// epoch, batches of similar lengths (far less spread than plain shuffling), a short last batch
/// last, and no rise of length through the epoch.
#[test]
fn length_buckets_group_similar_lengths_and_keep_every_example() {
    use lrat::train::data::{bucketed_order, epoch_order};
    let mut set = TrainSet::default();
    for i in 0..203usize {
        let n = (i * 37) % 200 + 1;
        set.docs.insert(format!("d{i}"), "w ".repeat(n));
        set.examples.push(Example {
            run_id: format!("r{}", i % 9),
            browse_step: None,
            query: format!("q{i}"),
            pos: format!("d{i}"),
            negs: vec![],
            weight: 1.0,
        });
    }
    let train: Vec<usize> = (0..203).collect();
    let len = |i: usize| set.docs[&set.examples[i].pos].len();
    let spread = |order: &[usize]| -> usize {
        order
            .chunks(8)
            .map(|b| {
                let l: Vec<usize> = b.iter().map(|&i| len(i)).collect();
                l.iter().max().unwrap() - l.iter().min().unwrap()
            })
            .sum()
    };
    let a = bucketed_order(&set, &train, 8, 42, 0);
    assert_eq!(a, bucketed_order(&set, &train, 8, 42, 0));
    assert_ne!(a, bucketed_order(&set, &train, 8, 42, 1));
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, train);
    let plain = epoch_order(&train, 42, 0);
    assert!(
        spread(&a) * 4 < spread(&plain),
        "bucketed {} vs shuffled {}",
        spread(&a),
        spread(&plain)
    );
    // The last 3 examples (203 = 25 × 8 + 3) are the short batch; the full ones are not in
    // ascending length order across the epoch.
    assert_eq!(a.len() % 8, 3);
    let firsts: Vec<usize> = a.chunks(8).take(25).map(|b| len(b[0])).collect();
    assert!(firsts.windows(2).any(|w| w[1] < w[0]));
}

/// Two queries of one run share a positive: each one's softmax must not count the other's copy
/// of its own positive as a negative. The masked loss and its gradients equal those of the same
/// batch with the duplicate columns left out of each query's softmax.
#[test]
fn false_negatives_are_masked_out_of_the_loss_and_its_gradients() {
    use candle_core::{D, Var};
    use lrat::train::data::false_negatives;
    use lrat::train::loss::weighted_infonce_masked;
    let dev = Device::Cpu;
    let (tau, w) = (0.1, [0.7f32, 1.3]);
    let unit = |v: [f32; 3]| {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.map(|x| x / n)
    };
    let q: Vec<f32> = [unit([1.0, 0.2, 0.1]), unit([0.1, 1.0, 0.3])].concat();
    let p: Vec<f32> = [
        unit([0.9, 0.3, 0.0]), // query 0's positive (doc A)
        unit([0.2, 0.1, 1.0]), // its negative
        unit([0.9, 0.3, 0.0]), // query 1's positive: doc A again
        unit([0.5, 0.5, 0.5]), // its negative
    ]
    .concat();
    let ids: Vec<String> = ["A", "n1", "A", "n2"].map(String::from).to_vec();
    let mask = false_negatives(&["run", "run"], &["A", "A"], &ids, 2);
    assert_eq!(
        mask,
        vec![(0, 2), (1, 0)],
        "each query's copy of the shared positive"
    );

    let grads = |masked: bool| {
        let qv = Var::from_tensor(&Tensor::from_vec(q.clone(), (2, 3), &dev).unwrap()).unwrap();
        let pv = Var::from_tensor(&Tensor::from_vec(p.clone(), (4, 3), &dev).unwrap()).unwrap();
        let loss = if masked {
            weighted_infonce_masked(qv.as_tensor(), pv.as_tensor(), 2, tau, &w, &mask).unwrap()
        } else {
            // The reference: each query's softmax over its batch without the duplicate column.
            let s = (qv.as_tensor().matmul(&pv.as_tensor().t().unwrap()).unwrap() / tau).unwrap();
            let keep = |row: usize, cols: &[u32], target: usize| {
                let idx = Tensor::new(cols, &dev).unwrap();
                let r = s.get(row).unwrap().index_select(&idx, 0).unwrap();
                let lp = candle_nn::ops::log_softmax(&r, D::Minus1).unwrap();
                lp.get(target).unwrap().neg().unwrap()
            };
            let l0 = (keep(0, &[0, 1, 3], 0) * f64::from(w[0])).unwrap();
            let l1 = (keep(1, &[1, 2, 3], 1) * f64::from(w[1])).unwrap();
            ((l0 + l1).unwrap() / f64::from(w[0] + w[1])).unwrap()
        };
        let value = loss.to_scalar::<f32>().unwrap();
        let g = loss.backward().unwrap();
        let flat = |v: &Var| {
            g.get(v.as_tensor())
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        };
        (value, flat(&qv), flat(&pv))
    };
    let (lm, gqm, gpm) = grads(true);
    let (lr, gqr, gpr) = grads(false);
    assert!((lm - lr).abs() < 1e-5, "loss {lm} vs {lr}");
    for (a, b) in gqm.iter().zip(&gqr).chain(gpm.iter().zip(&gpr)) {
        assert!((a - b).abs() < 1e-5, "gradient {a} vs {b}");
    }
    // Unmasked, the duplicate is a negative and the loss is higher.
    let qt = Tensor::from_vec(q.clone(), (2, 3), &dev).unwrap();
    let pt = Tensor::from_vec(p.clone(), (4, 3), &dev).unwrap();
    let plain = weighted_infonce(&qt, &pt, 2, tau, &w)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(plain > lm + 0.1, "{plain} vs {lm}");
}

/// The loss settings the gradient-caching tests use: G 3, τ 0.1, no mask.
fn contrast(weights: &[f32]) -> lrat::train::loss::Contrast<'_> {
    lrat::train::loss::Contrast {
        group: 3,
        tau: 0.1,
        weights,
        mask: &[],
    }
}
