//! The JavaScript side of a click, one call each (js/glue.js): reading the request, building
//! the response, queueing the event after it.
//!
//! Every call between Wasm and the Workers runtime costs far more than the Rust work of a
//! redirect (a crossing, usually a runtime object, a string copy). Through the `worker`
//! crate's types a click took about thirty of them and four promises; here it takes three.

use wasm_bindgen::prelude::*;
use worker::Env;
use worker::worker_sys::Context;
use worker::worker_sys::web_sys;

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = requestFields)]
    fn request_fields(request: &web_sys::Request) -> String;

    #[wasm_bindgen(js_name = response)]
    #[allow(clippy::too_many_arguments)]
    fn response_by_index(
        status: u16,
        content_type: u32,
        location: Option<&str>,
        no_store: bool,
        allow: Option<&str>,
        retry_after: Option<u32>,
        body: Option<&str>,
    ) -> web_sys::Response;

    #[wasm_bindgen(js_name = response)]
    #[allow(clippy::too_many_arguments)]
    fn response_by_name(
        status: u16,
        content_type: &str,
        location: Option<&str>,
        no_store: bool,
        allow: Option<&str>,
        retry_after: Option<u32>,
        body: Option<&str>,
    ) -> web_sys::Response;

    /// The request's `Origin` header (asked for postbacks only).
    #[wasm_bindgen(js_name = requestOrigin)]
    pub(crate) fn request_origin(request: &web_sys::Request) -> Option<String>;

    /// A response with the headers in `header_lines` (`name\nvalue\n…`).
    #[wasm_bindgen(js_name = responseWithHeaders)]
    fn response_with_headers(
        status: u16,
        header_lines: &str,
        body: Option<&str>,
    ) -> web_sys::Response;

    /// Queues `json` on `EVENTS` after the response; if the queue refuses it, `fallback`
    /// (a JavaScript function of `(env, json, error)` returning a promise) delivers it.
    #[wasm_bindgen(js_name = sendAfterResponse)]
    pub(crate) fn send_after_response(ctx: &Context, env: &Env, json: &str, fallback: &JsValue);
}

/// What the edge reads from a request.
#[derive(Debug)]
pub(crate) struct Fields {
    text: String,
    /// Where each field starts and ends in `text`.
    spans: [(usize, usize); FIELDS],
}

const FIELDS: usize = 9;

/// The order of the fields in [`request_fields`]' answer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field {
    Method = 0,
    Url,
    UserAgent,
    Referer,
    ContentType,
    ContentLength,
    ConnectingIp,
    CfCountry,
    CfColo,
}

impl Fields {
    /// Reads them, in one call.
    pub(crate) fn of(request: &web_sys::Request) -> Self {
        Self::parse(request_fields(request))
    }

    fn parse(text: String) -> Self {
        let mut spans = [(0, 0); FIELDS];
        let mut start = 0;
        for (i, span) in spans.iter_mut().enumerate() {
            let end = match text[start..].find('\n') {
                Some(at) if i + 1 < FIELDS => start + at,
                _ => text.len(),
            };
            *span = (start, end);
            start = (end + 1).min(text.len());
        }
        Self { text, spans }
    }

    /// A field's value, `None` when absent.
    pub(crate) fn get(&self, field: Field) -> Option<&str> {
        let (start, end) = self.spans[field as usize];
        Some(&self.text[start..end]).filter(|value| *value != "\0")
    }
}

/// Content types the JavaScript side knows by index (the same order as its table).
const CONTENT_TYPES: [&str; 3] = [
    "text/plain; charset=utf-8",
    "text/html; charset=utf-8",
    "application/json",
];

/// The core's answer as a runtime `Response`, in one call.
pub(crate) fn response(resp: &afftok_edge_core::Response) -> web_sys::Response {
    let body = (!resp.body.is_empty()).then_some(&*resp.body);
    if resp.cors.is_some() {
        // A postback's answer to a web page: its headers as the core lists them, which
        // `response` has no arguments for. Clicks never come here.
        return response_with_headers(resp.status, &header_lines(resp), body);
    }
    let location = resp.location.as_deref();
    match CONTENT_TYPES.iter().position(|t| *t == resp.content_type) {
        Some(index) => response_by_index(
            resp.status,
            // Three entries: the index fits.
            index as u32,
            location,
            resp.no_store,
            resp.allow,
            resp.retry_after,
            body,
        ),
        None => response_by_name(
            resp.status,
            resp.content_type,
            location,
            resp.no_store,
            resp.allow,
            resp.retry_after,
            body,
        ),
    }
}

/// `resp`'s headers as `name\nvalue\nname\nvalue…` (the core writes no newline in a header).
fn header_lines(resp: &afftok_edge_core::Response) -> String {
    let mut lines = String::with_capacity(256);
    for (name, value) in resp.headers() {
        if !lines.is_empty() {
            lines.push('\n');
        }
        lines.push_str(name);
        lines.push('\n');
        lines.push_str(&value);
    }
    lines
}

/// 500, for a failure of the runtime itself (not of the request).
pub(crate) fn internal_error() -> web_sys::Response {
    response_by_index(
        500,
        0,
        None,
        false,
        None,
        None,
        Some("INTERNAL SERVER ERROR"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_and_absent_ones() {
        let f = Fields::parse(
            "GET\nhttps://e.example/c/x?sub1=a\nMozilla/5.0\n\0\n\0\n\0\n203.0.113.9\nUS\nFRA"
                .into(),
        );
        assert_eq!(f.get(Field::Method), Some("GET"));
        assert_eq!(f.get(Field::Url), Some("https://e.example/c/x?sub1=a"));
        assert_eq!(f.get(Field::UserAgent), Some("Mozilla/5.0"));
        assert_eq!(f.get(Field::Referer), None);
        assert_eq!(f.get(Field::ConnectingIp), Some("203.0.113.9"));
        assert_eq!(f.get(Field::CfColo), Some("FRA"));
        let empty = Fields::parse("GET\nhttps://e.example/\n\n".into());
        assert_eq!(empty.get(Field::UserAgent), Some(""));
        assert_eq!(empty.get(Field::CfColo), Some(""));
    }

    #[test]
    fn cors_answers_list_every_header_as_name_and_value_lines() {
        let cors = |preflight| {
            Some(afftok_edge_core::Cors {
                origin: "https://shop.example".into(),
                preflight,
            })
        };
        let answer = afftok_edge_core::Response {
            cors: cors(false),
            ..afftok_edge_core::Response::body_too_large()
        };
        assert_eq!(
            header_lines(&answer),
            "content-type\napplication/json\ncache-control\nno-store\n\
             access-control-allow-origin\nhttps://shop.example\nvary\nOrigin"
        );
        let preflight = afftok_edge_core::Response {
            status: 204,
            content_type: "",
            body: "".into(),
            cors: cors(true),
            ..afftok_edge_core::Response::body_too_large()
        };
        let lines = header_lines(&preflight);
        let pairs: Vec<_> = lines.split('\n').collect();
        assert_eq!(pairs.len() % 2, 0, "{lines}");
        let names: Vec<_> = pairs.iter().step_by(2).collect();
        assert!(
            !names.contains(&&"content-type"),
            "a 204 is untyped: {lines}"
        );
        assert_eq!(names.len(), preflight.headers().count());
        for (name, value) in pairs.chunks(2).map(|p| (p[0], p[1])) {
            let want = preflight
                .headers()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v);
            assert_eq!(want.as_deref(), Some(value), "{name}");
        }
        assert!(lines.contains("access-control-max-age\n86400"), "{lines}");
    }

    #[test]
    fn the_content_type_table_matches_the_core() {
        for resp in [
            afftok_edge_core::Response::redirect("https://a.example/".into()),
            afftok_edge_core::Response::link_not_found(),
            afftok_edge_core::Response::body_too_large(),
        ] {
            assert!(
                CONTENT_TYPES.contains(&resp.content_type),
                "{}",
                resp.content_type
            );
        }
    }
}
