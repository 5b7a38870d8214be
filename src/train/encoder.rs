//! The bi-encoder: one BERT for queries and passages, a tokenizer, pooling (mean or CLS),
//! optional query/passage prefixes, L2-normalised embeddings. Loads and saves Hugging Face /
//! sentence-transformers model folders.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, IndexOp, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use serde_json::{Value, json};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::bert::{Bert, BertConfig, l2_normalise, mean_pool};
use crate::error::{Error, Result};

/// How token states become one vector.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    Mean,
    Cls,
}

/// Which side of the retrieval a text is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Query,
    Passage,
}

/// Text placed before queries and passages (E5's `query: ` / `passage: `).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefixes {
    pub query: String,
    pub passage: String,
}

/// Longest inputs in tokens, special tokens included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxLengths {
    pub query: usize,
    pub passage: usize,
}

/// A trainable encoder with everything needed to save it back as a model folder.
pub struct Encoder {
    pub bert: Bert,
    pub varmap: VarMap,
    pub pooling: Pooling,
    /// Why this pooling (printed wherever a model is loaded).
    pub pooling_why: String,
    pub prefixes: Prefixes,
    pub max: MaxLengths,
    tokenizer: Tokenizer,
    query_tok: Tokenizer,
    passage_tok: Tokenizer,
    /// `config.json` as read (written back with the weights).
    pub config_json: Value,
    pub device: Device,
    /// Where the weights came from (a folder, or `scratch`).
    pub origin: String,
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Input(crate::error::InputError::from_json(path, 1, &e)))
}

fn tok_err(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Tokenizer {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

/// The pooling a model folder gets, and why: `--pooling` when given; else the folder's
/// sentence-transformers pooling module; else its family's convention — CLS for BGE models and
/// what FlagEmbedding trains from them (their config names `bge`), mean for the rest.
pub fn choose_pooling(
    dir: &Path,
    config_json: &Value,
    chosen: Option<Pooling>,
) -> Result<(Pooling, String)> {
    if let Some(p) = chosen {
        return Ok((p, "--pooling".into()));
    }
    if let Some(p) = read_pooling(dir)? {
        return Ok((p, "the folder's sentence-transformers pooling".into()));
    }
    let name = format!(
        "{} {}",
        config_json
            .get("_name_or_path")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    )
    .to_lowercase();
    Ok(if name.contains("bge") {
        (
            Pooling::Cls,
            "no pooling module; CLS, the convention of BGE models and their FlagEmbedding fine-tunes (--pooling to change)".into(),
        )
    } else {
        (
            Pooling::Mean,
            "no pooling module; mean, the convention outside the BGE family (--pooling to change)"
                .into(),
        )
    })
}

/// Reads the pooling mode of a sentence-transformers folder (`modules.json` → Pooling module,
/// else `1_Pooling/`); `None` when the folder has none.
fn read_pooling(dir: &Path) -> Result<Option<Pooling>> {
    let mut pool_dir = dir.join("1_Pooling");
    let modules = dir.join("modules.json");
    if modules.is_file()
        && let Some(list) = read_json(&modules)?.as_array()
    {
        for m in list {
            let ty = m.get("type").and_then(Value::as_str).unwrap_or_default();
            if ty.ends_with("Pooling")
                && let Some(p) = m.get("path").and_then(Value::as_str)
            {
                pool_dir = dir.join(p);
            }
        }
    }
    let cfg = pool_dir.join("config.json");
    if !cfg.is_file() {
        return Ok(None);
    }
    let v = read_json(&cfg)?;
    // sentence-transformers 6 writes `"pooling_mode": "mean"`; earlier versions one flag a mode.
    if let Some(mode) = v.get("pooling_mode").and_then(Value::as_str) {
        return match mode {
            "mean" | "mean_tokens" => Ok(Some(Pooling::Mean)),
            "cls" | "cls_token" => Ok(Some(Pooling::Cls)),
            other => Err(Error::Model(crate::error::ModelError::Unsupported {
                path: cfg.clone(),
                what: format!("pooling_mode {other:?}: only mean or CLS pooling is supported"),
            })),
        };
    }
    let on = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    match (on("pooling_mode_mean_tokens"), on("pooling_mode_cls_token")) {
        (true, _) => Ok(Some(Pooling::Mean)),
        (false, true) => Ok(Some(Pooling::Cls)),
        _ => Err(Error::Model(crate::error::ModelError::Unsupported {
            path: cfg.clone(),
            what: "only mean or CLS pooling is supported".into(),
        })),
    }
}

/// Prompts saved by sentence-transformers (`config_sentence_transformers.json`).
fn read_prefixes(dir: &Path) -> Result<Prefixes> {
    let p = dir.join("config_sentence_transformers.json");
    if !p.is_file() {
        return Ok(Prefixes::default());
    }
    let v = read_json(&p)?;
    let get = |k: &str| {
        v.get("prompts")
            .and_then(|x| x.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let passage = match get("passage") {
        p if p.is_empty() => get("document"),
        p => p,
    };
    Ok(Prefixes {
        query: get("query"),
        passage,
    })
}

fn side_tokenizer(base: &Tokenizer, max_len: usize, path: &Path) -> Result<Tokenizer> {
    let mut t = base.clone();
    t.with_truncation(Some(TruncationParams {
        max_length: max_len,
        ..Default::default()
    }))
    .map_err(|e| tok_err(path, e))?;
    let (pad_id, pad_token) = match base.get_padding() {
        Some(p) => (p.pad_id, p.pad_token.clone()),
        None => match base.token_to_id("[PAD]") {
            Some(id) => (id, "[PAD]".to_string()),
            None => (0, "[PAD]".to_string()),
        },
    };
    t.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        pad_id,
        pad_token,
        ..Default::default()
    }));
    Ok(t)
}

/// Float tensors as f32 variables; other dtypes (buffers such as `position_ids`) kept as they are.
fn into_varmap(tensors: HashMap<String, Tensor>) -> Result<VarMap> {
    let varmap = VarMap::new();
    {
        let mut data = varmap
            .data()
            .lock()
            .map_err(|_| Error::Model(crate::error::ModelError::Poisoned))?;
        for (name, t) in tensors {
            let t = if t.dtype().is_float() {
                t.to_dtype(DType::F32)?
            } else {
                t
            };
            data.insert(name, Var::from_tensor(&t)?);
        }
    }
    Ok(varmap)
}

impl Encoder {
    /// Loads a Hugging Face BERT folder (`config.json`, `model.safetensors`, `tokenizer.json`,
    /// optional sentence-transformers pooling and prompts).
    pub fn load(dir: &Path, max: MaxLengths, device: &Device) -> Result<Encoder> {
        Self::load_with(dir, max, device, None)
    }

    /// [`Encoder::load`] with the pooling chosen by the caller (`None`: see [`choose_pooling`]).
    pub fn load_with(
        dir: &Path,
        max: MaxLengths,
        device: &Device,
        pooling: Option<Pooling>,
    ) -> Result<Encoder> {
        // A training folder whose last checkpoint was interrupted while moving into place.
        super::checkpoint::settle(dir)?;
        let config_path = dir.join("config.json");
        let config_json = read_json(&config_path)?;
        let config: BertConfig = serde_json::from_value(config_json.clone()).map_err(|source| {
            Error::Model(crate::error::ModelError::Config {
                path: config_path.clone(),
                source,
            })
        })?;
        if let Some(t) = config_json.get("model_type").and_then(Value::as_str)
            && t != "bert"
        {
            return Err(Error::Model(crate::error::ModelError::Unsupported {
                path: config_path,
                what: format!("model_type `{t}` is not a BERT encoder"),
            }));
        }
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            return Err(Error::Model(crate::error::ModelError::Unsupported {
                path: weights,
                what: "missing (only safetensors weights are read)".into(),
            }));
        }
        let tensors = candle_core::safetensors::load(&weights, device)
            .map_err(|source| weights_err(&weights, source))?;
        let varmap = into_varmap(tensors)?;
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
        let bert = Bert::load(vb, &config).map_err(|source| weights_err(&weights, source))?;
        let tok_path = dir.join("tokenizer.json");
        let tokenizer = Tokenizer::from_file(&tok_path).map_err(|e| tok_err(&tok_path, e))?;
        Self::assemble(AssembleParts {
            bert,
            varmap,
            tokenizer,
            tok_path,
            pooling: choose_pooling(dir, &config_json, pooling)?,
            prefixes: read_prefixes(dir)?,
            max,
            config_json,
            device: device.clone(),
            origin: dir.display().to_string(),
        })
    }

    pub(crate) fn assemble(p: AssembleParts) -> Result<Encoder> {
        let limit = p.bert.config.max_position_embeddings;
        let max = MaxLengths {
            query: p.max.query.min(limit),
            passage: p.max.passage.min(limit),
        };
        let mut base = p.tokenizer;
        base.with_truncation(None)
            .map_err(|e| tok_err(&p.tok_path, e))?;
        Ok(Encoder {
            query_tok: side_tokenizer(&base, max.query, &p.tok_path)?,
            passage_tok: side_tokenizer(&base, max.passage, &p.tok_path)?,
            tokenizer: base,
            bert: p.bert,
            varmap: p.varmap,
            pooling: p.pooling.0,
            pooling_why: p.pooling.1,
            prefixes: p.prefixes,
            max,
            config_json: p.config_json,
            device: p.device,
            origin: p.origin,
        })
    }

    /// The embedding width.
    pub fn dim(&self) -> usize {
        self.bert.config.hidden_size
    }

    /// The tokenizer without truncation or padding.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Token ids and attention mask, [n, longest], for texts on one side.
    pub fn tokenize(&self, texts: &[&str], side: Side) -> Result<(Tensor, Tensor)> {
        let (tok, prefix) = match side {
            Side::Query => (&self.query_tok, &self.prefixes.query),
            Side::Passage => (&self.passage_tok, &self.prefixes.passage),
        };
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let enc = tok
            .encode_batch(inputs, true)
            .map_err(|e| tok_err(Path::new("tokenizer.json"), e))?;
        let n = enc.len();
        let t = enc.first().map(|e| e.get_ids().len()).unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(n * t);
        let mut mask = Vec::with_capacity(n * t);
        for e in &enc {
            ids.extend(
                e.get_ids()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0))
                    .take(t),
            );
            mask.extend(
                e.get_attention_mask()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0))
                    .take(t),
            );
        }
        Ok((
            Tensor::from_vec(ids, (n, t), &self.device)?,
            Tensor::from_vec(mask, (n, t), &self.device)?,
        ))
    }

    /// L2-normalised embeddings [n, dim], connected to the weights for training.
    pub fn embed(&self, texts: &[&str], side: Side) -> Result<Tensor> {
        self.embed_on(&self.bert, texts, side)
    }

    fn embed_on(&self, bert: &Bert, texts: &[&str], side: Side) -> Result<Tensor> {
        let (ids, mask) = self.tokenize(texts, side)?;
        let states = bert.forward(&ids, &mask)?;
        let pooled = match self.pooling {
            Pooling::Mean => mean_pool(&states, &mask)?,
            Pooling::Cls => l2_normalise(&states.i((.., 0))?.contiguous()?)?,
        };
        Ok(pooled)
    }

    /// The model on the variables' current values as plain tensors (shared, not copied): a
    /// forward pass through it records no graph, so its intermediates are freed as it goes.
    pub fn frozen(&self) -> Result<Bert> {
        let tensors: HashMap<String, Tensor> = {
            let data = self
                .varmap
                .data()
                .lock()
                .map_err(|_| Error::Model(crate::error::ModelError::Poisoned))?;
            data.iter()
                .map(|(k, v)| (k.clone(), v.as_tensor().detach()))
                .collect()
        };
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &self.device);
        Ok(Bert::load(vb, &self.bert.config)?)
    }

    /// Embeddings without a graph (for evaluation and gradient caching's first pass).
    pub fn embed_frozen(&self, bert: &Bert, texts: &[&str], side: Side) -> Result<Tensor> {
        self.embed_on(bert, texts, side)
    }

    /// Embeddings for many texts, `batch` at a time, as rows of a flat f32 buffer.
    pub fn encode(&self, texts: &[&str], side: Side, batch: usize) -> Result<Vec<f32>> {
        let bert = self.frozen()?;
        let mut out = Vec::with_capacity(texts.len() * self.dim());
        for chunk in texts.chunks(batch.max(1)) {
            let e = self.embed_on(&bert, chunk, side)?;
            out.extend(e.flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(out)
    }

    /// Writes a folder that both this crate and `SentenceTransformer(path)` load.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir.join("1_Pooling")).map_err(|e| Error::io(dir, e))?;
        let write = |name: &str, v: &Value| -> Result<()> {
            let p = dir.join(name);
            let text = serde_json::to_string_pretty(v)?;
            std::fs::write(&p, text).map_err(|e| Error::io(&p, e))
        };
        let weights = dir.join("model.safetensors");
        self.varmap
            .save(&weights)
            .map_err(|source| weights_err(&weights, source))?;
        write("config.json", &self.config_json)?;
        let tok = dir.join("tokenizer.json");
        self.tokenizer
            .save(&tok, false)
            .map_err(|e| tok_err(&tok, e))?;
        write(
            "modules.json",
            &json!([
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
            ]),
        )?;
        std::fs::create_dir_all(dir.join("2_Normalize")).map_err(|e| Error::io(dir, e))?;
        let mean = self.pooling == Pooling::Mean;
        write(
            "1_Pooling/config.json",
            &json!({
                "word_embedding_dimension": self.dim(),
                "pooling_mode_cls_token": !mean,
                "pooling_mode_mean_tokens": mean,
                "pooling_mode_max_tokens": false,
                "pooling_mode_mean_sqrt_len_tokens": false
            }),
        )?;
        write(
            "sentence_bert_config.json",
            &json!({"max_seq_length": self.max.passage, "do_lower_case": false}),
        )?;
        let mut prompts = serde_json::Map::new();
        if !self.prefixes.query.is_empty() {
            prompts.insert("query".into(), json!(self.prefixes.query));
        }
        if !self.prefixes.passage.is_empty() {
            prompts.insert("passage".into(), json!(self.prefixes.passage));
        }
        write(
            "config_sentence_transformers.json",
            &json!({"prompts": prompts, "default_prompt_name": null, "similarity_fn_name": "cosine"}),
        )?;
        Ok(())
    }

    /// Every trainable (float) variable by name, in name order.
    pub fn named_vars(&self) -> Result<Vec<(String, Var)>> {
        let data = self
            .varmap
            .data()
            .lock()
            .map_err(|_| Error::Model(crate::error::ModelError::Poisoned))?;
        let mut v: Vec<(String, Var)> = data
            .iter()
            .filter(|(_, v)| v.dtype().is_float())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(v)
    }
}

/// What [`Encoder::assemble`] puts together.
pub(crate) struct AssembleParts {
    pub bert: Bert,
    pub varmap: VarMap,
    pub tokenizer: Tokenizer,
    pub tok_path: PathBuf,
    pub pooling: (Pooling, String),
    pub prefixes: Prefixes,
    pub max: MaxLengths,
    pub config_json: Value,
    pub device: Device,
    pub origin: String,
}

/// A weights file that could not be read, built or written.
fn weights_err(path: &std::path::Path, source: candle_core::Error) -> Error {
    Error::Model(crate::error::ModelError::Weights {
        path: path.to_path_buf(),
        source,
    })
}
