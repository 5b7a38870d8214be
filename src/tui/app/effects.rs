//! How the app carries out what its components ask (their effects): moving between screens,
//! opening a run, labelling, asking first, starting the judge, training and the closed loop.

use super::{App, PLAIN, Prompt};
use crate::tui::component::Effect;
use crate::tui::screens::Screen;

impl App {
    pub(super) fn apply(&mut self, e: Effect) {
        match e {
            Effect::None => {}
            Effect::Status(s) => self.status = s,
            Effect::Show(s) => self.show(s),
            Effect::OpenRun { run, step, back } => self.open_run(run, step, Some(back)),
            // Back through `show`, so a screen that reads the labels (Review, Stats) is
            // recomputed with what changed while the run was open.
            Effect::Back => self.show(self.nav.back_to),
            Effect::CloseHelp => self.nav.screen = self.nav.before_help,
            Effect::Search => self.prompt = Some(Prompt::Search(String::new())),
            Effect::LabelBrowse(v) => self.label_browse(v),
            Effect::LabelNegative(l) => self.label_negative(l),
            Effect::LabelPairs { idx, verdict } => self.label_pairs(idx, verdict),
            Effect::Confirm(c) => self.confirm = Some(c),
            Effect::StartTraining => self.start_training(),
            Effect::ClosedLoop(model) => self.start_closed_loop(model),
            Effect::Judge(choice) => self.start_judge(choice),
            Effect::LabelAt {
                run_id,
                step,
                verdict,
            } => self.label_at(run_id, step, verdict),
        }
    }

    /// Opens run `run` (an index into the runs) at step position `step`, listing every run
    /// first when the filter hides it; Esc then goes to `back` (or where it went before).
    /// Opens run `run` at the step of file index `step` (the first when `None`), read whole
    /// from its file.
    pub(super) fn open_run(&mut self, run: usize, step: Option<usize>, back: Option<Screen>) {
        if !self.screens.runs.select_run(run, &self.ws.derived.rows) {
            return;
        }
        self.ws.keep_whole(&[run]);
        let step = step
            .and_then(|i| self.ws.runs[run].steps.iter().position(|s| s.index == i))
            .unwrap_or(0);
        self.nav.screen = Screen::Run;
        if let Some(b) = back {
            self.nav.back_to = b;
        }
        let cx = super::context(&self.ws, &self.search, self.size, Some(run), None, &PLAIN);
        self.screens.run.open(step, &cx);
    }

    /// `C`: the selected (or open) run beside another run set's run of its question.
    pub(super) fn compare(&mut self) {
        let Some(a) = self.current_run() else {
            return;
        };
        let back = self.nav.screen;
        match self.screens.compare.open(&self.ws.runs, a, back) {
            Ok(()) => self.nav.screen = Screen::Compare,
            Err(why) => self.status = why,
        }
    }

    /// The judge dialog (`J`), asking about the open run on the Run screen, else every run.
    pub(super) fn ask_judge(&mut self) {
        let open = self.open_run_index();
        let cx = super::context(&self.ws, &self.search, self.size, open, None, &PLAIN);
        let e = self.judging.ask(&cx, open);
        self.apply(e);
    }

    /// The run open on the Run screen, if that screen is shown.
    fn open_run_index(&self) -> Option<usize> {
        match self.nav.screen {
            Screen::Run => self.current_run(),
            _ => None,
        }
    }

    /// Starts the judge chosen in its dialog.
    fn start_judge(&mut self, choice: crate::tui::screens::judge::JudgeChoice) {
        let sink = self
            .tx
            .as_ref()
            .map(|tx| crate::tui::jobs::sink_to(tx, super::Msg::Judge));
        let open = self.open_run_index();
        match self
            .judging
            .start(choice, &self.ws.runs, &self.ws.read, open, sink)
        {
            Ok((status, events)) => {
                self.status = status;
                for e in events {
                    self.update(super::Msg::Judge(e));
                }
            }
            Err(why) => self.status = why,
        }
    }

    /// Starts training on the pairs mined now (`S` on the Train screen).
    fn start_training(&mut self) {
        let set = self.ws.training_miner();
        let sink = self
            .tx
            .as_ref()
            .map(|tx| crate::tui::jobs::sink_to(tx, super::Msg::Train));
        let e = self.screens.train.start(
            set,
            self.ws.derived.total_pairs,
            self.ws.qrels.clone(),
            self.ws.corpus.as_deref().cloned(),
            sink,
        );
        self.apply(e);
    }

    /// Re-runs the held-out questions with the model trained into `model` (`L`).
    fn start_closed_loop(&mut self, model: std::path::PathBuf) {
        match crate::closed_loop::workspace_of(&self.ws.runs) {
            Some(ws) => {
                let sink = self
                    .tx
                    .as_ref()
                    .map(|tx| crate::tui::jobs::sink_to(tx, super::Msg::Loop));
                let t = &mut self.screens.train;
                t.start_closed_loop(ws, model, sink);
                self.status = t.loop_state.clone().unwrap_or_default();
            }
            None => {
                self.status = "the closed loop re-runs lrat synth's agent: open a workspace it \
                               wrote (with synth.json)"
                    .into()
            }
        }
    }

    /// `m`: the other mining mode.
    pub(super) fn toggle_mode(&mut self) {
        self.ws.mode = match self.ws.mode {
            crate::mine::Mode::Paper => crate::mine::Mode::Reference,
            crate::mine::Mode::Reference => crate::mine::Mode::Paper,
        };
        self.refresh();
        self.status = format!(
            "mining in {} mode: {}",
            self.ws.mode.name(),
            crate::text::count(self.ws.derived.total_pairs, "pair")
        );
    }

    /// `w`: `l` in tokens or in words (with a tokenizer).
    pub(super) fn toggle_length(&mut self) {
        if self.ws.tokens.is_none() {
            self.status =
                "no tokenizer: open with --tokenizer tokenizer.json (or a model folder)".into();
            return;
        }
        self.ws.use_tokens = !self.ws.use_tokens;
        self.refresh();
        self.status = format!(
            "length in {}",
            if self.ws.use_tokens {
                "tokens"
            } else {
                "words"
            }
        );
    }
}
