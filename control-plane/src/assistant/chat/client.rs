//! A small typed client of OpenAI-compatible chat completions (`POST {base}/chat/completions`
//! with `stream: true`), read incrementally: each server-sent event's chunk is parsed as it
//! arrives and its text handed on at once. It connects through a client built like the
//! webhooks' (the SSRF guard's resolver, no redirects, no proxy), so a provider's name is
//! checked at every connection. The key goes only into the `Authorization` header; no error
//! here carries it, nor the provider's own words (which may quote the key).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::webhooks::guard::{self, Guard, GuardedResolver, Lookup};

/// Why a completion failed, by the code the chat's `error` event carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ChatError {
    /// 401 or 403: the key is refused.
    #[error(
        "the provider refused the API key (HTTP {0}); store a valid key with PUT /v1/assistant/provider"
    )]
    BadKey(u16),
    /// 429.
    #[error("the provider is rate limiting this key; wait a little and ask again")]
    RateLimited,
    /// Silent past the read timeout, or the chat past its time limit.
    #[error("{0}")]
    Timeout(String),
    /// Unreachable, refused by the SSRF guard, or any other answer than 2xx.
    #[error("{0}")]
    Provider(String),
    /// An answer that is not the chat completions stream.
    #[error("{0}")]
    Malformed(String),
    /// The model kept asking for tools.
    #[error("the model asked for tools {0} times without answering; ask a narrower question")]
    TooManyToolRounds(usize),
}

impl ChatError {
    /// The stable code of the `error` event.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ChatError::BadKey(_) => "bad_key",
            ChatError::RateLimited => "rate_limited",
            ChatError::Timeout(_) => "timeout",
            ChatError::Provider(_) => "provider_error",
            ChatError::Malformed(_) => "malformed_answer",
            ChatError::TooManyToolRounds(_) => "too_many_tool_rounds",
        }
    }
}

/// A tool call the model asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ToolCall {
    /// The provider's id, echoed in the tool's answer.
    pub id: String,
    /// The tool.
    pub name: String,
    /// Its arguments, as the JSON text the model wrote.
    pub arguments: String,
}

/// What one streamed completion came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Completion {
    /// The text, whole.
    pub content: String,
    /// The tools asked for, in order.
    pub tool_calls: Vec<ToolCall>,
}

/// The guarded HTTP client: no redirects, no proxy, connections only to addresses the guard
/// allows (checked at connect time by its resolver).
pub(crate) fn http_client(
    guard: &Guard,
    lookup: Arc<dyn Lookup>,
    read_timeout: Duration,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(read_timeout)
        .read_timeout(read_timeout)
        .user_agent(concat!("AffTok-Assistant/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver::new(
            Arc::new(guard.clone()),
            lookup,
        )))
        .build()
}

/// Where a provider is called.
pub(crate) struct Target<'a> {
    /// The base URL (`https://api.openai.com/v1`); `/chat/completions` is appended.
    pub base_url: &'a str,
    /// The model.
    pub model: &'a str,
    /// The key.
    pub key: &'a SecretString,
}

/// Starts one completion of `messages` (OpenAI's shape) offering `tools`: the answer's head
/// has arrived and is a success; its text is read with [`Streaming::next_text`].
pub(crate) async fn start(
    http: &reqwest::Client,
    guard: &Guard,
    target: &Target<'_>,
    messages: &[Value],
    tools: &[Value],
    read_timeout: Duration,
) -> Result<Streaming, ChatError> {
    let url = endpoint(guard, target.base_url)?;
    let mut body = json!({
        "model": target.model,
        "messages": messages,
        "stream": true,
    });
    if !tools.is_empty() {
        body["tools"] = Value::Array(tools.to_vec());
    }
    let mut auth = HeaderValue::from_str(&format!("Bearer {}", target.key.expose_secret()))
        .map_err(|_| ChatError::BadKey(0))?;
    auth.set_sensitive(true);
    let request = http
        .post(url)
        .header(AUTHORIZATION, auth)
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "text/event-stream")
        .body(body.to_string());
    let response = tokio::time::timeout(read_timeout, request.send())
        .await
        .map_err(|_| silent(read_timeout))?
        .map_err(|e| describe(&e, read_timeout))?;
    let status = response.status().as_u16();
    match status {
        200..=299 => {}
        401 | 403 => return Err(ChatError::BadKey(status)),
        429 => return Err(ChatError::RateLimited),
        _ => {
            return Err(ChatError::Provider(format!(
                "the provider answered HTTP {status}; check the base URL and the model name"
            )));
        }
    }
    Ok(Streaming {
        response,
        reader: Reader::default(),
        queue: std::collections::VecDeque::new(),
        ended: false,
        read_timeout,
    })
}

/// A completion being read.
pub(crate) struct Streaming {
    response: reqwest::Response,
    reader: Reader,
    /// Text read but not yet handed on.
    queue: std::collections::VecDeque<String>,
    /// The stream said it is finished (or ended finished).
    ended: bool,
    read_timeout: Duration,
}

impl Streaming {
    /// The next piece of text as soon as it arrives; `None` once the completion is finished.
    pub(crate) async fn next_text(&mut self) -> Result<Option<String>, ChatError> {
        loop {
            if let Some(text) = self.queue.pop_front() {
                return Ok(Some(text));
            }
            if self.ended {
                return Ok(None);
            }
            let chunk = tokio::time::timeout(self.read_timeout, self.response.chunk())
                .await
                .map_err(|_| silent(self.read_timeout))?
                .map_err(|e| describe(&e, self.read_timeout))?;
            let Some(chunk) = chunk else {
                self.reader.finish()?;
                self.ended = true;
                continue;
            };
            for piece in self.reader.feed(&chunk)? {
                match piece {
                    Piece::Text(text) => self.queue.push_back(text),
                    Piece::Done => self.ended = true,
                }
            }
        }
    }

    /// What the completion came to (once [`Self::next_text`] has said `None`).
    pub(crate) fn completion(self) -> Completion {
        self.reader.completion
    }
}

/// The completions URL of a base URL, after the guard's check of its scheme and any address
/// written in it (its name is checked when connecting).
fn endpoint(guard: &Guard, base_url: &str) -> Result<reqwest::Url, ChatError> {
    let base = guard.check_url(base_url).map_err(|e| {
        ChatError::Provider(format!(
            "the provider's base URL is refused by the SSRF guard: it {e}"
        ))
    })?;
    let joined = format!("{}/chat/completions", base.as_str().trim_end_matches('/'));
    reqwest::Url::parse(&joined)
        .map_err(|_| ChatError::Provider("the provider's base URL is not a URL".to_owned()))
}

fn silent(read_timeout: Duration) -> ChatError {
    ChatError::Timeout(format!(
        "the provider did not answer within {} s",
        read_timeout.as_secs()
    ))
}

/// A failed request in our words (reqwest's may name the URL, never the key; the guard's
/// refusal is named).
fn describe(e: &reqwest::Error, read_timeout: Duration) -> ChatError {
    if let Some(refused) = guard::refusal_in(e) {
        return ChatError::Provider(format!(
            "the provider is refused by the SSRF guard: {refused}"
        ));
    }
    if e.is_timeout() {
        return silent(read_timeout);
    }
    if e.is_connect() {
        return ChatError::Provider(
            "the provider cannot be reached (the connection failed); check the base URL".to_owned(),
        );
    }
    ChatError::Provider("the connection to the provider failed while reading its answer".to_owned())
}

/// What a stream's events come to, for the caller.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Done,
}

/// The longest line of the stream kept while waiting for its end.
const MAX_LINE: usize = 1 << 20;

/// Reads the server-sent events of a completion as bytes arrive, keeping the text and the
/// tool calls (whose names and arguments come in pieces, by index).
#[derive(Debug, Default)]
struct Reader {
    pending: Vec<u8>,
    completion: Completion,
    finished: bool,
}

impl Reader {
    fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Piece>, ChatError> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(at) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=at).collect();
            let line = String::from_utf8(line).map_err(|_| {
                ChatError::Malformed("the provider's answer is not UTF-8 text".to_owned())
            })?;
            let line = line.trim_end_matches(['\n', '\r']);
            // Comments, other fields and the blank lines between events carry nothing here.
            let Some(data) = line.strip_prefix("data:") else {
                continue;
            };
            let data = data.trim_start();
            if data == "[DONE]" {
                self.finished = true;
                out.push(Piece::Done);
                return Ok(out);
            }
            if let Some(text) = self.chunk(data)? {
                out.push(Piece::Text(text));
            }
        }
        if self.pending.len() > MAX_LINE {
            return Err(ChatError::Malformed(
                "the provider sent a line over 1 MiB".to_owned(),
            ));
        }
        Ok(out)
    }

    /// One chunk: its text, its tool call pieces, whether it finished.
    fn chunk(&mut self, data: &str) -> Result<Option<String>, ChatError> {
        let value: Value = serde_json::from_str(data).map_err(|_| {
            ChatError::Malformed("the provider sent a chunk that is not JSON".to_owned())
        })?;
        if value.get("error").is_some() {
            return Err(ChatError::Provider(
                "the provider reported an error in the middle of its answer".to_owned(),
            ));
        }
        let Some(choice) = value
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        else {
            // Usage-only chunks have no choices.
            return Ok(None);
        };
        if choice.get("finish_reason").is_some_and(|r| !r.is_null()) {
            self.finished = true;
        }
        let Some(delta) = choice.get("delta") else {
            return Ok(None);
        };
        if !delta.is_object() {
            return Err(ChatError::Malformed(
                "the provider sent a chunk whose delta is not an object".to_owned(),
            ));
        }
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for call in calls {
                self.tool_piece(call)?;
            }
        }
        match delta.get("content") {
            Some(Value::String(text)) if !text.is_empty() => {
                self.completion.content.push_str(text);
                Ok(Some(text.clone()))
            }
            None | Some(Value::Null) | Some(Value::String(_)) => Ok(None),
            Some(_) => Err(ChatError::Malformed(
                "the provider sent content that is not text".to_owned(),
            )),
        }
    }

    fn tool_piece(&mut self, call: &Value) -> Result<(), ChatError> {
        let index = call
            .get("index")
            .and_then(Value::as_u64)
            .map_or(self.completion.tool_calls.len().saturating_sub(1), |i| {
                i as usize
            });
        if index > 16 {
            return Err(ChatError::Malformed(
                "the provider asked for more than 16 tools at once".to_owned(),
            ));
        }
        while self.completion.tool_calls.len() <= index {
            self.completion.tool_calls.push(ToolCall::default());
        }
        let slot = &mut self.completion.tool_calls[index];
        if let Some(id) = call.get("id").and_then(Value::as_str) {
            slot.id = id.to_owned();
        }
        if let Some(function) = call.get("function") {
            if let Some(name) = function.get("name").and_then(Value::as_str) {
                slot.name.push_str(name);
            }
            if let Some(args) = function.get("arguments").and_then(Value::as_str) {
                slot.arguments.push_str(args);
            }
        }
        Ok(())
    }

    /// The stream ended: whether it came to an end (a last line without its newline is
    /// read first).
    fn finish(&mut self) -> Result<(), ChatError> {
        if !self.pending.is_empty() && !self.finished {
            let mut tail = std::mem::take(&mut self.pending);
            tail.push(b'\n');
            self.feed(&tail)?;
        }
        if self.finished {
            Ok(())
        } else {
            Err(ChatError::Malformed(
                "the provider's answer ended before it was finished".to_owned(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(v: Value) -> String {
        format!("data: {v}\n\n")
    }

    #[test]
    fn text_arrives_piece_by_piece_even_split_mid_line() {
        let mut r = Reader::default();
        let stream = [
            data(json!({"choices": [{"delta": {"role": "assistant", "content": ""}}]})),
            data(json!({"choices": [{"delta": {"content": "Hel"}}]})),
            data(json!({"choices": [{"delta": {"content": "lo"}, "finish_reason": null}]})),
            data(json!({"choices": [{"delta": {}, "finish_reason": "stop"}]})),
            "data: [DONE]\n\n".to_owned(),
        ]
        .concat();
        let bytes = stream.as_bytes();
        let mut pieces = Vec::new();
        // Fed three bytes at a time: lines are cut anywhere.
        for part in bytes.chunks(3) {
            pieces.extend(r.feed(part).unwrap_or_default());
        }
        assert_eq!(
            pieces,
            [
                Piece::Text("Hel".into()),
                Piece::Text("lo".into()),
                Piece::Done
            ]
        );
        assert_eq!(r.completion.content, "Hello");
    }

    #[test]
    fn tool_calls_are_put_together_by_index() {
        let mut r = Reader::default();
        let stream = [
            data(json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "get_", "arguments": ""}}]}}]})),
            data(json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "stats", "arguments": "{\"from\":"}}]}}]})),
            data(json!({"choices": [{"delta": {"tool_calls": [{"index": 1, "id": "c2", "function": {"name": "list_offers", "arguments": "{}"}}]}}]})),
            data(json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"2026-01-01\"}"}}]}}]})),
            data(json!({"choices": [{"delta": {}, "finish_reason": "tool_calls"}]})),
        ]
        .concat();
        assert!(r.feed(stream.as_bytes()).is_ok());
        assert!(r.finish().is_ok());
        assert_eq!(
            r.completion.tool_calls,
            [
                ToolCall {
                    id: "c1".into(),
                    name: "get_stats".into(),
                    arguments: "{\"from\":\"2026-01-01\"}".into()
                },
                ToolCall {
                    id: "c2".into(),
                    name: "list_offers".into(),
                    arguments: "{}".into()
                },
            ]
        );
    }

    #[test]
    fn malformed_and_unfinished_answers_are_errors() {
        let mut r = Reader::default();
        assert_eq!(
            r.feed(b"data: {not json\n").map_err(|e| e.code()),
            Err("malformed_answer")
        );
        let mut r = Reader::default();
        let started = data(json!({"choices": [{"delta": {"content": "Hi"}}]}));
        assert!(r.feed(started.as_bytes()).is_ok());
        assert_eq!(r.finish().map_err(|e| e.code()), Err("malformed_answer"));
        let mut r = Reader::default();
        let error = data(json!({"error": {"message": "boom"}}));
        assert_eq!(
            r.feed(error.as_bytes()).map_err(|e| e.code()),
            Err("provider_error")
        );
    }

    #[test]
    fn the_endpoint_is_under_the_base_and_guarded() {
        let guard = Guard::default();
        assert_eq!(
            endpoint(&guard, "https://api.example/v1/")
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("https://api.example/v1/chat/completions")
        );
        assert!(endpoint(&guard, "http://api.example/v1").is_err());
        assert!(endpoint(&guard, "https://127.0.0.1/v1").is_err());
    }
}
