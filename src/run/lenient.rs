//! Deserializers that accept what real harnesses write (numbers for ids, objects for strings)
//! without serde's buffering `untagged`/`flatten` paths, so reading stays fast.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Any JSON value read as text: strings as they are, scalars printed, arrays and objects as JSON.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(Some(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(Some(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
        Ok(Text(Some(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Text, E> {
        Ok(Text(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        Text::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text, A::Error> {
        let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        // A list of strings (BrowseComp-Plus writes reasoning so) is its text, a string a line;
        // any other list stays JSON text.
        if let Value::Array(parts) = &v {
            // Strings only: a list of objects may be search hits, read as JSON by the hit reader.
            if !parts.is_empty() && parts.iter().all(Value::is_string) {
                return Ok(Text(Some(text_parts(parts))));
            }
        }
        Ok(Text(Some(v.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Text(Some(v.to_string())))
    }
}

/// Gold answers: a string, a number, or a list of them.
/// Content parts joined by newlines: plain strings and the `text` of `{type, text}` objects
/// (OpenAI chat, Responses and ATIF content arrays alike); other parts are skipped.
pub fn text_parts(parts: &[Value]) -> String {
    parts
        .iter()
        .filter_map(|p| match p {
            Value::String(s) => Some(s.as_str()),
            Value::Object(m) => m.get("text").and_then(Value::as_str),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn answers(v: Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => vec![s],
        Value::Array(a) => a.into_iter().flat_map(answers).collect(),
        other => vec![other.to_string()],
    }
}

/// `correct` as harnesses write it: a boolean, 0/1, or "true"/"yes"/"correct".
pub fn correctness(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|x| x > 0.5),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "correct" | "1" => Some(true),
            "false" | "no" | "incorrect" | "wrong" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `retrieved_docids`: a flat list, or a list of `{query: [ids]}` objects.
pub fn docid_list(v: Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(normalize_docid(&s)),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(a) => a.into_iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.into_iter().for_each(|(_, x)| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// A scalar read as text; `None` for null, arrays and objects.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A JSON value's kind, for messages: `found an array`.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `doc:123` means `123`; surrounding whitespace and quotes are not part of an id.
pub fn normalize_docid(raw: &str) -> String {
    let t = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let t = t.strip_prefix("doc:").unwrap_or(t);
    t.trim().to_string()
}
