//! Loading runs from files and folders: format detection, one-run-a-line streaming, parallel
//! parsing, and errors that name file, line and column while every other run still loads.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::detect::{self, Layout};
use super::model::{Format, Run, Source};
use super::tools::ToolNames;
use super::{atif, chat, lrat, native, responses, search_r1};
use crate::error::{Error, InputError};

/// How to read run files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Force a schema instead of detecting it.
    pub format: Option<Format>,
    pub tools: ToolNames,
}

/// What one file gave.
#[derive(Debug, Default)]
pub struct FileLoad {
    pub runs: Vec<Run>,
    pub errors: Vec<InputError>,
    pub bytes: u64,
    /// Set when a file found by walking a folder is not a run file at all.
    pub skipped: Option<String>,
}

/// What a whole load gave.
#[derive(Debug, Default)]
pub struct Loaded {
    pub runs: Vec<Run>,
    pub errors: Vec<InputError>,
    pub files: usize,
    pub bytes: u64,
    /// Files under a folder that were not run files, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
    /// How files departed from their format while still being read: each once a file.
    pub notes: Vec<(PathBuf, String)>,
}

impl Loaded {
    /// Ids that runs from several places shared, with the ids those runs are known by now
    /// ([`super::identity`]).
    pub fn renamed(&self) -> Vec<(String, Vec<String>)> {
        super::identity::renamed(&self.runs)
    }

    /// Runs with no search, browse or other tool step.
    pub fn without_tool_calls(&self) -> Vec<&Run> {
        self.runs
            .iter()
            .filter(|r| {
                !r.steps.iter().any(|s| match &s.kind {
                    crate::run::StepKind::Search(_) | crate::run::StepKind::Browse(_) => true,
                    crate::run::StepKind::Other(o) => o.tool.is_some(),
                    _ => false,
                })
            })
            .collect()
    }

    /// Runs that carry no question.
    pub fn without_question(&self) -> Vec<&Run> {
        self.runs
            .iter()
            .filter(|r| r.question.as_deref().is_none_or(|q| q.trim().is_empty()))
            .collect()
    }

    /// Lines worth telling the user about what was loaded: format deviations, runs without
    /// tool calls, and runs without questions (with the flag that supplies them).
    pub fn advisories(&self, questions_given: bool) -> Vec<String> {
        let mut out: Vec<String> = self
            .notes
            .iter()
            .take(10)
            .map(|(p, n)| format!("note: {}: {n}", p.display()))
            .collect();
        if self.notes.len() > 10 {
            out.push(format!("note: … and {} more", self.notes.len() - 10));
        }
        let ids = |runs: &[&Run]| {
            let mut s: Vec<&str> = runs.iter().take(3).map(|r| r.id.as_str()).collect();
            if runs.len() > 3 {
                s.push("…");
            }
            s.join(", ")
        };
        let none = self.without_tool_calls();
        if !none.is_empty() {
            out.push(format!(
                "{} run(s) have no tool calls ({}): nothing to mine from them",
                none.len(),
                ids(&none)
            ));
        }
        let unasked = self.without_question();
        if !unasked.is_empty() && !questions_given {
            out.push(format!(
                "{} run(s) have no question ({}): pass --questions FILE (JSON id → question, JSON lines {{query_id, query, answer}}, or TSV id<TAB>question<TAB>answer)",
                unasked.len(),
                ids(&unasked)
            ));
        }
        out
    }

    /// `loaded N runs from M files, K rejected`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "loaded {} runs from {} files, {} rejected",
            self.runs.len(),
            self.files,
            self.errors.len()
        );
        if let Some(note) = skipped_note(&self.skipped) {
            s.push_str(&format!(", {note}"));
        }
        s
    }
}

const RUN_EXTENSIONS: [&str; 3] = ["json", "jsonl", "ndjson"];

/// Every run file under the given paths (folders recursively, sorted), each with whether it was
/// named explicitly.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, Error> {
    check_paths(paths)?;
    let mut out = Vec::new();
    for p in paths {
        let md = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if md.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found.into_iter().map(|f| (f, false)));
        } else {
            out.push((p.clone(), true));
        }
    }
    Ok(out)
}

/// What to say when `paths` held no run file: where was looked, what counts as one, and the
/// files found that were not runs.
pub fn no_runs_found(paths: &[PathBuf], skipped: &[(PathBuf, String)]) -> InputError {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut s = "no run files found (run files are .json, .jsonl or .ndjson)".to_string();
    if let Some((p, why)) = skipped.first() {
        s.push_str(&format!(
            "; {} file(s) skipped as not runs (first: {}: {why})",
            skipped.len(),
            p.display()
        ));
    }
    InputError::new(names.join(", "), s)
}

/// `N files skipped (not runs; first: path: why)`, when any were.
pub fn skipped_note(skipped: &[(PathBuf, String)]) -> Option<String> {
    let (p, why) = skipped.first()?;
    Some(format!(
        "{} file(s) skipped as not runs (first: {}: {why})",
        skipped.len(),
        p.display()
    ))
}

/// Every path exists, or the first that does not is named, in the words every command uses.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), Error> {
    match paths.iter().find(|p| !p.exists()) {
        Some(p) => Err(Error::Folder {
            path: p.clone(),
            message: "no such file or folder".into(),
        }),
        None => Ok(()),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if hidden {
            continue;
        }
        if ft.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| RUN_EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every run under `paths`, files in parallel.
pub fn load(paths: &[PathBuf], opts: &ReadOptions) -> Result<Loaded, Error> {
    load_summarised(paths, opts, &|_: &Run| (), false).map(|(l, _)| l)
}

/// [`load`] for commands that need only a summary of each run: `summary` is computed as each
/// file is read, and the runs kept are stubs ([`Run::stub`]: no steps), so memory holds the
/// summaries and the runs' headers, not their texts. The runs' ids are assigned over all of
/// them as [`load`] does, after `summary` ran (it sees each run's id as its file gave it).
pub fn load_summarised<T: Send>(
    paths: &[PathBuf],
    opts: &ReadOptions,
    summary: &(dyn Fn(&Run) -> T + Sync),
    stub: bool,
) -> Result<(Loaded, Vec<T>), Error> {
    let files = collect_files(paths)?;
    let parts: Vec<(PathBuf, FileLoad, Vec<T>)> = files
        .par_iter()
        .map(|(p, explicit)| {
            let mut part = load_file(p, *explicit, opts);
            let sums = part.runs.iter().map(summary).collect();
            if stub {
                part.runs.iter_mut().for_each(Run::stub);
            }
            (p.clone(), part, sums)
        })
        .collect();
    let mut summaries = Vec::new();
    let mut loaded = Loaded {
        files: parts.len(),
        ..Loaded::default()
    };
    for (path, part, sums) in parts {
        summaries.extend(sums);
        let mut seen: Vec<&String> = Vec::new();
        for n in part.runs.iter().flat_map(|r| &r.notes) {
            if !seen.contains(&n) {
                seen.push(n);
                loaded.notes.push((path.clone(), n.clone()));
            }
        }
        loaded.bytes += part.bytes;
        loaded.runs.extend(part.runs);
        loaded.errors.extend(part.errors);
        if let Some(why) = part.skipped {
            loaded.files -= 1;
            loaded.skipped.push((path, why));
        }
    }
    super::identity::assign(&mut loaded.runs);
    Ok((loaded, summaries))
}

/// `run` whole again, its steps read back from its file (a run the app keeps as a [`Run::shell`]):
/// its own fields (id, question, answers as the questions file set them) are kept. `None` when
/// the file no longer holds it.
pub fn with_texts(run: &Run, opts: &ReadOptions) -> Option<Run> {
    let part = load_file(&run.source.path, true, opts);
    let found = part
        .runs
        .into_iter()
        .find(|r| r.source.line == run.source.line && r.query_id == run.query_id)?;
    let mut whole = run.clone();
    whole.steps = found.steps;
    whole.retrieved_docids = found.retrieved_docids;
    Some(whole)
}

/// Loads one file; never fails as a whole: problems become errors in the result.
pub fn load_file(path: &Path, explicit: bool, opts: &ReadOptions) -> FileLoad {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let mut out = FileLoad::default();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            out.errors
                .push(InputError::new(path, format!("cannot open: {e}")));
            return out;
        }
    };
    if matches!(ext.as_deref(), Some("jsonl" | "ndjson")) {
        // A binary file is said to be one, not reported as a JSON error on every line.
        let mut head = Vec::with_capacity(BINARY_SNIFF);
        if let Err(e) = (&mut file).take(BINARY_SNIFF as u64).read_to_end(&mut head) {
            out.errors
                .push(InputError::new(path, format!("cannot read: {e}")));
            return out;
        }
        if let Some((why, line)) = binary(&head) {
            out.errors.push(InputError::new(path, why).at_line(line));
            return out;
        }
        if let Err(e) = std::io::Seek::rewind(&mut file) {
            out.errors
                .push(InputError::new(path, format!("cannot read: {e}")));
            return out;
        }
        stream_lines(path, &mut file, explicit, opts, &mut out);
        return out;
    }
    let mut bytes = Vec::new();
    if let Err(e) = file.read_to_end(&mut bytes) {
        out.errors
            .push(InputError::new(path, format!("cannot read: {e}")));
        return out;
    }
    out.bytes = bytes.len() as u64;
    if let Some((why, line)) = binary(&bytes[..bytes.len().min(BINARY_SNIFF)]) {
        out.errors.push(InputError::new(path, why).at_line(line));
        return out;
    }
    match detect::layout(&bytes, ext.as_deref()) {
        Layout::Lines => {
            let mut state = LineState::new(opts.format);
            parse_lines(path, &bytes, 1, opts, &mut state, &mut out);
            state.finish(path, explicit, &mut out);
        }
        Layout::Whole => {
            let body = detect::trim_start(&bytes);
            if body.is_empty() {
                out.errors
                    .push(InputError::new(path, "empty file: expected a run object").at_line(1));
                return out;
            }
            let sniffed = match opts.format {
                Some(f) => Ok(Some(f)),
                None => detect::schema(&bytes),
            };
            let format = match sniffed {
                Ok(Some(f)) => f,
                // Valid JSON that is not a run: under a folder it is some other file.
                Ok(None) if !explicit => {
                    out.skipped = Some(not_a_run(body));
                    return out;
                }
                Ok(None) => {
                    out.errors
                        .push(InputError::new(path, not_a_run(body)).at_line(1));
                    return out;
                }
                Err(e) => {
                    out.errors.push(InputError::from_json(path, 1, &e));
                    return out;
                }
            };
            // Report positions against the file, so count what trim_start removed.
            let skipped_lines = bytes[..bytes.len() - body.len()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            match parse_record(&bytes, path, None, 1, format, stem(path), &opts.tools) {
                Ok(run) => out.runs.push(run),
                Err(mut e) => {
                    if e.line.is_none() {
                        e.line = Some(1 + skipped_lines);
                    }
                    out.errors.push(e)
                }
            }
        }
    }
    out
}

/// How much of a file is looked at to tell binary from text.
const BINARY_SNIFF: usize = 8192;

/// Why `head` (a file's first bytes) is not JSON text, if it is not, with the 1-based line of
/// the byte that says so: a NUL byte, or bytes that are not UTF-8 where JSON should start. (Bad
/// UTF-8 inside a JSON string is left to the parser, which names its line and column.)
fn binary(head: &[u8]) -> Option<(String, usize)> {
    let line = |at: usize| 1 + head[..at].iter().filter(|&&b| b == b'\n').count();
    if let Some(at) = head.iter().position(|&b| b == 0) {
        return Some((
            "not JSON text: the file is binary (it has NUL bytes)".into(),
            line(at),
        ));
    }
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    if head[start].is_ascii() {
        return None;
    }
    match std::str::from_utf8(&head[start..]) {
        Err(e) if e.valid_up_to() == 0 && e.error_len().is_some() => Some((
            "not JSON text: it starts with bytes that are not UTF-8 (a binary file, or text in another encoding)".into(),
            line(start),
        )),
        _ => None,
    }
}

fn not_a_run(record: &[u8]) -> String {
    match record.first() {
        Some(b'{') => "unrecognised run format: expected an object with `result` (LRAT run), `steps` (native), `messages` (chat log), `schema_version` (ATIF), Responses API items, or Search-R1 text with `<search>` tags".into(),
        Some(b'[') => "expected a run object, found an array".into(),
        _ => "not JSON: expected a run object".into(),
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Parses one run record (a whole file or one line).
pub fn parse_record(
    bytes: &[u8],
    path: &Path,
    line: Option<usize>,
    first_line: usize,
    format: Format,
    fallback_id: String,
    tools: &ToolNames,
) -> Result<Run, InputError> {
    let source = Source {
        path: path.to_path_buf(),
        line,
    };
    let err = |e: serde_json::Error| InputError::from_json(path, first_line, &e);
    let mut run = build(
        bytes,
        path,
        first_line,
        format,
        source,
        fallback_id,
        tools,
        err,
    )?;
    run.query_id = run.id.clone();
    super::tools::link_titles(&mut run);
    Ok(run)
}

#[allow(clippy::too_many_arguments)]
fn build(
    bytes: &[u8],
    path: &Path,
    first_line: usize,
    format: Format,
    source: Source,
    fallback_id: String,
    tools: &ToolNames,
    err: impl Fn(serde_json::Error) -> InputError,
) -> Result<Run, InputError> {
    match format {
        Format::Lrat => {
            let raw: lrat::RawRun = serde_json::from_slice(bytes).map_err(err)?;
            if raw.result.is_none() {
                return Err(InputError::new(
                    path,
                    "missing field `result`: expected the run's steps",
                )
                .at_line(first_line));
            }
            Ok(lrat::build(raw, source, format, fallback_id, tools))
        }
        Format::Native => {
            let raw: native::NativeRun = serde_json::from_slice(bytes).map_err(err)?;
            Ok(native::build(raw, source, fallback_id))
        }
        Format::Chat => {
            let raw: super::chat_wire::ChatRun = serde_json::from_slice(bytes).map_err(err)?;
            Ok(chat::build(raw, source, fallback_id, tools))
        }
        Format::Atif => {
            let raw: atif::AtifDoc = serde_json::from_slice(bytes).map_err(err)?;
            Ok(atif::build(raw, source, fallback_id, tools))
        }
        Format::Responses => {
            let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(err)?;
            responses::build(raw, source, fallback_id, tools)
                .map_err(|m| InputError::new(path, m).at_line(first_line))
        }
        Format::SearchR1 => {
            let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(err)?;
            search_r1::build(raw, source, fallback_id, tools)
                .map_err(|m| InputError::new(path, m).at_line(first_line))
        }
    }
}

/// The schema decided for a one-run-a-line file, from its first recognisable line.
struct LineState {
    format: Option<Format>,
    /// Lines seen before the schema was known: (line number, bytes).
    held: Vec<(usize, Vec<u8>)>,
    first_problem: Option<String>,
}

impl LineState {
    fn new(format: Option<Format>) -> Self {
        Self {
            format,
            held: Vec::new(),
            first_problem: None,
        }
    }

    fn finish(&mut self, path: &Path, explicit: bool, out: &mut FileLoad) {
        if self.format.is_none() && !self.held.is_empty() {
            let why = self.first_problem.take().unwrap_or_else(|| not_a_run(b"{"));
            if explicit {
                for (line, _) in &self.held {
                    out.errors
                        .push(InputError::new(path, why.clone()).at_line(*line));
                }
            } else {
                out.skipped = Some(why);
            }
        }
    }
}

const CHUNK: usize = 16 << 20;

/// Blocks of whole lines read from `file`, or the read error that ended it.
fn read_blocks(file: &mut File, tx: std::sync::mpsc::SyncSender<Result<Vec<u8>, std::io::Error>>) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut buf = std::mem::take(&mut carry);
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let mut filled = start;
        let mut eof = false;
        while filled < buf.len() {
            match file.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        buf.truncate(filled);
        if eof {
            if !buf.is_empty() {
                let _ = tx.send(Ok(buf));
            }
            return;
        }
        match memchr::memrchr(b'\n', &buf) {
            Some(i) => {
                carry = buf.split_off(i + 1);
                if tx.send(Ok(buf)).is_err() {
                    return;
                }
            }
            // A single line longer than the buffer: keep reading until it ends.
            None => carry = buf,
        }
    }
}

/// One run a line, read on one thread while the lines already read are parsed on the others.
fn stream_lines(
    path: &Path,
    file: &mut File,
    explicit: bool,
    opts: &ReadOptions,
    out: &mut FileLoad,
) {
    let mut state = LineState::new(opts.format);
    let mut next_line = 1usize;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        scope.spawn(move || read_blocks(file, tx));
        for block in rx {
            match block {
                Ok(buf) => {
                    out.bytes += buf.len() as u64;
                    next_line += parse_lines(path, &buf, next_line, opts, &mut state, out);
                }
                Err(e) => out
                    .errors
                    .push(InputError::new(path, format!("cannot read: {e}")).at_line(next_line)),
            }
        }
    });
    state.finish(path, explicit, out);
}

/// Parses the complete lines in `chunk` (numbered from `first`); returns how many lines it held.
fn parse_lines(
    path: &Path,
    chunk: &[u8],
    first: usize,
    opts: &ReadOptions,
    state: &mut LineState,
    out: &mut FileLoad,
) -> usize {
    let mut lines: Vec<(usize, &[u8])> = Vec::new();
    let mut start = 0;
    let mut n = first;
    for end in memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len())) {
        if end < start {
            continue;
        }
        let line = &chunk[start..end];
        if !line.iter().all(u8::is_ascii_whitespace) {
            lines.push((n, line));
        }
        if end < chunk.len() {
            n += 1;
        }
        start = end + 1;
    }
    // Lines the chunk held: every newline, plus a last line without one.
    let count = n - first + usize::from(!chunk.is_empty() && chunk.last() != Some(&b'\n'));
    if state.format.is_none() {
        let mut rest = lines.into_iter();
        for (line_no, line) in rest.by_ref() {
            match detect::schema(detect::trim_start(line)).ok().flatten() {
                Some(f) => {
                    state.format = Some(f);
                    let held = std::mem::take(&mut state.held);
                    let held: Vec<(usize, &[u8])> =
                        held.iter().map(|(l, b)| (*l, b.as_slice())).collect();
                    parse_batch(path, &held, f, opts, out);
                    parse_batch(path, &[(line_no, line)], f, opts, out);
                    break;
                }
                None => {
                    if state.first_problem.is_none() {
                        state.first_problem = Some(
                            match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
                                Err(e) => InputError::from_json(path, line_no, &e).message,
                                Ok(_) => not_a_run(detect::trim_start(line)),
                            },
                        );
                    }
                    state.held.push((line_no, line.to_vec()));
                }
            }
        }
        let remaining: Vec<(usize, &[u8])> = rest.collect();
        if let Some(f) = state.format {
            parse_batch(path, &remaining, f, opts, out);
        }
        return count;
    }
    if let Some(f) = state.format {
        parse_batch(path, &lines, f, opts, out);
    }
    count
}

fn parse_batch(
    path: &Path,
    lines: &[(usize, &[u8])],
    format: Format,
    opts: &ReadOptions,
    out: &mut FileLoad,
) {
    let file_stem = stem(path);
    let results: Vec<Result<Run, InputError>> = lines
        .par_iter()
        .with_min_len(1)
        .map(|(line_no, line)| {
            parse_record(
                line,
                path,
                Some(*line_no),
                *line_no,
                format,
                format!("{file_stem}:{line_no}"),
                &opts.tools,
            )
        })
        .collect();
    for r in results {
        match r {
            Ok(run) => out.runs.push(run),
            Err(e) => out.errors.push(e),
        }
    }
}
