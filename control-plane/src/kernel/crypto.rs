//! Encryption at rest of secrets the service must read back (link signing keys, webhook
//! secrets): AES-256-GCM under the key-encryption key from the configuration, with what the
//! secret belongs to as associated data so a ciphertext cannot be moved to another owner.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

/// Encrypts the signing key `secret` for `kid`: returns (nonce, ciphertext).
pub fn seal(kek: &[u8; 32], kid: i64, secret: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    seal_for(kek, &kid.to_be_bytes(), secret)
}

/// Encrypts `secret` bound to `owner` (the associated data): returns (nonce, ciphertext).
pub fn seal_for(kek: &[u8; 32], owner: &[u8], secret: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(kek));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: secret,
                aad: owner,
            },
        )
        .map_err(|_| "encryption failed".to_owned())?;
    Ok((nonce.to_vec(), ciphertext))
}

/// Decrypts what [`seal_for`] produced for `owner`; `None` if anything was altered, the
/// owner is another, or the key-encryption key is not the one it was sealed with.
pub fn open_for(kek: &[u8; 32], owner: &[u8], nonce: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    if nonce.len() != 12 {
        return None;
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(kek));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: owner,
            },
        )
        .ok()
}

/// Decrypts what [`seal`] produced for `kid`; fails if anything was altered or the
/// key-encryption key is not the one it was sealed with.
pub fn open(kek: &[u8; 32], kid: i64, nonce: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, String> {
    if nonce.len() != 12 {
        return Err(format!("signing key {kid}: bad nonce"));
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(kek));
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &kid.to_be_bytes() })
        .map_err(|_| format!("signing key {kid} cannot be decrypted: wrong AFFTOK_KEY_ENCRYPTION_KEY or altered data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open() {
        let kek = [7u8; 32];
        let (nonce, ct) = seal(&kek, 1, b"secret bytes").expect("seals");
        assert_ne!(ct, b"secret bytes");
        assert_eq!(open(&kek, 1, &nonce, &ct).expect("opens"), b"secret bytes");
        assert!(open(&[8u8; 32], 1, &nonce, &ct).is_err(), "other key");
        assert!(open(&kek, 2, &nonce, &ct).is_err(), "other kid");
        let mut altered = ct.clone();
        altered[0] ^= 1;
        assert!(open(&kek, 1, &nonce, &altered).is_err(), "altered");
        let (nonce, ct) = seal_for(&kek, b"webhook-endpoint:1", b"s").expect("seals");
        assert_eq!(
            open_for(&kek, b"webhook-endpoint:1", &nonce, &ct).as_deref(),
            Some(&b"s"[..])
        );
        assert_eq!(
            open_for(&kek, b"webhook-endpoint:2", &nonce, &ct),
            None,
            "other owner"
        );
    }
}
