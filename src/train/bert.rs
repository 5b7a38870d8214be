//! A BERT encoder whose every operation has a backward pass, so gradients reach every weight
//! (candle-nn's fused layer norm has none, which leaves candle-transformers' BERT untrainable):
//! candle's ops, and `fused` kernels for layer norm, GELU and the attention softmax.
//! Parameter names follow Hugging Face checkpoints.

use candle_core::{DType, Device, Module, Result, Tensor};

use super::fused;
use candle_nn::{Embedding, VarBuilder};
use serde::Deserialize;

/// The fields of a Hugging Face BERT `config.json` the encoder needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "eps")]
    pub layer_norm_eps: f64,
}

fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}

/// Layer normalisation over the last dimension, with a backward pass (`fused`).
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn load(size: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            weight: vb.get_with_hints(size, "weight", candle_nn::Init::Const(1.0))?,
            bias: vb.get_with_hints(size, "bias", candle_nn::Init::Const(0.0))?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        fused::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

/// A dense layer that multiplies the [batch·tokens, in] rows at once, its bias added in the
/// same pass (`fused::linear`). candle-nn's `Linear` broadcasts the weight over the batch
/// instead, so its backward pass makes one small matmul per sequence and sums a [batch, in, out]
/// gradient: several times slower.
struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    fn load(inp: usize, out: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            weight: vb.get_with_hints(
                (out, inp),
                "weight",
                candle_nn::init::DEFAULT_KAIMING_NORMAL,
            )?,
            bias: vb.get_with_hints(out, "bias", candle_nn::Init::Const(0.0))?,
        })
    }

    /// `x`: [rows, in].
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        fused::linear(x, &self.weight, &self.bias)
    }
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    out_norm: LayerNorm,
    heads: usize,
}

impl Layer {
    fn load(c: &BertConfig, vb: VarBuilder) -> Result<Self> {
        let h = c.hidden_size;
        let att = vb.pp("attention");
        Ok(Self {
            query: Linear::load(h, h, att.pp("self").pp("query"))?,
            key: Linear::load(h, h, att.pp("self").pp("key"))?,
            value: Linear::load(h, h, att.pp("self").pp("value"))?,
            attn_out: Linear::load(h, h, att.pp("output").pp("dense"))?,
            attn_norm: LayerNorm::load(h, c.layer_norm_eps, att.pp("output").pp("LayerNorm"))?,
            intermediate: Linear::load(h, c.intermediate_size, vb.pp("intermediate").pp("dense"))?,
            output: Linear::load(c.intermediate_size, h, vb.pp("output").pp("dense"))?,
            out_norm: LayerNorm::load(h, c.layer_norm_eps, vb.pp("output").pp("LayerNorm"))?,
            heads: c.num_attention_heads,
        })
    }

    /// `x`: [batch·tokens, hidden], sequences one after another; `mask`: additive,
    /// [batch, 1, 1, tokens].
    fn forward(&self, x: &Tensor, mask: &Tensor) -> Result<Tensor> {
        // Queries, keys and values by one product with the three weights stacked.
        let (q, k, v) = (&self.query, &self.key, &self.value);
        let weight = Tensor::cat(&[&q.weight, &k.weight, &v.weight], 0)?;
        let bias = Tensor::cat(&[&q.bias, &k.bias, &v.bias], 0)?;
        let ctx = fused::attention(&fused::linear(x, &weight, &bias)?, mask, self.heads)?;
        let x = self
            .attn_norm
            .forward(&(self.attn_out.forward(&ctx)? + x)?)?;
        let inner = fused::gelu(&self.intermediate.forward(&x)?)?;
        self.out_norm.forward(&(self.output.forward(&inner)? + x)?)
    }
}

/// The encoder: embeddings and transformer layers.
pub struct Bert {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    pub config: BertConfig,
}

impl Bert {
    /// Loads (or, from a fresh `VarMap`, creates) the weights under the usual names; a `bert.`
    /// prefix in the checkpoint is accepted.
    pub fn load(vb: VarBuilder, config: &BertConfig) -> Result<Self> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let e = vb.pp("embeddings");
        let h = config.hidden_size;
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(config, vb.pp("encoder").pp("layer").pp(i.to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            word: candle_nn::embedding(config.vocab_size, h, e.pp("word_embeddings"))?,
            position: candle_nn::embedding(
                config.max_position_embeddings,
                h,
                e.pp("position_embeddings"),
            )?,
            token_type: candle_nn::embedding(
                config.type_vocab_size,
                h,
                e.pp("token_type_embeddings"),
            )?,
            emb_norm: LayerNorm::load(h, config.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            config: config.clone(),
        })
    }

    /// Token states [batch, tokens, hidden] for ids and a 0/1 attention mask, both [batch, tokens].
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let device = ids.device();
        let positions = Tensor::arange(0u32, t as u32, device)?
            .unsqueeze(0)?
            .broadcast_as((b, t))?;
        let types = ids.zeros_like()?;
        let x = (self.word.forward(ids)? + self.position.forward(&positions)?)?;
        let x = self
            .emb_norm
            .forward(&(x + self.token_type.forward(&types)?)?)?;
        let additive = additive_mask(mask, x.dtype())?;
        // The layers work on [batch·tokens, hidden]: every dense layer multiplies the rows at
        // once, and no reshape (each a node of the backward pass) is needed between them.
        let h = self.config.hidden_size;
        let mut x = x.reshape((b * t, h))?;
        for layer in &self.layers {
            x = layer.forward(&x, &additive)?;
        }
        x.reshape((b, t, h))
    }
}

/// 0 where attended, the most negative float where padded: [batch, 1, 1, tokens].
fn additive_mask(mask: &Tensor, dtype: DType) -> Result<Tensor> {
    let m = mask.to_dtype(dtype)?.unsqueeze(1)?.unsqueeze(1)?;
    (m.ones_like()? - &m)?.affine(f64::from(f32::MIN), 0.0)
}

/// Mean over attended tokens, then L2-normalised: the sentence-transformers embedding.
pub fn mean_pool(states: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let m = mask.to_dtype(states.dtype())?.unsqueeze(2)?;
    let summed = states.broadcast_mul(&m)?.sum(1)?;
    let counts = m.sum(1)?.clamp(1e-9, f64::MAX)?;
    l2_normalise(&summed.broadcast_div(&counts)?)
}

/// Rows scaled to unit length: [n, dim].
pub fn l2_normalise(x: &Tensor) -> Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    x.broadcast_div(&norm)
}

/// The device named by `cpu` or `cuda:N` (the latter needs the `cuda` feature).
pub fn device(name: &str) -> Result<Device> {
    match name {
        "cpu" => Ok(Device::Cpu),
        other => match other
            .strip_prefix("cuda:")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => Device::new_cuda(n),
            None => candle_core::bail!("unknown device `{other}`: expected cpu or cuda:N"),
        },
    }
}
