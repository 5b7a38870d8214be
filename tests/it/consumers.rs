//! Exports checked by their consumers' own readers: pandas reads the Parquet file with default
//! settings into the JSON lines' rows and shapes, and `datasets` (what sentence-transformers
//! trains from) reads the `st` file with every column in every row. Needs a Python with pandas,
//! pyarrow and datasets named by `LRAT_PYTHON` (`.ci/run` makes one).

use std::process::Command;

#[test]
fn pandas_and_datasets_read_the_exports() {
    let Ok(python) = std::env::var("LRAT_PYTHON") else {
        eprintln!("skipped: LRAT_PYTHON is not set (.ci/run sets it)");
        return;
    };
    let ws = crate::sample_copy();
    let dir = ws.path();
    let d = dir.to_str().unwrap();
    // Reference mode keeps rejected browses in the lrat schema and Parquet only.
    let (code, _, err) = crate::lrat_env(&["judge", d, "--out", &format!("{d}/v.jsonl")], &[]);
    assert_eq!(code, 0, "{err}");
    for (format, file) in [
        ("parquet", "pairs.parquet"),
        ("lrat", "pairs.jsonl"),
        ("st", "st.jsonl"),
    ] {
        let (code, _, err) = crate::lrat_env(
            &[
                "mine",
                d,
                "--mode",
                "reference",
                "--verdicts",
                &format!("{d}/v.jsonl"),
                "--format",
                format,
                "--st-negatives",
                "1",
                "--out",
                &format!("{d}/{file}"),
            ],
            &[],
        );
        assert_eq!(code, 0, "{format}: {err}");
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/check_exports.py");
    let out = Command::new(python).arg(script).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
