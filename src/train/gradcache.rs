//! Gradient caching for the contrastive loss (Gao et al. 2021, "Scaling Deep Contrastive
//! Learning Batch Size under Memory Limited Setup"): embed every query and passage without
//! keeping the graph, take the loss's gradient with respect to those embeddings, then re-run the
//! encoder `chunk` texts at a time with its graph and back-propagate the cached gradients. The
//! parameter gradients equal the full batch's; memory holds one chunk's graph, not the batch's.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::encoder::{Encoder, Side};
use super::loss::Contrast;
use crate::error::{Error, Result};

/// The loss and the parameter gradients of one batch.
pub struct StepGrads {
    pub loss: f64,
    pub grads: GradStore,
}

/// One batch's loss and gradients. With `chunk` at least the number of passages, the whole batch
/// goes through the encoder with its graph (no second pass); below it, by gradient caching.
pub fn batch_grads(
    enc: &Encoder,
    queries: &[&str],
    passages: &[&str],
    contrast: &Contrast<'_>,
    chunk: usize,
) -> Result<StepGrads> {
    let chunk = chunk.max(1);
    if chunk >= passages.len() && chunk >= queries.len() {
        let q = enc.embed(queries, Side::Query)?;
        let p = enc.embed(passages, Side::Passage)?;
        let loss = contrast.loss(&q, &p)?;
        let value = f64::from(loss.to_scalar::<f32>()?);
        return Ok(StepGrads {
            loss: value,
            grads: loss.backward()?,
        });
    }
    // 1. Every embedding, with no graph.
    let frozen = enc.frozen()?;
    let embed_all = |texts: &[&str], side: Side| -> Result<Tensor> {
        let parts = texts
            .chunks(chunk)
            .map(|c| enc.embed_frozen(&frozen, c, side))
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor::cat(&parts, 0)?)
    };
    let q = Var::from_tensor(&embed_all(queries, Side::Query)?)?;
    let p = Var::from_tensor(&embed_all(passages, Side::Passage)?)?;
    // 2. The loss and its gradient with respect to the embeddings.
    let loss = contrast.loss(q.as_tensor(), p.as_tensor())?;
    let value = f64::from(loss.to_scalar::<f32>()?);
    let cached = loss.backward()?;
    let missing = || Error::Train(crate::error::TrainError::NoGradient { what: "embeddings" });
    let gq = cached.get(q.as_tensor()).ok_or_else(missing)?.clone();
    let gp = cached.get(p.as_tensor()).ok_or_else(missing)?.clone();
    drop(cached);
    // 3. Each chunk again with its graph; Σ e·g back-propagates the cached gradient.
    let vars = enc.named_vars()?;
    let mut total: Option<GradStore> = None;
    for (texts, grads, side) in [(queries, &gq, Side::Query), (passages, &gp, Side::Passage)] {
        for (i, c) in texts.chunks(chunk).enumerate() {
            let e = enc.embed(c, side)?;
            let g = grads.narrow(0, i * chunk, c.len())?;
            let surrogate = (e * g)?.sum_all()?;
            let part = surrogate.backward()?;
            let mut part = part;
            match total.as_mut() {
                Some(t) => {
                    for (_, v) in &vars {
                        if let Some(g) = part.remove(v.as_tensor()) {
                            let sum = match t.remove(v.as_tensor()) {
                                Some(old) => (old + g)?.detach(),
                                None => g.detach(),
                            };
                            t.insert(v.as_tensor(), sum);
                        }
                    }
                }
                None => {
                    for (_, v) in &vars {
                        if let Some(g) = part.remove(v.as_tensor()) {
                            part.insert(v.as_tensor(), g.detach());
                        }
                    }
                    total = Some(part)
                }
            }
        }
    }
    Ok(StepGrads {
        loss: value,
        grads: total.ok_or_else(missing)?,
    })
}

/// Bytes one token of one text costs while its graph is kept: with the fused kernels each layer
/// keeps 18 hidden-size vectors a token (measured: 19 for all-MiniLM-L6-v2 at 128 tokens), and
/// the backward pass briefly needs a few more; 24 are counted.
fn bytes_per_token(enc: &Encoder) -> usize {
    let c = &enc.bert.config;
    c.num_hidden_layers * c.hidden_size * 24 * 4
}

/// Memory a batch's graphs may take: a quarter of what is available now, at most 2 GiB.
fn budget() -> usize {
    crate::sys::available_bytes()
        .map(|a| a / 4)
        .unwrap_or(usize::MAX)
        .min(2 << 30)
}

/// The chunk (texts a forward pass with its graph) for batches of `batch` queries with `group`
/// passages each: the whole batch in one pass when its graph fits the budget (no second pass),
/// else as many of the longest texts as fit it; at least 1.
pub fn auto_chunk(enc: &Encoder, batch: usize, group: usize) -> usize {
    chunk_for(enc, batch, group, budget())
}

/// [`auto_chunk`] for a given budget in bytes.
pub fn chunk_for(enc: &Encoder, batch: usize, group: usize, budget: usize) -> usize {
    let per_token = bytes_per_token(enc).max(1);
    let passages = batch * group;
    let whole = per_token * (batch * enc.max.query + passages * enc.max.passage);
    if whole <= budget {
        return passages.max(batch).max(1);
    }
    // Below the batch's size, or the batch would take the one-pass path it does not fit.
    let len = enc.max.passage.max(enc.max.query).max(1);
    (budget / (per_token * len))
        .min(passages.max(batch).saturating_sub(1))
        .max(1)
}
