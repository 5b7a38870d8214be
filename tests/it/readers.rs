//! Every reader on hand-made runs: what each step becomes and what is kept.

use lrat::run::{self, Format, Questions, ReadOptions, StepKind};

use crate::fixture;

fn one(path: &str) -> lrat::run::Run {
    let loaded = run::load(&[fixture(path)], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.runs.len(), 1);
    loaded.runs.into_iter().next().unwrap()
}

#[test]
fn lrat_run_keeps_every_step_in_order() {
    let r = one("runs/docid_style.json");
    assert_eq!(r.id, "t1");
    assert_eq!(r.format, Format::Lrat);
    assert_eq!(r.source.line, None);
    assert_eq!(
        r.question.as_deref(),
        Some("Who kept the Skarvholm lighthouse from 1902?")
    );
    assert_eq!(r.gold, vec!["Oda Rin"]);
    assert_eq!(r.final_answer.as_deref(), Some("The keeper was Oda Rin."));
    assert_eq!(r.meta.model.as_deref(), Some("test-agent"));
    assert_eq!(r.meta.retriever.as_deref(), Some("bm25"));
    assert_eq!(r.meta.k, Some(3));
    assert_eq!(
        r.meta.extra.get("temperature").map(String::as_str),
        Some("0.6")
    );
    assert_eq!(r.tool_call_counts.get("get_document"), Some(&2));
    let idx: Vec<usize> = r.steps.iter().map(|s| s.index).collect();
    assert_eq!(idx, (0..11).collect::<Vec<_>>());
    let kinds: Vec<&str> = r.steps.iter().map(|s| s.kind.label()).collect();
    assert_eq!(
        kinds,
        vec![
            "reasoning",
            "search",
            "reasoning",
            "browse",
            "reasoning",
            "browse",
            "browse",
            "tool_call",
            "assistant",
            "output_text",
            "answer"
        ]
    );
    let StepKind::Search(s) = &r.steps[1].kind else {
        panic!()
    };
    assert_eq!(s.query.as_deref(), Some("Skarvholm lighthouse keeper"));
    assert_eq!(s.queries.len(), 2);
    let hits: Vec<(&str, u32, Option<&str>)> = s
        .hits
        .iter()
        .map(|h| (h.docid.as_str(), h.rank, h.title.as_deref()))
        .collect();
    assert_eq!(
        hits,
        vec![
            ("501", 1, Some("Skarvholm Light")),
            ("502", 2, Some("Skarvholm")),
            ("503", 3, Some("Rin (surname)"))
        ]
    );
    let StepKind::Browse(b) = &r.steps[3].kind else {
        panic!()
    };
    assert_eq!(b.docid.as_deref(), Some("501"));
    assert_eq!(
        b.text.as_deref(),
        Some(
            "Skarvholm Light\nThe light was kept by Oda Rin from 1902. She wrote the keeper's log."
        )
    );
    // A visit with a url: a failed browse, kept and shown.
    let StepKind::Browse(b) = &r.steps[5].kind else {
        panic!()
    };
    assert_eq!(b.docid, None);
    assert!(b.error.as_deref().unwrap().contains("Tool visit not found"));
    assert!(b.arg_problem.as_deref().unwrap().contains("url"));
    // Invalid JSON arguments are a step problem, not a file error.
    let StepKind::Browse(b) = &r.steps[6].kind else {
        panic!()
    };
    assert!(b.arg_problem.as_deref().unwrap().contains("not valid JSON"));
    assert_eq!(b.docid.as_deref(), Some("503"));
    // Unknown tools and step types are kept as they were.
    let StepKind::Other(o) = &r.steps[7].kind else {
        panic!()
    };
    assert_eq!(o.tool.as_deref(), Some("calculator"));
    assert_eq!(o.output, "2");
    assert_eq!(
        r.reasoning_after(3),
        "The page names Oda Rin as the keeper from 1902, which answers the question."
    );
    assert_eq!(r.reasoning_after(6), "");
    assert_eq!(r.source_search(3, "501"), Some((1, 1)));
}

#[test]
fn one_run_a_line_with_questions_joined() {
    let mut loaded = run::load(&[fixture("runs/numbered.jsonl")], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let (q, errs) = Questions::read(&fixture("questions.tsv")).unwrap();
    assert!(errs.is_empty());
    q.apply(&mut loaded.runs);
    let r = &loaded.runs[1];
    assert_eq!(r.id, "n2");
    assert_eq!(r.source.line, Some(2));
    assert_eq!(r.question.as_deref(), Some("Which number is eight?"));
    assert_eq!(r.gold, vec!["eight"]);
    assert_eq!(
        r.retrieved_docids.as_deref(),
        Some(&["7".to_string(), "8".to_string()][..])
    );
    let StepKind::Search(s) = &r.steps[0].kind else {
        panic!()
    };
    assert_eq!(
        s.hits.iter().map(|h| h.docid.as_str()).collect::<Vec<_>>(),
        vec!["7", "8"]
    );
    assert_eq!(s.hits[0].title.as_deref(), Some("Seven"));
    let StepKind::Browse(b) = &r.steps[1].kind else {
        panic!()
    };
    assert_eq!(b.docid.as_deref(), Some("8"));
    assert_eq!(b.text.as_deref(), Some("about eight, in full"));
}

#[test]
fn native_schema() {
    let r = one("runs/native.jsonl");
    assert_eq!(r.id, "v1");
    assert_eq!(r.format, Format::Native);
    assert_eq!(r.final_answer.as_deref(), Some("Kaldvik"));
    let StepKind::Search(s) = &r.steps[1].kind else {
        panic!()
    };
    assert_eq!(s.query.as_deref(), Some("Kald Hill"));
    assert_eq!(s.hits[1].docid, "42");
    assert_eq!(s.hits[1].rank, 2);
    assert_eq!(r.steps[4].kind.label(), "note");
    assert_eq!(r.reasoning_after(2), "It is in Kaldvik.");
}

#[test]
fn chat_log() {
    let r = one("runs/chat.json");
    assert_eq!(r.id, "c1");
    assert_eq!(r.format, Format::Chat);
    assert_eq!(r.correct, Some(true));
    assert_eq!(r.question.as_deref(), Some("Who kept Skarvholm Light?"));
    let view: Vec<(usize, &str)> = r.steps.iter().map(|s| (s.index, s.kind.label())).collect();
    assert_eq!(
        view,
        vec![
            (0, "system"),
            (1, "user"),
            (2, "reasoning"),
            (3, "search"),
            (4, "reasoning"),
            (5, "browse"),
            (6, "reasoning"),
            (7, "answer")
        ]
    );
    let StepKind::Search(s) = &r.steps[3].kind else {
        panic!()
    };
    assert_eq!(s.hits[0].docid, "501");
    let StepKind::Browse(b) = &r.steps[5].kind else {
        panic!()
    };
    assert_eq!(b.text.as_deref(), Some("The light was kept by Oda Rin."));
    // Calls that never got a reply stay visible in the assistant's text.
    let StepKind::Reasoning { text } = &r.steps[4].kind else {
        panic!()
    };
    assert!(
        text.contains("call without a reply: get_document"),
        "{text}"
    );
    assert_eq!(
        r.reasoning_after(5),
        "Oda Rin kept it; that settles it.\n[call without a reply: search({\"query\": \"Oda Rin\"})]"
    );
    assert_eq!(r.final_answer.as_deref(), Some("Oda Rin."));
}

#[test]
fn a_folder_loads_everything_under_it() {
    let loaded = run::load(&[fixture("runs")], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.files, 4);
    assert_eq!(loaded.runs.len(), 5);
    assert_eq!(loaded.summary(), "loaded 5 runs from 4 files, 0 rejected");
}

#[test]
fn the_sample_loads_cleanly() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workspace/runs");
    let loaded = run::load(&[dir], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert!(loaded.runs.len() >= 8);
    let browses: usize = loaded.runs.iter().map(|r| r.browses().count()).sum();
    assert!(browses >= 10);
}

#[test]
fn forced_format_overrides_detection() {
    let opts = ReadOptions {
        format: Some(Format::Chat),
        ..ReadOptions::default()
    };
    let loaded = run::load(&[fixture("runs/docid_style.json")], &opts).unwrap();
    assert_eq!(loaded.runs.len(), 0);
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        loaded.errors[0].message.contains("messages"),
        "{}",
        loaded.errors[0]
    );
}

#[test]
fn shared_run_ids_are_told_apart_by_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("runs/docid_style.json"), dir.path().join("a.json")).unwrap();
    std::fs::copy(fixture("runs/docid_style.json"), dir.path().join("b.json")).unwrap();
    let loaded = run::load(&[dir.path().to_path_buf()], &ReadOptions::default()).unwrap();
    let ids: Vec<(&str, &str)> = loaded
        .runs
        .iter()
        .map(|r| (r.id.as_str(), r.query_id.as_str()))
        .collect();
    assert_eq!(ids, [("a/t1", "t1"), ("b/t1", "t1")]);
    let d = loaded.renamed();
    assert_eq!(
        d,
        [(
            "t1".to_string(),
            vec!["a/t1".to_string(), "b/t1".to_string()]
        )]
    );
}

/// Question files in the shapes people publish: a JSON object id → question or id →
/// {question, answer}, a JSON array of records or of strings, JSON lines, TSV. Each gives the
/// same questions; a file that is none of these is one clear error naming it.
#[test]
fn question_files_in_every_published_shape() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = [
        (
            "object.json",
            r#"{"0": "What manga was drawn by Oda Rin?", "1": "Which river?"}"#,
        ),
        (
            "object_records.json",
            r#"{"0": {"question": "What manga was drawn by Oda Rin?", "answer": "Skarv"}, "1": {"question": "Which river?", "answer": ["Lågen"]}}"#,
        ),
        (
            "array.json",
            "[\n {\"query_id\": 0, \"query\": \"What manga was drawn by Oda Rin?\", \"answer\": \"Skarv\"},\n {\"id\": \"1\", \"question\": \"Which river?\"}\n]",
        ),
        (
            "strings.json",
            r#"["What manga was drawn by Oda Rin?", "Which river?"]"#,
        ),
        (
            "lines.jsonl",
            "{\"query_id\": \"0\", \"query\": \"What manga was drawn by Oda Rin?\"}\n{\"qid\": 1, \"question\": \"Which river?\"}\n",
        ),
        (
            "plain.tsv",
            "0\tWhat manga was drawn by Oda Rin?\tSkarv\n1\tWhich river?\n",
        ),
    ];
    for (name, text) in shapes {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let (q, errs) = Questions::read(&p).unwrap();
        assert!(errs.is_empty(), "{name}: {errs:?}");
        assert_eq!(q.0.len(), 2, "{name}");
        assert_eq!(
            q.0["0"].0.as_deref(),
            Some("What manga was drawn by Oda Rin?"),
            "{name}"
        );
        assert_eq!(q.0["1"].0.as_deref(), Some("Which river?"), "{name}");
    }
    let p = dir.path().join("object_records.json");
    let (q, _) = Questions::read(&p).unwrap();
    assert_eq!(q.0["0"].1, vec!["Skarv"]);
    assert_eq!(q.0["1"].1, vec!["Lågen"]);
    // A bad entry is named by its key; the others still read.
    let p = dir.path().join("bad_entry.json");
    std::fs::write(&p, r#"{"0": "Which river?", "1": 42}"#).unwrap();
    let (q, errs) = Questions::read(&p).unwrap();
    assert_eq!(q.0.len(), 1);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].to_string().ends_with("bad_entry.json: entry \"1\": expected a question string or {question, answer}, found a number"),
        "{}",
        errs[0]
    );
    // Binary is said to be not text, once.
    let p = dir.path().join("binary.json");
    std::fs::write(&p, [0xffu8, 0xfe, 0x00, 0x01]).unwrap();
    let e = Questions::read(&p).unwrap_err().to_string();
    assert!(
        e.contains("binary.json") && e.contains("not UTF-8 text"),
        "{e}"
    );
}

/// BrowseComp-Plus writes a reasoning step's `output` as a list of strings: it reads as text, a
/// string a line, not as JSON.
#[test]
fn reasoning_as_a_list_of_strings_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(
        &p,
        r#"{"query_id": "7", "result": [
  {"type": "reasoning", "output": ["First I search.", "Then I read."]},
  {"type": "tool_call", "tool_name": "search", "arguments": "{\"query\": \"x\"}", "output": "A search for 'x' found 1 results:\n\n## Web Results\n1. <docid: 5> [Five]\nabout five"},
  {"type": "output_text", "output": "five"}]}"#,
    )
    .unwrap();
    let loaded = run::load(&[p], &ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let StepKind::Reasoning { text } = &loaded.runs[0].steps[0].kind else {
        panic!()
    };
    assert_eq!(text, "First I search.\nThen I read.");
}
