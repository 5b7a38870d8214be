//! Several judges on the same browses, the review queue (`lrat queue`, the Review screen) and the
//! review experiment: two judges' verdicts load together and combine by one rule in the one
//! derivation; the queue puts disagreements and doubt first and shows why; the screen labels,
//! advances, skips, undoes and updates κ; the experiment writes its report.

use std::path::{Path, PathBuf};

use lrat::tui::{self, OpenOptions};

use crate::lrat_env;
use crate::tui::{keys, screen};

fn lrat(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let cfg = dir.join("config");
    lrat_env(args, &[("LRAT_CONFIG_DIR", cfg.to_str().unwrap())])
}

/// The heuristic's verdicts on the fixture workspace, and an LLM judge's on the same browses:
/// it disagrees on every fourth browse, unsure there (p 0.6 for its verdict), sure elsewhere.
fn two_judges(ws: &Path) -> (PathBuf, PathBuf, Vec<(String, usize)>) {
    let h = ws.join("heuristic.jsonl");
    let (rc, _, err) = lrat(
        ws,
        &["judge", ws.to_str().unwrap(), "--out", h.to_str().unwrap()],
    );
    assert_eq!(rc, 0, "{err}");
    let l = ws.join("llm.jsonl");
    let mut out = String::new();
    let mut disagree = Vec::new();
    for (i, line) in std::fs::read_to_string(&h).unwrap().lines().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let rel = v["verdict"] == "relevant";
        let flip = i % 4 == 0;
        let says_rel = rel != flip;
        if flip {
            disagree.push((
                v["run_id"].as_str().unwrap().to_string(),
                v["step"].as_u64().unwrap() as usize,
            ));
        }
        let sure = if flip { 0.6 } else { 0.97 };
        v["verdict"] = if says_rel { "relevant" } else { "not_relevant" }.into();
        v["judge"] = "llm".into();
        v["model"] = "qwen3".into();
        v["p_relevant"] = if says_rel { sure } else { 1.0 - sure }.into();
        v["rationale"] = format!("llm reason {i}").into();
        out.push_str(&v.to_string());
        out.push('\n');
    }
    std::fs::write(&l, out).unwrap();
    (h, l, disagree)
}

fn mine(ws: &Path, extra: &[&str]) -> String {
    let out = ws.join("pairs.jsonl");
    let mut args = vec!["mine", ws.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (rc, _, err) = lrat(ws, &args);
    assert_eq!(rc, 0, "{err}");
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn two_judges_load_together_and_one_rule_decides_in_the_one_derivation() {
    let ws = crate::sample_copy();
    let d = ws.path();
    let (h, l, disagree) = two_judges(d);
    let (h, l) = (h.to_str().unwrap(), l.to_str().unwrap());
    // The primary judge is the LLM judge by default: its verdicts alone mine the same pairs.
    let both = mine(d, &["--verdicts", h, "--verdicts", l]);
    assert_eq!(both, mine(d, &["--verdicts", l]));
    assert_ne!(
        both,
        mine(d, &["--verdicts", h]),
        "the judges differ on some browses"
    );
    // Named primary.
    assert_eq!(
        mine(
            d,
            &["--verdicts", h, "--verdicts", l, "--primary", "heuristic"]
        ),
        mine(d, &["--verdicts", h])
    );
    // Majority of three: a second heuristic-minded judge outvotes the LLM judge.
    let g = d.join("gpt.jsonl");
    let text = std::fs::read_to_string(h)
        .unwrap()
        .replace("\"judge\":\"heuristic\"", "\"judge\":\"gpt\"");
    std::fs::write(&g, text).unwrap();
    let g = g.to_str().unwrap();
    assert_eq!(
        mine(
            d,
            &[
                "--verdicts",
                h,
                "--verdicts",
                l,
                "--verdicts",
                g,
                "--combine",
                "majority"
            ]
        ),
        mine(d, &["--verdicts", h])
    );
    // One file holding both judges reads as the two files do.
    let one = d.join("one.jsonl");
    std::fs::write(
        &one,
        std::fs::read_to_string(h).unwrap() + &std::fs::read_to_string(l).unwrap(),
    )
    .unwrap();
    assert_eq!(mine(d, &["--verdicts", one.to_str().unwrap()]), both);
    // A primary judge nobody was: an error that names the judges there are.
    let (rc, _, err) = lrat(
        d,
        &[
            "mine",
            d.to_str().unwrap(),
            "--out",
            "/dev/null",
            "--verdicts",
            h,
            "--verdicts",
            l,
            "--primary",
            "gpt-5",
        ],
    );
    assert_ne!(rc, 0);
    assert!(
        err.contains("--primary gpt-5") && err.contains("heuristic") && err.contains("llm (qwen3)"),
        "{err}"
    );

    // A judge named otherwise (written by another tool) is primary over the heuristic.
    let other = d.join("other.jsonl");
    std::fs::write(
        &other,
        std::fs::read_to_string(l)
            .unwrap()
            .replace("\"judge\":\"llm\"", "\"judge\":\"gpt-4o-judge\""),
    )
    .unwrap();
    assert_eq!(
        mine(d, &["--verdicts", h, "--verdicts", other.to_str().unwrap()]),
        both
    );
    // Bad lines: named, the rest used, a non-zero exit; a probability that contradicts its
    // verdict is one.
    let bad = d.join("bad.jsonl");
    let mut text = std::fs::read_to_string(l).unwrap();
    text.push_str("{\"run_id\": \"s1\", \"step\": 3, \"verdict\": \"not_relevant\", \"p_relevant\": 0.9, \"judge\": \"x\"}\n");
    text.push_str(
        "{\"run_id\": \"s1\", \"step\": 3, \"verdict\": \"relevant\", \"p_relevant\": 1.5}\n",
    );
    std::fs::write(&bad, text).unwrap();
    let (rc, out, err) = lrat(
        d,
        &[
            "queue",
            d.to_str().unwrap(),
            "--verdicts",
            h,
            "--verdicts",
            bad.to_str().unwrap(),
        ],
    );
    assert_ne!(rc, 0);
    assert!(out.contains("14 browses to review"), "{out}");
    assert!(
        err.contains("bad.jsonl:15") && err.contains("contradicts verdict `not_relevant`"),
        "{err}"
    );
    assert!(
        err.contains("bad.jsonl:16") && err.contains("p_relevant 1.5"),
        "{err}"
    );
    assert!(err.contains("2 verdict line(s) rejected"), "{err}");
    // The queue: the browses the judges disagree on first, each with both voices and its parts.
    let (rc, out, err) = lrat(
        d,
        &[
            "queue",
            d.to_str().unwrap(),
            "--verdicts",
            h,
            "--verdicts",
            l,
            "--json",
        ],
    );
    assert_eq!(rc, 0, "{err}");
    let q: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = q["items"].as_array().unwrap();
    assert_eq!(
        (q["queue"].as_u64(), q["reviewed"].as_u64()),
        (Some(14), Some(0))
    );
    assert_eq!(items.len(), 14);
    let top: Vec<(String, usize)> = items[..disagree.len()]
        .iter()
        .map(|i| {
            (
                i["run_id"].as_str().unwrap().to_string(),
                i["step"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    let mut want = disagree.clone();
    want.sort();
    let mut got = top.clone();
    got.sort();
    assert_eq!(got, want, "disagreements first");
    let mut last = f64::INFINITY;
    for i in items {
        let p = i["priority"].as_f64().unwrap();
        assert!(p <= last + 1e-12, "priority order");
        last = p;
        let parts = i["p_wrong"].as_f64().unwrap() * i["impact"].as_f64().unwrap();
        assert!(
            (parts - p).abs() < 1e-9,
            "priority = chance of error × impact"
        );
        assert_eq!(i["voices"].as_array().unwrap().len(), 2);
        assert!(i["question"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert_eq!(items[0]["disagree"], 1);
    // Text for people: the header, the parts, and what is left.
    let (rc, out, _) = lrat(
        d,
        &[
            "queue",
            d.to_str().unwrap(),
            "--verdicts",
            h,
            "--verdicts",
            l,
            "--top",
            "3",
        ],
    );
    assert_eq!(rc, 0);
    assert!(
        out.contains("14 browses to review")
            && out.contains("llm (qwen3): ")
            && out.contains("… 11 more"),
        "{out}"
    );
}

#[test]
fn review_screen_labels_advances_skips_undoes_and_updates_kappa() {
    let ws = crate::sample_copy();
    let d = ws.path();
    let (h, l, _) = two_judges(d);
    let opts = OpenOptions {
        runs: vec![d.to_path_buf()],
        verdicts: vec![h, l],
        ..OpenOptions::default()
    };
    let mut a = crate::tui::load_with(&opts);
    keys(&mut a, "5");
    let root = d.display().to_string();
    let shot = |a: &lrat::tui::app::App, w, h| screen(a, w, h).replace(&root, "<ws>");
    insta::assert_snapshot!("review_120x40", shot(&a, 120, 40));
    insta::assert_snapshot!("review_80x24", shot(&a, 80, 24));
    let first_item = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("│1 "))
            .map(|l| l.split_whitespace().nth(3).unwrap_or("").to_string())
            .unwrap_or_default()
    };
    let before = shot(&a, 120, 40);
    let first = first_item(&before);
    assert!(before.contains("reviewed 0 of 14"), "{before}");
    assert!(before.contains("κ heuristic -, llm (qwen3) -"), "{before}");
    // PgDn scrolls the detail to the document, within its end; j shows the next from its top.
    for _ in 0..6 {
        a.update(lrat::tui::app::Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::PageDown,
            crossterm::event::KeyModifiers::NONE,
        )));
    }
    let scrolled = shot(&a, 80, 24);
    assert!(
        scrolled.contains("document 1005") && scrolled.contains("PgUp"),
        "{scrolled}"
    );
    assert!(!scrolled.contains("question "), "{scrolled}");
    keys(&mut a, "jk");
    assert!(shot(&a, 80, 24).contains("question "));
    // a: labelled, gone from the queue, the next browse in its place, κ over one label.
    keys(&mut a, "a");
    let after = shot(&a, 120, 40);
    assert!(after.contains("reviewed 1 of 14"), "{after}");
    assert!(
        after.contains(&format!("browse {first} marked relevant")),
        "{after}"
    );
    assert_ne!(first_item(&after), first);
    assert!(after.contains("(1)"), "κ counts the label: {after}");
    // r on the next, then undo it: back in the queue.
    let second = first_item(&after);
    keys(&mut a, "r");
    assert!(shot(&a, 120, 40).contains("reviewed 2 of 14"));
    keys(&mut a, "u");
    let undone = shot(&a, 120, 40);
    assert!(undone.contains("reviewed 1 of 14"), "{undone}");
    assert_eq!(first_item(&undone), second);
    // Space skips: the selection moves on, nothing is labelled.
    keys(&mut a, " ");
    let skipped = shot(&a, 120, 40);
    assert!(skipped.contains(&format!("skipped {second}")), "{skipped}");
    assert!(skipped.contains("reviewed 1 of 14"));
    assert_ne!(
        first_item(&skipped),
        second,
        "the skipped browse waits at the end"
    );
    // Labelling the next one does not bring the skipped one back to the top.
    let third = first_item(&skipped);
    keys(&mut a, "a");
    let next = shot(&a, 120, 40);
    assert!(
        next.contains(&format!("browse {third} marked relevant")),
        "{next}"
    );
    assert_ne!(first_item(&next), second, "{next}");
    keys(&mut a, "u");
    // Enter opens the run at that browse, every judge's verdict shown; a label there counts
    // on the Review screen as soon as Esc comes back.
    keys(&mut a, "\n");
    let run = shot(&a, 120, 40);
    assert!(
        run.contains("judges: heuristic") && run.contains("llm (qwen3)"),
        "{run}"
    );
    keys(&mut a, "r\u{1b}");
    assert!(
        shot(&a, 120, 40).contains("reviewed 2 of 14"),
        "{}",
        shot(&a, 120, 40)
    );
    keys(&mut a, "u");
    assert!(shot(&a, 120, 40).contains("reviewed 1 of 14"));
    // The label was written through: a new session sees it reviewed.
    let b = tui::prepare(&opts).unwrap();
    drop(b);
    let labels = std::fs::read_to_string(d.join(".lrat/labels.jsonl")).unwrap();
    assert!(labels.contains("relevant"), "{labels}");
}

#[test]
fn the_review_experiment_reports_three_orders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rev");
    let (rc, stdout, err) = lrat(
        dir.path(),
        &[
            "experiment",
            "review",
            "--out",
            out.to_str().unwrap(),
            "--runs",
            "60",
            "--docs",
            "400",
            "--no-closed-loop",
            "--probabilities",
            "calibrated,uninformative",
            "--random-seeds",
            "1,2,3",
            "--llm-error",
            "0.15",
            "--hard-share",
            "0.3",
        ],
    );
    assert_eq!(rc, 0, "{err}");
    assert!(
        stdout.contains("priority needs") && stdout.contains("to 80 %"),
        "{stdout}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    for order in ["priority", "file", "random"] {
        for k in ["labels_to_50", "labels_to_80", "labels_to_95"] {
            assert!(r[order][k].as_f64().is_some(), "{order}.{k}: {}", r[order]);
        }
        let curve = r[order]["curve"].as_array().unwrap();
        assert_eq!(curve[0][1], 0.0);
        assert_eq!(
            curve.last().unwrap()[1],
            1.0,
            "every error fixed once all is labelled"
        );
        let ys: Vec<f64> = curve.iter().map(|p| p[1].as_f64().unwrap()).collect();
        assert!(ys.windows(2).all(|w| w[0] <= w[1]), "{order}: {ys:?}");
    }
    assert!(r["errors"].as_u64().unwrap() > 0);
    // Informative probabilities: the queue needs fewer labels than random order.
    let p80 = r["priority"]["labels_to_80"].as_f64().unwrap();
    let r80 = r["random"]["labels_to_80"].as_f64().unwrap();
    assert!(p80 < r80, "priority {p80} vs random {r80}");
    assert_eq!(r["cases"].as_array().unwrap().len(), 2);
}
