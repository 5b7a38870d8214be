//! Fused CPU kernels with their own backward passes for the encoder: a dense layer with its bias,
//! self-attention from one packed query/key/value tensor (scale, padding mask and softmax
//! inside), GELU and layer normalisation. Composed of candle's primitive ops, each of these writes
//! and keeps 2–9 tensors for the backward pass (attention: its heads' copies, scores and
//! probabilities), and as many more in it; fused, each is one pass forward and one backward, and
//! attention keeps only its input and output (its probabilities are recomputed in the backward
//! pass, as flash attention does). Off the CPU, or in a type other than f32, the same functions
//! compose candle ops instead (same maths).

use candle_core::backend::BackendStorage;
use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, D, DType, Layout, Result, Shape, Tensor,
};
use rayon::prelude::*;

/// Rows a parallel task takes at least, so small tensors are not split into tiny jobs.
const MIN_ROWS: usize = 16;
/// Elements a parallel task takes at least.
const MIN_ELEMS: usize = 1 << 14;

fn fusable(t: &Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == DType::F32
}

/// The f32 values a contiguous tensor's layout covers.
fn slice<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(v) = s else {
        candle_core::bail!("{what}: expected f32 data");
    };
    match l.contiguous_offsets() {
        Some((start, end)) => Ok(&v[start..end]),
        None => candle_core::bail!("{what}: expected a contiguous tensor"),
    }
}

/// A batch of matrix products through candle's CPU matmul, for operands given by storage and
/// layout: (batch, m, n, k) as candle names them; the result is contiguous [batch, m, n].
fn matmul(
    a: &CpuStorage,
    la: &Layout,
    b: &CpuStorage,
    lb: &Layout,
    bmnk: (usize, usize, usize, usize),
) -> Result<Vec<f32>> {
    match a.matmul(b, bmnk, la, lb)? {
        CpuStorage::F32(v) => Ok(v),
        _ => candle_core::bail!("fused matmul: expected f32 data"),
    }
}

/// A layout of `dims` with `stride`, from `offset`.
fn view(dims: (usize, usize, usize), stride: [usize; 3], offset: usize) -> Layout {
    Layout::new(Shape::from(dims), stride.to_vec(), offset)
}

/// x·Wᵀ + b for x `[rows, in]`, W `[out, in]`, b `[out]`.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
    if fusable(x) && fusable(w) {
        x.contiguous()?
            .apply_op3(&w.contiguous()?, &b.contiguous()?, Linear)
    } else {
        x.matmul(&w.t()?)?.broadcast_add(b)
    }
}

struct Linear;

impl CustomOp3 for Linear {
    fn name(&self) -> &'static str {
        "fused-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (rows, inp) = l1.shape().dims2()?;
        let (out, inp_w) = l2.shape().dims2()?;
        let bias = slice(s3, l3, self.name())?;
        if inp != inp_w || bias.len() != out {
            candle_core::bail!("{}: input, weight and bias disagree", self.name());
        }
        let mut y = matmul(s1, l1, s2, &l2.transpose(0, 1)?, (1, rows, out, inp))?;
        y.par_chunks_mut(out)
            .with_min_len(MIN_ROWS)
            .for_each(|row| row.iter_mut().zip(bias).for_each(|(y, b)| *y += b));
        Ok((CpuStorage::F32(y), Shape::from((rows, out))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        // Detached, so the gradients do not hold on to the forward graph.
        let (x, w, g) = (x.detach(), w.detach(), grad.detach());
        let dx = g.matmul(&w)?;
        let dw = g.t()?.matmul(&x)?;
        // The bias gradient as a product with a row of ones: candle's sum over the first
        // dimension walks the gradient column by column.
        let ones = Tensor::ones((1, g.dim(0)?), g.dtype(), g.device())?;
        let db = ones.matmul(&g)?.squeeze(0)?;
        Ok((Some(dx), Some(dw), Some(db)))
    }
}

/// Multi-head self-attention: `qkv` [batch·t, 3·hidden] (queries, keys, values side by side,
/// sequences one after another), `mask` additive [batch, 1, 1, t]; the context
/// [batch·t, hidden], heads side by side.
pub fn attention(qkv: &Tensor, mask: &Tensor, heads: usize) -> Result<Tensor> {
    let (_, h3) = qkv.dims2()?;
    let hd = h3 / 3 / heads.max(1);
    let scale = 1.0 / (hd as f64).sqrt();
    if fusable(qkv) && mask.dtype() == DType::F32 {
        qkv.contiguous()?.apply_op1(Attention {
            heads,
            t: mask.dim(D::Minus1)?,
            scale: scale as f32,
            mask: mask.flatten_all()?.to_vec1()?,
        })
    } else {
        attention_composed(qkv, mask, heads, scale)
    }
}

fn attention_composed(qkv: &Tensor, mask: &Tensor, heads: usize, scale: f64) -> Result<Tensor> {
    let (rows, h3) = qkv.dims2()?;
    let t = mask.dim(D::Minus1)?;
    let b = rows / t.max(1);
    let h = h3 / 3;
    let hd = h / heads;
    let qkv = qkv.reshape((b, t, h3))?;
    let split = |i: usize| -> Result<Tensor> {
        qkv.narrow(2, i * h, h)?
            .reshape((b, t, heads, hd))?
            .transpose(1, 2)?
            .contiguous()
    };
    let (q, k, v) = (split(0)?, split(1)?, split(2)?);
    let scores = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(mask)?;
    candle_nn::ops::softmax(&scores, D::Minus1)?
        .matmul(&v)?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((rows, h))
}

#[derive(Clone)]
struct Attention {
    heads: usize,
    /// Tokens a sequence.
    t: usize,
    scale: f32,
    /// Additive, [batch · t].
    mask: Vec<f32>,
}

/// The shapes attention works with: (batch, t, hidden, head size).
fn attention_dims(op: &Attention, l: &Layout) -> Result<(usize, usize, usize, usize)> {
    let (rows, h3) = l.shape().dims2()?;
    let (t, h) = (op.t, h3 / 3);
    let b = rows / t.max(1);
    if h3 % 3 != 0 || op.heads == 0 || h % op.heads != 0 || op.mask.len() != rows || b * t != rows {
        candle_core::bail!("fused attention: packed heads, hidden size and mask disagree");
    }
    Ok((b, t, h, h / op.heads))
}

impl Attention {
    /// One sequence's probabilities [heads, t, t] from its packed queries and keys at `off`.
    fn probs(
        &self,
        qkv: &CpuStorage,
        off: usize,
        seq: usize,
        t: usize,
        h: usize,
    ) -> Result<Vec<f32>> {
        let hd = h / self.heads;
        let q = view((self.heads, t, hd), [hd, 3 * h, 1], off);
        let kt = view((self.heads, hd, t), [hd, 1, 3 * h], off + h);
        let mut p = matmul(qkv, &q, qkv, &kt, (self.heads, t, t, hd))?;
        let m = &self.mask[seq * t..(seq + 1) * t];
        for row in p.chunks_mut(t) {
            for (s, &m) in row.iter_mut().zip(m) {
                *s = *s * self.scale + m;
            }
            let max = lane_max(row);
            row.iter_mut().for_each(|s| *s = exp(*s - max));
            let inv = 1.0 / lane_sum(row);
            row.iter_mut().for_each(|s| *s *= inv);
        }
        Ok(p)
    }
}

/// Writes a [heads, t, hd] block into a sequence's rows of width `width` at column `col`.
fn scatter_heads(block: &[f32], rows: &mut [f32], t: usize, hd: usize, width: usize, col: usize) {
    for (head, m) in block.chunks(t * hd).enumerate() {
        for (i, r) in m.chunks(hd).enumerate() {
            let at = i * width + col + head * hd;
            rows[at..at + hd].copy_from_slice(r);
        }
    }
}

impl CustomOp1 for Attention {
    fn name(&self) -> &'static str {
        "fused-attention"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (b, t, h, hd) = attention_dims(self, l)?;
        let base = l.start_offset();
        let mut out = vec![0f32; b * t * h];
        out.par_chunks_mut(t * h)
            .enumerate()
            .try_for_each(|(seq, rows)| -> Result<()> {
                let off = base + seq * t * 3 * h;
                let p = CpuStorage::F32(self.probs(s, off, seq, t, h)?);
                let pl = Layout::contiguous((self.heads, t, t));
                let v = view((self.heads, t, hd), [hd, 3 * h, 1], off + 2 * h);
                let ctx = matmul(&p, &pl, s, &v, (self.heads, t, hd, t))?;
                scatter_heads(&ctx, rows, t, hd, h, 0);
                Ok(())
            })?;
        Ok((CpuStorage::F32(out), Shape::from((b * t, h))))
    }

    fn bwd(&self, qkv: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let op = AttentionGrad(self.clone());
        Ok(Some(qkv.apply_op2_no_bwd(&grad.contiguous()?, &op)?))
    }
}

/// The gradient of `Attention` with respect to its packed input, from the context's gradient;
/// the probabilities are recomputed rather than kept from the forward pass.
struct AttentionGrad(Attention);

impl CustomOp2 for AttentionGrad {
    fn name(&self) -> &'static str {
        "fused-attention-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let fwd = &self.0;
        let (b, t, h, hd) = attention_dims(fwd, l1)?;
        if l2.shape().dims() != [b * t, h] {
            candle_core::bail!("{}: gradient shape disagrees", self.name());
        }
        let (base, gbase) = (l1.start_offset(), l2.start_offset());
        let heads = fwd.heads;
        let mut out = vec![0f32; b * t * 3 * h];
        out.par_chunks_mut(t * 3 * h)
            .enumerate()
            .try_for_each(|(seq, rows)| -> Result<()> {
                let off = base + seq * t * 3 * h;
                let p = fwd.probs(s1, off, seq, t, h)?;
                let g = view((heads, t, hd), [hd, h, 1], gbase + seq * t * h);
                let vt = view((heads, hd, t), [hd, 1, 3 * h], off + 2 * h);
                let mut ds = matmul(s2, &g, s1, &vt, (heads, t, t, hd))?;
                for (ds, p) in ds.chunks_mut(t).zip(p.chunks(t)) {
                    let dot = lane_dot(ds, p);
                    for (d, &p) in ds.iter_mut().zip(p) {
                        *d = fwd.scale * p * (*d - dot);
                    }
                }
                let pt = view((heads, t, t), [t * t, 1, t], 0);
                let ps = CpuStorage::F32(p);
                let dv = matmul(&ps, &pt, s2, &g, (heads, t, hd, t))?;
                scatter_heads(&dv, rows, t, hd, 3 * h, 2 * h);
                let dss = CpuStorage::F32(ds);
                let k = view((heads, t, hd), [hd, 3 * h, 1], off + h);
                let dq = matmul(
                    &dss,
                    &Layout::contiguous((heads, t, t)),
                    s1,
                    &k,
                    (heads, t, hd, t),
                )?;
                scatter_heads(&dq, rows, t, hd, 3 * h, 0);
                let q = view((heads, t, hd), [hd, 3 * h, 1], off);
                let dk = matmul(&dss, &pt, s1, &q, (heads, t, hd, t))?;
                scatter_heads(&dk, rows, t, hd, 3 * h, h);
                Ok(())
            })?;
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// Σ x over 8 running sums (a fixed order, so results do not vary, and one the compiler can
/// vectorize, which a single running float sum is not).
#[inline]
fn lane_sum(x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

/// Σ a·b, as [`lane_sum`].
#[inline]
fn lane_dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    let rest: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f32>() + rest
}

/// The largest of `x` (−∞ when empty), by 8 running maxima.
#[inline]
fn lane_max(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = if v > *a { v } else { *a };
        }
    }
    chunks
        .remainder()
        .iter()
        .chain(&acc)
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

/// eˣ in f32 to within 2 ulp for x ≥ −87 (0 below), written so loops over it vectorize: x =
/// n·ln 2 + r with |r| ≤ ln 2 / 2, eʳ by its Taylor polynomial to degree 7, 2ⁿ in the exponent
/// bits.
#[inline]
fn exp(x: f32) -> f32 {
    let under = x < -87.0;
    let x = x.clamp(-87.0, 88.0);
    // Rounded to the nearest integer by adding and removing 1.5·2²³ (no call to `round`).
    const SHIFT: f32 = 12_582_912.0;
    let n = (x * std::f32::consts::LOG2_E + SHIFT) - SHIFT;
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r / 5040.0))))));
    let y = p * f32::from_bits(((n as i32 + 127) as u32) << 23);
    if under { 0.0 } else { y }
}

/// erf(x) to within 1.5e-7 (Abramowitz and Stegun 7.1.26), given e = exp(-x²).
#[inline]
fn erf_with(x: f32, e: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * e;
    if x < 0.0 { -y } else { y }
}

const INV_SQRT2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π).
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// GELU with the exact (erf) form: x·Φ(x).
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    if fusable(x) {
        x.contiguous()?.apply_op1(Gelu)
    } else {
        x.gelu_erf()
    }
}

struct Gelu;

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "fused-gelu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = slice(s, l, self.name())?;
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(MIN_ELEMS)
            .zip(x.par_chunks(MIN_ELEMS))
            .for_each(|(y, x)| {
                for (y, &x) in y.iter_mut().zip(x) {
                    let e = exp(-0.5 * x * x);
                    *y = 0.5 * x * (1.0 + erf_with(x * INV_SQRT2, e));
                }
            });
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(arg.apply_op2_no_bwd(&grad.contiguous()?, &GeluGrad)?))
    }
}

/// d/dx x·Φ(x) = Φ(x) + x·φ(x), times the incoming gradient.
struct GeluGrad;

impl CustomOp2 for GeluGrad {
    fn name(&self) -> &'static str {
        "fused-gelu-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = slice(s1, l1, self.name())?;
        let g = slice(s2, l2, self.name())?;
        let mut dx = vec![0f32; x.len()];
        dx.par_chunks_mut(MIN_ELEMS)
            .zip(x.par_chunks(MIN_ELEMS).zip(g.par_chunks(MIN_ELEMS)))
            .for_each(|(dx, (x, g))| {
                for ((dx, &x), &g) in dx.iter_mut().zip(x).zip(g) {
                    let e = exp(-0.5 * x * x);
                    let cdf = 0.5 * (1.0 + erf_with(x * INV_SQRT2, e));
                    *dx = g * (cdf + x * INV_SQRT_2PI * e);
                }
            });
        Ok((CpuStorage::F32(dx), l1.shape().clone()))
    }
}

/// Layer normalisation over the last dimension with a weight and a bias.
pub fn layer_norm(x: &Tensor, weight: &Tensor, bias: &Tensor, eps: f64) -> Result<Tensor> {
    if fusable(x) {
        x.contiguous()?
            .apply_op3(weight, bias, LayerNorm { eps: eps as f32 })
    } else {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        centred
            .broadcast_div(&(var + eps)?.sqrt()?)?
            .broadcast_mul(weight)?
            .broadcast_add(bias)
    }
}

struct LayerNorm {
    eps: f32,
}

/// A row's mean and 1/√(variance + ε).
#[inline]
fn row_stats(x: &[f32], eps: f32) -> (f32, f32) {
    let n = x.len() as f32;
    let mean = lane_sum(x) / n;
    let mut acc = [0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += (v - mean) * (v - mean);
        }
    }
    let rest: f32 = chunks
        .remainder()
        .iter()
        .map(|v| (v - mean) * (v - mean))
        .sum();
    let var = (acc.iter().sum::<f32>() + rest) / n;
    (mean, 1.0 / (var + eps).sqrt())
}

impl CustomOp3 for LayerNorm {
    fn name(&self) -> &'static str {
        "fused-layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = slice(s1, l1, self.name())?;
        let w = slice(s2, l2, self.name())?;
        let b = slice(s3, l3, self.name())?;
        let h = w.len();
        if h == 0 || b.len() != h || x.len() % h != 0 {
            candle_core::bail!("{}: weight, bias and rows disagree", self.name());
        }
        let mut y = vec![0f32; x.len()];
        y.par_chunks_mut(h)
            .zip(x.par_chunks(h))
            .with_min_len(MIN_ROWS)
            .for_each(|(y, x)| {
                let (mean, r) = row_stats(x, self.eps);
                for (((y, &x), &w), &b) in y.iter_mut().zip(x).zip(w).zip(b) {
                    *y = (x - mean) * r * w + b;
                }
            });
        Ok((CpuStorage::F32(y), l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let h = w.elem_count();
        let rows = x.elem_count() / h.max(1);
        // One pass writes [dx rows; dw; db].
        let packed =
            x.apply_op3_no_bwd(w, &grad.contiguous()?, &LayerNormGrad { eps: self.eps })?;
        let dx = packed.narrow(0, 0, rows)?.reshape(x.shape())?;
        let dw = packed.narrow(0, rows, 1)?.reshape(w.shape())?;
        let db = packed.narrow(0, rows + 1, 1)?.reshape(w.shape())?;
        Ok((Some(dx), Some(dw), Some(db)))
    }
}

struct LayerNormGrad {
    eps: f32,
}

/// Rows a block of the layer-norm backward pass sums its weight and bias gradients over; the
/// blocks' sums are added in order, so the result does not depend on the thread count.
const GRAD_BLOCK: usize = 64;

impl CustomOp3 for LayerNormGrad {
    fn name(&self) -> &'static str {
        "fused-layer-norm-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = slice(s1, l1, self.name())?;
        let w = slice(s2, l2, self.name())?;
        let g = slice(s3, l3, self.name())?;
        let h = w.len();
        if h == 0 || g.len() != x.len() || x.len() % h != 0 {
            candle_core::bail!("{}: weight, gradient and rows disagree", self.name());
        }
        let rows = x.len() / h;
        let mut out = vec![0f32; x.len() + 2 * h];
        let (dx, _) = out.split_at_mut(x.len());
        let partials: Vec<Vec<f32>> = dx
            .par_chunks_mut(GRAD_BLOCK * h)
            .zip(
                x.par_chunks(GRAD_BLOCK * h)
                    .zip(g.par_chunks(GRAD_BLOCK * h)),
            )
            .map(|(dx, (x, g))| {
                // [dw; db] of this block.
                let mut acc = vec![0f32; 2 * h];
                let (dw, db) = acc.split_at_mut(h);
                let mut gy = vec![0f32; h];
                for ((dx, x), g) in dx.chunks_mut(h).zip(x.chunks(h)).zip(g.chunks(h)) {
                    let (mean, r) = row_stats(x, self.eps);
                    // dx holds x̂ until the last loop.
                    for i in 0..h {
                        dx[i] = (x[i] - mean) * r;
                        gy[i] = g[i] * w[i];
                        dw[i] += g[i] * dx[i];
                        db[i] += g[i];
                    }
                    let m1 = lane_sum(&gy) / h as f32;
                    let m2 = lane_dot(&gy, dx) / h as f32;
                    for i in 0..h {
                        dx[i] = r * (gy[i] - m1 - dx[i] * m2);
                    }
                }
                acc
            })
            .collect();
        let (_, params) = out.split_at_mut(x.len());
        for p in &partials {
            for (o, v) in params.iter_mut().zip(p) {
                *o += v;
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((rows + 2, h))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn random(shape: &[usize], seed: u64) -> Tensor {
        let mut r = crate::rng::Rng::new(seed);
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| (r.unit() * 6.0 - 3.0) as f32).collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    }

    /// Forward values and every input's gradient, fused against composed, under a loss that
    /// weights each output differently (so every path of the backward pass matters).
    fn agree(
        fused: impl Fn(&[Tensor]) -> Result<Tensor>,
        composed: impl Fn(&[Tensor]) -> Result<Tensor>,
        inputs: &[Tensor],
        tol: f32,
    ) {
        let run = |f: &dyn Fn(&[Tensor]) -> Result<Tensor>| {
            let vars: Vec<Var> = inputs
                .iter()
                .map(|t| Var::from_tensor(t).unwrap())
                .collect();
            let ts: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
            let y = f(&ts).unwrap();
            let w = random(y.dims(), 99);
            let grads = (&y * &w).unwrap().sum_all().unwrap().backward().unwrap();
            let g: Vec<Tensor> = vars
                .iter()
                .map(|v| grads.get(v.as_tensor()).unwrap().clone())
                .collect();
            (y, g)
        };
        let (y1, g1) = run(&fused);
        let (y2, g2) = run(&composed);
        assert!(
            max_diff(&y1, &y2) < tol,
            "forward differs: {}",
            max_diff(&y1, &y2)
        );
        for (i, (a, b)) in g1.iter().zip(&g2).enumerate() {
            assert!(
                max_diff(a, b) < tol,
                "gradient {i} differs: {}",
                max_diff(a, b)
            );
        }
    }

    #[test]
    fn gelu_matches_candle_forward_and_backward() {
        let x = random(&[3, 50, 70], 1);
        agree(|t| gelu(&t[0]), |t| t[0].gelu_erf(), &[x], 1e-5);
    }

    #[test]
    fn layer_norm_matches_the_composed_form() {
        let x = random(&[2, 150, 48], 2);
        let w = random(&[48], 3);
        let b = random(&[48], 4);
        let composed = |t: &[Tensor]| {
            let mean = t[0].mean_keepdim(D::Minus1)?;
            let c = t[0].broadcast_sub(&mean)?;
            let var = c.sqr()?.mean_keepdim(D::Minus1)?;
            c.broadcast_div(&(var + 1e-12)?.sqrt()?)?
                .broadcast_mul(&t[1])?
                .broadcast_add(&t[2])
        };
        agree(
            |t| layer_norm(&t[0], &t[1], &t[2], 1e-12),
            composed,
            &[x, w, b],
            2e-4,
        );
    }

    #[test]
    fn linear_matches_the_composed_form() {
        let x = random(&[37, 24], 6);
        let w = random(&[40, 24], 7);
        let b = random(&[40], 8);
        agree(
            |t| linear(&t[0], &t[1], &t[2]),
            |t| t[0].matmul(&t[1].t()?)?.broadcast_add(&t[2]),
            &[x, w, b],
            1e-3,
        );
    }

    #[test]
    fn attention_matches_the_composed_form_with_padding() {
        // 2 sequences of 9 tokens, 3 heads of 4: the second padded after 4 tokens, the first
        // after 7.
        let qkv = random(&[18, 36], 5);
        let mut m = vec![0f32; 18];
        m[7] = f32::MIN;
        m[8] = f32::MIN;
        m[9 + 4..].fill(f32::MIN);
        let m = Tensor::from_vec(m, (2, 1, 1, 9), &Device::Cpu).unwrap();
        agree(
            |t| attention(&t[0], &m, 3),
            |t| attention_composed(&t[0], &m, 3, 0.5),
            &[qkv],
            1e-4,
        );
    }

    #[test]
    fn exp_is_within_two_ulp() {
        for i in -87_000..=88_000 {
            let x = i as f32 / 1000.0;
            let (got, want) = (exp(x), f64::from(x).exp());
            let rel = ((f64::from(got) - want) / want).abs();
            assert!(rel < 2.5e-7, "exp({x}) = {got}, not {want}");
        }
        assert_eq!(exp(-87.5), 0.0);
        assert_eq!(exp(f32::MIN), 0.0);
    }

    #[test]
    fn erf_is_within_its_bound() {
        for i in -400..=400 {
            let x = i as f32 / 100.0;
            let exact = libm_erf(f64::from(x));
            let got = erf_with(x, (-x * x).exp());
            assert!(
                (f64::from(got) - exact).abs() < 5e-7,
                "erf({x}) = {got}, not {exact}"
            );
        }
    }

    /// erf by its Maclaurin series (converges for |x| ≤ 4 in f64).
    fn libm_erf(x: f64) -> f64 {
        let mut term = x;
        let mut sum = x;
        for n in 1..200 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }
}
