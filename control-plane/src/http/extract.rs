//! Extractors that answer with problem documents in our words: JSON bodies, queries, paths
//! (read by [`crate::http::decode`], which lists every field at fault), and the
//! authenticated caller.

use afftok_shared::kv::IpAllowList;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::accounts::api_key;
use crate::accounts::{Credential, Principal};
use crate::app::startup::AppState;
use crate::http::decode;
use crate::kernel::Mode;
use crate::kernel::error::{ApiError, FieldError};

/// A JSON body; malformed JSON, a wrong content type, an oversized body or fields that do
/// not fit answer 4xx with a problem document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let Body(bytes) = Body::from_request(req, state).await?;
        json_body(&bytes).map(Json)
    }
}

/// `application/json` or `application/*+json`, parameters aside.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// Reads a JSON body into `T`: not JSON answers `invalid_json`; fields that do not fit
/// answer `invalid_body` with every field at fault.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::BadRequest {
        code: "invalid_json",
        detail: "the body is not valid JSON: it is not UTF-8 text".into(),
    })?;
    if let Err(e) = serde_json::from_str::<&serde_json::value::RawValue>(text) {
        let detail = match e.classify() {
            serde_json::error::Category::Eof => {
                "the body is not valid JSON: it ends too early".to_owned()
            }
            _ => format!(
                "the body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        };
        return Err(ApiError::BadRequest {
            code: "invalid_json",
            detail: detail.into(),
        });
    }
    decode::json(text)
}

/// A raw body; an oversized or unreadable one answers with a problem document.
#[derive(Debug, Clone, Default)]
pub struct Body(pub axum::body::Bytes);

impl<S> FromRequest<S> for Body
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Body(bytes)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(_) => Err(ApiError::BadRequest {
                code: "invalid_body",
                detail: "the body could not be read".into(),
            }),
        }
    }
}

/// Query parameters; unknown or malformed ones answer 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = state;
        decode::query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// Path parameters; a malformed one (`/v1/offers/abc`) answers 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(path_rejection)
    }
}

/// A path parameter that does not parse, in our words.
fn path_rejection(rejection: PathRejection) -> ApiError {
    use axum::extract::path::ErrorKind;
    let error = match rejection {
        PathRejection::FailedToDeserializePathParams(e) => match e.into_kind() {
            ErrorKind::ParseErrorAtKey {
                key, expected_type, ..
            } => FieldError::new(key, path_expectation(expected_type)),
            ErrorKind::ParseError { expected_type, .. }
            | ErrorKind::ParseErrorAtIndex { expected_type, .. } => {
                FieldError::new("", format!("the path {}", path_expectation(expected_type)))
            }
            _ => FieldError::new("", "the path is not valid"),
        },
        _ => FieldError::new("", "the path is not valid"),
    };
    ApiError::Malformed {
        code: "invalid_path",
        errors: vec![error],
    }
}

/// What a path parameter of `expected` (a Rust type name) must be.
fn path_expectation(expected: &str) -> &'static str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            "must be a whole number"
        }
        t if t.ends_with("Uuid") => "must be a UUID",
        _ => "is not valid",
    }
}

/// The credential a request presents: `Authorization: Bearer <access token or API key>`, or
/// `X-Api-Key: <API key>`.
pub fn presented_credential(parts: &Parts) -> Option<&str> {
    if let Some(bearer) = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    {
        return Some(bearer.trim());
    }
    parts
        .headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The header with which an access token's request asks for the sandbox (DESIGN §16).
pub const MODE_HEADER: &str = "afftok-mode";

/// The mode an access token's request asks for: `Afftok-Mode: test` or `live` (the default).
fn requested_mode(parts: &Parts) -> Result<Mode, ApiError> {
    match parts.headers.get(MODE_HEADER).map(|v| v.as_bytes()) {
        None | Some(b"live") => Ok(Mode::Live),
        Some(b"test") => Ok(Mode::Test),
        Some(_) => Err(ApiError::BadRequest {
            code: "invalid_mode",
            detail: "the Afftok-Mode header must be live or test".into(),
        }),
    }
}

/// The authenticated caller; 401 without valid credentials.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(Auth(principal.clone()));
        }
        let credential = presented_credential(parts)
            .ok_or(ApiError::Unauthorized("send an access token or an API key"))?;
        let principal = if credential.starts_with(api_key::PREFIX) {
            let (key, user) = crate::accounts::authenticate_api_key(&state.db, credential)
                .await?
                .ok_or(ApiError::Unauthorized("the API key is not valid"))?;
            // A list that does not read (never written so) allows no one.
            let ip = crate::http::rate_limit::client_ip_of(parts, state);
            if !IpAllowList::parse(&key.ip_allow).is_ok_and(|allow| allow.allows(ip)) {
                return Err(ApiError::Refused {
                    code: "ip_not_allowed",
                    detail: match ip {
                        Some(ip) => format!(
                            "this API key is not allowed from {ip}: add the address to its ip_allow"
                        )
                        .into(),
                        None => "this API key is not allowed from an unknown address".into(),
                    },
                });
            }
            Principal {
                user_id: user.id,
                role: user.role,
                advertiser_id: user.advertiser_id,
                mode: Mode::from_stored(&key.mode),
                credential: Credential::ApiKey {
                    id: key.id,
                    scopes: key.scopes,
                },
            }
        } else {
            let claims = state.jwt.verify(credential).ok_or(ApiError::Unauthorized(
                "the access token is not valid or has expired",
            ))?;
            Principal {
                user_id: claims
                    .sub
                    .parse()
                    .map_err(|_| ApiError::Unauthorized("the access token is not valid"))?,
                role: claims.role,
                advertiser_id: claims.adv,
                credential: Credential::AccessToken,
                mode: requested_mode(parts)?,
            }
        };
        parts.extensions.insert(principal.clone());
        Ok(Auth(principal))
    }
}
