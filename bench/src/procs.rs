//! The processes a row starts (`afftok serve`, `afftok-edge`) and what is read off them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// A free loopback port (bound, then released for the service to take).
pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// A service the bench started; killed when dropped.
#[derive(Debug)]
pub struct Service {
    name: String,
    child: Child,
    log: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Service {
    /// Starts `program` with `env` (on top of a clean AFFTOK_* environment), logging to
    /// `log`, and waits until `GET {base}/healthz` answers 200.
    pub async fn start(
        name: &str,
        program: &Path,
        args: &[&str],
        env: &[(String, String)],
        base: String,
        log: PathBuf,
    ) -> Result<Self, String> {
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        for (key, _) in std::env::vars() {
            if key.starts_with("AFFTOK_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("RUST_LOG", "warn").env("NO_COLOR", "1");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("starting {name} ({}): {e}", program.display()))?;
        let mut service = Self {
            name: name.to_owned(),
            child,
            log,
            base,
        };
        service.wait_healthy(Duration::from_secs(60)).await?;
        Ok(service)
    }

    async fn wait_healthy(&mut self, limit: Duration) -> Result<(), String> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before answering; its log:\n{}",
                    self.name,
                    self.log_tail()
                ));
            }
            let url = format!("{}/healthz", self.base);
            if let Ok(r) = client.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not answer {url} within {limit:?}; its log:\n{}",
                    self.name,
                    self.log_tail()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines of the service's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> Result<f64, String> {
        let pid = self
            .child
            .id()
            .ok_or_else(|| format!("{} has exited", self.name))?;
        peak_rss_mib(pid)
    }

    /// CPU seconds (user and system) the service has used so far.
    pub fn cpu_secs(&self) -> f64 {
        self.child.id().map_or(0.0, |pid| cpu_secs(pid, false))
    }

    /// Stops the service and checks it had not died meanwhile.
    pub async fn stop(mut self) -> Result<(), String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Err(format!(
                "{} died during the run ({status}); its log:\n{}",
                self.name,
                self.log_tail()
            ));
        }
        let _ = self.child.kill().await;
        Ok(())
    }
}

/// Clock ticks per second of /proc/PID/stat on Linux.
const TICKS: f64 = 100.0;

/// CPU seconds of a process from /proc/PID/stat, with those of its reaped children when
/// `children` is set.
fn cpu_secs(pid: u32, children: bool) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<f64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // utime, stime, cutime, cstime are fields 14 to 17; `rest` starts at field 3.
    let own = fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0);
    let reaped = fields.get(13).unwrap_or(&0.0) + fields.get(14).unwrap_or(&0.0);
    (own + if children { reaped } else { 0.0 }) / TICKS
}

/// CPU seconds used by every PostgreSQL process of the machine (the postmaster counts the
/// backends that have exited): the difference over a run is what the database did.
pub fn postgres_cpu_secs() -> f64 {
    cpu_secs_of("postgres")
}

/// CPU seconds used by every Redis server of the machine.
pub fn redis_cpu_secs() -> f64 {
    cpu_secs_of("redis-server")
}

/// CPU seconds used by every process whose command is `comm`, with their reaped children.
fn cpu_secs_of(comm: &str) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
        })
        .map(|pid| cpu_secs(pid, true))
        .sum()
}

/// VmHWM of a process, in MiB.
pub fn peak_rss_mib(pid: u32) -> Result<f64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("reading /proc/{pid}/status: {e}"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmHWM in /proc/PID/status")?;
    Ok(kib / 1024.0)
}

/// Runs a command to completion; its output is returned, a failure is an error with it.
pub async fn run(
    program: &Path,
    args: &[&str],
    env: &[(String, String)],
) -> Result<String, String> {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("AFFTOK_") {
            cmd.env_remove(key);
        }
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd
        .output()
        .await
        .map_err(|e| format!("running {}: {e}", program.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!(
            "{} {} failed ({}): {text}",
            program.display(),
            args.join(" "),
            out.status
        ));
    }
    Ok(text)
}
