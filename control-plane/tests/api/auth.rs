use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{JWT_SECRET, PASSWORD, problem, spawn_app};

#[tokio::test]
async fn register_promoter_and_advertiser() {
    let app = spawn_app().await;
    let resp = app
        .post("/v1/auth/register")
        .json(&json!({"role": "promoter", "email": "Pat@Promo.test", "password": PASSWORD, "display_name": "Pat"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let session: Value = resp.json().await.expect("json");
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["expires_in"], 900);
    assert_eq!(session["user"]["role"], "promoter");
    assert!(session["user"].get("advertiser").is_none());
    assert!(session["user"].get("password_hash").is_none());
    let adv = app.advertiser("acme").await;
    assert!(adv.advertiser_id.is_some());
    let me: Value = app
        .get("/v1/me")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(me["user"]["advertiser"]["name"], "acme@adv.test Inc");
    assert_eq!(me["authenticated_with"], "access_token");
    // Passwords are stored as argon2id, never in clear.
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(adv.id)
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}

#[tokio::test]
async fn register_refusals() {
    let app = spawn_app().await;
    app.promoter("taken").await;
    let dup = app
        .post("/v1/auth/register")
        .json(&json!({"role": "promoter", "email": "TAKEN@promo.test", "password": PASSWORD, "display_name": "x"}))
        .send()
        .await
        .expect("request");
    problem(dup, 409, "email_taken").await;
    for body in [
        json!({"role": "admin", "email": "a@a.test", "password": PASSWORD, "display_name": "x"}),
        json!({"role": "promoter", "email": "b@a.test", "password": PASSWORD, "display_name": "x", "company_name": "Co"}),
        json!({"role": "advertiser", "email": "c@a.test", "password": PASSWORD, "display_name": "x"}),
    ] {
        let resp = app
            .post("/v1/auth/register")
            .json(&body)
            .send()
            .await
            .expect("request");
        problem(resp, 422, "validation_failed").await;
    }
    let bad_role = app
        .post("/v1/auth/register")
        .json(&json!({"role": "superuser", "email": "d@a.test", "password": PASSWORD, "display_name": "x"}))
        .send()
        .await
        .expect("request");
    problem(bad_role, 400, "invalid_body").await;
}

#[tokio::test]
async fn login_right_and_wrong() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let again = app.login("PAT@promo.test", PASSWORD).await;
    assert_eq!(again.id, pat.id, "emails are case-insensitive");
    for (email, password) in [
        ("pat@promo.test", "wrong password!"),
        ("nobody@promo.test", PASSWORD),
    ] {
        let resp = app
            .post("/v1/auth/login")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request");
        let body = problem(resp, 401, "unauthorized").await;
        assert_eq!(
            body["detail"], "the email or the password is wrong",
            "no hint which one"
        );
    }
}

#[tokio::test]
async fn missing_and_bad_credentials_are_401() {
    let app = spawn_app().await;
    let none = app.get("/v1/me").send().await.expect("request");
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    problem(none, 401, "unauthorized").await;
    for bad in [
        "garbage",
        "afk_live_abcdefghijkl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        problem(
            app.get("/v1/me")
                .bearer_auth(bad)
                .send()
                .await
                .expect("request"),
            401,
            "unauthorized",
        )
        .await;
    }
}

fn claims(sub: i64, exp_offset: i64, aud: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    json!({"sub": sub.to_string(), "role": "admin", "iss": "afftok", "aud": aud,
           "iat": now, "exp": now + exp_offset, "jti": "t"})
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let sign = |claims: &Value, alg: Algorithm, secret: &str| {
        jsonwebtoken::encode(
            &Header::new(alg),
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("encodes")
    };
    // A correctly signed admin token proves the test's forging works.
    let good = sign(
        &claims(pat.id, 600, "afftok-api"),
        Algorithm::HS256,
        JWT_SECRET,
    );
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(&good)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );

    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(pat.id, 600, "afftok-api").to_string())
    );
    let forged = [
        ("alg none", none),
        (
            "wrong key",
            sign(
                &claims(pat.id, 600, "afftok-api"),
                Algorithm::HS256,
                "another-secret-another-secret-00",
            ),
        ),
        (
            "other algorithm",
            sign(
                &claims(pat.id, 600, "afftok-api"),
                Algorithm::HS512,
                JWT_SECRET,
            ),
        ),
        (
            "expired",
            sign(
                &claims(pat.id, -600, "afftok-api"),
                Algorithm::HS256,
                JWT_SECRET,
            ),
        ),
        (
            "wrong audience",
            sign(
                &claims(pat.id, 600, "someone-else"),
                Algorithm::HS256,
                JWT_SECRET,
            ),
        ),
    ];
    for (what, token) in forged {
        let resp = app
            .get("/v1/me")
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 401, "{what}");
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let first: Value = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": pat.refresh}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let second_refresh = first["refresh_token"].as_str().expect("rotated").to_owned();
    assert_ne!(second_refresh, pat.refresh);
    let token = first["access_token"].as_str().expect("access").to_owned();
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(&token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );

    // The old token again: reuse. The family, including the fresh token, is revoked.
    let reuse = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": pat.refresh}))
        .send()
        .await
        .expect("request");
    let body = problem(reuse, 401, "unauthorized").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already used"),
        "{body}"
    );
    let after = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": second_refresh}))
        .send()
        .await
        .expect("request");
    problem(after, 401, "unauthorized").await;

    // Another session of the same user is untouched.
    let other = app.login(&pat.email, PASSWORD).await;
    let ok = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": other.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
    let unknown = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": "afr_nope"}))
        .send()
        .await
        .expect("request");
    problem(unknown, 401, "unauthorized").await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let out = app
        .post("/v1/auth/logout")
        .json(&json!({"refresh_token": pat.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    let refresh = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": pat.refresh}))
        .send()
        .await
        .expect("request");
    problem(refresh, 401, "unauthorized").await;
    let again = app
        .post("/v1/auth/logout")
        .json(&json!({"refresh_token": pat.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 204, "idempotent");
}
