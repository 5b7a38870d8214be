//! Relevance intensity (Eq. 3): raw = 1 − exp(−ln2 · l / β), β = median l, w = raw / mean(raw).

use super::pair::Pair;

/// β and μ_raw as computed over a set of pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightStats {
    /// Median of the positive lengths (mean of the two middle values for an even count).
    pub beta: Option<f64>,
    /// Mean raw intensity over pairs with a positive length.
    pub mu_raw: Option<f64>,
}

/// How a weight, β or μ_raw is written for people (the CLI and every screen): 3 decimals, `-`
/// when there is none.
pub fn show(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

/// Median of a non-empty slice, averaging the middle two for an even count.
pub fn median(values: &mut [usize]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0
    })
}

fn raw(l: usize, beta: f64) -> f64 {
    1.0 - (-(std::f64::consts::LN_2) * l as f64 / beta).exp()
}

impl WeightStats {
    /// β and μ_raw from the lengths of every emitted pair (zeros and missing ones are skipped).
    pub fn from_lengths(lengths: impl IntoIterator<Item = usize>) -> WeightStats {
        let mut lens: Vec<usize> = lengths.into_iter().filter(|&l| l > 0).collect();
        let beta = median(&mut lens);
        let mu_raw = beta.map(|b| lens.iter().map(|&l| raw(l, b)).sum::<f64>() / lens.len() as f64);
        WeightStats { beta, mu_raw }
    }
}

/// The weight of a pair with post-browse length `l`: raw / μ_raw, or 1.0 for no or zero length.
pub fn weight_for(l: Option<usize>, stats: &WeightStats) -> f64 {
    match (l, stats.beta, stats.mu_raw) {
        (Some(l), Some(b), Some(mu)) if l > 0 && mu > 0.0 => raw(l, b) / mu,
        _ => 1.0,
    }
}

/// Sets every pair's `reweight_rate` from statistics over these same pairs.
pub fn assign_weights(pairs: &mut [Pair]) -> WeightStats {
    let stats = WeightStats::from_lengths(pairs.iter().filter_map(|p| p.reasoning_len));
    for p in pairs.iter_mut() {
        p.reweight_rate = weight_for(p.reasoning_len, &stats);
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(l: Option<usize>) -> Pair {
        Pair {
            run_id: "r".into(),
            browse_step: 0,
            search_step: None,
            query: "q".into(),
            pos_id: "d".into(),
            neg_id: vec![],
            reasoning_len: l,
            satisfied: true,
            reweight_rate: 0.0,
        }
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
        assert_eq!(median(&mut [4, 1, 3, 10]), Some(3.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn weights_by_hand() {
        // l = 10, 20, 30 → β = 20; raw = 1 − 2^(−l/20).
        let mut ps = vec![
            pair(Some(10)),
            pair(Some(20)),
            pair(Some(30)),
            pair(Some(0)),
            pair(None),
        ];
        let st = assign_weights(&mut ps);
        assert_eq!(st.beta, Some(20.0));
        let raws = [1.0 - 2f64.powf(-0.5), 0.5, 1.0 - 2f64.powf(-1.5)];
        let mu = raws.iter().sum::<f64>() / 3.0;
        assert!((st.mu_raw.unwrap() - mu).abs() < 1e-12);
        for (p, r) in ps.iter().zip(raws) {
            assert!((p.reweight_rate - r / mu).abs() < 1e-12);
        }
        assert_eq!(ps[3].reweight_rate, 1.0);
        assert_eq!(ps[4].reweight_rate, 1.0);
        let mean: f64 = ps[..3].iter().map(|p| p.reweight_rate).sum::<f64>() / 3.0;
        assert!(
            (mean - 1.0).abs() < 1e-12,
            "weights over l > 0 average to 1"
        );
    }
}
