//! Settings: `config/defaults.toml` (built in), then the file named by `AFFTOK_CONFIG` if
//! any, then environment variables (each setting's variable is listed in the defaults file).
//! Everything is checked at start-up, so a bad setting stops `afftok serve` with a message
//! naming it instead of failing later.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../config/defaults.toml");

/// Where each environment variable goes, and what it holds.
const ENV: &[(&str, &str, Kind)] = &[
    ("AFFTOK_LISTEN", "listen", Kind::Text),
    ("DATABASE_URL", "database_url", Kind::Text),
    ("REDIS_URL", "redis_url", Kind::Text),
    ("AFFTOK_EVENT_STREAM", "event_stream", Kind::Text),
    ("AFFTOK_REDIS_KEY_PREFIX", "redis_key_prefix", Kind::Text),
    (
        "AFFTOK_REDIS_CALL_TIMEOUT_MS",
        "redis_call_timeout_ms",
        Kind::Integer,
    ),
    ("AFFTOK_STREAM_GROUP", "stream_group", Kind::Text),
    (
        "AFFTOK_ATTRIBUTION_WAIT_SECS",
        "attribution_wait_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_STREAM_CLAIM_IDLE_MS",
        "stream_claim_idle_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_STATS_FOLD_INTERVAL_MS",
        "stats_fold_interval_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_EVENTS_POLL_INTERVAL_MS",
        "events_poll_interval_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_EVENTS_RETENTION_HOURS",
        "events_retention_hours",
        Kind::Integer,
    ),
    ("AFFTOK_INGEST_SECRET", "ingest_secret", Kind::Text),
    ("AFFTOK_JWT_SECRET", "jwt_secret", Kind::Text),
    (
        "AFFTOK_KEY_ENCRYPTION_KEY",
        "key_encryption_key",
        Kind::Text,
    ),
    ("AFFTOK_EDGE_BASE_URL", "edge_base_url", Kind::Text),
    ("AFFTOK_LOG_FORMAT", "log_format", Kind::Text),
    ("AFFTOK_CLIENT_IP_HEADER", "client_ip_header", Kind::Text),
    ("AFFTOK_MAX_BODY_BYTES", "max_body_bytes", Kind::Integer),
    ("AFFTOK_JWT_ISSUER", "jwt.issuer", Kind::Text),
    ("AFFTOK_JWT_AUDIENCE", "jwt.audience", Kind::Text),
    (
        "AFFTOK_ACCESS_TOKEN_TTL_SECS",
        "jwt.access_token_ttl_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_REFRESH_TOKEN_TTL_SECS",
        "jwt.refresh_token_ttl_secs",
        Kind::Integer,
    ),
    ("AFFTOK_EDGE_TARGETS", "edge_push.targets", Kind::Text),
    ("AFFTOK_KV_PREFIX", "edge_push.kv_prefix", Kind::Text),
    (
        "AFFTOK_EDGE_PUSH_INTERVAL_MS",
        "edge_push.interval_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_CLOUDFLARE_API_BASE",
        "edge_push.cloudflare.api_base",
        Kind::Text,
    ),
    (
        "AFFTOK_CLOUDFLARE_ACCOUNT_ID",
        "edge_push.cloudflare.account_id",
        Kind::Text,
    ),
    (
        "AFFTOK_CLOUDFLARE_KV_NAMESPACE_ID",
        "edge_push.cloudflare.namespace_id",
        Kind::Text,
    ),
    (
        "AFFTOK_CLOUDFLARE_API_TOKEN",
        "edge_push.cloudflare.api_token",
        Kind::Text,
    ),
    ("AFFTOK_WRANGLER_DIR", "edge_push.wrangler.dir", Kind::Text),
    (
        "AFFTOK_WRANGLER_CONFIG",
        "edge_push.wrangler.config",
        Kind::Text,
    ),
    (
        "AFFTOK_WRANGLER_KV_BINDING",
        "edge_push.wrangler.binding",
        Kind::Text,
    ),
    (
        "AFFTOK_WRANGLER_PERSIST_TO",
        "edge_push.wrangler.persist_to",
        Kind::Text,
    ),
    ("AFFTOK_WRANGLER_BIN", "edge_push.wrangler.bin", Kind::Text),
    ("AFFTOK_WEB_DIR", "web.dir", Kind::Text),
    ("AFFTOK_SECURE_COOKIES", "web.secure_cookies", Kind::Bool),
    ("AFFTOK_PUBLIC_URL", "public_url", Kind::Text),
    (
        "AFFTOK_REQUIRE_VERIFIED_EMAIL",
        "require_verified_email",
        Kind::Bool,
    ),
    ("AFFTOK_SMTP_URL", "mail.smtp_url", Kind::Text),
    ("AFFTOK_MAIL_DIR", "mail.dir", Kind::Text),
    ("AFFTOK_MAIL_FROM", "mail.from", Kind::Text),
    (
        "AFFTOK_EMAIL_VERIFICATION_TTL_SECS",
        "mail.verification_ttl_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_PASSWORD_RESET_TTL_SECS",
        "mail.reset_ttl_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_MAIL_POLL_INTERVAL_MS",
        "mail.poll_interval_ms",
        Kind::Integer,
    ),
    ("AFFTOK_MAIL_RETRY_MS", "mail.retry_ms", Kind::Integer),
    ("AFFTOK_FRAUD_SCORING", "fraud.scoring", Kind::Bool),
    (
        "AFFTOK_FRAUD_FLOOD_WINDOW_SECS",
        "fraud.flood_window_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_FRAUD_CLICK_FLOOD_LIMIT",
        "fraud.click_flood_limit",
        Kind::Integer,
    ),
    (
        "AFFTOK_FRAUD_IP_FLOOD_LIMIT",
        "fraud.ip_flood_limit",
        Kind::Integer,
    ),
    (
        "AFFTOK_FRAUD_MIN_CTIT_SECS",
        "fraud.min_ctit_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_WEBHOOK_RETRY_SCHEDULE",
        "webhooks.retry_schedule",
        Kind::Text,
    ),
    (
        "AFFTOK_WEBHOOK_TIMEOUT_MS",
        "webhooks.timeout_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_WEBHOOK_DISABLE_AFTER_SECS",
        "webhooks.disable_after_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_WEBHOOK_ALLOW_HTTP",
        "webhooks.allow_http",
        Kind::Bool,
    ),
    (
        "AFFTOK_WEBHOOK_ALLOW_NETWORKS",
        "webhooks.allow_networks",
        Kind::Text,
    ),
    (
        "AFFTOK_WEBHOOK_CONCURRENCY",
        "webhooks.concurrency",
        Kind::Integer,
    ),
    (
        "AFFTOK_WEBHOOK_ENDPOINT_CONCURRENCY",
        "webhooks.endpoint_concurrency",
        Kind::Integer,
    ),
    (
        "AFFTOK_WEBHOOK_POLL_INTERVAL_MS",
        "webhooks.poll_interval_ms",
        Kind::Integer,
    ),
    ("AFFTOK_WEBHOOK_SENDER", "webhooks.sender", Kind::Bool),
    (
        "AFFTOK_WEBHOOK_LOG_RETENTION_DAYS",
        "webhooks.log_retention_days",
        Kind::Integer,
    ),
    (
        "AFFTOK_POINTS_PER_CONVERSION",
        "programme.points_per_conversion",
        Kind::Integer,
    ),
    (
        "AFFTOK_POINTS_PER_UNIQUE_CLICK",
        "programme.points_per_unique_click",
        Kind::Integer,
    ),
    (
        "AFFTOK_CLICK_POINTS_DAILY_CAP",
        "programme.click_points_daily_cap",
        Kind::Integer,
    ),
    ("AFFTOK_LEVELS", "programme.levels", Kind::Text),
    (
        "AFFTOK_TEAM_MAX_MEMBERS",
        "programme.team_max_members",
        Kind::Integer,
    ),
    (
        "AFFTOK_POINTS_CONSUMER",
        "programme.points_consumer",
        Kind::Bool,
    ),
    (
        "AFFTOK_POINTS_GATHER_MS",
        "programme.points_gather_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_CONTEST_SETTLE_SECS",
        "programme.contest_settle_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_CONTEST_TICK_MS",
        "programme.contest_tick_ms",
        Kind::Integer,
    ),
    (
        "AFFTOK_IP_RETENTION_DAYS",
        "retention.ip_days",
        Kind::Integer,
    ),
    (
        "AFFTOK_RAW_RETENTION_MONTHS",
        "retention.raw_months",
        Kind::Integer,
    ),
    (
        "AFFTOK_ASSISTANT_TIMEOUT_SECS",
        "assistant_chat.timeout_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_ASSISTANT_READ_TIMEOUT_SECS",
        "assistant_chat.read_timeout_secs",
        Kind::Integer,
    ),
    (
        "AFFTOK_ASSISTANT_MAX_TOOL_ROUNDS",
        "assistant_chat.max_tool_rounds",
        Kind::Integer,
    ),
    (
        "AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE",
        "rate_limits.auth_per_minute",
        Kind::Integer,
    ),
    (
        "AFFTOK_RATE_LIMIT_USER_PER_MINUTE",
        "rate_limits.user_per_minute",
        Kind::Integer,
    ),
    (
        "AFFTOK_RATE_LIMIT_API_KEY_PER_MINUTE",
        "rate_limits.api_key_per_minute",
        Kind::Integer,
    ),
];

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Bool,
}

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    /// The setting (its environment variable, or its key in the file).
    pub setting: String,
    /// What is wrong with it.
    pub problem: String,
}

/// A setting that cannot be used, and why (for every feature's settings).
pub(crate) fn err(setting: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.into(),
        problem: problem.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    listen: String,
    database_url: Option<String>,
    redis_url: String,
    redis_key_prefix: String,
    redis_call_timeout_ms: u64,
    event_stream: String,
    stream_group: String,
    attribution_wait_secs: u64,
    stream_claim_idle_ms: u64,
    stats_fold_interval_ms: u64,
    events_poll_interval_ms: u64,
    events_retention_hours: u64,
    ingest_secret: Option<String>,
    jwt_secret: Option<String>,
    key_encryption_key: Option<String>,
    edge_base_url: String,
    log_format: String,
    client_ip_header: Option<String>,
    max_body_bytes: u64,
    public_url: Option<String>,
    require_verified_email: bool,
    jwt: RawJwt,
    rate_limits: RateLimits,
    edge_push: RawEdgePush,
    web: RawWeb,
    mail: RawMail,
    fraud: RawFraud,
    webhooks: crate::webhooks::settings::RawWebhooks,
    programme: crate::programme::settings::RawProgramme,
    assistant_chat: crate::assistant::settings::RawAssistantChat,
    retention: crate::tracking::retention::RawRetention,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFraud {
    scoring: bool,
    flood_window_secs: u64,
    click_flood_limit: u64,
    ip_flood_limit: u64,
    min_ctit_secs: u64,
}

/// Fraud scoring (DESIGN §11): the thresholds are settings, the contract's numbers their
/// defaults.
#[derive(Debug, Clone, Copy)]
pub struct FraudSettings {
    /// Whether ingest scores clicks (off only to measure what scoring costs: the clicks'
    /// `fraud` lists stay empty).
    pub scoring: bool,
    /// The flood windows.
    pub flood: crate::fraud::FloodLimits,
    /// The shortest click-to-conversion time of an offer that sets none.
    pub min_ctit: time::Duration,
}

fn fraud(raw: RawFraud) -> Result<FraudSettings, ConfigError> {
    let window = ranged(
        raw.flood_window_secs,
        1..=3600,
        "AFFTOK_FRAUD_FLOOD_WINDOW_SECS",
    )?;
    let per_visitor = ranged(
        raw.click_flood_limit,
        1..=100_000,
        "AFFTOK_FRAUD_CLICK_FLOOD_LIMIT",
    )?;
    let per_ip = ranged(
        raw.ip_flood_limit,
        1..=1_000_000,
        "AFFTOK_FRAUD_IP_FLOOD_LIMIT",
    )?;
    let min_ctit = ranged(raw.min_ctit_secs, 0..=86_400, "AFFTOK_FRAUD_MIN_CTIT_SECS")?;
    Ok(FraudSettings {
        scoring: raw.scoring,
        flood: crate::fraud::FloodLimits {
            window: time::Duration::seconds(window as i64),
            per_visitor: per_visitor as usize,
            per_ip: per_ip as usize,
        },
        min_ctit: time::Duration::seconds(min_ctit as i64),
    })
}

fn ranged(value: u64, range: std::ops::RangeInclusive<u64>, var: &str) -> Result<u64, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(err(
            var,
            format!("must be {} to {}", range.start(), range.end()),
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    dir: String,
    secure_cookies: bool,
}

/// The web app the control plane serves, and its session cookies.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The directory holding the web app's build (`index.html`, `assets/`), relative to the
    /// working directory unless absolute.
    pub dir: std::path::PathBuf,
    /// Whether session cookies carry `Secure` (off only for plain-http deployments that are
    /// not on localhost: browsers accept Secure cookies from http://localhost).
    pub secure_cookies: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    smtp_url: Option<String>,
    dir: Option<String>,
    from: String,
    verification_ttl_secs: u64,
    reset_ttl_secs: u64,
    poll_interval_ms: u64,
    retry_ms: u64,
}

/// Where mails go.
#[derive(Clone)]
pub enum MailTransport {
    /// An SMTP server, by lettre's URL (`smtp://host:port`, `smtps://user:password@host`,
    /// `smtp://host?tls=required`); it may hold a password.
    Smtp(SecretString),
    /// Written as `.eml` files into this directory instead of sent (development).
    Dir(std::path::PathBuf),
    /// Nowhere: mails wait in the outbox (and are given up after a day).
    Disabled,
}

impl fmt::Debug for MailTransport {
    // The URL may hold a password: only the kind is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Smtp(..)"),
            Self::Dir(dir) => f.debug_tuple("Dir").field(dir).finish(),
            Self::Disabled => f.write_str("Disabled"),
        }
    }
}

/// Mail: verification and password reset links.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Where mails go.
    pub transport: MailTransport,
    /// The `From` of every mail (`Name <address>`), checked to be a mailbox.
    pub from: String,
    /// How long an email verification link works.
    pub verification_ttl: Duration,
    /// How long a password reset link works.
    pub reset_ttl: Duration,
    /// How often the outbox is looked at.
    pub poll_interval: Duration,
    /// The pause after a first failed attempt; it doubles after each failure (up to 15 min).
    pub retry: Duration,
}

fn mail(raw: RawMail) -> Result<MailSettings, ConfigError> {
    let smtp_url = raw
        .smtp_url
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    let dir = raw.dir.filter(|d| !d.trim().is_empty());
    let transport = match (smtp_url, dir) {
        (Some(url), _) => {
            // lettre reads it the same way when the mail job builds its transport. Its
            // complaints name the scheme or the part at fault, never the password.
            if let Err(e) = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url) {
                return Err(err(
                    "AFFTOK_SMTP_URL",
                    format!(
                        "is not an SMTP URL like smtp://host:port, smtps://user:password@host \
                         or smtp://host?tls=required ({e})"
                    ),
                ));
            }
            MailTransport::Smtp(url.into())
        }
        (None, Some(dir)) => MailTransport::Dir(dir.into()),
        (None, None) => MailTransport::Disabled,
    };
    if raw.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(err(
            "AFFTOK_MAIL_FROM",
            format!(
                "{:?} is not a mailbox like `AffTok <no-reply@example.com>`",
                raw.from
            ),
        ));
    }
    if !(60..=30 * 86_400).contains(&raw.verification_ttl_secs) {
        return Err(err(
            "AFFTOK_EMAIL_VERIFICATION_TTL_SECS",
            "must be 60 to 2592000 seconds",
        ));
    }
    if !(60..=7 * 86_400).contains(&raw.reset_ttl_secs) {
        return Err(err(
            "AFFTOK_PASSWORD_RESET_TTL_SECS",
            "must be 60 to 604800 seconds",
        ));
    }
    if !(10..=60_000).contains(&raw.poll_interval_ms) {
        return Err(err("AFFTOK_MAIL_POLL_INTERVAL_MS", "must be 10 to 60000"));
    }
    if !(10..=900_000).contains(&raw.retry_ms) {
        return Err(err("AFFTOK_MAIL_RETRY_MS", "must be 10 to 900000"));
    }
    Ok(MailSettings {
        transport,
        from: raw.from,
        verification_ttl: Duration::from_secs(raw.verification_ttl_secs),
        reset_ttl: Duration::from_secs(raw.reset_ttl_secs),
        poll_interval: Duration::from_millis(raw.poll_interval_ms),
        retry: Duration::from_millis(raw.retry_ms),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdgePush {
    targets: String,
    kv_prefix: String,
    interval_ms: u64,
    cloudflare: RawCloudflare,
    wrangler: RawWrangler,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCloudflare {
    api_base: String,
    account_id: Option<String>,
    namespace_id: Option<String>,
    api_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWrangler {
    dir: String,
    config: String,
    binding: String,
    persist_to: Option<String>,
    bin: Option<String>,
}

/// An edge KV the control plane pushes its config to (DESIGN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// Redis, read by the native and Spin edges.
    Redis,
    /// Cloudflare KV through the Cloudflare API.
    Cloudflare,
    /// The local KV of `wrangler dev`.
    WranglerLocal,
}

impl TargetKind {
    /// Every target, by name.
    pub const ALL: [Self; 3] = [Self::Redis, Self::Cloudflare, Self::WranglerLocal];

    /// Its name in settings and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Cloudflare => "cloudflare",
            Self::WranglerLocal => "wrangler-local",
        }
    }

    /// The target named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name.trim())
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The Cloudflare API and the KV namespace the worker reads (the token shows as redacted).
#[derive(Debug, Clone)]
pub struct CloudflareSettings {
    /// Base of the API (`https://api.cloudflare.com/client/v4`; a test server in tests).
    pub api_base: String,
    /// Account id.
    pub account_id: Option<String>,
    /// KV namespace id (the `id` of `EDGE_KV` in wrangler.toml).
    pub namespace_id: Option<String>,
    /// API token with Workers KV write permission.
    pub api_token: Option<SecretString>,
}

/// How to reach the local KV of `wrangler dev`.
#[derive(Debug, Clone)]
pub struct WranglerSettings {
    /// The directory holding the wrangler configuration (the repository root).
    pub dir: std::path::PathBuf,
    /// The wrangler configuration file, relative to `dir`.
    pub config: String,
    /// The KV binding the worker reads.
    pub binding: String,
    /// wrangler's `--persist-to` directory, if `wrangler dev` was started with one.
    pub persist_to: Option<String>,
    /// The wrangler executable (default: `node_modules/.bin/wrangler` under `dir`).
    pub bin: Option<String>,
}

/// Where and how often the edge config is pushed.
#[derive(Clone)]
pub struct EdgePushSettings {
    /// Targets the control plane keeps up to date by itself (and `afftok edge push` uses
    /// when no `--target` is given).
    pub targets: Vec<TargetKind>,
    /// Prefix of the KV keys in Redis (the native edge's `AFFTOK_KV_PREFIX`).
    pub kv_prefix: String,
    /// How often queued changes are looked for.
    pub interval: Duration,
    /// The Cloudflare target.
    pub cloudflare: CloudflareSettings,
    /// The wrangler-local target.
    pub wrangler: WranglerSettings,
}

impl fmt::Debug for EdgePushSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgePushSettings")
            .field("targets", &self.targets)
            .field("kv_prefix", &self.kv_prefix)
            .field("interval", &self.interval)
            .field("wrangler", &self.wrangler)
            .finish_non_exhaustive()
    }
}

impl EdgePushSettings {
    /// Checks that `kind` has what it needs (the Cloudflare target its ids and token).
    pub fn check_target(&self, kind: TargetKind) -> Result<(), ConfigError> {
        if kind == TargetKind::Cloudflare {
            let cf = &self.cloudflare;
            for (var, missing) in [
                ("AFFTOK_CLOUDFLARE_ACCOUNT_ID", cf.account_id.is_none()),
                (
                    "AFFTOK_CLOUDFLARE_KV_NAMESPACE_ID",
                    cf.namespace_id.is_none(),
                ),
                ("AFFTOK_CLOUDFLARE_API_TOKEN", cf.api_token.is_none()),
            ] {
                if missing {
                    return Err(err(var, "is required by the cloudflare edge target"));
                }
            }
        }
        Ok(())
    }
}

fn edge_push(raw: RawEdgePush) -> Result<EdgePushSettings, ConfigError> {
    let mut targets = Vec::new();
    let names = raw.targets.trim();
    let names = if names == "none" { "" } else { names };
    for name in names.split(',').filter(|n| !n.trim().is_empty()) {
        let kind = TargetKind::parse(name).ok_or_else(|| {
            err(
                "AFFTOK_EDGE_TARGETS",
                format!("{name:?} is not one of redis, cloudflare, wrangler-local (or none)"),
            )
        })?;
        if !targets.contains(&kind) {
            targets.push(kind);
        }
    }
    if raw.kv_prefix.chars().any(char::is_whitespace) {
        return Err(err("AFFTOK_KV_PREFIX", "must not contain spaces"));
    }
    if !(100..=3_600_000).contains(&raw.interval_ms) {
        return Err(err(
            "AFFTOK_EDGE_PUSH_INTERVAL_MS",
            "must be 100 to 3600000",
        ));
    }
    let api_base = raw.cloudflare.api_base.trim_end_matches('/').to_owned();
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return Err(err(
            "AFFTOK_CLOUDFLARE_API_BASE",
            "must start with https:// or http://",
        ));
    }
    let id = |value: Option<String>, var: &str| -> Result<Option<String>, ConfigError> {
        match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            Some(v)
                if v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(Some(v))
            }
            Some(_) => Err(err(var, "may hold only letters, digits, - and _")),
            None => Ok(None),
        }
    };
    let settings = EdgePushSettings {
        targets,
        kv_prefix: raw.kv_prefix,
        interval: Duration::from_millis(raw.interval_ms),
        cloudflare: CloudflareSettings {
            api_base,
            account_id: id(raw.cloudflare.account_id, "AFFTOK_CLOUDFLARE_ACCOUNT_ID")?,
            namespace_id: id(
                raw.cloudflare.namespace_id,
                "AFFTOK_CLOUDFLARE_KV_NAMESPACE_ID",
            )?,
            api_token: raw
                .cloudflare
                .api_token
                .filter(|t| !t.trim().is_empty())
                .map(SecretString::from),
        },
        wrangler: WranglerSettings {
            dir: raw.wrangler.dir.into(),
            config: raw.wrangler.config,
            binding: raw.wrangler.binding,
            persist_to: raw.wrangler.persist_to.filter(|p| !p.trim().is_empty()),
            bin: raw.wrangler.bin.filter(|b| !b.trim().is_empty()),
        },
    };
    for &kind in &settings.targets {
        settings.check_target(kind)?;
    }
    Ok(settings)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJwt {
    issuer: String,
    audience: String,
    access_token_ttl_secs: u64,
    refresh_token_ttl_secs: u64,
}

/// Requests per minute allowed, per subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Login, register, refresh, email verify, password forgot and reset: per client IP.
    pub auth_per_minute: u32,
    /// Per user signed in with an access token.
    pub user_per_minute: u32,
    /// Per API key.
    pub api_key_per_minute: u32,
}

/// Access and refresh token settings.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// The HS256 key.
    pub secret: SecretString,
    /// `iss` of issued tokens, required of presented ones.
    pub issuer: String,
    /// `aud` of issued tokens, required of presented ones.
    pub audience: String,
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens.
    pub refresh_token_ttl: Duration,
}

/// The control plane's settings, checked.
#[derive(Clone)]
pub struct Settings {
    /// Where `serve` listens.
    pub listen: SocketAddr,
    /// Postgres (may hold a password).
    pub database_url: SecretString,
    /// Redis (may hold a password).
    pub redis_url: SecretString,
    /// Prefix of the control plane's own Redis keys.
    pub redis_key_prefix: String,
    /// How long a Redis call on the request path (rate limits, live counters, leaderboards)
    /// may take before Redis counts as away for a second.
    pub redis_call_timeout: Duration,
    /// Stream of events from the native and Spin edges.
    pub event_stream: String,
    /// Consumer group reading the stream.
    pub stream_group: String,
    /// How long a conversion waits for its click.
    pub attribution_wait: Duration,
    /// How long a stream entry stays pending with a consumer before another takes it over.
    pub stream_claim_idle: Duration,
    /// How often the per-scope stats sums appended by ingestion are folded into the scope
    /// rollups (readers add up what is not folded yet: this bounds their work).
    pub stats_fold_interval: Duration,
    /// How often each consumer looks for new domain events (at once again while a batch was
    /// full).
    pub events_poll_interval: Duration,
    /// How long a domain event every consumer has handled is kept before it is deleted.
    pub events_retention: Duration,
    /// Key of the `Afftok-Signature` on event batches.
    pub ingest_secret: SecretString,
    /// Token settings.
    pub jwt: JwtSettings,
    /// Encrypts link signing keys at rest (32 bytes).
    pub key_encryption_key: std::sync::Arc<SecretBox<[u8; 32]>>,
    /// Whether the key-encryption key was configured (commands that do not need it run
    /// without one; the key commands refuse to).
    pub key_encryption_key_set: bool,
    /// The edge's public base URL, without a trailing slash.
    pub edge_base_url: String,
    /// Logs as JSON lines.
    pub json_logs: bool,
    /// Header with the caller's IP set by a trusted proxy.
    pub client_ip_header: Option<String>,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Pushing the edge config.
    pub edge_push: EdgePushSettings,
    /// The web app and its session cookies.
    pub web: WebSettings,
    /// The web app's base URL, without a trailing slash: links in mails point there.
    pub public_url: String,
    /// Whether promoters must have verified their email to join offers, and advertisers to
    /// submit offers for review.
    pub require_verified_email: bool,
    /// Mail.
    pub mail: MailSettings,
    /// Fraud scoring.
    pub fraud: FraudSettings,
    /// Webhook and promoter postback delivery.
    pub webhooks: crate::webhooks::WebhookSettings,
    /// Points and levels.
    pub programme: crate::programme::ProgrammeSettings,
    /// The assistant's BYOK chat: its time limits and tool rounds.
    pub assistant_chat: crate::assistant::AssistantChatSettings,
    /// How long visitor IPs and raw clicks are kept.
    pub retention: crate::tracking::retention::RetentionSettings,
}

impl fmt::Debug for Settings {
    // Secrets are never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("event_stream", &self.event_stream)
            .field("edge_base_url", &self.edge_base_url)
            .field("json_logs", &self.json_logs)
            .field("client_ip_header", &self.client_ip_header)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("rate_limits", &self.rate_limits)
            .field("edge_push", &self.edge_push)
            .field("web", &self.web)
            .field("public_url", &self.public_url)
            .field("require_verified_email", &self.require_verified_email)
            .field("mail", &self.mail)
            .field("fraud", &self.fraud)
            .field("webhooks", &self.webhooks)
            .field("programme", &self.programme)
            .field("assistant_chat", &self.assistant_chat)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

/// Which settings a command needs: `migrate` needs only the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Everything `serve` uses.
    Serve,
    /// The database (and, for key commands, the key-encryption key).
    DatabaseOnly,
}

impl Settings {
    /// Reads the defaults, `AFFTOK_CONFIG` and the process environment.
    pub fn load(need: Need) -> Result<Self, ConfigError> {
        let file = match std::env::var("AFFTOK_CONFIG") {
            Ok(path) if !path.is_empty() => Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| err("AFFTOK_CONFIG", format!("cannot read {path}: {e}")))?,
            ),
            _ => None,
        };
        Self::from_sources(file.as_deref(), |name| std::env::var(name).ok(), need)
    }

    /// Builds settings from an optional override file and an environment lookup.
    pub fn from_sources(
        file: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
        need: Need,
    ) -> Result<Self, ConfigError> {
        let mut table: toml::Table = DEFAULTS
            .parse()
            .map_err(|e| err("config/defaults.toml", format!("{e}")))?;
        if let Some(file) = file {
            let over: toml::Table = file
                .parse()
                .map_err(|e| err("AFFTOK_CONFIG", format!("not valid TOML: {e}")))?;
            merge(&mut table, over);
        }
        for &(var, key, kind) in ENV {
            let Some(value) = env(var).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let value = match kind {
                Kind::Text => toml::Value::String(value),
                Kind::Integer => toml::Value::Integer(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| err(var, format!("{value:?} is not a whole number")))?,
                ),
                Kind::Bool => {
                    toml::Value::Boolean(match value.trim().to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" | "on" => true,
                        "false" | "0" | "no" | "off" => false,
                        _ => return Err(err(var, format!("{value:?} is neither true nor false"))),
                    })
                }
            };
            set(&mut table, key, value);
        }
        let raw: Raw = toml::Value::Table(table)
            .try_into()
            .map_err(|e| err("configuration", e.to_string()))?;
        Self::check(raw, need)
    }

    fn check(raw: Raw, need: Need) -> Result<Self, ConfigError> {
        let serving = need == Need::Serve;
        let listen: SocketAddr = raw.listen.parse().map_err(|_| {
            err(
                "AFFTOK_LISTEN",
                format!("{:?} is not an address", raw.listen),
            )
        })?;
        let database_url = raw
            .database_url
            .ok_or_else(|| err("DATABASE_URL", "is required"))?;
        if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
            return Err(err("DATABASE_URL", "must start with postgres://"));
        }
        let required =
            |value: Option<String>, var: &str, min: usize| -> Result<String, ConfigError> {
                match value {
                    Some(v) if v.len() >= min => Ok(v),
                    Some(_) => Err(err(var, format!("must be at least {min} bytes"))),
                    None if serving => Err(err(var, "is required")),
                    // Commands that do not use it get a placeholder they never read.
                    None => Ok("x".repeat(min)),
                }
            };
        let ingest_secret = required(raw.ingest_secret, "AFFTOK_INGEST_SECRET", 16)?;
        let jwt_secret = required(raw.jwt_secret, "AFFTOK_JWT_SECRET", 32)?;
        let key_encryption_key_set = raw.key_encryption_key.is_some();
        let kek = match raw.key_encryption_key {
            Some(text) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|_| err("AFFTOK_KEY_ENCRYPTION_KEY", "is not base64"))?;
                <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
                    err(
                        "AFFTOK_KEY_ENCRYPTION_KEY",
                        "must be base64 of exactly 32 bytes",
                    )
                })?
            }
            None if serving => return Err(err("AFFTOK_KEY_ENCRYPTION_KEY", "is required")),
            None => [0u8; 32],
        };
        let edge_base_url = raw.edge_base_url.trim_end_matches('/').to_owned();
        if !(edge_base_url.starts_with("http://") || edge_base_url.starts_with("https://")) {
            return Err(err(
                "AFFTOK_EDGE_BASE_URL",
                "must start with http:// or https://",
            ));
        }
        let json_logs = match raw.log_format.as_str() {
            "text" => false,
            "json" => true,
            other => {
                return Err(err(
                    "AFFTOK_LOG_FORMAT",
                    format!("{other:?} is neither text nor json"),
                ));
            }
        };
        if raw.jwt.access_token_ttl_secs == 0 || raw.jwt.access_token_ttl_secs > 86_400 {
            return Err(err(
                "AFFTOK_ACCESS_TOKEN_TTL_SECS",
                "must be 1 to 86400 seconds",
            ));
        }
        if raw.jwt.refresh_token_ttl_secs < raw.jwt.access_token_ttl_secs {
            return Err(err(
                "AFFTOK_REFRESH_TOKEN_TTL_SECS",
                "must be at least the access token lifetime",
            ));
        }
        let limits = raw.rate_limits;
        for (var, value) in [
            ("AFFTOK_RATE_LIMIT_AUTH_PER_MINUTE", limits.auth_per_minute),
            ("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", limits.user_per_minute),
            (
                "AFFTOK_RATE_LIMIT_API_KEY_PER_MINUTE",
                limits.api_key_per_minute,
            ),
        ] {
            if value == 0 {
                return Err(err(var, "must be at least 1"));
            }
        }
        if raw.attribution_wait_secs == 0 {
            return Err(err("AFFTOK_ATTRIBUTION_WAIT_SECS", "must be at least 1"));
        }
        if !(10..=60_000).contains(&raw.redis_call_timeout_ms) {
            return Err(err("AFFTOK_REDIS_CALL_TIMEOUT_MS", "must be 10 to 60000"));
        }
        if raw.stream_claim_idle_ms < 100 {
            return Err(err("AFFTOK_STREAM_CLAIM_IDLE_MS", "must be at least 100"));
        }
        if !(100..=3_600_000).contains(&raw.stats_fold_interval_ms) {
            return Err(err(
                "AFFTOK_STATS_FOLD_INTERVAL_MS",
                "must be 100 to 3600000",
            ));
        }
        if !(10..=60_000).contains(&raw.events_poll_interval_ms) {
            return Err(err("AFFTOK_EVENTS_POLL_INTERVAL_MS", "must be 10 to 60000"));
        }
        if !(1..=24 * 365).contains(&raw.events_retention_hours) {
            return Err(err("AFFTOK_EVENTS_RETENTION_HOURS", "must be 1 to 8760"));
        }
        if raw.stream_group.trim().is_empty() {
            return Err(err("AFFTOK_STREAM_GROUP", "must not be empty"));
        }
        let max_body_bytes = usize::try_from(raw.max_body_bytes)
            .ok()
            .filter(|n| (1024..=16 * 1024 * 1024).contains(n))
            .ok_or_else(|| err("AFFTOK_MAX_BODY_BYTES", "must be 1 KiB to 16 MiB"))?;
        let edge_push = edge_push(raw.edge_push)?;
        if raw.web.dir.trim().is_empty() {
            return Err(err("AFFTOK_WEB_DIR", "must not be empty"));
        }
        let public_url = match raw.public_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_owned();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(err(
                        "AFFTOK_PUBLIC_URL",
                        "must start with http:// or https://",
                    ));
                }
                url
            }
            None => format!("http://{listen}"),
        };
        let mail = mail(raw.mail)?;
        let fraud = fraud(raw.fraud)?;
        let webhooks = crate::webhooks::settings::webhooks(raw.webhooks)?;
        let programme = crate::programme::settings::programme(raw.programme)?;
        let assistant_chat = crate::assistant::settings::assistant_chat(raw.assistant_chat)?;
        let retention = crate::tracking::retention::retention(raw.retention)?;
        Ok(Self {
            listen,
            database_url: database_url.into(),
            redis_url: raw.redis_url.into(),
            redis_key_prefix: raw.redis_key_prefix,
            redis_call_timeout: Duration::from_millis(raw.redis_call_timeout_ms),
            event_stream: raw.event_stream,
            stream_group: raw.stream_group,
            attribution_wait: Duration::from_secs(raw.attribution_wait_secs),
            stream_claim_idle: Duration::from_millis(raw.stream_claim_idle_ms),
            stats_fold_interval: Duration::from_millis(raw.stats_fold_interval_ms),
            events_poll_interval: Duration::from_millis(raw.events_poll_interval_ms),
            events_retention: Duration::from_secs(raw.events_retention_hours * 3600),
            ingest_secret: ingest_secret.into(),
            jwt: JwtSettings {
                secret: jwt_secret.into(),
                issuer: raw.jwt.issuer,
                audience: raw.jwt.audience,
                access_token_ttl: Duration::from_secs(raw.jwt.access_token_ttl_secs),
                refresh_token_ttl: Duration::from_secs(raw.jwt.refresh_token_ttl_secs),
            },
            key_encryption_key: std::sync::Arc::new(SecretBox::new(Box::new(kek))),
            key_encryption_key_set,
            edge_base_url,
            json_logs,
            client_ip_header: raw.client_ip_header.filter(|h| !h.trim().is_empty()),
            max_body_bytes,
            rate_limits: limits,
            edge_push,
            web: WebSettings {
                dir: raw.web.dir.into(),
                secure_cookies: raw.web.secure_cookies,
            },
            public_url,
            require_verified_email: raw.require_verified_email,
            mail,
            fraud,
            webhooks,
            programme,
            assistant_chat,
            retention,
        })
    }

    /// The Postgres URL.
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn set(table: &mut toml::Table, path: &str, value: toml::Value) {
    match path.split_once('.') {
        Some((head, rest)) => {
            let entry = table
                .entry(head.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(inner) = entry {
                set(inner, rest, value);
            }
        }
        None => {
            table.insert(path.to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const SERVE: &[(&str, &str)] = &[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1/afftok"),
        ("AFFTOK_INGEST_SECRET", "0123456789abcdef"),
        ("AFFTOK_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        (
            "AFFTOK_KEY_ENCRYPTION_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ),
    ];

    #[test]
    fn defaults_and_required_secrets() {
        let s = Settings::from_sources(None, env(SERVE), Need::Serve).expect("valid");
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.event_stream, "afftok:events");
        assert_eq!(s.redis_call_timeout, Duration::from_millis(200));
        assert_eq!(s.jwt.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.rate_limits.auth_per_minute, 20);
        assert_eq!(s.key_encryption_key.expose_secret()[31], 31);
        assert_eq!(s.web.dir, std::path::Path::new("web/dist"));
        assert!(s.web.secure_cookies);
        for missing in [
            "DATABASE_URL",
            "AFFTOK_INGEST_SECRET",
            "AFFTOK_JWT_SECRET",
            "AFFTOK_KEY_ENCRYPTION_KEY",
        ] {
            let partial: Vec<_> = SERVE
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let e = Settings::from_sources(None, env(&partial), Need::Serve).expect_err(missing);
            assert_eq!(e.setting, missing);
        }
    }

    #[test]
    fn migrate_needs_only_the_database() {
        let s = Settings::from_sources(None, env(&SERVE[..1]), Need::DatabaseOnly).expect("valid");
        assert!(s.database_url().starts_with("postgres://"));
    }

    #[test]
    fn environment_beats_file_beats_defaults() {
        let file = "listen = \"0.0.0.0:9000\"\n[jwt]\naccess_token_ttl_secs = 60\n";
        let mut vars = SERVE.to_vec();
        let s = Settings::from_sources(Some(file), env(&vars), Need::Serve).expect("valid");
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.jwt.access_token_ttl, Duration::from_secs(60));
        assert_eq!(s.jwt.issuer, "afftok", "untouched defaults stay");
        vars.push(("AFFTOK_LISTEN", "127.0.0.1:7000"));
        vars.push(("AFFTOK_ACCESS_TOKEN_TTL_SECS", "120"));
        let s = Settings::from_sources(Some(file), env(&vars), Need::Serve).expect("valid");
        assert_eq!(s.listen.port(), 7000);
        assert_eq!(s.jwt.access_token_ttl, Duration::from_secs(120));
    }

    #[test]
    fn bad_values_name_their_setting() {
        for (var, value) in [
            ("AFFTOK_LISTEN", "nowhere"),
            ("DATABASE_URL", "mysql://x"),
            ("AFFTOK_JWT_SECRET", "short"),
            ("AFFTOK_INGEST_SECRET", "short"),
            ("AFFTOK_KEY_ENCRYPTION_KEY", "AAEC"),
            ("AFFTOK_KEY_ENCRYPTION_KEY", "!!!"),
            ("AFFTOK_EDGE_BASE_URL", "edge.example"),
            ("AFFTOK_LOG_FORMAT", "xml"),
            ("AFFTOK_ACCESS_TOKEN_TTL_SECS", "0"),
            ("AFFTOK_ACCESS_TOKEN_TTL_SECS", "ten"),
            ("AFFTOK_RATE_LIMIT_USER_PER_MINUTE", "0"),
            ("AFFTOK_MAX_BODY_BYTES", "10"),
            ("AFFTOK_REDIS_CALL_TIMEOUT_MS", "5"),
            ("AFFTOK_REDIS_CALL_TIMEOUT_MS", "60001"),
            ("AFFTOK_EDGE_TARGETS", "redis,s3"),
            ("AFFTOK_EDGE_PUSH_INTERVAL_MS", "5"),
            ("AFFTOK_CLOUDFLARE_API_BASE", "ftp://x"),
            ("AFFTOK_SECURE_COOKIES", "maybe"),
            ("AFFTOK_ASSISTANT_TIMEOUT_SECS", "0"),
            ("AFFTOK_ASSISTANT_READ_TIMEOUT_SECS", "301"),
            ("AFFTOK_ASSISTANT_MAX_TOOL_ROUNDS", "17"),
        ] {
            let mut vars = SERVE.to_vec();
            vars.push((var, value));
            let e = Settings::from_sources(None, env(&vars), Need::Serve).expect_err(var);
            assert_eq!(e.setting, var, "{value}");
        }
        // The cloudflare target names the setting it lacks.
        let mut vars = SERVE.to_vec();
        vars.push(("AFFTOK_EDGE_TARGETS", "redis,cloudflare"));
        let e = Settings::from_sources(None, env(&vars), Need::Serve).expect_err("cloudflare");
        assert_eq!(e.setting, "AFFTOK_CLOUDFLARE_ACCOUNT_ID");
        vars.push(("AFFTOK_EDGE_TARGETS", "none"));
        let s = Settings::from_sources(None, env(&vars), Need::Serve).expect("none");
        assert!(s.edge_push.targets.is_empty());
        let e = Settings::from_sources(Some("nonsense = 1"), env(SERVE), Need::Serve)
            .expect_err("unknown key");
        assert!(e.problem.contains("nonsense"), "{e}");
    }

    #[test]
    fn web_settings_from_the_environment() {
        let mut vars = SERVE.to_vec();
        vars.push(("AFFTOK_WEB_DIR", "/srv/afftok/web"));
        vars.push(("AFFTOK_SECURE_COOKIES", "false"));
        let s = Settings::from_sources(None, env(&vars), Need::Serve).expect("valid");
        assert_eq!(s.web.dir, std::path::Path::new("/srv/afftok/web"));
        assert!(!s.web.secure_cookies);
        vars.push(("AFFTOK_SECURE_COOKIES", "1"));
        let s = Settings::from_sources(None, env(&vars), Need::Serve).expect("valid");
        assert!(s.web.secure_cookies);
    }

    #[test]
    fn mail_settings() {
        let s = Settings::from_sources(None, env(SERVE), Need::Serve).expect("valid");
        assert!(matches!(s.mail.transport, MailTransport::Disabled));
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.mail.from, "AffTok <no-reply@localhost>");
        assert_eq!(s.mail.verification_ttl, Duration::from_secs(48 * 3600));
        assert_eq!(s.mail.reset_ttl, Duration::from_secs(3600));
        assert!(!s.require_verified_email);

        let mut vars = SERVE.to_vec();
        vars.push(("AFFTOK_MAIL_DIR", "/tmp/mail"));
        vars.push(("AFFTOK_PUBLIC_URL", "https://app.example/"));
        vars.push(("AFFTOK_REQUIRE_VERIFIED_EMAIL", "true"));
        let s = Settings::from_sources(None, env(&vars), Need::Serve).expect("valid");
        assert!(matches!(&s.mail.transport, MailTransport::Dir(d) if d.ends_with("mail")));
        assert_eq!(s.public_url, "https://app.example");
        assert!(s.require_verified_email);

        // An SMTP URL wins over the directory; its password never shows.
        for url in [
            "smtp://127.0.0.1:2525",
            "smtps://user:hunter2-secret@smtp.example.com",
            "smtp://user:hunter2-secret@smtp.example.com?tls=required",
            "smtp://smtp.example.com:587?tls=opportunistic",
        ] {
            let mut vars = vars.clone();
            vars.push(("AFFTOK_SMTP_URL", url));
            let s = Settings::from_sources(None, env(&vars), Need::Serve).expect(url);
            assert!(matches!(s.mail.transport, MailTransport::Smtp(_)), "{url}");
            assert!(!format!("{s:?}").contains("hunter2"), "{s:?}");
        }

        for (var, value) in [
            (
                "AFFTOK_SMTP_URL",
                "http://user:hunter2-secret@smtp.example.com",
            ),
            (
                "AFFTOK_SMTP_URL",
                "smtp://user:hunter2-secret@smtp.example.com?tls=maybe",
            ),
            ("AFFTOK_SMTP_URL", "not a url"),
            ("AFFTOK_MAIL_FROM", "nobody"),
            ("AFFTOK_PUBLIC_URL", "app.example"),
            ("AFFTOK_REQUIRE_VERIFIED_EMAIL", "perhaps"),
            ("AFFTOK_EMAIL_VERIFICATION_TTL_SECS", "0"),
            ("AFFTOK_PASSWORD_RESET_TTL_SECS", "9999999"),
            ("AFFTOK_MAIL_RETRY_MS", "0"),
        ] {
            let mut vars = SERVE.to_vec();
            vars.push((var, value));
            let e = Settings::from_sources(None, env(&vars), Need::Serve).expect_err(value);
            assert_eq!(e.setting, var, "{value}");
            assert!(!e.problem.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let s = Settings::from_sources(None, env(SERVE), Need::Serve).expect("valid");
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("0123456789abcdef") && !shown.contains("postgres://"),
            "{shown}"
        );
    }
}
