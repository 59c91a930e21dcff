//! Worker requests in, worker responses out: the only place that knows both shapes.

use afftok_edge_core::{MAX_BODY_BYTES, Method, Request};
use js_sys::futures::JsFuture;
use wasm_bindgen::{JsCast as _, JsValue};
use worker::Env;
use worker::worker_sys::Context;
use worker::worker_sys::web_sys;

use crate::glue::{self, Field, Fields};
use crate::platform::WorkerPlatform;

pub(crate) async fn serve(req: web_sys::Request, env: Env, ctx: Context) -> web_sys::Response {
    let fields = Fields::of(&req);
    let method = Method::from_name(fields.get(Field::Method).unwrap_or(""));
    let url = fields.get(Field::Url).unwrap_or("");
    let (path, query) = path_and_query(url);
    // An oversized body is not read; the core answers 413 once the postback key is checked.
    let (body, body_too_large) = if method == Method::Post {
        let declared = fields
            .get(Field::ContentLength)
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            (Vec::new(), true)
        } else {
            match read_body(&req).await {
                Ok(body) if body.len() <= MAX_BODY_BYTES => (body, false),
                Ok(_) => (Vec::new(), true),
                Err(e) => {
                    worker::console_error!("request body could not be read: {e:?}");
                    return glue::internal_error();
                }
            }
        }
    } else {
        (Vec::new(), false)
    };
    // Only postbacks look at `Origin`: a click does not pay for one more call into the
    // runtime.
    let origin = path
        .starts_with("/postback/")
        .then(|| glue::request_origin(&req))
        .flatten();
    let platform = WorkerPlatform::new(
        &env,
        &ctx,
        fields.get(Field::ConnectingIp),
        fields.get(Field::CfCountry),
        fields.get(Field::CfColo),
    );
    let core_req = Request {
        method,
        path,
        query,
        user_agent: fields.get(Field::UserAgent),
        referer: fields.get(Field::Referer),
        content_type: fields.get(Field::ContentType),
        origin: origin.as_deref(),
        body: &body,
        body_too_large,
    };
    glue::response(&afftok_edge_core::handle(&core_req, &platform).await)
}

async fn read_body(req: &web_sys::Request) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(req.array_buffer()?).await?;
    let buffer: js_sys::ArrayBuffer = buffer.dyn_into()?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The path (still percent-encoded) and the query (without `?`) of a serialized absolute
/// URL, as the runtime hands it over: the first `/` after the host starts the path, and in
/// a serialized URL `?` and `#` only ever delimit the query and the fragment.
fn path_and_query(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[after_scheme..];
    let Some(slash) = rest.find('/') else {
        return ("/", "");
    };
    let rest = &rest[slash..];
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    rest.split_once('?').unwrap_or((rest, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries() {
        assert_eq!(
            path_and_query("https://e.example/c/AQ-_x?sub1=a&sub2=b"),
            ("/c/AQ-_x", "sub1=a&sub2=b")
        );
        assert_eq!(
            path_and_query("http://127.0.0.1:8787/healthz"),
            ("/healthz", "")
        );
        assert_eq!(path_and_query("https://e.example/c/x?"), ("/c/x", ""));
        assert_eq!(path_and_query("https://e.example/c/x#frag"), ("/c/x", ""));
        assert_eq!(path_and_query("https://e.example/p?q=1#f?g"), ("/p", "q=1"));
        assert_eq!(path_and_query("https://e.example"), ("/", ""));
        assert_eq!(
            path_and_query("https://user:pw@e.example:443/a%2Fb?x=%3F"),
            ("/a%2Fb", "x=%3F")
        );
    }
}
