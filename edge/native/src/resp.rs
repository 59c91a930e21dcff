//! The click writer's own connection to Redis: batches of `XADD` written as raw RESP in one
//! buffer and their replies checked, with no per-event allocation.
//!
//! Every click becomes one stream entry, so at full speed the edge writes tens of thousands
//! of `XADD`s a second from the same core that answers the redirects. Through the `redis`
//! crate's pipelines each one costs a command object, a copy into the packed pipeline and a
//! parsed reply value; here it is a few bytes appended to a buffer and a reply skipped.
//! The connection is set up from the same `REDIS_URL` (address, user, password, database);
//! conversions and KV reads keep using the `redis` crate.

use std::io;
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// Longest wait for a connection, or for a batch to be written and answered.
pub const TIMEOUT: Duration = Duration::from_secs(2);

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Why a batch was not (entirely) written.
#[derive(Debug)]
pub enum WriteError {
    /// The connection failed or timed out; it is dropped and made again next time.
    Io(io::Error),
    /// Redis refused a command (the first refusal's text); the connection stays usable.
    Refused(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Refused(e) => write!(f, "Redis answered {e}"),
        }
    }
}

/// A lazily (re)connected RESP2 connection that sends pre-encoded command batches.
pub struct Connection {
    info: ConnectionInfo,
    io: Option<Box<dyn Io>>,
    /// Replies read but not yet parsed.
    replies: Vec<u8>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("connected", &self.io.is_some())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection to what `info` names; nothing is dialled until the first batch.
    pub fn new(info: ConnectionInfo) -> Self {
        Self {
            info,
            io: None,
            replies: Vec::with_capacity(16 * 1024),
        }
    }

    /// Writes `commands` (`count` RESP commands) and reads their replies. On an I/O error or
    /// a timeout the connection is dropped, so a retry starts on a fresh one.
    pub async fn send(&mut self, commands: &[u8], count: usize) -> Result<(), WriteError> {
        let result = tokio::time::timeout(TIMEOUT, self.send_inner(commands, count))
            .await
            .unwrap_or_else(|_| Err(WriteError::Io(io::ErrorKind::TimedOut.into())));
        if matches!(result, Err(WriteError::Io(_))) {
            self.io = None;
            self.replies.clear();
        }
        result
    }

    async fn send_inner(&mut self, commands: &[u8], count: usize) -> Result<(), WriteError> {
        if self.io.is_none() {
            self.io = Some(self.connect().await.map_err(WriteError::Io)?);
        }
        let Some(io) = self.io.as_mut() else {
            return Err(WriteError::Io(io::ErrorKind::NotConnected.into()));
        };
        io.write_all(commands).await.map_err(WriteError::Io)?;
        read_replies(io, &mut self.replies, count).await
    }

    async fn connect(&mut self) -> io::Result<Box<dyn Io>> {
        let mut io: Box<dyn Io> = match self.info.addr() {
            ConnectionAddr::Tcp(host, port) => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
            #[cfg(unix)]
            ConnectionAddr::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "this kind of Redis address is not supported for events",
                ));
            }
        };
        let settings = self.info.redis_settings();
        let mut setup = Vec::new();
        let mut count = 0;
        if let Some(password) = settings.password() {
            match settings.username() {
                Some(user) => encode(&mut setup, &[b"AUTH", user.as_bytes(), password.as_bytes()]),
                None => encode(&mut setup, &[b"AUTH", password.as_bytes()]),
            }
            count += 1;
        }
        if settings.db() != 0 {
            encode(
                &mut setup,
                &[b"SELECT", settings.db().to_string().as_bytes()],
            );
            count += 1;
        }
        if count > 0 {
            self.replies.clear();
            io.write_all(&setup).await?;
            read_replies(&mut io, &mut self.replies, count)
                .await
                .map_err(|e| match e {
                    WriteError::Io(e) => e,
                    // Not the password itself: Redis's text names the problem.
                    WriteError::Refused(text) => io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!("connection setup refused: {text}"),
                    ),
                })?;
        }
        Ok(io)
    }
}

/// Appends one RESP command (an array of bulk strings).
pub fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.push(b'*');
    push_decimal(out, args.len());
    out.extend_from_slice(b"\r\n");
    for arg in args {
        out.push(b'$');
        push_decimal(out, arg.len());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

fn push_decimal(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Reads `count` replies; the first error reply is returned once all have been read (so the
/// connection stays in step with its commands).
async fn read_replies(
    io: &mut Box<dyn Io>,
    buf: &mut Vec<u8>,
    mut count: usize,
) -> Result<(), WriteError> {
    let mut refused = None;
    let mut parsed = 0;
    while count > 0 {
        match parse_reply(&buf[parsed..]) {
            Ok(Some((used, error))) => {
                parsed += used;
                count -= 1;
                if let Some(error) = error {
                    refused.get_or_insert(error);
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => return Err(WriteError::Io(e)),
        }
        // Incomplete: keep the unparsed tail and read more.
        buf.drain(..parsed);
        parsed = 0;
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(16 * 1024);
        }
        let read = io.read_buf(buf).await.map_err(WriteError::Io)?;
        if read == 0 {
            return Err(WriteError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
    }
    buf.drain(..parsed);
    match refused {
        None => Ok(()),
        Some(error) => Err(WriteError::Refused(error)),
    }
}

/// One complete reply at the start of `buf`: its length and, for an error reply, its text.
/// `None` when more bytes are needed. Only the reply kinds of `AUTH`, `SELECT` and `XADD`.
fn parse_reply(buf: &[u8]) -> io::Result<Option<(usize, Option<String>)>> {
    let Some(line_end) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let line = &buf[..line_end];
    let after_line = line_end + 2;
    match line.first() {
        Some(b'+' | b':') => Ok(Some((after_line, None))),
        Some(b'-') => Ok(Some((
            after_line,
            Some(String::from_utf8_lossy(&line[1..]).into_owned()),
        ))),
        Some(b'$') => {
            let len = std::str::from_utf8(&line[1..])
                .ok()
                .and_then(|n| n.parse::<i64>().ok())
                .ok_or_else(|| protocol_error("bad bulk length"))?;
            if len < 0 {
                return Ok(Some((after_line, None)));
            }
            let end = usize::try_from(len)
                .ok()
                .and_then(|len| after_line.checked_add(len))
                .and_then(|end| end.checked_add(2))
                .ok_or_else(|| protocol_error("bulk too long"))?;
            Ok((buf.len() >= end).then_some((end, None)))
        }
        _ => Err(protocol_error("unexpected reply")),
    }
}

fn protocol_error(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("Redis protocol: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_resp_arrays() {
        let mut out = Vec::new();
        encode(&mut out, &[b"XADD", b"s", b"*", b"event", b"{}"]);
        assert_eq!(
            out,
            b"*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$5\r\nevent\r\n$2\r\n{}\r\n"
        );
    }

    #[test]
    fn replies() {
        assert_eq!(parse_reply(b"+OK\r\n").ok(), Some(Some((5, None))));
        assert_eq!(parse_reply(b":12\r\nx").ok(), Some(Some((5, None))));
        assert_eq!(
            parse_reply(b"$15\r\n1764000000000-0\r\n$").ok(),
            Some(Some((22, None)))
        );
        assert_eq!(parse_reply(b"$15\r\n1764000000").ok(), Some(None));
        assert_eq!(parse_reply(b"$1").ok(), Some(None));
        assert_eq!(parse_reply(b"$-1\r\n").ok(), Some(Some((5, None))));
        assert_eq!(
            parse_reply(b"-WRONGTYPE no\r\n").ok(),
            Some(Some((15, Some("WRONGTYPE no".to_owned()))))
        );
        assert!(parse_reply(b"*1\r\n").is_err());
        assert!(parse_reply(b"$x\r\n").is_err());
    }
}
