//! `lrat queue`: the review queue as the Review screen orders it, for people who label elsewhere.

use std::path::PathBuf;

use clap::Args;

use super::{ReadArgs, SupervisionArgs, load};
use crate::review::{self, Inputs, Item};
use crate::run::Run;

#[derive(Debug, Args)]
pub struct QueueArgs {
    /// Run files or folders.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Only the first N items.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    top: Option<usize>,
    /// One JSON document: `{reviewed, queue, errors_left, items: [{run_id, step, docid,
    /// question, query, verdict, priority, p_wrong, impact, weight, negatives, voices}]}`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    sup: SupervisionArgs,
    #[command(flatten)]
    read: ReadArgs,
}

/// An item with what a labeller reads.
#[derive(serde::Serialize)]
struct Row<'a> {
    rank: usize,
    #[serde(flatten)]
    item: &'a Item,
    question: &'a str,
    query: Option<&'a str>,
}

fn query_of<'a>(run: &'a Run, step: usize, docid: &str) -> Option<&'a str> {
    let (s, _) = run.source_search(step, docid)?;
    run.searches()
        .find(|(i, _)| *i == s)
        .and_then(|(_, x)| x.query.as_deref())
}

impl QueueArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let (loaded, _) = load(&self.runs, &self.read)?;
        let j = self.sup.read(&self.runs)?;
        let labels = j.labels(self.sup.unjudged);
        let mined = crate::mine::mine_all(&loaded.runs, &labels, &self.sup.policy(&j));
        let human = labels.human_verdicts();
        let q = review::queue(&Inputs {
            runs: &loaded.runs,
            panel: &j.panel,
            labels,
            human: &human,
            mined: &mined,
        });
        let total = q.items.len();
        let shown = self.top.unwrap_or(total).min(total);
        let rows: Vec<Row> = q.items[..shown]
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let run = &loaded.runs[item.run];
                Row {
                    rank: k + 1,
                    item,
                    question: run.question.as_deref().unwrap_or(""),
                    query: query_of(run, item.step, &item.docid),
                }
            })
            .collect();
        if self.json {
            let doc = serde_json::json!({
                "reviewed": q.reviewed,
                "queue": total,
                "errors_left": q.errors_left,
                "judges": j.panel.opinions.judges.iter().map(|x| x.name()).collect::<Vec<_>>(),
                "primary": j.panel.primary_name(),
                "combine": j.panel.rule.combine,
                "items": rows,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
            return Ok(());
        }
        println!(
            "{} browses to review ({} reviewed), about {:.1} verdicts wrong among them",
            total, q.reviewed, q.errors_left
        );
        println!(
            "{:>4}  {:>8} {:>8} {:>6}  {:<16} {:>5}  {:<14} judges: verdict (p(relevant); est.: estimated from labels and a prior)",
            "#", "priority", "p(wrong)", "impact", "run", "step", "in force"
        );
        for r in &rows {
            let e = &r.item.estimate;
            let voices: Vec<String> = e
                .voices
                .iter()
                .map(|v| {
                    let est = if v.own { "" } else { " est." };
                    format!(
                        "{}: {} ({:.2}{est})",
                        v.judge,
                        v.verdict.label(),
                        v.p_relevant
                    )
                })
                .collect();
            println!(
                "{:>4}  {:>8.3} {:>8.2} {:>6.2}  {:<16} {:>5}  {:<14} {}",
                r.rank,
                e.priority,
                e.p_wrong,
                e.impact,
                crate::text::clip(&r.item.run_id, 16),
                r.item.step,
                r.item.verdict.map_or("unjudged", |v| v.label()),
                voices.join(" · ")
            );
        }
        if shown < total {
            println!(
                "… {} more (--top N shows more, --json gives every part)",
                total - shown
            );
        }
        if j.rejected > 0 && !self.read.keep_going {
            color_eyre::eyre::bail!(
                "{} verdict line(s) rejected; the queue was built from the rest (pass --keep-going to exit 0)",
                j.rejected
            );
        }
        super::finish(&loaded, self.read.keep_going)
    }
}
