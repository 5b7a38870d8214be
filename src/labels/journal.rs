//! The label journal: `labels.jsonl`, append-only, each record flushed and fsynced before the
//! write is acknowledged. A torn last record (a crash mid-write) is reported and cut off; a
//! damaged record elsewhere is reported and skipped. One process writes at a time (`labels.lock`);
//! a second one gets the labels read-only.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::record::{LabelKey, LabelValue, Record, Tx};
use crate::error::Error;

/// What opening a journal found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JournalReport {
    pub records: usize,
    /// Damaged or torn records, each naming its line.
    pub problems: Vec<String>,
    /// Why the journal is read-only, when it is.
    pub read_only: Option<String>,
}

/// A label and its value (`None`: cleared).
pub type Change = (LabelKey, Option<LabelValue>);

pub struct Journal {
    path: PathBuf,
    /// The append handle; `None` when read-only.
    file: Option<File>,
    /// Held for the journal's lifetime: the lock on `labels.lock`.
    _lock: Option<File>,
    read_only: Option<String>,
    records: Vec<Record>,
    undone: HashSet<u64>,
    /// Changes undone in this session, latest last, each as one transaction's (key, value)s:
    /// what `redo` writes again. Cleared by any new change.
    redo: Vec<Vec<(LabelKey, Option<LabelValue>)>>,
    state: HashMap<LabelKey, LabelValue>,
    /// Labelled negatives by run: (search step, document), for mining.
    negatives: HashMap<String, HashSet<(usize, String)>>,
    next_seq: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

impl Journal {
    /// A read-only copy of the labels in force, for work on another thread: it answers `get`
    /// and the negatives as this journal does now, and nothing can be written through it.
    pub fn snapshot(&self) -> Journal {
        Journal {
            path: self.path.clone(),
            file: None,
            _lock: None,
            read_only: Some("a snapshot of the labels".into()),
            records: Vec::new(),
            undone: HashSet::new(),
            redo: Vec::new(),
            state: self.state.clone(),
            negatives: self.negatives.clone(),
            next_seq: self.next_seq,
        }
    }

    /// Opens (creating) the journal in `dir`.
    pub fn open(dir: &Path) -> Result<(Journal, JournalReport), Error> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join("labels.jsonl");
        let lock_path = dir.join("labels.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        let mut report = JournalReport::default();
        // A lock can be held for a moment by a process being spawned (it shares the descriptor
        // until it execs): give it a little while before settling for read-only.
        let mut attempt = lock.try_lock();
        for _ in 0..10 {
            if !matches!(attempt, Err(std::fs::TryLockError::WouldBlock)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            attempt = lock.try_lock();
        }
        let (lock, writable) = match attempt {
            Ok(()) => (Some(lock), true),
            Err(std::fs::TryLockError::WouldBlock) => {
                report.read_only = Some(format!(
                    "the labels in {} are open in another lrat process; opened read-only",
                    dir.display()
                ));
                (None, false)
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        };
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes).map_err(io(&path))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        let mut j = Journal {
            path: path.clone(),
            file: None,
            _lock: lock,
            read_only: report.read_only.clone(),
            records: Vec::new(),
            undone: HashSet::new(),
            redo: Vec::new(),
            state: HashMap::new(),
            negatives: HashMap::new(),
            next_seq: 1,
        };
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut parsed_records: Vec<(usize, Record)> = Vec::new();
        for (i, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let parsed = std::str::from_utf8(line)
                .map_err(|_| "not UTF-8".to_string())
                .and_then(Record::from_line);
            match parsed {
                Ok(r) => parsed_records.push((i + 1, r)),
                Err(why) => report.problems.push(format!(
                    "{}:{}: {why}; record skipped",
                    path.display(),
                    i + 1
                )),
            }
        }
        // A transaction applies whole or not at all.
        let mut seen: HashMap<u64, u32> = HashMap::new();
        for (_, r) in &parsed_records {
            if let Some(tx) = r.tx() {
                *seen.entry(tx.id).or_default() += 1;
            }
        }
        let mut reported: HashSet<u64> = HashSet::new();
        for (line, r) in parsed_records {
            match r.tx() {
                Some(tx) if seen.get(&tx.id).copied().unwrap_or(0) != tx.n => {
                    if reported.insert(tx.id) {
                        report.problems.push(format!(
                            "{}:{line}: a change of {} labels written only in part ({} records); not applied",
                            path.display(),
                            tx.n,
                            seen.get(&tx.id).copied().unwrap_or(0)
                        ));
                    }
                }
                _ => j.apply(r),
            }
        }
        let torn = complete < bytes.len();
        if torn {
            let line = bytes[..complete].iter().filter(|&&b| b == b'\n').count() + 1;
            report.problems.push(format!(
                "{}:{line}: torn last record (an interrupted write); {}",
                path.display(),
                if writable { "cut off" } else { "ignored" }
            ));
        }
        if writable {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .open(&path)
                .map_err(io(&path))?;
            if torn {
                // Later records must start on a line of their own.
                file.set_len(complete as u64).map_err(io(&path))?;
                file.sync_all().map_err(io(&path))?;
            }
            j.file = Some(file);
        }
        report.records = j.records.len();
        Ok((j, report))
    }

    fn apply(&mut self, r: Record) {
        self.next_seq = self.next_seq.max(r.seq() + 1);
        match &r {
            Record::Set { key, value, .. } => self.put_state(key, value.clone()),
            Record::Undo { target, .. } => {
                self.undone.insert(*target);
                let key = self.records.iter().find_map(|x| match x {
                    Record::Set { seq, key, .. } if seq == target => Some(key.clone()),
                    _ => None,
                });
                if let Some(k) = key {
                    self.recompute(&k);
                }
            }
        }
        self.records.push(r);
    }

    /// A key's value from its sets that were not undone.
    fn recompute(&mut self, key: &LabelKey) {
        let value = self
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Set {
                    seq, key: k, value, ..
                } if k == key && !self.undone.contains(seq) => Some(value.clone()),
                _ => None,
            })
            .next_back()
            .flatten();
        self.put_state(key, value);
    }

    /// Sets (or, with `None`, clears) the label in force for `key`, keeping the index of
    /// labelled negatives by run in step.
    fn put_state(&mut self, key: &LabelKey, value: Option<LabelValue>) {
        if let LabelKey::Negative {
            run_id,
            search_step,
            docid,
        } = key
        {
            let entry = (*search_step, docid.clone());
            if matches!(value, Some(LabelValue::Negative(_))) {
                self.negatives
                    .entry(run_id.clone())
                    .or_default()
                    .insert(entry);
            } else if let Some(set) = self.negatives.get_mut(run_id) {
                set.remove(&entry);
                if set.is_empty() {
                    self.negatives.remove(run_id);
                }
            }
        }
        match value {
            Some(v) => self.state.insert(key.clone(), v),
            None => self.state.remove(key),
        };
    }

    /// The (search step, document) pairs of run `run_id` a human labelled as negatives
    /// (excluded or actually relevant); `None` when there are none.
    pub fn labelled_negatives(&self, run_id: &str) -> Option<&HashSet<(usize, String)>> {
        self.negatives.get(run_id)
    }

    /// Appends `records` in one write, flushed and fsynced, then applies them.
    fn append_all(&mut self, records: Vec<Record>) -> Result<(), Error> {
        if let Some(why) = &self.read_only {
            return Err(Error::ReadOnly(why.clone()));
        }
        let mut text = String::new();
        for r in &records {
            text.push_str(&r.to_line()?);
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| Error::ReadOnly("the journal is not open for writing".into()))?;
        file.write_all(text.as_bytes()).map_err(io(&self.path))?;
        file.flush().map_err(io(&self.path))?;
        file.sync_data().map_err(io(&self.path))?;
        for r in records {
            self.apply(r);
        }
        Ok(())
    }

    /// Sets (or with `None` clears) a label; returns once it is on disk.
    pub fn set(&mut self, key: LabelKey, value: Option<LabelValue>) -> Result<u64, Error> {
        self.set_all(vec![(key, value)])
    }

    /// Sets several labels as one change: written together, applied whole or not at all after a
    /// crash, and undone by one `undo_last`. Returns the first record's sequence number.
    pub fn set_all(&mut self, changes: Vec<(LabelKey, Option<LabelValue>)>) -> Result<u64, Error> {
        let first = self.next_seq;
        self.write_sets(changes)?;
        self.redo.clear();
        Ok(first)
    }

    fn write_sets(&mut self, changes: Vec<(LabelKey, Option<LabelValue>)>) -> Result<(), Error> {
        let first = self.next_seq;
        let n = u32::try_from(changes.len()).unwrap_or(u32::MAX);
        let tx = (n > 1).then_some(Tx { id: first, n });
        let records = changes
            .into_iter()
            .enumerate()
            .map(|(i, (key, value))| Record::Set {
                seq: first + i as u64,
                key,
                value,
                tx,
            })
            .collect();
        self.append_all(records)
    }

    /// Reverts the latest change not yet undone (every label of a change made with `set_all`);
    /// returns the keys with their values now.
    pub fn undo_last(&mut self) -> Result<Option<Vec<Change>>, Error> {
        let last = self.records.iter().rev().find_map(|r| match r {
            Record::Set { seq, tx, .. } if !self.undone.contains(seq) => Some((*seq, *tx)),
            _ => None,
        });
        let Some((last, tx)) = last else {
            return Ok(None);
        };
        // The change's records, in the order they were written.
        let targets: Vec<(u64, LabelKey, Option<LabelValue>)> = self
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Set {
                    seq,
                    key,
                    value,
                    tx: t,
                } if !self.undone.contains(seq)
                    && match tx {
                        Some(tx) => *t == Some(tx),
                        None => *seq == last,
                    } =>
                {
                    Some((*seq, key.clone(), value.clone()))
                }
                _ => None,
            })
            .collect();
        let first = self.next_seq;
        let n = u32::try_from(targets.len()).unwrap_or(u32::MAX);
        let group = (n > 1).then_some(Tx { id: first, n });
        let records = targets
            .iter()
            .enumerate()
            .map(|(i, (target, _, _))| Record::Undo {
                seq: first + i as u64,
                target: *target,
                tx: group,
            })
            .collect();
        self.append_all(records)?;
        self.redo.push(
            targets
                .iter()
                .map(|(_, k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        Ok(Some(
            targets
                .into_iter()
                .map(|(_, k, _)| {
                    let now = self.state.get(&k).cloned();
                    (k, now)
                })
                .collect(),
        ))
    }

    /// Writes again the change undone last in this session; returns its keys with their values.
    pub fn redo_last(&mut self) -> Result<Option<Vec<Change>>, Error> {
        let Some(changes) = self.redo.pop() else {
            return Ok(None);
        };
        if let Err(e) = self.write_sets(changes.clone()) {
            self.redo.push(changes);
            return Err(e);
        }
        Ok(Some(changes))
    }

    pub fn get(&self, key: &LabelKey) -> Option<&LabelValue> {
        self.state.get(key)
    }

    /// Every label in force, in key order.
    pub fn labels(&self) -> Vec<(&LabelKey, &LabelValue)> {
        let mut v: Vec<_> = self.state.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// Run correctness set by humans, by run id.
    pub fn run_correctness(&self) -> HashMap<String, bool> {
        self.state
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (LabelKey::Run { run_id }, LabelValue::Correct(c)) => Some((run_id.clone(), *c)),
                _ => None,
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.state.len()
    }

    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rewrites the journal as the labels in force (undo history is dropped): a new file,
    /// fsynced, renamed over the old one.
    pub fn compact(&mut self) -> Result<(), Error> {
        if let Some(why) = &self.read_only {
            return Err(Error::ReadOnly(why.clone()));
        }
        let tmp = self.path.with_extension("jsonl.compact");
        let records: Vec<Record> = self
            .labels()
            .into_iter()
            .enumerate()
            .map(|(i, (k, v))| Record::Set {
                seq: i as u64 + 1,
                key: k.clone(),
                value: Some(v.clone()),
                tx: None,
            })
            .collect();
        {
            let mut f = File::create(&tmp).map_err(io(&tmp))?;
            for r in &records {
                f.write_all(r.to_line()?.as_bytes()).map_err(io(&tmp))?;
            }
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))?;
        if let Some(dir) = self.path.parent() {
            // Make the rename itself durable.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        self.file = Some(
            OpenOptions::new()
                .append(true)
                .read(true)
                .open(&self.path)
                .map_err(io(&self.path))?,
        );
        self.records.clear();
        self.undone.clear();
        self.redo.clear();
        self.state.clear();
        self.next_seq = 1;
        for r in records {
            self.apply(r);
        }
        Ok(())
    }
}
