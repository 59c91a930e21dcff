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
    // HS/RS confusion: an RS256 header over an HMAC made with the secret (a verifier that
    // trusted the header would take its key for an RSA key, or the secret for a public key).
    let confused = {
        use hmac::{Hmac, Mac};
        let head = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims(pat.id, 600, "afftok-api").to_string())
        );
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(JWT_SECRET.as_bytes()).expect("key");
        mac.update(head.as_bytes());
        format!(
            "{head}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    };
    let forged = [
        ("alg none", none),
        ("RS256 header, HMAC signature", confused),
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

/// The cookies an answer sets, by name: the value and the attributes as sent.
fn set_cookies(
    resp: &reqwest::Response,
) -> std::collections::HashMap<String, (String, Vec<String>)> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|line| {
            let mut parts = line.split(';').map(|p| p.trim().to_owned());
            let first = parts.next().unwrap_or_default();
            let (name, value) = first.split_once('=').unwrap_or((first.as_str(), ""));
            (name.to_owned(), (value.to_owned(), parts.collect()))
        })
        .collect()
}

/// A browser's cookie session: the two cookie values.
#[derive(Debug, Clone)]
struct Browser {
    refresh: String,
    csrf: String,
}

impl Browser {
    fn from(resp: &reqwest::Response) -> Self {
        let cookies = set_cookies(resp);
        Self {
            refresh: cookies["afftok_refresh"].0.clone(),
            csrf: cookies["afftok_csrf"].0.clone(),
        }
    }

    fn cookie_header(&self) -> String {
        format!("afftok_refresh={}; afftok_csrf={}", self.refresh, self.csrf)
    }
}

/// Posts `{}` to `path` with the browser's cookies and `csrf` as `X-CSRF-Token` (if any).
async fn with_cookies(
    app: &crate::helpers::TestApp,
    path: &str,
    browser: &Browser,
    csrf: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .post(path)
        .header("cookie", browser.cookie_header())
        .json(&json!({}));
    if let Some(csrf) = csrf {
        req = req.header("x-csrf-token", csrf);
    }
    req.send().await.expect("request")
}

async fn cookie_login(app: &crate::helpers::TestApp, email: &str) -> reqwest::Response {
    app.post("/v1/auth/login")
        .json(&json!({"email": email, "password": PASSWORD, "session": "cookie"}))
        .send()
        .await
        .expect("request")
}

fn assert_cleared(resp: &reqwest::Response) {
    let cookies = set_cookies(resp);
    for (name, path) in [
        ("afftok_refresh", "Path=/v1/auth"),
        ("afftok_csrf", "Path=/"),
    ] {
        let (value, attributes) = cookies
            .get(name)
            .unwrap_or_else(|| panic!("{name} cleared"));
        assert_eq!(value, "", "{name}");
        assert!(
            attributes.iter().any(|a| a == "Max-Age=0"),
            "{name}: {attributes:?}"
        );
        assert!(
            attributes.iter().any(|a| a == path),
            "{name}: {attributes:?}"
        );
    }
}

#[tokio::test]
async fn cookie_login_sets_both_cookies_and_answers_no_refresh_token() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let resp = cookie_login(&app, &pat.email).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let cookies = set_cookies(&resp);
    let (refresh, attributes) = &cookies["afftok_refresh"];
    assert!(refresh.starts_with("afr_"), "{refresh}");
    for a in [
        "Path=/v1/auth",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Max-Age=2592000",
    ] {
        assert!(attributes.iter().any(|x| x == a), "{a}: {attributes:?}");
    }
    let (csrf, attributes) = &cookies["afftok_csrf"];
    assert_eq!(URL_SAFE_NO_PAD.decode(csrf).expect("base64url").len(), 32);
    for a in ["Path=/", "Secure", "SameSite=Strict", "Max-Age=2592000"] {
        assert!(attributes.iter().any(|x| x == a), "{a}: {attributes:?}");
    }
    assert!(
        !attributes.iter().any(|x| x == "HttpOnly"),
        "scripts read it"
    );
    let session: Value = resp.json().await.expect("json");
    assert!(session.get("refresh_token").is_none(), "{session}");
    assert_eq!(session["token_type"], "Bearer");
    let token = session["access_token"].as_str().expect("access token");
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );

    // Token mode (the default, and named) is unchanged: no cookies.
    for body in [
        json!({"email": pat.email, "password": PASSWORD}),
        json!({"email": pat.email, "password": PASSWORD, "session": "token"}),
    ] {
        let resp = app
            .post("/v1/auth/login")
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().get("set-cookie").is_none());
        let session: Value = resp.json().await.expect("json");
        assert!(session["refresh_token"].as_str().is_some(), "{session}");
    }
    let bad = app
        .post("/v1/auth/login")
        .json(&json!({"email": pat.email, "password": PASSWORD, "session": "jar"}))
        .send()
        .await
        .expect("request");
    problem(bad, 400, "invalid_body").await;
    // Wrong password in cookie mode: no cookies.
    let wrong = app
        .post("/v1/auth/login")
        .json(&json!({"email": pat.email, "password": "wrong password!", "session": "cookie"}))
        .send()
        .await
        .expect("request");
    assert!(wrong.headers().get("set-cookie").is_none());
    problem(wrong, 401, "unauthorized").await;
}

#[tokio::test]
async fn register_in_cookie_mode() {
    let app = spawn_app().await;
    let resp = app
        .post("/v1/auth/register")
        .json(
            &json!({"role": "advertiser", "email": "ann@adv.test", "password": PASSWORD,
                      "display_name": "Ann", "company_name": "Ann Co", "session": "cookie"}),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let browser = Browser::from(&resp);
    let session: Value = resp.json().await.expect("json");
    assert!(session.get("refresh_token").is_none(), "{session}");
    assert_eq!(session["user"]["advertiser"]["name"], "Ann Co");
    let refreshed = with_cookies(&app, "/v1/auth/refresh", &browser, Some(&browser.csrf)).await;
    assert_eq!(refreshed.status(), 200);
}

#[tokio::test]
async fn cookie_refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let first = Browser::from(&cookie_login(&app, &pat.email).await);

    let resp = with_cookies(&app, "/v1/auth/refresh", &first, Some(&first.csrf)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let second = Browser::from(&resp);
    assert_ne!(second.refresh, first.refresh, "rotated");
    assert_ne!(second.csrf, first.csrf, "a new CSRF token too");
    let cookies = set_cookies(&resp);
    assert!(cookies["afftok_refresh"].1.iter().any(|a| a == "HttpOnly"));
    let session: Value = resp.json().await.expect("json");
    assert!(session.get("refresh_token").is_none(), "{session}");
    let token = session["access_token"].as_str().expect("access");
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );

    // The old cookie again (with a CSRF pair that matches): reuse, the cookies are cleared
    // and the whole family is revoked, the fresh token included.
    let stale = Browser {
        refresh: first.refresh.clone(),
        csrf: second.csrf.clone(),
    };
    let reuse = with_cookies(&app, "/v1/auth/refresh", &stale, Some(&stale.csrf)).await;
    assert_cleared(&reuse);
    let body = problem(reuse, 401, "unauthorized").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("already used"),
        "{body}"
    );
    let after = with_cookies(&app, "/v1/auth/refresh", &second, Some(&second.csrf)).await;
    problem(after, 401, "unauthorized").await;

    // A refresh token from a cookie session works in the body too (it is the same token),
    // and the body wins over cookies: the answer is a token-mode one.
    let third = Browser::from(&cookie_login(&app, &pat.email).await);
    let resp = app
        .post("/v1/auth/refresh")
        .header("cookie", "afftok_refresh=afr_ignored; afftok_csrf=x")
        .json(&json!({"refresh_token": third.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("set-cookie").is_none());
    let session: Value = resp.json().await.expect("json");
    assert!(session["refresh_token"].as_str().is_some(), "{session}");
}

#[tokio::test]
async fn cookie_refresh_needs_the_csrf_header() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let browser = Browser::from(&cookie_login(&app, &pat.email).await);
    for (what, csrf) in [("missing", None), ("wrong", Some("not-the-token"))] {
        for path in ["/v1/auth/refresh", "/v1/auth/logout"] {
            let resp = with_cookies(&app, path, &browser, csrf).await;
            assert!(resp.headers().get("set-cookie").is_none());
            let body = problem(resp, 403, "csrf_failed").await;
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("X-CSRF-Token"),
                "{what}: {body}"
            );
        }
    }
    // The header without the CSRF cookie (another site cannot read it to copy it).
    let resp = app
        .post("/v1/auth/refresh")
        .header("cookie", format!("afftok_refresh={}", browser.refresh))
        .header("x-csrf-token", &browser.csrf)
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    problem(resp, 403, "csrf_failed").await;
    // No cookie and no body token: 401 saying what to send.
    for path in ["/v1/auth/refresh", "/v1/auth/logout"] {
        let resp = app
            .post(path)
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        let body = problem(resp, 401, "unauthorized").await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("refresh_token"),
            "{body}"
        );
    }
    // Unknown fields are still refused.
    let resp = app
        .post("/v1/auth/refresh")
        .json(&json!({"token": "x"}))
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_body").await;
    // The refused attempts used nothing up: the right header still works.
    let ok = with_cookies(&app, "/v1/auth/refresh", &browser, Some(&browser.csrf)).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn cookie_logout_clears_the_cookies_and_ends_the_session() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await;
    let browser = Browser::from(&cookie_login(&app, &pat.email).await);
    let out = with_cookies(&app, "/v1/auth/logout", &browser, Some(&browser.csrf)).await;
    assert_eq!(out.status(), 204);
    assert_cleared(&out);
    let refresh = with_cookies(&app, "/v1/auth/refresh", &browser, Some(&browser.csrf)).await;
    assert_cleared(&refresh);
    problem(refresh, 401, "unauthorized").await;
    // Token-mode logout sets no cookies.
    let out = app
        .post("/v1/auth/logout")
        .json(&json!({"refresh_token": pat.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    assert!(out.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn logout_all_ends_every_session_of_the_caller() {
    let app = spawn_app().await;
    let pat = app.promoter("pat").await; // session A (token)
    let b = app.login(&pat.email, PASSWORD).await; // session B (token)
    let rotated: Value = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": b.refresh}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let b2 = rotated["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let browser = Browser::from(&cookie_login(&app, &pat.email).await); // session C (cookie)
    let other = app.promoter("other").await;

    // API keys cannot end sessions.
    let key: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&pat.token)
        .json(&json!({"name": "server", "scopes": ["links:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let resp = app
        .post("/v1/auth/logout-all")
        .bearer_auth(key["key"].as_str().expect("key"))
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    problem(
        app.post("/v1/auth/logout-all")
            .send()
            .await
            .expect("request"),
        401,
        "unauthorized",
    )
    .await;

    let out = app
        .post("/v1/auth/logout-all")
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request");
    assert_eq!(out.status(), 204);
    assert_cleared(&out);

    for (what, token) in [
        ("A", &pat.refresh),
        ("B2", &b2),
        ("C in the body", &browser.refresh),
    ] {
        let resp = app
            .post("/v1/auth/refresh")
            .json(&json!({"refresh_token": token}))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 401, "{what}");
    }
    let resp = with_cookies(&app, "/v1/auth/refresh", &browser, Some(&browser.csrf)).await;
    problem(resp, 401, "unauthorized").await;
    // Access tokens already issued live out their short lifetime.
    assert_eq!(
        app.get("/v1/me")
            .bearer_auth(&pat.token)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    // Other users' sessions are untouched; signing in again works.
    let resp = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": other.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    let again = app.login(&pat.email, PASSWORD).await;
    let resp = app
        .post("/v1/auth/refresh")
        .json(&json!({"refresh_token": again.refresh}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn secure_can_be_dropped_for_plain_http_hosts() {
    let app = crate::helpers::spawn_with(crate::helpers::Options {
        env: vec![("AFFTOK_SECURE_COOKIES", "false".to_owned())],
        ..Default::default()
    })
    .await;
    let pat = app.promoter("pat").await;
    let resp = cookie_login(&app, &pat.email).await;
    let cookies = set_cookies(&resp);
    assert_eq!(cookies.len(), 2);
    for (name, (_, attributes)) in &cookies {
        assert!(!attributes.iter().any(|a| a == "Secure"), "{name}");
        assert!(attributes.iter().any(|a| a == "SameSite=Strict"), "{name}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_cookie_sessions() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/openapi.json")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let schemas = &doc["components"]["schemas"];
    let required = |schema: &str| -> Vec<String> {
        schemas[schema]["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(!required("Session").contains(&"refresh_token".to_owned()));
    assert!(required("Session").contains(&"access_token".to_owned()));
    assert!(!required("RefreshRequest").contains(&"refresh_token".to_owned()));
    for request in ["LoginRequest", "RegisterRequest"] {
        assert!(
            !required(request).contains(&"session".to_owned()),
            "{request}"
        );
        assert!(
            schemas[request]["properties"].get("session").is_some(),
            "{request}"
        );
    }
    assert_eq!(schemas["SessionMode"]["enum"], json!(["token", "cookie"]));
    assert!(doc["paths"]["/v1/auth/logout-all"]["post"].is_object());
}
