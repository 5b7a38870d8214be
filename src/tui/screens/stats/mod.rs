//! The Stats screen: the paper's figures for the runs open, with the labels in force (the
//! report is computed when the screen is shown and again when the labels change while it is).

mod view;

use crate::stats::{OutcomeOverrides, Report};
use crate::tui::component::{Component, Context, Effect};
use crate::tui::keymap::Action;

#[derive(Debug, Default)]
pub struct StatsScreen {
    report: Option<Report>,
}

impl StatsScreen {
    /// Computes the report from the runs and the human correctness labels.
    pub fn refresh(&mut self, cx: &Context) {
        let o = OutcomeOverrides {
            human: cx.journal.map(|j| j.run_correctness()).unwrap_or_default(),
            ..OutcomeOverrides::default()
        };
        let mut report = Report::with_outcomes(cx.runs, None, &o);
        // The screen shows the groups' figures; each run's are not kept.
        report.runs = Vec::new();
        self.report = Some(report);
    }

    /// Forgets the report (the labels changed while another screen was shown).
    pub fn clear(&mut self) {
        self.report = None;
    }
}

impl Component for StatsScreen {
    fn act(&mut self, _a: Action, _cx: &Context) -> Option<Effect> {
        None
    }

    fn draw(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &Context) {
        view::draw(self, frame, area, cx)
    }

    fn keys(&self) -> &'static str {
        "1 Runs · 2 Pairs · 4 Train · ? help │"
    }
}
