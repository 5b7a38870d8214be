//! Ground-truth metrics of a simulated data set: how well the heuristic judge recovers which
//! browses helped, how many mined negatives are really evidence, and how post-browse length
//! relates to usefulness.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, InputError};
use crate::judge::{browse_inputs, heuristic};
use crate::mine::{self, Length, MineCounts, Mode};
use crate::qrels::Qrels;
use crate::run::{self, ReadOptions};
use crate::verdict::{Verdict, Verdicts};

#[derive(Debug, Deserialize)]
struct TruthRow {
    run_id: String,
    step: usize,
    useful: bool,
    /// Absent in data simulated before grades existed.
    grade: Option<f64>,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct TruthReport {
    pub runs: usize,
    pub browses: usize,
    pub useful: usize,
    /// Heuristic verdicts that match the truth (relevant = useful).
    pub judge_accuracy: Option<f64>,
    /// Of the browses the heuristic rejects, the share that really were useless.
    pub judge_reject_precision: Option<f64>,
    /// Of the useless browses, the share the heuristic rejects.
    pub judge_reject_recall: Option<f64>,
    /// Paper-mode negatives that are evidence documents of their question (false negatives).
    pub negatives: usize,
    pub false_negative_share: Option<f64>,
    /// The same in reference mode, whose negatives span every search since the last accepted
    /// browse and keep documents the run browses later.
    pub reference_negatives: usize,
    pub reference_false_negative_share: Option<f64>,
    /// Point-biserial correlation of post-browse words with usefulness.
    pub length_usefulness_r: Option<f64>,
    pub mean_words_useful: Option<f64>,
    pub mean_words_useless: Option<f64>,
    /// Spearman rank correlation of post-browse words with the page's grade, over every browse
    /// and among useful pages only (what the intensity weights rely on).
    pub length_grade_rho: Option<f64>,
    pub length_grade_rho_useful: Option<f64>,
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Whether each browse helped, by run and step, from a simulator's `truth.jsonl`.
pub fn read_truth(path: &Path) -> Result<HashMap<(String, usize), bool>, Error> {
    Ok(read_grades(path)?
        .into_iter()
        .map(|(k, (useful, _))| (k, useful))
        .collect())
}

/// Whether a browse helped, and its grade (absent in data simulated before grades).
pub type Graded = (bool, Option<f64>);

/// Usefulness and grade of each browse, by run and step.
pub fn read_grades(path: &Path) -> Result<HashMap<(String, usize), Graded>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut truth = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: TruthRow = serde_json::from_str(line)
            .map_err(|e| Error::Input(InputError::from_json(path, i + 1, &e)))?;
        truth.insert((row.run_id, row.step), (row.useful, row.grade));
    }
    Ok(truth)
}

pub fn report(dir: &Path) -> Result<TruthReport, Error> {
    let loaded = run::load(&[dir.join("runs")], &ReadOptions::default())?;
    if let Some(e) = loaded.errors.first() {
        return Err(Error::Input(e.clone()));
    }
    let truth = read_grades(&dir.join("truth.jsonl"))?;
    let (qrels, _) = Qrels::read(&dir.join("qrels.txt"))?;
    let rules = heuristic::Rules::default_rules();
    let mut right = 0usize;
    let mut judged = 0usize;
    let mut rejected = 0usize;
    let mut rejected_useless = 0usize;
    let mut verdicts = Verdicts::default();
    let (mut lens, mut useful_flags) = (Vec::new(), Vec::new());
    let mut grades: Vec<Option<f64>> = Vec::new();
    for b in browse_inputs(&loaded.runs) {
        let Some(&(useful, grade)) = truth.get(&(b.run_id.clone(), b.step)) else {
            continue;
        };
        grades.push(grade);
        let j = heuristic::judge(&rules, &b);
        judged += 1;
        right += usize::from((j.verdict == Verdict::Relevant) == useful);
        if j.verdict == Verdict::NotRelevant {
            rejected += 1;
            rejected_useless += usize::from(!useful);
        }
        verdicts.insert(&b.run_id, b.step, j.verdict);
        lens.push(crate::run::skeleton::words(&b.reasoning) as f64);
        useful_flags.push(useful);
    }
    let count = |mode: Mode| {
        let (mut negatives, mut false_negatives) = (0usize, 0usize);
        for r in &loaded.runs {
            let mut c = MineCounts::default();
            let labels = crate::labels::Effective::new(Some(&verdicts), None);
            let policy = mine::Policy {
                mode,
                length: &Length::Words,
            };
            let cands = mine::mine_run(r, &labels, &policy, &mut c);
            for p in cands.iter().filter(|x| x.status.emitted()).map(|x| &x.pair) {
                negatives += p.neg_id.len();
                false_negatives += p
                    .neg_id
                    .iter()
                    .filter(|d| qrels.is_evidence(&r.query_id, d))
                    .count();
            }
        }
        (negatives, false_negatives)
    };
    let (negatives, false_negatives) = count(Mode::Paper);
    let (ref_negatives, ref_false_negatives) = count(Mode::Reference);
    let useful_l: Vec<f64> = lens
        .iter()
        .zip(&useful_flags)
        .filter(|(_, u)| **u)
        .map(|(l, _)| *l)
        .collect();
    let useless_l: Vec<f64> = lens
        .iter()
        .zip(&useful_flags)
        .filter(|(_, u)| !**u)
        .map(|(l, _)| *l)
        .collect();
    let r = point_biserial(&lens, &useful_flags);
    let graded = |only_useful: bool| -> Option<f64> {
        let (x, y): (Vec<f64>, Vec<f64>) = lens
            .iter()
            .zip(&grades)
            .zip(&useful_flags)
            .filter(|(_, u)| !only_useful || **u)
            .map(|((l, g), _)| g.map(|g| (*l, g)))
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .unzip();
        spearman(&x, &y)
    };
    Ok(TruthReport {
        runs: loaded.runs.len(),
        browses: judged,
        useful: useful_l.len(),
        judge_accuracy: (judged > 0).then(|| right as f64 / judged as f64),
        judge_reject_precision: (rejected > 0).then(|| rejected_useless as f64 / rejected as f64),
        judge_reject_recall: (!useless_l.is_empty())
            .then(|| rejected_useless as f64 / useless_l.len() as f64),
        negatives,
        false_negative_share: (negatives > 0).then(|| false_negatives as f64 / negatives as f64),
        reference_negatives: ref_negatives,
        reference_false_negative_share: (ref_negatives > 0)
            .then(|| ref_false_negatives as f64 / ref_negatives as f64),
        length_usefulness_r: r,
        mean_words_useful: mean(&useful_l),
        mean_words_useless: mean(&useless_l),
        length_grade_rho: graded(false),
        length_grade_rho_useful: graded(true),
    })
}

/// Ranks with ties given their mean rank.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation of two samples.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    if x.len() < 3 {
        return None;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx.sqrt() * vy.sqrt()))
}

/// Spearman rank correlation (Pearson on ranks, ties averaged).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// Pearson correlation of `x` with a 0/1 variable.
pub fn point_biserial(x: &[f64], flag: &[bool]) -> Option<f64> {
    let y: Vec<f64> = flag.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
    pearson(x, &y)
}

impl TruthReport {
    pub fn render(&self) -> String {
        let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
        format!(
            "ground truth of {} runs, {} browses ({} useful)\n\
             heuristic judge accuracy               {}\n\
             heuristic rejections really useless    {}\n\
             useless pages the heuristic rejects    {}\n\
             mined negatives that are evidence      {} of {} (paper), {} of {} (reference)\n\
             post-browse words vs usefulness, r     {}\n\
             post-browse words vs grade, Spearman   {} (all pages), {} (useful pages)\n\
             mean words after a useful page         {}\n\
             mean words after a useless page        {}\n",
            self.runs,
            self.browses,
            self.useful,
            f(self.judge_accuracy),
            f(self.judge_reject_precision),
            f(self.judge_reject_recall),
            f(self.false_negative_share),
            self.negatives,
            f(self.reference_false_negative_share),
            self.reference_negatives,
            f(self.length_usefulness_r),
            f(self.length_grade_rho),
            f(self.length_grade_rho_useful),
            f(self.mean_words_useful),
            f(self.mean_words_useless),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_by_hand() {
        let r = point_biserial(&[1.0, 2.0, 3.0, 4.0], &[false, false, true, true]).unwrap();
        assert!((r - 0.894_427_190_999_915_9).abs() < 1e-12, "{r}");
        assert_eq!(point_biserial(&[1.0, 1.0], &[true, false]), None);
    }
}
