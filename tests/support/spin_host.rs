//! The real Spin component (`target/wasm32-wasip2/release/afftok_edge_spin.wasm`, built by
//! scripts/build-spin) served by `afftok-spin-host` (tools/spin-host): Spin's key-value store
//! and outbound Redis on the real Redis, with this run's own KV prefix and event stream.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use afftok_shared::Event;
use redis::AsyncCommands as _;
use redis::aio::MultiplexedConnection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{PATIENCE, repo_root};

/// The Redis the tests use.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn host_bin() -> PathBuf {
    let bin = std::env::var_os("AFFTOK_SPIN_HOST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let tools = std::env::var_os("AFFTOK_TOOLS")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                        .join(".cache/afftok/tools")
                });
            tools.join("bin/afftok-spin-host")
        });
    assert!(
        bin.exists(),
        "{} is missing: scripts/test builds it (tools/spin-host)",
        bin.display()
    );
    bin
}

/// The component spin.toml names.
pub fn component() -> PathBuf {
    let wasm = repo_root().join("target/wasm32-wasip2/release/afftok_edge_spin.wasm");
    assert!(
        wasm.exists(),
        "{} is missing: run scripts/build-spin (scripts/test does)",
        wasm.display()
    );
    wasm
}

/// A running host.
#[derive(Debug)]
pub struct SpinEdge {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// This run's KV prefix (the `kv_prefix` variable).
    pub prefix: String,
    /// This run's event stream (the `event_stream` variable).
    pub stream: String,
    redis: MultiplexedConnection,
    child: Child,
    logs: Arc<Mutex<String>>,
}

impl SpinEdge {
    /// Starts the component with `kv` under a fresh prefix and `vars` besides the Redis ones.
    pub async fn start(kv: &[(String, String)], vars: &[(&str, &str)]) -> Self {
        let run = uuid::Uuid::new_v4().simple().to_string();
        let prefix = format!("afftok-test:{run}:kv:");
        let stream = format!("afftok-test:{run}:events");
        let url = redis_url();
        let mut redis = redis::Client::open(url.as_str())
            .unwrap_or_else(|e| panic!("redis url: {e}"))
            .get_multiplexed_async_connection()
            .await
            .unwrap_or_else(|e| panic!("test Redis: {e}"));
        for (key, value) in kv {
            let _: () = redis
                .set_ex(format!("{prefix}{key}"), value, 600)
                .await
                .unwrap_or_else(|e| panic!("SET: {e}"));
        }
        let mut cmd = Command::new(host_bin());
        cmd.arg("--component")
            .arg(component())
            .args([
                "--listen",
                "127.0.0.1:0",
                "--kv-redis",
                &url,
                "--allow-redis",
                &url,
            ])
            .args(["--var", &format!("redis_address={url}")])
            .args(["--var", &format!("kv_prefix={prefix}")])
            .args(["--var", &format!("event_stream={stream}")]);
        for (name, value) in vars {
            cmd.args(["--var", &format!("{name}={value}")]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("afftok-spin-host: {e}"));
        let logs = Arc::new(Mutex::new(String::new()));
        if let Some(err) = child.stderr.take() {
            let logs = logs.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut logs = logs
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    logs.push_str(&line);
                    logs.push('\n');
                }
            });
        }
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("piped stdout"));
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(PATIENCE, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("afftok-spin-host did not start"))
            .unwrap_or_else(|e| panic!("stdout: {e}"))
            .unwrap_or_else(|| {
                panic!(
                    "afftok-spin-host exited: {}",
                    logs.lock().map(|l| l.clone()).unwrap_or_default()
                )
            });
        let base = first
            .strip_prefix("afftok-spin-host listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        Self {
            base,
            prefix,
            stream,
            redis,
            child,
            logs,
        }
    }

    /// The events in this run's stream.
    pub async fn events(&self) -> Vec<Event> {
        self.raw_events()
            .await
            .iter()
            .map(|json| {
                serde_json::from_str(json).unwrap_or_else(|e| panic!("not an event ({e}): {json}"))
            })
            .collect()
    }

    /// The events in this run's stream as the component wrote them.
    pub async fn raw_events(&self) -> Vec<String> {
        let mut redis = self.redis.clone();
        let reply: redis::streams::StreamRangeReply = redis
            .xrange_all(&self.stream)
            .await
            .unwrap_or_else(|e| panic!("XRANGE: {e}"));
        reply
            .ids
            .iter()
            .map(|entry| {
                entry
                    .get(afftok_shared::event::STREAM_FIELD)
                    .unwrap_or_else(|| panic!("an entry without an event field"))
            })
            .collect()
    }

    /// What the host and the component wrote to stderr.
    pub fn logs(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Stops the host and deletes this run's keys and stream.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let mut redis = self.redis.clone();
        let keys: Vec<String> = redis
            .keys(format!("{}*", self.prefix))
            .await
            .unwrap_or_default();
        for key in keys.iter().chain([&self.stream]) {
            let _: Result<(), _> = redis.del(key).await;
        }
    }
}
