//! A webhook receiver for the tests: a real HTTP server on a free loopback port that records
//! every request (before answering) and answers each path as the test scripts it: a status,
//! a 429/503 with `Retry-After`, a hang past the sender's timeout, or a redirect.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// This status, with a short body.
    Status(u16),
    /// This status (429 or 503) with `Retry-After: secs`.
    RetryAfter(u16, u64),
    /// No answer for this long.
    Hang(Duration),
    /// 302 to this location.
    Redirect(String),
}

/// A request as received.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) uri: Uri,
    pub(crate) method: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
    pub(crate) at: Instant,
}

impl Hit {
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Checks the signature with the Standard Webhooks crate (not ours).
    pub(crate) fn verifies_with(&self, secret: &str) -> bool {
        let wh = standardwebhooks::Webhook::new(secret).expect("a whsec_ secret");
        wh.verify(self.body.as_bytes(), &self.headers).is_ok()
    }
}

#[derive(Default)]
struct Inner {
    hits: Vec<Hit>,
    scripts: HashMap<String, VecDeque<Reply>>,
}

/// The receiver.
#[derive(Clone)]
pub(crate) struct Receiver {
    /// `http://127.0.0.1:{port}`.
    pub(crate) base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    /// Starts one on a free port (it lives as long as the test's runtime).
    pub(crate) async fn start() -> Self {
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let app = Router::new().fallback(answer).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, inner }
    }

    /// The URL of `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next answers of `path`, in order (then 200).
    pub(crate) fn script(&self, path: &str, replies: Vec<Reply>) {
        let mut inner = self.inner.lock().expect("lock");
        inner
            .scripts
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
    }

    /// The requests to `path` so far.
    pub(crate) fn hits(&self, path: &str) -> Vec<Hit> {
        let inner = self.inner.lock().expect("lock");
        inner
            .hits
            .iter()
            .filter(|h| h.uri.path() == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` got at least `n` requests; returns them.
    pub(crate) async fn wait_for(&self, path: &str, n: usize) -> Vec<Hit> {
        crate::helpers::wait_until(&format!("{path} gets {n} requests"), async || {
            self.hits(path).len() >= n
        })
        .await;
        self.hits(path)
    }
}

async fn answer(State(inner): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let reply = {
        let mut inner = inner.lock().expect("lock");
        inner.hits.push(Hit {
            uri: parts.uri.clone(),
            method: parts.method.to_string(),
            headers: parts.headers.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        inner
            .scripts
            .get_mut(parts.uri.path())
            .and_then(VecDeque::pop_front)
    };
    match reply {
        None => (StatusCode::OK, "ok").into_response(),
        Some(Reply::Status(s)) => (
            StatusCode::from_u16(s).expect("a status"),
            format!("answered {s}"),
        )
            .into_response(),
        Some(Reply::RetryAfter(s, secs)) => (
            StatusCode::from_u16(s).expect("a status"),
            [("retry-after", secs.to_string())],
            "later",
        )
            .into_response(),
        Some(Reply::Hang(d)) => {
            tokio::time::sleep(d).await;
            (StatusCode::OK, "too late").into_response()
        }
        Some(Reply::Redirect(to)) => {
            (StatusCode::FOUND, [("location", to)], "moved").into_response()
        }
    }
}
