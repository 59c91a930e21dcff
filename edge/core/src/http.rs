//! The request and response as the core sees them: only what the redirector reads and writes,
//! so every adapter's translation stays a few lines.

use std::borrow::Cow;

/// Largest request body read (postbacks); adapters answer [`Response::body_too_large`] past it.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// Anything else.
    Other,
}

impl Method {
    /// Maps a method name (case-sensitive, as HTTP defines it).
    pub fn from_name(name: &str) -> Self {
        match name {
            "GET" => Self::Get,
            "HEAD" => Self::Head,
            "POST" => Self::Post,
            _ => Self::Other,
        }
    }
}

/// An incoming request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// The path, still percent-encoded, e.g. `/c/AQEq6QcAxS5cLCYfgCwwZ12ZY2fExA`.
    pub path: &'a str,
    /// The query string without `?`; empty when there is none.
    pub query: &'a str,
    /// The `User-Agent` header.
    pub user_agent: Option<&'a str>,
    /// The `Referer` header.
    pub referer: Option<&'a str>,
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body (read for POST only; at most [`MAX_BODY_BYTES`]).
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// A GET of `path_and_query` with no headers.
    pub fn get(path_and_query: &'a str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Self {
            method: Method::Get,
            path,
            query,
            user_agent: None,
            referer: None,
            content_type: None,
            body: &[],
        }
    }
}

/// The answer, ready for an adapter to copy into its platform's response type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// `Content-Type` of the body.
    pub content_type: &'static str,
    /// The body.
    pub body: Cow<'static, str>,
    /// Whether to send `Cache-Control: no-store` (every answer about a link does).
    pub no_store: bool,
    /// `Allow`, with 405.
    pub allow: Option<&'static str>,
    /// `Retry-After` in seconds, with 503.
    pub retry_after: Option<u32>,
}

/// The JSON body of a postback answer (DESIGN §4), fields in the documented order.
#[derive(Debug, Default, serde::Serialize)]
pub(crate) struct Answer {
    pub(crate) status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) event_id: Option<uuid::Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) detail: Option<&'static str>,
}

impl Answer {
    pub(crate) fn rejected(error: &'static str, detail: Option<&'static str>) -> Self {
        Self {
            status: "rejected",
            error: Some(error),
            detail,
            event_id: None,
        }
    }
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// A small HTML page, built at compile time (refusals cost no allocation).
macro_rules! page {
    ($title:literal, $message:literal) => {
        concat!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"robots\" content=\"noindex\"><title>",
            $title,
            "</title></head><body><h1>",
            $title,
            "</h1><p>",
            $message,
            "</p></body></html>\n"
        )
    };
}

impl Response {
    fn new(status: u16, content_type: &'static str, body: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            location: None,
            content_type,
            body: body.into(),
            no_store: true,
            allow: None,
            retry_after: None,
        }
    }

    /// 302 to `location`.
    pub fn redirect(location: String) -> Self {
        Self {
            location: Some(location),
            ..Self::new(302, TEXT, "")
        }
    }

    /// 404 for a link that does not exist (bad token, unknown kid, unknown offer).
    pub fn link_not_found() -> Self {
        Self::new(
            404,
            HTML,
            page!("Link not found", "This tracking link is not valid."),
        )
    }

    /// 410 for an expired link.
    pub fn link_expired() -> Self {
        Self::new(
            410,
            HTML,
            page!("Link expired", "This tracking link has expired."),
        )
    }

    /// 451 for a visitor whose country the offer does not accept.
    pub fn unavailable_in_country() -> Self {
        Self::new(
            451,
            HTML,
            page!(
                "Not available",
                "This offer is not available in your country."
            ),
        )
    }

    /// 503 when the KV store cannot be read and nothing is cached.
    pub fn link_unavailable() -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                503,
                HTML,
                page!("Temporarily unavailable", "Please try again in a moment."),
            )
        }
    }

    /// 405 with the methods a path accepts.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(405, TEXT, "method not allowed\n")
        }
    }

    /// 404 for a path the edge does not serve.
    pub fn no_such_path() -> Self {
        Self::new(404, TEXT, "not found\n")
    }

    /// 200 for `/healthz`.
    pub fn healthy() -> Self {
        Self::new(200, TEXT, "ok\n")
    }

    /// A JSON answer to a postback.
    pub(crate) fn postback(status: u16, answer: &Answer) -> Self {
        // Plain strings and a UUID: serializing cannot fail.
        Self::new(
            status,
            JSON,
            serde_json::to_string(answer).unwrap_or_default(),
        )
    }

    /// 413 for a postback body over [`MAX_BODY_BYTES`].
    pub fn body_too_large() -> Self {
        Self::postback(
            413,
            &Answer::rejected("body_too_large", Some("the body must be at most 16 KiB")),
        )
    }

    /// The headers to send besides the body's length.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, Cow<'_, str>)> {
        let location = self.location.as_deref().map(|l| ("location", l.into()));
        let cache = self
            .no_store
            .then_some(("cache-control", "no-store".into()));
        let allow = self.allow.map(|a| ("allow", a.into()));
        let retry = self
            .retry_after
            .map(|s| ("retry-after", s.to_string().into()));
        [
            Some(("content-type", self.content_type.into())),
            location,
            cache,
            allow,
            retry,
        ]
        .into_iter()
        .flatten()
    }
}
