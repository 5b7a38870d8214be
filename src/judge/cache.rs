//! The LLM judge's on-disk cache: JSON lines `{key, verdict, rationale}` keyed by a hash of
//! (model, prompt template hash, prompt text), so a rerun asks the server nothing. Holds no key or
//! secret, only what the server answered.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::verdict::Verdict;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    pub verdict: Verdict,
    pub rationale: String,
    /// The probability of "relevant" the answer carried, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_relevant: Option<f64>,
}

pub struct Cache {
    path: PathBuf,
    entries: Mutex<HashMap<String, Entry>>,
    file: Mutex<File>,
}

impl Cache {
    /// Opens `dir/judge-cache.jsonl`; unreadable lines (a torn write) are skipped.
    pub fn open(dir: &Path) -> Result<Cache, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join("judge-cache.jsonl");
        let mut entries = HashMap::new();
        if let Ok(f) = File::open(&path) {
            for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
                if let Ok(e) = serde_json::from_str::<Entry>(&line) {
                    entries.insert(e.key.clone(), e);
                }
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok(Cache {
            path,
            entries: Mutex::new(entries),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub fn put(&self, entry: Entry) -> Result<(), Error> {
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        if let Ok(mut f) = self.file.lock() {
            f.write_all(line.as_bytes())
                .map_err(|e| Error::io(&self.path, e))?;
        }
        if let Ok(mut m) = self.entries.lock() {
            m.insert(entry.key.clone(), entry);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
