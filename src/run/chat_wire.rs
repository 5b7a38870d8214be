//! Chat logs as files write them (OpenAI-style `messages` with `tool_calls`): the shapes the
//! chat, inline-tag, Search-R1 and Responses readers share.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::lenient::Text;

#[derive(Debug, Default, Deserialize)]
pub struct ChatRun {
    #[serde(default, alias = "query_id", alias = "run_id")]
    pub(crate) id: Option<Text>,
    #[serde(default, alias = "query")]
    pub(crate) question: Option<String>,
    #[serde(default, alias = "answers", alias = "gold")]
    pub(crate) answer: Option<Value>,
    #[serde(default)]
    pub(crate) correct: Option<Value>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) model: Option<String>,
    #[serde(default)]
    pub(crate) metadata: BTreeMap<String, Value>,
    pub(crate) messages: Vec<Message>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Message {
    #[serde(default)]
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) content: Option<Value>,
    #[serde(default, alias = "reasoning")]
    pub(crate) reasoning_content: Option<Text>,
    #[serde(default)]
    pub(crate) tool_calls: Vec<ToolCall>,
    #[serde(default)]
    pub(crate) tool_call_id: Option<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ToolCall {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) function: Option<Function>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Function {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) arguments: Option<Text>,
}
