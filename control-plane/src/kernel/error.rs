//! The one error type of the API. Every error is answered as `application/problem+json`
//! (RFC 9457) with a stable `code`; validation errors list the fields at fault. Internal
//! errors are answered with an opaque 500 and their cause travels in a response extension to
//! the one middleware that logs it ([`crate::http::log_internal_errors`]), so nothing here
//! logs and no internal text reaches a client.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (`payout.amount`, `geo_allow[2]`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:afftok:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What happened, for a human.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The stable, machine-readable code.
    pub code: &'static str,
    /// The fields at fault, for `validation_failed` and for a malformed body, query or path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The cause of a 500, for the logging middleware only.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Valid credentials without the right role or scope.
    #[error("forbidden: {0}")]
    Forbidden(Cow<'static, str>),
    /// Refused for a reason of its own, with its own stable code (`csrf_failed`).
    #[error("forbidden: {code}")]
    Refused {
        /// Stable code.
        code: &'static str,
        /// Why, and what to do.
        detail: Cow<'static, str>,
    },
    /// Nothing there, or nothing the caller may see.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The request conflicts with the current state.
    #[error("conflict: {code}")]
    Conflict {
        /// Stable code.
        code: &'static str,
        /// What conflicts.
        detail: Cow<'static, str>,
    },
    /// Fields that failed validation.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A malformed request (bad JSON, bad query).
    #[error("bad request: {code}")]
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        detail: Cow<'static, str>,
    },
    /// A body, query or path that does not fit the request's shape, with every field at
    /// fault (the field is empty when the whole input is at fault).
    #[error("bad request: {code}")]
    Malformed {
        /// Stable code: `invalid_body`, `invalid_query` or `invalid_path`.
        code: &'static str,
        /// The fields at fault.
        errors: Vec<FieldError>,
    },
    /// The path does not accept the method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Too many requests.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a request will be accepted.
        retry_after_secs: u64,
    },
    /// The service cannot do this until an operator acts (e.g. no signing key exists).
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// A bug or an unavailable dependency.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A single-field validation error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// A conflict with the current state.
    pub fn conflict(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// A forbidden request.
    pub fn forbidden(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Forbidden(detail.into())
    }

    /// Wraps an unexpected error.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    /// A sentence for an operator (the CLI): the detail, or the internal cause.
    pub fn message(&self) -> String {
        match self {
            ApiError::Internal(cause) => cause.clone(),
            ApiError::Validation(errors) | ApiError::Malformed { errors, .. } => errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.parts().3.unwrap_or_else(|| other.to_string()),
        }
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, Option<String>) {
        use ApiError::*;
        match self {
            Unauthorized(detail) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
                Some((*detail).to_owned()),
            ),
            Forbidden(detail) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed",
                Some(detail.to_string()),
            ),
            Refused { code, detail } => (
                StatusCode::FORBIDDEN,
                code,
                "Not allowed",
                Some(detail.to_string()),
            ),
            NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found",
                Some(format!("no such {what}")),
            ),
            Conflict { code, detail } => (
                StatusCode::CONFLICT,
                code,
                "Conflict",
                Some(detail.to_string()),
            ),
            Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Validation failed",
                Some("some fields are not valid".to_owned()),
            ),
            BadRequest { code, detail } => (
                StatusCode::BAD_REQUEST,
                code,
                "Bad request",
                Some(detail.to_string()),
            ),
            Malformed { code, errors } => (
                StatusCode::BAD_REQUEST,
                code,
                "Bad request",
                Some(
                    errors
                        .iter()
                        .map(|e| match e.field.as_str() {
                            "" => e.message.clone(),
                            field => format!("{field}: {}", e.message),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                Some("this path does not accept this method".to_owned()),
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                Some("the request body is over the limit".to_owned()),
            ),
            UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                Some("send the body as application/json".to_owned()),
            ),
            RateLimited { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                Some(format!("retry in {retry_after_secs} s")),
            ),
            Unavailable(detail) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                Some((*detail).to_owned()),
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal error",
                Some("something went wrong on our side; it has been logged".to_owned()),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title, detail) = self.parts();
        let problem = Problem {
            kind: format!("urn:afftok:problem:{code}"),
            title,
            status: status.as_u16(),
            detail,
            code,
            errors: match &self {
                ApiError::Validation(errors) | ApiError::Malformed { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            ApiError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            ApiError::Internal(cause) => {
                response.extensions_mut().insert(InternalCause(cause));
            }
            _ => {}
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // Text Postgres cannot store (a NUL byte that slipped past validation) is the
        // client's input, not our failure.
        if let sqlx::Error::Database(db) = &e
            && matches!(db.code().as_deref(), Some("22021" | "22P05"))
        {
            return Self::BadRequest {
                code: "invalid_text",
                detail: "the request contains characters that cannot be stored".into(),
            };
        }
        // The database being away is a 503 (retry later), not a bug.
        if is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            return Self::Unavailable("the database is unavailable; try again shortly");
        }
        Self::Internal(format!("database: {e}"))
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        // Redis being away is a 503 (retry later), not a bug.
        if e.is_io_error()
            || e.is_connection_refusal()
            || e.is_timeout()
            || e.is_connection_dropped()
        {
            tracing::warn!(error = %e, "redis unavailable");
            return Self::Unavailable("Redis is unavailable; try again shortly");
        }
        Self::Internal(format!("redis: {e}"))
    }
}

/// Whether a database error means the database is away (nothing can be done now; retry
/// later), rather than a bug or bad input.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
    )
}

/// Whether Postgres ended the statement to break a deadlock (SQLSTATE 40P01): running the
/// transaction again is the cure.
pub fn is_deadlock(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("40P01"))
}

/// Whether a database error is a unique-constraint violation (of `constraint`, if given).
pub fn is_unique_violation(e: &sqlx::Error, constraint: Option<&str>) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() && constraint.is_none_or(|c| db.constraint() == Some(c))
        }
        _ => false,
    }
}
