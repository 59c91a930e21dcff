//! The `[assistant_chat]` settings: how long a chat may take, how long one read from the
//! provider may take, and how many rounds of tool calls a chat may make.

use std::time::Duration;

use serde::Deserialize;

use crate::app::config::{ConfigError, err};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAssistantChat {
    timeout_secs: u64,
    read_timeout_secs: u64,
    max_tool_rounds: u64,
}

/// The BYOK chat (DESIGN §14). The provider's URL is judged by the webhooks' SSRF guard and
/// its settings (`AFFTOK_WEBHOOK_ALLOW_HTTP`, `AFFTOK_WEBHOOK_ALLOW_NETWORKS`).
#[derive(Debug, Clone, Copy)]
pub struct AssistantChatSettings {
    /// The longest a chat may take, every round and tool call included.
    pub timeout: Duration,
    /// The longest the provider may stay silent: connecting, the answer's head, each chunk.
    pub read_timeout: Duration,
    /// Rounds of tool calls the model may ask for before it must answer.
    pub max_tool_rounds: usize,
}

pub(crate) fn assistant_chat(raw: RawAssistantChat) -> Result<AssistantChatSettings, ConfigError> {
    if !(1..=600).contains(&raw.timeout_secs) {
        return Err(err("AFFTOK_ASSISTANT_TIMEOUT_SECS", "must be 1 to 600"));
    }
    if !(1..=300).contains(&raw.read_timeout_secs) {
        return Err(err(
            "AFFTOK_ASSISTANT_READ_TIMEOUT_SECS",
            "must be 1 to 300",
        ));
    }
    if raw.max_tool_rounds > 16 {
        return Err(err("AFFTOK_ASSISTANT_MAX_TOOL_ROUNDS", "must be 0 to 16"));
    }
    Ok(AssistantChatSettings {
        timeout: Duration::from_secs(raw.timeout_secs),
        read_timeout: Duration::from_secs(raw.read_timeout_secs),
        max_tool_rounds: raw.max_tool_rounds as usize,
    })
}
