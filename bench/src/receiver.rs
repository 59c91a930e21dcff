//! A webhook receiver inside the bench process: an HTTP server on a loopback port that
//! answers every request `204 No Content` at once and keeps a tally: how many requests came,
//! the first and the latest arrival, the connections they came over, and when the first
//! `conversion.created` of each `data.txid` arrived. Nothing is verified (signatures are the
//! control plane's tests' business): the rows measure how fast deliveries arrive.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the receiver has seen since it started or was last reset.
#[derive(Debug, Default)]
pub struct Tally {
    /// Requests answered.
    pub count: usize,
    /// When the first request arrived.
    pub first: Option<Instant>,
    /// When the latest request arrived (with `count` requests in: the end of a run).
    pub last: Option<Instant>,
    /// The peers' addresses: one per connection (a sender that reuses its connections has
    /// few).
    pub peers: HashSet<SocketAddr>,
    /// The first arrival of a `conversion.created` webhook, by its `data.txid`.
    pub conversions: HashMap<String, Instant>,
}

/// The receiver; the server stops when it is dropped.
#[derive(Debug)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    tally: watch::Sender<Tally>,
    server: JoinHandle<()>,
}

/// The part of a webhook's body the receiver reads.
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: EventData,
}

#[derive(Debug, Default, Deserialize)]
struct EventData {
    txid: Option<String>,
}

impl Receiver {
    /// Starts the server on a free loopback port.
    pub async fn start() -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("binding the webhook receiver: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (tally, _) = watch::channel(Tally::default());
        // Every path: each endpoint of a row has a path of its own.
        let app = Router::new().fallback(receive).with_state(tally.clone());
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            {
                eprintln!("afftok-bench: the webhook receiver stopped: {e}");
            }
        });
        Ok(Self {
            base: format!("http://{addr}"),
            tally,
            server,
        })
    }

    /// The URL of `path` on the receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Forgets everything seen so far (before another run).
    pub fn reset(&self) {
        self.tally.send_replace(Tally::default());
    }

    /// Reads the tally.
    pub fn read<T>(&self, f: impl FnOnce(&Tally) -> T) -> T {
        f(&self.tally.borrow())
    }

    /// Waits until `done` holds of the tally, for at most `limit`; `what` names the wait in
    /// the error.
    pub async fn wait(
        &self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&Tally) -> bool,
    ) -> Result<(), String> {
        let mut seen = self.tally.subscribe();
        match tokio::time::timeout(limit, seen.wait_for(|t| done(t))).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err("the webhook receiver stopped".to_owned()),
            Err(_) => Err(format!(
                "{what} did not happen within {limit:?} (the receiver had {} requests)",
                self.read(|t| t.count)
            )),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(tally): State<watch::Sender<Tally>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> StatusCode {
    let now = Instant::now();
    let txid = serde_json::from_slice::<Event>(&body)
        .ok()
        .filter(|e| e.kind == "conversion.created")
        .and_then(|e| e.data.txid);
    tally.send_modify(|t| {
        t.count += 1;
        t.first.get_or_insert(now);
        t.last = Some(t.last.map_or(now, |l| l.max(now)));
        t.peers.insert(peer);
        if let Some(txid) = txid {
            t.conversions.entry(txid).or_insert(now);
        }
    });
    StatusCode::NO_CONTENT
}
