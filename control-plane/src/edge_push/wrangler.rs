//! The wrangler-local target: the KV that `wrangler dev --local` serves to the worker, written
//! with wrangler's own commands (`wrangler kv bulk put|delete --local`, `kv key list`), so
//! the storage format stays wrangler's business. Entries carry `{"sha256": …}` metadata like
//! on Cloudflare, so pushes are incremental here too.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use tokio::process::Command;

use super::{Entry, PushError, bulk_pair, is_edge_key, recorded_digest};
use crate::app::config::WranglerSettings;

/// Entries per wrangler call.
const CHUNK: usize = 10_000;

/// The local KV of `wrangler dev`.
#[derive(Debug, Clone)]
pub struct WranglerTarget {
    settings: WranglerSettings,
    bin: PathBuf,
}

#[derive(Deserialize)]
struct KeyInfo {
    name: String,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

impl WranglerTarget {
    /// The target from the settings.
    pub fn new(settings: &WranglerSettings) -> Self {
        let bin = settings
            .bin
            .as_ref()
            .map(PathBuf::from)
            .unwrap_or_else(|| settings.dir.join("node_modules/.bin/wrangler"));
        Self {
            settings: settings.clone(),
            bin,
        }
    }

    fn kv(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(&self.settings.dir)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("NO_COLOR", "1")
            .arg("kv")
            .args(args)
            .args(["--binding", &self.settings.binding, "--local"])
            .args(["-c", &self.settings.config]);
        if let Some(dir) = &self.settings.persist_to {
            cmd.args(["--persist-to", dir]);
        }
        cmd.kill_on_drop(true);
        cmd
    }

    async fn run(&self, what: &str, mut cmd: Command) -> Result<Vec<u8>, PushError> {
        let out = cmd.output().await.map_err(|e| {
            PushError(format!(
                "wrangler-local: cannot run {} ({e}); scripts/dev installs it with npm ci",
                self.bin.display()
            ))
        })?;
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stderr);
            let text = if text.trim().is_empty() {
                String::from_utf8_lossy(&out.stdout)
            } else {
                text
            };
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            return Err(PushError(format!(
                "wrangler-local: {what} failed ({}): {}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            )));
        }
        Ok(out.stdout)
    }

    /// Every managed key with the SHA-256 its metadata records.
    pub async fn snapshot(&self) -> Result<BTreeMap<String, String>, PushError> {
        let stdout = self.run("kv key list", self.kv(&["key", "list"])).await?;
        let keys: Vec<KeyInfo> = serde_json::from_slice(&stdout).map_err(|e| {
            PushError(format!(
                "wrangler-local: kv key list printed no key list: {e}"
            ))
        })?;
        Ok(keys
            .into_iter()
            .filter(|k| is_edge_key(&k.name))
            .map(|k| {
                let sha = recorded_digest(k.metadata.as_ref());
                (k.name, sha)
            })
            .collect())
    }

    /// Writes entries.
    pub async fn put(&self, entries: &[Entry]) -> Result<(), PushError> {
        for chunk in entries.chunks(CHUNK) {
            let body: Vec<_> = chunk.iter().map(bulk_pair).collect();
            let file = TempJson::write(&body)?;
            let path = file.path_str()?;
            self.run("kv bulk put", self.kv(&["bulk", "put", &path]))
                .await?;
        }
        Ok(())
    }

    /// Deletes keys.
    pub async fn delete(&self, keys: &[String]) -> Result<(), PushError> {
        for chunk in keys.chunks(CHUNK) {
            let file = TempJson::write(&chunk)?;
            let path = file.path_str()?;
            self.run(
                "kv bulk delete",
                self.kv(&["bulk", "delete", &path, "--force"]),
            )
            .await?;
        }
        Ok(())
    }
}

/// A JSON file for wrangler, private to this user and removed when dropped (it may hold the
/// signing keys).
struct TempJson(PathBuf);

impl TempJson {
    fn write(value: &impl serde::Serialize) -> Result<Self, PushError> {
        use std::io::Write as _;
        #[cfg(unix)]
        use std::os::unix::fs::OpenOptionsExt as _;
        let path = std::env::temp_dir().join(format!("afftok-push-{}.json", uuid::Uuid::new_v4()));
        let text = serde_json::to_vec(value)
            .map_err(|e| PushError(format!("wrangler-local: encoding entries: {e}")))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = Self(path);
        options
            .open(&file.0)
            .and_then(|mut f| f.write_all(&text))
            .map_err(|e| PushError(format!("wrangler-local: writing {}: {e}", file.0.display())))?;
        Ok(file)
    }

    fn path_str(&self) -> Result<String, PushError> {
        self.0
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| PushError("wrangler-local: temporary path is not UTF-8".into()))
    }
}

impl Drop for TempJson {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
