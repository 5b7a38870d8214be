//! `--model scratch`: a small BERT with random weights and a WordPiece vocabulary trained on
//! the corpus, for when no pretrained model is at hand. Deterministic for a seed.

use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;

use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{AddedToken, Tokenizer};
use tokenizers::{
    NormalizedString, Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
};

use super::bert::{Bert, BertConfig};
use super::encoder::{AssembleParts, Encoder, MaxLengths, Pooling, Prefixes};
use crate::error::{Error, Result};
use crate::rng::Rng;

/// The shape of a scratch model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScratchShape {
    pub layers: usize,
    pub hidden: usize,
    pub heads: usize,
    pub vocab: usize,
}

impl Default for ScratchShape {
    fn default() -> Self {
        ScratchShape {
            layers: 2,
            hidden: 128,
            heads: 4,
            vocab: 8000,
        }
    }
}

const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

fn err(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::Tokenizer {
        path: PathBuf::from("(scratch vocabulary)"),
        source: e.into(),
    }
}

/// A BERT-style WordPiece tokenizer whose vocabulary is learned from `texts`: the special
/// tokens, every character seen (alone and as a `##` continuation), then the most frequent words
/// (seen at least twice; ties by the word) up to `vocab`. Unlike the tokenizers crate's trainer,
/// whose merges break ties in hash-map order, the result depends only on the texts.
pub fn train_tokenizer<'a>(
    texts: impl Iterator<Item = &'a str> + Send,
    vocab: usize,
) -> Result<Tokenizer> {
    let normalizer = BertNormalizer::default();
    let mut counts: HashMap<String, u64> = HashMap::new();
    for t in texts {
        let mut n = NormalizedString::from(t);
        normalizer.normalize(&mut n).map_err(err)?;
        let mut pre = PreTokenizedString::from(n.get());
        BertPreTokenizer.pre_tokenize(&mut pre).map_err(err)?;
        for (word, _, _) in pre.get_splits(OffsetReferential::Original, OffsetType::Char) {
            *counts.entry(word.to_string()).or_default() += 1;
        }
    }
    let chars: BTreeSet<char> = counts.keys().flat_map(|w| w.chars()).collect();
    let mut tokens: Vec<String> = SPECIALS.iter().map(|s| s.to_string()).collect();
    tokens.extend(chars.iter().map(|c| c.to_string()));
    tokens.extend(chars.iter().map(|c| format!("##{c}")));
    let mut words: Vec<(&String, &u64)> = counts
        .iter()
        .filter(|(w, n)| **n >= 2 && w.chars().count() > 1)
        .collect();
    words.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let room = vocab.saturating_sub(tokens.len());
    tokens.extend(words.into_iter().take(room).map(|(w, _)| w.clone()));
    let model = WordPiece::builder()
        .vocab(
            tokens
                .into_iter()
                .enumerate()
                .map(|(i, t)| (t, i as u32))
                .collect::<ahash::AHashMap<String, u32>>(),
        )
        .unk_token("[UNK]".into())
        .build()
        .map_err(err)?;
    let mut tok = Tokenizer::new(model);
    tok.with_normalizer(Some(normalizer)).map_err(err)?;
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    tok.with_decoder(Some(WordPieceDecoder::default()));
    let specials: Vec<AddedToken> = SPECIALS
        .iter()
        .map(|s| AddedToken::from(*s, true))
        .collect();
    tok.add_special_tokens(specials).map_err(err)?;
    let id = |t: &str| {
        tok.token_to_id(t)
            .ok_or_else(|| err(format!("{t} missing")))
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    tok.with_post_processor(Some(BertProcessing::new(
        ("[SEP]".into(), sep),
        ("[CLS]".into(), cls),
    )));
    Ok(tok)
}

/// A new model: vocabulary from `texts`, weights N(0, 0.02) from `seed` (layer norms 1 and 0,
/// biases 0), as BERT initialises them.
pub fn build<'a>(
    texts: impl Iterator<Item = &'a str> + Send,
    shape: ScratchShape,
    max: MaxLengths,
    seed: u64,
    device: &Device,
) -> Result<Encoder> {
    let tokenizer = train_tokenizer(texts, shape.vocab)?;
    let positions = max.query.max(max.passage).max(64);
    let config_json = json!({
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": tokenizer.get_vocab_size(true),
        "hidden_size": shape.hidden,
        "num_hidden_layers": shape.layers,
        "num_attention_heads": shape.heads,
        "intermediate_size": shape.hidden * 4,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": positions,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "position_embedding_type": "absolute"
    });
    let config: BertConfig = serde_json::from_value(config_json.clone())?;
    let varmap = VarMap::new();
    let bert = Bert::load(
        VarBuilder::from_varmap(&varmap, DType::F32, device),
        &config,
    )?;
    initialise(&varmap, seed, device)?;
    Encoder::assemble(AssembleParts {
        bert,
        varmap,
        tokenizer,
        tok_path: PathBuf::from("(scratch vocabulary)"),
        pooling: (Pooling::Mean, "a scratch model".into()),
        prefixes: Prefixes::default(),
        max,
        config_json,
        device: device.clone(),
        origin: "scratch".into(),
    })
}

fn initialise(varmap: &VarMap, seed: u64, device: &Device) -> Result<()> {
    let data = varmap
        .data()
        .lock()
        .map_err(|_| Error::Model(crate::error::ModelError::Poisoned))?;
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    let root = Rng::new(seed);
    for (i, name) in names.into_iter().enumerate() {
        let var = &data[name];
        let shape = var.shape().clone();
        let n = shape.elem_count();
        let values: Vec<f32> = if name.ends_with("LayerNorm.weight") {
            vec![1.0; n]
        } else if name.ends_with(".bias") {
            vec![0.0; n]
        } else {
            let mut r = root.fork(i as u64);
            (0..n).map(|_| (r.normal() * 0.02) as f32).collect()
        };
        var.set(&Tensor::from_vec(values, shape, device)?)?;
    }
    Ok(())
}
