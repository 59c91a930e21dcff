//! Serving the web app's build: files, the client-route fallback to `index.html`, the page
//! shown when there is no build, and the headers every answer carries.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use crate::app::config::WebSettings;
use crate::kernel::error::ApiError;
use crate::web::rules::{self, Target};

/// The web app's files, answering every request the API's routes do not match.
#[derive(Debug, Clone)]
pub struct Web {
    /// The build's directory (`AFFTOK_WEB_DIR`).
    dir: PathBuf,
}

/// Which answers carry the web app's metrics label (`route="web"`), so real 404s of the API
/// stay apart under `unmatched`.
#[derive(Debug, Clone, Copy)]
pub struct WebAnswer;

impl Web {
    /// Serves `settings.dir`; logs a warning once if it holds no build (pages will answer
    /// 503 until one is made; the directory is looked at on every request, so a build made
    /// later is served without a restart).
    pub fn new(settings: &WebSettings) -> Self {
        let web = Self {
            dir: settings.dir.clone(),
        };
        if !web.index().is_file() {
            tracing::warn!(
                dir = %web.dir.display(),
                "the web app is not built: pages answer 503 until the directory holds index.html \
                 (cd web && npm ci && npm run build, or set AFFTOK_WEB_DIR); the API works"
            );
        }
        web
    }

    fn index(&self) -> PathBuf {
        self.dir.join("index.html")
    }

    /// Answers a request no API route matched.
    pub async fn answer(&self, req: Request) -> Response {
        // The body is never read; the parts (unlike a body) may be borrowed across awaits.
        let (req, _) = req.into_parts();
        let target = rules::classify(req.uri.path());
        let mut response = match target {
            // An unknown API path stays the API's 404, whatever the method.
            Target::Api => return ApiError::NotFound("route").into_response(),
            _ if !matches!(req.method, Method::GET | Method::HEAD) => {
                let mut response = ApiError::MethodNotAllowed.into_response();
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                response
            }
            Target::Refused => ApiError::NotFound("file").into_response(),
            Target::Asset => match self.file(&req).await {
                Ok(Some(file)) => file,
                Ok(None) => ApiError::NotFound("file").into_response(),
                Err(e) => e.into_response(),
            },
            Target::Page => match self.page(&req).await {
                Ok(page) => page,
                Err(e) => e.into_response(),
            },
        };
        let status = response.status();
        let headers = response.headers_mut();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            let cache = rules::cache_control(target);
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        } else if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        secure(headers);
        response.extensions_mut().insert(WebAnswer);
        response
    }

    /// A file of the build at the request's path; `None` when there is none (or it is a
    /// directory).
    async fn file(&self, req: &Parts) -> Result<Option<Response>, ApiError> {
        let response = ServeDir::new(&self.dir)
            .append_index_html_on_directories(false)
            .try_call(bodiless(req))
            .await
            .map_err(|e| ApiError::internal(format!("web app file {}: {e}", req.uri.path())))?;
        Ok((response.status() != StatusCode::NOT_FOUND).then(|| response.map(Body::new)))
    }

    /// A file of the build, else `index.html` (a client route), else the "not built" page.
    async fn page(&self, req: &Parts) -> Result<Response, ApiError> {
        if req.uri.path() != "/"
            && let Some(file) = self.file(req).await?
        {
            return Ok(file);
        }
        let index = ServeFile::new(self.index())
            .try_call(bodiless(req))
            .await
            .map_err(|e| ApiError::internal(format!("web app index.html: {e}")))?;
        if index.status() == StatusCode::NOT_FOUND {
            return Ok(not_built());
        }
        Ok(index.map(Body::new))
    }
}

/// The request's method, URI and headers (conditional and range requests keep working),
/// without its body, which no file answer reads.
fn bodiless(req: &Parts) -> Request<Body> {
    let mut copy = Request::new(Body::empty());
    *copy.method_mut() = req.method.clone();
    *copy.uri_mut() = req.uri.clone();
    *copy.version_mut() = req.version;
    *copy.headers_mut() = req.headers.clone();
    copy
}

/// Headers on every answer of the web app: no content sniffing anywhere; on HTML, the
/// content security policy, no framing and a referrer policy that keeps paths (which may
/// name offers) to our origin.
fn secure(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(rules::CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
}

/// What pages answer while the directory holds no build: a 503 that says how to make one.
/// It names no server path (the start-up warning does, in the logs).
fn not_built() -> Response {
    const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AffTok: the web app is not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{background:#f1f1f1;padding:0 .25rem}</style>
</head>
<body>
<h1>The web app is not built</h1>
<p>This control plane serves the web app from the directory named by <code>AFFTOK_WEB_DIR</code>
(default <code>web/dist</code>, from the directory it was started in), which holds no
<code>index.html</code>.</p>
<p>Build it from the repository's root with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>,
or set <code>AFFTOK_WEB_DIR</code> to a directory holding a build, then reload this page
(no restart needed).</p>
<p>The API works meanwhile: see <a href="/docs">/docs</a>.</p>
</body>
</html>
"#;
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PAGE,
    )
        .into_response()
}
