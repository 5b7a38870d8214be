//! Training data from runs: mined by the one derivation ([`crate::mine::mine_all`]) with the
//! caller's labels, mode and length measure, texts from the corpus or the runs' best texts
//! ([`crate::export::RunTexts`]), exactly as `lrat mine` exports them.

use crate::corpus::DocIndex;
use crate::export::{RunTexts, TextSource};
use crate::labels::Effective;
use crate::mine::{self, MineCounts, Pair, Policy};
use crate::run::Run;

use super::data::TrainSet;

/// How runs become pairs.
pub struct FromRuns<'a> {
    pub labels: Effective<'a>,
    pub policy: Policy<'a>,
    pub corpus: Option<&'a DocIndex>,
}

/// Mines `runs` and gathers the texts; also returns what mining counted.
pub fn from_runs(runs: &[Run], how: &FromRuns<'_>) -> (TrainSet, MineCounts) {
    from_runs_with(runs, how, &|runs| RunTexts::from_runs(runs))
}

/// [`from_runs`] for runs kept as shells ([`Run::shell`], as the app keeps them): without a
/// corpus the texts are read back from each run's file by `whole`, one run at a time.
pub fn from_shells(
    runs: &[Run],
    how: &FromRuns<'_>,
    whole: &dyn Fn(&Run) -> Option<Run>,
) -> (TrainSet, MineCounts) {
    from_runs_with(runs, how, &|runs| {
        RunTexts::from_shells(runs, whole).unwrap_or_else(|_| RunTexts::from_runs(runs))
    })
}

fn from_runs_with(
    runs: &[Run],
    how: &FromRuns<'_>,
    texts: &dyn Fn(&[Run]) -> RunTexts,
) -> (TrainSet, MineCounts) {
    let mined = mine::mine_all(runs, &how.labels, &how.policy);
    let pairs: Vec<Pair> = mined.pairs().cloned().collect();
    let set = match how.corpus {
        Some(ix) => TrainSet::from_pairs(&pairs, runs, &TextSource::Index(ix)),
        None => {
            let texts = texts(runs);
            TrainSet::from_pairs(&pairs, runs, &TextSource::Runs(&texts))
        }
    };
    (set, mined.counts())
}

/// True when the file's first non-empty line looks like a mined pair (`query` and `pos`), so
/// `lrat train FILE` can take pairs or runs.
pub fn is_pairs_file(path: &std::path::Path) -> bool {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
        if line.trim().is_empty() {
            continue;
        }
        return serde_json::from_str::<serde_json::Value>(&line)
            .map(|v| v.get("query").is_some() && v.get("pos").is_some())
            .unwrap_or(false);
    }
    false
}
