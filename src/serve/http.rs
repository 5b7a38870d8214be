//! The HTTP face of [`Service`]: MCP over streamable HTTP at `/mcp`, Search-R1's retrieval
//! endpoint at `POST /retrieve`, and `GET /health`. Every failure is a JSON body
//! `{"error": "…"}` with a 4xx or 5xx status, logged as one line; nothing a client sends stops
//! the server.
//!
//! `POST /retrieve` takes either shape in use:
//! - BrowseComp-Plus's: `{"query": "…", "k": 5}` → `{"result": [{"docid", "score",
//!   "document": {"title", "text"}}]}`;
//! - Search-R1's retrieval server: `{"queries": ["…"], "topk": 3, "return_scores": true}` →
//!   `{"result": [[{"document": {"id", "title", "text", "contents"}, "score"}]]}` (without
//!   scores, each list holds the documents themselves), `contents` being the title line and the
//!   text as Search-R1 splits it.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Map, Value, json};

use super::mcp::Mcp;
use super::{MAX_BATCH, MAX_QUERY_BYTES, Refused, Service, complain, count_arg, kind, string_arg};
use crate::retriever::Hit;

/// The largest request body read: a batch of long queries fits, and a query too long to serve
/// still reaches the check that says so; more is refused with 413.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The routes, with MCP's streamable HTTP transport at `/mcp`. `hosts` are the `Host` headers
/// MCP accepts besides loopback (the `--host` a user chose).
pub fn router(service: Arc<Service>, hosts: &[String]) -> Router {
    let mut config = StreamableHttpServerConfig::default();
    for h in hosts {
        if !config.allowed_hosts.contains(h) {
            config.allowed_hosts.push(h.clone());
        }
    }
    let mcp = Mcp::new(service.clone());
    let mcp = StreamableHttpService::new(
        move || Ok(mcp.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new()
        .route("/retrieve", post(retrieve))
        .route("/health", get(health))
        .nest_service("/mcp", mcp)
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
}

async fn health(State(service): State<Arc<Service>>) -> Response {
    axum::Json(service.health()).into_response()
}

async fn not_found(uri: Uri) -> Response {
    let why =
        format!("no such endpoint {uri}; this server has POST /retrieve, GET /health and /mcp");
    complain("http", &why);
    error(StatusCode::NOT_FOUND, &why)
}

async fn wrong_method(method: axum::http::Method, uri: Uri) -> Response {
    let why = format!("{method} {uri} is not served: POST /retrieve, GET /health");
    complain("http", &why);
    error(StatusCode::METHOD_NOT_ALLOWED, &why)
}

fn error(status: StatusCode, why: &str) -> Response {
    (status, axum::Json(json!({ "error": why }))).into_response()
}

async fn retrieve(
    State(service): State<Arc<Service>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) => {
            let why = match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    format!("the body is over the {} MB limit", MAX_BODY / (1024 * 1024))
                }
                _ => format!("the body could not be read: {}", e.body_text()),
            };
            complain("http /retrieve", &why);
            return error(e.status(), &why);
        }
    };
    let answer = tokio::task::spawn_blocking(move || answer(&service, &body)).await;
    match answer {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        Ok(Err(Refused::Bad(why))) => {
            complain("http /retrieve", &why);
            error(StatusCode::BAD_REQUEST, &why)
        }
        Ok(Err(Refused::Failed(e))) => {
            let why = e.to_string();
            complain("http /retrieve", &why);
            error(StatusCode::INTERNAL_SERVER_ERROR, &why)
        }
        Err(e) => {
            let why = format!("the request was dropped: {e}");
            complain("http /retrieve", &why);
            error(StatusCode::INTERNAL_SERVER_ERROR, &why)
        }
    }
}

/// The answer to one `POST /retrieve` body, in the shape its request used.
fn answer(service: &Service, body: &[u8]) -> Result<Value, Refused> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Refused::Bad(format!("the body is not JSON: {e}")))?;
    let Value::Object(args) = v else {
        return Err(Refused::Bad(format!(
            "the body must be a JSON object with `query` (or Search-R1's `queries`), not {}",
            kind(&v)
        )));
    };
    match (args.get("query"), args.get("queries")) {
        (Some(_), Some(_)) => Err(Refused::Bad(
            "give either `query` (one) or `queries` (Search-R1's batch), not both".into(),
        )),
        (_, Some(_)) => batch(service, &args),
        _ => single(service, &args),
    }
}

fn single(service: &Service, args: &Map<String, Value>) -> Result<Value, Refused> {
    let query = string_arg(Some(args), "query")?;
    let k = count_arg(args, "k")?;
    let hits = service.search(query, k)?;
    let ids: Vec<&str> = hits.iter().map(|h| h.doc.docid.as_str()).collect();
    service.record("retrieve", json!({ "query": query, "k": k }), &ids);
    let result: Vec<Value> = hits
        .iter()
        .map(|h| {
            json!({
                "docid": h.doc.docid,
                "score": h.score,
                "document": { "title": h.doc.title.as_deref().unwrap_or(""), "text": h.doc.text },
            })
        })
        .collect();
    Ok(json!({ "result": result }))
}

fn batch(service: &Service, args: &Map<String, Value>) -> Result<Value, Refused> {
    let Some(Value::Array(list)) = args.get("queries") else {
        return Err(Refused::Bad("`queries` must be an array of strings".into()));
    };
    if list.len() > MAX_BATCH {
        return Err(Refused::Bad(format!(
            "{} queries in one request; the limit is {MAX_BATCH}",
            list.len()
        )));
    }
    let mut queries = Vec::with_capacity(list.len());
    for (i, q) in list.iter().enumerate() {
        match q {
            Value::String(s) if s.len() > MAX_QUERY_BYTES => {
                return Err(Refused::Bad(format!(
                    "`queries[{i}]` is {} bytes; the limit is {MAX_QUERY_BYTES}",
                    s.len()
                )));
            }
            Value::String(s) => queries.push(s.as_str()),
            other => {
                return Err(Refused::Bad(format!(
                    "`queries[{i}]` must be a string, not {}",
                    kind(other)
                )));
            }
        }
    }
    let k = count_arg(args, "topk")?;
    let scores = match args.get("return_scores") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(Refused::Bad(format!(
                "`return_scores` must be true or false, not {}",
                kind(other)
            )));
        }
    };
    let found = service.search_many(&queries, k)?;
    let result: Vec<Value> = queries
        .iter()
        .zip(&found)
        .map(|(q, hits)| {
            let ids: Vec<&str> = hits.iter().map(|h| h.doc.docid.as_str()).collect();
            service.record("retrieve", json!({ "query": q, "k": k }), &ids);
            Value::Array(hits.iter().map(|h| search_r1(h, scores)).collect())
        })
        .collect();
    Ok(json!({ "result": result }))
}

/// A hit as Search-R1's retrieval server gives it.
fn search_r1(hit: &Hit, with_score: bool) -> Value {
    let d = &hit.doc;
    let doc = json!({
        "id": d.docid,
        "title": d.title.as_deref().unwrap_or(""),
        "text": d.text,
        "contents": crate::text::passage(d.title.as_deref(), &d.text),
    });
    match with_score {
        true => json!({ "document": doc, "score": hit.score }),
        false => doc,
    }
}
