//! A run's identity in a workspace. Runs are known by the id their file gave, unless runs from
//! different files share it (three retrievers' runs over the same questions, ids "0", "1", …):
//! then each becomes `qualifier/id`, the qualifier being the file's stem, or as many of its
//! parent folders as tell the files apart. Runs that share an id within one file get `@line`.
//! A run whose id no other run shares keeps it, so labels written before stay where they were.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path};

use super::model::Run;

/// Where a run came from and the id its file gave: all that its identity depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a> {
    pub query_id: &'a str,
    pub path: &'a Path,
    pub line: Option<usize>,
}

impl<'a> Key<'a> {
    pub fn of(r: &'a Run) -> Key<'a> {
        Key {
            query_id: &r.query_id,
            path: &r.source.path,
            line: r.source.line,
        }
    }
}

/// Sets every run's [`Run::id`] from its [`Run::query_id`] and where it came from. Idempotent:
/// call it again after more runs arrive.
pub fn assign(runs: &mut [Run]) {
    let ids = ids(&runs.iter().map(Key::of).collect::<Vec<_>>());
    for (r, id) in runs.iter_mut().zip(ids) {
        r.id = id;
    }
}

/// The identity of each run, in order.
pub fn ids(keys: &[Key<'_>]) -> Vec<String> {
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        by_id.entry(k.query_id).or_default().push(i);
    }
    // The files whose runs collide with another file's: their qualifiers must tell them apart.
    let mut files: HashSet<&Path> = HashSet::new();
    let mut shared: Vec<&Vec<usize>> = Vec::new();
    for group in by_id.values().filter(|g| g.len() > 1) {
        let paths: HashSet<&Path> = group.iter().map(|&i| keys[i].path).collect();
        if paths.len() > 1 {
            files.extend(paths);
        }
        shared.push(group);
    }
    let qualifiers = qualifiers(&files);
    let mut out: Vec<String> = keys.iter().map(|k| k.query_id.to_string()).collect();
    for group in shared {
        let mut per_file: HashMap<&Path, usize> = HashMap::new();
        for &i in group {
            *per_file.entry(keys[i].path).or_default() += 1;
        }
        for &i in group {
            let k = &keys[i];
            let mut id = match qualifiers.get(k.path) {
                Some(q) => format!("{q}/{}", k.query_id),
                None => k.query_id.to_string(),
            };
            if per_file[k.path] > 1 {
                match k.line {
                    Some(line) => id.push_str(&format!("@{line}")),
                    None => id.push_str(&format!("@{i}")),
                }
            }
            out[i] = id;
        }
    }
    out
}

/// Whether `id` names `run`: its id, the id its file gave, or that id qualified by a tail of its
/// file's path as [`ids`] qualifies it when other files share the id (`bm25/runs/q0/q0`, with
/// `@line` when its file holds it more than once) — so an id copied from a workspace where
/// several run sets are open still names the run when its set is opened alone.
pub fn names(run: &Run, id: &str) -> bool {
    if run.id == id || run.query_id == id {
        return true;
    }
    let (id, line) = match id.rsplit_once('@') {
        Some((head, l)) if l.parse::<usize>().is_ok() => (head, Some(l)),
        _ => (id, None),
    };
    let Some(qualifier) = id
        .strip_suffix(run.query_id.as_str())
        .and_then(|q| q.strip_suffix('/'))
        .filter(|q| !q.is_empty())
    else {
        return false;
    };
    if let Some(l) = line
        && run.source.line.map(|x| x.to_string()).as_deref() != Some(l)
    {
        return false;
    }
    let p = run.source.path.with_extension("");
    let tail: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let want: Vec<&str> = qualifier.split('/').collect();
    tail.len() >= want.len()
        && tail[tail.len() - want.len()..]
            .iter()
            .zip(&want)
            .all(|(a, b)| a == b)
}

/// For each file, the shortest tail of its path (extension dropped) that no other file shares.
fn qualifiers<'a>(files: &HashSet<&'a Path>) -> BTreeMap<&'a Path, String> {
    let parts = |p: &Path| -> Vec<String> {
        let mut v: Vec<String> = p
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        v.push(
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        v
    };
    let all: Vec<(&Path, Vec<String>)> = files.iter().map(|p| (*p, parts(p))).collect();
    let longest = all.iter().map(|(_, v)| v.len()).max().unwrap_or(1);
    let tail = |v: &[String], n: usize| v[v.len().saturating_sub(n)..].join("/");
    let mut out = BTreeMap::new();
    for (p, v) in &all {
        let n = (1..=longest)
            .find(|&n| {
                all.iter()
                    .filter(|(q, _)| q != p)
                    .all(|(_, w)| tail(w, n) != tail(v, n))
            })
            .unwrap_or(longest);
        out.insert(*p, tail(v, n));
    }
    out
}

/// Label keys (run ids) that name an opened run as it is known when opened with other files
/// (`bm25/0` while `bm25.jsonl` is open alone, its run known as `0`): labels that apply to no
/// run now, and that the user should be told about.
pub fn labelled_elsewhere<'a>(
    runs: &[Run],
    labelled: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let labelled: HashSet<&str> = labelled.into_iter().collect();
    let mut out: Vec<String> = runs
        .iter()
        .filter(|r| r.id == r.query_id)
        .filter_map(|r| {
            let stem = r.source.path.file_stem()?.to_string_lossy().into_owned();
            let q = format!("{stem}/{}", r.query_id);
            labelled.contains(q.as_str()).then_some(q)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Runs renamed because their id is shared: (the id files gave, the ids they are known by now).
pub fn renamed(runs: &[Run]) -> Vec<(String, Vec<String>)> {
    let mut by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for r in runs.iter().filter(|r| r.id != r.query_id) {
        by.entry(r.query_id.as_str())
            .or_default()
            .push(r.id.clone());
    }
    by.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::model::{Format, Meta, Source};

    fn run(id: &str, path: &str, line: Option<usize>) -> Run {
        Run {
            id: String::new(),
            query_id: id.into(),
            source: Source {
                path: path.into(),
                line,
            },
            format: Format::Native,
            question: None,
            gold: Vec::new(),
            final_answer: None,
            status: None,
            correct: None,
            meta: Meta::default(),
            tool_call_counts: Default::default(),
            retrieved_docids: None,
            steps: Vec::new(),
            notes: Vec::new(),
            skeleton: None,
        }
    }

    fn ids(runs: &[Run]) -> Vec<&str> {
        runs.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn shared_ids_are_qualified_by_file_and_others_kept() {
        let mut runs = vec![
            run("0", "w/runs/bm25.jsonl", Some(1)),
            run("1", "w/runs/bm25.jsonl", Some(2)),
            run("0", "w/runs/qwen.jsonl", Some(1)),
            run("7", "w/runs/qwen.jsonl", Some(2)),
        ];
        assign(&mut runs);
        assert_eq!(ids(&runs), ["bm25/0", "1", "qwen/0", "7"]);
        // Idempotent, and more runs arriving qualify the ones before.
        runs.push(run("1", "w/runs/e5.jsonl", Some(1)));
        assign(&mut runs);
        assert_eq!(ids(&runs), ["bm25/0", "bm25/1", "qwen/0", "7", "e5/1"]);
        assert_eq!(
            renamed(&runs),
            [
                (
                    "0".to_string(),
                    vec!["bm25/0".to_string(), "qwen/0".to_string()]
                ),
                (
                    "1".to_string(),
                    vec!["bm25/1".to_string(), "e5/1".to_string()]
                )
            ]
        );
    }

    #[test]
    fn same_stems_take_their_folders_and_one_file_takes_lines() {
        let mut runs = vec![
            run("0", "a/bm25/run.jsonl", Some(1)),
            run("0", "a/qwen/run.jsonl", Some(1)),
            run("5", "b.jsonl", Some(1)),
            run("5", "b.jsonl", Some(9)),
        ];
        assign(&mut runs);
        assert_eq!(ids(&runs), ["bm25/run/0", "qwen/run/0", "5@1", "5@9"]);
    }
}
