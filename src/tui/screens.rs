//! How the app carries out what its screen components ask (their effects): labelling pairs and
//! opening a run from the Pairs screen, starting and stopping training on the Train screen with
//! the pairs mined now. The components own their state and never touch the app.

use super::app::{App, Confirm, Msg, Pane, Screen};
use super::keymap::Action;
use super::pairs::PairsEffect;
use super::run_screen::RunEffect;
use super::runs::RunsEffect;
use super::training::{Miner, Sink, TrainEffect};
use crate::labels::{LabelKey, LabelValue};
use std::sync::Arc;

use crate::labels::Effective;
use crate::mine::{Length, Policy};
use crate::train::source::{FromRuns, from_runs};
use crate::verdict::Verdict;

impl App {
    /// What training learns from: the pairs the screens show (this mode, these labels, this
    /// length measure), texts as the export writes them.
    pub fn training_set(&self) -> crate::train::data::TrainSet {
        self.training_miner()()
    }

    /// `training_set` as work that owns what it needs (the runs, a snapshot of the labels, the
    /// length measure, the corpus), so the training thread mines, not the draw loop.
    pub fn training_miner(&self) -> Miner {
        let runs = self.runs.clone();
        let judge = self.judge.clone();
        let human = self.journal.as_ref().map(crate::labels::Journal::snapshot);
        let unjudged = self.unjudged;
        let mode = self.mode;
        let length = match (&self.tokens, self.use_tokens) {
            (Some(t), true) => t.clone(),
            _ => Arc::new(Length::Words),
        };
        let corpus = self.corpus.as_deref().cloned();
        Box::new(move || {
            let labels = Effective {
                judge: judge.as_ref(),
                human: human.as_ref(),
                unjudged,
            };
            let policy = Policy {
                mode,
                length: &length,
            };
            from_runs(
                &runs,
                &FromRuns {
                    labels,
                    policy,
                    corpus: corpus.as_ref(),
                },
            )
            .0
        })
    }

    /// An action on the Runs screen; `false` when it is not that screen's.
    pub(super) fn runs_action(&mut self, a: Action) -> bool {
        let Some(e) = self.list.act(a, &self.derived.rows, self.page) else {
            return false;
        };
        match e {
            RunsEffect::None => {}
            RunsEffect::Status(s) => self.status = s,
            RunsEffect::Open => {
                self.screen = Screen::Run;
                self.back_to = Screen::Runs;
                self.run_view.step = 0;
                self.run_view.pane = Pane::Timeline;
                self.select_step(0);
            }
        }
        true
    }

    /// An action on the Run screen; `false` when it is not that screen's.
    pub(super) fn run_action(&mut self, a: Action) -> bool {
        // How far the detail scrolls is worked out only for the keys that need it.
        let max = if matches!(a, Action::PageDown | Action::Bottom)
            && self.run_view.pane == Pane::Detail
        {
            super::views::run::detail_scroll_max(self)
        } else {
            0
        };
        let scroll_max = move || max;
        let cx = self.run_context(&scroll_max);
        let Some(e) = self.run_view.act(a, &cx) else {
            return false;
        };
        match e {
            RunEffect::None => {}
            RunEffect::Back => self.screen = self.back_to,
            RunEffect::Verdict(v) => self.label_browse(v),
            RunEffect::Negative(l) => self.label_negative(l),
        }
        true
    }

    /// The Pairs screen's list after the candidates changed.
    pub(super) fn refresh_pairs(&mut self) {
        self.pairs.refresh(&self.derived.candidates);
    }

    /// An action on the Pairs screen.
    pub(super) fn pairs_action(&mut self, a: Action) {
        let e = self.pairs.act(a, &self.derived.candidates, self.page);
        match e {
            PairsEffect::None => {}
            PairsEffect::Status(s) => self.status = s,
            PairsEffect::Label { idx, verdict } => self.label_pairs(idx, verdict),
            PairsEffect::AskLabelShown { idx, verdict } => {
                self.confirm = Some(Confirm::LabelPairs { idx, verdict })
            }
            PairsEffect::Open { run, step } => self.open_browse(run, step),
        }
    }

    /// Opens run `run` (an index into `runs`) at its step `step`, coming from the Pairs screen.
    fn open_browse(&mut self, run: usize, step: usize) {
        if !self.list.order.contains(&run) {
            self.list.filter = super::app::Filter::All;
            self.refresh();
        }
        if let Some(p) = self.list.order.iter().position(|&i| i == run) {
            self.list.selected = p;
            self.screen = Screen::Run;
            self.back_to = Screen::Pairs;
            self.run_view.pane = Pane::Timeline;
            let pos = self.runs[run]
                .steps
                .iter()
                .position(|s| s.index == step)
                .unwrap_or(0);
            self.select_step(pos);
        }
    }

    /// Sets the verdict of these candidates as one journal change.
    pub(super) fn label_pairs(&mut self, idx: Vec<usize>, v: Verdict) {
        let changes: Vec<(LabelKey, Option<LabelValue>)> = idx
            .iter()
            .filter_map(|&i| self.derived.candidates.get(i))
            .map(|c| {
                (
                    LabelKey::Browse {
                        run_id: c.pair.run_id.clone(),
                        step: c.pair.browse_step,
                    },
                    Some(LabelValue::Verdict(v)),
                )
            })
            .collect();
        let Some(j) = self.journal.as_mut() else {
            self.status = "labels are not open: nothing was written".into();
            return;
        };
        let n = changes.len();
        match j.set_all(changes.clone()) {
            Ok(_) => {
                self.status = format!(
                    "{n} browse(s) marked {} as one change (u undoes it), saved to {}",
                    v.label(),
                    j.path().display()
                );
                self.refresh_changed(&changes);
            }
            Err(e) => self.status = format!("not saved: {e}"),
        }
    }

    /// An action on the Train screen; `false` when it is not that screen's.
    pub(super) fn train_action(&mut self, a: Action) -> bool {
        match self.train.act(a) {
            Some(e) => {
                self.apply_train(e);
                true
            }
            None => false,
        }
    }

    pub(super) fn apply_train(&mut self, e: TrainEffect) {
        match e {
            TrainEffect::None => {}
            TrainEffect::Status(s) => self.status = s,
            // The screens' pair count is already known: no run folder for nothing to train on.
            TrainEffect::Start if self.derived.total_pairs == 0 && !self.train.running => {
                self.train.state = "no pairs to train on".into();
            }
            TrainEffect::Start => {
                let set = self.training_miner();
                let sink: Option<Sink> = self
                    .tx
                    .clone()
                    .map(|tx| Box::new(move |e| tx.send(Msg::Train(e)).is_ok()) as Sink);
                let e = self.train.start(
                    set,
                    self.qrels.clone(),
                    self.corpus.as_deref().cloned(),
                    sink,
                );
                self.apply_train(e);
            }
            TrainEffect::ClosedLoop(model) => match crate::closed_loop::workspace_of(&self.runs) {
                Some(ws) => {
                    let sink = self.tx.clone().map(|tx| {
                        Box::new(move |e| tx.send(Msg::Loop(e)).is_ok())
                            as super::background::Sink<super::training::LoopEvent>
                    });
                    self.train.start_closed_loop(ws, model, sink);
                    self.status = self.train.loop_state.clone().unwrap_or_default();
                }
                None => {
                    self.status = "the closed loop re-runs lrat synth's agent: open a workspace it wrote (with synth.json)".into()
                }
            },
        }
    }
}
