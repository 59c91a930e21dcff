//! API keys: `afk_live_<public>_<secret>`, or `afk_test_…` for the sandbox (DESIGN §16). The public part (12 lower-case letters and digits)
//! finds the key and is shown in lists; the secret is 32 random bytes in base64url. Only a
//! SHA-256 of the whole key is stored: keys are random, so a fast hash is as good as a slow
//! one, and the comparison is constant-time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};

use crate::kernel::Mode;

/// What every key starts with.
pub const PREFIX: &str = "afk_";
/// What a live key starts with.
pub const LIVE_PREFIX: &str = "afk_live_";
/// What a test (sandbox) key starts with.
pub const TEST_PREFIX: &str = "afk_test_";
/// Length of `afk_live_` and of `afk_test_`.
const HEAD_LEN: usize = 9;
const PUBLIC_LEN: usize = 12;
const PUBLIC_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A freshly generated key.
#[derive(Debug)]
pub struct NewKey {
    /// The whole key, shown once.
    pub key: String,
    /// `afk_live_<public>`, stored and shown.
    pub prefix: String,
    /// SHA-256 of the whole key, stored.
    pub hash: [u8; 32],
}

/// Generates a key of `mode`.
pub fn generate(mode: Mode) -> NewKey {
    let mut rng = rand::rng();
    let public: String = (0..PUBLIC_LEN)
        .map(|_| char::from(PUBLIC_ALPHABET[rng.random_range(0..PUBLIC_ALPHABET.len())]))
        .collect();
    let secret: [u8; 32] = rng.random();
    let head = match mode {
        Mode::Live => LIVE_PREFIX,
        Mode::Test => TEST_PREFIX,
    };
    let prefix = format!("{head}{public}");
    let key = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    NewKey {
        hash: hash(&key),
        prefix,
        key,
    }
}

/// SHA-256 of a whole key.
pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// The stored prefix of a presented key, if it has the right shape.
pub fn prefix_of(key: &str) -> Option<&str> {
    let rest = key
        .strip_prefix(LIVE_PREFIX)
        .or_else(|| key.strip_prefix(TEST_PREFIX))?;
    let (public, secret) = rest.split_once('_')?;
    let shaped = public.len() == PUBLIC_LEN
        && public.bytes().all(|b| PUBLIC_ALPHABET.contains(&b))
        && secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    shaped.then(|| &key[..HEAD_LEN + PUBLIC_LEN])
}

/// The mode of a key by its stored prefix.
pub fn mode_of(prefix: &str) -> Mode {
    if prefix.starts_with(TEST_PREFIX) {
        Mode::Test
    } else {
        Mode::Live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back() {
        let k = generate(Mode::Live);
        assert!(k.key.starts_with("afk_live_"));
        assert_eq!(prefix_of(&k.key), Some(k.prefix.as_str()));
        assert_eq!(mode_of(&k.prefix), Mode::Live);
        assert_eq!(hash(&k.key), k.hash);
        assert_ne!(generate(Mode::Live).key, k.key);
        let t = generate(Mode::Test);
        assert!(t.key.starts_with("afk_test_"));
        assert_eq!(prefix_of(&t.key), Some(t.prefix.as_str()));
        assert_eq!(mode_of(&t.prefix), Mode::Test);
    }

    #[test]
    fn malformed_keys() {
        let k = generate(Mode::Live);
        for bad in [
            "",
            "afk_live_",
            "afk_test_abcdefghijkl_x",
            "afk_prod_abcdefghijkl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &k.key[..k.key.len() - 1],
            &format!("{}!", &k.key[..k.key.len() - 1]),
            &k.key.replace("afk_live_", "afk_live_A"),
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
    }
}
