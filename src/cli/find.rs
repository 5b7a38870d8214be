//! `lrat find`: the steps where something was said, searched, browsed or answered, across runs,
//! from the workspace's run index (built or brought up to date first).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::bail;

use super::{ReadArgs, print_errors};
use crate::runindex::{Kind, RunIndex};

#[derive(Debug, Args)]
pub struct FindArgs {
    /// Run files or folders, then the query (tantivy's syntax: every word must occur unless
    /// OR says otherwise; "a phrase"; -word; kind:, docid:, run:, model:, retriever:, outcome:,
    /// status: filters). A query that begins with `-` goes after `--`:
    /// `lrat find runs/ -- '-bm25 ranking'`.
    #[arg(required = true, num_args = 1.., value_name = "RUNS_THEN_QUERY")]
    args: Vec<String>,
    /// Only steps of this kind.
    #[arg(long, value_enum)]
    kind: Option<Kind>,
    /// How many steps to show.
    #[arg(long, default_value_t = 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    top: usize,
    /// JSON lines `{run, file, line, step, kind, score, excerpt, highlights}`.
    #[arg(long)]
    json: bool,
    /// The index folder (default: `.lrat/index/` beside the runs).
    #[arg(long)]
    index: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
}

/// `excerpt` with its matched ranges marked: bold on a terminal, `«…»` otherwise.
fn marked(excerpt: &str, ranges: &[(usize, usize)], tty: bool) -> String {
    let (open, close) = if tty {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("«", "»")
    };
    let mut out = String::new();
    let mut at = 0;
    for &(s, e) in ranges {
        if s < at
            || e > excerpt.len()
            || !excerpt.is_char_boundary(s)
            || !excerpt.is_char_boundary(e)
        {
            continue;
        }
        out.push_str(&crate::text::inert(&excerpt[at..s]));
        out.push_str(open);
        out.push_str(&crate::text::inert(&excerpt[s..e]));
        out.push_str(close);
        at = e;
    }
    out.push_str(&crate::text::inert(&excerpt[at..]));
    out.replace('\n', " ")
}

impl FindArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let (query, runs) = match self.args.split_last() {
            Some((q, r)) if !r.is_empty() => {
                (q.clone(), r.iter().map(PathBuf::from).collect::<Vec<_>>())
            }
            _ => bail!("give the runs, then the query: lrat find RUNS… QUERY"),
        };
        crate::run::load::check_paths(&runs)?;
        let inputs = crate::workspace::resolve(&runs);
        let files = crate::run::load::collect_files(&inputs.runs)?;
        if files.is_empty() {
            bail!("{}", crate::run::load::no_runs_found(&inputs.runs, &[]));
        }
        let dir = RunIndex::location(&runs, self.index.as_deref());
        let mut ix = RunIndex::open(&dir).map_err(|e| {
            color_eyre::eyre::eyre!(
                "{e} (the run index goes beside the runs; --index DIR puts it elsewhere)"
            )
        })?;
        ix.check_query(&query)?;
        let bar = indicatif::ProgressBar::hidden();
        if std::io::stderr().is_terminal() {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        let up = ix.update(&files, &self.read.options(), &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })?;
        bar.finish_and_clear();
        let lines: Vec<String> = up.rejected.iter().map(ToString::to_string).collect();
        print_errors(&lines);
        eprintln!(
            "run index {}: {} read, {} unchanged, {} removed; {}",
            ix.dir().display(),
            crate::text::count(up.read, "file"),
            up.unchanged,
            up.removed,
            crate::text::count(ix.records().count(), "run")
        );
        let hits = ix.find(&query, self.kind, self.top)?;
        if self.json {
            for h in &hits {
                println!("{}", serde_json::to_string(h)?);
            }
        } else {
            let tty = std::io::stdout().is_terminal();
            if hits.is_empty() {
                println!("no step matches {query}");
            }
            for h in &hits {
                let at = match h.line {
                    Some(l) => format!("{}:{l}", h.file),
                    None => h.file.clone(),
                };
                println!(
                    "{:>6.2}  {} step {} {}  ({at})\n        {}",
                    h.score,
                    h.run,
                    h.step,
                    h.kind,
                    marked(&h.excerpt, &h.highlights, tty)
                );
            }
        }
        if !up.rejected.is_empty() && !self.read.keep_going {
            bail!(
                "{} input(s) rejected; the rest was indexed (pass --keep-going to exit 0)",
                up.rejected.len()
            );
        }
        Ok(())
    }
}
