//! Questions files that supply `query`/`answer` for runs that lack them, joined by the run's
//! query id. Read in the shapes people publish:
//! - a JSON object, id → question (`{"0": "What manga …", …}`) or id → `{question, answer}`;
//! - a JSON array of `{query_id|id|qid, query|question, answer}` objects, or of question
//!   strings (ids are their positions from 0);
//! - JSON lines of such objects;
//! - TSV `id<TAB>question[<TAB>answer]`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::lenient;
use super::model::Run;
use crate::error::{Error, InputError};

/// Question and gold answers by query id.
#[derive(Debug, Default, Clone)]
pub struct Questions(pub HashMap<String, (Option<String>, Vec<String>)>);

const ID_KEYS: [&str; 4] = ["query_id", "id", "qid", "question_id"];
const QUESTION_KEYS: [&str; 4] = ["query", "question", "problem", "text"];
const ANSWER_KEYS: [&str; 4] = ["answer", "answers", "gold", "golden_answers"];

fn first_scalar(m: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| m.get(*k).and_then(lenient::scalar))
}

fn answers_of(m: &Map<String, Value>) -> Vec<String> {
    ANSWER_KEYS
        .iter()
        .find_map(|k| m.get(*k).cloned())
        .map(lenient::answers)
        .unwrap_or_default()
}

/// One record with its id, question and answers, or why not.
fn record(m: &Map<String, Value>) -> Result<(String, Option<String>, Vec<String>), String> {
    let id = first_scalar(m, &ID_KEYS).ok_or("missing field `query_id` (or `id`, `qid`)")?;
    let q = first_scalar(m, &QUESTION_KEYS).ok_or("missing field `query` (or `question`)")?;
    Ok((id, Some(q), answers_of(m)))
}

impl Questions {
    pub fn read(path: &Path) -> Result<(Questions, Vec<InputError>), Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(Error::Input(InputError::new(
                path,
                "not a questions file: not UTF-8 text (expected JSON, JSON lines or TSV)",
            )));
        };
        let body = text.trim_start_matches('\u{feff}').trim();
        // A whole-file JSON value: an object (id → question, or one record) or an array.
        if body.starts_with('[') || body.starts_with('{') {
            match serde_json::from_str::<Value>(body) {
                Ok(v) => return Ok(Self::from_value(path, v)),
                // An array cannot be JSON lines; an object that fails may be the first of many.
                Err(e) if body.starts_with('[') => {
                    return Err(Error::Input(InputError::from_json(path, 1, &e)));
                }
                Err(_) => {}
            }
        }
        Ok(Self::from_lines(path, &text))
    }

    fn from_value(path: &Path, v: Value) -> (Questions, Vec<InputError>) {
        let mut map = HashMap::new();
        let mut errors = Vec::new();
        match v {
            Value::Object(m) if first_scalar(&m, &QUESTION_KEYS).is_some() => match record(&m) {
                Ok((id, q, a)) => {
                    map.insert(id, (q, a));
                }
                Err(e) => errors.push(InputError::new(path, e).at_line(1)),
            },
            Value::Object(m) => {
                for (id, v) in m {
                    match v {
                        Value::String(q) => {
                            map.insert(id, (Some(q), Vec::new()));
                        }
                        Value::Object(o) => match first_scalar(&o, &QUESTION_KEYS) {
                            Some(q) => {
                                map.insert(id, (Some(q), answers_of(&o)));
                            }
                            None => errors.push(InputError::new(
                                path,
                                format!("entry \"{id}\": missing field `question` (or `query`)"),
                            )),
                        },
                        other => errors.push(InputError::new(
                            path,
                            format!(
                                "entry \"{id}\": expected a question string or {{question, answer}}, found {}",
                                lenient::kind(&other)
                            ),
                        )),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::String(q) => {
                            map.insert(i.to_string(), (Some(q), Vec::new()));
                        }
                        Value::Object(o) => match record(&o) {
                            Ok((id, q, a)) => {
                                map.insert(id, (q, a));
                            }
                            Err(e) => errors.push(InputError::new(path, format!("item {i}: {e}"))),
                        },
                        other => errors.push(InputError::new(
                            path,
                            format!(
                                "item {i}: expected a question object or string, found {}",
                                lenient::kind(&other)
                            ),
                        )),
                    }
                }
            }
            _ => {}
        }
        (Questions(map), errors)
    }

    fn from_lines(path: &Path, text: &str) -> (Questions, Vec<InputError>) {
        let mut map = HashMap::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let t = line.trim().trim_start_matches('\u{feff}');
            if t.is_empty() {
                continue;
            }
            if t.starts_with('{') {
                match serde_json::from_str::<Value>(t) {
                    Ok(Value::Object(m)) => match record(&m) {
                        Ok((id, q, a)) => {
                            map.insert(id, (q, a));
                        }
                        Err(e) => errors.push(InputError::new(path, e).at_line(line_no)),
                    },
                    Ok(_) => errors
                        .push(InputError::new(path, "expected a JSON object").at_line(line_no)),
                    Err(e) => errors.push(InputError::from_json(path, line_no, &e)),
                }
            } else {
                let mut cols = line.split('\t');
                let id = cols.next().unwrap_or("").trim();
                let q = cols.next().map(str::to_string);
                if id.is_empty() || q.is_none() {
                    errors.push(
                        InputError::new(
                            path,
                            "expected `id<TAB>question[<TAB>answer]`, a JSON object per line, or one JSON object or array",
                        )
                        .at_line(line_no),
                    );
                    continue;
                }
                let a: Vec<String> = cols.next().map(|a| vec![a.to_string()]).unwrap_or_default();
                map.insert(id.to_string(), (q, a));
            }
        }
        (Questions(map), errors)
    }

    /// Fills in missing questions and gold answers.
    pub fn apply(&self, runs: &mut [Run]) {
        for r in runs {
            if let Some((q, a)) = self.0.get(&r.query_id) {
                if r.question.is_none() {
                    r.question = q.clone();
                }
                if r.gold.is_empty() {
                    r.gold = a.clone();
                }
            }
        }
    }
}
