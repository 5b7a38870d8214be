//! `lrat index` and `lrat search`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{WrapErr, bail, eyre};

use super::{ReadArgs, load};
use crate::corpus::{DocIndex, read_corpus};
use crate::retriever::OnStale;
use crate::text::{inert, one_line};

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// The corpus JSONL (omit with `--from-runs`); or an index folder, to compute (again) the
    /// embeddings `--model` gives its documents.
    #[arg(required_unless_present = "from_runs", conflicts_with = "from_runs")]
    corpus: Option<PathBuf>,
    /// Harvest the documents from runs instead: browse outputs in full, search hits as
    /// title + snippet (marked snippet-only).
    #[arg(long, num_args = 1..)]
    from_runs: Vec<PathBuf>,
    /// Index folder to create.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also embed every document with this model folder (kept under the index's `dense/` with
    /// a manifest; `lrat search --model` and `lrat serve --model` read them).
    #[arg(long, value_name = "MODEL_DIR")]
    model: Option<PathBuf>,
    /// Write the model's embeddings where FAISS or Qdrant take them: `embeddings.npy`
    /// (float32, a row a document), `docids.txt` (row order) and `manifest.json`.
    #[arg(long, value_name = "DIR", requires = "model")]
    export: Option<PathBuf>,
    /// Exit 0 even when some lines were rejected.
    #[arg(long)]
    keep_going: bool,
}

impl IndexArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        // A wrong model folder is said before any indexing, not after it.
        if let Some(m) = &self.model {
            crate::retriever::Choice::Model(m.clone()).check()?;
        }
        let out = match (&self.corpus, self.out) {
            (Some(c), None) if c.is_dir() => {
                if self.model.is_none() {
                    bail!(
                        "{} is already an index; give --model DIR to embed its documents, or a corpus JSONL with --out to index",
                        c.display()
                    );
                }
                c.clone()
            }
            (Some(c), Some(_)) if c.is_dir() => bail!(
                "{} is an index folder: without --out, --model embeds its documents in place",
                c.display()
            ),
            (_, Some(out)) => {
                match &self.corpus {
                    Some(c) => index(c.clone(), out.clone(), self.keep_going)?,
                    None => index_from_runs(&self.from_runs, out.clone())?,
                }
                out
            }
            (_, None) => bail!("--out is required: the index folder to create"),
        };
        match &self.model {
            Some(m) => embed(&out, m, self.export.as_deref()),
            None => Ok(()),
        }
    }
}

/// Embeds every document of the index at `index` with `model` (again when the embeddings there
/// are stale) and exports them when asked.
fn embed(
    index: &std::path::Path,
    model: &std::path::Path,
    export: Option<&std::path::Path>,
) -> color_eyre::Result<()> {
    let choice = crate::retriever::Choice::Model(model.to_path_buf());
    choice.check()?;
    let ix = DocIndex::open(index)?;
    let cache = crate::retriever::cache_for(&ix);
    let bar = super::progress::documents_bar("embedding the corpus");
    let started = std::time::Instant::now();
    let mut computed = false;
    let dense = crate::retriever::Dense::open(
        model,
        &ix,
        cache.as_deref(),
        OnStale::Recompute,
        &mut |done, total| {
            computed = true;
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    let e = dense.embeddings();
    let folder = cache.map_or_else(String::new, |c| format!(" under {}", c.display()));
    match computed {
        true => eprintln!(
            "embedded {} documents with {} (dimension {}){folder} in {:.1}s",
            e.docids.len(),
            model.display(),
            e.dim,
            started.elapsed().as_secs_f64()
        ),
        false => eprintln!(
            "the embeddings of {} documents by {} are up to date{folder}",
            e.docids.len(),
            model.display()
        ),
    }
    if let Some(dir) = export {
        e.export(dir)?;
        eprintln!(
            "exported {} × {} float32 to {} (embeddings.npy, docids.txt, manifest.json)",
            e.docids.len(),
            e.dim,
            dir.display()
        );
    }
    Ok(())
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
    let retriever =
        crate::retriever::open(choice, &ix, None, OnStale::Recompute, &mut |done, total| {
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
