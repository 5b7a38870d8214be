//! Judge-vs-human agreement on the browses both labelled: confusion matrix, accuracy, Cohen's κ.

use serde::Serialize;

use crate::verdict::{Opinions, Verdict, Verdicts};

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

impl Agreement {
    /// Agreement from (human, judge) verdict pairs on the browses both labelled.
    pub fn of(judge: String, pairs: impl IntoIterator<Item = (Verdict, Verdict)>) -> Agreement {
        let mut c = [[0usize; 2]; 2];
        for (h, j) in pairs {
            c[idx(h)][idx(j)] += 1;
        }
        let n = c.iter().flatten().sum::<usize>();
        Agreement {
            judge,
            n,
            confusion: c,
            accuracy: (n > 0).then(|| (c[0][0] + c[1][1]) as f64 / n as f64),
            kappa: kappa(&c),
        }
    }
}

/// Each judge's agreement with the human browse labels `human`, in the order the judges were
/// read; a judge is named `judge (model)` (`-` for no model).
pub fn by_judge(opinions: &Opinions, human: &Verdicts) -> Vec<Agreement> {
    let mut pairs: Vec<Vec<(Verdict, Verdict)>> = vec![Vec::new(); opinions.judges.len()];
    for (run, step, ops) in opinions.browses() {
        if let Some(h) = human.get(run, step) {
            for o in ops {
                pairs[o.judge].push((h, o.verdict));
            }
        }
    }
    opinions
        .judges
        .iter()
        .zip(pairs)
        .map(|(j, p)| {
            let kind = match j.judge.name() {
                "" => "judge",
                k => k,
            };
            let model = if j.model.is_empty() { "-" } else { &j.model };
            Agreement::of(format!("{kind} ({model})"), p)
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
