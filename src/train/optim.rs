//! AdamW (decoupled weight decay, as PyTorch and the Hugging Face trainer run it: no decay on
//! biases and layer norms), linear warmup then linear decay, global-norm gradient clipping. The
//! moments are saved and restored so a resumed run continues exactly. On the CPU in f32 the
//! update is three in-place passes over each parameter (first moment, second moment, weight);
//! elsewhere it is composed of tensor ops (the same arithmetic).

use std::collections::HashMap;
use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, DType, Device, InplaceOp2, InplaceOp3, Layout, Tensor, Var};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Optimiser settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-6,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

struct Slot {
    name: String,
    var: Var,
    m: Tensor,
    v: Tensor,
    decay: bool,
}

/// AdamW over named variables.
pub struct AdamW {
    pub config: AdamWConfig,
    /// Updates taken so far.
    pub step: usize,
    slots: Vec<Slot>,
}

/// The learning rate at `step` (0-based) of `total`: linear warmup over `warmup` steps to `peak`,
/// then linear decay to 0.
pub fn schedule(peak: f64, step: usize, warmup: usize, total: usize) -> f64 {
    if step < warmup {
        peak * (step + 1) as f64 / warmup as f64
    } else if total <= warmup {
        peak
    } else {
        peak * (total - step) as f64 / (total - warmup) as f64
    }
    .max(0.0)
}

fn no_decay(name: &str) -> bool {
    name.ends_with(".bias") || name.contains("LayerNorm") || name.contains("layer_norm")
}

impl AdamW {
    pub fn new(vars: Vec<(String, Var)>, config: AdamWConfig) -> Result<AdamW> {
        let slots = vars
            .into_iter()
            .map(|(name, var)| {
                Ok(Slot {
                    m: var.zeros_like()?,
                    v: var.zeros_like()?,
                    decay: !no_decay(&name),
                    name,
                    var,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(AdamW {
            config,
            step: 0,
            slots,
        })
    }

    /// The global L2 norm of the gradients, before clipping.
    pub fn grad_norm(&self, grads: &GradStore) -> Result<f64> {
        let mut sq = 0f64;
        for s in &self.slots {
            if let Some(g) = grads.get(&s.var) {
                sq += f64::from(g.sqr()?.sum_all()?.to_scalar::<f32>()?);
            }
        }
        Ok(sq.sqrt())
    }

    /// One slot's update: in place on the CPU, composed elsewhere.
    fn update_slot(s: &mut Slot, g: &Tensor, k: &Step) -> Result<()> {
        let fused = [s.var.as_tensor(), &s.m, &s.v, g]
            .iter()
            .all(|t| t.device().is_cpu() && t.dtype() == DType::F32 && t.is_contiguous());
        if fused {
            s.m.inplace_op2(
                g,
                &Moment {
                    beta: k.beta1,
                    scale: k.scale,
                    square: false,
                },
            )?;
            s.v.inplace_op2(
                g,
                &Moment {
                    beta: k.beta2,
                    scale: k.scale,
                    square: true,
                },
            )?;
            s.var.as_tensor().inplace_op3(
                &s.m,
                &s.v,
                &Apply {
                    k: *k,
                    decay: s.decay,
                },
            )?;
            return Ok(());
        }
        let g = (g * k.scale)?;
        s.m = ((&s.m * k.beta1)? + (&g * (1.0 - k.beta1))?)?;
        s.v = ((&s.v * k.beta2)? + (g.sqr()? * (1.0 - k.beta2))?)?;
        let m_hat = (&s.m / k.bc1)?;
        let v_hat = (&s.v / k.bc2)?;
        let step = (m_hat / (v_hat.sqrt()? + k.eps)?)?;
        let decayed = if s.decay {
            (s.var.as_tensor() * (1.0 - k.lr * k.weight_decay))?
        } else {
            s.var.as_tensor().clone()
        };
        s.var.set(&(decayed - (step * k.lr)?)?)?;
        Ok(())
    }

    /// One update at learning rate `lr`, with gradients scaled so their global norm is at most
    /// `clip` (when given). Returns the norm before clipping.
    pub fn update(&mut self, grads: &GradStore, lr: f64, clip: Option<f64>) -> Result<f64> {
        let norm = self.grad_norm(grads)?;
        let scale = match clip {
            Some(c) if norm > c && norm > 0.0 => c / norm,
            _ => 1.0,
        };
        self.step += 1;
        let c = self.config;
        let t = self.step as i32;
        let bc1 = 1.0 - c.beta1.powi(t);
        let bc2 = 1.0 - c.beta2.powi(t);
        let k = Step {
            lr,
            scale,
            beta1: c.beta1,
            beta2: c.beta2,
            bc1,
            bc2,
            eps: c.eps,
            weight_decay: c.weight_decay,
        };
        for s in &mut self.slots {
            let Some(g) = grads.get(&s.var) else { continue };
            Self::update_slot(s, g, &k)?;
        }
        Ok(norm)
    }

    /// Saves the moments (`m.NAME`, `v.NAME`) to a safetensors file; the step is the caller's.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut map: HashMap<String, Tensor> = HashMap::new();
        for s in &self.slots {
            map.insert(format!("m.{}", s.name), s.m.clone());
            map.insert(format!("v.{}", s.name), s.v.clone());
        }
        candle_core::safetensors::save(&map, path).map_err(|source| {
            Error::Model(crate::error::ModelError::Weights {
                path: path.to_path_buf(),
                source,
            })
        })
    }

    /// Restores moments saved by [`AdamW::save`] and sets the step count.
    pub fn load(&mut self, path: &Path, step: usize, device: &Device) -> Result<()> {
        let map = candle_core::safetensors::load(path, device).map_err(|source| {
            Error::Model(crate::error::ModelError::Weights {
                path: path.to_path_buf(),
                source,
            })
        })?;
        for s in &mut self.slots {
            let get = |k: String| {
                map.get(&k).cloned().ok_or_else(|| {
                    Error::Model(crate::error::ModelError::Unsupported {
                        path: path.to_path_buf(),
                        what: format!("no optimiser state `{k}`"),
                    })
                })
            };
            s.m = get(format!("m.{}", s.name))?;
            s.v = get(format!("v.{}", s.name))?;
        }
        self.step = step;
        Ok(())
    }
}

/// The numbers of one update.
#[derive(Debug, Clone, Copy)]
struct Step {
    lr: f64,
    /// Clipping's factor on the gradients.
    scale: f64,
    beta1: f64,
    beta2: f64,
    /// Bias corrections 1 − βᵗ.
    bc1: f64,
    bc2: f64,
    eps: f64,
    weight_decay: f64,
}

/// Elements a parallel task of the update takes.
const BLOCK: usize = 1 << 15;

fn contiguous<'a>(s: &'a CpuStorage, l: &Layout) -> candle_core::Result<&'a [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((a, b))) => Ok(&v[a..b]),
        _ => candle_core::bail!("adamw: expected contiguous f32 data"),
    }
}

fn contiguous_mut<'a>(s: &'a mut CpuStorage, l: &Layout) -> candle_core::Result<&'a mut [f32]> {
    match (s, l.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((a, b))) => Ok(&mut v[a..b]),
        _ => candle_core::bail!("adamw: expected contiguous f32 data"),
    }
}

/// A moment in place: m ← β·m + (1 − β)·(s·g), or with (s·g)² for the second.
struct Moment {
    beta: f64,
    scale: f64,
    square: bool,
}

impl InplaceOp2 for Moment {
    fn name(&self) -> &'static str {
        "adamw-moment"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<()> {
        let m = contiguous_mut(s1, l1)?;
        let g = contiguous(s2, l2)?;
        if m.len() != g.len() {
            candle_core::bail!("adamw: moment and gradient sizes differ");
        }
        let (b, rest, s) = (
            self.beta as f32,
            (1.0 - self.beta) as f32,
            self.scale as f32,
        );
        m.par_chunks_mut(BLOCK)
            .zip(g.par_chunks(BLOCK))
            .for_each(|(m, g)| {
                for (m, &g) in m.iter_mut().zip(g) {
                    let g = g * s;
                    let x = if self.square { g * g } else { g };
                    *m = b * *m + rest * x;
                }
            });
        Ok(())
    }
}

/// The weight in place: w ← w·(1 − lr·decay) − lr·m̂/(√v̂ + ε).
struct Apply {
    k: Step,
    decay: bool,
}

impl InplaceOp3 for Apply {
    fn name(&self) -> &'static str {
        "adamw-apply"
    }

    fn cpu_fwd(
        &self,
        s1: &mut CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<()> {
        let w = contiguous_mut(s1, l1)?;
        let m = contiguous(s2, l2)?;
        let v = contiguous(s3, l3)?;
        if w.len() != m.len() || w.len() != v.len() {
            candle_core::bail!("adamw: weight and moment sizes differ");
        }
        let k = self.k;
        let keep = if self.decay {
            (1.0 - k.lr * k.weight_decay) as f32
        } else {
            1.0
        };
        let (lr, bc1, bc2, eps) = (k.lr as f32, k.bc1 as f32, k.bc2 as f32, k.eps as f32);
        w.par_chunks_mut(BLOCK)
            .zip(m.par_chunks(BLOCK).zip(v.par_chunks(BLOCK)))
            .for_each(|(w, (m, v))| {
                for ((w, &m), &v) in w.iter_mut().zip(m).zip(v) {
                    let step = (m / bc1) / ((v / bc2).sqrt() + eps);
                    *w = *w * keep - step * lr;
                }
            });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PyTorch's AdamW on plain numbers, for one parameter over `grads`, clipped by `scales`.
    fn reference(w0: &[f64], grads: &[Vec<f64>], scales: &[f64], lr: f64, decay: bool) -> Vec<f64> {
        let c = AdamWConfig::default();
        let (mut w, mut m, mut v) = (w0.to_vec(), vec![0.0; w0.len()], vec![0.0; w0.len()]);
        for (t, (g, s)) in grads.iter().zip(scales).enumerate() {
            let t = t as i32 + 1;
            for i in 0..w.len() {
                let g = g[i] * s;
                if decay {
                    w[i] *= 1.0 - lr * c.weight_decay;
                }
                m[i] = c.beta1 * m[i] + (1.0 - c.beta1) * g;
                v[i] = c.beta2 * v[i] + (1.0 - c.beta2) * g * g;
                let (mh, vh) = (
                    m[i] / (1.0 - c.beta1.powi(t)),
                    v[i] / (1.0 - c.beta2.powi(t)),
                );
                w[i] -= lr * mh / (vh.sqrt() + c.eps);
            }
        }
        w
    }

    /// Three updates with clipping of a decayed weight and an undecayed bias, against the
    /// reference: in place (contiguous gradients) and composed (transposed ones).
    #[test]
    fn updates_match_pytorch_adamw_in_place_and_composed() {
        let dev = Device::Cpu;
        let w0: Vec<f64> = (0..12).map(|i| (i as f64 - 5.5) / 4.0).collect();
        let b0: Vec<f64> = (0..3).map(|i| i as f64 * 0.3 - 0.2).collect();
        let steps: Vec<(Vec<f64>, Vec<f64>)> = (0..3)
            .map(|s| {
                let g = (0..12)
                    .map(|i| ((i * 7 + s * 5) % 11) as f64 / 3.0 - 1.5)
                    .collect();
                let b = (0..3).map(|i| (i + s) as f64 * 0.5 - 0.7).collect();
                (g, b)
            })
            .collect();
        for transposed in [false, true] {
            let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
            let w = Var::from_vec(f32s(&w0), (4, 3), &dev).unwrap();
            let b = Var::from_vec(f32s(&b0), 3, &dev).unwrap();
            let vars = vec![
                ("l.weight".to_string(), w.clone()),
                ("l.bias".to_string(), b.clone()),
            ];
            let mut opt = AdamW::new(vars, AdamWConfig::default()).unwrap();
            let lr = 1e-2;
            let mut scales = vec![];
            for (g, gb) in &steps {
                let mut store = w.as_tensor().backward().unwrap();
                let gw = if transposed {
                    // The same values, stored column-major: not contiguous.
                    let t: Vec<f32> = (0..12).map(|k| g[(k % 4) * 3 + k / 4] as f32).collect();
                    Tensor::from_vec(t, (3, 4), &dev).unwrap().t().unwrap()
                } else {
                    Tensor::from_vec(f32s(g), (4, 3), &dev).unwrap()
                };
                assert_eq!(gw.is_contiguous(), !transposed);
                store.insert(w.as_tensor(), gw);
                store.insert(b.as_tensor(), Tensor::from_vec(f32s(gb), 3, &dev).unwrap());
                let norm = (g.iter().chain(gb).map(|x| x * x).sum::<f64>()).sqrt();
                let got = opt.update(&store, lr, Some(2.0)).unwrap();
                assert!((got - norm).abs() < 1e-4, "{got} vs {norm}");
                scales.push(if norm > 2.0 { 2.0 / norm } else { 1.0 });
            }
            let gws: Vec<Vec<f64>> = steps.iter().map(|s| s.0.clone()).collect();
            let gbs: Vec<Vec<f64>> = steps.iter().map(|s| s.1.clone()).collect();
            let want_w = reference(&w0, &gws, &scales, lr, true);
            let want_b = reference(&b0, &gbs, &scales, lr, false);
            let got_w = w
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            let got_b = b.as_tensor().to_vec1::<f32>().unwrap();
            for (g, e) in got_w.iter().zip(&want_w).chain(got_b.iter().zip(&want_b)) {
                assert!(
                    (f64::from(*g) - e).abs() < 1e-5,
                    "transposed {transposed}: {g} vs {e}"
                );
            }
            assert_eq!(opt.step, 3);
        }
    }
}
