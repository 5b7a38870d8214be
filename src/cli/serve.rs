//! `lrat serve`: a retriever over MCP (stdio or streamable HTTP) and Search-R1's HTTP endpoint.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use color_eyre::eyre::{WrapErr, bail};

use crate::retriever::{Choice, OnStale};
use crate::serve::{MAX_K, Service, Settings, http, mcp::Mcp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    /// MCP over stdin/stdout (the agent starts `lrat serve` itself).
    Stdio,
    /// HTTP: MCP's streamable HTTP at /mcp, Search-R1's POST /retrieve, GET /health.
    Http,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("ranker").required(true).args(["model", "bm25"])))]
pub struct ServeArgs {
    /// The corpus: an index folder (`lrat index`) or a corpus JSONL (indexed beside it once).
    #[arg(long)]
    corpus: PathBuf,
    /// Rank with this model folder (dense, exact top-k over every document). Its embeddings are
    /// the ones `lrat index --model` computed, else computed now and kept under the index's
    /// `dense/`; embeddings made before the model or corpus changed are refused, with the
    /// command that rebuilds them.
    #[arg(long, value_name = "MODEL_DIR")]
    model: Option<PathBuf>,
    /// Rank with BM25.
    #[arg(long)]
    bm25: bool,
    /// Results a search returns.
    #[arg(long, default_value_t = 5)]
    k: usize,
    /// Cut snippets to this many tokens (the model's own tokenizer; words for BM25), or -1 for
    /// whole documents.
    #[arg(long, default_value_t = 512, allow_negative_numbers = true)]
    snippet_max_tokens: i64,
    /// Offer the `get_document` tool as well as `search`.
    #[arg(long)]
    get_document: bool,
    #[arg(long, value_enum, default_value = "stdio")]
    transport: Transport,
    /// Address to bind for HTTP. The server has no authentication: keep it on loopback.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind for HTTP (0: any free port, printed).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Serve Search-R1's retrieval endpoint (HTTP; the same as `--transport http`, named for
    /// Search-R1's `retriever.url`, http://127.0.0.1:8000/retrieve).
    #[arg(long, conflicts_with = "transport")]
    search_r1: bool,
    /// Append each answer to this file as a JSON line: time, tool, arguments, docids returned.
    #[arg(long)]
    log: Option<PathBuf>,
}

impl ServeArgs {
    pub fn run(self) -> color_eyre::Result<()> {
        if self.k == 0 || self.k > MAX_K {
            bail!("--k must be from 1 to {MAX_K}, not {}", self.k);
        }
        let snippet_max_tokens = match self.snippet_max_tokens {
            -1 => None,
            n if n < 0 => {
                bail!("--snippet-max-tokens {n}: give a count of tokens, or -1 for whole documents")
            }
            0 => bail!(
                "--snippet-max-tokens 0 would show nothing; give a count, or -1 for whole documents"
            ),
            n => Some(n as usize),
        };
        let transport = match self.search_r1 {
            true => Transport::Http,
            false => self.transport,
        };
        let choice = match &self.model {
            Some(m) => Choice::Model(m.clone()),
            None => Choice::Bm25,
        };
        choice.check()?;
        let (ix, errors) = crate::corpus::open_or_build(&self.corpus)?;
        super::print_errors(&errors);
        let bar = super::progress::documents_bar("embedding the corpus");
        let retriever =
            crate::retriever::open(&choice, &ix, None, OnStale::Refuse, &mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            })?;
        bar.finish_and_clear();
        let settings = Settings {
            k: self.k,
            snippet_max_tokens,
            get_document: self.get_document,
        };
        let service = Arc::new(Service::new(retriever, &ix, settings, self.log.as_deref())?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .wrap_err("starting the server's runtime")?;
        let health = service.health();
        let what = format!(
            "{} over {} documents (k={}, snippets {}, tools {})",
            health["retriever"].as_str().unwrap_or("?"),
            health["documents"],
            self.k,
            snippet_max_tokens.map_or("whole".into(), |n| format!("≤{n} tokens")),
            service.tools().join(", ")
        );
        match transport {
            Transport::Stdio => runtime.block_on(stdio(service, &what)),
            Transport::Http => runtime.block_on(serve_http(service, &self.host, self.port, &what)),
        }
    }
}

async fn stdio(service: Arc<Service>, what: &str) -> color_eyre::Result<()> {
    use rmcp::ServiceExt as _;
    eprintln!("lrat serve: MCP on stdio — {what}");
    let running = Mcp::new(service)
        .serve(rmcp::transport::stdio())
        .await
        .wrap_err("starting MCP on stdio")?;
    running.waiting().await.wrap_err("serving MCP on stdio")?;
    Ok(())
}

async fn serve_http(
    service: Arc<Service>,
    host: &str,
    port: u16,
    what: &str,
) -> color_eyre::Result<()> {
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .wrap_err_with(|| format!("binding {host}:{port}"))?;
    let addr: SocketAddr = listener.local_addr()?;
    let hosts = vec![host.to_string(), format!("{host}:{}", addr.port())];
    let app = http::router(service, &hosts);
    eprintln!("lrat serve: {what}");
    eprintln!(
        "  MCP      http://{addr}/mcp\n  retrieve POST http://{addr}/retrieve\n  health   GET  http://{addr}/health"
    );
    if !addr.ip().is_loopback() {
        eprintln!(
            "  warning: {addr} is reachable from other machines and the server has no authentication"
        );
    }
    // Ctrl-C lets answers in flight finish; MCP clients holding an event stream open are not
    // waited for longer than a few seconds.
    let server = axum::serve(listener, app).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("lrat serve: stopping");
    });
    tokio::select! {
        served = server => served.wrap_err("serving HTTP")?,
        () = async {
            let _ = tokio::signal::ctrl_c().await;
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        } => eprintln!("lrat serve: clients still connected after 3 s; stopped"),
    }
    Ok(())
}
