//! The integration test binary: one module a capability.
#![allow(clippy::unwrap_used)]

mod cli;
mod compare;
mod consumers;
mod corpus;
mod evaluation;
mod export;
mod find;
mod formats;
mod hostile;
mod hub;
mod judge;
mod labels;
mod layers;
mod mine;
mod minilm;
mod readers;
mod review;
mod scaleout;
mod serve;
mod server;
mod stats;
mod supervision;
mod synth;
mod tokens;
mod train;
mod training;
mod tui;

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

/// A private copy of the hand-made workspace `tests/fixtures/workspace/`, for tests that write beside the data (indexes,
/// labels) and must not touch the repository or race each other.
pub fn sample_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workspace");
    copy_dir(&src, dir.path());
    dir
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') || name.to_string_lossy().ends_with(".index") {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// The Python that `.ci/run` makes (`LRAT_PYTHON`, with `assets/python/requirements.txt`), or
/// `None` after saying the test skipped.
pub fn python() -> Option<String> {
    match std::env::var("LRAT_PYTHON") {
        Ok(p) => Some(p),
        Err(_) => {
            eprintln!("skipped: LRAT_PYTHON is not set (.ci/run sets it)");
            None
        }
    }
}

/// Runs the `lrat` binary with extra environment: (exit code, stdout, stderr).
pub fn lrat_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lrat"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
