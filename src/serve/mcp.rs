//! The MCP face of [`Service`]: tools `search` and `get_document` named, described and shaped
//! as BrowseComp-Plus's (each answer one JSON text block, and the same value as structured
//! content under `result`). A bad call is a protocol error (unknown tool, bad arguments) or an
//! error result (the retriever failed); the session goes on either way.

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Map, Value, json};

use super::{Refused, Service, complain, only_args, string_arg};

/// The MCP server: a handle on the shared [`Service`] (cheap to clone, one a session).
#[derive(Clone)]
pub struct Mcp {
    service: Arc<Service>,
}

impl Mcp {
    pub fn new(service: Arc<Service>) -> Mcp {
        Mcp { service }
    }

    /// The tools offered, with their input schemas.
    pub fn tools(&self) -> Vec<Tool> {
        let schema = |name: &str, what: &str| {
            let v = json!({
                "type": "object",
                "properties": { name: { "type": "string", "description": what } },
                "required": [name],
            });
            Arc::new(match v {
                Value::Object(mut m) => {
                    m.insert("additionalProperties".into(), Value::Bool(false));
                    m
                }
                _ => Map::new(),
            })
        };
        let mut tools = vec![Tool::new(
            "search",
            self.service.search_description(),
            schema("query", "Search query string"),
        )];
        if self.service.settings().get_document {
            tools.push(Tool::new(
                "get_document",
                self.service.get_document_description(),
                schema("docid", "Document ID to retrieve"),
            ));
        }
        tools
    }

    /// Answers one tool call (on a blocking thread: ranking is CPU work).
    async fn call(&self, name: String, args: Option<Map<String, Value>>) -> Result<Value, Refused> {
        let service = self.service.clone();
        let get_document = service.settings().get_document;
        tokio::task::spawn_blocking(move || match name.as_str() {
            "search" => {
                only_args(args.as_ref(), "search", "query", service.settings().k)?;
                let query = string_arg(args.as_ref(), "query")?;
                let hits = service.search(query, None)?;
                let results: Vec<_> = hits.iter().map(|h| service.result(h)).collect();
                let ids: Vec<&str> = results.iter().map(|r| r.docid.as_str()).collect();
                service.record("search", json!({ "query": query }), &ids);
                Ok(serde_json::to_value(&results).map_err(crate::Error::from)?)
            }
            "get_document" if get_document => {
                only_args(args.as_ref(), "get_document", "docid", 0)?;
                let docid = string_arg(args.as_ref(), "docid")?;
                let doc = service.document(docid)?;
                let ids: Vec<&str> = doc.iter().map(|_| docid).collect();
                service.record("get_document", json!({ "docid": docid }), &ids);
                Ok(doc.unwrap_or(Value::Null))
            }
            other => Err(Refused::Bad(format!(
                "unknown tool `{other}`; this server has {}",
                service.tools().join(" and ")
            ))),
        })
        .await
        .map_err(|e| Refused::Bad(format!("the request was dropped: {e}")))?
    }
}

impl ServerHandler for Mcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("lrat", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "Search {} with `search`{}.",
                self.service.health()["retriever"]
                    .as_str()
                    .unwrap_or("the corpus"),
                if self.service.settings().get_document {
                    "; read a whole document with `get_document`"
                } else {
                    ""
                }
            ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        match self.call(name.clone(), request.arguments).await {
            Ok(value) => {
                let mut result =
                    CallToolResult::success(vec![ContentBlock::text(value.to_string())]);
                result.structured_content = Some(json!({ "result": value }));
                Ok(result.into())
            }
            Err(Refused::Bad(why)) => {
                complain(&format!("mcp {name}"), &why);
                Err(ErrorData::invalid_params(why, None))
            }
            Err(Refused::Failed(e)) => {
                let why = e.to_string();
                complain(&format!("mcp {name}"), &why);
                Ok(CallToolResult::error(vec![ContentBlock::text(why)]).into())
            }
        }
    }
}
