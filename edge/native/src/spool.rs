//! The click spool: an append-only file where click events wait while Redis cannot take
//! them, replayed into the stream once it can (`AFFTOK_EVENT_SPOOL`).
//!
//! Without it, clicks wait in memory (`AFFTOK_EVENT_BUFFER`) and are dropped past that, and
//! a killed edge loses what it holds. With it, the writer moves a batch it could not write to
//! Redis into `{dir}/events.spool` (one event JSON a line), and from then on appends every
//! batch there, in order, until the file has been replayed to Redis; so the memory queue
//! never fills during an outage, and what is spooled survives the edge's restart.
//!
//! - **Durability:** each appended batch is flushed with `fdatasync` before it counts as
//!   written: a crash of the process or the machine loses nothing that was spooled.
//! - **Bound:** `AFFTOK_EVENT_SPOOL_MAX_MB` (default 1024); past it click events are dropped
//!   and counted in the log, as with a full memory queue. About 500 bytes a click: 1 GiB
//!   holds some two million clicks.
//! - **Replay:** once a second while the file holds events, in batches; a batch sent twice
//!   (a failure mid-replay, a restart) puts its events in the stream twice, which readers
//!   deduplicate by event id (DESIGN §6). The file is emptied once all of it is in Redis. A
//!   file left by a previous run is replayed at start.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncBufReadExt, AsyncSeekExt, AsyncWriteExt, BufReader};

/// The spool file in its directory.
pub const FILE_NAME: &str = "events.spool";

/// What went wrong with the spool file.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// Writing would pass the bound.
    #[error("the spool is full ({bytes} bytes of at most {max})")]
    Full {
        /// Its size.
        bytes: u64,
        /// The bound.
        max: u64,
    },
    /// The file failed.
    #[error("spool file {path}: {source}")]
    Io {
        /// Which.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The spool: its file, how much of it is in Redis already, and its bound.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    file: File,
    /// Bytes in the file.
    len: u64,
    /// Bytes from the start already written to Redis (this run).
    replayed: u64,
    max_bytes: u64,
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, keeping what a previous run left.
    pub async fn open(dir: &Path, max_bytes: u64) -> Result<Self, SpoolError> {
        let path = dir.join(FILE_NAME);
        let io = |source| SpoolError::Io {
            path: path.clone(),
            source,
        };
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .await
            .map_err(io)?;
        let mut len = file.metadata().await.map_err(io)?.len();
        // A line a crash cut short is ended, so that the next event starts a line of its own.
        if len > 0 {
            let mut last = [0u8; 1];
            let mut reader = File::open(&path).await.map_err(io)?;
            reader.seek(SeekFrom::End(-1)).await.map_err(io)?;
            tokio::io::AsyncReadExt::read_exact(&mut reader, &mut last)
                .await
                .map_err(io)?;
            if last[0] != b'\n' {
                file.write_all(b"\n").await.map_err(io)?;
                file.sync_data().await.map_err(io)?;
                len += 1;
            }
        }
        Ok(Self {
            path,
            file,
            len,
            replayed: 0,
            max_bytes,
        })
    }

    fn io(&self, source: std::io::Error) -> SpoolError {
        SpoolError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Whether events wait in it.
    pub fn is_pending(&self) -> bool {
        self.replayed < self.len
    }

    /// Bytes waiting.
    pub fn pending_bytes(&self) -> u64 {
        self.len - self.replayed
    }

    /// Appends events (one JSON text each, without newlines) and flushes them to disk.
    pub async fn append(&mut self, events: &[Vec<u8>]) -> Result<(), SpoolError> {
        let bytes: u64 = events.iter().map(|e| e.len() as u64 + 1).sum();
        if self.len + bytes > self.max_bytes {
            return Err(SpoolError::Full {
                bytes: self.len,
                max: self.max_bytes,
            });
        }
        let mut buf = Vec::with_capacity(bytes as usize);
        for e in events {
            buf.extend_from_slice(e);
            buf.push(b'\n');
        }
        self.file.write_all(&buf).await.map_err(|e| self.io(e))?;
        self.file.sync_data().await.map_err(|e| self.io(e))?;
        self.len += bytes;
        Ok(())
    }

    /// Up to `max` events after what is replayed, and the offset after them.
    pub async fn next_batch(&mut self, max: usize) -> Result<(Vec<Vec<u8>>, u64), SpoolError> {
        let mut reader = File::open(&self.path).await.map_err(|e| self.io(e))?;
        reader
            .seek(SeekFrom::Start(self.replayed))
            .await
            .map_err(|e| self.io(e))?;
        let mut reader = BufReader::new(reader);
        let mut events = Vec::new();
        let mut offset = self.replayed;
        let mut line = Vec::new();
        while events.len() < max && offset < self.len {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .await
                .map_err(|e| self.io(e))?;
            if n == 0 {
                break;
            }
            offset += n as u64;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if !line.is_empty() {
                events.push(line.clone());
            }
        }
        Ok((events, offset))
    }

    /// Records that everything before `offset` is in Redis; empties the file once all is.
    pub async fn replayed_to(&mut self, offset: u64) -> Result<(), SpoolError> {
        self.replayed = offset.min(self.len);
        if self.replayed == self.len && self.len > 0 {
            self.file.set_len(0).await.map_err(|e| self.io(e))?;
            self.file.sync_data().await.map_err(|e| self.io(e))?;
            self.len = 0;
            self.replayed = 0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        std::env::temp_dir().join(format!("afftok-spool-{}", uuid::Uuid::new_v4().simple()))
    }

    fn events(range: std::ops::Range<u32>) -> Vec<Vec<u8>> {
        range
            .map(|i| format!("{{\"id\":{i}}}").into_bytes())
            .collect()
    }

    #[tokio::test]
    async fn events_come_back_in_order_across_a_reopen_and_the_file_empties() {
        let dir = dir();
        let mut spool = Spool::open(&dir, 1 << 20).await.expect("open");
        assert!(!spool.is_pending());
        spool.append(&events(0..3)).await.expect("append");
        spool.append(&events(3..5)).await.expect("append");
        drop(spool);
        // A new run finds them.
        let mut spool = Spool::open(&dir, 1 << 20).await.expect("reopen");
        assert!(spool.is_pending());
        let (first, offset) = spool.next_batch(3).await.expect("read");
        assert_eq!(first, events(0..3));
        spool.replayed_to(offset).await.expect("mark");
        // Appending while replaying keeps the order.
        spool.append(&events(5..6)).await.expect("append");
        let (rest, offset) = spool.next_batch(10).await.expect("read");
        assert_eq!(rest, events(3..6));
        spool.replayed_to(offset).await.expect("mark");
        assert!(!spool.is_pending());
        let size = std::fs::metadata(dir.join(FILE_NAME)).map(|m| m.len()).ok();
        assert_eq!(size, Some(0));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn a_batch_not_marked_is_read_again() {
        let dir = dir();
        let mut spool = Spool::open(&dir, 1 << 20).await.expect("open");
        spool.append(&events(0..4)).await.expect("append");
        let (once, _) = spool.next_batch(2).await.expect("read");
        let (again, _) = spool.next_batch(2).await.expect("read");
        assert_eq!(once, again);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[tokio::test]
    async fn the_bound_holds_and_a_torn_last_line_is_ended() {
        let dir = dir();
        let mut spool = Spool::open(&dir, 40).await.expect("open");
        spool.append(&events(0..4)).await.expect("4 × 9 bytes fit");
        assert!(matches!(
            spool.append(&events(4..5)).await,
            Err(SpoolError::Full { bytes: 36, max: 40 })
        ));
        drop(spool);
        // A crash in the middle of a line.
        let path = dir.join(FILE_NAME);
        let mut text = std::fs::read(&path).expect("read");
        text.extend_from_slice(b"{\"id\":");
        std::fs::write(&path, &text).expect("write");
        let mut spool = Spool::open(&dir, 1 << 20).await.expect("reopen");
        spool.append(&events(4..5)).await.expect("append");
        let (all, offset) = spool.next_batch(100).await.expect("read");
        // The torn text stays a line of its own (the control plane sets it aside as not an
        // event); the next event is whole.
        let mut expected = events(0..4);
        expected.push(b"{\"id\":".to_vec());
        expected.extend(events(4..5));
        assert_eq!(all, expected);
        spool.replayed_to(offset).await.expect("mark");
        assert!(!spool.is_pending());
        std::fs::remove_dir_all(&dir).ok();
    }
}
