//! `lrat find` and the run index: a phrase from a step of every readable format finds that run
//! and step; a re-open reads only what changed; an index killed while building is resumed,
//! never read half-written.

use std::collections::BTreeSet;
use std::path::Path;

use crate::lrat_env;

fn lrat(args: &[&str]) -> (i32, String, String) {
    lrat_env(args, &[])
}

/// `(file, step, kind)` of every hit of `query`.
fn hits(dir: &Path, index: &Path, query: &str) -> BTreeSet<(String, u64, String)> {
    let (rc, out, err) = lrat(&[
        "find",
        dir.to_str().unwrap(),
        query,
        "--json",
        "--top",
        "100000",
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["file"].as_str().unwrap().to_string(),
                v["step"].as_u64().unwrap(),
                v["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Three consecutive plain words of `text` (after its first), when it has them.
fn phrase(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    (1..words.len().saturating_sub(2))
        .find(|&i| {
            words[i..i + 3]
                .iter()
                .all(|w| w.chars().all(char::is_alphanumeric))
        })
        .map(|i| format!("\"{}\"", words[i..i + 3].join(" ")))
}

#[test]
fn a_phrase_finds_its_run_and_step_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // (Not named `runs/`: a folder holding `runs/` is a workspace whose runs are only there.)
    let runs = dir.path().join("all");
    crate::copy_dir(&crate::fixture("formats"), &runs.join("formats"));
    crate::copy_dir(&crate::fixture("runs"), &runs.join("more"));
    let index = dir.path().join("ix");
    let mut checked = 0;
    let mut files: Vec<_> = crate::walk(&runs);
    files.sort();
    for file in files {
        let load = lrat::run::load::load_file(&file, true, &Default::default());
        let Some(run) = load.runs.first() else {
            continue;
        };
        let found = run.steps.iter().find_map(|s| {
            use lrat::run::StepKind::*;
            let (text, kind) = match &s.kind {
                Reasoning { text } => (text.clone(), "reasoning"),
                Browse(b) => (b.text.clone().unwrap_or_default(), "browse"),
                Answer(a) => (a.text.clone(), "answer"),
                Search(x) => (x.query.clone().unwrap_or_default(), "search"),
                _ => return None,
            };
            phrase(&text).map(|p| (p, s.index as u64, kind))
        });
        let Some((p, step, kind)) = found else {
            continue;
        };
        let got = hits(&runs, &index, &p);
        let want = (file.display().to_string(), step, kind.to_string());
        assert!(got.contains(&want), "{p} in {want:?}: {got:?}");
        checked += 1;
    }
    assert!(checked >= 9, "phrases checked in {checked} files");
    // Filters: a browsed document by id, a kind.
    let (rc, out, _) = lrat(&[
        "find",
        runs.to_str().unwrap(),
        "kind:browse",
        "--index",
        index.to_str().unwrap(),
        "--top",
        "3",
    ]);
    assert_eq!(rc, 0);
    assert!(out.contains(" browse "), "{out}");
    // A filter value no step has: said, with the values there are; kinds ignore case.
    let (rc, _, err) = lrat(&[
        "find",
        runs.to_str().unwrap(),
        "kind:foo",
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_ne!(rc, 0);
    assert!(
        err.contains("kind:foo") && err.contains("reasoning, search, browse"),
        "{err}"
    );
    let (rc, out, _) = lrat(&[
        "find",
        runs.to_str().unwrap(),
        "kind:Browse",
        "--index",
        index.to_str().unwrap(),
        "--top",
        "1",
    ]);
    assert_eq!(rc, 0);
    assert!(out.contains(" browse "), "{out}");
    // A query tantivy cannot read: one line saying why, non-zero.
    let (rc, _, err) = lrat(&[
        "find",
        runs.to_str().unwrap(),
        "nokind:x",
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_ne!(rc, 0);
    assert!(err.contains("the query `nokind:x`"), "{err}");
}

fn status(dir: &Path, index: &Path) -> String {
    let (rc, _, err) = lrat(&[
        "find",
        dir.to_str().unwrap(),
        "physician",
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    err.lines()
        .find(|l| l.starts_with("run index"))
        .unwrap_or("")
        .to_string()
}

#[test]
fn a_reopen_reads_only_what_changed() {
    let ws = crate::sample_copy();
    let d = ws.path();
    let ix = d.join("ix");
    assert!(
        status(d, &ix).contains("8 files read, 0 unchanged, 0 removed"),
        "{}",
        status(d, &ix)
    );
    assert!(status(d, &ix).contains("0 files read, 8 unchanged"));
    // Another spelling of the same folder is the same files.
    assert!(status(&d.join("."), &ix).contains("0 files read, 8 unchanged, 0 removed"));
    // One file changed: only it is read again, and its new text is found.
    let f = d.join("runs/s3.json");
    let text = std::fs::read_to_string(&f).unwrap();
    let changed = text.replacen(
        "\"query\": \"Which",
        "\"query\": \"Zanzibar harbour Which",
        1,
    );
    assert_ne!(text, changed, "the fixture has a question field");
    std::fs::write(&f, changed).unwrap();
    assert!(
        status(d, &ix).contains("1 file read, 7 unchanged"),
        "{}",
        status(d, &ix)
    );
    let z = hits(d, &ix, "zanzibar");
    assert_eq!(z.len(), 1, "{z:?}");
    assert!(z.iter().next().unwrap().0.ends_with("s3.json"));
    // A removed file's steps go.
    std::fs::remove_file(&f).unwrap();
    assert!(status(d, &ix).contains("0 files read, 7 unchanged, 1 removed"));
    assert!(hits(d, &ix, "zanzibar").is_empty());
    // A bad file is named every time, not taken as read once.
    std::fs::write(d.join("runs/bad.json"), "{\"query_id\": ").unwrap();
    for _ in 0..2 {
        let (rc, _, err) = lrat(&[
            "find",
            d.to_str().unwrap(),
            "physician",
            "--index",
            ix.to_str().unwrap(),
        ]);
        assert_ne!(rc, 0);
        assert!(err.contains("bad.json"), "{err}");
    }
}

#[test]
fn an_index_killed_while_building_is_resumed_never_read_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let (rc, _, err) = lrat(&[
        "synth",
        "--out",
        ws.to_str().unwrap(),
        "--runs",
        "600",
        "--docs",
        "1500",
    ]);
    assert_eq!(rc, 0, "{err}");
    let ix = dir.path().join("ix");
    let fresh = dir.path().join("fresh");
    let want = hits(&ws, &fresh, "\"was a physician\"");
    assert!(!want.is_empty());
    // Kill builds at several points; each next open must give what a fresh index gives.
    let touch_all = || {
        for i in 0..600 {
            let f = ws.join(format!("runs/q{i}.json"));
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, t + " ").unwrap();
        }
    };
    for wait_ms in [30u64, 120, 250] {
        // Every file changed, so the killed build has all of them to read again.
        touch_all();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
            .args([
                "find",
                ws.to_str().unwrap(),
                "physician",
                "--index",
                ix.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
        let _ = child.kill();
        let _ = child.wait();
        let got = hits(&ws, &ix, "\"was a physician\"");
        assert_eq!(
            got,
            hits(&ws, &fresh, "\"was a physician\""),
            "after a kill at {wait_ms} ms"
        );
    }
    assert!(status(&ws, &ix).contains("0 files read, 600 unchanged"));
}

/// `/` on the Runs screen searches every run through the run index the loader brought up to
/// date, lists the steps found, and Enter opens the run at one with the words highlighted;
/// `n` then moves between the hits inside that run.
#[test]
fn the_apps_search_lists_steps_and_opens_the_run_at_one() {
    use lrat::tui::app::Msg;
    use lrat::tui::loader::{self, LoadEvent};
    let ws = crate::sample_copy();
    let opts = lrat::tui::OpenOptions {
        runs: vec![ws.path().to_path_buf()],
        ..Default::default()
    };
    let mut a = lrat::tui::prepare(&opts).unwrap();
    let events = loader::start(&opts, None);
    assert!(
        events.iter().any(|e| matches!(e, LoadEvent::RunIndex(_))),
        "the loader brings the run index up to date"
    );
    for e in events {
        a.update(Msg::Load(e));
    }
    assert!(ws.path().join(".lrat/index/manifest.bin").is_file());
    crate::tui::keys(&mut a, "/\"blue lacquer\"\n");
    let found = crate::tui::screen(&a, 120, 40);
    assert!(
        found.contains("Found") && found.contains("for \"blue lacquer\""),
        "{found}"
    );
    let rows: Vec<&str> = found.lines().filter(|l| l.starts_with("│s")).collect();
    assert!(rows.len() >= 3, "{found}");
    let first = rows[0].split_whitespace().collect::<Vec<_>>();
    let (run, step) = (first[0].trim_start_matches('│'), first[1]);
    crate::tui::keys(&mut a, "\n");
    let opened = crate::tui::screen(&a, 120, 40);
    assert!(opened.contains(&format!("run {run}")), "{opened}");
    assert!(
        opened.contains(&format!("[{step}]")),
        "the detail shows the step found: {opened}"
    );
    crate::tui::keys(&mut a, "n");
    let next = crate::tui::screen(&a, 120, 40);
    assert!(next.contains("in this run for \"blue lacquer\""), "{next}");
    // Esc goes back to the list found.
    crate::tui::keys(&mut a, "\u{1b}");
    assert!(crate::tui::screen(&a, 120, 40).contains("for \"blue lacquer\""));
}

/// The loader's events: the runs it sent and how many files it read and took from the index.
fn open_once(opts: &lrat::tui::OpenOptions) -> (Vec<lrat::run::Run>, (usize, usize)) {
    use lrat::tui::loader::{self, LoadEvent};
    let mut runs = Vec::new();
    let mut sources = None;
    for e in loader::start(opts, None) {
        match e {
            LoadEvent::Loaded {
                runs: r, errors, ..
            } => {
                assert!(errors.is_empty(), "{errors:?}");
                runs.extend(r);
            }
            LoadEvent::Sources { read, from_index } => sources = Some((read, from_index)),
            LoadEvent::RunIndexFailed(why) => panic!("{why}"),
            _ => {}
        }
    }
    (
        runs,
        sources.expect("the loader says where the runs came from"),
    )
}

/// A re-open takes every unchanged file's runs from the run index (the shells it kept, equal
/// to the ones reading the files gives) and reads only the file that changed; the app says so.
#[test]
fn the_app_reopens_from_the_index_reading_only_the_file_changed() {
    let ws = tempfile::tempdir().unwrap();
    crate::copy_dir(&crate::fixture("formats"), &ws.path().join("formats"));
    crate::copy_dir(&crate::fixture("runs"), &ws.path().join("more"));
    let files = crate::walk(ws.path()).len();
    let opts = lrat::tui::OpenOptions {
        runs: vec![ws.path().to_path_buf()],
        ..Default::default()
    };
    let (first, (read, from_index)) = open_once(&opts);
    assert_eq!(
        (read, from_index),
        (files, 0),
        "the first open reads every file"
    );
    assert!(first.iter().all(lrat::run::Run::is_shell));
    let (again, (read, from_index)) = open_once(&opts);
    assert_eq!(read, 0, "nothing changed, nothing read");
    assert!(from_index > 0 && from_index <= files);
    assert_eq!(
        again, first,
        "the index's shells are the runs the files give"
    );

    // One file changed: only it is read; its runs are the new ones.
    let touched = crate::walk(&ws.path().join("more"))[0].clone();
    let text = std::fs::read_to_string(&touched).unwrap();
    std::fs::write(&touched, text.replacen("a", "A", 1) + "\n").unwrap();
    let (third, (read, _)) = open_once(&opts);
    assert_eq!(read, 1, "only the file changed is read");
    let (fresh, _) = {
        let other = tempfile::tempdir().unwrap();
        let o = lrat::tui::OpenOptions {
            runs: vec![ws.path().to_path_buf()],
            index: Some(other.path().join("index")),
            ..Default::default()
        };
        open_once(&o)
    };
    assert_eq!(
        third, fresh,
        "a re-open after a change gives what reading every file does"
    );

    // The app says where the runs came from.
    let mut a = lrat::tui::prepare(&opts).unwrap();
    for e in lrat::tui::loader::start(&opts, None) {
        a.update(lrat::tui::app::Msg::Load(e));
    }
    let s = crate::tui::screen(&a, 120, 40);
    assert!(s.contains("from the run index; 0 read"), "{s}");
}

/// `--index` given a folder that holds other things (the runs themselves, by mistake) is
/// refused with a plain error and nothing in it changes; an old index there is rebuilt.
#[test]
fn an_index_folder_holding_other_things_is_refused_untouched() {
    let ws = crate::sample_copy();
    let before = crate::walk(ws.path());
    let (rc, _, err) = lrat(&[
        "find",
        ws.path().to_str().unwrap(),
        "physician",
        "--index",
        ws.path().to_str().unwrap(),
    ]);
    assert_ne!(rc, 0);
    assert!(err.contains("holds other things than a run index"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(crate::walk(ws.path()), before, "nothing was removed");
    // An index of another version (a manifest and tantivy's files) is rebuilt in place.
    let ix = tempfile::tempdir().unwrap();
    std::fs::write(
        ix.path().join("manifest.json"),
        r#"{"version":1,"files":{}}"#,
    )
    .unwrap();
    std::fs::write(ix.path().join("meta.json"), "{}").unwrap();
    let (rc, _, err) = lrat(&[
        "find",
        ws.path().to_str().unwrap(),
        "physician",
        "--index",
        ix.path().to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
}

/// With a corpus in the workspace, the status line still says what loaded (and, on a re-open,
/// that the runs came from the run index) before it says where documents come from.
#[test]
fn the_status_line_keeps_what_loaded_when_the_corpus_opens() {
    let ws = crate::sample_copy();
    assert!(ws.path().join("corpus.jsonl").is_file());
    let opts = lrat::tui::OpenOptions {
        runs: vec![ws.path().to_path_buf()],
        ..Default::default()
    };
    for round in 0..2 {
        let mut a = lrat::tui::prepare(&opts).unwrap();
        for e in lrat::tui::loader::start(&opts, None) {
            a.update(lrat::tui::app::Msg::Load(e));
        }
        let s = crate::tui::screen(&a, 200, 40);
        assert!(
            s.contains("runs loaded") && s.contains("documents from"),
            "{s}"
        );
        if round == 1 {
            assert!(s.contains("from the run index; 0 read"), "{s}");
        }
    }
}

/// Output piped into a reader that stops (`lrat find … | head -1`) ends quietly with the
/// status a pipe's writer gets, not a crash report.
#[test]
fn a_reader_that_stops_reading_ends_find_quietly() {
    use std::io::BufRead;
    // Runs enough that the output (about 280 KB) is far more than a pipe holds.
    let ws = tempfile::tempdir().unwrap();
    let runs = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_trajectories/runs");
    crate::copy_dir(&runs, &ws.path().join("a"));
    crate::copy_dir(&runs, &ws.path().join("b"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args([
            "find",
            ws.path().to_str().unwrap(),
            "the",
            "--top",
            "100000",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("step"), "{first}");
    // The reader is dropped here: the rest of the output has nowhere to go.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(141), "{err}");
}

/// A query that cannot be read (or none) fails at once, before any file is indexed.
#[test]
fn a_bad_query_fails_before_the_index_is_built() {
    let ws = crate::sample_copy();
    let ix = tempfile::tempdir().unwrap();
    for q in ["kind:nothing", "  ", "\"unclosed"] {
        let (rc, _, err) = lrat(&[
            "find",
            ws.path().to_str().unwrap(),
            q,
            "--index",
            ix.path().join("ix").to_str().unwrap(),
        ]);
        assert_ne!(rc, 0, "{q}");
        assert!(!err.contains("files read"), "{q}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{q}: {err}");
    }
}
