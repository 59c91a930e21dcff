//! Helpers for the end-to-end tests: the repository's layout, a control-plane stand-in that
//! receives signed event batches, and `wrangler dev` running the real worker in workerd.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The KV entries and HTTP helpers every edge test uses.
pub mod fixtures;
/// The whole platform in one process: the control plane, the native edge, a gate in front
/// of the control plane's event ingest, and API helpers.
pub mod platform;
/// The event receiver standing in for the control plane.
pub mod receiver;
/// Private Postgres and Redis servers and the platform's binaries as processes, for the
/// chaos suite to kill and restart.
pub mod services;
/// The Spin component under the Spin test host.
pub mod spin_host;
/// The control plane, both edges and the worker's gate, wired together.
pub mod stack;
/// The worker under `wrangler dev`.
pub mod wrangler;

/// Limit for anything the tests wait for (a condition, never a fixed sleep).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// A free TCP port on loopback (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Polls `check` every 50 ms until it returns `Some`, for at most [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
