//! Exact top-k by dot product over every document, in parallel over the rows.

use rayon::prelude::*;

/// A ranking: document ids with their scores, best first.
pub type Ranking = Vec<(String, f32)>;

/// Rows a parallel task scores (below this, one thread does it all).
const ROWS_A_TASK: usize = 4096;

/// The top `k` ids of row-major `docs` (`dim` floats a row) by dot product with `q`, best
/// first, ties by id.
pub fn top_k<S: AsRef<str> + Sync>(
    q: &[f32],
    docs: &[f32],
    dim: usize,
    ids: &[S],
    k: usize,
) -> Ranking {
    let dim = dim.max(1);
    let mut best: Vec<(f32, &str)> = if docs.len() / dim > ROWS_A_TASK {
        docs.par_chunks(ROWS_A_TASK * dim)
            .zip(ids.par_chunks(ROWS_A_TASK))
            .map(|(rows, ids)| keep(scored(q, rows, dim, ids), k))
            .reduce(Vec::new, |mut a, b| {
                a.extend(b);
                keep(a, k)
            })
    } else {
        keep(scored(q, docs, dim, ids), k)
    };
    best.sort_by(better);
    best.into_iter()
        .map(|(s, id)| (id.to_string(), s))
        .collect()
}

fn scored<'a, S: AsRef<str>>(
    q: &[f32],
    rows: &[f32],
    dim: usize,
    ids: &'a [S],
) -> Vec<(f32, &'a str)> {
    rows.chunks_exact(dim)
        .zip(ids)
        .map(|(row, id)| (dot(row, q), id.as_ref()))
        .collect()
}

/// The dot product, summed in eight independent lanes so that it compiles to vector
/// instructions (a single running sum must be added in order, one float at a time).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len()) / 8 * 8;
    let mut lanes = [0f32; 8];
    for (x, y) in a[..n].chunks_exact(8).zip(b[..n].chunks_exact(8)) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a[n..].iter().zip(&b[n..]).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

/// Higher scores first, ties by id.
fn better(a: &(f32, &str), b: &(f32, &str)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

/// The best `k` of `v`, in no order.
fn keep(mut v: Vec<(f32, &str)>, k: usize) -> Vec<(f32, &str)> {
    if v.len() > k {
        v.select_nth_unstable_by(k, better);
        v.truncate(k);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_top_k_matches_a_full_sort_in_parallel_too() {
        let dim = 3;
        let n = 3 * ROWS_A_TASK + 17;
        let ids: Vec<String> = (0..n).map(|i| format!("d{i:05}")).collect();
        let refs: Vec<&String> = ids.iter().collect();
        let docs: Vec<f32> = (0..n * dim)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
            .collect();
        let q = [0.3, -0.2, 0.9];
        let got = top_k(&q, &docs, dim, &refs, 10);
        let mut all: Vec<(String, f32)> = docs
            .chunks_exact(dim)
            .zip(&ids)
            .map(|(r, id)| (id.clone(), dot(r, &q)))
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(10);
        assert_eq!(got, all);
        assert_eq!(top_k(&q, &docs[..6], dim, &refs[..2], 10).len(), 2);
    }

    #[test]
    fn dot_in_lanes_equals_the_plain_sum() {
        for n in [0, 1, 7, 8, 9, 16, 384, 389] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(dot(&a, &b)) - plain).abs() < 1e-4, "{n}");
        }
    }
}
