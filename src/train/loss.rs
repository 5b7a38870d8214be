//! The intensity-weighted contrastive loss (§5.2): scores s = cos(q, d) / τ over every passage in
//! the batch (each query's positive and its G−1 negatives, and the other queries' passages),
//! ℓᵢ = −log softmax(sᵢ)[positive of i], L = Σ wᵢ ℓᵢ / Σ wᵢ. Passages that are not really
//! negatives for a query (its own positive again, or another positive of its own run) can be
//! masked out of its softmax, as if they were not in the batch.

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
    weighted_infonce_masked(q, p, group, tau, weights, &[])
}

/// [`weighted_infonce`] with `(query, passage)` entries left out of that query's softmax (a
/// query's own positive column can never be masked).
pub fn weighted_infonce_masked(
    q: &Tensor,
    p: &Tensor,
    group: usize,
    tau: f64,
    weights: &[f32],
    mask: &[(usize, usize)],
) -> Result<Tensor> {
    let (b, _) = q.dims2()?;
    let (n, _) = p.dims2()?;
    if n != b * group || weights.len() != b {
        candle_core::bail!(
            "loss: {b} queries, {n} passages, group {group}, {} weights do not fit",
            weights.len()
        );
    }
    let mut scores = (q.matmul(&p.t()?)? / tau)?;
    if !mask.is_empty() {
        // A large finite penalty rather than −∞: exp() of it is exactly 0 in f32, so the masked
        // passages take no probability and get no gradient, and no inf − inf can arise.
        let mut add = vec![0f32; b * n];
        for &(i, j) in mask {
            if i < b && j < n && j != i * group {
                add[i * n + j] = -1e9;
            }
        }
        scores = (scores + Tensor::from_vec(add, (b, n), q.device())?)?;
    }
    let log_probs = candle_nn::ops::log_softmax(&scores, D::Minus1)?;
    let targets: Vec<u32> = (0..b).map(|i| (i * group) as u32).collect();
    let targets = Tensor::from_vec(targets, (b, 1), q.device())?;
    let per_query = log_probs.gather(&targets, 1)?.squeeze(1)?.neg()?;
    let w = Tensor::from_slice(weights, b, q.device())?;
    let total: f32 = weights.iter().sum();
    (per_query * w)?.sum_all()? / f64::from(total)
}

/// What the loss needs besides the embeddings: the group size, the temperature, one weight a
/// query and the `(query, passage)` entries to mask.
#[derive(Debug, Clone, Copy)]
pub struct Contrast<'a> {
    pub group: usize,
    pub tau: f64,
    pub weights: &'a [f32],
    pub mask: &'a [(usize, usize)],
}

impl Contrast<'_> {
    /// The loss of `q` against `p`.
    pub fn loss(&self, q: &Tensor, p: &Tensor) -> Result<Tensor> {
        weighted_infonce_masked(q, p, self.group, self.tau, self.weights, self.mask)
    }
}
