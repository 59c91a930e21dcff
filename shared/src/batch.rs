//! Event batches sent by the Cloudflare queue consumer to `POST /internal/v1/events`
//! (DESIGN §6, a contract), and their `Afftok-Signature`.
//!
//! ```text
//! Afftok-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(ingest_secret, "<t>.<body>")>
//! ```
//!
//! Several `v1=` values may be given (a sender mid-rotation signs with both secrets); the
//! batch is accepted when any of them matches. Unknown `key=value` parts are ignored so a
//! later scheme can be added beside `v1`.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Afftok-Signature";
/// How far `t` may be from the receiver's clock, either way, in seconds.
pub const TOLERANCE_SECS: u64 = 300;

/// The body of `POST /internal/v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch<E> {
    /// The events, each a DESIGN §6 event (readers may take them as raw JSON so that one bad
    /// event does not spoil the batch).
    pub events: Vec<E>,
}

/// Why a batch signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=<digits>,v1=<64 hex digits>[,...]`.
    #[error("malformed Afftok-Signature header")]
    Malformed,
    /// `t` is more than [`TOLERANCE_SECS`] away from now: stale or replayed.
    #[error("signature timestamp is outside the {TOLERANCE_SECS} s window")]
    OutsideWindow,
    /// No `v1` value matches the body.
    #[error("signature does not match")]
    Mismatch,
}

fn mac(secret: &[u8], t: u64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value signing `body` at time `t` (unix seconds) with the ingest secret.
pub fn sign(secret: &[u8], t: u64, body: &[u8]) -> String {
    let tag = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(tag))
}

/// Checks `header` against `body` at `now` (unix seconds); returns the signed `t`.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: u64) -> Result<u64, SignatureError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" if t.is_none()
                && !value.is_empty()
                && value.bytes().all(|b| b.is_ascii_digit()) =>
            {
                t = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| SignatureError::Malformed)?,
                );
            }
            "t" => return Err(SignatureError::Malformed),
            "v1" => {
                let mut tag = [0u8; 32];
                hex::decode_to_slice(value, &mut tag).map_err(|_| SignatureError::Malformed)?;
                candidates.push(tag);
            }
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if t.abs_diff(now) > TOLERANCE_SECS {
        return Err(SignatureError::OutsideWindow);
    }
    let expected = mac(secret, t, body);
    // Each comparison is constant-time; trying every candidate leaks only their count.
    if candidates
        .iter()
        .any(|tag| expected.clone().verify_slice(tag).is_ok())
    {
        Ok(t)
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"ingest-secret";
    const BODY: &[u8] = br#"{"events":[]}"#;

    #[test]
    fn known_answer() {
        // HMAC-SHA256("ingest-secret", "1790000000.{\"events\":[]}") computed independently
        // with Python's hmac module.
        assert_eq!(
            sign(SECRET, 1_790_000_000, BODY),
            "t=1790000000,v1=b4eff403ea5b5256caff014c74d89270cc6c3698eec92684bcdecb7f73be61f8"
        );
    }

    #[test]
    fn accepts_its_own_signature_inside_the_window() {
        let header = sign(SECRET, 1000, BODY);
        assert_eq!(verify(SECRET, &header, BODY, 1000), Ok(1000));
        assert_eq!(verify(SECRET, &header, BODY, 1300), Ok(1000));
        assert_eq!(verify(SECRET, &header, BODY, 700), Ok(1000));
        assert_eq!(
            verify(SECRET, &header, BODY, 1301),
            Err(SignatureError::OutsideWindow)
        );
        assert_eq!(
            verify(SECRET, &header, BODY, 699),
            Err(SignatureError::OutsideWindow)
        );
    }

    #[test]
    fn refuses_wrong_secret_body_or_time() {
        let header = sign(SECRET, 1000, BODY);
        assert_eq!(
            verify(b"other", &header, BODY, 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, &header, b"{}", 1000),
            Err(SignatureError::Mismatch)
        );
        let moved = header.replace("t=1000", "t=1001");
        assert_eq!(
            verify(SECRET, &moved, BODY, 1000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_v1_values_may_match() {
        let good = sign(SECRET, 1000, BODY);
        let v1 = good.split_once(",v1=").map(|(_, v)| v).unwrap_or_default();
        let header = format!("t=1000,v1={},v1={v1},v2=whatever", "0".repeat(64));
        assert_eq!(verify(SECRET, &header, BODY, 1000), Ok(1000));
    }

    #[test]
    fn malformed_headers() {
        let zeros = "0".repeat(64);
        for bad in [
            String::new(),
            "t=1000".into(),
            format!("v1={zeros}"),
            format!("t=,v1={zeros}"),
            format!("t=-5,v1={zeros}"),
            "t=1000,v1=zz".into(),
            format!("t=1000,v1={}", "0".repeat(63)),
            format!("t=1000,t=1000,v1={zeros}"),
            format!("t=99999999999999999999999,v1={zeros}"),
            "garbage".into(),
        ] {
            assert_eq!(
                verify(SECRET, &bad, BODY, 1000),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }
}
