//! A scripted OpenAI-compatible server on 127.0.0.1 (a random port) for the judge tests: each
//! request gets the reply the script gives for its number and body; every request is recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server answers.
pub enum Reply {
    /// 200 with `choices[0].message.content` set to this text.
    Content(String),
    Status(u16, String),
    RateLimited {
        retry_after_secs: u64,
    },
    /// Sleep, then answer.
    Slow(Duration, Box<Reply>),
    Malformed,
    EmptyChoices,
    /// 200 with this whole JSON body.
    Json(serde_json::Value),
}

pub struct Request {
    pub body: String,
    pub authorization: Option<String>,
}

pub type Script = dyn Fn(usize, &str) -> Reply + Send + Sync;

pub struct Server {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
}

impl Server {
    pub fn start(script: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        {
            let (requests, stop, count) = (requests.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (requests, count, script) =
                        (requests.clone(), count.clone(), script.clone());
                    std::thread::spawn(move || handle(conn, &requests, &count, &*script));
                }
            });
        }
        Server {
            url,
            requests,
            stop,
            count,
        }
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn handle(conn: TcpStream, requests: &Mutex<Vec<Request>>, count: &AtomicUsize, script: &Script) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut length = 0usize;
    let mut authorization = None;
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            authorization = Some(line["authorization:".len()..].trim().to_string());
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let n = count.fetch_add(1, Ordering::SeqCst);
    let reply = script(n, &body);
    requests.lock().unwrap().push(Request {
        body,
        authorization,
    });
    respond(conn, reply);
}

fn respond(mut conn: TcpStream, reply: Reply) {
    let (status, headers, body) = match reply {
        Reply::Slow(d, inner) => {
            std::thread::sleep(d);
            return respond(conn, *inner);
        }
        Reply::Content(text) => {
            let v = serde_json::json!({"id": "x", "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]});
            (200, String::new(), v.to_string())
        }
        Reply::Status(code, body) => (code, String::new(), body),
        Reply::Json(v) => (200, String::new(), v.to_string()),
        Reply::RateLimited { retry_after_secs } => (
            429,
            format!("Retry-After: {retry_after_secs}\r\n"),
            "{\"error\": \"slow down\"}".into(),
        ),
        Reply::Malformed => (200, String::new(), "{\"choices\": [".into()),
        Reply::EmptyChoices => (200, String::new(), "{\"choices\": []}".into()),
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body.as_bytes());
    let _ = conn.flush();
}
