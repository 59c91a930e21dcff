//! The stored provider: its checks (rules, no I/O) and its row (Postgres). The API key is
//! sealed with AES-256-GCM under the key-encryption key, the user id as associated data; it
//! is opened only to call the provider and never leaves this module otherwise.

use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::kernel::UserId;
use crate::kernel::crypto;
use crate::kernel::error::FieldError;

/// The longest model name.
pub(crate) const MODEL_MAX_CHARS: usize = 200;
/// The longest API key.
pub(crate) const KEY_MAX_CHARS: usize = 500;
/// The longest base URL.
pub(crate) const URL_MAX_CHARS: usize = 2048;

/// What the provider's fields must be, before the SSRF guard sees the URL: every fault, by
/// field. Text is trimmed; a key keeps its exact characters (none may be a space or a
/// control character: it travels in a header).
pub(crate) fn check(
    base_url: Option<&str>,
    model: Option<&str>,
    api_key: Option<&SecretString>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match base_url.map(str::trim) {
        None | Some("") => errors.push(FieldError::new("base_url", "is required")),
        Some(url) if url.chars().count() > URL_MAX_CHARS => errors.push(FieldError::new(
            "base_url",
            format!("must be at most {URL_MAX_CHARS} characters"),
        )),
        Some(_) => {}
    }
    match model.map(str::trim) {
        None | Some("") => errors.push(FieldError::new("model", "is required")),
        Some(m) if m.chars().count() > MODEL_MAX_CHARS => errors.push(FieldError::new(
            "model",
            format!("must be at most {MODEL_MAX_CHARS} characters"),
        )),
        Some(m) if m.chars().any(char::is_control) => {
            errors.push(FieldError::new("model", "must not hold control characters"))
        }
        Some(_) => {}
    }
    match api_key.map(|k| k.expose_secret()) {
        None | Some("") => errors.push(FieldError::new("api_key", "is required")),
        Some(k) if k.chars().count() > KEY_MAX_CHARS => errors.push(FieldError::new(
            "api_key",
            format!("must be at most {KEY_MAX_CHARS} characters"),
        )),
        Some(k) if !k.chars().all(|c| c.is_ascii_graphic()) => errors.push(FieldError::new(
            "api_key",
            "must be printable ASCII without spaces",
        )),
        Some(_) => {}
    }
    errors
}

/// The last four characters of a key, to show which one is stored (all of a key shorter
/// than 12 characters would be too much of it: then none).
pub(crate) fn last4(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return String::new();
    }
    chars[chars.len() - 4..].iter().collect()
}

/// The associated data of a user's sealed key.
fn owner(user: UserId) -> Vec<u8> {
    format!("assistant-provider:{}", user.0).into_bytes()
}

/// A stored provider, as shown (never the key).
#[derive(Debug, Clone)]
pub(crate) struct ProviderRow {
    pub base_url: String,
    pub model: String,
    pub key_last4: String,
    pub updated_at: OffsetDateTime,
}

/// A stored provider with its key opened, to call it.
pub(crate) struct Opened {
    pub base_url: String,
    pub model: String,
    pub key: SecretString,
}

impl std::fmt::Debug for Opened {
    // The key is never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// Why a provider could not be read back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    /// The key does not open (another key-encryption key, or altered data).
    #[error("the stored key cannot be opened")]
    Sealed,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Stores (or replaces) the user's provider; returns it as shown.
pub(crate) async fn put(
    db: &PgPool,
    kek: &[u8; 32],
    user: UserId,
    base_url: &str,
    model: &str,
    key: &SecretString,
) -> Result<ProviderRow, sqlx::Error> {
    let (nonce, sealed) = crypto::seal_for(kek, &owner(user), key.expose_secret().as_bytes())
        .map_err(|e| sqlx::Error::Protocol(format!("sealing the provider key: {e}")))?;
    let last4 = last4(key.expose_secret());
    sqlx::query_as!(
        ProviderRow,
        r#"INSERT INTO assistant_providers (user_id, base_url, model, key_nonce, key_sealed, key_last4)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (user_id) DO UPDATE SET base_url = EXCLUDED.base_url, model = EXCLUDED.model,
             key_nonce = EXCLUDED.key_nonce, key_sealed = EXCLUDED.key_sealed,
             key_last4 = EXCLUDED.key_last4, updated_at = now()
           RETURNING base_url, model, key_last4, updated_at"#,
        user.0,
        base_url,
        model,
        nonce,
        sealed,
        last4
    )
    .fetch_one(db)
    .await
}

/// The user's provider, as shown.
pub(crate) async fn get(db: &PgPool, user: UserId) -> sqlx::Result<Option<ProviderRow>> {
    sqlx::query_as!(
        ProviderRow,
        "SELECT base_url, model, key_last4, updated_at FROM assistant_providers WHERE user_id = $1",
        user.0
    )
    .fetch_optional(db)
    .await
}

/// The user's provider with its key opened.
pub(crate) async fn open(
    db: &PgPool,
    kek: &[u8; 32],
    user: UserId,
) -> Result<Option<Opened>, OpenError> {
    let Some(row) = sqlx::query!(
        "SELECT base_url, model, key_nonce, key_sealed FROM assistant_providers WHERE user_id = $1",
        user.0
    )
    .fetch_optional(db)
    .await?
    else {
        return Ok(None);
    };
    let key = crypto::open_for(kek, &owner(user), &row.key_nonce, &row.key_sealed)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(OpenError::Sealed)?;
    Ok(Some(Opened {
        base_url: row.base_url,
        model: row.model,
        key: key.into(),
    }))
}

/// Deletes the user's provider; whether there was one.
pub(crate) async fn delete(db: &PgPool, user: UserId) -> sqlx::Result<bool> {
    let done = sqlx::query!("DELETE FROM assistant_providers WHERE user_id = $1", user.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &[FieldError]) -> Vec<&str> {
        e.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn every_fault_is_named() {
        let key: SecretString = "sk-test-0123456789".into();
        assert!(check(Some("https://api.example/v1"), Some("gpt-x"), Some(&key)).is_empty());
        assert_eq!(
            fields(&check(None, Some(" "), None)),
            ["base_url", "model", "api_key"]
        );
        let long_model = "m".repeat(MODEL_MAX_CHARS + 1);
        let long_key: SecretString = "k".repeat(KEY_MAX_CHARS + 1).into();
        assert_eq!(
            fields(&check(Some("x"), Some(&long_model), Some(&long_key))),
            ["model", "api_key"]
        );
        let spaced: SecretString = "sk test".into();
        assert_eq!(
            fields(&check(Some("x"), Some("m"), Some(&spaced))),
            ["api_key"]
        );
        let just_right: SecretString = "k".repeat(KEY_MAX_CHARS).into();
        let model = "m".repeat(MODEL_MAX_CHARS);
        assert!(check(Some("x"), Some(&model), Some(&just_right)).is_empty());
    }

    #[test]
    fn only_the_last_four_of_a_long_key() {
        assert_eq!(last4("sk-0123456789abcd"), "abcd");
        assert_eq!(last4("short-key"), "");
    }

    #[test]
    fn a_sealed_key_opens_only_for_its_user() {
        let kek = [3u8; 32];
        let (nonce, sealed) =
            crypto::seal_for(&kek, &owner(UserId(7)), b"sk-secret").unwrap_or_default();
        assert_eq!(
            crypto::open_for(&kek, &owner(UserId(7)), &nonce, &sealed).as_deref(),
            Some(&b"sk-secret"[..])
        );
        assert_eq!(
            crypto::open_for(&kek, &owner(UserId(8)), &nonce, &sealed),
            None
        );
    }
}
