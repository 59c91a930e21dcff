//! Extractors that answer with problem documents: JSON bodies, queries, paths, and the
//! authenticated caller.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::accounts::api_key;
use crate::accounts::{Credential, Principal};
use crate::app::startup::AppState;
use crate::kernel::error::ApiError;

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
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest {
            code: "invalid_json",
            detail: format!("the body is not valid JSON: {}", e.body_text()).into(),
        },
        JsonRejection::JsonDataError(e) => ApiError::BadRequest {
            code: "invalid_body",
            detail: e.body_text().into(),
        },
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::PayloadTooLarge
        }
        other => ApiError::BadRequest {
            code: "invalid_body",
            detail: other.body_text().into(),
        },
    }
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
            Err(e) => Err(ApiError::BadRequest {
                code: "invalid_body",
                detail: e.body_text().into(),
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
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|e: QueryRejection| ApiError::BadRequest {
                code: "invalid_query",
                detail: e.body_text().into(),
            })
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
            .map_err(|e: PathRejection| ApiError::BadRequest {
                code: "invalid_path",
                detail: e.body_text().into(),
            })
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
            Principal {
                user_id: user.id,
                role: user.role(),
                advertiser_id: user.advertiser_id,
                credential: Credential::ApiKey {
                    id: key.id,
                    scopes: key.scopes(),
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
            }
        };
        parts.extensions.insert(principal.clone());
        Ok(Auth(principal))
    }
}
