//! The demo of `scripts/dev`, made through a running control plane's API as users make it:
//! `afftok dev seed` and `afftok dev check`. The tests build their accounts and offers with
//! the same [`Client`] and [`approved`].
//!
//! `seed` signs in (or signs up) the demo advertiser and promoter, signs in the admin
//! (created by `afftok admin create` beforehand), finds or creates the demo offer and brings
//! it to `approved` (submit, admin approval, resume), makes sure the postback key saved in
//! `AFFTOK_DEV_POSTBACK_KEY_FILE` is still active (else creates one and saves it), joins the
//! promoter to the offer, makes the promoter's team ("Demo Team") and the running contest
//! "December Sprint" it enters, with `AFFTOK_DEV_MARKET=true` the demo marketplace (more
//! offers and partner promoters, so that the assistant has something to say), and prints `name=value` lines: `offer_id`, `advertiser_id` (the
//! advertiser's user id), `promoter_id`, `link`, `token`, `postback_key`. Run again, it
//! reuses all of it.
//!
//! `check` waits until the demo promoter's stats, and its live counters while it is still
//! the day of the clicks (UTC), show the expected clicks and conversions.
//!
//! Progress goes to standard error; a failure is one line.

pub mod client;
mod market;
pub mod traffic;

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use time::OffsetDateTime;

use crate::accounts::Role;
use crate::offers::OfferStatus;

pub use client::{
    Client, ClientError, Counts, Joined, Link, Live, NewAccount, NewPostbackKey, Offer,
    PostbackKey, Session, Stats, User,
};

/// The demo offer's name: `seed` reuses the advertiser's offer of that name.
pub const OFFER_NAME: &str = "AffTok demo offer";
/// The demo contest's name: `seed` reuses an open contest of that name.
pub const CONTEST_NAME: &str = "December Sprint";
/// The name of the postback keys `seed` creates.
pub const POSTBACK_KEY_NAME: &str = "scripts/dev demo";

/// A step that did not work: its message is what the developer sees.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Failure(String);

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Self(e.to_string())
    }
}

fn fail<T>(message: impl Into<String>) -> Result<T, Failure> {
    Err(Failure(message.into()))
}

/// Progress, on standard error.
fn log(message: &str) {
    eprintln!("    {message}");
}

/// Reads the settings of `seed` and `check` from somewhere (the environment, or a test's
/// map): a variable that is missing or empty is not set.
#[derive(Debug, Clone, Copy)]
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn required(&self, name: &str) -> Result<String, Failure> {
        match (self.0)(name) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => fail(format!("{name} is not set")),
        }
    }

    /// `default` when the variable is missing; set but empty, it is not set.
    fn or(&self, name: &str, default: &str) -> Result<String, Failure> {
        match (self.0)(name) {
            None => Ok(default.to_owned()),
            Some(_) => self.required(name),
        }
    }

    /// The value as it is, empty when missing.
    fn raw(&self, name: &str) -> String {
        (self.0)(name).unwrap_or_default()
    }

    /// `true` or `false` (missing or empty: false).
    fn flag(&self, name: &str) -> Result<bool, Failure> {
        match self.raw(name).trim() {
            "" | "false" | "0" => Ok(false),
            "true" | "1" => Ok(true),
            other => fail(format!("{name} must be true or false, not {other:?}")),
        }
    }

    fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        default: Option<&str>,
    ) -> Result<T, Failure> {
        let text = match default {
            Some(default) => self.or(name, default)?,
            None => self.required(name)?,
        };
        text.trim()
            .parse()
            .or_else(|_| fail(format!("{name} is not a number: {text:?}")))
    }
}

/// The process environment.
pub fn process_env() -> Env<impl Fn(&str) -> Option<String>> {
    Env(|name: &str| std::env::var(name).ok())
}

/// The demo, as `seed` prints it.
#[derive(Clone)]
pub struct Demo {
    /// The demo offer.
    pub offer_id: i64,
    /// The demo advertiser's user id.
    pub advertiser_id: i64,
    /// The demo promoter's user id.
    pub promoter_id: i64,
    /// The promoter's tracking link.
    pub link: String,
    /// The signed token of that link.
    pub token: String,
    /// The advertiser's postback key.
    pub postback_key: String,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("offer_id", &self.offer_id)
            .field("advertiser_id", &self.advertiser_id)
            .field("promoter_id", &self.promoter_id)
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

impl Demo {
    /// The `name=value` lines scripts/dev reads.
    pub fn lines(&self) -> String {
        format!(
            "offer_id={}\nadvertiser_id={}\npromoter_id={}\nlink={}\ntoken={}\npostback_key={}\n",
            self.offer_id,
            self.advertiser_id,
            self.promoter_id,
            self.link,
            self.token,
            self.postback_key
        )
    }
}

/// Signs in; a wrong password says how to start the demo afresh.
async fn login(
    client: &Client,
    email: &str,
    password: &str,
    who: &str,
) -> Result<Session, Failure> {
    match client.login(email, password).await {
        Ok(session) => Ok(session),
        Err(e) if e.status() == Some(reqwest::StatusCode::UNAUTHORIZED) => fail(format!(
            "cannot sign in as the demo {who} {email}: its password is not the one in the state \
             directory (was .dev/ deleted?); `scripts/dev --reset` starts the demo afresh"
        )),
        Err(e) => Err(e.into()),
    }
}

/// Signs up, or signs in when the email is taken.
async fn sign_in_or_up(client: &Client, account: &NewAccount<'_>) -> Result<Session, Failure> {
    let role = account.role.as_str();
    match client.register(account).await {
        Ok(session) => {
            log(&format!("{role} {} signed up", account.email));
            Ok(session)
        }
        Err(e) if e.status() == Some(reqwest::StatusCode::CONFLICT) => {
            if e.problem_code().as_deref() != Some("email_taken") {
                return fail(format!("registering the demo {role}: {e}"));
            }
            log(&format!("{role} {} exists: signing in", account.email));
            login(client, account.email, account.password, role).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Brings `offer` to `approved` the way its users would: the advertiser submits a draft or
/// rejected offer, an admin approves it, an admin resumes a pause (an admin may resume any
/// pause, an advertiser only its own). An archived offer stays archived: that is an error.
pub async fn approved(
    client: &Client,
    mut offer: Offer,
    advertiser: &str,
    admin: &str,
) -> Result<Offer, Failure> {
    let id = offer.id;
    for _ in 0..5 {
        offer = match offer.status {
            OfferStatus::Approved => return Ok(offer),
            OfferStatus::Draft | OfferStatus::Rejected => {
                client.submit_offer(advertiser, id).await?
            }
            OfferStatus::PendingReview => client.approve_offer(admin, id).await?,
            OfferStatus::Paused => client.resume_offer(admin, id).await?,
            OfferStatus::Archived => return fail(format!("the offer {id} is archived")),
        };
        log(&format!("offer {id} is now {}", offer.status.as_str()));
    }
    if offer.status == OfferStatus::Approved {
        return Ok(offer);
    }
    fail(format!(
        "the offer {id} did not reach approved (it is {})",
        offer.status.as_str()
    ))
}

/// The demo offer, approved: reused when there, created otherwise.
async fn demo_offer<F: Fn(&str) -> Option<String>>(
    client: &Client,
    env: &Env<F>,
    advertiser: &str,
    admin: &str,
) -> Result<Offer, Failure> {
    // The URL is needed only to create it.
    let url = env.raw("AFFTOK_DEV_OFFER_URL");
    let body = serde_json::json!({
        "name": OFFER_NAME,
        "description": "Created by scripts/dev: a CPA offer paying 2.50 USD per sale.",
        "category": "shopping",
        "url_template": url,
        "fallback_url": "https://example.com/",
        "payout_model": "cpa",
        "payout_amount": "2.50",
        "currency": "USD",
    });
    approved_offer(client, advertiser, admin, &body).await
}

/// The advertiser's offer named as `body` names it, approved: reused when there (the one
/// already live, else the oldest not archived), created from `body` otherwise.
async fn approved_offer(
    client: &Client,
    advertiser: &str,
    admin: &str,
    body: &serde_json::Value,
) -> Result<Offer, Failure> {
    let name = body["name"].as_str().unwrap_or_default();
    let mut live: Vec<Offer> = client
        .offers(advertiser)
        .await?
        .into_iter()
        .filter(|o| o.name == name && o.status != OfferStatus::Archived)
        .collect();
    live.sort_by_key(|o| (o.status != OfferStatus::Approved, o.id));
    let offer = match live.into_iter().next() {
        Some(offer) => {
            log(&format!(
                "offer {} exists ({})",
                offer.id,
                offer.status.as_str()
            ));
            offer
        }
        None => {
            if body["url_template"].as_str().is_none_or(str::is_empty) {
                return fail(format!(
                    "AFFTOK_DEV_OFFER_URL is not set (it is needed to create the offer \"{name}\")"
                ));
            }
            let offer: Offer = client.create_offer(advertiser, body).await?;
            log(&format!("offer {} created", offer.id));
            offer
        }
    };
    approved(client, offer, advertiser, admin).await
}

/// The saved postback key if it is still active, else a new one (saved, readable by its
/// owner only).
async fn demo_postback_key(
    client: &Client,
    path: &Path,
    advertiser: &str,
) -> Result<String, Failure> {
    let saved = match std::fs::read_to_string(path) {
        Ok(text) => text.trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return fail(format!("reading {}: {e}", path.display())),
    };
    if !saved.is_empty() {
        let listed = client.postback_keys(advertiser).await?;
        if let Some(key) = listed
            .iter()
            .find(|k| k.state == "active" && !k.prefix.is_empty() && saved.starts_with(&k.prefix))
        {
            log(&format!("postback key {}… is active", key.prefix));
            return Ok(saved);
        }
        log("the saved postback key is no longer active: creating another");
    }
    let created = client
        .create_postback_key(advertiser, POSTBACK_KEY_NAME, &[])
        .await?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| writeln!(file, "{}", created.key))
        .or_else(|e| {
            fail(format!(
                "saving the postback key in {}: {e}",
                path.display()
            ))
        })?;
    log(&format!("postback key {}… created", created.details.prefix));
    Ok(created.key)
}

/// The demo contest, made if no open one has that name: platform-wide, conversions, started
/// yesterday, ending in 30 days, with three prizes. Returns its id.
async fn demo_contest(client: &Client, admin: &str) -> Result<i64, Failure> {
    let open = client.contests(admin).await?.into_iter().find(|c| {
        c["name"] == CONTEST_NAME
            && matches!(
                c["status"].as_str(),
                Some("draft" | "scheduled" | "running")
            )
    });
    let contest = match open {
        Some(c) => c,
        None => {
            let now = OffsetDateTime::now_utc();
            let rfc3339 = |t: OffsetDateTime| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            };
            let contest = client
                .create_contest(
                    admin,
                    &serde_json::json!({
                        "name": CONTEST_NAME,
                        "description": "Most approved conversions in 30 days wins.",
                        "kind": "individual",
                        "metric": "conversions",
                        "starts_at": rfc3339(now - time::Duration::days(1)),
                        "ends_at": rfc3339(now + time::Duration::days(30)),
                        "prizes": [
                            {"rank": 1, "prize": "1st place", "amount": "500.00", "currency": "USD"},
                            {"rank": 2, "prize": "2nd place", "amount": "250.00", "currency": "USD"},
                            {"rank": 3, "prize": "3rd place", "amount": "100.00", "currency": "USD"},
                        ],
                    }),
                )
                .await?;
            log(&format!("contest \"{CONTEST_NAME}\" created"));
            contest
        }
    };
    let Some(id) = contest["id"].as_i64() else {
        return fail("the contest has no id");
    };
    if contest["status"] == "draft" {
        client.publish_contest(admin, id).await?;
        log(&format!("contest \"{CONTEST_NAME}\" published"));
    }
    Ok(id)
}

/// Makes sure the demo exists, reusing what is there. Settings: `AFFTOK_API`,
/// `AFFTOK_DEV_{ADMIN,ADVERTISER,PROMOTER}_{EMAIL,PASSWORD}`, `AFFTOK_DEV_POSTBACK_KEY_FILE`,
/// `AFFTOK_DEV_OFFER_URL` (the demo offer's URL template, when it has to be created);
/// with `AFFTOK_DEV_TRAFFIC_DAYS` (default 0) and `AFFTOK_INGEST_SECRET`, that many days of
/// demo traffic ending two days ago go through the ingest ([`traffic`]); with
/// `AFFTOK_DEV_MARKET=true` too, the demo marketplace ([`market`]: more offers, two partner
/// promoters, their traffic) is made and its traffic sent.
pub async fn seed<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Demo, Failure> {
    let client = Client::new(&env.required("AFFTOK_API")?)?;
    let admin = login(
        &client,
        &env.required("AFFTOK_DEV_ADMIN_EMAIL")?,
        &env.required("AFFTOK_DEV_ADMIN_PASSWORD")?,
        "admin",
    )
    .await?;
    let advertiser = sign_in_or_up(
        &client,
        &NewAccount {
            role: Role::Advertiser,
            email: &env.required("AFFTOK_DEV_ADVERTISER_EMAIL")?,
            password: &env.required("AFFTOK_DEV_ADVERTISER_PASSWORD")?,
            display_name: "Demo Advertiser",
            company: Some("Demo Shop Inc."),
        },
    )
    .await?;
    let promoter = sign_in_or_up(
        &client,
        &NewAccount {
            role: Role::Promoter,
            email: &env.required("AFFTOK_DEV_PROMOTER_EMAIL")?,
            password: &env.required("AFFTOK_DEV_PROMOTER_PASSWORD")?,
            display_name: "Demo Promoter",
            company: None,
        },
    )
    .await?;
    let offer = demo_offer(&client, env, &advertiser.access_token, &admin.access_token).await?;
    let key_file = env.required("AFFTOK_DEV_POSTBACK_KEY_FILE")?;
    let postback_key =
        demo_postback_key(&client, Path::new(&key_file), &advertiser.access_token).await?;
    let joined = client.join(&promoter.access_token, offer.id).await?;
    log(&format!(
        "promoter {} offer {}",
        if joined.created {
            "joined"
        } else {
            "had joined"
        },
        offer.id
    ));
    match client.my_team(&promoter.access_token).await? {
        Some(team) => log(&format!("promoter is in team {}", team["name"])),
        None => {
            let team = client
                .create_team(&promoter.access_token, "Demo Team")
                .await?;
            log(&format!(
                "promoter made team {} (invite code {})",
                team["name"], team["invite_code"]
            ));
        }
    }
    let contest = demo_contest(&client, &admin.access_token).await?;
    let entered = client
        .enter_contest(&promoter.access_token, contest)
        .await?;
    log(&format!(
        "promoter {} contest \"{CONTEST_NAME}\" ({contest})",
        if entered { "entered" } else { "had entered" }
    ));
    let days: u16 = env.number("AFFTOK_DEV_TRAFFIC_DAYS", Some("0"))?;
    if days > 0 {
        let advertiser_id = advertiser
            .user
            .advertiser
            .as_ref()
            .map(|a| a.id)
            .ok_or_else(|| Failure("the demo advertiser has no company".into()))?;
        let (first_day, last_day) = traffic::days_before(OffsetDateTime::now_utc().date(), days);
        let mut plans = vec![traffic::Plan {
            offer_id: offer.id,
            promoter_id: promoter.user.id,
            kid: joined.link.kid,
            advertiser_id,
            first_day,
            last_day,
            shape: traffic::Shape::DEMO,
        }];
        if env.flag("AFFTOK_DEV_MARKET")? {
            let market = market::plans(
                &client,
                env,
                &advertiser,
                advertiser_id,
                &admin.access_token,
                &promoter,
            )
            .await?;
            plans.extend(market.into_iter().map(|p| traffic::Plan {
                first_day,
                last_day,
                ..p
            }));
        }
        let events: Vec<serde_json::Value> = plans.iter().flat_map(traffic::events).collect();
        let secret = env.required("AFFTOK_INGEST_SECRET")?;
        let now = OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
        // The ingest takes 64 KiB bodies by default: 100 events stay well under.
        for batch in events.chunks(100) {
            client.send_events(secret.as_bytes(), now, batch).await?;
        }
        log(&format!(
            "{} demo events from {first_day} to {last_day} sent through the ingest",
            events.len()
        ));
    }
    Ok(Demo {
        offer_id: offer.id,
        advertiser_id: advertiser.user.id,
        promoter_id: promoter.user.id,
        link: joined.link.url,
        token: joined.link.token,
        postback_key,
    })
}

/// Waits until the demo promoter's stats show `AFFTOK_DEV_EXPECT_CLICKS` clicks and
/// `AFFTOK_DEV_EXPECT_CONVERSIONS` conversions, and so do its live counters while it is
/// still `AFFTOK_DEV_CLICK_DAY` (UTC, YYYY-MM-DD; default today: the live counters start
/// from zero each UTC day). Gives up after `AFFTOK_DEV_CHECK_SECS` (default 30). Also reads
/// `AFFTOK_API`, `AFFTOK_DEV_PROMOTER_EMAIL` and `AFFTOK_DEV_PROMOTER_PASSWORD`.
pub async fn check<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<(), Failure> {
    let client = Client::new(&env.required("AFFTOK_API")?)?;
    let want_clicks: i64 = env.number("AFFTOK_DEV_EXPECT_CLICKS", None)?;
    let want_conversions: i64 = env.number("AFFTOK_DEV_EXPECT_CONVERSIONS", None)?;
    let limit: f64 = env.number("AFFTOK_DEV_CHECK_SECS", Some("30"))?;
    let Ok(limit_duration) = Duration::try_from_secs_f64(limit) else {
        return fail(format!("AFFTOK_DEV_CHECK_SECS is not a duration: {limit}"));
    };
    let email = env.required("AFFTOK_DEV_PROMOTER_EMAIL")?;
    let password = env.required("AFFTOK_DEV_PROMOTER_PASSWORD")?;
    let token = login(&client, &email, &password, "promoter")
        .await?
        .access_token;
    // Yesterday to tomorrow (UTC): a run across midnight still finds its events.
    let today = OffsetDateTime::now_utc().date();
    let (from, to) = (
        today.previous_day().unwrap_or(today),
        today.next_day().unwrap_or(today),
    );
    let click_day = (env.0)("AFFTOK_DEV_CLICK_DAY").unwrap_or_else(|| today.to_string());
    let want = (want_clicks, want_conversions);
    let deadline = tokio::time::Instant::now() + limit_duration;
    loop {
        let totals = client.stats(&token, from, to).await?.totals;
        let live = client.live(&token).await?;
        let stats_ok = (totals.clicks, totals.conversions) == want;
        // Past midnight (UTC) the live counters start again from zero.
        let same_day = live.day == click_day;
        let live_ok = !same_day || (live.counts.clicks, live.counts.conversions) == want;
        if stats_ok && live_ok {
            log(&format!(
                "the promoter's stats show {} clicks ({} unique), {} conversions, payout {}; {}",
                totals.clicks,
                totals.unique_clicks,
                totals.conversions,
                totals.payout,
                if same_day {
                    "the live counters agree"
                } else {
                    "the UTC day changed: live counters not compared"
                }
            ));
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return fail(format!(
                "after {limit:.0} s the promoter's stats show {} clicks and {} conversions \
                 (live counters: {} and {}; filtered clicks: {}), expected {want_clicks} and \
                 {want_conversions}",
                totals.clicks,
                totals.conversions,
                live.counts.clicks,
                live.counts.conversions,
                totals.filtered_clicks
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
