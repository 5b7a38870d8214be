//! The tantivy index: BM25 over title + text (English stemming), stored text, docid as an
//! exact-match field. Document lookup by id goes through the index, never a map in memory.

use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::{DocSource, Document};
use crate::error::Error;

#[derive(Clone, Copy)]
struct Fields {
    docid: Field,
    title: Field,
    text: Field,
    source: Field,
}

impl std::fmt::Debug for DocIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocIndex({})", self.path.display())
    }
}

/// An opened document index (cheap to clone: the index is shared).
#[derive(Clone)]
pub struct DocIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    path: PathBuf,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text_opts = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field("docid", STRING | STORED);
    b.add_text_field("title", text_opts.clone());
    b.add_text_field("text", text_opts);
    b.add_text_field("source", STRING | STORED);
    b.build()
}

fn fields(schema: &Schema, path: &Path) -> Result<Fields, Error> {
    let get = |name: &str| {
        schema.get_field(name).map_err(|_| Error::Index {
            path: path.to_path_buf(),
            message: format!(
                "not an lrat index: it has no `{name}` field (build one with `lrat index`)"
            ),
        })
    };
    Ok(Fields {
        docid: get("docid")?,
        title: get("title")?,
        text: get("text")?,
        source: get("source")?,
    })
}

fn ix(path: &Path) -> impl Fn(tantivy::TantivyError) -> Error + '_ {
    move |source| Error::Tantivy {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes documents into a new index, on disk or in memory.
pub struct IndexBuilder {
    index: Index,
    writer: IndexWriter,
    fields: Fields,
    path: PathBuf,
    pub added: u64,
}

impl IndexBuilder {
    fn new(index: Index, path: PathBuf, heap: usize) -> Result<Self, Error> {
        let fields = fields(&index.schema(), &path)?;
        let writer = index.writer(heap).map_err(ix(&path))?;
        Ok(Self {
            index,
            writer,
            fields,
            path,
            added: 0,
        })
    }

    /// An index that lives in memory (harvested corpora are small).
    pub fn in_memory() -> Result<Self, Error> {
        Self::new(
            Index::create_in_ram(schema()),
            PathBuf::from("<memory>"),
            50_000_000,
        )
    }

    pub fn add(&mut self, d: &Document) -> Result<(), Error> {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.fields.docid, &d.docid);
        if let Some(t) = &d.title {
            doc.add_text(self.fields.title, t);
        }
        doc.add_text(self.fields.text, &d.text);
        doc.add_text(self.fields.source, d.source.name());
        self.writer.add_document(doc).map_err(ix(&self.path))?;
        self.added += 1;
        Ok(())
    }

    pub fn commit(mut self) -> Result<DocIndex, Error> {
        self.writer.commit().map_err(ix(&self.path))?;
        self.writer.wait_merging_threads().map_err(ix(&self.path))?;
        DocIndex::from_index(self.index, self.path)
    }
}

impl DocIndex {
    /// Starts a new index in `dir` (created if missing; must not already hold an index).
    pub fn create(dir: &Path) -> Result<IndexBuilder, Error> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let index = Index::create_in_dir(dir, schema()).map_err(ix(dir))?;
        IndexBuilder::new(index, dir.to_path_buf(), 200_000_000)
    }

    pub fn open(dir: &Path) -> Result<DocIndex, Error> {
        let index = Index::open_in_dir(dir).map_err(ix(dir))?;
        DocIndex::from_index(index, dir.to_path_buf())
    }

    fn from_index(index: Index, path: PathBuf) -> Result<DocIndex, Error> {
        let fields = fields(&index.schema(), &path)?;
        // Searches run on the caller's thread: a search pool of tantivy's own, waited on from
        // inside rayon work, nests jobs without bound (and overflowed the stack).
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(ix(&path))?;
        Ok(DocIndex {
            index,
            reader,
            fields,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every document, in index order (for ranking a whole small corpus).
    pub fn documents(&self) -> Result<Vec<Document>, Error> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(searcher.num_docs() as usize);
        for seg in searcher.segment_readers() {
            let store = seg
                .get_store_reader(64)
                .map_err(|e| Error::io(&self.path, e))?;
            for d in store.iter::<TantivyDocument>(seg.alive_bitset()) {
                out.push(self.document(&d.map_err(ix(&self.path))?));
            }
        }
        Ok(out)
    }

    /// The document with this id, if the index has it.
    pub fn get(&self, docid: &str) -> Result<Option<Document>, Error> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.docid, docid),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .map_err(ix(&self.path))?;
        match top.first() {
            Some((_, addr)) => {
                let d: TantivyDocument = searcher.doc(*addr).map_err(ix(&self.path))?;
                Ok(Some(self.document(&d)))
            }
            None => Ok(None),
        }
    }

    /// BM25 top-k for free text. The text goes through the fields' own analyzer and every term
    /// becomes an optional clause over title and text: no query syntax, so agents' quotes,
    /// colons and brackets can never fail (or recurse deeply in a query grammar).
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<(f32, Document)>, Error> {
        let searcher = self.reader.searcher();
        let mut analyzer = self
            .index
            .tokenizer_for_field(self.fields.text)
            .map_err(ix(&self.path))?;
        let mut terms: Vec<String> = Vec::new();
        let mut stream = analyzer.token_stream(query);
        while stream.advance() {
            let t = stream.token().text.clone();
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .flat_map(|t| {
                [self.fields.title, self.fields.text].map(|f| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(f, t),
                        IndexRecordOption::WithFreqs,
                    ));
                    (Occur::Should, q)
                })
            })
            .collect();
        let q = BooleanQuery::new(clauses);
        // Equal scores are common (templated text, short documents): fetch past the k-th score's
        // ties and order them by docid, so the same query always gives the same list.
        let k = k.max(1);
        let mut limit = k + 16;
        let top = loop {
            let top = searcher
                .search(&q, &TopDocs::with_limit(limit).order_by_score())
                .map_err(ix(&self.path))?;
            let tie_at_end = top.len() == limit
                && matches!((top.get(k - 1), top.last()), (Some(a), Some(b)) if near(a.0, b.0));
            if !tie_at_end || limit >= 1 << 16 {
                break top;
            }
            limit *= 4;
        };
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr).map_err(ix(&self.path))?;
            out.push((score, self.document(&d)));
        }
        order_ties(&mut out);
        out.truncate(k);
        Ok(out)
    }

    fn document(&self, d: &TantivyDocument) -> Document {
        let text = |f: Field| d.get_first(f).and_then(|v| v.as_str()).map(str::to_string);
        Document {
            docid: text(self.fields.docid).unwrap_or_default(),
            title: text(self.fields.title),
            text: text(self.fields.text).unwrap_or_default(),
            source: DocSource::from_name(text(self.fields.source).as_deref().unwrap_or("corpus")),
        }
    }
}

/// Scores this close are the same score: tantivy's order of summing a query's clauses moves the
/// last bits, even between equal documents, and from one build to the next.
fn near(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-4 * a.abs().max(b.abs()).max(1.0)
}

/// Sorts by score, then orders each run of near-equal scores by docid, so a query always gives
/// the same list. A run is anchored at its first (highest) score, so no rounding boundary exists.
fn order_ties(hits: &mut [(f32, Document)]) {
    hits.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut start = 0;
    while start < hits.len() {
        let anchor = hits[start].0;
        let mut end = start + 1;
        while end < hits.len() && near(anchor, hits[end].0) {
            end += 1;
        }
        hits[start..end].sort_by(|a, b| a.1.docid.cmp(&b.1.docid));
        start = end;
    }
}
