//! Every mining rule on small hand-made runs, in both modes.

use lrat::labels::{Effective, Unjudged};
use lrat::mine::{self, Candidate, Length, MineCounts, Mode, Pair, Policy};
use lrat::run::{Browse, Hit, Run, Search, Source, Step, StepKind};
use lrat::verdict::{Verdict, Verdicts};

fn s(q: &str, ids: &[&str]) -> StepKind {
    StepKind::Search(Search {
        tool: "search".into(),
        query: Some(q.into()),
        queries: vec![q.into()],
        hits: ids
            .iter()
            .enumerate()
            .map(|(i, d)| Hit {
                docid: d.to_string(),
                rank: i as u32 + 1,
                title: None,
                snippet: format!("snippet of {d}"),
            })
            .collect(),
        error: None,
        arg_problem: None,
    })
}

fn failed_search(q: &str) -> StepKind {
    StepKind::Search(Search {
        tool: "search".into(),
        query: Some(q.into()),
        queries: vec![q.into()],
        hits: vec![],
        error: Some("[Search] Invalid request format".into()),
        arg_problem: None,
    })
}

fn b(d: &str) -> StepKind {
    StepKind::Browse(Browse {
        tool: "get_document".into(),
        docid: Some(d.into()),
        text: Some(format!("text of {d}")),
        error: None,
        arg_problem: None,
    })
}

fn r(t: &str) -> StepKind {
    StepKind::Reasoning { text: t.into() }
}

fn run(steps: Vec<StepKind>) -> Run {
    let mut r = lrat::run::load(&[crate::fixture("runs/native.jsonl")], &Default::default())
        .unwrap()
        .runs
        .remove(0);
    r.id = "r".into();
    r.source = Source {
        path: "mem".into(),
        line: None,
    };
    r.steps = steps
        .into_iter()
        .enumerate()
        .map(|(index, kind)| Step { index, kind })
        .collect();
    r
}

fn mine(run: &Run, mode: Mode, v: &[(usize, Verdict)]) -> (Vec<Pair>, MineCounts) {
    let mut verdicts = Verdicts::default();
    for (step, verdict) in v {
        verdicts.insert(&run.id, *step, *verdict);
    }
    // Browses without a verdict count as relevant here (the naive reading); the unjudged
    // policy has its own tests in `supervision.rs`.
    let labels = Effective {
        judge: Some(&verdicts),
        human: None,
        unjudged: Unjudged::Relevant,
    };
    let policy = Policy {
        mode,
        length: &Length::Words,
    };
    let mut counts = MineCounts::default();
    let pairs = emitted(mine::mine_run(run, &labels, &policy, &mut counts));
    (pairs, counts)
}

fn emitted(c: Vec<Candidate>) -> Vec<Pair> {
    c.into_iter()
        .filter(|c| c.status.emitted())
        .map(|c| c.pair)
        .collect()
}

fn view(p: &Pair) -> (usize, &str, &str, Vec<&str>, Option<usize>, bool) {
    (
        p.browse_step,
        p.query.as_str(),
        p.pos_id.as_str(),
        p.neg_id.iter().map(String::as_str).collect(),
        p.reasoning_len,
        p.satisfied,
    )
}

#[test]
fn paper_doc_browsed_twice_after_one_search() {
    let x = run(vec![
        s("q1", &["a", "b", "c"]),
        b("a"),
        r("one two three"),
        b("a"),
        r("x"),
        b("b"),
    ]);
    let (pairs, c) = mine(&x, Mode::Paper, &[]);
    let got: Vec<_> = pairs.iter().map(view).collect();
    assert_eq!(
        got,
        vec![
            (1, "q1", "a", vec!["c"], Some(3), true),
            (5, "q1", "b", vec!["c"], None, true)
        ]
    );
    assert_eq!(pairs[0].search_step, Some(0));
    assert_eq!((c.browses, c.repeated, c.pairs), (3, 1, 2));
}

#[test]
fn paper_doc_surfaced_two_searches_back() {
    let x = run(vec![
        s("q1", &["a", "b"]),
        s("q2", &["c", "d"]),
        b("a"),
        r("fine"),
    ]);
    let (pairs, _) = mine(&x, Mode::Paper, &[]);
    assert_eq!(
        pairs.iter().map(view).collect::<Vec<_>>(),
        vec![(2, "q1", "a", vec!["b"], Some(1), true)]
    );
    assert_eq!(pairs[0].search_step, Some(0));
}

#[test]
fn never_surfaced_browse_yields_nothing() {
    let x = run(vec![s("q1", &["a"]), b("z"), r("hm")]);
    for mode in [Mode::Paper, Mode::Reference] {
        let (pairs, c) = mine(&x, mode, &[]);
        assert!(pairs.is_empty());
        assert_eq!(c.unattributed, 1);
    }
}

#[test]
fn failed_search_and_failed_browse() {
    let mut steps = vec![s("q1", &["a", "b"]), failed_search("q2"), b("a")];
    steps.push(StepKind::Browse(Browse {
        tool: "visit".into(),
        docid: None,
        text: None,
        error: Some("Error: Tool visit not found".into()),
        arg_problem: Some("arguments name no docid".into()),
    }));
    let x = run(steps);
    let (pairs, c) = mine(&x, Mode::Paper, &[]);
    assert_eq!(
        pairs.iter().map(view).collect::<Vec<_>>(),
        vec![(2, "q1", "a", vec!["b"], None, true)]
    );
    assert_eq!(c.failed_browses, 1);
    // The authors' builder pairs with the current query: the failed search's.
    let (pairs, _) = mine(&x, Mode::Reference, &[]);
    assert_eq!(
        pairs.iter().map(view).collect::<Vec<_>>(),
        vec![(2, "q2", "a", vec!["b"], None, true)]
    );
}

fn mixed() -> Run {
    run(vec![
        s("q1", &["a", "b", "c", "d"]),
        b("a"),
        r("no"),
        s("q2", &["e", "a", "f"]),
        b("e"),
        r("yes good"),
        b("f"),
        r("bad"),
        s("q3", &["g", "h"]),
        b("g"),
    ])
}

const MIXED_VERDICTS: [(usize, Verdict); 2] =
    [(1, Verdict::NotRelevant), (6, Verdict::NotRelevant)];

#[test]
fn reference_groups_with_mixed_verdicts() {
    let (pairs, c) = mine(&mixed(), Mode::Reference, &MIXED_VERDICTS);
    assert_eq!(
        pairs.iter().map(view).collect::<Vec<_>>(),
        vec![
            (1, "q1", "a", vec!["b", "c", "d"], Some(1), false),
            (4, "q2", "e", vec!["f", "a", "b", "c", "d"], Some(2), true),
            (6, "q2", "f", vec!["a", "b", "c", "d"], Some(1), false),
            (9, "q3", "g", vec!["h"], None, true),
        ]
    );
    assert_eq!(c.rejected_emitted, 2);
    assert!(pairs.iter().all(|p| p.search_step.is_none()));
}

#[test]
fn paper_mode_drops_rejected_browses() {
    let (pairs, c) = mine(&mixed(), Mode::Paper, &MIXED_VERDICTS);
    assert_eq!(
        pairs.iter().map(view).collect::<Vec<_>>(),
        vec![
            (4, "q2", "e", vec![], Some(2), true),
            (9, "q3", "g", vec!["h"], None, true)
        ]
    );
    assert_eq!((c.dropped_by_verdict, c.no_negative), (2, 1));
}

#[test]
fn without_verdicts_every_browse_counts_as_relevant() {
    let x = mixed();
    let mut counts = MineCounts::default();
    let policy = Policy {
        mode: Mode::Paper,
        length: &Length::Words,
    };
    let pairs = emitted(mine::mine_run(
        &x,
        &Effective::default(),
        &policy,
        &mut counts,
    ));
    assert_eq!(pairs.len(), 4);
}

#[test]
fn weights_over_all_pairs() {
    let (mut pairs, _) = mine(&mixed(), Mode::Reference, &MIXED_VERDICTS);
    // Lengths 1, 2, 1 and one missing: β = 1 (median of 1, 1, 2).
    let stats = mine::assign_weights(&mut pairs);
    assert_eq!(stats.beta, Some(1.0));
    let raw = |l: f64| 1.0 - (-(2f64.ln()) * l).exp();
    let mu = (raw(1.0) * 2.0 + raw(2.0)) / 3.0;
    assert!((stats.mu_raw.unwrap() - mu).abs() < 1e-12);
    assert!((pairs[1].reweight_rate - raw(2.0) / mu).abs() < 1e-12);
    assert_eq!(pairs[3].reweight_rate, 1.0);
}

/// With a judge, a browse it has no verdict for is neither a positive nor a negative, in either
/// mode; its document is not a negative of later pairs while its search is still in play.
#[test]
fn unjudged_browses_are_neither_positive_nor_negative() {
    // Search q1 returns a, b, c; the agent browses a (unjudged) and then b (judged relevant).
    let x = run(vec![
        s("q1", &["a", "b", "c"]),
        b("a"),
        r("hmm"),
        b("b"),
        r("the page has it"),
    ]);
    let mut verdicts = Verdicts::default();
    verdicts.insert("r", 3, Verdict::Relevant);
    for mode in [Mode::Paper, Mode::Reference] {
        let labels = Effective::new(Some(&verdicts), None);
        let policy = Policy {
            mode,
            length: &Length::Words,
        };
        let mut counts = MineCounts::default();
        let cands = mine::mine_run(&x, &labels, &policy, &mut counts);
        let pairs = emitted(cands.clone());
        assert_eq!(counts.unjudged, 1, "{mode:?}");
        assert_eq!(pairs.len(), 1, "{mode:?}: {pairs:?}");
        assert_eq!(pairs[0].pos_id, "b");
        assert_eq!(pairs[0].neg_id, vec!["c"], "{mode:?}: a is not a negative");
        let a = cands.iter().find(|c| c.pair.pos_id == "a").unwrap();
        assert_eq!(a.status, mine::Status::Unjudged);
        assert_eq!(a.verdict, None);
        // The naive reading makes it a positive again.
        let naive = Effective {
            unjudged: Unjudged::Relevant,
            ..labels
        };
        let pairs = emitted(mine::mine_run(
            &x,
            &naive,
            &policy,
            &mut MineCounts::default(),
        ));
        assert_eq!(pairs.len(), 2, "{mode:?}");
    }
}

/// A run kept as a shell (steps dropped, skeleton kept: how the app keeps the runs it does not
/// show) mines, counts and is summarised exactly as the run read whole, in both modes, with
/// rejected and unjudged browses, on runs of every readable format.
#[test]
fn a_shell_mines_and_counts_as_the_whole_run() {
    let mut paths = vec![
        crate::fixture("runs"),
        crate::fixture("formats"),
        crate::fixture("workspace"),
    ];
    paths.push(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_trajectories"));
    let loaded = lrat::run::load(&paths, &Default::default()).unwrap();
    let runs = loaded.runs;
    assert!(runs.len() >= 20, "{}", runs.len());
    // Every third browse rejected, every third unjudged, the rest relevant.
    let mut verdicts = Verdicts::default();
    let mut n = 0;
    for r in &runs {
        for (step, _) in r.browses() {
            n += 1;
            match n % 3 {
                0 => verdicts.insert(&r.id, step, Verdict::NotRelevant),
                1 => verdicts.insert(&r.id, step, Verdict::Relevant),
                _ => {}
            }
        }
    }
    let labels = Effective {
        judge: Some(&verdicts),
        human: None,
        unjudged: Unjudged::Skip,
    };
    let shells: Vec<Run> = runs
        .iter()
        .map(|r| {
            let mut s = r.clone();
            s.shell();
            s
        })
        .collect();
    assert!(shells.iter().all(|s| s.steps.is_empty()));
    let mut pairs = 0;
    for mode in [Mode::Paper, Mode::Reference] {
        let policy = Policy {
            mode,
            length: &Length::Words,
        };
        let whole = mine::mine_all(&runs, &labels, &policy);
        let shelled = mine::mine_all(&shells, &labels, &policy);
        assert_eq!(whole.runs, shelled.runs, "{mode:?}");
        assert_eq!(whole.counts(), shelled.counts(), "{mode:?}");
        pairs += whole.counts().pairs;
    }
    assert!(pairs > 20, "{pairs}");
    for (w, s) in runs.iter().zip(&shells) {
        assert_eq!(
            lrat::stats::run_stats(w, None),
            lrat::stats::run_stats(s, None),
            "{}",
            w.id
        );
        for (step, b) in w.browses() {
            if let Some(d) = b.succeeded() {
                assert_eq!(w.source_title(step, d), s.source_title(step, d));
            }
        }
    }
}
