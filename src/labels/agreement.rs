//! Judge-vs-human agreement on the browses both labelled: confusion matrix, accuracy, Cohen's κ.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::journal::Journal;
use super::record::{LabelKey, LabelValue};
use crate::error::{Error, InputError};
use crate::verdict::Verdict;

/// One judged browse as a verdicts file gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct JudgedRow {
    pub run_id: String,
    pub step: usize,
    pub verdict: Verdict,
    #[serde(default)]
    pub judge: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
}

/// Reads a verdicts file with the judge of each line.
pub fn read_judged(path: &Path) -> Result<(Vec<JudgedRow>, Vec<InputError>), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(InputError::from_json(path, i + 1, &e)),
        }
    }
    Ok((rows, errors))
}

/// Agreement of one judge with the human labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// `judge (model)`.
    pub judge: String,
    /// Browses both the judge and a human labelled.
    pub n: usize,
    /// `[human][judge]`, index 0 = relevant, 1 = not relevant.
    pub confusion: [[usize; 2]; 2],
    pub accuracy: Option<f64>,
    pub kappa: Option<f64>,
}

fn idx(v: Verdict) -> usize {
    match v {
        Verdict::Relevant => 0,
        Verdict::NotRelevant => 1,
    }
}

/// Cohen's κ from a 2×2 confusion matrix; `None` when undefined: no rows, or chance agreement
/// 1 (both sides gave one and the same class throughout, so agreement says nothing about
/// judging; scikit-learn's `cohen_kappa_score` is NaN there too).
pub fn kappa(c: &[[usize; 2]; 2]) -> Option<f64> {
    let n = (c[0][0] + c[0][1] + c[1][0] + c[1][1]) as f64;
    if n == 0.0 {
        return None;
    }
    let po = (c[0][0] + c[1][1]) as f64 / n;
    let h = [
        (c[0][0] + c[0][1]) as f64 / n,
        (c[1][0] + c[1][1]) as f64 / n,
    ];
    let j = [
        (c[0][0] + c[1][0]) as f64 / n,
        (c[0][1] + c[1][1]) as f64 / n,
    ];
    let pe = h[0] * j[0] + h[1] * j[1];
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((po - pe) / (1.0 - pe))
}

/// Agreement per judge named in `rows`.
pub fn agreement(human: &Journal, rows: &[JudgedRow]) -> Vec<Agreement> {
    let mut by: BTreeMap<String, [[usize; 2]; 2]> = BTreeMap::new();
    for r in rows {
        let key = LabelKey::Browse {
            run_id: r.run_id.clone(),
            step: r.step,
        };
        let name = format!(
            "{} ({})",
            r.judge.as_deref().unwrap_or("judge"),
            r.model.as_deref().unwrap_or("-")
        );
        let m = by.entry(name).or_default();
        if let Some(LabelValue::Verdict(h)) = human.get(&key) {
            m[idx(*h)][idx(r.verdict)] += 1;
        }
    }
    by.into_iter()
        .map(|(judge, c)| {
            let n = c.iter().flatten().sum::<usize>();
            Agreement {
                judge,
                n,
                confusion: c,
                accuracy: (n > 0).then(|| (c[0][0] + c[1][1]) as f64 / n as f64),
                kappa: kappa(&c),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_by_hand() {
        // po = 0.7, pe = 0.5·0.6 + 0.5·0.4 = 0.5 → κ = 0.4
        let k = kappa(&[[4, 1], [2, 3]]).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
        assert_eq!(kappa(&[[5, 0], [0, 0]]), None, "one class only");
        assert_eq!(kappa(&[[0, 0], [0, 0]]), None);
    }
}
