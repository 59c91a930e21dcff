//! API keys: `afk_live_<public>_<secret>`. The public part (12 lower-case letters and digits)
//! finds the key and is shown in lists; the secret is 32 random bytes in base64url. Only a
//! SHA-256 of the whole key is stored: keys are random, so a fast hash is as good as a slow
//! one, and the comparison is constant-time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};

/// What every key starts with.
pub const PREFIX: &str = "afk_live_";
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

/// Generates a key.
pub fn generate() -> NewKey {
    let mut rng = rand::rng();
    let public: String = (0..PUBLIC_LEN)
        .map(|_| char::from(PUBLIC_ALPHABET[rng.random_range(0..PUBLIC_ALPHABET.len())]))
        .collect();
    let secret: [u8; 32] = rng.random();
    let prefix = format!("{PREFIX}{public}");
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
    let rest = key.strip_prefix(PREFIX)?;
    let (public, secret) = rest.split_once('_')?;
    let shaped = public.len() == PUBLIC_LEN
        && public.bytes().all(|b| PUBLIC_ALPHABET.contains(&b))
        && secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    shaped.then(|| &key[..PREFIX.len() + PUBLIC_LEN])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back() {
        let k = generate();
        assert!(k.key.starts_with("afk_live_"));
        assert_eq!(prefix_of(&k.key), Some(k.prefix.as_str()));
        assert_eq!(hash(&k.key), k.hash);
        assert_ne!(generate().key, k.key);
    }

    #[test]
    fn malformed_keys() {
        let k = generate();
        for bad in [
            "",
            "afk_live_",
            "afk_test_abcdefghijkl_x",
            &k.key[..k.key.len() - 1],
            &format!("{}!", &k.key[..k.key.len() - 1]),
            &k.key.replace("afk_live_", "afk_live_A"),
        ] {
            assert_eq!(prefix_of(bad), None, "{bad}");
        }
    }
}
