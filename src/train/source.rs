//! Training data from runs: mine them (effective verdicts: human labels over the judge's), leave
//! out negatives people labelled, and look the texts up in the corpus or in what the runs showed.

use crate::corpus::DocIndex;
use crate::export::TextSource;
use crate::labels::Journal;
use crate::mine::{self, Length, MineCounts, Mode};
use crate::run::Run;
use crate::verdict::Verdicts;

use super::data::TrainSet;

/// How runs become pairs.
pub struct FromRuns<'a> {
    pub mode: Mode,
    /// Effective verdicts (judge with human labels laid over); `None`: every browse counts.
    pub verdicts: Option<&'a Verdicts>,
    pub human: Option<&'a Journal>,
    pub corpus: Option<&'a DocIndex>,
}

/// Mines `runs` and gathers the texts; also returns what mining counted.
pub fn from_runs(runs: &[Run], how: &FromRuns<'_>) -> (TrainSet, MineCounts) {
    let (mut pairs, mut counts, _) = mine::mine_all(runs, how.mode, how.verdicts, &Length::Words);
    mine::drop_labelled_negatives(&mut pairs, how.human, &mut counts);
    let texts = match how.corpus {
        Some(ix) => TextSource::Index(ix),
        None => TextSource::Runs,
    };
    (TrainSet::from_pairs(&pairs, runs, &texts), counts)
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
