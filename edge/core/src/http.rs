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
    /// OPTIONS (a browser's CORS preflight before a postback).
    Options,
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
            "OPTIONS" => Self::Options,
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
    /// The `Origin` header: sent by browsers, which a postback key must match (DESIGN §16).
    /// Adapters may leave it `None` outside `/postback/` (clicks never look at it).
    pub origin: Option<&'a str>,
    /// The body (read for POST only; at most [`MAX_BODY_BYTES`]).
    pub body: &'a [u8],
    /// The body was longer than [`MAX_BODY_BYTES`] and was not read. The core answers
    /// [`Response::body_too_large`] once the postback key is checked, so an allowed web page
    /// gets it with its CORS headers.
    pub body_too_large: bool,
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
            origin: None,
            body: &[],
            body_too_large: false,
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
    /// `Content-Type` of the body; empty for an answer without a body (a preflight's 204),
    /// which is sent without the header.
    pub content_type: &'static str,
    /// The body.
    pub body: Cow<'static, str>,
    /// Whether to send `Cache-Control: no-store` (every answer about a link does).
    pub no_store: bool,
    /// `Allow`, with 405.
    pub allow: Option<&'static str>,
    /// `Retry-After` in seconds, with 503.
    pub retry_after: Option<u32>,
    /// CORS headers, for a web page allowed to use a publishable postback key; `None` for
    /// every other answer (clicks never have them).
    pub cors: Option<Cors>,
}

/// The CORS headers of an answer to a page whose origin a publishable postback key allows
/// (DESIGN §16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// The request's `Origin`, as sent, for `Access-Control-Allow-Origin` (always printable
    /// ASCII: it matched one of the key's origins).
    pub origin: String,
    /// Whether this answers a preflight (`OPTIONS`), which also says what may follow.
    pub preflight: bool,
}

impl Cors {
    /// `Access-Control-Allow-Methods` of a preflight.
    pub const ALLOW_METHODS: &'static str = "POST, GET, OPTIONS";
    /// `Access-Control-Allow-Headers` of a preflight: a JSON POST needs `content-type`.
    pub const ALLOW_HEADERS: &'static str = "content-type";
    /// `Access-Control-Max-Age` of a preflight, in seconds (a day: one preflight per page
    /// and key, not one per conversion; browsers cap it lower anyway).
    pub const MAX_AGE: &'static str = "86400";
    /// `Vary`: the answer depends on the `Origin` it echoes.
    pub const VARY: &'static str = "Origin";

    /// The headers, names in lowercase.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let preflight = |name, value| self.preflight.then_some((name, value));
        [
            Some(("access-control-allow-origin", self.origin.as_str())),
            Some(("vary", Self::VARY)),
            preflight("access-control-allow-methods", Self::ALLOW_METHODS),
            preflight("access-control-allow-headers", Self::ALLOW_HEADERS),
            preflight("access-control-max-age", Self::MAX_AGE),
        ]
        .into_iter()
        .flatten()
    }
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
            cors: None,
        }
    }

    /// The same answer with `cors` headers.
    pub(crate) fn with_cors(self, cors: Option<Cors>) -> Self {
        Self { cors, ..self }
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

    /// 204 to a CORS preflight from `origin` (the caller has checked that it is allowed).
    pub(crate) fn preflight(origin: &str) -> Self {
        Self::new(204, "", "").with_cors(Some(Cors {
            origin: origin.to_owned(),
            preflight: true,
        }))
    }

    /// The headers to send besides the body's length.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, Cow<'_, str>)> {
        let content_type =
            (!self.content_type.is_empty()).then_some(("content-type", self.content_type.into()));
        let location = self.location.as_deref().map(|l| ("location", l.into()));
        let cache = self
            .no_store
            .then_some(("cache-control", "no-store".into()));
        let allow = self.allow.map(|a| ("allow", a.into()));
        let retry = self
            .retry_after
            .map(|s| ("retry-after", s.to_string().into()));
        let cors = self
            .cors
            .iter()
            .flat_map(Cors::headers)
            .map(|(name, value)| (name, value.into()));
        [content_type, location, cache, allow, retry]
            .into_iter()
            .flatten()
            .chain(cors)
    }
}
