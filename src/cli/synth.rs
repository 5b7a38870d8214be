//! `lrat synth`: simulated runs with known ground truth.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::synth::{self, Knobs};

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder: corpus.jsonl, questions.jsonl, qrels.txt, truth.jsonl, runs/.
    #[arg(long)]
    out: PathBuf,
    /// Runs (one question each).
    #[arg(long, default_value_t = 40)]
    runs: usize,
    /// Documents in the corpus (a fifth about entities, the rest distractors).
    #[arg(long, default_value_t = 2000)]
    docs: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The world's question the first run asks: runs ask questions N, N+1, … (the same world
    /// for the same --docs and --seed), so training and test questions can be kept apart and
    /// the same questions run with several retrievers.
    #[arg(long, default_value_t = 0, value_name = "N")]
    first_question: usize,
    /// What serves the agent's searches: `bm25`, or a model folder (a dense retriever over the
    /// world's corpus; its document embeddings are computed once, kept under OUT/.lrat/dense).
    #[arg(long, default_value = "bm25", value_name = "bm25|MODEL_DIR")]
    retriever: crate::retriever::Choice,
    #[command(flatten)]
    knobs: KnobArgs,
    /// Print the ground-truth report after writing.
    #[arg(long)]
    report: bool,
}

impl SynthArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let knobs = self.knobs.knobs();
        let t = Instant::now();
        let plan = synth::Plan {
            docs: self.docs,
            seed: self.seed,
            knobs,
            questions: synth::Questions::Range {
                first: self.first_question,
                runs: self.runs,
            },
            retriever: self.retriever.clone(),
            embeddings: None,
        };
        let bar = super::progress::documents_bar("embedding the world's documents");
        let w = synth::generate_with(&self.out, &plan, &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })?;
        bar.finish_and_clear();
        eprintln!(
            "wrote {} runs ({} browses) over {} documents to {} in {:.1}s",
            w.runs,
            w.browses,
            w.docs,
            self.out.display(),
            t.elapsed().as_secs_f64()
        );
        if self.report {
            print!("{}", synth::report::report(&self.out)?.render());
        }
        Ok(())
    }
}

/// The simulated agent's knobs, shared by `lrat synth` and `lrat experiment ablation`.
#[derive(Debug, Clone, Args)]
pub struct KnobArgs {
    /// Hits per search.
    #[arg(long, default_value_t = Knobs::default().k)]
    k: usize,
    /// Chance of browsing the needed page when a search returns it.
    #[arg(long, default_value_t = Knobs::default().find_rate)]
    find_rate: f64,
    /// Chance of browsing another hit at rank 1 (falls by --rank-decay per rank).
    #[arg(long, default_value_t = Knobs::default().distractor_rate)]
    distractor_rate: f64,
    #[arg(long, default_value_t = Knobs::default().rank_decay)]
    rank_decay: f64,
    /// Chance a sub-query loses a name word or gains a stray one.
    #[arg(long, default_value_t = Knobs::default().query_noise)]
    query_noise: f64,
    /// Searches per hop before the agent guesses.
    #[arg(long, default_value_t = Knobs::default().searches_per_hop)]
    searches_per_hop: usize,
    /// Chance a helpful page gets only a terse note.
    #[arg(long, default_value_t = Knobs::default().terse_rate)]
    terse_rate: f64,
    /// Chance an unhelpful page is rejected in words.
    #[arg(long, default_value_t = Knobs::default().reject_rate)]
    reject_rate: f64,
    /// Chance an unhelpful page gets long reasoning anyway.
    #[arg(long, default_value_t = Knobs::default().long_useless_rate)]
    long_useless_rate: f64,
    /// Chance a run loops on searches and answers wrongly.
    #[arg(long, default_value_t = Knobs::default().loop_rate)]
    loop_rate: f64,
    /// Steps after which a run stops.
    #[arg(long, default_value_t = Knobs::default().max_steps)]
    max_steps: usize,
    /// Chance a question describes its first entity by clues and names no entity of its chain
    /// (1, BrowseComp-style) rather than naming its first entity (0).
    #[arg(long, default_value_t = Knobs::default().obfuscation)]
    pub obfuscation: f64,
    /// Chance the agent writes a search term in its own words, a synonym no document uses
    /// (vessel for ship, established for founded).
    #[arg(long, default_value_t = Knobs::default().paraphrase)]
    pub paraphrase: f64,
    /// How much post-browse length reveals how much a page helped: 0 (not at all; useful pages
    /// still get longer notes than rejected ones) to 1 (length follows the information taken,
    /// with noise).
    #[arg(long, default_value_t = Knobs::default().length_signal)]
    pub length_signal: f64,
}

impl KnobArgs {
    pub fn knobs(&self) -> Knobs {
        Knobs {
            k: self.k,
            find_rate: self.find_rate,
            distractor_rate: self.distractor_rate,
            rank_decay: self.rank_decay,
            query_noise: self.query_noise,
            searches_per_hop: self.searches_per_hop,
            terse_rate: self.terse_rate,
            reject_rate: self.reject_rate,
            long_useless_rate: self.long_useless_rate,
            loop_rate: self.loop_rate,
            max_steps: self.max_steps,
            length_signal: self.length_signal,
            obfuscation: self.obfuscation,
            paraphrase: self.paraphrase,
        }
    }
}
