//! Reading tool calls: search/browse arguments and the text their tools answered.

use serde_json::Value;

use super::lenient;
use super::model::{Browse, Hit, Run, Search, StepKind};

/// Which tool names mean "search" and which mean "browse".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolNames {
    pub search: Vec<String>,
    pub browse: Vec<String>,
    /// Argument fields that carry a search's query, first match wins.
    pub query_fields: Vec<String>,
    /// Argument fields that carry a browse's document id, first match wins.
    pub docid_fields: Vec<String>,
}

impl Default for ToolNames {
    fn default() -> Self {
        Self {
            search: vec!["search".into()],
            browse: vec!["get_document".into(), "visit".into()],
            query_fields: vec!["query".into(), "queries".into(), "q".into()],
            docid_fields: vec![
                "docid".into(),
                "doc_id".into(),
                "id".into(),
                "document_id".into(),
            ],
        }
    }
}

impl ToolNames {
    pub fn is_search(&self, name: &str) -> bool {
        self.search.iter().any(|n| n == name)
    }
    pub fn is_browse(&self, name: &str) -> bool {
        self.browse.iter().any(|n| n == name)
    }
}

pub use super::lenient::normalize_docid;

fn value_as_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(normalize_docid(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.iter().find_map(value_as_id),
        _ => None,
    }
}

fn value_as_queries(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// Arguments as the file gave them: a JSON string holding JSON, an object, or plain text.
pub enum Args {
    Json(Value),
    Invalid { text: String, problem: String },
    Missing,
}

impl Args {
    pub fn parse(raw: Option<&str>) -> Args {
        let Some(raw) = raw else { return Args::Missing };
        let t = raw.trim();
        if t.is_empty() || t == "None" || t == "null" {
            return Args::Missing;
        }
        match serde_json::from_str::<Value>(t) {
            Ok(v) => Args::Json(v),
            Err(e) => Args::Invalid {
                text: t.to_string(),
                problem: format!("arguments are not valid JSON ({e})"),
            },
        }
    }
}

/// The search the arguments asked for, before its output is read.
pub fn search_from_args(tool: &str, args: &Args, names: &ToolNames) -> Search {
    let mut s = Search {
        tool: tool.to_string(),
        ..Search::default()
    };
    match args {
        Args::Json(Value::Object(m)) => match names.query_fields.iter().find_map(|k| m.get(k)) {
            Some(v) => s.queries = value_as_queries(v),
            None => {
                s.arg_problem = Some(format!(
                    "arguments have no query field (looked for {})",
                    names.query_fields.join(", ")
                ))
            }
        },
        Args::Json(v @ (Value::String(_) | Value::Array(_))) => s.queries = value_as_queries(v),
        Args::Json(other) => {
            s.arg_problem = Some(format!(
                "arguments are {}, expected an object",
                lenient::kind(other)
            ))
        }
        Args::Invalid { text, problem } => {
            s.arg_problem = Some(format!("{problem}; the text is taken as the query"));
            s.queries = vec![text.clone()];
        }
        Args::Missing => s.arg_problem = Some("the call has no arguments".into()),
    }
    s.queries.retain(|q| !q.trim().is_empty());
    s.query = s.queries.first().cloned();
    s
}

/// Reads a search tool's answer into ranked hits, or an error when the call failed.
pub fn read_search_output(s: &mut Search, output: &str) {
    let trimmed = output.trim_start();
    let first_line = trimmed.lines().next().unwrap_or("");
    if let Some(q) = header_query(first_line) {
        // The output names the query that really ran; prefer it over the argument list.
        if !q.is_empty() {
            s.query = Some(q.to_string());
            if s.queries.is_empty() {
                s.queries.push(q.to_string());
            }
        }
    }
    s.hits = parse_hits(trimmed);
    if s.hits.is_empty() {
        s.hits = json_hits(trimmed);
    }
    if s.hits.is_empty() {
        s.hits = titled_doc_hits(trimmed);
    }
    if s.hits.is_empty() {
        s.hits = markdown_title_hits(trimmed);
    }
    if s.hits.is_empty()
        && !is_empty_result(first_line)
        && !trimmed.is_empty()
        && found_count(first_line).is_none_or(|n| n == 0)
    {
        s.error = Some(output.trim().to_string());
    }
}

/// `A search for 'q' found 10 results:` → `q`.
fn header_query(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("A search for ")?;
    let quote = rest.chars().next()?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let body = &rest[1..];
    let end = body.rfind(&format!("{quote} found"))?;
    Some(&body[..end])
}

/// `A search for 'q' found 5 results:` → 5: the tool says it answered, whether or not the hits
/// below are in a shape we read.
fn found_count(first_line: &str) -> Option<u64> {
    header_query(first_line)?;
    let rest = &first_line[first_line.rfind(" found ")? + 7..];
    rest.split_whitespace().next()?.parse().ok()
}

fn is_empty_result(first_line: &str) -> bool {
    let l = first_line.to_ascii_lowercase();
    l.starts_with("no results found")
        || (l.starts_with("a search for") && (l.contains(" found 0 ") || l.contains("no results")))
}

/// Both hit styles seen in real runs: `DocID:<id>` / `[title]` / snippet, and
/// `N. <docid: ID> [title]` / snippet.
pub fn parse_hits(text: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let mut expect_title = false;
    let finish = |hits: &mut Vec<Hit>, body: &mut Vec<&str>| {
        if let Some(h) = hits.last_mut() {
            h.snippet = body.join("\n").trim().to_string();
        }
        body.clear();
    };
    for line in text.lines() {
        if let Some((id, title, rest)) = hit_header(line) {
            finish(&mut hits, &mut body);
            let rank = u32::try_from(hits.len() + 1).unwrap_or(u32::MAX);
            hits.push(Hit {
                docid: normalize_docid(id),
                rank,
                title: title.map(str::to_string),
                snippet: String::new(),
            });
            expect_title = title.is_none();
            if !rest.trim().is_empty() {
                body.push(rest.trim());
            }
            continue;
        }
        if hits.is_empty() {
            continue;
        }
        if expect_title {
            expect_title = false;
            let t = line.trim();
            if t.len() >= 2 && t.starts_with('[') && t.ends_with(']') {
                if let Some(h) = hits.last_mut() {
                    h.title = Some(t[1..t.len() - 1].to_string());
                }
                continue;
            }
        }
        body.push(line);
    }
    finish(&mut hits, &mut body);
    hits.retain(|h| !h.docid.is_empty());
    hits
}

/// A hit header line: (docid, title if on the line, rest of the line).
fn hit_header(line: &str) -> Option<(&str, Option<&str>, &str)> {
    let l = line.trim_start();
    if let Some(rest) = l
        .strip_prefix("DocID:")
        .or_else(|| l.strip_prefix("docid:"))
    {
        let id = rest.trim();
        if id.is_empty() || id.contains(char::is_whitespace) {
            return None;
        }
        return Some((id, None, ""));
    }
    let digits = l.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = l[digits..].strip_prefix('.')?.trim_start();
    let rest = rest.strip_prefix("<docid:")?;
    let close = rest.find('>')?;
    let id = rest[..close].trim();
    let after = rest[close + 1..].trim_start();
    if let Some(t) = after.strip_prefix('[')
        && let Some(end) = t.find(']')
    {
        return Some((id, Some(&t[..end]), &t[end + 1..]));
    }
    Some((id, None, after))
}

/// The browse the arguments asked for, before its output is read.
pub fn browse_from_args(tool: &str, args: &Args, names: &ToolNames) -> Browse {
    let mut b = Browse {
        tool: tool.to_string(),
        ..Browse::default()
    };
    match args {
        Args::Json(Value::Object(m)) => {
            let id = names.docid_fields.iter().find_map(|k| m.get(k));
            let by_title = || {
                m.get("title")
                    .and_then(Value::as_str)
                    .filter(|t| !t.trim().is_empty())
                    .map(title_docid)
            };
            match id.and_then(value_as_id).or_else(by_title) {
                Some(id) => b.docid = Some(id),
                None => {
                    let fields: Vec<&str> = m.keys().map(String::as_str).collect();
                    b.arg_problem = Some(format!(
                        "arguments name no docid (fields: {})",
                        if fields.is_empty() {
                            "none".to_string()
                        } else {
                            fields.join(", ")
                        }
                    ));
                }
            }
        }
        Args::Json(v @ (Value::String(_) | Value::Number(_) | Value::Array(_))) => {
            b.docid = value_as_id(v)
        }
        Args::Json(other) => {
            b.arg_problem = Some(format!(
                "arguments are {}, expected an object",
                lenient::kind(other)
            ))
        }
        Args::Invalid { text, problem } => {
            if !text.is_empty() && !text.contains(char::is_whitespace) && text.len() < 200 {
                b.docid = Some(normalize_docid(text));
                b.arg_problem = Some(format!("{problem}; the text is taken as the docid"));
            } else {
                b.arg_problem = Some(problem.clone());
            }
        }
        Args::Missing => b.arg_problem = Some("the call has no arguments".into()),
    }
    b
}

/// Reads a browse tool's answer: `Document <id>: <text>` (the text may be a Python dict
/// `{'docid': .., 'text': ..}`), a JSON document `{docid?, title?, text}` (what MCP servers such
/// as BrowseComp-Plus's and `lrat serve` return; `null` when there is no such document), an
/// error message, or plain text.
pub fn read_browse_output(b: &mut Browse, output: &str) {
    let t = output.trim_start();
    match serde_json::from_str::<Value>(t.trim_end()) {
        Ok(Value::Null) => {
            b.error = Some("no such document (the tool answered null)".into());
            return;
        }
        Ok(Value::Object(o)) if o.get("text").is_some_and(Value::is_string) => {
            let text = o.get("text").and_then(Value::as_str).unwrap_or("");
            if b.docid.is_none()
                && let Some(id) = o.get("docid").and_then(Value::as_str)
            {
                b.docid = Some(normalize_docid(id));
            }
            let title = o.get("title").and_then(Value::as_str);
            b.text = Some(crate::text::passage(title, text));
            return;
        }
        _ => {}
    }
    if let Some(rest) = t.strip_prefix("Document ")
        && let Some(colon) = rest.find(':')
    {
        let id = &rest[..colon];
        if !id.is_empty() && !id.contains(char::is_whitespace) {
            if b.docid.is_none() {
                b.docid = Some(normalize_docid(id));
            }
            let body = rest[colon + 1..].trim_start_matches([' ', '\n', '\r']);
            b.text = Some(python_dict_text(body).unwrap_or_else(|| body.to_string()));
            return;
        }
    }
    if b.docid.is_none() || looks_like_error(t) {
        b.error = Some(output.trim().to_string());
    } else {
        b.text = Some(output.to_string());
    }
}

fn looks_like_error(t: &str) -> bool {
    let first = t.lines().next().unwrap_or("").to_ascii_lowercase();
    first.starts_with("error")
        || first.starts_with("[error")
        || ((first.starts_with('[') || first.starts_with("failed"))
            && (first.contains("error")
                || first.contains("invalid")
                || first.contains("not found")))
        || first.starts_with("document not found")
        || first.starts_with("no document")
}

/// `{'docid': '1', 'text': '...'}` (Python repr) → the text, with escapes undone.
fn python_dict_text(body: &str) -> Option<String> {
    let b = body.trim();
    if !b.starts_with('{') {
        return None;
    }
    let key_at = b.find("'text': ").or_else(|| b.find("\"text\": "))?;
    let lit = &b[key_at + 8..];
    parse_py_string(lit)
}

fn parse_py_string(lit: &str) -> Option<String> {
    let mut chars = lit.chars();
    let quote = chars.next()?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let mut out = String::with_capacity(lit.len());
    while let Some(c) = chars.next() {
        if c == quote {
            return Some(out);
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => {
                let h: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            'u' => {
                let h: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?).unwrap_or('\u{fffd}'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    None
}

/// The id given to a hit that has only a title: `title#` and 16 hex digits of a 64-bit FNV-1a
/// hash of the title (lower-cased, spaces collapsed), the same in every run and every version.
pub fn title_docid(title: &str) -> String {
    let norm = title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in norm.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{TITLE_ID_PREFIX}{h:016x}")
}

pub const TITLE_ID_PREFIX: &str = "title#";

/// Whether `docid` was derived from a title (the run gave no id).
pub fn is_title_docid(docid: &str) -> bool {
    docid
        .strip_prefix(TITLE_ID_PREFIX)
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Browses that name a document by the title an earlier search showed without an id (the
/// agent asked `get_document("Some Title")` after a hit list of titles) are linked to that
/// hit: their docid becomes the hit's title id. Called once a run is read, for every format.
pub fn link_titles(run: &mut Run) {
    let mut titled: std::collections::HashSet<String> = Default::default();
    let mut ids: std::collections::HashSet<String> = Default::default();
    for step in &mut run.steps {
        match &mut step.kind {
            StepKind::Search(x) => {
                for h in &x.hits {
                    if is_title_docid(&h.docid) {
                        titled.insert(h.docid.clone());
                    } else {
                        ids.insert(h.docid.clone());
                    }
                }
            }
            StepKind::Browse(b) => {
                if let Some(d) = &b.docid
                    && !ids.contains(d)
                    && !titled.contains(d)
                {
                    let t = title_docid(d);
                    if titled.contains(&t) {
                        b.docid = Some(t);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Hits as JSON: a list of objects, or an object holding one as `results`, `hits`,
/// `documents`, `docs` or `data`. The id is `docid`/`doc_id`/`id`/`_id`; without one, it is
/// derived from the title ([`title_docid`]).
fn json_hits(text: &str) -> Vec<Hit> {
    let Ok(v) = serde_json::from_str::<Value>(text.trim()) else {
        return Vec::new();
    };
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(m) => match ["results", "hits", "documents", "docs", "data"]
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_array))
        {
            Some(a) => a,
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let field = |o: &serde_json::Map<String, Value>, keys: &[&str]| {
        keys.iter().find_map(|k| match o.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let mut hits = Vec::new();
    for item in list {
        let Value::Object(o) = item else { continue };
        let title = field(o, &["title", "name"]);
        let id = field(o, &["docid", "doc_id", "id", "_id"])
            .map(|d| normalize_docid(&d))
            .or_else(|| title.as_deref().map(title_docid));
        let Some(docid) = id else { continue };
        hits.push(Hit {
            docid,
            rank: u32::try_from(hits.len() + 1).unwrap_or(u32::MAX),
            title,
            snippet: field(o, &["snippet", "text", "content", "contents", "body"])
                .unwrap_or_default(),
        });
    }
    hits
}

/// BrowseComp-Plus's markdown without docids: `1. [Title]`, an optional `---` front-matter
/// block (`title:`, `date:` …), then the text; ids derived from titles ([`title_docid`]). A
/// numbered line counts as a hit only when its number is the next rank, so a numbered list in a
/// document's text stays text.
fn markdown_title_hits(text: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut body: Vec<&str> = Vec::new();
    let finish = |hits: &mut Vec<Hit>, body: &mut Vec<&str>| {
        if let Some(h) = hits.last_mut() {
            h.snippet = strip_front_matter(body).trim().to_string();
        }
        body.clear();
    };
    for line in text.lines() {
        if let Some(title) = numbered_title(line, hits.len() + 1) {
            finish(&mut hits, &mut body);
            hits.push(Hit {
                docid: title_docid(title),
                rank: u32::try_from(hits.len() + 1).unwrap_or(u32::MAX),
                title: Some(title.to_string()),
                snippet: String::new(),
            });
        } else if !hits.is_empty() {
            body.push(line);
        }
    }
    finish(&mut hits, &mut body);
    hits
}

/// `N. [Title]` with N the expected rank → the title.
fn numbered_title(line: &str, rank: usize) -> Option<&str> {
    let l = line.trim();
    let rest = l.strip_prefix(&format!("{rank}."))?.trim_start();
    let t = rest.strip_prefix('[')?;
    let end = t.rfind(']')?;
    let title = t[..end].trim();
    (!title.is_empty() && t[end + 1..].trim().is_empty()).then_some(title)
}

/// A hit's lines without a leading `---` … `---` block.
fn strip_front_matter(body: &[&str]) -> String {
    let start = body.iter().position(|l| !l.trim().is_empty());
    if let Some(s) = start
        && body[s].trim() == "---"
        && let Some(end) = body[s + 1..].iter().position(|l| l.trim() == "---")
    {
        return body[s + end + 2..].join("\n");
    }
    body.join("\n")
}

/// Search-R1's results: `Doc 1(Title: "…") text`, one a document, ids derived from titles.
fn titled_doc_hits(text: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        let header = l.strip_prefix("Doc ").and_then(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0).then(|| &rest[digits..])
        });
        let Some(rest) = header.and_then(|r| r.trim_start().strip_prefix("(Title:")) else {
            if let Some(h) = hits.last_mut() {
                if !h.snippet.is_empty() {
                    h.snippet.push('\n');
                }
                h.snippet.push_str(line.trim());
            }
            continue;
        };
        let rest = rest.trim_start();
        let (title, body) = match rest.strip_prefix('"') {
            Some(r) => match r.find("\")") {
                Some(end) => (&r[..end], &r[end + 2..]),
                None => (r, ""),
            },
            None => match rest.find(')') {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, ""),
            },
        };
        let title = title.trim().to_string();
        hits.push(Hit {
            docid: title_docid(&title),
            rank: u32::try_from(hits.len() + 1).unwrap_or(u32::MAX),
            title: Some(title),
            snippet: body.trim().to_string(),
        });
    }
    for h in &mut hits {
        h.snippet = h.snippet.trim().to_string();
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docid_style_hits() {
        let out = "A search for 'x y' found 2 results:\n\n## Web Results\nDocID:12\n[T one]\nT one\nfirst snippet\n\nDocID:doc:34\n[T two]\nsecond";
        let mut s = search_from_args(
            "search",
            &Args::parse(Some(r#"{"query": ["x y", "z"]}"#)),
            &ToolNames::default(),
        );
        read_search_output(&mut s, out);
        assert_eq!(s.query.as_deref(), Some("x y"));
        assert_eq!(s.queries, vec!["x y", "z"]);
        assert_eq!(s.hits.len(), 2);
        assert_eq!(s.hits[0].docid, "12");
        assert_eq!(s.hits[0].title.as_deref(), Some("T one"));
        assert_eq!(s.hits[0].snippet, "T one\nfirst snippet");
        assert_eq!(s.hits[1].docid, "34");
        assert_eq!(s.hits[1].rank, 2);
        assert!(s.error.is_none());
    }

    #[test]
    fn numbered_style_hits() {
        let out = "A search for 'q' found 2 retrieved results.\n\n## Web Results\n1. <docid: 7> [Seven]\nabout seven\n\n2. <docid: 8> [Eight]\nabout eight";
        let mut s = search_from_args(
            "search",
            &Args::parse(Some(r#"{"query": "q"}"#)),
            &ToolNames::default(),
        );
        read_search_output(&mut s, out);
        let ids: Vec<_> = s.hits.iter().map(|h| (h.docid.as_str(), h.rank)).collect();
        assert_eq!(ids, vec![("7", 1), ("8", 2)]);
        assert_eq!(s.hits[1].snippet, "about eight");
    }

    #[test]
    fn error_output_is_failed_search() {
        let mut s = search_from_args(
            "search",
            &Args::parse(Some(r#"{"query": ["a", "b"]}"#)),
            &ToolNames::default(),
        );
        read_search_output(
            &mut s,
            "[Search] Invalid request format: 'query' must be a string, not an array",
        );
        assert!(s.hits.is_empty());
        assert!(s.error.as_deref().unwrap_or("").starts_with("[Search]"));
        let mut s = search_from_args(
            "search",
            &Args::parse(Some(r#"{"query": "a"}"#)),
            &ToolNames::default(),
        );
        read_search_output(
            &mut s,
            "No results found for 'a'. Try with a more general query.",
        );
        assert!(s.error.is_none() && s.hits.is_empty());
    }

    #[test]
    fn plain_string_arguments() {
        let s = search_from_args(
            "search",
            &Args::parse(Some("who wrote it")),
            &ToolNames::default(),
        );
        assert_eq!(s.query.as_deref(), Some("who wrote it"));
        assert!(s.arg_problem.is_some());
        let b = browse_from_args(
            "visit",
            &Args::parse(Some(r#"{"url": "http://x"}"#)),
            &ToolNames::default(),
        );
        assert!(b.docid.is_none());
        assert!(b.arg_problem.unwrap_or_default().contains("url"));
    }

    #[test]
    fn browse_outputs() {
        let mut b = browse_from_args(
            "get_document",
            &Args::parse(Some(r#"{"docid": ["doc:9"]}"#)),
            &ToolNames::default(),
        );
        assert_eq!(b.docid.as_deref(), Some("9"));
        read_browse_output(
            &mut b,
            "Document 9:\n{'docid': '9', 'text': 'It\\'s here\\nline two'}",
        );
        assert_eq!(b.text.as_deref(), Some("It's here\nline two"));
        let mut b = browse_from_args(
            "get_document",
            &Args::parse(Some(r#"{"docid": 5}"#)),
            &ToolNames::default(),
        );
        read_browse_output(&mut b, "Document 5:\nPlain text");
        assert_eq!(b.text.as_deref(), Some("Plain text"));
        // An MCP server's JSON document, and its null for an unknown id.
        let mut b = browse_from_args(
            "get_document",
            &Args::parse(Some(r#"{"docid": "d-3"}"#)),
            &ToolNames::default(),
        );
        read_browse_output(
            &mut b,
            r#"{"docid":"d-3","title":"Harbour","text":"Built in 1901."}"#,
        );
        assert_eq!(b.text.as_deref(), Some("Harbour\nBuilt in 1901."));
        assert!(b.error.is_none());
        read_browse_output(&mut b, "null");
        assert!(b.error.is_some());
        let mut b = browse_from_args(
            "visit",
            &Args::parse(Some(r#"{"url": "u"}"#)),
            &ToolNames::default(),
        );
        read_browse_output(&mut b, "Error: Tool visit not found");
        assert!(b.docid.is_none() && b.error.is_some());
    }
}
