//! The intensity-weighted contrastive loss (§5.2): scores s = cos(q, d) / τ over every passage in
//! the batch (each query's positive and its G−1 negatives, and the other queries' passages),
//! ℓᵢ = −log softmax(sᵢ)[positive of i], L = Σ wᵢ ℓᵢ / Σ wᵢ.

use candle_core::{D, Result, Tensor};

/// `q`: [B, dim] query embeddings; `p`: [B·G, dim] passage embeddings where rows
/// `i·G .. i·G+G` are query i's positive then its negatives; `weights`: one a query (all 1 for
/// the naive loss). Embeddings are expected L2-normalised, so q·p is the cosine.
pub fn weighted_infonce(
    q: &Tensor,
    p: &Tensor,
    group: usize,
    tau: f64,
    weights: &[f32],
) -> Result<Tensor> {
    let (b, _) = q.dims2()?;
    let (n, _) = p.dims2()?;
    if n != b * group || weights.len() != b {
        candle_core::bail!(
            "loss: {b} queries, {n} passages, group {group}, {} weights do not fit",
            weights.len()
        );
    }
    let scores = (q.matmul(&p.t()?)? / tau)?;
    let log_probs = candle_nn::ops::log_softmax(&scores, D::Minus1)?;
    let targets: Vec<u32> = (0..b).map(|i| (i * group) as u32).collect();
    let targets = Tensor::from_vec(targets, (b, 1), q.device())?;
    let per_query = log_probs.gather(&targets, 1)?.squeeze(1)?.neg()?;
    let w = Tensor::from_slice(weights, b, q.device())?;
    let total: f32 = weights.iter().sum();
    (per_query * w)?.sum_all()? / f64::from(total)
}
