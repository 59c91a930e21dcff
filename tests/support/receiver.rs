//! A stand-in for the control plane's `POST /internal/v1/events`: checks every batch's
//! `Afftok-Signature` like the real one must, records the events, and can be told to fail.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use afftok_shared::Event;
use afftok_shared::batch::{self, Batch};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// What the receiver has seen.
#[derive(Debug, Default)]
pub struct Seen {
    /// Events of accepted batches, duplicates included, in arrival order.
    pub events: Vec<Event>,
    /// Batches accepted.
    pub batches: usize,
}

#[derive(Debug)]
struct Shared {
    secret: Vec<u8>,
    seen: Mutex<Seen>,
    /// Requests still to be answered 500.
    failures_left: AtomicUsize,
    /// Requests answered 500 so far.
    failed: AtomicUsize,
    /// Requests refused for their signature (must stay 0).
    bad_signatures: AtomicUsize,
}

/// The running receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// Its address.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Receiver {
    /// Starts on a free port; the first `failures` requests are answered 500.
    pub async fn start(secret: &str, failures: usize) -> Self {
        let shared = Arc::new(Shared {
            secret: secret.as_bytes().to_vec(),
            seen: Mutex::default(),
            failures_left: AtomicUsize::new(failures),
            failed: AtomicUsize::new(0),
            bad_signatures: AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/internal/v1/events", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local addr: {e}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared }
    }

    /// The base URL to give the worker as `CONTROL_PLANE_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A copy of what was received.
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// Accepted batches so far.
    pub fn batches(&self) -> usize {
        self.lock().batches
    }

    /// Requests answered 500 so far.
    pub fn failed(&self) -> usize {
        self.shared.failed.load(Ordering::SeqCst)
    }

    /// Requests refused for a bad signature.
    pub fn bad_signatures(&self) -> usize {
        self.shared.bad_signatures.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let signature = headers
        .get(batch::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if batch::verify(&shared.secret, signature, &body, now).is_err() {
        shared.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    if shared
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        shared.failed.fetch_add(1, Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    // Every event must follow the DESIGN §6 contract.
    let Ok(batch) = serde_json::from_slice::<Batch<Event>>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let mut seen = shared
        .seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    seen.batches += 1;
    seen.events.extend(batch.events);
    StatusCode::OK
}
