//! Encryption at rest of link signing keys: AES-256-GCM under the key-encryption key from the
//! configuration, with the kid as associated data so a ciphertext cannot be moved to another
//! kid.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

/// Encrypts `secret` for `kid`: returns (nonce, ciphertext).
pub fn seal(kek: &[u8; 32], kid: i64, secret: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(kek));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = kid.to_be_bytes();
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .map_err(|_| "encryption failed".to_owned())?;
    Ok((nonce.to_vec(), ciphertext))
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
    }
}
