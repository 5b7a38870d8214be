//! What a human can label, and the journal's line format: one JSON record a line ending in a
//! CRC-32 of everything before it, so a torn or damaged line is recognised.

use serde::{Deserialize, Serialize};

use crate::verdict::Verdict;

/// The thing a label is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LabelKey {
    /// A browse's verdict.
    Browse { run_id: String, step: usize },
    /// A mined negative: an unbrowsed hit of a search.
    Negative {
        run_id: String,
        search_step: usize,
        docid: String,
    },
    /// A run's correctness.
    Run { run_id: String },
    /// A free-text note on a run or one of its steps.
    Note { run_id: String, step: Option<usize> },
}

impl LabelKey {
    pub fn run_id(&self) -> &str {
        match self {
            LabelKey::Browse { run_id, .. }
            | LabelKey::Negative { run_id, .. }
            | LabelKey::Run { run_id }
            | LabelKey::Note { run_id, .. } => run_id,
        }
    }
}

/// A human's decision about a negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeLabel {
    /// Leave it out of the negatives.
    Exclude,
    /// It is relevant: a false negative (left out of the negatives too).
    ActuallyRelevant,
}

/// A label's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelValue {
    Verdict(Verdict),
    Negative(NegativeLabel),
    Correct(bool),
    Note(String),
}

/// Records written, undone and replayed together: `n` records share `id` (the first one's
/// sequence number). A transaction cut short by a crash is not applied at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tx {
    pub id: u64,
    pub n: u32,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Record {
    /// Sets (or, with no value, clears) a label.
    Set {
        seq: u64,
        key: LabelKey,
        value: Option<LabelValue>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tx: Option<Tx>,
    },
    /// Reverts the record with sequence number `target`.
    Undo {
        seq: u64,
        target: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tx: Option<Tx>,
    },
}

impl Record {
    pub fn seq(&self) -> u64 {
        match self {
            Record::Set { seq, .. } | Record::Undo { seq, .. } => *seq,
        }
    }

    pub fn tx(&self) -> Option<Tx> {
        match self {
            Record::Set { tx, .. } | Record::Undo { tx, .. } => *tx,
        }
    }

    /// The line to append (with its newline).
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        let body = serde_json::to_string(self)?;
        let crc = crc32fast::hash(body.as_bytes());
        // `body` ends with `}`: splice the checksum in as the last field.
        Ok(format!(
            "{},\"crc\":\"{crc:08x}\"}}\n",
            &body[..body.len() - 1]
        ))
    }

    /// Parses a line (without its newline), checking the checksum.
    pub fn from_line(line: &str) -> Result<Record, String> {
        const TAIL: usize = ",\"crc\":\"00000000\"}".len();
        if line.len() < TAIL + 2 || !line.ends_with("\"}") {
            return Err("incomplete record".into());
        }
        let split = line.len() - TAIL;
        let (head, tail) = line.split_at(split);
        let crc_hex = tail
            .strip_prefix(",\"crc\":\"")
            .and_then(|t| t.strip_suffix("\"}"))
            .ok_or("record has no checksum")?;
        let want = u32::from_str_radix(crc_hex, 16).map_err(|_| "bad checksum field")?;
        let body = format!("{head}}}");
        if crc32fast::hash(body.as_bytes()) != want {
            return Err("checksum mismatch".into());
        }
        serde_json::from_str(&body).map_err(|e| format!("unreadable record: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_damage_is_seen() {
        let r = Record::Set {
            seq: 3,
            key: LabelKey::Browse {
                run_id: "4".into(),
                step: 17,
            },
            value: Some(LabelValue::Verdict(Verdict::NotRelevant)),
            tx: None,
        };
        let line = r.to_line().unwrap();
        assert!(line.starts_with(r#"{"op":"set","seq":3,"key":{"kind":"browse","run_id":"4","step":17},"value":{"verdict":"not_relevant"},"crc":""#));
        assert_eq!(Record::from_line(line.trim_end()).unwrap(), r);
        let damaged = line.trim_end().replace("17", "18");
        assert_eq!(
            Record::from_line(&damaged).unwrap_err(),
            "checksum mismatch"
        );
        assert!(Record::from_line(&line[..line.len() / 2]).is_err());
    }
}
