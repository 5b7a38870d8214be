//! The binary as a user runs it: exit codes, summaries, and errors that name the input.

use crate::fixture;

fn lrat(args: &[&str]) -> (i32, String, String) {
    crate::lrat_env(args, &[])
}

#[test]
fn no_arguments_reports_the_sample() {
    let (code, out, err) = lrat(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("P(browse | search)"));
    assert!(
        err.contains("loaded 30 runs from 30 files, 0 rejected"),
        "{err}"
    );
}

#[test]
fn stats_json_has_per_run_evidence_recall() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/workspace");
    let (code, out, err) = lrat(&["stats", sample, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 8);
    assert!(
        runs.iter()
            .all(|r| r["run_id"].is_string() && r["evidence_recall"].is_number())
    );
}

#[test]
fn rejected_input_exits_non_zero_unless_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"query_id\": \"b\",\n \"result\": [}\n").unwrap();
    let good = fixture("runs/native.jsonl");
    let (code, out, err) = lrat(&["stats", bad.to_str().unwrap(), good.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains(&format!("{}:2:", bad.display())), "{err}");
    assert!(
        err.contains("loaded 1 runs from 2 files, 1 rejected"),
        "{err}"
    );
    assert!(out.contains("runs"), "what loaded is still reported");
    let (code, _, _) = lrat(&[
        "stats",
        "--keep-going",
        bad.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
}

#[test]
fn inspect_shows_every_step() {
    let f = fixture("runs/docid_style.json");
    let (code, out, err) = lrat(&["inspect", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for i in 0..11 {
        assert!(out.contains(&format!("[{i}] ")), "step {i} missing:\n{out}");
    }
    assert!(out.contains("● browsed at [3]"));
    assert!(out.contains("○ unbrowsed"));
    assert!(out.contains("[7] tool call calculator\n"), "{out}");
    let (code, _, err) = lrat(&["inspect", f.to_str().unwrap(), "--run", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("no run `nope`"));
}

#[test]
fn index_then_search() {
    let dir = tempfile::tempdir().unwrap();
    let ix = dir.path().join("ix");
    let corpus = fixture("corpus.jsonl");
    let (code, _, err) = lrat(&[
        "index",
        corpus.to_str().unwrap(),
        "--out",
        ix.to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "two corpus lines are bad");
    assert!(err.contains("corpus.jsonl:3:"), "{err}");
    assert!(err.contains("indexed 3 documents"), "{err}");
    let (code, out, err) = lrat(&[
        "search",
        ix.to_str().unwrap(),
        "Oda Rin lighthouse",
        "-k",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim_start().starts_with("1."), "{out}");
    assert!(out.contains("501"));
}

#[test]
fn the_command_line_is_well_formed() {
    use clap::CommandFactory;
    lrat::cli::Cli::command().debug_assert();
}

#[test]
fn index_harvested_from_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ix = dir.path().join("ix");
    let runs = fixture("runs/docid_style.json");
    let (code, _, err) = lrat(&[
        "index",
        "--from-runs",
        runs.to_str().unwrap(),
        "--out",
        ix.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("indexed 3 documents harvested from runs"),
        "{err}"
    );
    assert!(err.contains("2 full texts, 1 snippet-only"), "{err}");
    let (code, out, _) = lrat(&["search", ix.to_str().unwrap(), "fishing harbour"]);
    assert_eq!(code, 0);
    assert!(out.contains("502"), "{out}");
}

/// Expected failures are one plain line naming what and where: no colour or escape codes into a
/// file, no source location, no backtrace, exit code 1; `open` without a terminal says so.
#[test]
fn errors_are_plain_lines_for_people() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-runs");
    let m = missing.to_str().unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let labels = dir.path().join("labels");
    let l = labels.to_str().unwrap();
    let ix = dir.path().join("ix");
    let ix = ix.to_str().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"query_id\": 1, \"result\": [").unwrap();
    let b = bad.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["stats", m],
        vec!["inspect", m],
        vec!["mine", m, "--out", o],
        vec!["mine", b, "--out", o],
        vec!["judge", m, "--out", o],
        vec!["train", m, "--out", o],
        vec!["eval", m, "--model", "scratch"],
        vec!["index", m, "--out", ix],
        vec!["search", m, "q"],
        vec!["open", m],
        vec!["convert", m, "--to", "atif", "--out", o],
        vec!["labels", "--labels", l, "import", b],
        vec!["labels", "--labels", l, "stats", b],
        vec!["experiment", "ablation", "--out", o, "--data", m],
    ];
    for args in cases {
        let (code, _, err) = crate::lrat_env(&args, &[("NO_COLOR", "1")]);
        assert_eq!(code, 1, "{args:?}: {err}");
        let last = err.lines().last().unwrap_or("");
        assert!(last.starts_with("lrat: "), "{args:?}: {err}");
        for bad in ["\u{1b}", "Location:", "BACKTRACE", "backtrace", "panicked"] {
            assert!(!err.contains(bad), "{args:?} printed {bad:?}: {err}");
        }
        assert!(
            err.contains("bad.json:1:") || !args.contains(&b),
            "{args:?}: the bad line is named with its position: {err}"
        );
        assert!(
            last.contains("no-such-runs")
                || last.contains("bad.json")
                || last.contains("terminal")
                || last.contains("rejected"),
            "{args:?}: the message names what: {err}"
        );
    }
}

/// `lrat` with no arguments outside the repository says what to do instead of opening a path
/// fixed when it was built.
#[test]
fn no_arguments_outside_the_repository_is_a_plain_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("no sample_trajectories/ in") && err.contains("lrat open RUNS"),
        "{err}"
    );
    assert!(
        !err.contains("Location") && !err.contains('\u{1b}'),
        "{err}"
    );
}

/// What a new user met opening real folders, said plainly: a folder with no run files (and the
/// files skipped as not runs), a binary file, a missing path in the same words everywhere.
#[test]
fn nothing_to_read_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("config.json"), r#"{"lr": 0.1}"#).unwrap();
    for cmd in ["stats", "mine"] {
        let out = dir.path().join("p.jsonl");
        let args = |p: &std::path::Path| {
            let mut a = vec![cmd.to_string(), p.display().to_string()];
            if cmd == "mine" {
                a.extend(["--out".to_string(), out.display().to_string()]);
            }
            a
        };
        let run = |p: &std::path::Path| {
            let a = args(p);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            lrat(&a)
        };
        let (code, _, err) = run(&empty);
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(
            err.contains("empty: no run files found (run files are .json, .jsonl or .ndjson)"),
            "{cmd}: {err}"
        );
        let (code, _, err) = run(&other);
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(
            err.contains("1 file(s) skipped as not runs (first: ")
                && err.contains("config.json: unrecognised run format"),
            "{cmd}: {err}"
        );
        let (code, _, err) = run(&dir.path().join("nope"));
        assert_eq!(code, 1, "{cmd}: {err}");
        assert!(
            err.trim_end().ends_with("nope: no such file or folder"),
            "{cmd}: {err}"
        );
    }
    let bin = dir.path().join("run.json");
    std::fs::write(&bin, [0x7bu8, 0x00, 0x01, 0xff, 0x22]).unwrap();
    let (code, _, err) = lrat(&["stats", bin.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("run.json:1: not JSON text: the file is binary"),
        "{err}"
    );
    let lines = dir.path().join("runs.jsonl");
    std::fs::write(&lines, [0xffu8, 0xfe, 0x7b, 0x00, 0x0a]).unwrap();
    let (_, _, err) = lrat(&["stats", lines.to_str().unwrap()]);
    assert!(err.contains("runs.jsonl:1: not JSON text"), "{err}");
    // Text in another encoding where JSON should start says so too.
    std::fs::write(&lines, [0xffu8, 0xfe, 0x7b, 0x0a]).unwrap();
    let (_, _, err) = lrat(&["stats", lines.to_str().unwrap()]);
    assert!(
        err.contains("runs.jsonl:1: not JSON text: it starts with bytes that are not UTF-8"),
        "{err}"
    );
    assert_eq!(
        err.matches("error:").count(),
        1,
        "one error, not one a line: {err}"
    );
}
