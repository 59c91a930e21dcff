//! The `afftok` binary itself: admin creation, signing keys, migrate, bad configuration, the
//! demo of scripts/dev (`dev seed`, `dev check`).

use std::io::Write as _;
use std::process::{Command, Stdio};

use afftok_shared::link::Link;
use serde_json::json;

use crate::helpers::{KEK_B64, PASSWORD, TestApp, fresh_database, spawn_app, wait_until};

/// Runs the binary and waits for it. It blocks its thread: the tests that call it run on two
/// worker threads, so the test app's server and jobs keep running meanwhile (on one thread,
/// a job caught holding the edge push lock would keep it until the CLI, waiting for that
/// lock, gave up: never).
pub(crate) fn afftok(db_url: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_afftok"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("AFFTOK_KEY_ENCRYPTION_KEY", KEK_B64)
        // Pushing is tested in edge_push.rs, on a prefix of its own.
        .env("AFFTOK_EDGE_TARGETS", "none")
        .env_remove("AFFTOK_ADMIN_PASSWORD")
        .env_remove("AFFTOK_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("afftok runs");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("afftok exits");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_create_then_sign_in() {
    let app = spawn_app().await;
    let (code, out, err) = afftok(
        &app.db_url,
        &["admin", "create", "--email", "root@afftok.test"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("root@afftok.test"), "{out}");
    assert!(
        !out.contains(PASSWORD) && !err.contains(PASSWORD),
        "the password is never echoed"
    );
    let admin = app.login("root@afftok.test", PASSWORD).await;
    let queue = app
        .get("/v1/admin/review-queue")
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("request");
    assert_eq!(queue.status(), 200);
    // Weak passwords and duplicates are refused.
    let (code, _, err) = afftok(
        &app.db_url,
        &["admin", "create", "--email", "weak@afftok.test"],
        "short\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("password"), "{err}");
    let (code, _, err) = afftok(
        &app.db_url,
        &["admin", "create", "--email", "ROOT@afftok.test"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(code, 1);
    assert!(err.contains("email"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_created_by_the_cli_sign_links_that_verify() {
    let app = spawn_app().await;
    let (code, out, err) = afftok(&app.db_url, &["keys", "create"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created kid 1 (active)"), "{out}");
    let (code, out, _) = afftok(&app.db_url, &["keys", "rotate", "--wait", "0"], "");
    assert_eq!(code, 0);
    assert!(out.contains("kid 2 is active"), "{out}");
    let (code, _, err) = afftok(&app.db_url, &["keys", "revoke", "2"], "");
    assert_eq!(code, 1, "the active key cannot be revoked");
    assert!(err.contains("rotate"), "{err}");
    let (code, out, _) = afftok(&app.db_url, &["keys", "list"], "");
    assert_eq!(code, 0);
    assert!(
        out.contains("1\tlive\tvalid") && out.contains("2\tlive\tactive"),
        "{out}"
    );

    // A link joined now is signed with kid 2 and verifies against the CLI's keys.
    let adv = app.advertiser("acme").await;
    let admin = app.admin().await;
    let pat = app.promoter("pat").await;
    let offer = app.approved_offer(&adv, &admin, json!({})).await;
    let link: serde_json::Value = app
        .post(&format!("/v1/marketplace/offers/{offer}/join"))
        .bearer_auth(&pat.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let kek = secrecy::ExposeSecret::expose_secret(app.settings.key_encryption_key.as_ref());
    let (keys, active) = afftok_control_plane::links::signing_keys::keyset(&app.db, kek)
        .await
        .expect("keyset");
    assert_eq!(active, Some(afftok_control_plane::kernel::Kid(2)));
    let verified = keys
        .verify(link["token"].as_str().expect("token"), 0)
        .expect("verifies");
    assert_eq!(
        verified,
        Link {
            kid: 2,
            offer_id: offer as u64,
            promoter_id: pat.id as u64,
            expires_at: 0
        }
    );

    // Revoking kid 1 marks it revoked in the keyset the edges will get.
    let (code, _, _) = afftok(&app.db_url, &["keys", "revoke", "1"], "");
    assert_eq!(code, 0);
    let (keys, _) = afftok_control_plane::links::signing_keys::keyset(&app.db, kek)
        .await
        .expect("keyset");
    assert!(keys.is_revoked(1) && !keys.is_revoked(2));
    // Secrets are stored encrypted: the ciphertext is not the key.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT ciphertext FROM signing_keys WHERE kid = 2")
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!(stored.len(), 32 + 16, "32 secret bytes and a GCM tag");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_need_the_right_key_encryption_key() {
    let app = spawn_app().await;
    app.signing_key(true).await;
    let out = Command::new(env!("CARGO_BIN_EXE_afftok"))
        .args(["keys", "list"])
        .env("DATABASE_URL", &app.db_url)
        .env(
            "AFFTOK_KEY_ENCRYPTION_KEY",
            "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
        )
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AFFTOK_KEY_ENCRYPTION_KEY"));
    let missing = Command::new(env!("CARGO_BIN_EXE_afftok"))
        .args(["keys", "create"])
        .env("DATABASE_URL", &app.db_url)
        .env_remove("AFFTOK_KEY_ENCRYPTION_KEY")
        .env_remove("AFFTOK_CONFIG")
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("AFFTOK_KEY_ENCRYPTION_KEY is required")
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM signing_keys")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(
        count, 1,
        "no key was created with a missing key-encryption key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_and_bad_configuration() {
    let (_, url) = fresh_database().await;
    let (code, out, err) = afftok(&url, &["migrate"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations applied"));
    let (code, _, _) = afftok(&url, &["migrate"], "");
    assert_eq!(code, 0, "migrating twice is fine");
    let (code, _, err) = afftok("mysql://nope", &["migrate"], "");
    assert_eq!(code, 2);
    assert!(err.contains("DATABASE_URL"), "{err}");
    let serve = Command::new(env!("CARGO_BIN_EXE_afftok"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env_remove("AFFTOK_JWT_SECRET")
        .output()
        .expect("runs");
    assert_eq!(serve.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&serve.stderr).contains("AFFTOK_INGEST_SECRET")
            || String::from_utf8_lossy(&serve.stderr).contains("AFFTOK_JWT_SECRET")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_rebuild_recomputes_the_rollups_from_the_stored_rows() {
    use crate::tracking::{Click, market};

    let m = market(json!({})).await;
    let clicks: Vec<serde_json::Value> = (0..30)
        .map(|i| {
            let at = time::OffsetDateTime::now_utc() - time::Duration::minutes(i * 20);
            let mut click = Click::new(m.offer, m.promoter.id, at);
            click.ip = format!("198.18.0.{i}");
            click.event()
        })
        .collect();
    m.app.ingest(&clicks).await;
    // A repair by hand that the rollups know nothing of: one click removed.
    sqlx::query("DELETE FROM clicks WHERE id = (SELECT id FROM clicks ORDER BY ts LIMIT 1)")
        .execute(&m.app.db)
        .await
        .expect("delete");
    let (code, out, err) = afftok(&m.app.db_url, &["stats", "rebuild"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("stats rebuilt"), "{out}");
    for (table, scope) in [
        ("stats_clicks", "true"),
        ("stats_scope_clicks", "scope = 't'"),
        ("stats_scope_clicks_hourly", "scope = 'p'"),
    ] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT coalesce(sum(clicks), 0)::bigint FROM {table} WHERE {scope}"
        ))
        .fetch_one(&m.app.db)
        .await
        .expect("sum");
        assert_eq!(n, 29, "{table}");
    }
    // Without a database it says so.
    let (code, _, err) = afftok(
        "postgres://postgres@127.0.0.1:1/none",
        &["stats", "rebuild"],
        "",
    );
    assert_ne!(code, 0);
    assert!(!err.is_empty());
}

/// Runs `afftok dev ARGS` against `app` with the demo's settings (as scripts/dev sets them)
/// and `extra`, and nothing else from the environment; answers the exit code, standard
/// output and standard error. Asynchronous: the app serves on this test's runtime meanwhile.
async fn afftok_dev(
    app: &TestApp,
    admin_email: &str,
    key_file: &std::path::Path,
    args: &[&str],
    extra: &[(&str, &str)],
) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_afftok"));
    command
        .arg("dev")
        .args(args)
        .env_clear()
        .env("AFFTOK_API", &app.base)
        .env("AFFTOK_DEV_ADMIN_EMAIL", admin_email)
        .env("AFFTOK_DEV_ADMIN_PASSWORD", PASSWORD)
        .env("AFFTOK_DEV_ADVERTISER_EMAIL", "advertiser@afftok.test")
        .env("AFFTOK_DEV_ADVERTISER_PASSWORD", "advertiser-password")
        .env("AFFTOK_DEV_PROMOTER_EMAIL", "promoter@afftok.test")
        .env("AFFTOK_DEV_PROMOTER_PASSWORD", "promoter-password")
        .env("AFFTOK_DEV_POSTBACK_KEY_FILE", key_file)
        .env(
            "AFFTOK_DEV_OFFER_URL",
            "https://example.com/landing?click_id={click_id}&sub1={sub1}",
        );
    for (name, value) in extra {
        command.env(name, value);
    }
    let out = command.output().await.expect("afftok runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `name=value` lines of `afftok dev seed`.
fn seeded(out: &str) -> std::collections::BTreeMap<String, String> {
    out.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[tokio::test]
async fn dev_seed_builds_the_demo_once_then_reuses_it() {
    let app = spawn_app().await;
    app.signing_key(true).await;
    let admin = app.admin().await;
    let key_file =
        std::env::temp_dir().join(format!("afftok-dev-seed-{}", uuid::Uuid::new_v4().simple()));

    let (code, out, err) = afftok_dev(&app, &admin.email, &key_file, &["seed"], &[]).await;
    assert_eq!(code, 0, "{out}{err}");
    let first = seeded(&out);
    let names: Vec<&str> = first.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "advertiser_id",
            "link",
            "offer_id",
            "postback_key",
            "promoter_id",
            "token"
        ],
        "{out}"
    );
    assert!(
        err.contains("advertiser advertiser@afftok.test signed up")
            && err.contains("created")
            && err.contains("is now approved")
            && err.contains("promoter joined offer")
            && err.contains("promoter made team \"Demo Team\"")
            && err.contains("contest \"December Sprint\" created")
            && err.contains("promoter entered contest \"December Sprint\""),
        "{err}"
    );
    assert!(first["link"].starts_with("https://edge.test/"), "{out}");
    assert!(first["link"].ends_with(&first["token"]), "{out}");
    // The key is saved for the next run, readable by its owner only.
    let saved = std::fs::read_to_string(&key_file).expect("the key file");
    assert_eq!(saved, format!("{}\n", first["postback_key"]));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Again: the same accounts, offer, key and link, nothing new.
    let (code, out, err) = afftok_dev(&app, &admin.email, &key_file, &["seed"], &[]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        seeded(&out),
        first,
        "the second run reuses the first one's demo"
    );
    assert!(
        err.contains("advertiser advertiser@afftok.test exists: signing in")
            && err.contains(&format!("offer {} exists (approved)", first["offer_id"]))
            && err.contains("is active")
            && err.contains("promoter had joined offer")
            && err.contains("promoter is in team \"Demo Team\"")
            && err.contains("promoter had entered contest \"December Sprint\""),
        "{err}"
    );
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM offers), (SELECT count(*) FROM postback_keys),
                (SELECT count(*) FROM teams)",
    )
    .fetch_one(&app.db)
    .await
    .expect("counts");
    assert_eq!(counts, (1, 1, 1));
    // One contest, platform-wide, running (or about to), with the promoter in it.
    let contest: (i64, Option<i64>, String, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM contests), c.advertiser_id, c.status,
                (SELECT count(*) FROM contest_entries e WHERE e.contest_id = c.id)
         FROM contests c",
    )
    .fetch_one(&app.db)
    .await
    .expect("the contest");
    assert_eq!((contest.0, contest.1, contest.3), (1, None, 1));
    assert!(
        matches!(contest.2.as_str(), "scheduled" | "running"),
        "{contest:?}"
    );

    // A paused offer is resumed, a revoked key replaced (and saved); the rest is reused.
    let adv = app
        .login("advertiser@afftok.test", "advertiser-password")
        .await;
    let pause = app
        .post(&format!("/v1/offers/{}/pause", first["offer_id"]))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("pause");
    assert_eq!(pause.status(), 200);
    let keys = app.api.postback_keys(&adv.token).await.expect("keys");
    let revoke = app
        .delete(&format!("/v1/postback-keys/{}", keys[0].id))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("revoke");
    assert!(revoke.status().is_success(), "{}", revoke.status());
    let (code, out, err) = afftok_dev(&app, &admin.email, &key_file, &["seed"], &[]).await;
    assert_eq!(code, 0, "{out}{err}");
    let third = seeded(&out);
    assert!(
        err.contains(&format!("offer {} exists (paused)", first["offer_id"]))
            && err.contains("is now approved")
            && err.contains("no longer active: creating another"),
        "{err}"
    );
    assert_ne!(third["postback_key"], first["postback_key"]);
    assert_eq!(
        std::fs::read_to_string(&key_file).expect("the key file"),
        format!("{}\n", third["postback_key"])
    );
    for same in ["offer_id", "advertiser_id", "promoter_id", "link", "token"] {
        assert_eq!(third[same], first[same], "{same}");
    }

    // `dev check` sees the demo promoter's (empty) stats, and gives up on what is not there.
    let (code, out, err) = afftok_dev(
        &app,
        &admin.email,
        &key_file,
        &["check"],
        &[
            ("AFFTOK_DEV_EXPECT_CLICKS", "0"),
            ("AFFTOK_DEV_EXPECT_CONVERSIONS", "0"),
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("the live counters agree"), "{err}");
    let (code, _, err) = afftok_dev(
        &app,
        &admin.email,
        &key_file,
        &["check"],
        &[
            ("AFFTOK_DEV_EXPECT_CLICKS", "1"),
            ("AFFTOK_DEV_EXPECT_CONVERSIONS", "0"),
            ("AFFTOK_DEV_CHECK_SECS", "0"),
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains("0 clicks") && err.contains("expected 1 and 0"),
        "{err}"
    );

    // A demo account whose password is not the saved one: one line saying what to do.
    let (code, _, err) = afftok_dev(
        &app,
        &admin.email,
        &key_file,
        &["seed"],
        &[("AFFTOK_DEV_ADVERTISER_PASSWORD", "another-password")],
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.ends_with("`scripts/dev --reset` starts the demo afresh\n"),
        "{err}"
    );
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("afftok: ")),
        "{err}"
    );
    let (code, _, err) = afftok_dev(
        &app,
        &admin.email,
        &key_file,
        &["seed"],
        &[("AFFTOK_DEV_OFFER_URL", "")],
    )
    .await;
    assert_eq!(code, 0, "an existing offer needs no URL: {err}");
    std::fs::remove_file(&key_file).ok();
}

/// The codes of an analysis' findings.
fn finding_codes(analysis: &serde_json::Value) -> Vec<&str> {
    analysis["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str())
        .collect()
}

/// The demo's marketplace (`AFFTOK_DEV_MARKET=true`, as scripts/dev runs the seed) gives the
/// assistant something real to say to the demo promoter and advertiser: an overview with a
/// best offer, suggestions with one left out for its countries, two offers to compare by EPC,
/// CR comparisons with a z-score, and promoters to rank for the advertiser.
#[tokio::test]
async fn dev_seed_with_the_marketplace_gives_the_assistant_something_to_say() {
    let app = spawn_app().await;
    app.signing_key(true).await;
    let admin = app.admin().await;
    let key_file = std::env::temp_dir().join(format!(
        "afftok-dev-market-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let settings = [
        ("AFFTOK_DEV_TRAFFIC_DAYS", "21"),
        ("AFFTOK_DEV_MARKET", "true"),
        ("AFFTOK_INGEST_SECRET", "test-ingest-secret"),
    ];
    let (code, out, err) = afftok_dev(&app, &admin.email, &key_file, &["seed"], &settings).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("the marketplace: 4 more offers, 2 partners"),
        "{err}"
    );
    // Run again, it makes nothing twice.
    let (code, out, err) = afftok_dev(&app, &admin.email, &key_file, &["seed"], &settings).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("created"), "{err}");
    std::fs::remove_file(&key_file).ok();

    let pat = app.login("promoter@afftok.test", "promoter-password").await;
    let acme = app
        .login("advertiser@afftok.test", "advertiser-password")
        .await;
    // Attribution and the rollups run behind the ingest: wait for the last day's numbers.
    wait_until("the demo's traffic in the analysis", async || {
        let a = app.get_json("/v1/assistant/analysis", &pat.token).await;
        finding_codes(&a).contains(&"worst_offer_epc")
    })
    .await;

    let overview = app.get_json("/v1/assistant/overview", &pat.token).await;
    let best = overview["best_offer"]["name"].as_str().unwrap_or_default();
    assert!(
        ["AffTok demo offer", "Demo Sneakers"].contains(&best),
        "{overview}"
    );
    let month = &overview["periods"][2]["current"];
    assert!(month["clicks"].as_i64() > Some(500), "{overview}");
    assert!(month["conversions"].as_i64() > Some(20), "{overview}");

    let suggestions = app.get_json("/v1/assistant/suggestions", &pat.token).await;
    let names: Vec<&str> = suggestions["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    // Same category and open to its countries first; travel is closed to Saudi Arabia.
    assert_eq!(
        names,
        ["Demo Fashion Week", "Demo Mobile Game"],
        "{suggestions}"
    );
    assert_eq!(suggestions["left_out"]["geo_blocked"], 1, "{suggestions}");
    assert_eq!(suggestions["main_countries"][0], "SA", "{suggestions}");
    let reasons: Vec<&str> = suggestions["data"][0]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert!(!reasons.contains(&"not_enough_data"), "{suggestions}");

    let analysis = app.get_json("/v1/assistant/analysis", &pat.token).await;
    let codes = finding_codes(&analysis);
    for code in [
        "best_offer_epc",
        "worst_offer_epc",
        "top_countries",
        "top_sub1",
        "best_hours",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let cr = analysis["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"].as_str().is_some_and(|c| c.starts_with("cr_")))
        .cloned()
        .unwrap_or_else(|| panic!("a CR comparison in {codes:?}"));
    assert!(cr["figures"]["z_score"].is_number(), "{cr}");

    let analysis = app.get_json("/v1/assistant/analysis", &acme.token).await;
    let codes = finding_codes(&analysis);
    for code in ["best_promoter", "worst_promoter", "best_offer_epc"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
}

/// `afftok retention run`: visitor IPs past AFFTOK_IP_RETENTION_DAYS are cut to their
/// network, raw click months past AFFTOK_RAW_RETENTION_MONTHS are dropped, the dry run
/// changes nothing, and the stats answer the same before and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_cuts_old_ips_drops_old_months_and_leaves_the_stats_alone() {
    use crate::tracking::{Click, Conversion, market};
    use time::{Duration, OffsetDateTime};

    let m = market(json!({})).await;
    let now = OffsetDateTime::now_utc();
    // A month 15 months back, with a partition of its own; and one 17 months back without.
    let months_back = |n: i32| {
        let index = now.year() * 12 + i32::from(u8::from(now.month())) - 1 - n;
        (index.div_euclid(12), index.rem_euclid(12) as u8 + 1)
    };
    let (year, month) = months_back(15);
    let (next_year, next_month) = months_back(14);
    let partition = format!("clicks_y{year}m{month:02}");
    sqlx::query(&format!(
        "CREATE TABLE {partition} PARTITION OF clicks FOR VALUES FROM ('{year:04}-{month:02}-01 00:00:00+00') TO ('{next_year:04}-{next_month:02}-01 00:00:00+00')"
    ))
    .execute(&m.app.db)
    .await
    .expect("old partition");
    let day = |(y, mo): (i32, u8)| {
        time::Date::from_calendar_date(y, time::Month::try_from(mo).expect("month"), 10)
            .expect("date")
            .with_hms(12, 0, 0)
            .expect("time")
            .assume_utc()
    };
    let click = |at: OffsetDateTime, ip: &str| {
        let mut c = Click::new(m.offer, m.promoter.id, at);
        c.ip = ip.to_owned();
        c
    };
    let recent = click(now - Duration::days(1), "203.0.113.77");
    let recent6 = click(
        now - Duration::days(1) + Duration::seconds(1),
        "2001:db8:1:2::77",
    );
    let older = click(now - Duration::days(40), "198.51.100.23");
    let older6 = click(
        now - Duration::days(40) + Duration::seconds(1),
        "2001:db8:aa:bb::1",
    );
    let ancient = click(day(months_back(15)), "192.0.2.9");
    let stray = click(day(months_back(17)), "192.0.2.10");
    let converted = Conversion::new(m.advertiser_id(), older.id, older.ts + Duration::minutes(5));
    let events: Vec<serde_json::Value> = [&recent, &recent6, &older, &older6, &ancient, &stray]
        .iter()
        .map(|c| c.event())
        .chain([converted.event()])
        .collect();
    m.app.ingest(&events).await;
    m.app.settled().await;
    let range = format!(
        "/v1/stats?from={}&to={}",
        (now - Duration::days(600)).date(),
        now.date()
    );
    let stats_before = m.app.get_json(&range, &m.adv.token).await;
    let ips = async || -> Vec<(String, String)> {
        sqlx::query_as("SELECT id::text, host(ip) || '/' || masklen(ip) FROM clicks ORDER BY ts")
            .fetch_all(&m.app.db)
            .await
            .expect("ips")
    };
    let ips_before = ips().await;

    let (code, out, err) = afftok(&m.app.db_url, &["retention", "run", "--dry-run"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("would cut 4 on clicks, 1 on conversions"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "would drop 1 partitions ({partition}), 1 stray clicks"
        )),
        "{out}"
    );
    assert_eq!(ips().await, ips_before, "a dry run changes nothing");

    let (code, out, err) = afftok(&m.app.db_url, &["retention", "run"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("cut 4 on clicks"), "{out}");
    let after: std::collections::BTreeMap<String, String> = ips().await.into_iter().collect();
    let ip_of = |c: &Click| after.get(&c.id.to_string()).cloned();
    assert_eq!(ip_of(&recent).as_deref(), Some("203.0.113.77/32"));
    assert_eq!(ip_of(&recent6).as_deref(), Some("2001:db8:1:2::77/128"));
    assert_eq!(ip_of(&older).as_deref(), Some("198.51.100.0/24"));
    assert_eq!(ip_of(&older6).as_deref(), Some("2001:db8:aa::/48"));
    assert_eq!(ip_of(&ancient), None, "its month is gone");
    assert_eq!(ip_of(&stray), None, "deleted from the default partition");
    let conversion_ip: String =
        sqlx::query_scalar("SELECT host(ip) || '/' || masklen(ip) FROM conversions WHERE id = $1")
            .bind(converted.id)
            .fetch_one(&m.app.db)
            .await
            .expect("conversion");
    assert_eq!(conversion_ip, "198.51.100.0/24");
    let gone: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NULL")
        .bind(&partition)
        .fetch_one(&m.app.db)
        .await
        .expect("regclass");
    assert!(gone);
    // The stats did not move; a second run has nothing left to do.
    assert_eq!(m.app.get_json(&range, &m.adv.token).await, stats_before);
    let (code, out, _) = afftok(&m.app.db_url, &["retention", "run"], "");
    assert_eq!(code, 0);
    assert!(out.contains("cut 0 on clicks, 0 on conversions"), "{out}");
    assert!(
        out.contains("dropped 0 partitions, 0 stray clicks"),
        "{out}"
    );
}
