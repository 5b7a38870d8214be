//! Workspaces at scale: `lrat stats` and `lrat find` (the run index: first build, a re-open with
//! nothing changed, a re-open after one file changed, a query) on generated real-shaped runs —
//! wall time and peak memory of the commands users run, against the size of the runs.
//!
//! `cargo bench --bench workspace` (`LRAT_BENCH_MB`, default 600; data under
//! `target/bench-data/workspace-<MB>`, generated once).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

/// Runs the lrat binary to the end: (seconds, peak resident MB, stderr).
fn measure(args: &[&str]) -> (f64, f64, String) {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak: f64 = 0.0;
    // VmHWM only grows: the last reading before the process ends is its peak.
    loop {
        if let Some(p) = lrat::sys::peak_rss_mb_of(child.id()) {
            peak = peak.max(p);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let secs = t.elapsed().as_secs_f64();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        secs,
        peak,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

fn main() {
    let mb = std::env::var("LRAT_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600u64);
    let dir = common::data_dir(&format!("workspace-{mb}"));
    let (runs, _) = common::generate(&dir, mb << 20);
    let input_mb = size_of(&runs) as f64 / 1e6;
    let n = std::fs::read_dir(&runs).unwrap().count();
    let runs_s = runs.to_str().unwrap();
    let ix = dir.join("run-index");
    let _ = std::fs::remove_dir_all(&ix);
    let ix_s = ix.to_str().unwrap();
    println!("{n} runs, {input_mb:.0} MB");
    println!(
        "{:<44} {:>9} {:>10} {:>8}",
        "", "seconds", "peak MB", "× input"
    );
    let row = |what: &str, (s, p, _): &(f64, f64, String)| {
        println!("{what:<44} {s:>9.2} {p:>10.0} {:>8.3}", p / input_mb);
    };
    row("lrat stats", &measure(&["stats", runs_s]));
    let build = measure(&["find", runs_s, "physician", "--index", ix_s]);
    row("lrat find: building the run index", &build);
    let again = measure(&["find", runs_s, "physician", "--index", ix_s]);
    row("lrat find: re-open, nothing changed", &again);
    assert!(again.2.contains("0 files read"), "{}", again.2);
    let one = runs.join("0.json");
    let text = std::fs::read_to_string(&one).unwrap();
    std::fs::write(&one, text + " ").unwrap();
    let touched = measure(&["find", runs_s, "\"was a\" physician", "--index", ix_s]);
    row("lrat find: re-open after one file changed", &touched);
    assert!(touched.2.contains("1 file read"), "{}", touched.2);
    let index_mb = walk_size(&ix) as f64 / 1e6;
    println!(
        "run index on disk: {index_mb:.0} MB ({:.2}× the runs)",
        index_mb / input_mb
    );
}

fn walk_size(d: &Path) -> u64 {
    std::fs::read_dir(d)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk_size(&e.path())
            } else {
                e.metadata().unwrap().len()
            }
        })
        .sum()
}
