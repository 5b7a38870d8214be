//! Every run format read from fixtures we wrote (tests/fixtures/formats/), and `lrat convert`:
//! ATIF that reads back to the same runs and mines the same pairs, and that the `atif`
//! package's v1.8 models accept (with `LRAT_PYTHON`).

use std::path::PathBuf;

use lrat::run::{self, Format, ReadOptions, Run, StepKind};

use crate::fixture;

fn load(name: &str) -> run::Loaded {
    run::load(
        &[fixture(&format!("formats/{name}"))],
        &ReadOptions::default(),
    )
    .unwrap()
}

fn counts(r: &Run) -> (usize, usize, Option<&str>) {
    (
        r.searches().count(),
        r.browses().filter(|(_, b)| b.docid.is_some()).count(),
        r.final_answer.as_deref(),
    )
}

#[test]
fn atif_with_a_subagent_reads_searches_browses_and_the_answer() {
    let l = load("atif_run.json");
    assert!(
        l.errors.is_empty() && l.notes.is_empty(),
        "{:?} {:?}",
        l.errors,
        l.notes
    );
    let r = &l.runs[0];
    assert_eq!((r.id.as_str(), r.format), ("atif-1", Format::Atif));
    assert_eq!(
        r.question.as_deref(),
        Some("Who kept the Skarvholm lighthouse in 1901?")
    );
    assert_eq!(r.gold, vec!["Arne Vik".to_string()]);
    assert_eq!(r.correct, Some(true));
    // The subagent's search is read in place.
    assert_eq!(counts(r), (2, 1, Some("Arne Vik")));
    let (_, s) = r.searches().next().unwrap();
    let ids: Vec<&str> = s.hits.iter().map(|h| h.docid.as_str()).collect();
    assert_eq!(ids, ["501", "502"]);
    assert_eq!(s.hits[0].title.as_deref(), Some("Skarvholm keeper's log"));
    let (b, _) = r.browses().next().unwrap();
    assert!(r.reasoning_after(b).contains("Arne Vik kept the light"));
    assert_eq!(r.source_search(b, "501"), Some((3, 1)));
}

#[test]
fn atif_deviations_are_accepted_and_each_reported_once() {
    let l = load("atif_deviant.jsonl");
    assert_eq!(l.runs.len(), 2, "{:?}", l.errors);
    let notes: Vec<&str> = l.notes.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(notes.len(), 4, "{notes:?}");
    for want in [
        "\"1.4\" lacks the \"ATIF-v\" prefix",
        "counts from 0",
        "arguments are a JSON string",
        "content is an object",
    ] {
        assert_eq!(
            notes.iter().filter(|n| n.contains(want)).count(),
            1,
            "{want}: {notes:?}"
        );
    }
    assert_eq!(counts(&l.runs[0]), (1, 1, Some("An island")));
    assert_eq!(l.runs[0].searches().next().unwrap().1.hits[0].docid, "502");
    let adv = l.advisories(false);
    assert!(
        adv.iter()
            .any(|a| a.starts_with("1 run(s) have no tool calls (dev-2)")),
        "{adv:?}"
    );
}

#[test]
fn inline_tool_calls_with_title_only_hits() {
    let l = load("inline_tool_calls.json");
    let r = &l.runs[0];
    assert_eq!(counts(r), (1, 1, Some("Lågen")));
    let (_, s) = r.searches().next().unwrap();
    assert_eq!(s.query.as_deref(), Some("Tollef bridge river"));
    assert_eq!(s.hits.len(), 2);
    assert!(s.hits.iter().all(|h| run::tools::is_title_docid(&h.docid)));
    // The same title gives the same id, here and in every version.
    assert_eq!(s.hits[0].docid, run::tools::title_docid("Tollef  Bridge"));
    assert_eq!(
        run::tools::title_docid("Tollef bridge"),
        "title#e432fa4a1a257dd0"
    );
    // The browse named the title, so it links to the hit, and its reasoning is the <think>.
    let (b, browse) = r.browses().next().unwrap();
    assert_eq!(browse.docid.as_deref(), Some(s.hits[0].docid.as_str()));
    assert!(r.reasoning_after(b).contains("crosses the Lågen"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.jsonl");
    let (code, _, err) = crate::lrat_env(
        &[
            "mine",
            fixture("formats/inline_tool_calls.json").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rows = std::fs::read_to_string(&out).unwrap();
    assert_eq!(rows.lines().count(), 1, "{rows}");
    assert!(rows.contains("title#e432fa4a1a257dd0") && rows.contains("title#88532cc1f5a6dde7"));
}

#[test]
fn search_r1_tags_and_responses_items() {
    let l = load("search_r1.jsonl");
    assert_eq!(l.runs.len(), 2);
    let r = &l.runs[0];
    assert_eq!((r.id.as_str(), r.format), ("sr1-1", Format::SearchR1));
    assert_eq!(r.gold, vec!["1842".to_string()]);
    assert_eq!(counts(r), (1, 0, Some("1842")));
    let (_, s) = r.searches().next().unwrap();
    assert_eq!(s.query.as_deref(), Some("tollef bridge built"));
    let titles: Vec<_> = s.hits.iter().map(|h| h.title.as_deref().unwrap()).collect();
    assert_eq!(titles, ["Tollef bridge", "Lågen"]);
    assert!(
        s.hits[0]
            .snippet
            .starts_with("The Tollef bridge is a stone bridge")
    );

    let l = load("responses_items.json");
    let r = &l.runs[0];
    assert_eq!((r.id.as_str(), r.format), ("resp-1", Format::Responses));
    assert_eq!(counts(r), (1, 1, Some("Arne Vik")));
    assert_eq!(r.meta.model.as_deref(), Some("gpt-5-mini"));
    let (b, _) = r.browses().next().unwrap();
    assert!(r.reasoning_after(b).contains("names Arne Vik"));
}

#[test]
fn browsecomp_plus_variants_load_and_say_what_is_missing() {
    let l = load("bcp_variants.jsonl");
    assert_eq!(l.runs.len(), 2, "{:?}", l.errors);
    let r = &l.runs[0];
    assert_eq!(counts(r), (1, 1, Some("Arne Vik")));
    let others: Vec<(&str, Option<&str>)> = r
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Other(o) => Some((o.step_type.as_str(), o.tool.as_deref())),
            _ => None,
        })
        .collect();
    assert_eq!(
        others,
        [
            ("user", None),
            ("assistant", None),
            ("tool_call", Some("")),
            ("tool_call", Some("functions.visit"))
        ]
    );
    assert_eq!(
        counts(&l.runs[1]),
        (
            0,
            0,
            Some("Explanation: not found. Exact Answer: unknown. Confidence: 10%")
        )
    );
    let adv = l.advisories(false);
    assert!(
        adv.iter()
            .any(|a| a.contains("1 run(s) have no tool calls (bcp-2)")),
        "{adv:?}"
    );
    assert!(
        adv.iter()
            .any(|a| a.contains("2 run(s) have no question") && a.contains("--questions")),
        "{adv:?}"
    );
    assert!(
        l.advisories(true)
            .iter()
            .all(|a| !a.contains("--questions"))
    );
    let (code, _, err) = crate::lrat_env(
        &[
            "stats",
            fixture("formats/bcp_variants.jsonl").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("pass --questions FILE"), "{err}");
}

/// Title-derived ids never count against evidence recall: such runs are left out and counted.
#[test]
fn hits_without_docids_are_left_out_of_evidence_recall() {
    let dir = tempfile::tempdir().unwrap();
    let qrels = dir.path().join("qrels.txt");
    std::fs::write(&qrels, "qwen-1 0 1234 1\n").unwrap();
    let (code, out, err) = crate::lrat_env(
        &[
            "stats",
            fixture("formats/inline_tool_calls.json").to_str().unwrap(),
            "--qrels",
            qrels.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let row = out
        .lines()
        .find(|l| l.contains("left out: hits without docids"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(row.split_whitespace().any(|c| c == "1"), "{row}");
}

fn same_run(a: &Run, b: &Run) {
    assert_eq!(a.id, b.id);
    assert_eq!(a.question, b.question, "{}", a.id);
    assert_eq!(a.gold, b.gold, "{}", a.id);
    assert_eq!(a.final_answer, b.final_answer, "{}", a.id);
    assert_eq!(a.status, b.status, "{}", a.id);
    assert_eq!(a.correct, b.correct, "{}", a.id);
    assert_eq!(a.meta, b.meta, "{}", a.id);
    assert_eq!(a.tool_call_counts, b.tool_call_counts, "{}", a.id);
    assert_eq!(a.retrieved_docids, b.retrieved_docids, "{}", a.id);
    assert_eq!(a.steps, b.steps, "{}", a.id);
}

fn inputs() -> Vec<PathBuf> {
    vec![
        fixture("workspace/runs"),
        fixture("formats"),
        fixture("runs"),
    ]
}

/// Every run of every format we read, written as ATIF and read back: the same runs, and
/// `lrat mine` gives byte-identical pairs; as native JSONL, the same pairs too.
#[test]
fn convert_to_atif_reads_back_to_the_same_runs_and_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ReadOptions::default();
    let before = run::load(&inputs(), &opts).unwrap();
    assert!(before.runs.len() > 20, "{}", before.runs.len());
    let mut paths: Vec<&str> = inputs()
        .iter()
        .map(|p| p.to_str().unwrap())
        .map(|s| Box::leak(s.to_string().into_boxed_str()) as &str)
        .collect();
    for (to, sub) in [("atif", "atif"), ("native", "native")] {
        let out = dir.path().join(sub);
        let mut args = vec!["convert"];
        args.extend(paths.iter().copied());
        args.extend(["--to", to, "--out", out.to_str().unwrap(), "--keep-going"]);
        let (code, _, err) = crate::lrat_env(&args, &[]);
        assert_eq!(code, 0, "{err}");
    }
    let atif = run::load(&[dir.path().join("atif")], &opts).unwrap();
    assert!(
        atif.errors.is_empty() && atif.notes.is_empty(),
        "{:?} {:?}",
        atif.errors,
        atif.notes
    );
    assert_eq!(atif.runs.len(), before.runs.len());
    let mut a: Vec<&Run> = before.runs.iter().collect();
    let mut b: Vec<&Run> = atif.runs.iter().collect();
    a.sort_by(|x, y| (&x.id, &x.source.path).cmp(&(&y.id, &y.source.path)));
    b.sort_by(|x, y| x.id.cmp(&y.id));
    // Ids repeat across fixture files; compare runs by id and content.
    for r in &a {
        let matched = b.iter().any(|s| s.id == r.id && s.steps == r.steps);
        assert!(matched, "run {} ({}) did not come back", r.id, r.source);
    }
    for r in &b {
        if let Some(orig) = a.iter().find(|x| x.id == r.id && x.steps == r.steps) {
            same_run(orig, r);
        }
    }
    // Mining: the originals, the ATIF copies and the native copies give the same pairs.
    let mine = |input: &str, out: &str| {
        let (code, _, err) = crate::lrat_env(&["mine", input, "--out", out, "--keep-going"], &[]);
        assert_eq!(code, 0, "{err}");
        let mut rows: Vec<String> = std::fs::read_to_string(out)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        rows.sort();
        rows
    };
    paths.truncate(2);
    for p in paths {
        let name = std::path::Path::new(p)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let sub = dir.path().join(format!("one-{name}"));
        for to in ["atif", "native"] {
            let (code, _, err) = crate::lrat_env(
                &[
                    "convert",
                    p,
                    "--to",
                    to,
                    "--out",
                    sub.join(to).to_str().unwrap(),
                ],
                &[],
            );
            assert_eq!(code, 0, "{err}");
        }
        let orig = mine(p, sub.join("orig.jsonl").to_str().unwrap());
        assert!(!orig.is_empty(), "{p}");
        let via_atif = mine(
            sub.join("atif").to_str().unwrap(),
            sub.join("atif.jsonl").to_str().unwrap(),
        );
        let via_native = mine(
            sub.join("native").to_str().unwrap(),
            sub.join("native.jsonl").to_str().unwrap(),
        );
        assert_eq!(orig, via_atif, "{p}");
        assert_eq!(orig, via_native, "{p}");
    }
    // The atif package's own models accept every file.
    let Ok(python) = std::env::var("LRAT_PYTHON") else {
        eprintln!("skipped the atif validation: LRAT_PYTHON is not set (.ci/run sets it)");
        return;
    };
    let script = "import atif, glob, sys\nfiles = sorted(glob.glob(sys.argv[1] + '/*.json'))\nfor f in files:\n    atif.Trajectory.model_validate_json(open(f).read())\nprint(len(files))";
    let out = std::process::Command::new(python)
        .args(["-c", script])
        .arg(dir.path().join("atif"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        before.runs.len().to_string()
    );
}

/// BrowseComp-Plus's markdown hits without docids (`1. [Title]`, a front-matter block, the
/// text) in a chat log with inline tool calls: read as hits with title ids, and only the invalid
/// request counts as a failed search.
#[test]
fn markdown_hits_without_docids_are_hits_not_failures() {
    let l = load("bcp_markdown_titles.json");
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let r = &l.runs[0];
    let searches: Vec<_> = r.searches().map(|(_, s)| s).collect();
    assert_eq!(searches.len(), 3);
    assert!(
        searches[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("[Search] Invalid request format"))
    );
    let titles: Vec<_> = searches[1]
        .hits
        .iter()
        .map(|h| h.title.as_deref().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Harbour of Skarvik",
            "Skarvik (disambiguation)",
            "North mole, Skarvik",
            "Dredging in Norway",
            "Skarvik church"
        ]
    );
    // A numbered line in a document's text stays text; the front matter is not the snippet.
    assert_eq!(
        searches[1].hits[0].snippet,
        "Skarvik harbour was dredged in 1911.\nIts works were:\n1. [Dredging]\n2. the north mole"
    );
    assert_eq!(
        searches[2].hits[0].docid,
        run::tools::title_docid("North mole, Skarvik")
    );
    assert!(searches[1..].iter().all(|s| s.error.is_none()));
    // A browse that names a hit by its title links to it, and so makes a pair.
    let (b, browse) = r.browses().next().unwrap();
    assert_eq!(
        browse.docid.as_deref(),
        Some(searches[2].hits[0].docid.as_str())
    );
    assert!(r.reasoning_after(b).contains("the engineer was Vold"));
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("p.jsonl");
    let (code, _, err) = crate::lrat_env(
        &[
            "mine",
            fixture("formats/bcp_markdown_titles.json")
                .to_str()
                .unwrap(),
            "--out",
            pairs.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&pairs).unwrap().lines().count(),
        1,
        "{err}"
    );
    let (code, out, err) = crate::lrat_env(
        &[
            "stats",
            fixture("formats/bcp_markdown_titles.json")
                .to_str()
                .unwrap(),
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let s = &v["runs"][0];
    assert_eq!(
        (s["searches"].as_u64(), s["failed_searches"].as_u64()),
        (Some(3), Some(1)),
        "{v}"
    );
}
