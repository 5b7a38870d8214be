//! The app's screens, each a [`Component`](super::component::Component) in a folder of its
//! own with its state (`mod.rs`) and its drawing (`view.rs`); none names the app.

pub mod compare;
pub mod found;
pub mod help;
pub mod judge;
pub mod pairs;
pub mod review;
pub mod run;
pub mod runs;
pub mod stats;
pub mod train;

use super::component::Component;
pub use super::component::Screen;

/// Every screen's component.
pub struct Screens {
    pub runs: runs::RunsScreen,
    pub run: run::RunScreen,
    pub pairs: pairs::PairsScreen,
    pub stats: stats::StatsScreen,
    pub train: train::TrainScreen,
    pub review: review::ReviewScreen,
    pub compare: compare::CompareScreen,
    pub found: found::FoundScreen,
    pub help: help::HelpScreen,
}

impl Screens {
    pub fn new(model_dir: &std::path::Path) -> Screens {
        Screens {
            runs: Default::default(),
            run: Default::default(),
            pairs: Default::default(),
            stats: Default::default(),
            train: train::TrainScreen::new(&model_dir.display().to_string()),
            review: Default::default(),
            compare: Default::default(),
            found: Default::default(),
            help: Default::default(),
        }
    }

    /// The component of screen `s`.
    pub fn get(&self, s: Screen) -> &dyn Component {
        match s {
            Screen::Runs => &self.runs,
            Screen::Run => &self.run,
            Screen::Pairs => &self.pairs,
            Screen::Stats => &self.stats,
            Screen::Train => &self.train,
            Screen::Review => &self.review,
            Screen::Compare => &self.compare,
            Screen::Found => &self.found,
            Screen::Help => &self.help,
        }
    }

    pub fn get_mut(&mut self, s: Screen) -> &mut dyn Component {
        match s {
            Screen::Runs => &mut self.runs,
            Screen::Run => &mut self.run,
            Screen::Pairs => &mut self.pairs,
            Screen::Stats => &mut self.stats,
            Screen::Train => &mut self.train,
            Screen::Review => &mut self.review,
            Screen::Compare => &mut self.compare,
            Screen::Found => &mut self.found,
            Screen::Help => &mut self.help,
        }
    }
}
