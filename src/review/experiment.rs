//! `lrat experiment review`: on simulated runs, where the truth of every browse is known, a
//! person labels by the truth in three orders — the review queue's priority, file order, and
//! random order (several seeds) — and the experiment counts how many of the verdicts in force
//! that were wrong each order has fixed after each label, and how many labels it takes to fix
//! 50, 80 and 95 % of them. The judges are lrat's heuristic rules and an LLM judge the
//! experiment serves itself on loopback ([`super::simulated_judge`]), once for each way its
//! probabilities may relate to its mistakes. Optionally it trains the retriever after 0, 50 and
//! 200 labels in each order and re-runs the simulated agent with it (the closed loop).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::Inputs;
use super::simulated_judge::{self, Answers, Errors, Probabilities, SimulatedJudge};
use crate::error::{Error, Result};
use crate::judge::{self, Outcome, heuristic, llm::LlmJudge};
use crate::labels::Effective;
use crate::mine::{Mode, Policy};
use crate::run::{self, ReadOptions, Run};
use crate::verdict::{Judgement, Panel, Rule, Verdict, Verdicts};

/// The experiment's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A simulated workspace (`runs/`, `truth.jsonl`, and for the closed loop `synth.json`,
    /// `corpus.jsonl`, `qrels.txt`).
    pub data: PathBuf,
    pub out: PathBuf,
    pub errors: Errors,
    /// One replay of the three orders for each.
    pub cases: Vec<Probabilities>,
    /// Seeds of the random order (its figures are their mean).
    pub random_seeds: Vec<u64>,
    /// The priority order is recomputed after this many labels (the judges' agreement with the
    /// labels moves it).
    pub rerank_every: usize,
    pub closed_loop: Option<ClosedLoop>,
}

/// Training after some labels and re-running the agent (for the first case).
#[derive(Debug, Clone)]
pub struct ClosedLoop {
    /// Label counts to train after (e.g. 0, 50, 200).
    pub labels: Vec<usize>,
    /// Unseen questions the agent re-runs with each trained retriever.
    pub test_runs: usize,
    pub config: crate::train::worker::TrainConfig,
    /// Training seeds (each its own start model and held-out runs); figures are their mean.
    pub seeds: Vec<u64>,
    pub scratch: crate::train::scratch::ScratchShape,
    /// A start model (default: a scratch model).
    pub model: Option<PathBuf>,
}

/// One order's replay.
#[derive(Debug, Clone, Serialize)]
pub struct OrderResult {
    pub labels_to_50: Option<f64>,
    pub labels_to_80: Option<f64>,
    pub labels_to_95: Option<f64>,
    /// `[labels, share of the errors fixed]`, sampled along the whole queue.
    pub curve: Vec<(usize, f64)>,
}

/// One probability style's replays.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub probabilities: Probabilities,
    /// Browses in the queue.
    pub browses: usize,
    /// Verdicts in force that disagree with the truth before any label.
    pub errors: usize,
    pub llm_errors: usize,
    pub heuristic_errors: usize,
    /// Browses the LLM judge left pending.
    pub pending: usize,
    pub priority: OrderResult,
    pub file: OrderResult,
    pub random: OrderResult,
}

/// The agent re-run with a retriever trained after `labels` labels in `order`.
#[derive(Debug, Clone, Serialize)]
pub struct LoopRow {
    pub order: String,
    pub labels: usize,
    pub seed: u64,
    /// Verdicts still wrong when it trained.
    pub errors_left: usize,
    pub pairs: usize,
    pub figures: crate::stats::agent::AgentFigures,
}

/// Everything measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub errors: Errors,
    pub cases: Vec<CaseResult>,
    pub closed_loop: Vec<LoopRow>,
}

/// The three orders by name.
pub const ORDERS: [&str; 3] = ["priority", "file", "random"];

fn data_err(path: &Path, what: &str) -> Error {
    Error::Train(crate::error::TrainError::Data {
        path: path.to_path_buf(),
        what: what.to_string(),
    })
}

/// The labels (in order) that fix the errors: how many are fixed after each label.
fn fixed_after(order: &[(String, usize)], wrong: &BTreeSet<(String, usize)>) -> Vec<usize> {
    let mut out = Vec::with_capacity(order.len() + 1);
    let mut fixed = 0;
    out.push(0);
    for k in order {
        fixed += usize::from(wrong.contains(k));
        out.push(fixed);
    }
    out
}

/// Labels needed to fix `share` of `total` errors, from [`fixed_after`].
fn labels_to(fixed: &[usize], total: usize, share: f64) -> Option<usize> {
    if total == 0 {
        return Some(0);
    }
    let need = (share * total as f64 - 1e-9).ceil() as usize;
    fixed.iter().position(|&f| f >= need)
}

/// A curve of about 60 points with every label count in `also`.
fn curve(fixed: &[usize], total: usize, also: &[usize]) -> Vec<(usize, f64)> {
    let n = fixed.len() - 1;
    let step = (n / 60).max(1);
    let mut ks: BTreeSet<usize> = (0..=n).step_by(step).collect();
    ks.insert(n);
    ks.extend(also.iter().copied().filter(|&k| k <= n));
    ks.into_iter()
        .map(|k| (k, fixed[k] as f64 / total.max(1) as f64))
        .collect()
}

/// Everything one case needs besides the order.
struct World<'a> {
    runs: &'a [Run],
    panel: &'a Panel,
    truth: &'a HashMap<(String, usize), bool>,
    mined: &'a crate::mine::Mined,
}

impl World<'_> {
    /// The verdicts in force once the browses in `labelled` carry their true label.
    fn overlay(&self, labelled: &[(String, usize)]) -> (Verdicts, Verdicts) {
        let mut v = self.panel.verdicts.clone().unwrap_or_default();
        let mut human = Verdicts::default();
        for (run, step) in labelled {
            if let Some(&useful) = self.truth.get(&(run.clone(), *step)) {
                let t = if useful {
                    Verdict::Relevant
                } else {
                    Verdict::NotRelevant
                };
                v.insert(run, *step, t);
                human.insert(run, *step, t);
            }
        }
        (v, human)
    }

    /// The queue's order as a person labelling by the truth meets it, recomputed every `every`
    /// labels.
    fn priority_order(&self, every: usize) -> Vec<(String, usize)> {
        let mut done: Vec<(String, usize)> = Vec::new();
        loop {
            let (judge, human) = self.overlay(&done);
            let q = super::queue(&Inputs {
                runs: self.runs,
                panel: self.panel,
                labels: Effective::new(Some(&judge), None),
                human: &human,
                mined: self.mined,
            });
            if q.items.is_empty() {
                return done;
            }
            done.extend(
                q.items
                    .iter()
                    .take(every.max(1))
                    .map(|i| (i.run_id.clone(), i.step)),
            );
        }
    }
}

/// Runs the experiment; `progress` hears a line per step.
pub fn run(s: &Settings, progress: &mut dyn FnMut(&str)) -> Result<Report> {
    let loaded = run::load(&[s.data.join("runs")], &ReadOptions::default())?;
    if loaded.runs.is_empty() {
        return Err(data_err(&s.data, "no runs under runs/"));
    }
    let truth_path = s.data.join("truth.jsonl");
    if !truth_path.is_file() {
        return Err(data_err(
            &s.data,
            "needs truth.jsonl (simulated data: lrat synth writes it)",
        ));
    }
    let truth = crate::synth::report::read_truth(&truth_path)?;
    let runs = &loaded.runs;
    let inputs = judge::browse_inputs(runs);
    let rules = heuristic::Rules::default_rules();
    let heuristic: Vec<Judgement> = inputs.iter().map(|i| heuristic::judge(&rules, i)).collect();
    let is_wrong = |j: &Judgement| {
        truth
            .get(&(j.run_id.clone(), j.step))
            .is_some_and(|&u| u != (j.verdict == Verdict::Relevant))
    };
    let mut report = Report {
        errors: s.errors,
        cases: Vec::new(),
        closed_loop: Vec::new(),
    };
    for (ci, &style) in s.cases.iter().enumerate() {
        let llm = judge_with_simulated_llm(s, &inputs, &truth, style)?;
        let pending = inputs.len() - llm.len();
        let mut panel = Panel::read(&[], Rule::default())?;
        panel.add(&heuristic)?;
        panel.add(&llm)?;
        let labels = Effective::new(panel.verdicts.as_ref(), None);
        let policy = Policy {
            mode: Mode::Paper,
            length: &crate::mine::Length::Words,
        };
        let mined = crate::mine::mine_all(runs, &labels, &policy);
        let world = World {
            runs,
            panel: &panel,
            truth: &truth,
            mined: &mined,
        };
        let file_order: Vec<(String, usize)> = super::items(&Inputs {
            runs,
            panel: &panel,
            labels,
            human: &labels.human_verdicts(),
            mined: &mined,
        })
        .items
        .iter()
        .map(|i| (i.run_id.clone(), i.step))
        .collect();
        let in_force = panel.verdicts.clone().unwrap_or_default();
        let wrong: BTreeSet<(String, usize)> = file_order
            .iter()
            .filter(|(r, st)| {
                truth.get(&(r.clone(), *st)).is_some_and(|&u| {
                    Some(u) != in_force.get(r, *st).map(|v| v == Verdict::Relevant)
                })
            })
            .cloned()
            .collect();
        let total = wrong.len();
        let marks: Vec<usize> = s
            .closed_loop
            .as_ref()
            .map(|c| c.labels.clone())
            .unwrap_or_default();
        // The curve keeps exact points where the table and the closed loop read it.
        let mut shown_at = vec![50, 200, 500];
        shown_at.extend(marks.iter().copied());
        let priority_order = world.priority_order(s.rerank_every);
        let priority_fixed = fixed_after(&priority_order, &wrong);
        let file_fixed = fixed_after(&file_order, &wrong);
        let mut random_orders = Vec::new();
        let mut random_fixed: Vec<Vec<usize>> = Vec::new();
        for &seed in &s.random_seeds {
            let mut o = file_order.clone();
            crate::rng::Rng::new(seed).shuffle(&mut o);
            random_fixed.push(fixed_after(&o, &wrong));
            random_orders.push(o);
        }
        let one = |fixed: &[usize]| OrderResult {
            labels_to_50: labels_to(fixed, total, 0.5).map(|x| x as f64),
            labels_to_80: labels_to(fixed, total, 0.8).map(|x| x as f64),
            labels_to_95: labels_to(fixed, total, 0.95).map(|x| x as f64),
            curve: curve(fixed, total, &shown_at),
        };
        let random = {
            let mean_to = |share| {
                let xs: Vec<usize> = random_fixed
                    .iter()
                    .filter_map(|f| labels_to(f, total, share))
                    .collect();
                (!xs.is_empty()).then(|| xs.iter().sum::<usize>() as f64 / xs.len() as f64)
            };
            let n = file_order.len();
            let mean_fixed: Vec<usize> = (0..=n)
                .map(|k| {
                    let sum: usize = random_fixed.iter().map(|f| f[k]).sum();
                    (sum as f64 / random_fixed.len().max(1) as f64).round() as usize
                })
                .collect();
            OrderResult {
                labels_to_50: mean_to(0.5),
                labels_to_80: mean_to(0.8),
                labels_to_95: mean_to(0.95),
                curve: curve(&mean_fixed, total, &shown_at),
            }
        };
        let case = CaseResult {
            probabilities: style,
            browses: file_order.len(),
            errors: total,
            llm_errors: llm.iter().filter(|j| is_wrong(j)).count(),
            heuristic_errors: heuristic.iter().filter(|j| is_wrong(j)).count(),
            pending,
            priority: one(&priority_fixed),
            file: one(&file_fixed),
            random,
        };
        progress(&format!(
            "{}: {} browses, {} verdicts in force wrong (LLM judge {}, heuristic {}); labels to fix 80 %: priority {}, file {}, random {}",
            style.name(),
            case.browses,
            total,
            case.llm_errors,
            case.heuristic_errors,
            show(case.priority.labels_to_80),
            show(case.file.labels_to_80),
            show(case.random.labels_to_80),
        ));
        if ci == 0
            && let Some(cl) = &s.closed_loop
        {
            let orders: [(&str, &[(String, usize)]); 3] = [
                ("priority", &priority_order),
                ("file", &file_order),
                (
                    "random",
                    random_orders.first().map(Vec::as_slice).unwrap_or(&[]),
                ),
            ];
            report.closed_loop = closed_loop(s, cl, &world, &orders, &wrong, progress)?;
        }
        report.cases.push(case);
    }
    Ok(report)
}

fn show(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into())
}

/// The LLM judge's verdicts from the simulated server in `style` (browses it left pending are
/// not among them).
fn judge_with_simulated_llm(
    s: &Settings,
    inputs: &[judge::BrowseInput],
    truth: &HashMap<(String, usize), bool>,
    style: Probabilities,
) -> Result<Vec<Judgement>> {
    let cfg = crate::config::JudgeConfig {
        url: String::new(),
        model: "simulated-judge".into(),
        temperature: 0.0,
        top_p: 1.0,
        max_tokens: 64,
        concurrency: 8,
        timeout_secs: 30,
        attempts: 2,
        backoff_ms: 10,
        backoff_max_ms: 100,
        logprobs: true,
        votes: 1,
    };
    let prompter = LlmJudge::new(cfg.clone(), None, None, None);
    let mut answers = Answers::new();
    for i in inputs {
        let Some(&useful) = truth.get(&(i.run_id.clone(), i.step)) else {
            continue;
        };
        let key = format!("{}:{}", i.run_id, i.step);
        answers.insert(
            simulated_judge::prompt_key(&prompter.prompt(i)),
            s.errors.answer(&key, useful, style),
        );
    }
    let server = SimulatedJudge::start(answers)?;
    let client = LlmJudge::new(
        crate::config::JudgeConfig {
            url: server.url.clone(),
            ..cfg
        },
        None,
        None,
        None,
    );
    let out = client.judge_all(inputs, &|_, _| {});
    drop(server);
    Ok(out
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Judged { judgement, .. } => Some(judgement),
            Outcome::Pending(_) => None,
        })
        .collect())
}

/// Trains after each label count in each order and re-runs the agent with the model.
fn closed_loop(
    s: &Settings,
    cl: &ClosedLoop,
    world: &World<'_>,
    orders: &[(&str, &[(String, usize)]); 3],
    wrong: &BTreeSet<(String, usize)>,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<LoopRow>> {
    let settings = crate::synth::Settings::read(&s.data)?.ok_or_else(|| {
        data_err(
            &s.data,
            "the closed loop re-runs the simulated agent, so the data needs the synth.json lrat synth writes",
        )
    })?;
    let (corpus, _) = crate::corpus::open_or_build(&s.data.join("corpus.jsonl"))?;
    let (qrels, _) = crate::qrels::Qrels::read(&s.data.join("qrels.txt"))?;
    let policy = Policy {
        mode: Mode::Paper,
        length: &crate::mine::Length::Words,
    };
    let all: BTreeSet<String> = world.runs.iter().map(|r| r.id.clone()).collect();
    let first = settings.first_question + settings.runs;
    let mut rows = Vec::new();
    for &seed in &cl.seeds {
        let held = crate::experiment::held_out_runs(&all, cl.config.holdout, seed);
        let max = crate::train::encoder::MaxLengths {
            query: cl.config.query_max_len,
            passage: cl.config.passage_max_len,
        };
        let start = match &cl.model {
            Some(m) => m.clone(),
            None => {
                let d = s.out.join(format!("start-{seed}"));
                let (set, _) = crate::train::source::from_runs(
                    world.runs,
                    &crate::train::source::FromRuns {
                        labels: Effective::new(None, None),
                        policy,
                        corpus: Some(&corpus),
                    },
                );
                crate::train::scratch::build(
                    set.texts().into_iter(),
                    cl.scratch,
                    max,
                    seed,
                    &candle_core::Device::Cpu,
                )?
                .save(&d)?;
                d
            }
        };
        let mut at_zero: Option<LoopRow> = None;
        for (name, order) in orders {
            for &k in &cl.labels {
                if k == 0
                    && let Some(z) = &at_zero
                {
                    rows.push(LoopRow {
                        order: name.to_string(),
                        ..z.clone()
                    });
                    continue;
                }
                let labelled = &order[..k.min(order.len())];
                let (judge, _) = world.overlay(labelled);
                let (set, _) = crate::train::source::from_runs(
                    world.runs,
                    &crate::train::source::FromRuns {
                        labels: Effective::new(Some(&judge), None),
                        policy,
                        corpus: Some(&corpus),
                    },
                );
                let set = Arc::new(set);
                let slug = format!("{name}-{k}-seed-{seed}");
                let dir = s.out.join("trained").join(&slug);
                crate::experiment::train_once(
                    &crate::experiment::Once {
                        name: &slug,
                        config: crate::train::worker::TrainConfig {
                            weighted: true,
                            seed,
                            ..cl.config.clone()
                        },
                        scratch: cl.scratch,
                        start: &start,
                        held: &held,
                        qrels: &qrels,
                        corpus: &corpus,
                        out: &dir,
                    },
                    &set,
                )?;
                let figures = crate::closed_loop::rerun(
                    &settings,
                    &crate::synth::Questions::Range {
                        first,
                        runs: cl.test_runs,
                    },
                    &slug,
                    &crate::retriever::Choice::Model(dir.clone()),
                    &s.out.join("closed-loop").join(&slug),
                    &s.out.join("embeddings"),
                )?;
                let fixed = labelled.iter().filter(|x| wrong.contains(*x)).count();
                let row = LoopRow {
                    order: name.to_string(),
                    labels: k,
                    seed,
                    errors_left: wrong.len() - fixed,
                    pairs: set
                        .examples
                        .iter()
                        .filter(|e| !held.contains(&e.run_id))
                        .count(),
                    figures,
                };
                progress(&format!(
                    "closed loop, seed {seed}, {name} order after {k} labels ({} errors left): success {:.3}, evidence recall {:.3}, {:.1} searches a run",
                    row.errors_left,
                    row.figures.success,
                    row.figures.evidence_recall.unwrap_or(0.0),
                    row.figures.search_calls
                ));
                if k == 0 {
                    at_zero = Some(row.clone());
                }
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

impl Report {
    /// `report.json`: the first case's three orders at the top (`priority`, `file`, `random`,
    /// each with `labels_to_50/80/95` and `curve`), every case under `cases`, the closed loop.
    pub fn json(&self) -> serde_json::Value {
        let first = self.cases.first();
        serde_json::json!({
            "probabilities": first.map(|c| c.probabilities),
            "priority": first.map(|c| &c.priority),
            "file": first.map(|c| &c.file),
            "random": first.map(|c| &c.random),
            "errors": first.map(|c| c.errors),
            "browses": first.map(|c| c.browses),
            "judge_errors": self.errors,
            "cases": self.cases,
            "closed_loop": self.closed_loop,
        })
    }

    /// The table: labels to fix 50/80/95 % of the errors per case and order, the share fixed
    /// after some label counts, and the closed loop.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "LLM judge: {:.0} % of verdicts wrong on average, {:.0} % of browses hard",
            self.errors.rate * 100.0,
            self.errors.hard * 100.0
        );
        for c in &self.cases {
            let _ = writeln!(
                o,
                "\n{} probabilities: {} browses, {} verdicts in force wrong (LLM judge alone {}, heuristic alone {}){}",
                c.probabilities.name(),
                c.browses,
                c.errors,
                c.llm_errors,
                c.heuristic_errors,
                if c.pending > 0 {
                    format!(", {} pending", c.pending)
                } else {
                    String::new()
                }
            );
            let _ = writeln!(
                o,
                "{:<10} {:>10} {:>10} {:>10}   fixed after 50 / 200 / 500 labels",
                "order", "to 50 %", "to 80 %", "to 95 %"
            );
            for (name, r) in [
                ("priority", &c.priority),
                ("file", &c.file),
                ("random", &c.random),
            ] {
                let at = |k: usize| {
                    r.curve
                        .iter()
                        .rev()
                        .find(|(x, _)| *x <= k)
                        .map(|(_, f)| format!("{:>4.0} %", f * 100.0))
                        .unwrap_or_else(|| "   -".into())
                };
                let _ = writeln!(
                    o,
                    "{:<10} {:>10} {:>10} {:>10}   {} / {} / {}",
                    name,
                    show(r.labels_to_50),
                    show(r.labels_to_80),
                    show(r.labels_to_95),
                    at(50),
                    at(200),
                    at(500)
                );
            }
            if let (Some(p), Some(r)) = (c.priority.labels_to_80, c.random.labels_to_80)
                && r > 0.0
            {
                let _ = writeln!(
                    o,
                    "priority needs {:.2}× the labels random order needs to fix 80 %",
                    p / r
                );
            }
        }
        if !self.closed_loop.is_empty() {
            let _ = writeln!(
                o,
                "\nclosed loop ({} probabilities): the agent re-run with the retriever trained after N labels",
                self.cases.first().map_or("", |c| c.probabilities.name())
            );
            let seeds: BTreeSet<u64> = self.closed_loop.iter().map(|r| r.seed).collect();
            let _ = writeln!(o, "mean ± sd over {} training seed(s)", seeds.len());
            let _ = writeln!(
                o,
                "{:<10} {:>6} {:>12} {:>15} {:>17} {:>9}",
                "order", "labels", "errors left", "success", "evidence recall", "searches"
            );
            let mut keys: Vec<(String, usize)> = Vec::new();
            for r in &self.closed_loop {
                if !keys.contains(&(r.order.clone(), r.labels)) {
                    keys.push((r.order.clone(), r.labels));
                }
            }
            for (order, labels) in keys {
                let rs: Vec<&LoopRow> = self
                    .closed_loop
                    .iter()
                    .filter(|r| r.order == order && r.labels == labels)
                    .collect();
                let col = |f: &dyn Fn(&LoopRow) -> f64| {
                    crate::stats::agent::mean_sd(&rs.iter().map(|r| f(r)).collect::<Vec<_>>())
                };
                let (s_m, s_sd) = col(&|r| r.figures.success);
                let (e_m, e_sd) = col(&|r| r.figures.evidence_recall.unwrap_or(0.0));
                let (q_m, _) = col(&|r| r.figures.search_calls);
                let _ = writeln!(
                    o,
                    "{:<10} {:>6} {:>12} {:>15} {:>17} {:>9.2}",
                    order,
                    labels,
                    rs.first().map_or(0, |r| r.errors_left),
                    format!("{s_m:.3} ± {s_sd:.3}"),
                    format!("{e_m:.3} ± {e_sd:.3}"),
                    q_m
                );
            }
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_labels() {
        let k = |r: &str, s| (r.to_string(), s);
        let wrong: BTreeSet<_> = [k("a", 1), k("b", 2)].into_iter().collect();
        let order = [k("a", 1), k("c", 1), k("b", 2), k("d", 1)];
        let f = fixed_after(&order, &wrong);
        assert_eq!(f, vec![0, 1, 1, 2, 2]);
        assert_eq!(labels_to(&f, 2, 0.5), Some(1));
        assert_eq!(labels_to(&f, 2, 0.8), Some(3));
        assert_eq!(labels_to(&f, 0, 0.8), Some(0));
        let c = curve(&f, 2, &[2]);
        assert_eq!(c.first(), Some(&(0, 0.0)));
        assert_eq!(c.last(), Some(&(4, 1.0)));
    }
}
