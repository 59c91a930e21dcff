//! Access tokens: HS256 JWTs with a short lifetime. Verification accepts HS256 only (a token
//! whose header says `none` or any other algorithm is refused) and checks the issuer, the
//! audience and the expiry.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::accounts::Role;
use crate::app::config::JwtSettings;
use crate::kernel::{AdvertiserId, UserId};

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's role.
    pub role: Role,
    /// The advertiser the user belongs to, for advertiser users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adv: Option<AdvertiserId>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
    /// Token id.
    pub jti: String,
}

/// Issues and verifies access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Seconds since the unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl JwtKeys {
    /// Keys from the settings.
    pub fn new(settings: &JwtSettings) -> Self {
        let secret = settings.secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_secs: settings.access_token_ttl.as_secs(),
        }
    }

    /// Lifetime of issued tokens, in seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// An access token for a user.
    pub fn issue(
        &self,
        user_id: UserId,
        role: Role,
        advertiser_id: Option<AdvertiserId>,
    ) -> Result<String, String> {
        let now = now_secs();
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            adv: advertiser_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| format!("jwt: {e}"))
    }

    /// The claims of a valid token.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn settings(secret: &str, audience: &str) -> JwtSettings {
        JwtSettings {
            secret: secret.to_owned().into(),
            issuer: "afftok".into(),
            audience: audience.into(),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(3600),
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify() {
        let keys = JwtKeys::new(&settings(SECRET, "afftok-api"));
        let token = keys
            .issue(UserId(7), Role::Advertiser, Some(AdvertiserId(3)))
            .expect("issues");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!(
            (claims.sub.as_str(), claims.role, claims.adv),
            ("7", Role::Advertiser, Some(AdvertiserId(3)))
        );
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let keys = JwtKeys::new(&settings(SECRET, "afftok-api"));
        let token = keys.issue(UserId(7), Role::Promoter, None).expect("issues");
        // Another key, another audience.
        let other = JwtKeys::new(&settings("another-secret-another-secret-xx", "afftok-api"));
        assert!(other.verify(&token).is_none());
        let elsewhere = JwtKeys::new(&settings(SECRET, "someone-else"));
        assert!(elsewhere.verify(&token).is_none());
        // alg: none with the same claims.
        let claims = token.split('.').nth(1).unwrap_or_default();
        let none = format!(
            "{}.{claims}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#)
        );
        assert!(keys.verify(&none).is_none());
        // HS512 signed with the right secret is still refused.
        let parsed = keys.verify(&token).expect("valid");
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &parsed,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("encodes");
        assert!(keys.verify(&hs512).is_none());
        // Elevating the role in the payload breaks the signature.
        let elevated = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                role: Role::Admin,
                ..parsed.clone()
            })
            .unwrap_or_default(),
        );
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = &elevated;
        assert!(keys.verify(&parts.join(".")).is_none());
        // Expired.
        let expired = Claims {
            iat: 1,
            exp: 2,
            ..parsed
        };
        let old = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &expired,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("encodes");
        assert!(keys.verify(&old).is_none());
    }
}
