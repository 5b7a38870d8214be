//! `lrat serve`: MCP over stdio and streamable HTTP, Search-R1's `POST /retrieve`, with BM25 and
//! a model; the served rankings equal `lrat search`'s; bad requests leave the server answering;
//! stale embeddings are refused; the export loads into FAISS with the same top-10.
//!
//! The MCP checks speak JSON-RPC themselves (always run) and, with `LRAT_PYTHON`, through
//! Python's own MCP client (PyPI `mcp`, `tests/python/mcp_client.py`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const QUERIES: [&str; 3] = [
    "lighthouse keeper on the northern island",
    "who built the old stone bridge over the river",
    "museum of the capital city",
];

const TOPICS: [&str; 8] = [
    "lighthouse keeper island storm",
    "stone bridge river built mason",
    "capital city museum paintings",
    "king queen war castle",
    "song album singer chart",
    "film director actor premiere",
    "mountain glacier valley climbers",
    "railway station train engine",
];

/// A corpus of 40 documents, five a topic, each with its own words.
fn write_corpus(dir: &Path) -> PathBuf {
    let path = dir.join("corpus.jsonl");
    let mut out = String::new();
    for i in 0..40 {
        let topic = TOPICS[i % TOPICS.len()];
        let other = TOPICS[(i * 3 + 1) % TOPICS.len()];
        let text = format!(
            "Document {i} is about the {topic}. It mentions the {other} once. Number {} in a series of {} notes on the {topic}.",
            i * 7 % 13,
            i % 5 + 2
        );
        out.push_str(
            &json!({"docid": format!("doc-{i:02}"), "title": format!("Note {i}: {}", topic.split(' ').next().unwrap_or("")), "text": text})
                .to_string(),
        );
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
    path
}

fn lrat(args: &[&str]) -> (i32, String, String) {
    crate::lrat_env(args, &[])
}

/// The corpus indexed, in `dir/ix`.
fn index(dir: &Path) -> PathBuf {
    let corpus = write_corpus(dir);
    let ix = dir.join("ix");
    let (code, _, err) = lrat(&[
        "index",
        corpus.to_str().unwrap(),
        "--out",
        ix.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    ix
}

/// A small model folder built from nothing (other seeds, other weights).
fn build_model(dir: &Path, seed: u64) -> PathBuf {
    use lrat::train::encoder::MaxLengths;
    use lrat::train::scratch::{self, ScratchShape};
    let corpus = std::fs::read_to_string(dir.join("corpus.jsonl")).unwrap();
    let shape = ScratchShape {
        layers: 1,
        hidden: 16,
        heads: 2,
        vocab: 200,
    };
    let max = MaxLengths {
        query: 16,
        passage: 48,
    };
    let model = dir.join("model");
    scratch::build(corpus.lines(), shape, max, seed, &candle_core::Device::Cpu)
        .unwrap()
        .save(&model)
        .unwrap();
    model
}

/// A small model whose embeddings of `ix` are computed (`lrat index IX --model`).
fn tiny_model(dir: &Path, ix: &Path, seed: u64) -> PathBuf {
    let model = build_model(dir, seed);
    let (code, _, err) = lrat(&[
        "index",
        ix.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("embedded 40 documents"), "{err}");
    model
}

/// `lrat index IX --model MODEL --export DIR/export`: the export folder and what it said.
fn export(ix: &Path, model: &Path, dir: &Path) -> (PathBuf, String) {
    let out = dir.join("export");
    let (code, _, err) = lrat(&[
        "index",
        ix.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--export",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    (out, err)
}

/// `lrat search`'s docids for a query.
fn searched(ix: &Path, query: &str, k: usize, model: Option<&Path>) -> Vec<String> {
    let k = k.to_string();
    let mut args = vec!["search", ix.to_str().unwrap(), query, "-k", &k, "--json"];
    if let Some(m) = model {
        args.extend(["--model", m.to_str().unwrap()]);
    }
    let (code, out, err) = lrat(&args);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["docid"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The ranking flag of `lrat serve`.
fn ranking(model: Option<&Path>) -> Vec<String> {
    match model {
        Some(m) => vec!["--model".into(), m.display().to_string()],
        None => vec!["--bm25".into()],
    }
}

/// `lrat serve` over HTTP on a free port; stderr collected; killed when dropped.
struct HttpServer {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

impl HttpServer {
    fn start(ix: &Path, extra: &[String]) -> HttpServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lrat"))
            .args([
                "serve",
                "--corpus",
                ix.to_str().unwrap(),
                "--transport",
                "http",
                "--port",
                "0",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        let keep = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("health   GET  ") {
                    let _ = tx.send(url.trim_end_matches("/health").to_string());
                }
                keep.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("the server did not start: {}", stderr.lock().unwrap()));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        HttpServer {
            child,
            base,
            stderr,
            agent,
        }
    }

    /// POSTs `body` to `path`: (status, the JSON answer).
    fn post(&self, path: &str, body: impl Into<Vec<u8>>) -> (u16, Value) {
        let mut resp = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .send(body.into())
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let mut resp = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    fn retrieve(&self, query: &str) -> Vec<String> {
        let (status, v) = self.post("/retrieve", json!({ "query": query }).to_string());
        assert_eq!(status, 200, "{v}");
        v["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["docid"].as_str().unwrap().to_string())
            .collect()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `lrat serve --transport stdio`, spoken to in JSON-RPC lines.
struct McpStdio {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl McpStdio {
    fn start(ix: &Path, extra: &[String]) -> McpStdio {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lrat"))
            .args(["serve", "--corpus", ix.to_str().unwrap()])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut s = McpStdio {
            child,
            stdin,
            stdout,
            next: 1,
        };
        let init = s.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}),
        );
        assert!(
            init["result"]["capabilities"]["tools"].is_object(),
            "{init}"
        );
        s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        s
    }

    fn send(&mut self, v: &Value) {
        writeln!(self.stdin, "{v}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// A request and its response (notifications in between skipped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed stdout"
            );
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["id"] == json!(id) {
                return v;
            }
        }
    }

    fn call(&mut self, tool: &str, args: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": args}))
    }

    fn search(&mut self, query: &str) -> Vec<String> {
        let r = self.call("search", json!({ "query": query }));
        let text = r["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"));
        let hits: Value = serde_json::from_str(text).unwrap();
        assert_eq!(r["result"]["structuredContent"]["result"], hits);
        hits.as_array()
            .unwrap()
            .iter()
            .map(|h| {
                assert!(h["score"].is_number() && h["snippet"].is_string(), "{h}");
                h["docid"].as_str().unwrap().to_string()
            })
            .collect()
    }
}

impl Drop for McpStdio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every face ranks as `lrat search` does, for BM25 and for a model.
#[test]
fn served_rankings_equal_lrat_search_over_stdio_and_http() {
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let model = tiny_model(d.path(), &ix, 3);
    for m in [None, Some(model.as_path())] {
        let mut flags = ranking(m);
        flags.extend(["--get-document".to_string()]);
        let expected: Vec<Vec<String>> = QUERIES.iter().map(|q| searched(&ix, q, 5, m)).collect();
        assert!(expected.iter().all(|e| e.len() == 5), "{expected:?}");

        let mut stdio = McpStdio::start(&ix, &flags);
        let tools = stdio.request("tools/list", json!({}));
        let names: Vec<&str> = tools["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["search", "get_document"]);
        for (q, e) in QUERIES.iter().zip(&expected) {
            assert_eq!(&stdio.search(q), e, "stdio, {m:?}, {q}");
        }
        let doc = stdio.call("get_document", json!({"docid": expected[0][0]}));
        let doc: Value =
            serde_json::from_str(doc["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(doc["docid"], json!(expected[0][0]));
        assert!(
            doc["text"].as_str().unwrap().starts_with("Document "),
            "{doc}"
        );

        let http = HttpServer::start(&ix, &flags);
        for (q, e) in QUERIES.iter().zip(&expected) {
            assert_eq!(&http.retrieve(q), e, "http, {m:?}, {q}");
        }
        // Search-R1's batch shape: the same rankings, in order.
        let (status, v) = http.post(
            "/retrieve",
            json!({"queries": QUERIES, "topk": 5, "return_scores": true}).to_string(),
        );
        assert_eq!(status, 200, "{v}");
        for (got, e) in v["result"].as_array().unwrap().iter().zip(&expected) {
            let ids: Vec<&str> = got
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["document"]["id"].as_str().unwrap())
                .collect();
            assert_eq!(&ids, e);
            assert!(
                got[0]["document"]["contents"]
                    .as_str()
                    .unwrap()
                    .starts_with("Note ")
            );
        }
        let (status, health) = http.get("/health");
        assert_eq!(status, 200);
        assert_eq!(health["documents"], 40);
        assert_eq!(health["k"], 5);
        match m {
            Some(_) => assert_eq!(health["dimension"], 16, "{health}"),
            None => assert_eq!(health["searcher_type"], "bm25", "{health}"),
        }
    }
}

/// Each bad request gets an error (or the documented empty answer), is logged as one line, and
/// the next request is served.
#[test]
fn bad_requests_leave_the_server_answering() {
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let log = d.path().join("served.jsonl");
    let mut flags = ranking(None);
    flags.extend([
        "--get-document".into(),
        "--log".into(),
        log.display().to_string(),
    ]);
    let http = HttpServer::start(&ix, &flags);
    let good = http.retrieve(QUERIES[0]);
    assert_eq!(good.len(), 5);
    let huge = json!({ "query": "lighthouse ".repeat(1_000_000) }).to_string();
    let bad: Vec<(&str, Vec<u8>, u16)> = vec![
        ("malformed JSON", b"{\"query\": ".to_vec(), 400),
        ("not an object", b"[1, 2]".to_vec(), 400),
        ("missing query", b"{}".to_vec(), 400),
        ("non-string query", b"{\"query\": 7}".to_vec(), 400),
        ("10 MB query", huge.into_bytes(), 400),
        ("bad k", b"{\"query\": \"x\", \"k\": -3}".to_vec(), 400),
        ("bad batch", b"{\"queries\": [\"x\", 3]}".to_vec(), 400),
        (
            "query and queries",
            b"{\"query\": \"x\", \"queries\": [\"y\"]}".to_vec(),
            400,
        ),
    ];
    for (what, body, status) in bad {
        let (got, v) = http.post("/retrieve", body);
        assert_eq!(got, status, "{what}: {v}");
        assert!(v["error"].is_string(), "{what}: {v}");
        assert_eq!(http.retrieve(QUERIES[0]), good, "after {what}");
    }
    let (got, v) = http.post("/no-such-endpoint", "{}");
    assert_eq!(got, 404, "{v}");
    let (got, v) = http.get("/retrieve");
    assert_eq!(got, 405, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("POST /retrieve"),
        "{v}"
    );
    // A body over the limit is refused once the limit is read (the rest is never buffered).
    let addr = http.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let size = 17 * 1024 * 1024;
    write!(
        s,
        "POST /retrieve HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    )
    .unwrap();
    let _ = s.write_all(&vec![b' '; size]);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("over the 16 MB limit"), "{answer}");
    assert_eq!(
        http.retrieve(QUERIES[0]),
        good,
        "after a body over the limit"
    );
    // An empty query has no results (BrowseComp-Plus's empty answer), not an error.
    let (got, v) = http.post("/retrieve", json!({"query": "   "}).to_string());
    assert_eq!((got, v["result"].clone()), (200, json!([])));
    // A client that sends a request and hangs up before the answer.
    for _ in 0..3 {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let body = json!({"query": QUERIES[1]}).to_string();
        write!(
            s,
            "POST /retrieve HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        drop(s);
        // And one that stops halfway through its body.
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "POST /retrieve HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\r\n{{\"que"
        )
        .unwrap();
        drop(s);
    }
    assert_eq!(http.retrieve(QUERIES[0]), good, "after clients hung up");
    // Each refusal is one line on stderr.
    let deadline = Instant::now() + Duration::from_secs(5);
    let complaints = loop {
        let n = http
            .stderr
            .lock()
            .unwrap()
            .lines()
            .filter(|l| l.contains("http"))
            .count();
        if n >= 12 || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(complaints >= 12, "{}", http.stderr.lock().unwrap());
    let stderr = http.stderr.lock().unwrap().clone();
    assert!(stderr.contains("the limit is 32768"), "{stderr}");
    assert!(stderr.lines().all(|l| l.len() < 400), "{stderr}");

    // MCP: an unknown tool, bad arguments, an unknown document, then a good search.
    let mut stdio = McpStdio::start(&ix, &flags);
    for (tool, args) in [
        ("no_such_tool", json!({"query": "x"})),
        ("search", json!({})),
        ("search", json!({"query": ["a list"]})),
        ("search", json!({"query": "x", "k": 2})),
        (
            "search",
            json!({ "query": "lighthouse ".repeat(1_000_000) }),
        ),
        ("get_document", json!({"docid": 12})),
    ] {
        let r = stdio.call(tool, args);
        assert!(r["error"]["message"].is_string(), "{tool}: {r}");
        assert_eq!(stdio.search(QUERIES[0]), good, "after {tool}");
    }
    let missing = stdio.call("get_document", json!({"docid": "no-such-doc"}));
    assert_eq!(missing["result"]["content"][0]["text"], "null", "{missing}");
    assert_eq!(stdio.search(QUERIES[0]), good);

    // The log names each answer's documents.
    let logged: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let searches: Vec<&Value> = logged.iter().filter(|l| l["tool"] == "search").collect();
    assert!(!searches.is_empty());
    assert_eq!(searches[0]["arguments"]["query"], QUERIES[0]);
    assert_eq!(searches[0]["docids"], json!(good));
    assert!(searches[0]["time"].as_str().unwrap().ends_with('Z'));
    assert!(logged.iter().any(|l| l["tool"] == "retrieve"));
    let doc = logged.iter().find(|l| l["tool"] == "get_document").unwrap();
    assert_eq!(doc["docids"], json!([]));
}

/// Embeddings by a model that changed since are refused, with the command that rebuilds them.
#[test]
fn stale_embeddings_are_refused_until_rebuilt() {
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let model = tiny_model(d.path(), &ix, 3);
    // The same folder, retrained (other weights).
    std::thread::sleep(Duration::from_millis(20));
    std::fs::remove_dir_all(&model).unwrap();
    assert_eq!(build_model(d.path(), 9), model);
    let (code, _, err) = lrat(&[
        "serve",
        "--corpus",
        ix.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(
        err.contains("stale") && err.contains("weights changed"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "lrat index {} --model {}",
            ix.display(),
            model.display()
        )),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let (code, _, err) = lrat(&[
        "index",
        ix.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let dense = std::fs::read_dir(ix.join("dense")).unwrap().count();
    assert_eq!(
        dense, 1,
        "the stale embeddings are replaced, not kept beside"
    );
    let http = HttpServer::start(&ix, &ranking(Some(&model)));
    let expected = searched(&ix, QUERIES[0], 5, Some(&model));
    assert_eq!(http.retrieve(QUERIES[0]), expected);
    drop(http);
    // The same folders spelled otherwise (a trailing slash, an absolute path), or the index
    // copied elsewhere, are the same embeddings: served, not refused or computed again.
    let copy = d.path().join("copied.index");
    crate::copy_dir(&ix, &copy);
    let slashed = PathBuf::from(format!("{}/", ix.display()));
    for (corpus, m) in [
        (slashed.as_path(), model.canonicalize().unwrap()),
        (
            copy.as_path(),
            PathBuf::from(format!("{}/", model.display())),
        ),
    ] {
        let (code, _, err) = lrat(&[
            "search",
            corpus.to_str().unwrap(),
            QUERIES[0],
            "-k",
            "5",
            "--model",
            m.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let http = HttpServer::start(corpus, &ranking(Some(&m)));
        assert_eq!(http.retrieve(QUERIES[0]), expected, "{}", corpus.display());
    }
    for index in [&ix, &copy] {
        let dense = std::fs::read_dir(index.join("dense")).unwrap().count();
        assert_eq!(dense, 1, "{}: computed again", index.display());
    }
}

/// The export is a float32 `.npy` numpy reads as (documents, dimension), rows in docids.txt order,
/// equal to the embeddings lrat ranks with.
#[test]
fn export_writes_npy_and_docids_in_row_order() {
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let model = tiny_model(d.path(), &ix, 3);
    let (out, err) = export(&ix, &model, d.path());
    assert!(
        err.contains("up to date") && err.contains("exported 40 × 16"),
        "{err}"
    );
    let mut npy = Vec::new();
    std::fs::File::open(out.join("embeddings.npy"))
        .unwrap()
        .read_to_end(&mut npy)
        .unwrap();
    assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00");
    let hlen = u16::from_le_bytes([npy[8], npy[9]]) as usize;
    assert_eq!((10 + hlen) % 64, 0);
    let header = std::str::from_utf8(&npy[10..10 + hlen]).unwrap();
    assert!(
        header.contains("'descr': '<f4'") && header.contains("'shape': (40, 16)"),
        "{header}"
    );
    assert_eq!(npy.len() - 10 - hlen, 40 * 16 * 4);
    let ids = std::fs::read_to_string(out.join("docids.txt")).unwrap();
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), 40);
    // Row r is document ids[r]: its dot product with itself ranks it first.
    let floats: Vec<f32> = npy[10 + hlen..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // The rows are the embeddings lrat ranks with (read back from the index, memory-mapped).
    let served = lrat::corpus::DocIndex::open(&ix).unwrap();
    let cache = lrat::retriever::cache_for(&served);
    let dense = lrat::retriever::Dense::open(
        &model,
        &served,
        cache.as_deref(),
        lrat::retriever::OnStale::Refuse,
        &mut |_, _| panic!("the embeddings were computed again"),
    )
    .unwrap();
    assert!(dense.embeddings().is_mapped());
    assert_eq!(dense.embeddings().docids, ids);
    assert_eq!(dense.embeddings().data(), &floats[..]);
    let Some(python) = crate::python() else {
        return;
    };
    let check = Command::new(python)
        .args([
            "-c",
            "import numpy as n, sys; a = n.load(sys.argv[1]); print(a.dtype, a.shape, float(a[0] @ a[0]))",
            out.join("embeddings.npy").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let own: f32 = floats[..16].iter().map(|x| x * x).sum();
    let parts: Vec<&str> = said.split_whitespace().collect();
    assert_eq!(&parts[..3], ["float32", "(40,", "16)"], "{said}");
    let theirs: f32 = parts[3].parse().unwrap();
    assert!((own - theirs).abs() < 1e-5, "{own} vs {theirs}");
}

/// Python's own MCP client, over stdio and streamable HTTP, lists both tools and gets
/// `lrat search`'s rankings, for BM25 and a model.
#[test]
fn python_mcp_client_gets_lrat_search_rankings() {
    let Some(python) = crate::python() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/mcp_client.py");
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let model = tiny_model(d.path(), &ix, 3);
    for m in [None, Some(model.as_path())] {
        let mut flags = ranking(m);
        flags.push("--get-document".into());
        let expected: Vec<Vec<String>> = QUERIES.iter().map(|q| searched(&ix, q, 5, m)).collect();
        let check = |out: std::process::Output, how: &str| {
            assert!(
                out.status.success(),
                "{how}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["tools"], json!(["get_document", "search"]), "{how}");
            for (q, e) in QUERIES.iter().zip(&expected) {
                assert_eq!(v["search"][q], json!(e), "{how}, {m:?}, {q}");
            }
            assert_eq!(v["document"]["docid"], json!(expected[0][0]), "{how}");
            assert_eq!(v["missing"], Value::Null, "{how}");
            let description = v["descriptions"]["search"].as_str().unwrap();
            assert!(
                description.contains("40 documents") && description.contains("top-5"),
                "{description}"
            );
        };
        let mut args: Vec<String> = vec![
            script.display().to_string(),
            "--stdio".into(),
            env!("CARGO_BIN_EXE_lrat").into(),
            "serve".into(),
            "--corpus".into(),
            ix.display().to_string(),
        ];
        args.extend(flags.iter().cloned());
        args.push("--queries".into());
        args.extend(QUERIES.iter().map(|q| q.to_string()));
        check(Command::new(&python).args(&args).output().unwrap(), "stdio");

        let http = HttpServer::start(&ix, &flags);
        let mut args = vec![
            script.display().to_string(),
            "--http".into(),
            format!("{}/mcp", http.base),
            "--queries".into(),
        ];
        args.extend(QUERIES.iter().map(|q| q.to_string()));
        check(
            Command::new(&python).args(&args).output().unwrap(),
            "streamable HTTP",
        );
    }
}

/// FAISS's exact inner-product index over the export returns lrat's top-10 (all-MiniLM-L6-v2,
/// queries encoded by sentence-transformers).
#[test]
fn faiss_over_the_export_returns_lrat_top_10() {
    let Some(python) = crate::python() else {
        return;
    };
    let Some(minilm) = crate::minilm::model_dir() else {
        return eprintln!(
            "skipped: all-MiniLM-L6-v2 not found (set LRAT_MINILM_DIR, or run .ci/run)"
        );
    };
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let (out, _) = export(&ix, &minilm, d.path());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/faiss_check.py");
    let mut args = vec![
        script.display().to_string(),
        out.display().to_string(),
        minilm.display().to_string(),
        "10".into(),
    ];
    args.extend(QUERIES.iter().map(|q| q.to_string()));
    let o = Command::new(&python).args(&args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let faiss: Value = serde_json::from_slice(&o.stdout).unwrap();
    for q in QUERIES {
        let ours = searched(&ix, q, 10, Some(&minilm));
        let theirs: Vec<&str> = faiss[q]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h[0].as_str().unwrap())
            .collect();
        assert_eq!(ours, theirs, "{q}");
    }
}

/// A run an agent wrote while served by lrat (BrowseComp-Plus's run envelope, the tool outputs
/// exactly as the server answered) reads back with the served hits and the browsed document.
#[test]
fn runs_written_against_the_server_read_back() {
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let mut flags = ranking(None);
    flags.push("--get-document".into());
    let mut mcp = McpStdio::start(&ix, &flags);
    let searched = mcp.call("search", json!({"query": QUERIES[0]}));
    let hits_text = searched["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let served = mcp.search(QUERIES[0]);
    let browsed = mcp.call("get_document", json!({"docid": served[1]}));
    let doc_text = browsed["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let run = json!({
        "query_id": "7",
        "query": "Which note is about the northern lighthouse keeper?",
        "answer": "Note 0",
        "status": "completed",
        "metadata": {"model": "gpt-4.1"},
        "tool_call_counts": {"search": 1, "get_document": 1},
        "retrieved_docids": served,
        "result": [
            {"type": "reasoning", "tool_name": null, "arguments": null, "output": ["I will search."]},
            {"type": "tool_call", "tool_name": "search", "arguments": json!({"query": QUERIES[0]}).to_string(), "output": hits_text},
            {"type": "tool_call", "tool_name": "get_document", "arguments": json!({"docid": served[1]}).to_string(), "output": doc_text},
            {"type": "reasoning", "tool_name": null, "arguments": null, "output": ["The second note names the keeper, so it answers the question."]},
            {"type": "output_text", "tool_name": null, "arguments": null, "output": "Exact Answer: Note 0"},
        ],
    });
    let file = d.path().join("run_20261203T101500000000Z.json");
    std::fs::write(&file, serde_json::to_string_pretty(&run).unwrap()).unwrap();
    let loaded = lrat::run::load(&[file], &lrat::run::ReadOptions::default()).unwrap();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let r = &loaded.runs[0];
    let (_, s) = r.searches().next().unwrap();
    assert_eq!(s.error, None);
    let ids: Vec<&str> = s.hits.iter().map(|h| h.docid.as_str()).collect();
    assert_eq!(ids, served);
    assert!(s.hits[0].snippet.starts_with("Note "), "{:?}", s.hits[0]);
    let (_, b) = r.browses().next().unwrap();
    assert_eq!(b.docid.as_deref(), Some(served[1].as_str()));
    assert_eq!(b.succeeded(), Some(served[1].as_str()), "{b:?}");
    assert!(
        b.text.as_deref().unwrap_or("").contains("Document "),
        "{b:?}"
    );
}

/// The simulated agent (`lrat synth --retriever`), `lrat search` and `lrat serve` rank alike:
/// a search the agent ran, asked again of the other two, gets the same documents in the same
/// order, with BM25 and with a model.
#[test]
fn the_simulated_agent_search_and_serve_rank_alike() {
    let d = tempfile::tempdir().unwrap();
    let synth = |out: &Path, retriever: &str| {
        let (code, _, err) = lrat(&[
            "synth",
            "--out",
            out.to_str().unwrap(),
            "--runs",
            "3",
            "--docs",
            "300",
            "--seed",
            "5",
            "--retriever",
            retriever,
        ]);
        assert_eq!(code, 0, "{err}");
    };
    let bm25 = d.path().join("bm25");
    synth(&bm25, "bm25");
    let model = build_model(&bm25, 4);
    let dense = d.path().join("dense");
    synth(&dense, model.to_str().unwrap());
    for (world, m) in [(&bm25, None), (&dense, Some(model.as_path()))] {
        let loaded =
            lrat::run::load(&[world.join("runs")], &lrat::run::ReadOptions::default()).unwrap();
        let (query, hits) = loaded
            .runs
            .iter()
            .flat_map(|r| r.searches())
            .find_map(|(_, s)| {
                let ids: Vec<String> = s.hits.iter().map(|h| h.docid.clone()).collect();
                (ids.len() >= 3).then(|| (s.query.clone().unwrap(), ids))
            })
            .unwrap();
        let corpus = world.join("corpus.jsonl");
        assert_eq!(
            searched(&corpus, &query, hits.len(), m),
            hits,
            "lrat search, {m:?}: {query}"
        );
        let mut flags = ranking(m);
        flags.extend(["--k".into(), hits.len().to_string()]);
        let http = HttpServer::start(&corpus, &flags);
        assert_eq!(http.retrieve(&query), hits, "lrat serve, {m:?}: {query}");
    }
}

/// The command line says what it needs and refuses settings that contradict each other.
#[test]
fn serve_flags_are_checked_before_serving() {
    let d = tempfile::tempdir().unwrap();
    let ix = index(d.path());
    let ix = ix.to_str().unwrap();
    for (args, says) in [
        (vec!["serve", "--corpus", ix], "--bm25"),
        (
            vec![
                "serve",
                "--corpus",
                ix,
                "--bm25",
                "--snippet-max-tokens",
                "-2",
            ],
            "-1 for whole documents",
        ),
        (
            vec![
                "serve",
                "--corpus",
                ix,
                "--bm25",
                "--search-r1",
                "--transport",
                "stdio",
            ],
            "cannot be used with",
        ),
        (
            vec!["serve", "--corpus", ix, "--model", "bm25"],
            "BM25 needs none",
        ),
        (
            vec!["serve", "--corpus", ix, "--bm25", "--k", "0"],
            "--k must be from 1",
        ),
    ] {
        let (code, _, err) = lrat(&args);
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A wrong model folder is said before anything is indexed.
    let out = d.path().join("never");
    let corpus = d.path().join("corpus.jsonl");
    let (code, _, err) = lrat(&[
        "index",
        corpus.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        d.path().join("no-model").to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("not a model folder"), "{err}");
    assert!(!out.exists());
}
