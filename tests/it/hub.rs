//! Model downloads against a scripted Hugging Face hub on 127.0.0.1: files land in the standard
//! hub cache layout, a partial download resumes where it stopped, a corrupt file is refused and
//! removed, and a cached model is used without asking the hub again.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use lrat::train::resolve::{ModelSource, Places, find_cached, resolve_in};
use sha2::Digest;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// One file the hub serves: the bytes it sends and the ETag it announces.
#[derive(Clone)]
struct Served {
    bytes: Vec<u8>,
    etag: String,
    /// Announced as `X-Linked-Etag` (a large file) rather than `ETag`.
    linked: bool,
}

/// (path, Range header) of every request.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Hub {
    url: String,
    files: Arc<Mutex<HashMap<String, Served>>>,
    log: Log,
}

impl Hub {
    fn start(files: HashMap<String, Served>) -> Hub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let files = Arc::new(Mutex::new(files));
        let log: Log = Arc::default();
        let (f, l) = (files.clone(), log.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (f, l) = (f.clone(), l.clone());
                std::thread::spawn(move || serve(conn, &f, &l));
            }
        });
        Hub { url, files, log }
    }

    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(conn: TcpStream, files: &Mutex<HashMap<String, Served>>, log: &Log) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut range = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if h.to_ascii_lowercase().starts_with("range:") {
            range = Some(h["range:".len()..].trim().to_string());
        }
    }
    log.lock().unwrap().push((path.clone(), range.clone()));
    let name = path
        .strip_prefix("/acme/tiny/resolve/main/")
        .unwrap_or("")
        .to_string();
    let file = files.lock().unwrap().get(&name).cloned();
    let mut conn = conn;
    let Some(file) = file else {
        let _ = conn
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let total = file.bytes.len();
    let (start, end) = match range.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
        Some(r) => {
            let (a, b) = r.split_once('-').unwrap();
            let a: usize = a.parse().unwrap();
            let b = if b.is_empty() {
                total - 1
            } else {
                b.parse::<usize>().unwrap().min(total - 1)
            };
            (a, b)
        }
        None => (0, total - 1),
    };
    let body = &file.bytes[start..=end];
    let etag_header = if file.linked { "X-Linked-Etag" } else { "ETag" };
    let head = format!(
        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{end}/{total}\r\n\
         X-Repo-Commit: {COMMIT}\r\n{etag_header}: \"{}\"\r\nConnection: close\r\n\r\n",
        body.len(),
        file.etag
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn small(text: &str, etag: &str) -> Served {
    Served {
        bytes: text.as_bytes().to_vec(),
        etag: etag.into(),
        linked: false,
    }
}

/// A tiny model's files; the weights are 64 KiB of varied bytes, served as a large (LFS) file.
fn model_files() -> (HashMap<String, Served>, Vec<u8>) {
    let weights: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut files = HashMap::new();
    files.insert(
        "config.json".into(),
        small(r#"{"model_type": "bert"}"#, "c0ffee01"),
    );
    files.insert(
        "tokenizer.json".into(),
        small(r#"{"version": "1.0"}"#, "c0ffee02"),
    );
    files.insert(
        "1_Pooling/config.json".into(),
        small(r#"{"pooling_mode_mean_tokens": true}"#, "c0ffee03"),
    );
    files.insert(
        "model.safetensors".into(),
        Served {
            bytes: weights.clone(),
            etag: sha256(&weights),
            linked: true,
        },
    );
    (files, weights)
}

fn places(hub: &Hub, dir: &Path) -> Places {
    Places {
        caches: vec![dir.join("hub")],
        endpoint: hub.url.clone(),
        progress: false,
    }
}

#[test]
fn a_download_resumes_into_the_hub_cache_and_is_then_read_from_it() {
    let (files, weights) = model_files();
    let digest = sha256(&weights);
    let hub = Hub::start(files);
    let dir = tempfile::tempdir().unwrap();
    let p = places(&hub, dir.path());
    // An earlier download stopped after 1000 bytes of the weights.
    let blobs = dir.path().join("hub/models--acme--tiny/blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(format!("{digest}.part")), &weights[..1000]).unwrap();

    let got = resolve_in(Some("acme/tiny"), &p).unwrap();
    let snap = dir
        .path()
        .join(format!("hub/models--acme--tiny/snapshots/{COMMIT}"));
    assert_eq!(got.source, ModelSource::Folder(snap.clone()));
    assert!(got.note.unwrap().contains("downloaded"));
    assert_eq!(
        std::fs::read(snap.join("model.safetensors")).unwrap(),
        weights
    );
    assert_eq!(
        std::fs::read_to_string(snap.join("1_Pooling/config.json")).unwrap(),
        r#"{"pooling_mode_mean_tokens": true}"#
    );
    assert!(!snap.join("modules.json").exists(), "the hub has none");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hub/models--acme--tiny/refs/main"))
            .unwrap()
            .trim(),
        COMMIT
    );
    assert!(blobs.join(&digest).is_file(), "blob named by its SHA-256");
    let weight_gets: Vec<_> = hub
        .requests()
        .into_iter()
        .filter(|(path, r)| {
            path.ends_with("model.safetensors") && r.as_deref() != Some("bytes=0-0")
        })
        .collect();
    assert_eq!(
        weight_gets,
        vec![(
            "/acme/tiny/resolve/main/model.safetensors".to_string(),
            Some("bytes=1000-".to_string())
        )],
        "resumed from the partial file"
    );

    // Once cached, the hub is not asked again.
    let before = hub.requests().len();
    assert_eq!(find_cached("acme/tiny", &p), Some(snap.clone()));
    let again = resolve_in(Some("acme/tiny"), &p).unwrap();
    assert_eq!(again.source, ModelSource::Folder(snap.clone()));
    assert!(again.note.unwrap().contains("from the cache"));
    assert_eq!(hub.requests().len(), before);

    // A download that stopped before the tokenizer is not a model yet: the next resolve fetches
    // only what is missing.
    std::fs::remove_file(snap.join("tokenizer.json")).unwrap();
    assert_eq!(find_cached("acme/tiny", &p), None);
    let before = hub.requests().len();
    let fixed = resolve_in(Some("acme/tiny"), &p).unwrap();
    assert_eq!(fixed.source, ModelSource::Folder(snap.clone()));
    assert!(snap.join("tokenizer.json").is_file());
    let asked: Vec<String> = hub.requests()[before..]
        .iter()
        .map(|(path, _)| path.clone())
        .collect();
    assert!(
        asked.iter().all(|p| !p.ends_with("model.safetensors")),
        "the weights are not fetched again: {asked:?}"
    );
    assert!(
        asked.iter().any(|p| p.ends_with("tokenizer.json")),
        "{asked:?}"
    );
}

#[test]
fn a_corrupt_download_is_refused_removed_and_fetched_again_next_time() {
    let (files, weights) = model_files();
    let hub = Hub::start(files);
    let dir = tempfile::tempdir().unwrap();
    let p = places(&hub, dir.path());
    let mut bad = weights.clone();
    bad[40_000] ^= 0xff;
    hub.files
        .lock()
        .unwrap()
        .get_mut("model.safetensors")
        .unwrap()
        .bytes = bad;

    let err = resolve_in(Some("acme/tiny"), &p).unwrap_err().to_string();
    assert!(err.contains("corrupt") && err.contains("SHA-256"), "{err}");
    assert!(err.contains("model.safetensors"), "{err}");
    assert_eq!(find_cached("acme/tiny", &p), None);
    let blob = dir
        .path()
        .join("hub/models--acme--tiny/blobs")
        .join(sha256(&weights));
    assert!(!blob.exists(), "the corrupt blob is gone");

    hub.files
        .lock()
        .unwrap()
        .get_mut("model.safetensors")
        .unwrap()
        .bytes = weights.clone();
    let got = resolve_in(Some("acme/tiny"), &p).unwrap();
    let ModelSource::Folder(snap) = got.source else {
        panic!("a folder")
    };
    assert_eq!(
        std::fs::read(snap.join("model.safetensors")).unwrap(),
        weights
    );
}
