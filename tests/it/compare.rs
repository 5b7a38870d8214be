//! Two runs of one question side by side: `lrat inspect A B --run ID` and the Compare screen
//! (`C`), on two run sets of the same simulated questions served with different result depths.

use std::path::Path;

use lrat::tui::OpenOptions;
use lrat::tui::app::App;

use crate::lrat_env;
use crate::tui::{keys, screen};

fn two_sets(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (a, b) = (dir.join("bm25-k5"), dir.join("bm25-k3"));
    for (out, k) in [(&a, "5"), (&b, "3")] {
        let (rc, _, err) = lrat_env(
            &[
                "synth",
                "--out",
                out.to_str().unwrap(),
                "--runs",
                "4",
                "--docs",
                "300",
                "--first-question",
                "100",
                "--k",
                k,
                "--query-noise",
                "0.5",
            ],
            &[],
        );
        assert_eq!(rc, 0, "{err}");
    }
    (a, b)
}

#[test]
fn inspect_two_sets_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_sets(dir.path());
    let (rc, out, err) = lrat_env(
        &[
            "inspect",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--run",
            "q100",
        ],
        &[],
    );
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("question: "), "{out}");
    assert!(
        out.contains("A: bm25-k5 · q100")
            && out.contains("B: bm25-k3 · q100")
            && out.contains(" │ "),
        "{out}"
    );
    assert!(
        out.contains("searches ·") && out.contains("evidence "),
        "qrels from the workspace: {out}"
    );
    assert!(
        out.contains("⇄ both") || out.contains("no document browsed by both"),
        "{out}"
    );
    // Every question both ran, when no run is named; an unknown one is an error naming it.
    let (rc, all, _) = lrat_env(&["inspect", a.to_str().unwrap(), b.to_str().unwrap()], &[]);
    assert_eq!(rc, 0);
    assert_eq!(all.matches("question: ").count(), 4);
    let (rc, _, err) = lrat_env(
        &[
            "inspect",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--run",
            "q999",
        ],
        &[],
    );
    assert_ne!(rc, 0);
    assert!(err.contains("no run `q999`"), "{err}");
}

fn app_on(sets: &[&Path]) -> App {
    let opts = OpenOptions {
        runs: sets.iter().map(|p| p.to_path_buf()).collect(),
        ..OpenOptions::default()
    };
    crate::tui::load_with(&opts)
}

#[test]
fn compare_screen_shows_two_runs_of_one_question() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_sets(dir.path());
    let mut app = app_on(&[&a, &b]);
    let root = dir.path().display().to_string();
    let shot = |app: &App, w, h| screen(app, w, h).replace(&root, "<tmp>");
    let list = shot(&app, 120, 40);
    assert!(
        list.contains("⇄2"),
        "questions in both sets are marked: {list}"
    );
    keys(&mut app, "C");
    let c = shot(&app, 120, 40);
    insta::assert_snapshot!("compare_120x40", c);
    insta::assert_snapshot!("compare_80x24", shot(&app, 80, 24));
    assert!(
        c.contains("A: bm25-k3 · ") && c.contains("B: bm25-k5 · "),
        "{c}"
    );
    assert!(c.contains("(5 hits") && c.contains("(3 hits"), "{c}");
    // Esc goes back to the list; a question no other set ran says so.
    keys(&mut app, "\u{1b}");
    assert!(shot(&app, 120, 40).contains("runs 8 of 8"));
    let mut one = app_on(&[&a]);
    keys(&mut one, "C");
    assert!(shot(&one, 120, 40).contains("no other run set has question"));
}

/// A run as a workspace of both sets names it (`bm25-k5/runs/q100/q100`: both sets hold `q100`)
/// names it to `inspect` with its set alone and to `lrat find`, whose hits carry those names.
#[test]
fn a_workspace_id_names_its_run_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_sets(dir.path());
    let app = app_on(&[&a, &b]);
    let id = app
        .runs()
        .iter()
        .map(|r| r.id.clone())
        .find(|id| id.starts_with("bm25-k3/") && id.ends_with("/q100"))
        .unwrap_or_else(|| panic!("{:?}", app.runs().iter().map(|r| &r.id).collect::<Vec<_>>()));
    let (rc, out, err) = lrat_env(&["inspect", b.to_str().unwrap(), "--run", &id], &[]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("q100"), "{out}");
    let (rc, out, err) = lrat_env(
        &[
            "inspect",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--run",
            &id,
        ],
        &[],
    );
    assert_eq!(rc, 0, "{err}");
    assert!(
        out.contains("A: bm25-k5 · q100") && out.contains("B: bm25-k3 · q100"),
        "{out}"
    );
    let index = dir.path().join("ix");
    let find = |query: &str| {
        let (rc, out, err) = lrat_env(
            &[
                "find",
                a.to_str().unwrap(),
                b.to_str().unwrap(),
                "--index",
                index.to_str().unwrap(),
                "--json",
                "--top",
                "1000",
                "--",
                query,
            ],
            &[],
        );
        assert_eq!(rc, 0, "{query}: {err}");
        out.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["run"].to_string())
            .collect::<std::collections::BTreeSet<String>>()
    };
    let all = find("kind:question");
    assert!(all.contains(&format!("\"{id}\"")), "{all:?}");
    assert_eq!(all.len(), 8, "{all:?}");
    assert_eq!(
        find(&format!("run:{id}")),
        [format!("\"{id}\"")].into(),
        "one run"
    );
    // A query that begins with `-` goes after `--`.
    assert_eq!(find("-kind:question kind:question").len(), 0);
}
