//! Pieces the chaos suite kills and restarts, so each runs as a process of its own: a private
//! Postgres (its own data directory and port), a private Redis (append-only, fsync every
//! second, as the README asks where Redis carries the event stream), and the platform's own
//! binaries (`afftok serve`, `afftok-edge`) built next to the test executable.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::{PATIENCE, free_port};

/// A binary of the workspace in the test executable's profile directory (`target/debug` or
/// `target/release`): `cargo test --workspace` builds it, and so do scripts/test and
/// scripts/chaos.
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("test executable: {e}"));
    // target/{profile}/deps/chaos-HASH -> target/{profile}/NAME
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let bin = dir.join(name);
    assert!(
        bin.is_file(),
        "{} is missing: build it first (cargo build -p afftok-control-plane --bin afftok \
         -p afftok-edge-native --bin afftok-edge; scripts/test and scripts/chaos do)",
        bin.display()
    );
    bin
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("afftok-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

async fn wait_for_port(port: u16, what: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not start listening on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The newest PostgreSQL server binaries: on PATH, or Debian's /usr/lib/postgresql/N/bin.
fn postgres_bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .unwrap_or_else(|| PathBuf::from(""))
}

/// A PostgreSQL server of this test's own, crashed and restarted at will.
#[derive(Debug)]
pub struct PrivatePostgres {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl PrivatePostgres {
    /// `initdb` into a fresh directory and start the server on a free port.
    pub async fn start() -> Self {
        let dir = temp_dir("pg");
        let port = free_port();
        let pg = Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            port,
            bin: postgres_bin_dir(),
        };
        let data = pg.dir.join("data");
        // Postgres refuses to run as root: run it as `postgres` then (Debian's package user).
        if is_root() {
            let chown = std::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&pg.dir)
                .status();
            assert!(
                chown.is_ok_and(|s| s.success()),
                "chown {}",
                pg.dir.display()
            );
        }
        pg.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        )
        .await;
        pg.start_server().await;
        pg
    }

    async fn run(&self, tool: &str, args: &[&str]) {
        let path = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(&path);
            cmd
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .output()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    async fn start_server(&self) {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} \
             -c max_connections=200",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        )
        .await;
        wait_for_port(self.port, "Postgres").await;
    }

    /// Stops the server as a crash does (`pg_ctl stop -m immediate`: no checkpoint, recovery
    /// at the next start), then starts it again; the time it was away.
    pub async fn crash_and_restart(&self) -> Duration {
        let began = tokio::time::Instant::now();
        let data = self.dir.join("data").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])
            .await;
        self.start_server().await;
        began.elapsed()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let pg_ctl = self.bin.join("pg_ctl");
        let mut cmd = if is_root() {
            let mut cmd = std::process::Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            cmd
        } else {
            std::process::Command::new(&pg_ctl)
        };
        let _ = cmd
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A Redis server of this test's own, persisting to an append-only file (fsync every second).
#[derive(Debug)]
pub struct PrivateRedis {
    /// `redis://127.0.0.1:PORT`.
    pub url: String,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts it on a free port.
    pub async fn start() -> Self {
        let port = free_port();
        let mut redis = Self {
            url: format!("redis://127.0.0.1:{port}"),
            dir: temp_dir("redis"),
            port,
            child: None,
        };
        redis.spawn().await;
        redis
    }

    async fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server on PATH: {e}"));
        self.child = Some(child);
        wait_for_port(self.port, "Redis").await;
    }

    /// Stops it as an operator does (SIGTERM: the append-only file is flushed).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = Command::new("kill")
                    .args(["-TERM", &pid.to_string()])
                    .status()
                    .await;
            }
            let _ = child.wait().await;
        }
    }

    /// Starts it again on the same port and files.
    pub async fn start_again(&mut self) {
        if self.child.is_none() {
            self.spawn().await;
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One of the platform's binaries, running on a fixed port so a restart takes its place;
/// its output goes to a log file that outlives restarts.
#[derive(Debug)]
pub struct Service {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// What it is called in reports (`control plane A`).
    pub name: String,
    bin: PathBuf,
    args: Vec<String>,
    env: HashMap<String, String>,
    log: PathBuf,
    child: Option<Child>,
}

impl Service {
    /// Starts `bin args…` with `env` (its listen address included, on `port`) and waits for
    /// its `/healthz`.
    pub async fn start(
        name: &str,
        bin: PathBuf,
        args: &[&str],
        env: HashMap<String, String>,
        port: u16,
    ) -> Self {
        let log = std::env::temp_dir().join(format!(
            "afftok-{}-{}.log",
            name.replace(' ', "-"),
            uuid::Uuid::new_v4().simple()
        ));
        let mut service = Self {
            base: format!("http://127.0.0.1:{port}"),
            name: name.to_owned(),
            bin,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env,
            log,
            child: None,
        };
        service.spawn().await;
        service
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap_or_else(|e| panic!("{}: {e}", self.log.display()));
        let err = log
            .try_clone()
            .unwrap_or_else(|e| panic!("{}: {e}", self.log.display()));
        let mut child = Command::new(&self.bin)
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default())
            .envs(&self.env)
            .stdout(log)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", self.bin.display()));
        let client = reqwest::Client::new();
        let health = format!("{}/healthz", self.base);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if client
                .get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.logs());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} did not answer /healthz:\n{}",
                self.name,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.child = Some(child);
    }

    /// SIGKILLs it, then starts it again; the time it was away.
    pub async fn kill_and_restart(&mut self) -> Duration {
        let began = tokio::time::Instant::now();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        self.spawn().await;
        began.elapsed()
    }

    /// Everything it printed so far, over all its runs.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_file(&self.log);
    }
}
