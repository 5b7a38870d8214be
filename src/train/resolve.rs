//! Where a model comes from: a folder; else the local Hugging Face cache; else a download from
//! the hub into that cache (the `hf-hub` crate). `scratch` builds a small model instead; with no `--model` at all,
//! the reference model is used when a cache holds it and a scratch model otherwise.

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

/// A folder lrat can load: config, weights and a `tokenizer.json` (a download that stopped
/// before the tokenizer is not one, and is fetched again).
fn is_model_folder(p: &Path) -> bool {
    ["config.json", "model.safetensors", "tokenizer.json"]
        .iter()
        .all(|f| p.join(f).is_file())
}

/// Where models are looked for and fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// Hugging Face hub caches, in order.
    pub caches: Vec<PathBuf>,
    /// Draw a download progress bar on stderr.
    pub progress: bool,
    /// The hub address.
    pub endpoint: String,
}

impl Places {
    /// From the environment: `HF_HUB_CACHE`, `HF_HOME`, `~/.cache/huggingface/hub`,
    /// `HF_ENDPOINT`; a progress bar when stderr is a terminal.
    pub fn from_env() -> Places {
        Places {
            caches: hf_caches(),
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            endpoint: std::env::var("HF_ENDPOINT")
                .unwrap_or_else(|_| "https://huggingface.co".into())
                .trim_end_matches('/')
                .to_string(),
        }
    }
}

/// A snapshot of `repo` in a hub cache (`models--owner--name/snapshots/REV`), `refs/main` first.
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
    None
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
                return Err(Error::Model(crate::error::ModelError::Unsupported {
                    path: p,
                    what: "not a model folder (no config.json); expected a Hugging Face folder \
                           with config.json, model.safetensors and tokenizer.json"
                        .into(),
                }));
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

/// The files a sentence-transformers folder is made of: (name, required).
const MODEL_FILES: [(&str, bool); 7] = [
    ("config.json", true),
    ("model.safetensors", true),
    ("tokenizer.json", true),
    ("modules.json", false),
    ("1_Pooling/config.json", false),
    ("config_sentence_transformers.json", false),
    ("sentence_bert_config.json", false),
];

/// Downloads a model's files into the first Hugging Face cache with the `hf-hub` crate (the
/// standard `models--owner--name/{blobs,snapshots,refs}` layout, resumed from a partial
/// `.part` blob) and checks each large file's SHA-256 against the hub's ETag. Returns the
/// snapshot folder; a clear error when offline or when a file is corrupt.
pub fn download(repo: &str, places: &Places) -> Result<PathBuf> {
    let offline = |why: String| {
        Error::Model(crate::error::ModelError::Unavailable {
            repo: repo.to_string(),
            why,
        })
    };
    let cache = places
        .caches
        .first()
        .cloned()
        .ok_or_else(|| offline("no Hugging Face cache folder to download into".into()))?;
    let api = hf_hub::api::sync::ApiBuilder::new()
        .with_cache_dir(cache)
        .with_endpoint(places.endpoint.clone())
        .with_progress(places.progress)
        .with_retries(3)
        .build()
        .map_err(|e| offline(e.to_string()))?;
    let model = api.model(repo.to_string());
    let mut snapshot = None;
    for (file, required) in MODEL_FILES {
        match model.get(file) {
            Ok(path) => {
                verify_blob(&path)?;
                if snapshot.is_none() {
                    snapshot = path
                        .ancestors()
                        .nth(file.split('/').count())
                        .map(Path::to_path_buf);
                }
            }
            Err(e) if required => return Err(offline(format!("{}: {e}", model.url(file)))),
            Err(_) => {}
        }
    }
    snapshot.ok_or_else(|| offline("no snapshot folder".into()))
}

/// A downloaded file whose blob is named by a SHA-256 (the hub's ETag for large files) must
/// hash to it; a corrupt blob and its snapshot link are removed so the next try downloads it
/// again.
fn verify_blob(path: &Path) -> Result<()> {
    use sha2::Digest;
    let blob = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    let Some(expected) = blob.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    let mut hasher = sha2::Sha256::new();
    let mut f = std::fs::File::open(&blob).map_err(|e| Error::io(&blob, e))?;
    std::io::copy(&mut f, &mut hasher).map_err(|e| Error::io(&blob, e))?;
    let got: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if got.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(&blob);
    Err(Error::Model(crate::error::ModelError::Unsupported {
        path: path.to_path_buf(),
        what: format!(
            "downloaded file is corrupt (SHA-256 {got}, the hub says {expected}); it was \
             removed, run again to download it afresh"
        ),
    }))
}
