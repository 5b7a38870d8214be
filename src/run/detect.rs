//! Telling formats apart from content: one JSON document or one a line, and which schema.

use std::cell::Cell;
use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use super::model::Format;

/// Whether a file holds one run or one run a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Whole,
    Lines,
}

/// Skips a UTF-8 byte order mark and leading whitespace.
pub fn trim_start(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// One document, or one a line: `.jsonl`/`.ndjson` are lines; otherwise lines when the first
/// value ends on its first line and more content follows.
pub fn layout(bytes: &[u8], extension: Option<&str>) -> Layout {
    if matches!(extension, Some("jsonl" | "ndjson")) {
        return Layout::Lines;
    }
    let b = trim_start(bytes);
    let first_line_end = memchr::memchr(b'\n', b).unwrap_or(b.len());
    let mut stream = serde_json::Deserializer::from_slice(b).into_iter::<IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => {
            let end = stream.byte_offset();
            let rest_blank = b[end..].iter().all(u8::is_ascii_whitespace);
            if !rest_blank && end <= first_line_end {
                Layout::Lines
            } else {
                Layout::Whole
            }
        }
        _ => Layout::Whole,
    }
}

/// The schema of one record, from its top-level keys. A record that breaks off after a telling
/// key still has a schema (its reader then reports where it broke); one that breaks off before
/// any gives the syntax error.
pub fn schema(record: &[u8]) -> Result<Option<Format>, serde_json::Error> {
    let found = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(record);
    match de.deserialize_map(KeySniffer(&found)) {
        Ok(()) if found.get().is_none() => Ok(by_content(record)),
        Ok(()) => Ok(found.get()),
        Err(e) if e.is_syntax() || e.is_eof() || e.is_io() => match found.get() {
            Some(f) => Ok(Some(f)),
            None => Err(e),
        },
        Err(_) => Ok(found.get().or_else(|| by_content(record))),
    }
}

/// Formats told by their values rather than a key: Responses API items (a list of typed items,
/// or an object holding one as `output`, `input` or `items`) and Search-R1 text (a string with
/// `<search>` or `<tool_call>` tags).
fn by_content(record: &[u8]) -> Option<Format> {
    let v: serde_json::Value = serde_json::from_slice(record).ok()?;
    if responses_items(&v).is_some() {
        return Some(Format::Responses);
    }
    let obj = v.as_object()?;
    obj.values()
        .any(|x| {
            x.as_str()
                .is_some_and(|t| t.contains("<search>") || t.contains("<tool_call>"))
        })
        .then_some(Format::SearchR1)
}

const ITEM_TYPES: [&str; 4] = [
    "function_call",
    "function_call_output",
    "message",
    "reasoning",
];

/// The Responses API items of a record, when it is (or holds) a list of them.
pub fn responses_items(v: &serde_json::Value) -> Option<Vec<&serde_json::Value>> {
    let is_items = |a: &Vec<serde_json::Value>| {
        !a.is_empty()
            && a.iter().any(|i| {
                i.get("type")
                    .and_then(|t| t.as_str())
                    .is_some_and(|t| t == "function_call" || t == "function_call_output")
            })
            && a.iter().all(|i| {
                i.get("type").and_then(|t| t.as_str()).is_some_and(|t| {
                    ITEM_TYPES.contains(&t) || t.ends_with("_call") || t.ends_with("_output")
                }) || i.get("role").is_some()
            })
    };
    match v {
        serde_json::Value::Array(a) if is_items(a) => Some(a.iter().collect()),
        serde_json::Value::Object(m) => {
            let mut out = Vec::new();
            let mut any = false;
            for k in ["input", "items", "output"] {
                if let Some(serde_json::Value::Array(a)) = m.get(k) {
                    if is_items(a) {
                        any = true;
                    }
                    out.extend(a.iter());
                }
            }
            any.then_some(out)
        }
        _ => None,
    }
}

struct KeySniffer<'a>(&'a Cell<Option<Format>>);

impl<'de> Visitor<'de> for KeySniffer<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let f = match key.as_ref() {
                "result" => Some(Format::Lrat),
                "messages" => Some(Format::Chat),
                "steps" => Some(Format::Native),
                "schema_version" => Some(Format::Atif),
                "golden_answers" => Some(Format::SearchR1),
                _ => None,
            };
            // ATIF documents have `steps` too: their version key decides.
            if f.is_some() && (self.0.get().is_none() || f == Some(Format::Atif)) {
                self.0.set(f);
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(layout(b"{\"result\": []}\n", Some("json")), Layout::Whole);
        assert_eq!(layout(b"{\n \"result\": []\n}\n", None), Layout::Whole);
        assert_eq!(
            layout(b"{\"a\":1}\n{\"a\":2}\n", Some("json")),
            Layout::Lines
        );
        assert_eq!(layout(b"{\"a\":1}", Some("jsonl")), Layout::Lines);
    }

    #[test]
    fn schemas() {
        let s = |b: &[u8]| schema(b).ok().flatten();
        assert_eq!(s(br#"{"query_id": "1", "result": []}"#), Some(Format::Lrat));
        assert_eq!(s(br#"{"messages": []}"#), Some(Format::Chat));
        assert_eq!(s(br#"{"run_id": "x", "steps": []}"#), Some(Format::Native));
        assert_eq!(s(br#"{"x": 1}"#), None);
        assert_eq!(s(b"[1, 2]"), None);
        assert_eq!(s(br#"{"query_id": "1", "result": [{"#), Some(Format::Lrat));
        assert!(schema(br#"{"query_id": "1", "#).is_err());
    }
}
