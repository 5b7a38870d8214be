//! The closed loop: a retriever goes back to the simulated agent, which re-runs questions of the
//! same world with it, and is measured as the paper measures it (success, evidence recall,
//! search calls). The ablation and the Train screen both re-run questions through here.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::qrels::Qrels;
use crate::retriever::Choice;
use crate::run::{self, ReadOptions, Run};
use crate::stats::agent::{AgentFigures, served_by};
use crate::synth::{self, Questions, Settings};

/// Re-runs `questions` of the world `world` describes with `choice` serving the agent; the runs
/// go to `dir` (replaced), document embeddings are kept in `embeddings`. Returns the figures
/// `lrat stats` gives those runs, named `system`.
pub fn rerun(
    world: &Settings,
    questions: &Questions,
    system: &str,
    choice: &Choice,
    dir: &Path,
    embeddings: &Path,
) -> Result<AgentFigures> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let plan = synth::Plan {
        docs: world.docs,
        seed: world.seed,
        knobs: world.knobs,
        questions: questions.clone(),
        retriever: choice.clone(),
        embeddings: Some(embeddings.to_path_buf()),
    };
    synth::generate_with(dir, &plan, &mut |_, _| {})?;
    measure(dir, system)
}

/// The figures of the runs in workspace `dir`, against its `qrels.txt`.
pub fn measure(dir: &Path, system: &str) -> Result<AgentFigures> {
    let loaded = run::load(&[dir.join("runs")], &ReadOptions::default())?;
    let (qrels, _) = Qrels::read(&dir.join("qrels.txt"))?;
    let stats: Vec<crate::stats::RunStats> = loaded
        .runs
        .iter()
        .map(|r| crate::stats::run_stats(r, Some(&qrels)))
        .collect();
    Ok(AgentFigures::of(system, served_by(&loaded.runs), &stats))
}

/// The simulated workspace runs come from: the nearest folder above a run file that holds the
/// `synth.json` lrat synth writes.
pub fn workspace_of(runs: &[Run]) -> Option<PathBuf> {
    runs.iter().find_map(|r| {
        r.source
            .path
            .ancestors()
            .skip(1)
            .find(|d| d.join(Settings::FILE).is_file())
            .map(Path::to_path_buf)
    })
}

/// A file or folder name for a system's name (`+ filter + weights` → `filter-weights`).
pub fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A trained model measured in the loop on the runs its training held out: BM25, the model it
/// started from and the trained model each serve the agent on those questions of the workspace's
/// world. `progress` hears each system's figures as they come.
pub fn held_out(
    workspace: &Path,
    model: &Path,
    progress: &mut dyn FnMut(&AgentFigures),
) -> Result<Vec<AgentFigures>> {
    let world = Settings::read(workspace)?.ok_or_else(|| Error::Folder {
        path: workspace.to_path_buf(),
        message:
            "not a simulated workspace (no synth.json): the closed loop re-runs lrat synth's agent"
                .into(),
    })?;
    let state = crate::train::worker::TrainerState::read(model)?.ok_or_else(|| Error::Folder {
        path: model.to_path_buf(),
        message: "no trainer_state.json: not a finished training run".into(),
    })?;
    let mut numbers: Vec<usize> = state
        .held_out_runs
        .iter()
        .filter_map(|r| synth::world::question_number(r))
        .collect();
    numbers.sort_unstable();
    if numbers.is_empty() {
        return Err(Error::Folder {
            path: model.to_path_buf(),
            message: "its training held out no simulated runs to re-run".into(),
        });
    }
    let mut systems = vec![("BM25".to_string(), Choice::Bm25)];
    let base = PathBuf::from(&state.model);
    if base.join("config.json").is_file() {
        systems.push(("base model".to_string(), Choice::Model(base)));
    }
    systems.push(("trained".to_string(), Choice::Model(model.to_path_buf())));
    let root = model.join("closed-loop");
    let mut out = Vec::new();
    for (name, choice) in systems {
        let f = rerun(
            &world,
            &Questions::List(numbers.clone()),
            &name,
            &choice,
            &root.join(slug(&name)),
            &root.join("embeddings"),
        )?;
        progress(&f);
        out.push(f);
    }
    Ok(out)
}
