//! Generated LRAT-format runs for the benchmarks, written once and kept under target/.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "river",
    "harbour",
    "council",
    "born",
    "was",
    "a",
    "in",
    "which",
    "novel",
    "engineer",
    "bridge",
    "station",
    "first",
    "later",
    "moved",
    "to",
    "archive",
    "papers",
    "library",
    "search",
    "result",
    "document",
    "delegate",
    "conference",
    "town",
    "island",
    "light",
    "keeper",
    "Velmora",
    "Oskerby",
    "Brantholm",
    "Kaldvik",
    "1884",
    "1902",
    "survey",
    "catalogue",
    "stars",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn words(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n * 7);
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(WORDS[self.below(WORDS.len() as u64) as usize]);
        }
        s
    }
}

/// One run shaped like the real ones: ~10 searches of 10 hits with 64-word snippets, a few
/// browses of ~400-word documents, reasoning between them (~100 KB of JSON).
fn make_run(id: usize, rng: &mut Rng) -> String {
    let mut steps = Vec::new();
    steps.push(serde_json::json!({"type": "reasoning", "tool_name": null, "arguments": null, "output": rng.words(150)}));
    let mut browsed = Vec::new();
    for s in 0..10 {
        let q = rng.words(5);
        let mut out = format!("A search for '{q}' found 10 results:\n\n## Web Results\n");
        let mut ids = Vec::new();
        for h in 0..10 {
            let docid = rng.below(10_000_000).to_string();
            let title = rng.words(3);
            out.push_str(&format!(
                "DocID:{docid}\n[{title}]\n{title}\n{}\n\n",
                rng.words(80)
            ));
            if h < 3 {
                ids.push(docid);
            }
        }
        let args = serde_json::json!({"query": [q, rng.words(4)]}).to_string();
        steps.push(serde_json::json!({"type": "tool_call", "tool_name": "search", "arguments": args, "output": out}));
        steps.push(serde_json::json!({"type": "reasoning", "tool_name": null, "arguments": null, "output": rng.words(60)}));
        if s % 3 == 1 {
            let d = ids[rng.below(3) as usize].clone();
            let text = rng.words(1000);
            steps.push(
                serde_json::json!({"type": "tool_call", "tool_name": "get_document",
                "arguments": serde_json::json!({"docid": d}).to_string(),
                "output": format!("Document {d}:\n{{'docid': '{d}', 'text': '{text}'}}")}),
            );
            steps.push(serde_json::json!({"type": "reasoning", "tool_name": null, "arguments": null, "output": rng.words(120)}));
            browsed.push(d);
        }
    }
    steps.push(serde_json::json!({"type": "output_text", "tool_name": null, "arguments": null, "output": rng.words(200)}));
    serde_json::json!({
        "metadata": {"model": "bench", "k": 10, "snippet_max_tokens": 64, "searcher_type": "bm25"},
        "query_id": id.to_string(), "tool_call_counts": {"search": 10, "get_document": browsed.len()},
        "status": "completed", "retrieved_docids": browsed, "result": steps,
        "query": rng.words(30), "answer": rng.words(3),
    })
    .to_string()
}

pub fn generate(dir: &Path, target_bytes: u64) -> (PathBuf, PathBuf) {
    let files = dir.join("runs");
    let lines = dir.join("runs.jsonl");
    let stamp = dir.join(format!("done-v2-{target_bytes}"));
    if stamp.exists() {
        return (files, lines);
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(&files).unwrap();
    let mut jsonl = std::io::BufWriter::new(std::fs::File::create(&lines).unwrap());
    let mut rng = Rng(42);
    let mut written = 0u64;
    let mut i = 0;
    while written < target_bytes {
        let r = make_run(i, &mut rng);
        std::fs::write(files.join(format!("{i}.json")), &r).unwrap();
        jsonl.write_all(r.as_bytes()).unwrap();
        jsonl.write_all(b"\n").unwrap();
        written += r.len() as u64;
        i += 1;
    }
    jsonl.flush().unwrap();
    std::fs::write(&stamp, b"").unwrap();
    (files, lines)
}

/// Where the data lives: `LRAT_BENCH_DIR`, else `target/bench-data/<name>`.
pub fn data_dir(name: &str) -> PathBuf {
    std::env::var("LRAT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/bench-data")
                .join(name)
        })
}

/// `LRAT_BENCH_MB`, default 1024.
pub fn size_mb() -> u64 {
    std::env::var("LRAT_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024)
}
