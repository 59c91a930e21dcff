//! The sender: a pool of attempts fed by claims of due messages, a few per endpoint at a
//! time, through an HTTP client that follows no redirect and connects only where the SSRF
//! guard allows. Finished attempts are settled in batches by one writer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, mpsc};

use crate::app::AppState;
use crate::app::jobs::Stop;
use crate::webhooks::WebhookSettings;
use crate::webhooks::db::endpoints::{Kind, open_secrets};
use crate::webhooks::db::sending::{self, Claimed, Outcome, Settled};
use crate::webhooks::guard::{self, GuardedResolver, Lookup, SystemLookup};
use crate::webhooks::rules::{self, Verdict};

/// The part of an answer kept in the delivery log.
const ANSWER_BYTES: usize = 1024;

/// Settled attempts written at once.
const SETTLE_BATCH: usize = 500;

/// The guarded HTTP client: no redirects, no proxy, the attempt timeout, and a resolver
/// that hands the connector only allowed addresses.
fn client(settings: &WebhookSettings, lookup: Arc<dyn Lookup>) -> reqwest::Result<reqwest::Client> {
    let guard = Arc::new(settings.guard.clone());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .user_agent(concat!("AffTok-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver::new(guard, lookup)))
        // Every attempt in flight may go to one host (several endpoints on one receiver): as
        // many idle connections are kept, or half the deliveries would open a connection (a
        // TLS handshake each).
        .pool_max_idle_per_host(settings.concurrency)
        .build()
}

/// Sends due messages until stopped.
pub async fn deliver(state: AppState, mut stop: Stop) {
    let settings = state.settings.webhooks.clone();
    if !settings.sender {
        tracing::info!("AFFTOK_WEBHOOK_SENDER is false: this control plane sends no webhooks");
        return;
    }
    let client = match client(&settings, Arc::new(SystemLookup)) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; webhooks are not sent");
            return;
        }
    };
    tokio::spawn(prune_every_hour(state.clone(), stop.clone()));
    let (done, finished) = mpsc::channel::<Settled>(4 * SETTLE_BATCH);
    let writer = tokio::spawn(settle_finished(state.clone(), finished));
    let pool = Arc::new(Semaphore::new(settings.concurrency));
    let in_flight: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
    // A claim lapses after twice the attempt's timeout and 5 s more: long after any attempt
    // of a live sender has finished, and soon enough that a dead sender's messages go out
    // again within a minute (at the default timeout, 35 s).
    let lease = settings.timeout * 2 + Duration::from_secs(5);
    let mut failures: u32 = 0;
    loop {
        if stop.is_stopped() {
            break;
        }
        let free = pool.available_permits();
        let mut full = false;
        if free > 0 {
            let busy: Vec<(i64, i32)> = in_flight
                .lock()
                .map(|m| {
                    m.iter()
                        .map(|(&id, &n)| {
                            (id, settings.endpoint_concurrency.saturating_sub(n) as i32)
                        })
                        .collect()
                })
                .unwrap_or_default();
            match sending::claim(&state.db, free, settings.endpoint_concurrency, &busy, lease).await
            {
                Ok(claimed) => {
                    failures = 0;
                    full = claimed.len() == free;
                    for message in claimed {
                        let Ok(permit) = pool.clone().try_acquire_owned() else {
                            break;
                        };
                        if let Ok(mut m) = in_flight.lock() {
                            *m.entry(message.endpoint_id).or_default() += 1;
                        }
                        let (client, state, done, in_flight) = (
                            client.clone(),
                            state.clone(),
                            done.clone(),
                            in_flight.clone(),
                        );
                        tokio::spawn(async move {
                            let endpoint = message.endpoint_id;
                            let settled = attempt(&client, &state, message).await;
                            if let Ok(mut m) = in_flight.lock()
                                && let Some(n) = m.get_mut(&endpoint)
                            {
                                *n -= 1;
                                if *n == 0 {
                                    m.remove(&endpoint);
                                }
                            }
                            drop(permit);
                            let _ = done.send(settled).await;
                            state.webhook_wake.notify_one();
                        });
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, failures, "claiming webhook messages failed; retrying");
                }
            }
        }
        if full && failures == 0 {
            continue;
        }
        let pause = if failures > 0 {
            (settings.poll_interval * 2u32.saturating_pow(failures.min(8)))
                .min(Duration::from_secs(30))
        } else {
            settings.poll_interval
        };
        tokio::select! {
            () = state.webhook_wake.notified() => {}
            stopped = stop.after(pause) => if stopped { break },
        }
    }
    // Attempts in flight finish (their results are settled) or are redone after their lease.
    drop(done);
    let _ = tokio::time::timeout(settings.timeout + Duration::from_secs(5), writer).await;
}

/// Forgets settled messages older than the log's retention, in slices (a big backlog is not
/// one long delete).
async fn prune_every_hour(state: AppState, mut stop: Stop) {
    let retention = state.settings.webhooks.log_retention;
    loop {
        loop {
            match sending::prune(&state.db, retention, 10_000).await {
                Ok(10_000) => continue,
                Ok(0) => break,
                Ok(n) => {
                    tracing::info!(messages = n, "old webhook messages forgotten");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "forgetting old webhook messages failed");
                    break;
                }
            }
        }
        if stop.after(Duration::from_secs(3600)).await {
            return;
        }
    }
}

/// Settles finished attempts in batches. A batch that cannot be written is tried again a few
/// times, then left: its messages come due again when their claims lapse, and are sent
/// again (at least once), rather than holding back every later batch.
async fn settle_finished(state: AppState, mut finished: mpsc::Receiver<Settled>) {
    let disable_after = state.settings.webhooks.disable_after;
    let mut batch = Vec::with_capacity(SETTLE_BATCH);
    loop {
        if finished.recv_many(&mut batch, SETTLE_BATCH).await == 0 {
            return;
        }
        let mut pause = Duration::from_millis(100);
        for tries in 1..=5 {
            match sending::settle(&state.db, &batch, disable_after).await {
                Ok(disabled) => {
                    for id in disabled {
                        tracing::info!(endpoint = id, "webhook endpoint disabled");
                    }
                    break;
                }
                Err(e) if tries == 5 => {
                    tracing::error!(error = %e, attempts = batch.len(), "settling webhook attempts failed 5 times; their messages will be sent again");
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempts = batch.len(), "settling webhook attempts failed; retrying");
                    tokio::time::sleep(pause).await;
                    pause *= 4;
                }
            }
        }
        batch.clear();
    }
}

/// Makes one attempt and says what became of it.
async fn attempt(client: &reqwest::Client, state: &AppState, m: Claimed) -> Settled {
    let settings = &state.settings.webhooks;
    let started_at = OffsetDateTime::now_utc();
    let clock = Instant::now();
    let sent = send(client, state, &m, started_at).await;
    let took = clock.elapsed();
    let latency_ms = i32::try_from(took.as_millis()).unwrap_or(i32::MAX);
    let (status_code, response, error, asked) = match sent {
        Ok(answer) => (
            Some(answer.status),
            answer.excerpt,
            None,
            answer.retry_after,
        ),
        Err(why) => (None, String::new(), Some(why), None),
    };
    let outcome = match rules::verdict(status_code) {
        Verdict::Delivered => Outcome::Delivered,
        Verdict::Gone => Outcome::Gone,
        Verdict::Failed if !m.retry => Outcome::Failed,
        Verdict::Failed => {
            match rules::next_delay(
                &settings.retry_schedule,
                u32::try_from(m.attempt).unwrap_or(0),
                asked,
            ) {
                Some(d) => Outcome::Retry(d),
                None => Outcome::Failed,
            }
        }
    };
    let counted = match outcome {
        Outcome::Delivered => "delivered",
        Outcome::Retry(_) => "retry",
        Outcome::Failed => "failed",
        Outcome::Gone => "gone",
    };
    state
        .metrics
        .count_webhook_attempt(m.kind.as_str(), counted, took.as_secs_f64());
    Settled {
        id: m.id,
        endpoint_id: m.endpoint_id,
        attempt: m.attempt,
        started_at,
        status_code: status_code.map(i32::from),
        latency_ms,
        response,
        error,
        outcome,
    }
}

struct Answer {
    status: u16,
    excerpt: String,
    retry_after: Option<Duration>,
}

/// Sends a webhook (signed POST) or a postback (GET of its URL).
async fn send(
    client: &reqwest::Client,
    state: &AppState,
    m: &Claimed,
    started_at: OffsetDateTime,
) -> Result<Answer, String> {
    let guard = &state.settings.webhooks.guard;
    let target = match m.kind {
        Kind::Webhook => &m.url,
        Kind::Postback => &m.body,
    };
    let url = guard
        .check_url(target)
        .map_err(|e| format!("refused by the SSRF guard: the URL {e}"))?;
    let request = match m.kind {
        Kind::Webhook => {
            let kek = state.settings.key_encryption_key.expose_secret();
            let secrets = open_secrets(
                kek,
                m.endpoint_id,
                m.secret_nonce.as_deref().zip(m.secret_sealed.as_deref()),
                m.previous_secret_nonce
                    .as_deref()
                    .zip(m.previous_secret_sealed.as_deref()),
            );
            if secrets.is_empty() {
                return Err(
                    "the endpoint's secret cannot be opened (another AFFTOK_KEY_ENCRYPTION_KEY?)"
                        .to_owned(),
                );
            }
            let refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
            let msg_id = rules::message_id(m.id);
            let ts = started_at.unix_timestamp();
            client
                .post(url)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .header("webhook-id", &msg_id)
                .header("webhook-timestamp", ts.to_string())
                .header(
                    "webhook-signature",
                    rules::signature_header(&refs, &msg_id, ts, &m.body),
                )
                .body(m.body.clone())
        }
        Kind::Postback => client.get(url),
    };
    let mut response = request.send().await.map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| rules::retry_after(status, v, OffsetDateTime::now_utc().unix_timestamp()));
    // The first KiB of the answer; the rest is not read (the connection is dropped).
    let mut kept = Vec::new();
    while kept.len() < ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                kept.extend_from_slice(&chunk[..chunk.len().min(ANSWER_BYTES - kept.len())])
            }
            Ok(None) | Err(_) => break,
        }
    }
    Ok(Answer {
        status,
        excerpt: rules::answer_excerpt(&kept, ANSWER_BYTES),
        retry_after,
    })
}

/// A failed request in words: the guard's refusal, a timeout, or the connection's error.
fn describe(e: &reqwest::Error) -> String {
    if let Some(refused) = guard::refusal_in(e) {
        return format!("refused by the SSRF guard: {refused}");
    }
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
