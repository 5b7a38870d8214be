//! AdamW (decoupled weight decay, as PyTorch and the Hugging Face trainer run it: no decay on
//! biases and layer norms), linear warmup then linear decay, global-norm gradient clipping. The
//! moments are saved and restored so a resumed run continues exactly.

use std::collections::HashMap;
use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor, Var};

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
        for s in &mut self.slots {
            let Some(g) = grads.get(&s.var) else { continue };
            let g = (g * scale)?;
            s.m = ((&s.m * c.beta1)? + (&g * (1.0 - c.beta1))?)?;
            s.v = ((&s.v * c.beta2)? + (g.sqr()? * (1.0 - c.beta2))?)?;
            let m_hat = (&s.m / bc1)?;
            let v_hat = (&s.v / bc2)?;
            let step = (m_hat / (v_hat.sqrt()? + c.eps)?)?;
            let decayed = if s.decay {
                (s.var.as_tensor() * (1.0 - lr * c.weight_decay))?
            } else {
                s.var.as_tensor().clone()
            };
            s.var.set(&(decayed - (step * lr)?)?)?;
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
        candle_core::safetensors::save(&map, path)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))
    }

    /// Restores moments saved by [`AdamW::save`] and sets the step count.
    pub fn load(&mut self, path: &Path, step: usize, device: &Device) -> Result<()> {
        let map = candle_core::safetensors::load(path, device)
            .map_err(|e| Error::Model(format!("{}: {e}", path.display())))?;
        for s in &mut self.slots {
            let get = |k: String| {
                map.get(&k).cloned().ok_or_else(|| {
                    Error::Model(format!("{}: no optimiser state `{k}`", path.display()))
                })
            };
            s.m = get(format!("m.{}", s.name))?;
            s.v = get(format!("v.{}", s.name))?;
        }
        self.step = step;
        Ok(())
    }
}
