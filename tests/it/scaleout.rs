//! The scale-out trainer (`assets/python/lrat_train.py`, sentence-transformers + torch): its own tests
//! (the loss by hand, gradient caching against the full batch, two processes against one, the
//! weights against weights of 1), then the path a user takes: `lrat mine --format st`, two
//! processes under torchrun, and `lrat eval` reading the folder it writes. Needs a Python with
//! `assets/python/requirements.txt` installed, named by `LRAT_PYTHON` (`.ci/run` makes one).

use std::process::Command;

fn check(out: std::process::Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_trainers_own_tests_pass() {
    let Some(python) = crate::python() else {
        return;
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(format!("{root}/tests/python/test_lrat_train.py"))
        .current_dir(root)
        .env("OMP_NUM_THREADS", "1")
        .output()
        .unwrap();
    check(out, "pytest tests/python/test_lrat_train.py");
}

#[test]
fn mined_pairs_train_under_torchrun_into_a_folder_lrat_evaluates() {
    let Some(python) = crate::python() else {
        return;
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let ws = crate::sample_copy();
    let d = ws.path().to_str().unwrap();
    let model = format!("{d}/tiny");
    check(
        Command::new(&python)
            .arg(format!("{root}/tests/python/tiny_model.py"))
            .arg(&model)
            .output()
            .unwrap(),
        "tiny_model.py",
    );
    let st = format!("{d}/st.jsonl");
    let (code, _, err) = crate::lrat_env(
        &[
            "mine",
            d,
            "--format",
            "st",
            "--st-negatives",
            "1",
            "--out",
            &st,
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rows = std::fs::read_to_string(&st).unwrap().lines().count();
    assert!(rows >= 4, "{rows} rows");
    let out = format!("{d}/trained");
    let stdout = check(
        Command::new(&python)
            .args([
                "-m",
                "torch.distributed.run",
                "--standalone",
                "--nproc_per_node=2",
            ])
            .arg(format!("{root}/assets/python/lrat_train.py"))
            .args(["--data", &st, "--model", &model, "--out", &out])
            .args(["--batch-size", "2", "--max-steps", "2", "--lr", "1e-3"])
            .env("OMP_NUM_THREADS", "1")
            .output()
            .unwrap(),
        "torchrun lrat_train.py",
    );
    let losses: Vec<f64> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["loss"].as_f64())
        .collect();
    assert_eq!(losses.len(), 2, "{stdout}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{out}/lrat_train.json")).unwrap())
            .unwrap();
    assert_eq!(meta["processes"], 2);
    assert_eq!(meta["steps"], 2);
    let (code, stdout, err) = crate::lrat_env(&["eval", d, "--model", &out], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("pooling: mean (the folder's sentence-transformers pooling)"),
        "{err}"
    );
    assert!(
        stdout.contains("MRR@10") && stdout.contains("trained"),
        "{stdout}"
    );
}
