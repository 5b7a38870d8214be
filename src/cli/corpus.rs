//! `lrat index` and `lrat search`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{WrapErr, bail, eyre};

use super::{ReadArgs, load};
use crate::corpus::{DocIndex, read_corpus};
use crate::text::{inert, one_line};

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The corpus JSONL (omit with `--from-runs`).
    #[arg(required_unless_present = "from_runs", conflicts_with = "from_runs")]
    corpus: Option<PathBuf>,
    /// Harvest the documents from runs instead: browse outputs in full, search hits as
    /// title + snippet (marked snippet-only).
    #[arg(long, num_args = 1..)]
    from_runs: Vec<PathBuf>,
    /// Index folder to create.
    #[arg(long)]
    out: PathBuf,
    /// Exit 0 even when some lines were rejected.
    #[arg(long)]
    keep_going: bool,
}

impl IndexArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        match self.corpus {
            Some(c) => index(c, self.out, self.keep_going),
            None => index_from_runs(&self.from_runs, self.out),
        }
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// An index folder (`lrat index`), or a corpus JSONL file (indexed beside it once).
    index: PathBuf,
    query: String,
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    /// Print JSON lines.
    #[arg(long)]
    json: bool,
    /// Rank with this model folder (dense, exact top-k over every document; their embeddings are
    /// computed once and kept under the index's `dense/`) instead of BM25.
    #[arg(long, value_name = "MODEL_DIR")]
    model: Option<PathBuf>,
}

impl SearchArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        let choice = match self.model {
            Some(m) => crate::retriever::Choice::Model(m),
            None => crate::retriever::Choice::Bm25,
        };
        search(self.index, &self.query, self.k, self.json, &choice)
    }
}

fn ensure_empty(out: &std::path::Path) -> color_eyre::Result<()> {
    if out.exists()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} already exists and is not empty; remove it or choose another --out",
            out.display()
        );
    }
    Ok(())
}

fn index_from_runs(runs: &[PathBuf], out: PathBuf) -> color_eyre::Result<()> {
    ensure_empty(&out)?;
    let (loaded, _) = load(runs, &ReadArgs::default())?;
    let docs = crate::corpus::harvested_documents(&loaded.runs);
    let mut builder = DocIndex::create(&out)?;
    for d in &docs {
        builder.add(d)?;
    }
    let ix = builder.commit()?;
    let snippets = docs.iter().filter(|d| d.snippet_only()).count();
    eprintln!(
        "indexed {} documents harvested from runs into {} ({} full texts, {} snippet-only)",
        ix.num_docs(),
        out.display(),
        docs.len() - snippets,
        snippets
    );
    Ok(())
}

fn index(corpus: PathBuf, out: PathBuf, keep_going: bool) -> color_eyre::Result<()> {
    ensure_empty(&out)?;
    let size = std::fs::metadata(&corpus)
        .wrap_err_with(|| format!("reading {}", corpus.display()))?
        .len();
    let bar = indicatif::ProgressBar::new(size).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} indexing [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
        )
        .map_err(|e| eyre!("progress template: {e}"))?
        .progress_chars("=> "),
    );
    let mut builder = DocIndex::create(&out)?;
    let mut errors = Vec::new();
    let mut failure = None;
    read_corpus(&corpus, |doc, consumed| {
        bar.set_position(consumed);
        match doc {
            Ok(d) => {
                if failure.is_none()
                    && let Err(e) = builder.add(&d)
                {
                    failure = Some(e);
                }
            }
            Err(e) => errors.push(e),
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    bar.set_message("committing");
    let added = builder.added;
    let index = builder.commit()?;
    bar.finish_and_clear();
    for e in errors.iter().take(20) {
        eprintln!("error: {e}");
    }
    eprintln!(
        "indexed {added} documents from {} into {} ({} in index), {} lines rejected",
        corpus.display(),
        out.display(),
        index.num_docs(),
        errors.len()
    );
    if !errors.is_empty() && !keep_going {
        bail!(
            "{} corpus line(s) rejected (pass --keep-going to exit 0)",
            errors.len()
        );
    }
    Ok(())
}

fn search(
    index: PathBuf,
    query: &str,
    k: usize,
    json: bool,
    choice: &crate::retriever::Choice,
) -> color_eyre::Result<()> {
    let (ix, errors) = crate::corpus::open_or_build(&index)?;
    super::print_errors(&errors);
    let bar = super::progress::documents_bar("embedding the corpus");
    let retriever = crate::retriever::open(choice, &ix, None, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let hits = retriever.search(query, k)?;
    let mut out = std::io::stdout().lock();
    for (rank, crate::retriever::Hit { score, doc: d }) in hits.iter().enumerate() {
        if json {
            let v = serde_json::json!({
                "rank": rank + 1, "score": score, "docid": d.docid, "title": d.title, "text": d.text,
            });
            writeln!(out, "{v}")?;
        } else {
            writeln!(
                out,
                "{:>3}. {:>8.3}  {}  {}\n      {}",
                rank + 1,
                score,
                inert(&d.docid),
                inert(d.title.as_deref().unwrap_or("")),
                inert(&one_line(&d.text, 150))
            )?;
        }
    }
    if hits.is_empty() {
        eprintln!("no documents match");
    }
    Ok(())
}
