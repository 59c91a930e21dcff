//! Passwords are hashed with argon2id (the crate's default parameters, OWASP's minimum) into
//! PHC strings. Both functions are CPU-heavy on purpose: call them off the async runtime
//! (`tokio::task::spawn_blocking`).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (argon2 takes any length; this bounds the work per request).
pub const MAX_LEN: usize = 256;

/// Why a password is refused.
pub fn check_strength(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err("must be at least 10 characters");
    }
    if password.len() > MAX_LEN {
        return Err("must be at most 256 bytes");
    }
    Ok(())
}

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (constant-time inside argon2).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that matches nothing, verified when the account does not exist so that a login
/// for an unknown email takes as long as one for a known email.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not a password anyone has").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse battery").expect("hashes");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterx", &stored));
        assert!(!verify("anything", "not a phc string"));
        assert_ne!(
            stored,
            hash("correct horse battery").expect("hashes"),
            "salted"
        );
    }

    #[test]
    fn strength() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("ten chars!").is_ok());
        assert!(check_strength(&"x".repeat(300)).is_err());
    }
}
