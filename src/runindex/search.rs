//! Finding steps across runs: tantivy's query syntax over the steps' text (every word must
//! occur unless `OR` says otherwise; `"a phrase"`; `-word`; field filters `kind:browse`,
//! `docid:12345`, `run:q12`, `model:…`, `retriever:bm25`, `outcome:incorrect`, `status:…`),
//! ranked by BM25, each hit with an excerpt and the ranges of the words that matched.

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, TermQuery, TermSetQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{TantivyDocument, Term};

use super::RunIndex;
use crate::error::Error;

/// What kind of text a step holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Reasoning,
    /// A search: its queries, and its hits' titles and snippets.
    Search,
    /// A browse: the document the agent saw.
    Browse,
    Answer,
    /// The run's question (step 0).
    Question,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Reasoning => "reasoning",
            Kind::Search => "search",
            Kind::Browse => "browse",
            Kind::Answer => "answer",
            Kind::Question => "question",
        }
    }
}

/// One step found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindHit {
    pub run: String,
    pub file: String,
    /// The run's line in a JSON-lines file.
    pub line: Option<u64>,
    pub step: u64,
    pub kind: String,
    pub score: f32,
    /// Up to ~200 characters around the best match.
    pub excerpt: String,
    /// Byte ranges of `excerpt` that matched.
    pub highlights: Vec<(usize, usize)>,
}

/// The query with `kind:` and `outcome:` values checked and lower-cased: a value no step can
/// have is an error naming the ones there are, not an empty answer.
fn checked(query: &str) -> Result<String, Error> {
    const KINDS: [&str; 5] = ["reasoning", "search", "browse", "answer", "question"];
    const OUTCOMES: [&str; 3] = ["correct", "incorrect", "unknown"];
    let mut out = Vec::new();
    for w in query.split(' ') {
        let (neg, body) = match w.strip_prefix('-') {
            Some(b) => ("-", b),
            None => ("", w),
        };
        let fixed = match body.split_once(':') {
            Some((f @ ("kind" | "outcome"), v)) => {
                let v = v.trim_matches('"').to_ascii_lowercase();
                let allowed: &[&str] = if f == "kind" { &KINDS } else { &OUTCOMES };
                if !allowed.contains(&v.as_str()) {
                    return Err(Error::Usage(format!(
                        "{f}:{v}: a step's {f} is one of {}",
                        allowed.join(", ")
                    )));
                }
                format!("{neg}{f}:{v}")
            }
            _ => w.to_string(),
        };
        out.push(fixed);
    }
    Ok(out.join(" "))
}

impl RunIndex {
    /// The query as the index reads it, or why it cannot (said before any work is done).
    fn parse(&self, query: &str) -> Result<Box<dyn Query>, Error> {
        if query.trim().is_empty() {
            return Err(Error::Usage(
                "the query is empty: give words, \"a phrase\" or field:value".into(),
            ));
        }
        let mut parser = QueryParser::for_index(&self.index, vec![self.f.text]);
        parser.set_conjunction_by_default();
        let query = &self.qualified_runs(&checked(query)?);
        parser.parse_query(query).map_err(|e| Error::Usage(format!(
            "the query `{query}`: {e} (words, \"a phrase\", AND/OR, -word, field:value with kind, docid, run, model, retriever, outcome, status)"
        )))
    }

    /// `run:ID` filters naming a run by its id in this workspace where that differs from the
    /// id its file gave (`run:bm25/q0`, runs of several files sharing `q0`): made `run:` that
    /// id and `file:` its file.
    fn qualified_runs(&self, query: &str) -> String {
        if !query.contains("run:") {
            return query.to_string();
        }
        let ids = self.workspace_ids();
        let mut by_id: std::collections::HashMap<&str, (&str, &str)> =
            std::collections::HashMap::new();
        for ((file, id), ws) in &ids {
            if ws != id {
                by_id.insert(ws.as_str(), (file, id));
            }
        }
        query
            .split(' ')
            .map(|w| {
                let (neg, body) = match w.strip_prefix('-') {
                    Some(b) => ("-", b),
                    None => ("", w),
                };
                let named = body
                    .strip_prefix("run:")
                    .map(|v| v.trim_matches('"'))
                    .and_then(|v| by_id.get(v));
                match named {
                    Some((file, id)) => format!("{neg}(run:\"{id}\" AND file:\"{file}\")"),
                    None => w.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Checks a query before the index is brought up to date: a query that cannot be read
    /// fails at once, not after every new file is indexed.
    pub fn check_query(&self, query: &str) -> Result<(), Error> {
        self.parse(query).map(|_| ())
    }

    /// The `top` best steps for `query` (tantivy's syntax, every word required by default),
    /// only of `kind` when given. A query tantivy cannot read is an error that says why.
    pub fn find(&self, query: &str, kind: Option<Kind>, top: usize) -> Result<Vec<FindHit>, Error> {
        let f = self.f;
        let parsed = self.parse(query)?;
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, parsed.box_clone())];
        if let Some(k) = kind {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.kind, k.name()),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if self.holds_others() {
            // Only the files named: the index may hold other run sets opened with these.
            let terms = self.named.iter().map(|k| Term::from_field_text(f.file, k));
            must.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
        }
        let q: Box<dyn Query> = Box::new(BooleanQuery::new(must));
        let searcher = self.reader.searcher();
        let top_docs = searcher
            .search(&*q, &TopDocs::with_limit(top.max(1)).order_by_score())
            .map_err(super::ix(&self.dir))?;
        let mut snippets =
            SnippetGenerator::create(&searcher, &*parsed, f.text).map_err(super::ix(&self.dir))?;
        snippets.set_max_num_chars(200);
        let ids = self.workspace_ids();
        let mut out = Vec::new();
        for (score, addr) in top_docs {
            let doc: TantivyDocument = searcher.doc(addr).map_err(super::ix(&self.dir))?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let num = |field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
            let snippet = snippets.snippet_from_doc(&doc);
            let mut excerpt = snippet.fragment().to_string();
            let mut highlights: Vec<(usize, usize)> = snippet
                .highlighted()
                .iter()
                .map(|r| (r.start, r.end))
                .collect();
            if excerpt.is_empty() {
                // A match on a field filter alone: the step's opening words.
                excerpt = text(f.text).chars().take(200).collect();
                highlights.clear();
            }
            let line = num(f.line);
            let (file, run) = (text(f.file), text(f.run));
            // The run as the workspace knows it (qualified when files share its id).
            let run = ids
                .get(&(file.as_str(), run.as_str()))
                .cloned()
                .unwrap_or(run);
            out.push(FindHit {
                run,
                file,
                line: (line > 0).then_some(line),
                step: num(f.step),
                kind: text(f.kind),
                score,
                excerpt,
                highlights,
            });
        }
        Ok(out)
    }
}
