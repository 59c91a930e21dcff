//! A small client of the control plane's API: signing up and in, offers and their review,
//! postback keys, joining, stats. `afftok dev seed` builds the demo with it and the API tests
//! build their accounts and offers with it, so both go the way users go.

use std::fmt;
use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Date;

use crate::accounts::Role;
use crate::offers::OfferStatus;

/// How long one call may take before it counts as no answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A call that did not get the answer it expects.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: nothing listens there, or it did not answer in time.
    #[error("{method} {url}: {reason}")]
    Unreachable {
        /// The method of the call.
        method: Method,
        /// Where it went.
        url: String,
        /// Why there was no answer (the whole chain of causes).
        reason: String,
    },
    /// An answer with a status the call does not expect.
    #[error("{method} {path} answered {status}: {body}")]
    Status {
        /// The method of the call.
        method: Method,
        /// Its path and query.
        path: String,
        /// The status of the answer.
        status: StatusCode,
        /// The start of the answer's body (a problem document, usually).
        body: String,
    },
    /// An expected status whose body is not the document the call reads.
    #[error("{method} {path} answered {status} with an unexpected body ({reason}): {body}")]
    Body {
        /// The method of the call.
        method: Method,
        /// Its path and query.
        path: String,
        /// The status of the answer.
        status: StatusCode,
        /// What did not decode.
        reason: String,
        /// The start of the body.
        body: String,
    },
}

impl ClientError {
    /// The status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Unreachable { .. } => None,
            Self::Status { status, .. } | Self::Body { status, .. } => Some(*status),
        }
    }

    /// The `code` of the problem document the service answered with, if it did.
    pub fn problem_code(&self) -> Option<String> {
        let Self::Status { body, .. } = self else {
            return None;
        };
        let problem: Value = serde_json::from_str(body).ok()?;
        problem["code"].as_str().map(str::to_owned)
    }
}

/// The start of a body, for error messages.
fn excerpt(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).chars().take(500).collect()
}

/// A new account, as `/v1/auth/register` takes it.
#[derive(Serialize)]
pub struct NewAccount<'a> {
    /// `advertiser` or `promoter`.
    pub role: Role,
    /// Email.
    pub email: &'a str,
    /// Password.
    pub password: &'a str,
    /// The name others see.
    pub display_name: &'a str,
    /// An advertiser's company.
    #[serde(rename = "company_name", skip_serializing_if = "Option::is_none")]
    pub company: Option<&'a str>,
}

impl fmt::Debug for NewAccount<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("role", &self.role)
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

/// A signed-in user: what register and login answer.
#[derive(Clone, Deserialize)]
pub struct Session {
    /// Sent as `Authorization: Bearer …`.
    pub access_token: String,
    /// Exchanged once for the next pair.
    pub refresh_token: String,
    /// Who signed in.
    pub user: User,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A user.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// Id (a promoter's id is the `promoter_id` of its links).
    pub id: i64,
    /// Email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// The advertiser (company) of an advertiser user.
    pub advertiser: Option<AdvertiserRef>,
}

/// The advertiser (company) of a user.
#[derive(Debug, Clone, Deserialize)]
pub struct AdvertiserRef {
    /// Id (the `advertiser_id` of its offers and postback keys).
    pub id: i64,
}

/// An offer: the fields the client reads (`create_offer` can give the whole document).
#[derive(Debug, Clone, Deserialize)]
pub struct Offer {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Where it is in its review.
    pub status: OfferStatus,
}

/// A promoter's tracking link.
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    /// Id.
    pub id: i64,
    /// The offer it leads to.
    pub offer_id: i64,
    /// The signed token in the URL.
    pub token: String,
    /// The key that signed it.
    pub kid: i64,
    /// The link on the edge.
    pub url: String,
}

/// What joining answers.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The promoter's link to the offer.
    pub link: Link,
    /// Whether this call joined (false: the promoter had joined before).
    pub created: bool,
}

/// A postback key as listed (never the key itself).
#[derive(Debug, Clone, Deserialize)]
pub struct PostbackKey {
    /// Id.
    pub id: uuid::Uuid,
    /// Name.
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    /// `active` or `revoked`.
    pub state: String,
}

/// A postback key just created: the only time the key is shown.
#[derive(Clone, Deserialize)]
pub struct NewPostbackKey {
    /// The key.
    pub key: String,
    /// The key's details.
    #[serde(flatten)]
    pub details: PostbackKey,
}

impl fmt::Debug for NewPostbackKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPostbackKey")
            .field("details", &self.details)
            .finish_non_exhaustive()
    }
}

/// Counts over a span of days (`/v1/stats`'s totals) or of today (`/v1/stats/live`).
#[derive(Debug, Clone, Deserialize)]
pub struct Counts {
    /// Clicks counted.
    pub clicks: i64,
    /// Distinct visitors among them.
    pub unique_clicks: i64,
    /// Clicks filtered out (bots, …).
    pub filtered_clicks: i64,
    /// Conversions.
    pub conversions: i64,
    /// Payout per currency, as the API writes it.
    pub payout: Value,
}

/// `/v1/stats`: the totals are what the client reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Stats {
    /// The whole span.
    pub totals: Counts,
}

/// `/v1/stats/live`: today's counters.
#[derive(Debug, Clone, Deserialize)]
pub struct Live {
    /// The UTC day they count (YYYY-MM-DD).
    pub day: String,
    /// The counts.
    #[serde(flatten)]
    pub counts: Counts,
}

/// One page of a list.
#[derive(Deserialize)]
struct Page<T> {
    data: Vec<T>,
    next_cursor: Option<String>,
}

/// The control plane's API at one base URL.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client of the API at `base` (`http://host:port`).
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| ClientError::Unreachable {
                method: Method::GET,
                url: base.to_owned(),
                reason: chain(&e),
            })?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// Calls `path`; an answer whose status is not in `ok` is an error, so is a body that
    /// is not a `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        ok: &[StatusCode],
    ) -> Result<(StatusCode, T), ClientError> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .header("accept", "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            method: method.clone(),
            url: url.clone(),
            reason: chain(&e),
        };
        let answer = request.send().await.map_err(unreachable)?;
        let status = answer.status();
        let raw = answer.bytes().await.map_err(unreachable)?;
        if !ok.contains(&status) {
            return Err(ClientError::Status {
                method,
                path: path.to_owned(),
                status,
                body: excerpt(&raw),
            });
        }
        // An empty body reads as JSON null (for `()`, `Option`, …).
        let decoded = if raw.is_empty() {
            serde_json::from_value(Value::Null)
        } else {
            serde_json::from_slice(&raw)
        };
        decoded
            .map(|value| (status, value))
            .map_err(|e| ClientError::Body {
                method,
                path: path.to_owned(),
                status,
                reason: e.to_string(),
                body: excerpt(&raw),
            })
    }

    /// Sends a batch of events to `POST /internal/v1/events` signed with the ingest secret,
    /// as the Cloudflare queue consumer does; `t` is the signature's time (unix seconds).
    pub async fn send_events(
        &self,
        secret: &[u8],
        t: u64,
        events: &[Value],
    ) -> Result<(), ClientError> {
        let path = "/internal/v1/events";
        let url = format!("{}{path}", self.base);
        let body = serde_json::to_vec(&serde_json::json!({ "events": events })).unwrap_or_default();
        let signature = afftok_shared::batch::sign(secret, t, &body);
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            method: Method::POST,
            url: url.clone(),
            reason: chain(&e),
        };
        let answer = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header(afftok_shared::batch::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = answer.status();
        let raw = answer.bytes().await.map_err(unreachable)?;
        if status != StatusCode::OK {
            return Err(ClientError::Status {
                method: Method::POST,
                path: path.to_owned(),
                status,
                body: excerpt(&raw),
            });
        }
        Ok(())
    }

    /// Signs up (201).
    pub async fn register(&self, account: &NewAccount<'_>) -> Result<Session, ClientError> {
        let body = serde_json::to_value(account).unwrap_or_default();
        let (_, session) = self
            .call(
                Method::POST,
                "/v1/auth/register",
                None,
                Some(&body),
                &[StatusCode::CREATED],
            )
            .await?;
        Ok(session)
    }

    /// Signs in (200).
    pub async fn login(&self, email: &str, password: &str) -> Result<Session, ClientError> {
        let body = json!({"email": email, "password": password});
        let (_, session) = self
            .call(
                Method::POST,
                "/v1/auth/login",
                None,
                Some(&body),
                &[StatusCode::OK],
            )
            .await?;
        Ok(session)
    }

    /// Every offer the holder of `token` sees at `/v1/offers`, all pages.
    pub async fn offers(&self, token: &str) -> Result<Vec<Offer>, ClientError> {
        let mut offers = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/v1/offers?limit=200".to_owned();
            if let Some(cursor) = &cursor {
                path.push_str("&cursor=");
                path.extend(utf8_percent_encode(cursor, NON_ALPHANUMERIC));
            }
            let (_, page): (_, Page<Offer>) = self
                .call(Method::GET, &path, Some(token), None, &[StatusCode::OK])
                .await?;
            offers.extend(page.data);
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(offers),
            }
        }
    }

    /// Creates an offer from `body` (201); answers the offer as a `T`: an [`Offer`], or the
    /// whole document as a `serde_json::Value`.
    pub async fn create_offer<T: DeserializeOwned>(
        &self,
        token: &str,
        body: &Value,
    ) -> Result<T, ClientError> {
        let (_, offer) = self
            .call(
                Method::POST,
                "/v1/offers",
                Some(token),
                Some(body),
                &[StatusCode::CREATED],
            )
            .await?;
        Ok(offer)
    }

    /// An advertiser sends its offer to review (200).
    pub async fn submit_offer(&self, token: &str, offer: i64) -> Result<Offer, ClientError> {
        self.offer_action(token, &format!("/v1/offers/{offer}/submit"))
            .await
    }

    /// An admin approves an offer in review (200).
    pub async fn approve_offer(&self, token: &str, offer: i64) -> Result<Offer, ClientError> {
        self.offer_action(token, &format!("/v1/admin/offers/{offer}/approve"))
            .await
    }

    /// Resumes a paused offer (200): an admin may resume any pause, an advertiser its own.
    pub async fn resume_offer(&self, token: &str, offer: i64) -> Result<Offer, ClientError> {
        self.offer_action(token, &format!("/v1/offers/{offer}/resume"))
            .await
    }

    async fn offer_action(&self, token: &str, path: &str) -> Result<Offer, ClientError> {
        let (_, offer) = self
            .call(Method::POST, path, Some(token), None, &[StatusCode::OK])
            .await?;
        Ok(offer)
    }

    /// The advertiser's postback keys (200).
    pub async fn postback_keys(&self, token: &str) -> Result<Vec<PostbackKey>, ClientError> {
        let (_, list): (_, Page<PostbackKey>) = self
            .call(
                Method::GET,
                "/v1/postback-keys",
                Some(token),
                None,
                &[StatusCode::OK],
            )
            .await?;
        Ok(list.data)
    }

    /// Creates a postback key (201), accepted from the addresses in `ip_allow` (any when
    /// empty).
    pub async fn create_postback_key(
        &self,
        token: &str,
        name: &str,
        ip_allow: &[&str],
    ) -> Result<NewPostbackKey, ClientError> {
        let body = json!({"name": name, "ip_allow": ip_allow});
        let (_, key) = self
            .call(
                Method::POST,
                "/v1/postback-keys",
                Some(token),
                Some(&body),
                &[StatusCode::CREATED],
            )
            .await?;
        Ok(key)
    }

    /// A promoter joins an offer: 201 with a new link, 200 with the one it had.
    pub async fn join(&self, token: &str, offer: i64) -> Result<Joined, ClientError> {
        let (status, link) = self
            .call(
                Method::POST,
                &format!("/v1/marketplace/offers/{offer}/join"),
                Some(token),
                None,
                &[StatusCode::CREATED, StatusCode::OK],
            )
            .await?;
        Ok(Joined {
            link,
            created: status == StatusCode::CREATED,
        })
    }

    /// The promoter's team, if it is in one.
    pub async fn my_team(&self, token: &str) -> Result<Option<Value>, ClientError> {
        let (status, team): (StatusCode, Value) = self
            .call(
                Method::GET,
                "/v1/teams/mine",
                Some(token),
                None,
                &[StatusCode::OK, StatusCode::NOT_FOUND],
            )
            .await?;
        Ok((status == StatusCode::OK).then_some(team))
    }

    /// Creates a team owned by the promoter.
    pub async fn create_team(&self, token: &str, name: &str) -> Result<Value, ClientError> {
        let (_, team) = self
            .call(
                Method::POST,
                "/v1/teams",
                Some(token),
                Some(&json!({ "name": name })),
                &[StatusCode::CREATED],
            )
            .await?;
        Ok(team)
    }

    /// The contests the caller sees, newest first (the first 200).
    pub async fn contests(&self, token: &str) -> Result<Vec<Value>, ClientError> {
        let (_, page): (_, Value) = self
            .call(
                Method::GET,
                "/v1/contests?limit=200",
                Some(token),
                None,
                &[StatusCode::OK],
            )
            .await?;
        Ok(page["data"].as_array().cloned().unwrap_or_default())
    }

    /// Creates a contest (a draft).
    pub async fn create_contest(&self, token: &str, body: &Value) -> Result<Value, ClientError> {
        let (_, contest) = self
            .call(
                Method::POST,
                "/v1/contests",
                Some(token),
                Some(body),
                &[StatusCode::CREATED],
            )
            .await?;
        Ok(contest)
    }

    /// Publishes a draft contest.
    pub async fn publish_contest(&self, token: &str, id: i64) -> Result<Value, ClientError> {
        let (_, contest) = self
            .call(
                Method::POST,
                &format!("/v1/contests/{id}/publish"),
                Some(token),
                None,
                &[StatusCode::OK],
            )
            .await?;
        Ok(contest)
    }

    /// A promoter enters a contest: true when it had not yet.
    pub async fn enter_contest(&self, token: &str, id: i64) -> Result<bool, ClientError> {
        let (status, _): (_, Value) = self
            .call(
                Method::POST,
                &format!("/v1/contests/{id}/entries"),
                Some(token),
                None,
                &[StatusCode::CREATED, StatusCode::OK],
            )
            .await?;
        Ok(status == StatusCode::CREATED)
    }

    /// The caller's stats from `from` to `to` (days, in UTC), by day.
    pub async fn stats(&self, token: &str, from: Date, to: Date) -> Result<Stats, ClientError> {
        let path = format!("/v1/stats?from={from}&to={to}&granularity=day");
        let (_, stats) = self
            .call(Method::GET, &path, Some(token), None, &[StatusCode::OK])
            .await?;
        Ok(stats)
    }

    /// The caller's live counters (today, UTC).
    pub async fn live(&self, token: &str) -> Result<Live, ClientError> {
        let (_, live) = self
            .call(
                Method::GET,
                "/v1/stats/live",
                Some(token),
                None,
                &[StatusCode::OK],
            )
            .await?;
        Ok(live)
    }
}

/// An error and its causes on one line (reqwest's own message leaves out why a connection
/// failed).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
