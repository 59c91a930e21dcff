//! The Redis target: one string per entry under a prefix (`afftok:kv:offer:42`), read by the
//! native edge and by Spin's Redis-backed key-value store.

use std::collections::BTreeMap;

use redis::aio::ConnectionManager;

use super::{Entry, PushError, digest, is_edge_key};

/// Entries per pipeline.
const CHUNK: usize = 500;

/// The key (after the prefix) marking a complete push.
pub const MARK: &str = "push:complete";

/// KV entries in Redis under a prefix.
#[derive(Clone)]
pub struct RedisTarget {
    conn: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTarget")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn failed(what: &str, e: &redis::RedisError) -> PushError {
    PushError(format!("redis: {what}: {e}"))
}

impl RedisTarget {
    /// Entries under `prefix` through `conn`.
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
        }
    }

    /// Every managed entry under the prefix, as key → SHA-256 of its value.
    pub async fn snapshot(&self) -> Result<BTreeMap<String, String>, PushError> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}*", glob_escape(&self.prefix));
        let mut names = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(|e| failed("SCAN", &e))?;
            names.extend(
                batch
                    .into_iter()
                    .filter(|n| n.strip_prefix(&self.prefix).is_some_and(is_edge_key)),
            );
            if next == 0 {
                break;
            }
            cursor = next;
        }
        names.sort();
        names.dedup();
        let mut out = BTreeMap::new();
        for chunk in names.chunks(CHUNK) {
            let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
                .arg(chunk)
                .query_async(&mut conn)
                .await
                .map_err(|e| failed("MGET", &e))?;
            for (name, value) in chunk.iter().zip(values) {
                if let Some(value) = value {
                    let key = name[self.prefix.len()..].to_owned();
                    out.insert(key, digest(&String::from_utf8_lossy(&value)));
                }
            }
        }
        Ok(out)
    }

    /// Writes entries.
    pub async fn put(&self, entries: &[Entry]) -> Result<(), PushError> {
        let mut conn = self.conn.clone();
        for chunk in entries.chunks(CHUNK) {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for entry in chunk {
                pipe.set(format!("{}{}", self.prefix, entry.key), &entry.value)
                    .ignore();
            }
            pipe.query_async::<()>(&mut conn)
                .await
                .map_err(|e| failed("SET", &e))?;
        }
        Ok(())
    }

    /// Whether the mark of a complete push is there: gone, Redis lost what was pushed (a
    /// restart without persistence, a flush) and everything must be pushed again.
    pub async fn is_marked(&self) -> Result<bool, PushError> {
        let mut conn = self.conn.clone();
        redis::cmd("EXISTS")
            .arg(self.mark_key())
            .query_async::<bool>(&mut conn)
            .await
            .map_err(|e| failed("EXISTS", &e))
    }

    /// Marks the KV as holding a complete push (the time, for whoever looks).
    pub async fn mark(&self) -> Result<(), PushError> {
        let mut conn = self.conn.clone();
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        redis::cmd("SET")
            .arg(self.mark_key())
            .arg(now)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| failed("SET", &e))
    }

    /// The mark's key: under the prefix, but not one the edges read or a full push manages.
    fn mark_key(&self) -> String {
        format!("{}{MARK}", self.prefix)
    }

    /// Deletes entries (absent ones are fine).
    pub async fn delete(&self, keys: &[String]) -> Result<(), PushError> {
        let mut conn = self.conn.clone();
        for chunk in keys.chunks(CHUNK) {
            let full: Vec<String> = chunk
                .iter()
                .map(|k| format!("{}{k}", self.prefix))
                .collect();
            redis::cmd("DEL")
                .arg(full)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| failed("DEL", &e))?;
        }
        Ok(())
    }
}

/// Escapes Redis glob characters so a prefix matches only itself.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(super::glob_escape("afftok:kv:"), "afftok:kv:");
        assert_eq!(super::glob_escape("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
