//! Worker requests in, worker responses out: the only place that knows both shapes.

use afftok_edge_core::{MAX_BODY_BYTES, Method, Request, Response};
use wasm_bindgen::JsValue;
use worker::{Context, Env, Headers};

use crate::platform::WorkerPlatform;

pub(crate) async fn serve(
    mut req: worker::Request,
    env: Env,
    ctx: Context,
) -> worker::Result<worker::Response> {
    let method = Method::from_name(req.method().as_ref());
    let url = req.url()?;
    let headers = req.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let (user_agent, referer, content_type) = (
        header("user-agent"),
        header("referer"),
        header("content-type"),
    );
    let connecting_ip = header("cf-connecting-ip");
    let body = if method == Method::Post {
        let declared = header("content-length").and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return into_worker(Response::body_too_large());
        }
        req.bytes().await?
    } else {
        Vec::new()
    };
    let cf = cf_object(&req);
    let platform = WorkerPlatform::new(
        &env,
        &ctx,
        connecting_ip.as_deref(),
        cf_string(&cf, "country").as_deref(),
        cf_string(&cf, "colo").as_deref(),
    );
    let core_req = Request {
        method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        user_agent: user_agent.as_deref(),
        referer: referer.as_deref(),
        content_type: content_type.as_deref(),
        body: &body,
    };
    into_worker(afftok_edge_core::handle(&core_req, &platform).await)
}

/// The request's `cf` object, read with `Reflect` so a missing property is `None`, never a
/// trap (the typed getters unwrap).
fn cf_object(req: &worker::Request) -> JsValue {
    let raw: &JsValue = req.inner().as_ref();
    js_sys::Reflect::get(raw, &JsValue::from_str("cf")).unwrap_or(JsValue::UNDEFINED)
}

fn cf_string(cf: &JsValue, name: &str) -> Option<String> {
    if !cf.is_object() {
        return None;
    }
    js_sys::Reflect::get(cf, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

fn into_worker(resp: Response) -> worker::Result<worker::Response> {
    let headers = Headers::new();
    for (name, value) in resp.headers() {
        headers.set(name, &value)?;
    }
    let response = worker::Response::builder()
        .with_status(resp.status)
        .with_headers(headers);
    Ok(if resp.body.is_empty() {
        response.empty()
    } else {
        response.fixed(resp.body.into_owned().into_bytes())
    })
}
