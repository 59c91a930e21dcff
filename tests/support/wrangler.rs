//! The real worker (edge/cloudflare, built by scripts/build-worker) served by workerd through
//! `wrangler dev --local`, with its own copy of wrangler.toml, KV state and ports.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::{PATIENCE, free_port, repo_root};

/// A running `wrangler dev`.
#[derive(Debug)]
pub struct Worker {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    child: Child,
    dir: PathBuf,
    logs: Arc<Mutex<String>>,
}

fn wrangler_bin() -> PathBuf {
    let bin = repo_root().join("node_modules/.bin/wrangler");
    assert!(
        bin.exists(),
        "{} is missing: scripts/test installs it (npm ci) and builds the worker",
        bin.display()
    );
    let shim = repo_root().join("edge/cloudflare/build/worker/shim.mjs");
    assert!(
        shim.exists(),
        "{} is missing: run scripts/build-worker (scripts/test does)",
        shim.display()
    );
    bin
}

fn wrangler(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(wrangler_bin());
    cmd.current_dir(dir)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("AFFTOK_WORKER_PREBUILT", "1")
        .env("NO_COLOR", "1");
    cmd
}

/// wrangler.toml with paths made absolute (the copy lives elsewhere) and no file watching.
fn base_config() -> String {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("wrangler.toml"))
        .unwrap_or_else(|e| panic!("reading wrangler.toml: {e}"));
    text.replace(
        "main = \"edge/cloudflare/build/worker/shim.mjs\"",
        &format!(
            "main = \"{}/edge/cloudflare/build/worker/shim.mjs\"",
            root.display()
        ),
    )
    .replace(
        "command = \"scripts/build-worker\"",
        &format!("command = \"{}/scripts/build-worker\"", root.display()),
    )
    .lines()
    .filter(|line| !line.starts_with("watch_dir"))
    .collect::<Vec<_>>()
    .join("\n")
}

impl Worker {
    /// Loads `kv` into a fresh local KV, then starts the worker with `vars`. `edit` may
    /// change the copy of wrangler.toml (each test says what it changes and why).
    pub async fn start(
        vars: &[(&str, String)],
        kv: &[(String, String)],
        edit: impl Fn(String) -> String,
    ) -> Self {
        let dir = std::env::temp_dir().join(format!("afftok-worker-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let config = edit(base_config());
        std::fs::write(dir.join("wrangler.toml"), config)
            .unwrap_or_else(|e| panic!("writing config: {e}"));

        let entries: Vec<_> = kv
            .iter()
            .map(|(key, value)| serde_json::json!({"key": key, "value": value}))
            .collect();
        let kv_file = dir.join("kv.json");
        std::fs::write(
            &kv_file,
            serde_json::to_string(&entries).unwrap_or_default(),
        )
        .unwrap_or_else(|e| panic!("writing kv: {e}"));
        let put = wrangler(&dir)
            .args([
                "kv",
                "bulk",
                "put",
                "kv.json",
                "--binding",
                "EDGE_KV",
                "--local",
            ])
            .args(["--persist-to", "state", "-c", "wrangler.toml"])
            .output()
            .await
            .unwrap_or_else(|e| panic!("wrangler kv bulk put: {e}"));
        assert!(
            put.status.success(),
            "wrangler kv bulk put failed: {}{}",
            String::from_utf8_lossy(&put.stdout),
            String::from_utf8_lossy(&put.stderr)
        );

        let port = free_port();
        let mut cmd = wrangler(&dir);
        cmd.args(["dev", "-c", "wrangler.toml", "--local", "--ip", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .args(["--inspector-port", &free_port().to_string()])
            .args([
                "--persist-to",
                "state",
                "--show-interactive-dev-session=false",
            ]);
        for (name, value) in vars {
            cmd.args(["--var", &format!("{name}:{value}")]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: wrangler starts workerd, and both must go on drop.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("wrangler dev: {e}"));
        let logs = Arc::new(Mutex::new(String::new()));
        if let Some(out) = child.stdout.take() {
            collect(out, logs.clone());
        }
        if let Some(err) = child.stderr.take() {
            collect(err, logs.clone());
        }
        let worker = Self {
            base: format!("http://127.0.0.1:{port}"),
            child,
            dir,
            logs,
        };
        let client = reqwest::Client::new();
        let health = format!("{}/healthz", worker.base);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let answer = client.get(&health).send().await;
            if answer.is_ok_and(|r| r.status() == 200) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "wrangler dev did not start:\n{}",
                worker.logs()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        worker
    }

    /// The directory of its wrangler.toml copy; its KV lives in `state/` there.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Everything wrangler printed so far.
    pub fn logs(&self) -> String {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static, logs: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut logs = logs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            logs.push_str(&line);
            logs.push('\n');
        }
    });
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
