//! The BYOK chat's API: `PUT|GET|DELETE /v1/assistant/provider` and `POST
//! /v1/assistant/chat`, answered as server-sent events.
//!
//! Who: promoters and advertisers, with an access token (a person, not a server's API key).
//! Admins are refused: their tenant is the whole platform, and a model given tools over
//! everyone's data is a leak waiting for a prompt.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::super::texts::Lang;
use super::client::{self, ChatError, Target};
use super::provider::{self, OpenError};
use super::tools;
use crate::accounts::{Principal, Role};
use crate::app::startup::AppState;
use crate::http::extract::{Auth, Json};
use crate::kernel::error::{ApiError, FieldError};
use crate::kernel::{Tenant, UserId};
use crate::webhooks::guard::SystemLookup;

/// A provider to store.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PutProvider {
    /// The OpenAI-compatible API's base URL (`https://api.openai.com/v1`), up to 2048
    /// characters, without a query, a fragment or credentials; https, or http where the
    /// operator allows it; public addresses only (the pattern describes https with a host name: http where the operator allows it, and a
    /// public IP address, are taken too).
    #[serde(default)]
    #[schema(value_type = String, required = true, max_length = 2048, pattern = r#"^https://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?(:[0-9]{1,4})?(/[!"$->@-~]*)?$"#)]
    pub base_url: Option<String>,
    /// The model (1 to 200 characters once trimmed, no control characters).
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$")]
    pub model: Option<String>,
    /// The API key (1 to 500 characters of printable ASCII, no spaces); stored encrypted,
    /// never shown again.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "^[!-~]+$")]
    pub api_key: Option<SecretString>,
}

/// A stored provider (its key is never shown, only its last 4 characters).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct ProviderView {
    /// The base URL.
    pub base_url: String,
    /// The model.
    pub model: String,
    /// The key's last 4 characters (empty for a key shorter than 12).
    pub key_last4: String,
    /// Last stored.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<provider::ProviderRow> for ProviderView {
    fn from(r: provider::ProviderRow) -> Self {
        Self {
            base_url: r.base_url,
            model: r.model,
            key_last4: r.key_last4,
            updated_at: r.updated_at,
        }
    }
}

/// Who may use the chat: a promoter or an advertiser, signed in.
fn person(principal: &Principal) -> Result<UserId, ApiError> {
    principal.access_token()?;
    if principal.role == Role::Admin {
        return Err(ApiError::forbidden(
            "the assistant is for promoters and advertisers",
        ));
    }
    Ok(principal.user_id)
}

/// The key-encryption key, or 503 when none is configured.
fn kek(state: &AppState) -> Result<&[u8; 32], ApiError> {
    if !state.settings.key_encryption_key_set {
        return Err(ApiError::Unavailable(
            "the assistant's provider keys need AFFTOK_KEY_ENCRYPTION_KEY; ask the operator to set it",
        ));
    }
    Ok(state.settings.key_encryption_key.expose_secret())
}

/// Checks a base URL as the client will connect (`Guard::check_target_now`: the scheme, an
/// address in the URL, a name's current addresses), with no query, fragment or credentials.
async fn check_base_url(state: &AppState, url: &str) -> Result<(), FieldError> {
    let parsed = state
        .settings
        .webhooks
        .guard
        .check_target_now(url)
        .await
        .map_err(|e| FieldError::new("base_url", e.to_string()))?;
    if parsed.query().is_some() || parsed.fragment().is_some() || !parsed.username().is_empty() {
        return Err(FieldError::new(
            "base_url",
            "must not hold a query, a fragment or credentials (the key goes in api_key)",
        ));
    }
    Ok(())
}

/// Stores (or replaces) the caller's chat provider: an OpenAI-compatible API, its model and
/// key. The key is encrypted at rest and never shown again.
#[utoipa::path(put, path = "/v1/assistant/provider", tag = "assistant-chat", request_body = PutProvider, security(("bearer" = [])),
    responses((status = 200, body = ProviderView), (status = 403, description = "forbidden"), (status = 422, description = "validation_failed")))]
pub(super) async fn put_provider(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<PutProvider>,
) -> Result<axum::Json<ProviderView>, ApiError> {
    let user = person(&principal)?;
    let mut errors = provider::check(
        req.base_url.as_deref(),
        req.model.as_deref(),
        req.api_key.as_ref(),
    );
    let base_url = req.base_url.as_deref().map(str::trim).unwrap_or_default();
    if !errors.iter().any(|e| e.field == "base_url")
        && let Err(e) = check_base_url(&state, base_url).await
    {
        errors.insert(0, e);
    }
    let (Some(model), Some(key), true) = (
        req.model.as_deref(),
        req.api_key.as_ref(),
        errors.is_empty(),
    ) else {
        return Err(ApiError::Validation(errors));
    };
    let kek = kek(&state)?;
    let row = provider::put(&state.db, kek, user, base_url, model.trim(), key).await?;
    Ok(axum::Json(row.into()))
}

/// The caller's chat provider (never its key).
#[utoipa::path(get, path = "/v1/assistant/provider", tag = "assistant-chat", security(("bearer" = [])),
    responses((status = 200, body = ProviderView), (status = 404, description = "not_found")))]
pub(super) async fn get_provider(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<axum::Json<ProviderView>, ApiError> {
    let user = person(&principal)?;
    provider::get(&state.db, user)
        .await?
        .map(|r| axum::Json(r.into()))
        .ok_or(ApiError::NotFound("assistant provider"))
}

/// Deletes the caller's chat provider and its key.
#[utoipa::path(delete, path = "/v1/assistant/provider", tag = "assistant-chat", security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = 404, description = "not_found")))]
pub(super) async fn delete_provider(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<StatusCode, ApiError> {
    let user = person(&principal)?;
    if provider::delete(&state.db, user).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("assistant provider"))
    }
}

/// A message of the conversation so far.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ChatMessage {
    /// `user` or `assistant`.
    #[schema(pattern = "^(user|assistant)$")]
    pub role: String,
    /// The text (1 to 8000 characters once trimmed).
    #[schema(min_length = 1, max_length = 8000, pattern = r"\S")]
    pub content: String,
}

/// A chat request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ChatRequest {
    /// The conversation, oldest first, ending with the user's question (1 to 50 messages;
    /// the last one's `role` is `user`).
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 50)]
    pub messages: Vec<ChatMessage>,
    /// `en` (default) or `ar`: the language the assistant answers in.
    #[schema(pattern = "^(en|ar)$")]
    pub lang: Option<String>,
}

const MAX_MESSAGES: usize = 50;
const MAX_CONTENT_CHARS: usize = 8000;

fn check_chat(req: &ChatRequest) -> Result<&'static str, ApiError> {
    let mut errors = Vec::new();
    if req.messages.is_empty() || req.messages.len() > MAX_MESSAGES {
        errors.push(FieldError::new(
            "messages",
            format!("must hold 1 to {MAX_MESSAGES} messages"),
        ));
    }
    for (i, m) in req.messages.iter().enumerate() {
        if !matches!(m.role.as_str(), "user" | "assistant") {
            errors.push(FieldError::new(
                format!("messages[{i}].role"),
                "must be user or assistant",
            ));
        }
        let chars = m.content.trim().chars().count();
        if chars == 0 || chars > MAX_CONTENT_CHARS {
            errors.push(FieldError::new(
                format!("messages[{i}].content"),
                format!("must be 1 to {MAX_CONTENT_CHARS} characters"),
            ));
        }
    }
    if req.messages.last().is_some_and(|m| m.role != "user") {
        errors.push(FieldError::new(
            "messages",
            "must end with the user's message",
        ));
    }
    let lang = match req.lang.as_deref() {
        None | Some("en") => "en",
        Some("ar") => "ar",
        Some(_) => {
            errors.push(FieldError::new("lang", "must be en or ar"));
            "en"
        }
    };
    if errors.is_empty() {
        Ok(lang)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Chats with the caller's provider about the caller's own numbers. The answer is
/// `text/event-stream`: `delta` events (`{"text"}`) as the model writes, `tool` events
/// (`{"name", "arguments", "summary"}`) when it reads the caller's data, then one `message`
/// (`{"content"}`) or one `error` (`{"code", "message"}`; codes `bad_key`, `rate_limited`,
/// `timeout`, `provider_error`, `malformed_answer`, `too_many_tool_rounds`). Without a
/// stored provider: 409 `no_provider`.
#[utoipa::path(post, path = "/v1/assistant/chat", tag = "assistant-chat", request_body = ChatRequest, security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", description = "server-sent events: delta, tool, message, error"),
        (status = 403, description = "forbidden"), (status = 409, description = "no_provider"), (status = 422, description = "validation_failed")))]
pub(super) async fn chat(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Json(req): Json<ChatRequest>,
) -> Result<Response, ApiError> {
    let user = person(&principal)?;
    let lang = check_chat(&req)?;
    let kek = kek(&state)?;
    let opened = match provider::open(&state.db, kek, user).await {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            return Err(ApiError::conflict(
                "no_provider",
                "no chat provider is stored: add one with PUT /v1/assistant/provider \
                 (base_url, model, api_key of an OpenAI-compatible API)",
            ));
        }
        Err(OpenError::Sealed) => {
            return Err(ApiError::conflict(
                "provider_unreadable",
                "the stored API key cannot be read any more: store it again with PUT /v1/assistant/provider",
            ));
        }
        Err(OpenError::Db(e)) => return Err(e.into()),
    };
    let settings = state.settings.assistant_chat;
    let http = client::http_client(
        &state.settings.webhooks.guard,
        Arc::new(SystemLookup),
        settings.read_timeout,
    )
    .map_err(ApiError::internal)?;
    let mut messages =
        vec![json!({"role": "system", "content": system_prompt(lang, principal.tenant())})];
    messages.extend(
        req.messages
            .iter()
            .map(|m| json!({"role": m.role, "content": m.content})),
    );
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(64);
    let conversation = Conversation {
        state,
        lang: if lang == "ar" { Lang::Ar } else { Lang::En },
        principal,
        http,
        provider: opened,
        tx: tx.clone(),
    };
    tokio::spawn(async move {
        // The user leaving (Stop, a closed tab) ends the chat at once, the provider's
        // connection with it, even while the provider is silent.
        let gone = tx.clone();
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(settings.timeout, conversation.run(messages)) => outcome,
            () = gone.closed() => return,
        };
        let ended = match outcome {
            Ok(Ok(content)) => Some(event("message", &json!({"content": content}))),
            Ok(Err(Stop::Error(e))) => Some(error_event(&e)),
            Ok(Err(Stop::Gone)) => None,
            Err(_) => Some(error_event(&ChatError::Timeout(format!(
                "the answer took longer than the {} s limit",
                settings.timeout.as_secs()
            )))),
        };
        if let Some(ended) = ended {
            let _ = tx.send(Ok(ended)).await;
        }
    });
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn system_prompt(lang: &str, tenant: Tenant) -> String {
    let who = match tenant {
        Tenant::Advertiser(_) => "an advertiser (their offers, the promoters sending them traffic)",
        _ => "a promoter (the offers they joined, their clicks and conversions)",
    };
    let language = if lang == "ar" {
        "Answer in Arabic."
    } else {
        "Answer in English."
    };
    format!(
        "You are the AffTok assistant, talking with {who} on an affiliate tracking platform. \
         Use the tools to read their own numbers; they only ever see the user's own data. \
         Quote figures from the tools, do not invent any, and keep answers short and practical. {language}"
    )
}

fn event(name: &str, data: &Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

fn error_event(e: &ChatError) -> Event {
    event(
        "error",
        &json!({"code": e.code(), "message": e.to_string()}),
    )
}

/// Why a conversation stopped early.
enum Stop {
    /// It failed; the user is told.
    Error(ChatError),
    /// The user went away: nobody to tell.
    Gone,
}

impl From<ChatError> for Stop {
    fn from(e: ChatError) -> Self {
        Stop::Error(e)
    }
}

/// One answer in the making.
struct Conversation {
    state: AppState,
    principal: Principal,
    lang: Lang,
    http: reqwest::Client,
    provider: provider::Opened,
    tx: mpsc::Sender<Result<Event, Infallible>>,
}

impl Conversation {
    /// Completions until the model answers in words (running the tools it asks for in
    /// between, a bounded number of rounds); returns the final text.
    async fn run(&self, mut messages: Vec<Value>) -> Result<String, Stop> {
        let settings = self.state.settings.assistant_chat;
        let guard = &self.state.settings.webhooks.guard;
        let target = Target {
            base_url: &self.provider.base_url,
            model: &self.provider.model,
            key: &self.provider.key,
        };
        let catalogue = if settings.max_tool_rounds > 0 {
            tools::catalogue(self.principal.tenant())
        } else {
            Vec::new()
        };
        for round in 0..=settings.max_tool_rounds {
            let mut streaming = client::start(
                &self.http,
                guard,
                &target,
                &messages,
                &catalogue,
                settings.read_timeout,
            )
            .await?;
            while let Some(text) = streaming.next_text().await? {
                // Waits when the reader is slow; a closed channel means the user left.
                if self
                    .tx
                    .send(Ok(event("delta", &json!({"text": text}))))
                    .await
                    .is_err()
                {
                    return Err(Stop::Gone);
                }
            }
            let completion = streaming.completion();
            if completion.tool_calls.is_empty() {
                return Ok(completion.content);
            }
            if round == settings.max_tool_rounds {
                return Err(ChatError::TooManyToolRounds(round + 1).into());
            }
            messages.push(json!({
                "role": "assistant",
                "content": if completion.content.is_empty() { Value::Null } else { Value::String(completion.content.clone()) },
                "tool_calls": completion.tool_calls.iter().map(|c| json!({
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                })).collect::<Vec<_>>(),
            }));
            for call in &completion.tool_calls {
                let caller = tools::Caller {
                    state: &self.state,
                    principal: &self.principal,
                    lang: self.lang,
                };
                let outcome = tools::run(caller, &call.name, &call.arguments).await;
                let arguments: Value = serde_json::from_str(&call.arguments)
                    .unwrap_or_else(|_| Value::String(call.arguments.clone()));
                let shown = event(
                    "tool",
                    &json!({"name": call.name, "arguments": arguments, "summary": outcome.summary}),
                );
                if self.tx.send(Ok(shown)).await.is_err() {
                    return Err(Stop::Gone);
                }
                messages.push(json!({
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": outcome.result,
                }));
            }
        }
        Err(ChatError::TooManyToolRounds(settings.max_tool_rounds).into())
    }
}

/// The routes.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_provider, get_provider, delete_provider))
        .routes(routes!(chat))
}
