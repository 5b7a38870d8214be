//! Configuration: the embedded defaults (`assets/config.toml`), a user file in the config folder,
//! then environment variables. Folders come from `directories`, overridable by `LRAT_CONFIG_DIR`
//! and `LRAT_CACHE_DIR`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;

pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");

/// The OpenAI-compatible judge's settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeConfig {
    pub url: String,
    pub model: String,
    pub temperature: f64,
    pub top_p: f64,
    pub max_tokens: u32,
    pub concurrency: usize,
    pub timeout_secs: u64,
    pub attempts: u32,
    pub backoff_ms: u64,
    pub backoff_max_ms: u64,
    /// Ask for the verdict token's log-probability.
    pub logprobs: bool,
    /// Answers sampled per browse when the server gives no log-probabilities.
    pub votes: u32,
}

/// A named LLM judge (`[judges.NAME]`): the settings it changes from `[judge]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeOverride {
    pub url: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: Option<u32>,
    pub concurrency: Option<usize>,
    pub timeout_secs: Option<u64>,
    pub attempts: Option<u32>,
    pub logprobs: Option<bool>,
    pub votes: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub judge: JudgeConfig,
    /// More LLM judges by name.
    #[serde(default)]
    pub judges: std::collections::BTreeMap<String, JudgeOverride>,
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "lrat")
}

/// Where the user's `config.toml` lives.
pub fn config_dir() -> PathBuf {
    std::env::var_os("LRAT_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs().map(|d| d.config_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".lrat-config"))
}

/// Where caches (the LLM judge's answers) live.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("LRAT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs().map(|d| d.cache_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".lrat-cache"))
}

/// One TOML table merged over another, key by key.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl Config {
    /// The settings of the LLM judge named `name` in `[judges]`: `[judge]`'s with its changes.
    pub fn named_judge(&self, name: &str) -> Option<JudgeConfig> {
        let o = self.judges.get(name)?;
        let mut c = self.judge.clone();
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = o.$f.clone() { c.$f = v; } )* };
        }
        take!(
            url,
            model,
            temperature,
            top_p,
            max_tokens,
            concurrency,
            timeout_secs,
            attempts,
            logprobs,
            votes
        );
        Some(c)
    }

    /// Defaults, then `config.toml` in [`config_dir`] if present, then the environment.
    pub fn load() -> Result<Config, Error> {
        Self::load_from(&config_dir().join("config.toml"))
    }

    pub fn load_from(user: &Path) -> Result<Config, Error> {
        let bad = |path: &Path, e: String| Error::Config {
            path: path.to_path_buf(),
            message: e,
        };
        let mut table: toml::Table = DEFAULT_CONFIG
            .parse()
            .map_err(|e: toml::de::Error| bad(Path::new("<built-in config>"), e.to_string()))?;
        if user.is_file() {
            let text = std::fs::read_to_string(user).map_err(|e| Error::io(user, e))?;
            let over: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| bad(user, e.to_string()))?;
            merge(&mut table, over);
        }
        let mut cfg: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| bad(user, e.to_string()))?;
        if let Ok(u) = std::env::var("LRAT_JUDGE_URL") {
            cfg.judge.url = u;
        }
        if let Ok(m) = std::env::var("LRAT_JUDGE_MODEL") {
            cfg.judge.model = m;
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_user_values_win() {
        let dir = std::env::temp_dir().join(format!("lrat-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("config.toml");
        std::fs::write(&f, "[judge]\nconcurrency = 3\n").unwrap();
        let c = Config::load_from(&f).unwrap();
        assert_eq!(c.judge.concurrency, 3);
        assert_eq!(c.judge.attempts, 5);
        std::fs::write(&f, "[judge]\nconcurency = 3\n").unwrap();
        assert!(
            Config::load_from(&f)
                .unwrap_err()
                .to_string()
                .contains("concurency")
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
