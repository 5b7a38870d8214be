//! The label journal: durability, torn records, undo, compaction, the lock, and a crash test that
//! kills a writer with SIGKILL again and again.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use lrat::labels::{Effective, Journal, LabelKey, LabelValue, NegativeLabel, Source, Unjudged};
use lrat::verdict::{Verdict, Verdicts};

fn browse(step: usize) -> LabelKey {
    LabelKey::Browse {
        run_id: "r".into(),
        step,
    }
}

const REJECT: Option<LabelValue> = Some(LabelValue::Verdict(Verdict::NotRelevant));

#[test]
fn labels_persist_undo_and_compact() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut j, report) = Journal::open(dir.path()).unwrap();
        assert_eq!(report.records, 0);
        j.set(browse(1), REJECT).unwrap();
        j.set(browse(2), REJECT).unwrap();
        j.set(browse(1), Some(LabelValue::Verdict(Verdict::Relevant)))
            .unwrap();
        let neg = LabelKey::Negative {
            run_id: "r".into(),
            search_step: 0,
            docid: "d".into(),
        };
        j.set(
            neg.clone(),
            Some(LabelValue::Negative(NegativeLabel::ActuallyRelevant)),
        )
        .unwrap();
        j.set(
            LabelKey::Note {
                run_id: "r".into(),
                step: None,
            },
            Some(LabelValue::Note("odd run".into())),
        )
        .unwrap();
        // Undo the note, then the neg label: each revert is a record of its own.
        assert_eq!(j.undo_last().unwrap().unwrap()[0].1, None);
        assert_eq!(j.undo_last().unwrap().unwrap(), vec![(neg, None)]);
        // Then the browse(1) change back to not_relevant.
        assert_eq!(j.undo_last().unwrap().unwrap()[0].1, REJECT);
    }
    let (mut j, report) = Journal::open(dir.path()).unwrap();
    assert_eq!(report.records, 8);
    assert!(report.problems.is_empty());
    assert_eq!(j.get(&browse(1)), REJECT.as_ref());
    assert_eq!(j.len(), 2);
    j.compact().unwrap();
    drop(j);
    let (j, report) = Journal::open(dir.path()).unwrap();
    assert_eq!(report.records, 2);
    assert_eq!(j.get(&browse(2)), REJECT.as_ref());
    let text = std::fs::read_to_string(dir.path().join("labels.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn torn_and_damaged_records_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut j, _) = Journal::open(dir.path()).unwrap();
        for s in 0..3 {
            j.set(browse(s), REJECT).unwrap();
        }
    }
    let path = dir.path().join("labels.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[1] = lines[1].replace("\"step\":1", "\"step\":9");
    let torn = &lines[2].clone()[..20];
    std::fs::write(
        &path,
        format!("{}\n{}\n{}\n{}", lines[0], lines[1], lines[2], torn),
    )
    .unwrap();
    let (mut j, report) = Journal::open(dir.path()).unwrap();
    assert_eq!(report.records, 2);
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert!(
        report.problems[0].contains("labels.jsonl:2: checksum mismatch"),
        "{:?}",
        report.problems
    );
    assert!(
        report.problems[1].contains("labels.jsonl:4: torn last record"),
        "{:?}",
        report.problems
    );
    // Writing after a torn record starts on a clean line.
    j.set(browse(7), REJECT).unwrap();
    drop(j);
    let (j, report) = Journal::open(dir.path()).unwrap();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(j.get(&browse(7)), REJECT.as_ref());
}

#[test]
fn a_second_process_gets_the_labels_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut first, _) = Journal::open(dir.path()).unwrap();
    first.set(browse(1), REJECT).unwrap();
    let (mut second, report) = Journal::open(dir.path()).unwrap();
    assert!(report.read_only.unwrap().contains("another lrat process"));
    assert_eq!(second.get(&browse(1)), REJECT.as_ref());
    let err = second.set(browse(2), REJECT).unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    drop(first);
    let (mut third, report) = Journal::open(dir.path()).unwrap();
    assert!(report.read_only.is_none());
    third.set(browse(2), REJECT).unwrap();
}

#[test]
fn human_beats_judge_beats_default() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path()).unwrap();
    j.set(browse(1), Some(LabelValue::Verdict(Verdict::Relevant)))
        .unwrap();
    let mut judge = Verdicts::default();
    judge.insert("r", 1, Verdict::NotRelevant);
    judge.insert("r", 2, Verdict::NotRelevant);
    let mut e = Effective::new(Some(&judge), Some(&j));
    assert_eq!(e.verdict("r", 1), (Some(Verdict::Relevant), Source::Human));
    assert_eq!(
        e.verdict("r", 2),
        (Some(Verdict::NotRelevant), Source::Judge)
    );
    // With a judge, a browse it has no verdict for is unjudged, not relevant …
    assert_eq!(e.verdict("r", 3), (None, Source::Unjudged));
    // … unless the naive reading is asked for; without a judge every browse is relevant.
    e.unjudged = Unjudged::Relevant;
    assert_eq!(
        e.verdict("r", 3),
        (Some(Verdict::Relevant), Source::Default)
    );
    let no_judge = Effective::new(None, Some(&j));
    assert_eq!(
        no_judge.verdict("r", 3),
        (Some(Verdict::Relevant), Source::Default)
    );
    let merged = e.merged_verdicts();
    assert_eq!(merged.get("r", 1), Some(Verdict::Relevant));
    assert_eq!(merged.get("r", 2), Some(Verdict::NotRelevant));
}

/// The writer half of the crash test: runs only when the parent re-executes this binary.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var("LRAT_CRASH_DIR") else {
        return;
    };
    let (mut j, report) = Journal::open(std::path::Path::new(&dir)).unwrap();
    assert!(report.read_only.is_none());
    let start = j.len();
    let out = std::io::stdout();
    for i in start.. {
        j.set(
            browse(i),
            Some(LabelValue::Verdict(if i % 2 == 0 {
                Verdict::Relevant
            } else {
                Verdict::NotRelevant
            })),
        )
        .unwrap();
        let mut o = out.lock();
        writeln!(o, "ack {i}").unwrap();
        o.flush().unwrap();
    }
}

#[test]
fn acknowledged_labels_survive_sigkill() {
    let rounds: usize = std::env::var("LRAT_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut acked: Vec<usize> = Vec::new();
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut torn_seen = 0;
    for _ in 0..rounds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "labels::crash_child",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env("LRAT_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first, first_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line
                    .strip_prefix("ack ")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    got.push(n);
                    if got.len() == 1 {
                        let _ = first.send(());
                    }
                }
            }
            got
        });
        // Kill mid-write: once the writer has acknowledged a label (however loaded the machine
        // is), after a random moment more.
        let _ = first_rx.recv_timeout(Duration::from_secs(30));
        std::thread::sleep(Duration::from_micros(seed % 8_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        acked.extend(reader.join().unwrap());
        let (j, report) = Journal::open(dir.path()).unwrap();
        torn_seen += report
            .problems
            .iter()
            .filter(|p| p.contains("torn"))
            .count();
        assert!(
            report.problems.iter().all(|p| p.contains("torn")),
            "only a torn last record is acceptable: {:?}",
            report.problems
        );
        for &i in &acked {
            let want = if i % 2 == 0 {
                Verdict::Relevant
            } else {
                Verdict::NotRelevant
            };
            assert_eq!(
                j.get(&browse(i)),
                Some(&LabelValue::Verdict(want)),
                "acknowledged label {i} lost"
            );
        }
    }
    assert!(
        acked.len() >= rounds,
        "the writer got going: {} acks in {rounds} rounds",
        acked.len()
    );
    eprintln!(
        "{rounds} kills, {} labels acknowledged and kept, {torn_seen} torn records cut off",
        acked.len()
    );
}

fn lrat(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn labels_commands_and_mining_with_human_labels() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    // A workspace of our own: the sample copied, so its labels live in work/.lrat.
    std::fs::create_dir_all(work.join("runs")).unwrap();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workspace");
    for e in std::fs::read_dir(sample.join("runs")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, work.join("runs").join(p.file_name().unwrap())).unwrap();
    }
    std::fs::copy(sample.join("corpus.jsonl"), work.join("corpus.jsonl")).unwrap();
    let w = work.to_str().unwrap();
    let labels = work.join(".lrat");
    let l = labels.to_str().unwrap();
    let judged = dir.path().join("judge.jsonl");
    let (ok, _, err) = lrat(&["judge", w, "--out", judged.to_str().unwrap()]);
    assert!(ok, "{err}");
    // A human disagrees with the judge on one browse and agrees on another.
    let human = dir.path().join("human.jsonl");
    std::fs::write(
        &human,
        "{\"run_id\": \"s2\", \"step\": 2, \"verdict\": \"relevant\"}\n{\"run_id\": \"s1\", \"step\": 3, \"verdict\": \"relevant\"}\n",
    )
    .unwrap();
    let (ok, _, err) = lrat(&["labels", "--labels", l, "import", human.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("imported 2 verdicts"), "{err}");
    let (ok, out, err) = lrat(&["labels", "--labels", l, "stats", judged.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("n=2  accuracy 0.500"), "{out}");
    let exported = dir.path().join("exported.jsonl");
    let (ok, _, _) = lrat(&[
        "labels",
        "--labels",
        l,
        "export",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(ok);
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap().lines().count(),
        2
    );
    // Mining picks the labels up from .lrat beside the data: the human's `relevant` beats the
    // judge's `not_relevant` for s2 step 2.
    let pairs = dir.path().join("p.jsonl");
    let (ok, _, err) = lrat(&[
        "mine",
        w,
        "--verdicts",
        judged.to_str().unwrap(),
        "--out",
        pairs.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("2 human labels"), "{err}");
    let rows = std::fs::read_to_string(&pairs).unwrap();
    assert!(
        rows.contains("\"run_id\":\"s2\",\"browse_step\":2,"),
        "{rows}"
    );
    // Excluding a negative removes it from that pair.
    let before: serde_json::Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    let victim = before["neg_id"][0].as_str().unwrap().to_string();
    {
        let (mut j, _) = Journal::open(&labels).unwrap();
        j.set(
            LabelKey::Negative {
                run_id: before["run_id"].as_str().unwrap().into(),
                search_step: before["search_step"].as_u64().unwrap() as usize,
                docid: victim.clone(),
            },
            Some(LabelValue::Negative(NegativeLabel::Exclude)),
        )
        .unwrap();
    }
    let (ok, _, err) = lrat(&[
        "mine",
        w,
        "--verdicts",
        judged.to_str().unwrap(),
        "--out",
        pairs.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let after: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&pairs)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(
        !after["neg_id"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| *d == victim.as_str()),
        "{before}\n{after}"
    );
    assert_eq!(
        after["neg_id"].as_array().unwrap().len() + 1,
        before["neg_id"].as_array().unwrap().len()
    );
    assert!(err.contains("negatives left out by labels  1"), "{err}");
    let (ok, _, err) = lrat(&["labels", "--labels", l, "compact"]);
    assert!(ok && err.contains("to 3 labels"), "{err}");
}

/// A bulk change is one transaction: undone by one undo, redone by one redo, and after a crash
/// that wrote only part of it, not applied at all (and reported).
#[test]
fn a_bulk_change_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let reject = Some(LabelValue::Verdict(Verdict::NotRelevant));
    {
        let (mut j, _) = Journal::open(dir.path()).unwrap();
        j.set(browse(9), reject.clone()).unwrap();
        j.set_all((1..=3).map(|s| (browse(s), reject.clone())).collect())
            .unwrap();
        assert_eq!(j.labels().len(), 4);
        let undone = j.undo_last().unwrap().unwrap();
        assert_eq!(undone.len(), 3);
        assert_eq!(j.labels().len(), 1, "the single label before it stays");
        let redone = j.redo_last().unwrap().unwrap();
        assert_eq!(redone.len(), 3);
        assert_eq!(j.labels().len(), 4);
        assert!(j.redo_last().unwrap().is_none());
        // A new change after an undo clears what could be redone.
        j.undo_last().unwrap();
        j.set(browse(5), reject.clone()).unwrap();
        assert!(j.redo_last().unwrap().is_none());
        j.undo_last().unwrap();
        j.set_all((1..=3).map(|s| (browse(s), reject.clone())).collect())
            .unwrap();
    }
    // A crash after two of the last change's three lines reached the disk.
    let path = dir.path().join("labels.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&path, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let (j, report) = Journal::open(dir.path()).unwrap();
    assert_eq!(j.labels().len(), 1, "{:?}", j.labels());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("a change of 3 labels written only in part")),
        "{:?}",
        report.problems
    );
}
