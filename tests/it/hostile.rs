//! Bad and hostile input: clear errors that name file, line and column; other runs still load;
//! nothing panics.

use std::io::Write;

use lrat::run::{self, ReadOptions};
use proptest::prelude::*;

use crate::fixture;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

#[test]
fn a_bad_line_names_file_line_and_column_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture("runs/numbered.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(
        1,
        r#"{"query_id": "bad", "result": [ {"type": "reasoning", "output": "x"} "#,
    );
    lines.insert(2, r#"{"query_id": "wrong", "result": "not a list"}"#);
    let p = write(&dir, "mixed.jsonl", lines.join("\n").as_bytes());
    let loaded = run::load(std::slice::from_ref(&p), &ReadOptions::default()).unwrap();
    assert_eq!(loaded.runs.len(), 2);
    assert_eq!(loaded.errors.len(), 2);
    let e = &loaded.errors[0];
    assert_eq!(e.path, p);
    assert_eq!(e.line, Some(2));
    assert!(e.column.is_some());
    let e = &loaded.errors[1];
    assert_eq!(e.line, Some(3));
    assert!(
        e.message.contains("expected an array of steps"),
        "{}",
        e.message
    );
    assert!(
        e.to_string().starts_with(&format!("{}:3:", p.display())),
        "{e}"
    );
}

#[test]
fn truncated_file_reports_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("runs/docid_style.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let p = write(&dir, "cut.json", cut.as_bytes());
    let ok = fixture("runs/native.jsonl");
    let loaded = run::load(&[p.clone(), ok], &ReadOptions::default()).unwrap();
    assert_eq!(loaded.runs.len(), 1, "the other file still loads");
    assert_eq!(loaded.errors.len(), 1);
    let e = &loaded.errors[0];
    assert!(e.line.unwrap() > 1);
    assert!(e.message.contains("EOF"), "{}", e.message);
}

#[test]
fn invalid_utf8_and_wrong_types() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes =
        br#"{"query_id": "u", "result": [{"type": "reasoning", "output": "caf"#.to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#""}]}"#);
    let p = write(&dir, "utf8.json", &bytes);
    let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
    assert_eq!(loaded.errors.len(), 1);
    let e = &loaded.errors[0];
    assert!(e.message.contains("unicode"), "{e}");
    assert_eq!((e.line, e.column.is_some()), (Some(1), true));

    let p = write(
        &dir,
        "types.json",
        br#"{"query_id": 17, "query": ["odd"], "answer": 3, "status": {"x": 1}, "metadata": 5,
            "result": [42, "text", null, {"type": 7, "tool_name": 9, "arguments": {"query": "q"}, "output": [1]}]}"#,
    );
    let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let r = &loaded.runs[0];
    assert_eq!(r.id, "17");
    assert_eq!(r.gold, vec!["3"]);
    assert_eq!(r.steps.len(), 4);
    assert_eq!(r.steps[0].kind.label(), "invalid");
}

#[test]
fn a_folder_skips_non_run_files_but_an_explicit_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("runs/native.jsonl"), dir.path().join("run.jsonl")).unwrap();
    let p = write(&dir, "corpus.jsonl", br#"{"docid": "1", "text": "t"}"#);
    let loaded = run::load(&[dir.path().to_path_buf()], &ReadOptions::default()).unwrap();
    assert_eq!(loaded.runs.len(), 1);
    assert!(loaded.errors.is_empty());
    assert_eq!(loaded.skipped.len(), 1);
    let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
    assert_eq!(loaded.errors.len(), 1);
    assert!(loaded.errors[0].message.contains("unrecognised run format"));
}

#[test]
fn control_characters_and_huge_steps_survive() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(5_000_000);
    let v = serde_json::json!({"query_id": "h", "result": [
        {"type": "reasoning", "output": "\u{1b}[31mred\u{0}\u{7}"},
        {"type": "tool_call", "tool_name": "search", "arguments": "{\"query\": \"q\"}", "output": huge},
    ]});
    let p = write(&dir, "huge.json", v.to_string().as_bytes());
    let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty());
    let text = lrat::inspect::render(
        &loaded.runs[0],
        None,
        lrat::inspect::InspectOptions { full: false },
    );
    assert!(!text.contains('\u{1b}'), "escape sequences are made inert");
    assert!(text.contains("␛[31mred"));
}

fn valid_run() -> String {
    std::fs::read_to_string(fixture("runs/docid_style.json")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), lines in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, if lines { "x.jsonl" } else { "x.json" }, &bytes);
        let _ = run::load(&[p], &ReadOptions::default()).unwrap();
    }

    #[test]
    fn mutated_runs_never_panic(cut in 0usize..4000, at in 0usize..4000, byte in any::<u8>()) {
        let mut bytes = valid_run().into_bytes();
        let at = at % bytes.len();
        bytes[at] = byte;
        bytes.truncate(cut.max(1).min(bytes.len()));
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "m.json", &bytes);
        let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
        // One run or what was wrong; a file whose first line now holds a whole JSON value is
        // read as JSON lines, each bad line its own error (`{}  "metadata": {` then `"`).
        prop_assert!(loaded.runs.len() <= 1);
        prop_assert!(loaded.runs.len() + loaded.errors.len() >= 1);
        for e in &loaded.errors {
            prop_assert!(e.line.is_some());
        }
    }

    /// Every reader (ATIF, tagged chat, Search-R1, Responses, BrowseComp-Plus variants) on a
    /// mutated copy of its own fixture: no panic, and whatever loads renders.
    #[test]
    fn mutated_runs_of_every_format_never_panic(which in 0usize..6, cut in 0usize..6000, at in 0usize..6000, byte in any::<u8>()) {
        let names = ["atif_run.json", "atif_deviant.jsonl", "inline_tool_calls.json", "search_r1.jsonl", "responses_items.json", "bcp_variants.jsonl"];
        let name = names[which];
        let mut bytes = std::fs::read(fixture(&format!("formats/{name}"))).unwrap();
        let at = at % bytes.len();
        bytes[at] = byte;
        bytes.truncate(cut.max(1).min(bytes.len()));
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, name, &bytes);
        let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
        for r in &loaded.runs {
            let _ = lrat::inspect::render(r, None, lrat::inspect::InspectOptions { full: true });
        }
        let _ = lrat::stats::Report::new(&loaded.runs, None).render();
    }

    #[test]
    fn arbitrary_tool_text_never_panics(args in ".{0,200}", output in ".{0,400}", tool in "(search|get_document|visit|other)") {
        let v = serde_json::json!({"query_id": "p", "result": [
            {"type": "tool_call", "tool_name": tool, "arguments": args, "output": output},
            {"type": "reasoning", "output": output},
        ]});
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "p.json", v.to_string().as_bytes());
        let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
        prop_assert_eq!(loaded.runs.len(), 1);
        let _ = lrat::inspect::render(&loaded.runs[0], None, lrat::inspect::InspectOptions { full: true });
        let _ = lrat::stats::Report::new(&loaded.runs, None).render();
    }
}

/// The library's errors are typed and keep what caused them: a broken index keeps tantivy's
/// error, a broken tokenizer its own, bad weights candle's; each still names the file.
#[test]
fn library_errors_keep_their_sources() {
    use std::error::Error as _;
    let dir = tempfile::tempdir().unwrap();
    let ix = dir.path().join("ix");
    std::fs::create_dir_all(&ix).unwrap();
    std::fs::write(ix.join("meta.json"), "{ not json").unwrap();
    let e = lrat::corpus::DocIndex::open(&ix).unwrap_err();
    assert!(matches!(e, lrat::Error::Tantivy { .. }), "{e:?}");
    assert!(e.source().is_some() && e.to_string().contains("ix"), "{e}");

    let tk = dir.path().join("tokenizer.json");
    std::fs::write(&tk, "{\"model\": 3}").unwrap();
    let e = lrat::mine::Length::tokens(&tk).err().unwrap();
    assert!(matches!(e, lrat::Error::Tokenizer { .. }), "{e:?}");
    assert!(
        e.source().is_some() && e.to_string().contains("tokenizer.json"),
        "{e}"
    );

    let bad = dir.path().join("w.safetensors");
    std::fs::write(&bad, b"not weights").unwrap();
    let e: lrat::Error = candle_core::safetensors::load(&bad, &candle_core::Device::Cpu)
        .unwrap_err()
        .into();
    assert!(matches!(e, lrat::Error::Candle(_)), "{e:?}");
    assert!(e.source().is_some(), "{e}");
}
