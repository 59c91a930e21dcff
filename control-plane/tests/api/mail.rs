//! Email verification and password resets, through a real SMTP server (aiosmtpd, started by
//! each test from tests/smtp_server.py on a port of its own), the `.eml` directory of
//! AFFTOK_MAIL_DIR, and `afftok serve` itself where its logs are read.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

use crate::cli::afftok;
use crate::helpers::{
    JWT_SECRET, KEK_B64, Options, PASSWORD, TestApp, fresh_database, problem, spawn_with,
    wait_until,
};

const PUBLIC_URL: &str = "https://app.afftok.test";
const NEW_PASSWORD: &str = "a much better passphrase";

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("afftok-{what}-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Python with the aiosmtpd that scripts/test installs into the tools folder.
fn python() -> Command {
    let tools = std::env::var("AFFTOK_TOOLS").unwrap_or_else(|_| {
        format!(
            "{}/.cache/afftok/tools",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let path = match std::env::var("PYTHONPATH") {
        Ok(p) if !p.is_empty() => format!("{tools}/python:{p}"),
        _ => format!("{tools}/python"),
    };
    let mut cmd = Command::new("python3");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_server.py"))
        .env("PYTHONPATH", path);
    cmd
}

/// The test SMTP server; stopped when dropped.
struct SmtpServer {
    _child: Child,
    port: u16,
    inbox: TempDir,
}

impl SmtpServer {
    /// Starts it on `port` (0: any free port), requiring `auth` (user, password) if given.
    async fn start(port: u16, auth: Option<(&str, &str)>) -> Self {
        let inbox = TempDir::new("inbox");
        let mut cmd = python();
        cmd.args(["serve", "--port", &port.to_string(), "--dir"])
            .arg(&inbox.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some((user, password)) = auth {
            cmd.args(["--user", user, "--password", password]);
        }
        let mut child = cmd.spawn().expect("python3 runs");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        let read = tokio::time::timeout(
            Duration::from_secs(20),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await;
        let port = match (read, line.trim().parse::<u16>()) {
            (Ok(Ok(_)), Ok(port)) => port,
            _ => {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(2),
                        stderr.read_to_string(&mut err),
                    )
                    .await;
                }
                panic!(
                    "the test SMTP server did not start (is aiosmtpd installed? scripts/lib.sh \
                     ensure_aiosmtpd installs it): {err}"
                );
            }
        };
        Self {
            _child: child,
            port,
            inbox,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits until `n` mails have arrived; returns them in arrival order.
    async fn wait_for(&self, n: usize) -> Vec<Mail> {
        wait_for_eml(&self.inbox.0, n).await
    }
}

/// A mail as the recipient reads it.
#[derive(Debug, Clone)]
struct Mail {
    file: PathBuf,
    to: String,
    subject: String,
    body: String,
}

impl Mail {
    /// The token of the link to `{PUBLIC_URL}/{page}?token=`.
    fn token(&self, public_url: &str, page: &str) -> String {
        let prefix = format!("{public_url}/{page}?token=");
        let start = self
            .body
            .find(&prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in {}", self.body))
            + prefix.len();
        self.body[start..]
            .split_whitespace()
            .next()
            .expect("a token")
            .to_owned()
    }
}

/// The `.eml` files in `dir`, by name.
fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "eml")
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

async fn wait_for_eml(dir: &Path, n: usize) -> Vec<Mail> {
    wait_until(
        &format!("{n} mail(s) arrive in {}", dir.display()),
        async || eml_files(dir).len() >= n,
    )
    .await;
    let mut mails = Vec::new();
    for file in eml_files(dir) {
        mails.push(read_mail(&file).await);
    }
    mails
}

/// Decodes a mail (headers, transfer encodings) the way a mail reader does.
async fn read_mail(file: &Path) -> Mail {
    let out = python()
        .arg("read")
        .arg(file)
        .output()
        .await
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("mail as JSON");
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Mail {
        file: file.to_owned(),
        to: text("to"),
        subject: text("subject"),
        body: text("body"),
    }
}

/// The mail settings of a test app: fast polling and retries, links to PUBLIC_URL.
fn mail_env(extra: Vec<(&'static str, String)>) -> Options {
    let mut env = vec![
        ("AFFTOK_PUBLIC_URL", PUBLIC_URL.to_owned()),
        ("AFFTOK_MAIL_POLL_INTERVAL_MS", "50".to_owned()),
        ("AFFTOK_MAIL_RETRY_MS", "100".to_owned()),
    ];
    env.extend(extra);
    Options {
        env,
        ..Options::default()
    }
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.get_json("/v1/me", token).await["user"].clone()
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.post(path).json(&body).send().await.expect("request")
}

/// The body of the last mail recorded for `recipient` (mail disabled: it waits there).
async fn outbox_body(app: &TestApp, recipient: &str) -> String {
    sqlx::query_scalar::<_, Option<String>>(
        "SELECT body FROM mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(recipient)
    .fetch_one(&app.db)
    .await
    .expect("a mail in the outbox")
    .expect("its body")
}

fn token_in(body: &str, page: &str) -> String {
    Mail {
        file: PathBuf::new(),
        to: String::new(),
        subject: String::new(),
        body: body.to_owned(),
    }
    .token(PUBLIC_URL, page)
}

#[tokio::test]
async fn sign_up_mails_a_link_that_verifies_the_email_once() {
    let smtp = SmtpServer::start(0, None).await;
    let app = spawn_with(mail_env(vec![("AFFTOK_SMTP_URL", smtp.url())])).await;

    let resp = post(
        &app,
        "/v1/auth/register",
        json!({"role": "promoter", "email": "Sam@Promo.test", "password": PASSWORD,
               "display_name": "Sam"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let session: Value = resp.json().await.expect("json");
    assert_eq!(session["user"]["email_verified"], false);
    let access = session["access_token"].as_str().expect("token").to_owned();
    assert_eq!(me(&app, &access).await["email_verified"], false);

    let mails = smtp.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, "Sam@Promo.test");
    assert!(mail.subject.starts_with("Confirm your email"), "{mail:?}");
    assert!(mail.subject.contains("أكّد"), "{mail:?}");
    assert!(mail.body.contains("Hello Sam,"), "{mail:?}");
    assert!(mail.body.contains("مرحبًا Sam"), "{mail:?}");
    assert!(mail.body.contains("48 hours"), "{mail:?}");
    let token = mail.token(PUBLIC_URL, "verify-email");

    // Sent: the body (and the token in it) is gone from the database.
    let (sent, body): (bool, Option<String>) =
        sqlx::query_as("SELECT sent_at IS NOT NULL, body FROM mail_outbox")
            .fetch_one(&app.db)
            .await
            .expect("outbox row");
    assert!(sent);
    assert_eq!(body, None);

    let resp = post(&app, "/v1/auth/email/verify", json!({"token": token})).await;
    assert_eq!(resp.status(), 200);
    let user: Value = resp.json().await.expect("json");
    assert_eq!(user["email_verified"], true);
    assert_eq!(user["id"], session["user"]["id"]);
    assert_eq!(me(&app, &access).await["email_verified"], true);

    // A link works once; a made-up one never.
    let again = post(&app, "/v1/auth/email/verify", json!({"token": token})).await;
    let body = problem(again, 400, "invalid_token").await;
    assert_eq!(
        body["detail"],
        "the link has expired or was already used: ask for a new one"
    );
    for made_up in [String::new(), "x".repeat(43), "y".repeat(1000)] {
        let resp = post(&app, "/v1/auth/email/verify", json!({"token": made_up})).await;
        problem(resp, 400, "invalid_token").await;
    }
    let resp = post(&app, "/v1/auth/email/verify", json!({})).await;
    problem(resp, 400, "invalid_body").await;
    // A reset token does not verify, nor a verification token reset.
    let resp = post(
        &app,
        "/v1/auth/password/reset",
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    problem(resp, 400, "invalid_token").await;
}

#[tokio::test]
async fn expired_links_are_refused() {
    // Mail disabled: the mails wait in the outbox, where the test reads them.
    let app = spawn_with(mail_env(Vec::new())).await;
    let promoter = app.promoter("late").await;
    let token = token_in(&outbox_body(&app, &promoter.email).await, "verify-email");
    sqlx::query("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .expect("expire");
    let resp = post(&app, "/v1/auth/email/verify", json!({"token": token})).await;
    problem(resp, 400, "invalid_token").await;
    assert_eq!(me(&app, &promoter.token).await["email_verified"], false);

    let resp = post(
        &app,
        "/v1/auth/password/forgot",
        json!({"email": promoter.email}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    wait_until("the reset mail is recorded", async || {
        outbox_body(&app, &promoter.email)
            .await
            .contains("/reset-password?token=")
    })
    .await;
    let token = token_in(&outbox_body(&app, &promoter.email).await, "reset-password");
    sqlx::query(
        "UPDATE account_tokens SET expires_at = now() - interval '1 second'
         WHERE purpose = 'reset_password'",
    )
    .execute(&app.db)
    .await
    .expect("expire");
    let resp = post(
        &app,
        "/v1/auth/password/reset",
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    problem(resp, 400, "invalid_token").await;
    app.login(&promoter.email, PASSWORD).await;
}

#[tokio::test]
async fn resend_mails_a_new_link_once_a_minute() {
    let smtp = SmtpServer::start(0, None).await;
    let app = spawn_with(mail_env(vec![("AFFTOK_SMTP_URL", smtp.url())])).await;
    let adv = app.advertiser("resend").await;
    smtp.wait_for(1).await;

    let resend = || async {
        app.post("/v1/auth/email/resend")
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
    };
    assert_eq!(resend().await.status(), 202);
    let mails = smtp.wait_for(2).await;
    let (first, second) = (
        mails[0].token(PUBLIC_URL, "verify-email"),
        mails[1].token(PUBLIC_URL, "verify-email"),
    );
    assert_ne!(first, second);
    assert_eq!(mails[1].to, adv.email);

    let limited = resend().await;
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    problem(limited, 429, "rate_limited").await;

    // Any live link verifies; then the others are spent, and resending is pointless.
    let resp = post(&app, "/v1/auth/email/verify", json!({"token": second})).await;
    assert_eq!(resp.status(), 200);
    let resp = post(&app, "/v1/auth/email/verify", json!({"token": first})).await;
    problem(resp, 400, "invalid_token").await;
    problem(resend().await, 409, "already_verified").await;

    // Without credentials: 401; an API key cannot ask for mail.
    let resp = app
        .post("/v1/auth/email/resend")
        .send()
        .await
        .expect("request");
    problem(resp, 401, "unauthorized").await;
    let key: Value = app
        .post("/v1/api-keys")
        .bearer_auth(&adv.token)
        .json(&json!({"name": "server", "scopes": ["offers:read"]}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let resp = app
        .post("/v1/auth/email/resend")
        .bearer_auth(key["key"].as_str().expect("key"))
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
}

#[tokio::test]
async fn a_reset_link_changes_the_password_and_ends_every_session() {
    let smtp = SmtpServer::start(0, None).await;
    let app = spawn_with(mail_env(vec![("AFFTOK_SMTP_URL", smtp.url())])).await;
    let promoter = app.promoter("forgetful").await;
    smtp.wait_for(1).await;
    let other_session = app.login(&promoter.email, PASSWORD).await;

    // Unknown and known emails get the same answer; only the known one gets a mail.
    for email in ["nobody@promo.test", promoter.email.as_str()] {
        let resp = post(&app, "/v1/auth/password/forgot", json!({"email": email})).await;
        assert_eq!(resp.status(), 202);
        assert_eq!(resp.text().await.expect("body"), "");
    }
    let resp = post(
        &app,
        "/v1/auth/password/forgot",
        json!({"email": "not an email"}),
    )
    .await;
    problem(resp, 422, "validation_failed").await;
    let mails = smtp.wait_for(2).await;
    let mail = &mails[1];
    assert_eq!(mail.to, promoter.email);
    assert!(
        mail.subject.starts_with("Reset your AffTok password"),
        "{mail:?}"
    );
    assert!(mail.body.contains("1 hour"), "{mail:?}");
    let unknown: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM mail_outbox WHERE recipient = 'nobody@promo.test'",
    )
    .fetch_one(&app.db)
    .await
    .expect("count");
    assert_eq!(unknown, 0);
    let token = mail.token(PUBLIC_URL, "reset-password");

    // Too weak: refused before the token is spent.
    let resp = post(
        &app,
        "/v1/auth/password/reset",
        json!({"token": token, "password": "short"}),
    )
    .await;
    problem(resp, 422, "validation_failed").await;
    let resp = post(
        &app,
        "/v1/auth/password/reset",
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(resp.status(), 204);
    let resp = post(
        &app,
        "/v1/auth/password/reset",
        json!({"token": token, "password": "yet another passphrase"}),
    )
    .await;
    problem(resp, 400, "invalid_token").await;

    // The old password is refused, the new one works; every earlier session has ended.
    let resp = post(
        &app,
        "/v1/auth/login",
        json!({"email": promoter.email, "password": PASSWORD}),
    )
    .await;
    problem(resp, 401, "unauthorized").await;
    let fresh = app.login(&promoter.email, NEW_PASSWORD).await;
    for refresh in [&promoter.refresh, &other_session.refresh] {
        let resp = post(&app, "/v1/auth/refresh", json!({"refresh_token": refresh})).await;
        problem(resp, 401, "unauthorized").await;
    }
    // The link reached the account's mailbox: the email counts as verified.
    assert_eq!(me(&app, &fresh.token).await["email_verified"], true);
}

#[tokio::test]
async fn mail_waits_for_the_smtp_server_and_goes_out_when_it_is_up() {
    // A port nothing listens on (yet).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let app = spawn_with(mail_env(vec![(
        "AFFTOK_SMTP_URL",
        format!("smtp://127.0.0.1:{port}"),
    )]))
    .await;
    let promoter = app.promoter("patient").await;
    wait_until("the mail has failed twice", async || {
        sqlx::query_scalar::<_, i32>(
            "SELECT attempts FROM mail_outbox WHERE last_error IS NOT NULL AND sent_at IS NULL",
        )
        .fetch_optional(&app.db)
        .await
        .expect("outbox")
        .is_some_and(|attempts| attempts >= 2)
    })
    .await;

    let smtp = SmtpServer::start(port, None).await;
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, promoter.email);
    let token = mails[0].token(PUBLIC_URL, "verify-email");
    wait_until("the mail is recorded as sent", async || {
        sqlx::query_scalar::<_, bool>(
            "SELECT sent_at IS NOT NULL AND body IS NULL AND last_error IS NULL FROM mail_outbox",
        )
        .fetch_one(&app.db)
        .await
        .expect("outbox")
    })
    .await;
    let resp = post(&app, "/v1/auth/email/verify", json!({"token": token})).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_email_can_be_required_to_submit_and_join() {
    let app = spawn_with(mail_env(vec![(
        "AFFTOK_REQUIRE_VERIFIED_EMAIL",
        "true".to_owned(),
    )]))
    .await;
    let admin = app.admin().await;
    assert_eq!(me(&app, &admin.token).await["email_verified"], true);
    app.signing_key(true).await;
    let adv = app.advertiser("strict").await;
    // Signing in and drafting need no verified email; submitting does.
    let offer = app.create_offer(&adv, json!({})).await;
    let id = offer["id"].as_i64().expect("id");
    let submit = || async {
        app.post(&format!("/v1/offers/{id}/submit"))
            .bearer_auth(&adv.token)
            .send()
            .await
            .expect("request")
    };
    let body = problem(submit().await, 403, "email_unverified").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("/v1/auth/email/resend")),
        "{body}"
    );

    // An operator verifies it by hand.
    let (code, out, err) = afftok(
        &app.db_url,
        &[
            "admin",
            "verify-email",
            "--email",
            &adv.email.to_uppercase(),
        ],
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("email verified"), "{out}");
    let (code, out, _) = afftok(
        &app.db_url,
        &["admin", "verify-email", "--email", &adv.email],
        "",
    );
    assert_eq!(code, 0);
    assert!(out.contains("already verified"), "{out}");
    let (code, _, err) = afftok(
        &app.db_url,
        &["admin", "verify-email", "--email", "nobody@adv.test"],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("no account"), "{err}");
    assert_eq!(submit().await.status(), 200);
    let resp = app
        .post(&format!("/v1/admin/offers/{id}/approve"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);

    let promoter = app.promoter("strict").await;
    let join = || async {
        app.post(&format!("/v1/marketplace/offers/{id}/join"))
            .bearer_auth(&promoter.token)
            .send()
            .await
            .expect("request")
    };
    problem(join().await, 403, "email_unverified").await;
    let token = token_in(&outbox_body(&app, &promoter.email).await, "verify-email");
    let resp = post(&app, "/v1/auth/email/verify", json!({"token": token})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(join().await.status(), 201);
}

/// `afftok serve` as a process, with its logs kept; stopped when dropped.
struct Served {
    child: Child,
    base: String,
    logs: Arc<Mutex<String>>,
    reader: Option<tokio::task::JoinHandle<()>>,
    db_url: String,
}

impl Served {
    async fn start(mail: &[(&str, String)]) -> Self {
        let (_, db_url) = fresh_database().await;
        let prefix = format!("afftok-test:{}:", Uuid::new_v4().simple());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_afftok"));
        cmd.arg("serve")
            .env_remove("AFFTOK_CONFIG")
            .env("DATABASE_URL", &db_url)
            .env(
                "REDIS_URL",
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            )
            .env("AFFTOK_LISTEN", "127.0.0.1:0")
            .env("AFFTOK_REDIS_KEY_PREFIX", &prefix)
            .env("AFFTOK_EVENT_STREAM", format!("{prefix}events"))
            .env("AFFTOK_KV_PREFIX", format!("{prefix}kv:"))
            .env("AFFTOK_EDGE_TARGETS", "none")
            .env("AFFTOK_INGEST_SECRET", "test-ingest-secret")
            .env("AFFTOK_JWT_SECRET", JWT_SECRET)
            .env("AFFTOK_KEY_ENCRYPTION_KEY", KEK_B64)
            .env("AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE", "100000")
            .env("AFFTOK_PUBLIC_URL", PUBLIC_URL)
            .env("AFFTOK_MAIL_POLL_INTERVAL_MS", "50")
            .env("AFFTOK_LOG_FORMAT", "json")
            // Everything the control plane logs, requests included.
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (var, value) in mail {
            cmd.env(var, value);
        }
        let mut child = cmd.spawn().expect("afftok serve runs");
        let logs = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let kept = logs.clone();
        let reader = tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut logs) = kept.lock() {
                    logs.push_str(&line);
                    logs.push('\n');
                }
            }
        });
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        let _ = tokio::time::timeout(
            Duration::from_secs(60),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await;
        let base = line
            .trim()
            .strip_prefix("afftok listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "afftok serve did not start: {line}{}",
                    logs.lock().map(|l| l.clone()).unwrap_or_default()
                )
            })
            .to_owned();
        Self {
            child,
            base,
            logs,
            reader: Some(reader),
            db_url,
        }
    }

    /// What it logged so far.
    fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Stops the service; returns everything it logged.
    async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        if let Some(reader) = self.reader.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), reader).await;
        }
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// Calls the service, keeping every answer (status, headers and body) in `seen`.
async fn call(
    http: &reqwest::Client,
    served: &Served,
    seen: &mut String,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut req = http.post(format!("{}{path}", served.base)).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    seen.push_str(&format!("{status} {:?}\n", resp.headers()));
    let text = resp.text().await.expect("body");
    seen.push_str(&text);
    seen.push('\n');
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn secrets_stay_out_of_logs_and_answers() {
    const SMTP_PASSWORD: &str = "smtp-pass-9f2c41e7";
    let smtp = SmtpServer::start(0, Some(("afftok", SMTP_PASSWORD))).await;
    let served = Served::start(&[(
        "AFFTOK_SMTP_URL",
        format!("smtp://afftok:{SMTP_PASSWORD}@127.0.0.1:{}", smtp.port),
    )])
    .await;
    let http = reqwest::Client::new();
    let mut seen = String::new();
    let email = "secret-keeper@promo.test";

    let (status, session) = call(
        &http,
        &served,
        &mut seen,
        "/v1/auth/register",
        None,
        json!({"role": "promoter", "email": email, "password": PASSWORD, "display_name": "Keeper"}),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    // The SMTP server took the mail only after AUTH with the password.
    let verify_token = smtp.wait_for(1).await[0].token(PUBLIC_URL, "verify-email");
    let (status, _) = call(
        &http,
        &served,
        &mut seen,
        "/v1/auth/email/verify",
        None,
        json!({"token": verify_token}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &http,
        &served,
        &mut seen,
        "/v1/auth/password/forgot",
        None,
        json!({"email": email}),
    )
    .await;
    assert_eq!(status, 202);
    let reset_token = smtp.wait_for(2).await[1].token(PUBLIC_URL, "reset-password");
    for _ in 0..2 {
        call(
            &http,
            &served,
            &mut seen,
            "/v1/auth/password/reset",
            None,
            json!({"token": reset_token, "password": NEW_PASSWORD}),
        )
        .await;
    }
    call(
        &http,
        &served,
        &mut seen,
        "/v1/auth/email/resend",
        session["access_token"].as_str(),
        json!({}),
    )
    .await;
    let db_url = served.db_url.clone();
    let logs = served.stop().await;

    assert!(logs.contains("mail sent"), "{logs}");
    for secret in [SMTP_PASSWORD, verify_token.as_str(), reset_token.as_str()] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
        assert!(!seen.contains(secret), "{secret} in an answer:\n{seen}");
    }
    // Nor in the database: sent mails lose their bodies, tokens are kept as hashes.
    let db = sqlx::PgPool::connect(&db_url).await.expect("database");
    let bodies: i64 = sqlx::query_scalar("SELECT count(body) FROM mail_outbox")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(bodies, 0);
    let errors: Vec<Option<String>> = sqlx::query_scalar("SELECT last_error FROM mail_outbox")
        .fetch_all(&db)
        .await
        .expect("errors");
    assert!(
        errors.iter().flatten().all(|e| !e.contains(SMTP_PASSWORD)),
        "{errors:?}"
    );
}

#[tokio::test]
async fn without_smtp_mails_are_written_to_the_mail_directory() {
    let dir = TempDir::new("maildir");
    let maildir = dir.0.join("mail");
    let served = Served::start(&[("AFFTOK_MAIL_DIR", maildir.display().to_string())]).await;
    let http = reqwest::Client::new();
    let mut seen = String::new();
    let email = "reader@promo.test";
    let (status, _) = call(
        &http,
        &served,
        &mut seen,
        "/v1/auth/register",
        None,
        json!({"role": "promoter", "email": email, "password": PASSWORD, "display_name": "Reader"}),
    )
    .await;
    assert_eq!(status, 201);
    let mails = wait_for_eml(&maildir, 1).await;
    let mail = &mails[0];
    assert_eq!(mail.to, email);
    let token = mail.token(PUBLIC_URL, "verify-email");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&mail.file)
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only its owner reads a mail: {mode:o}");
    }
    let (status, user) = call(
        &http,
        &served,
        &mut seen,
        "/v1/auth/email/verify",
        None,
        json!({"token": token}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(user["email_verified"], true);
    let logs = served.stop().await;
    let name = mail
        .file
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        logs.lines()
            .any(|l| l.contains("mail written to a file") && l.contains(&name)),
        "a log line names {name}:\n{logs}"
    );
    assert!(!logs.contains(&token), "the token in the logs:\n{logs}");
}

#[tokio::test]
async fn without_smtp_or_a_directory_mail_is_disabled_with_a_warning() {
    let served = Served::start(&[]).await;
    wait_until("serve warns that mail is disabled", async || {
        served.logs().contains("mail is disabled")
    })
    .await;
    served.stop().await;
}
