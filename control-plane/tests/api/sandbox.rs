//! The sandbox (DESIGN §16): test links, test keys and minted test clicks are stored and
//! listed as `test`, and reach no live figure (stats, uniques, live counters, points).

use serde_json::{Value, json};
use time::Duration;
use uuid::Uuid;

use crate::helpers::{fields, problem};
use crate::tracking::{Click, Conversion, Market, earlier_today, market, stamp};

async fn count(db: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.expect(sql)
}

/// The promoter's test link for the market's offer (joined first); returns its kid.
async fn test_kid(m: &Market) -> i64 {
    m.app.signing_key(true).await;
    let resp = m
        .app
        .post(&format!("/v1/marketplace/offers/{}/join", m.offer))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("join");
    assert_eq!(resp.status(), 201);
    let live: Value = resp.json().await.expect("json");
    assert_eq!(live["test"], false);
    let links: Value = m
        .app
        .get("/v1/links")
        .bearer_auth(&m.promoter.token)
        .header("afftok-mode", "test")
        .send()
        .await
        .expect("links")
        .json()
        .await
        .expect("json");
    let link = &links["data"][0];
    assert_eq!(link["test"], true, "{links}");
    assert_ne!(link["kid"], live["kid"]);
    assert_ne!(link["token"], live["token"]);
    let kid = link["kid"].as_i64().expect("kid");
    let mode: String = sqlx::query_scalar("SELECT mode FROM signing_keys WHERE kid = $1")
        .bind(kid)
        .fetch_one(&m.app.db)
        .await
        .expect("key");
    assert_eq!(mode, "test");
    // Asked again, the same test key signs (one is created only when none exists).
    let again: Value = m
        .app
        .get(&format!("/v1/links/{}", link["id"]))
        .bearer_auth(&m.promoter.token)
        .header("afftok-mode", "test")
        .send()
        .await
        .expect("link")
        .json()
        .await
        .expect("json");
    assert_eq!(again["token"], link["token"]);
    kid
}

fn with_kid(click: &Click, kid: i64) -> Value {
    let mut event = click.event();
    event["kid"] = json!(kid);
    event
}

#[tokio::test]
async fn test_traffic_is_stored_and_listed_but_counted_nowhere_live() {
    let m = market(json!({})).await;
    let kid = test_kid(&m).await;
    let t = earlier_today(Duration::minutes(5));
    // A running conversions contest the promoter entered.
    let now = time::OffsetDateTime::now_utc();
    let contest: Value = m
        .app
        .post("/v1/contests")
        .bearer_auth(&m.admin.token)
        .json(&json!({"name": "Sprint", "kind": "individual", "metric": "conversions",
            "starts_at": stamp(now - Duration::hours(2)), "ends_at": stamp(now + Duration::hours(2)),
            "prizes": [{"rank": 1, "prize": "Gold"}]}))
        .send()
        .await
        .expect("contest")
        .json()
        .await
        .expect("json");
    let contest = contest["id"].as_i64().expect("contest id");
    for (who, path) in [
        (&m.admin.token, format!("/v1/contests/{contest}/publish")),
        (&m.promoter.token, format!("/v1/contests/{contest}/entries")),
    ] {
        let resp = m
            .app
            .post(&path)
            .bearer_auth(who)
            .send()
            .await
            .expect("contest");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
    }
    let live_click = Click::new(m.offer, m.promoter.id, t);
    let mut test_click = Click::new(m.offer, m.promoter.id, t + Duration::seconds(1));
    test_click.ip = "203.0.113.77".to_owned();
    // The same txid on both: live and test conversions never contend with each other.
    let live_conv =
        Conversion::new(m.advertiser_id(), live_click.id, t + Duration::seconds(60)).txid("T-1");
    let on_test_click =
        Conversion::new(m.advertiser_id(), test_click.id, t + Duration::seconds(61)).txid("T-1");
    // A test key's conversion (the edge marks it) on the live click.
    let mut from_test_key =
        Conversion::new(m.advertiser_id(), live_click.id, t + Duration::seconds(62)).txid("T-2");
    from_test_key.event = "signup".to_owned();
    let mut test_key_event = from_test_key.event();
    test_key_event["test"] = json!(true);
    let report = m
        .app
        .ingest(&[
            live_click.event(),
            with_kid(&test_click, kid),
            live_conv.event(),
            on_test_click.event(),
            test_key_event,
        ])
        .await;
    assert_eq!(report["stored"], 5, "{report}");
    for conv in [&live_conv, &on_test_click, &from_test_key] {
        assert_eq!(m.app.status_of(conv.id).await, "approved");
    }

    let db = &m.app.db;
    assert_eq!(count(db, "SELECT count(*) FROM clicks WHERE test").await, 1);
    assert_eq!(
        count(db, "SELECT count(*) FROM conversions WHERE test").await,
        2,
        "on a test click, or from a test key"
    );
    assert_eq!(
        count(db, "SELECT sum(clicks)::bigint FROM stats_clicks").await,
        1
    );
    assert_eq!(
        count(db, "SELECT sum(unique_clicks)::bigint FROM stats_clicks").await,
        1
    );
    assert_eq!(count(db, "SELECT count(*) FROM click_uniques").await, 1);
    assert_eq!(
        count(db, "SELECT sum(conversions)::bigint FROM stats_conversions").await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM domain_events WHERE kind = 'conversion.decided'"
        )
        .await,
        1,
        "test decisions reach no reaction"
    );
    m.app.settled().await;
    let live: Value = m.app.get_json("/v1/stats/live", &m.admin.token).await;
    assert_eq!(
        (&live["clicks"], &live["conversions"]),
        (&json!(1), &json!(1))
    );
    let points: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(points), 0)::bigint FROM points_ledger WHERE promoter_id = $1",
    )
    .bind(m.promoter.id)
    .fetch_one(db)
    .await
    .expect("points");
    assert_eq!(points, 21, "one unique click and one conversion, live only");
    let standings: Value = m
        .app
        .get_json(
            &format!("/v1/contests/{contest}/standings"),
            &m.promoter.token,
        )
        .await;
    assert_eq!(standings["data"][0]["score"], "1", "{standings}");

    // Listings: the caller's mode by default, or as asked.
    let clicks = |mode: Option<&str>, header: Option<&str>| {
        let path = match mode {
            Some(mode) => format!("/v1/clicks?mode={mode}"),
            None => "/v1/clicks".to_owned(),
        };
        let mut req = m.app.get(&path).bearer_auth(&m.promoter.token);
        if let Some(h) = header {
            req = req.header("afftok-mode", h);
        }
        async move {
            let v: Value = req
                .send()
                .await
                .expect("clicks")
                .json()
                .await
                .expect("json");
            v["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|c| (c["id"].as_str().unwrap_or("").to_owned(), c["test"] == true))
                .collect::<Vec<_>>()
        }
    };
    let id = |c: &Click| c.id.to_string();
    assert_eq!(clicks(None, None).await, vec![(id(&live_click), false)]);
    assert_eq!(
        clicks(Some("test"), None).await,
        vec![(id(&test_click), true)]
    );
    assert_eq!(
        clicks(None, Some("test")).await,
        vec![(id(&test_click), true)]
    );
    assert_eq!(clicks(Some("all"), None).await.len(), 2);
    let resp = m
        .app
        .get("/v1/clicks?mode=staging")
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(
        fields(&problem(resp, 422, "validation_failed").await),
        ["mode"]
    );
    let resp = m
        .app
        .get("/v1/clicks")
        .bearer_auth(&m.promoter.token)
        .header("afftok-mode", "TEST")
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_mode").await;

    let conversions: Value = m
        .app
        .get_json("/v1/conversions?mode=test", &m.adv.token)
        .await;
    let mut listed: Vec<Uuid> = conversions["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| {
            assert_eq!(c["test"], true, "{c}");
            c["id"].as_str().and_then(|s| s.parse().ok()).expect("id")
        })
        .collect();
    listed.sort();
    let mut expected = vec![on_test_click.id, from_test_key.id];
    expected.sort();
    assert_eq!(listed, expected);
    let live_list: Value = m.app.get_json("/v1/conversions", &m.adv.token).await;
    assert_eq!(live_list["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(live_list["data"][0]["test"], false);
    let csv = m
        .app
        .get("/v1/conversions?mode=all&format=csv")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        csv.lines().next().is_some_and(|h| h.ends_with(",test")),
        "{csv}"
    );
    assert_eq!(csv.lines().filter(|l| l.ends_with(",true")).count(), 2);
}

#[tokio::test]
async fn minted_sandbox_clicks_take_test_conversions() {
    let m = market(json!({})).await;
    m.app.signing_key(true).await;
    let resp = m
        .app
        .post("/v1/sandbox/click")
        .bearer_auth(&m.adv.token)
        .header("user-agent", "integration-check/1.0")
        .json(&json!({"offer_id": m.offer, "country": "de", "subs": {"sub1": "qa"}}))
        .send()
        .await
        .expect("mint");
    assert_eq!(resp.status(), 201);
    let minted: Value = resp.json().await.expect("json");
    assert_eq!(
        (&minted["test"], &minted["promoter_id"]),
        (&json!(true), &json!(0))
    );
    let click_id: Uuid = minted["click_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("click id");
    assert_eq!(click_id.get_version_num(), 7);
    assert_eq!(
        minted["postback_url"],
        format!("https://edge.test/postback/{{postback_key}}?click_id={click_id}")
    );
    let row: (bool, String, Option<String>, Option<String>, String) =
        sqlx::query_as("SELECT test, edge, country, sub1, user_agent FROM clicks WHERE id = $1")
            .bind(click_id)
            .fetch_one(&m.app.db)
            .await
            .expect("stored");
    assert_eq!(
        row,
        (
            true,
            "sandbox".to_owned(),
            Some("DE".to_owned()),
            Some("qa".to_owned()),
            "integration-check/1.0".to_owned()
        )
    );

    // A conversion reported on it, through the conversion API with a live key, is a test one.
    let key: Value = m
        .app
        .post("/v1/api-keys")
        .bearer_auth(&m.adv.token)
        .json(&json!({"name": "server", "scopes": ["conversions:write", "stats:read"]}))
        .send()
        .await
        .expect("key")
        .json()
        .await
        .expect("json");
    let api_key = key["key"].as_str().expect("key");
    let resp = m
        .app
        .post(&format!("/v1/conversions?click_id={click_id}&txid=S-1"))
        .bearer_auth(api_key)
        .send()
        .await
        .expect("report");
    assert_eq!(resp.status(), 201);
    let reported: Value = resp.json().await.expect("json");
    assert_eq!(reported["attribution"], "approved", "{reported}");
    let conv: Value = m
        .app
        .get_json("/v1/conversions?mode=test", &m.adv.token)
        .await;
    assert_eq!(conv["data"][0]["test"], true, "{conv}");
    assert_eq!(conv["data"][0]["promoter_id"], 0);
    assert_eq!(
        count(&m.app.db, "SELECT count(*) FROM stats_clicks").await
            + count(&m.app.db, "SELECT count(*) FROM stats_conversions").await,
        0
    );

    // A promoter mints for itself only; an advertiser only on its own offers.
    let resp = m
        .app
        .post("/v1/sandbox/click")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"offer_id": m.offer}))
        .send()
        .await
        .expect("mint");
    assert_eq!(resp.status(), 201);
    let mine: Value = resp.json().await.expect("json");
    assert_eq!(mine["promoter_id"], m.promoter.id);
    let resp = m
        .app
        .post("/v1/sandbox/click")
        .bearer_auth(&m.promoter.token)
        .json(&json!({"offer_id": m.offer, "promoter_id": m.promoter.id + 1}))
        .send()
        .await
        .expect("mint");
    assert_eq!(
        fields(&problem(resp, 422, "validation_failed").await),
        ["promoter_id"]
    );
    let globex = m.app.advertiser("globex").await;
    let resp = m
        .app
        .post("/v1/sandbox/click")
        .bearer_auth(&globex.token)
        .json(&json!({"offer_id": m.offer}))
        .send()
        .await
        .expect("mint");
    problem(resp, 404, "not_found").await;
    for (body, field) in [
        (
            json!({"offer_id": m.offer, "country": "Germany"}),
            "country",
        ),
        (
            json!({"offer_id": m.offer, "promoter_id": -4}),
            "promoter_id",
        ),
    ] {
        let resp = m
            .app
            .post("/v1/sandbox/click")
            .bearer_auth(&m.adv.token)
            .json(&body)
            .send()
            .await
            .expect("mint");
        assert_eq!(
            fields(&problem(resp, 422, "validation_failed").await),
            [field]
        );
    }
    for unknown in [
        json!({"offer_id": m.offer, "clicks": 5}),
        json!({"offer_id": m.offer, "subs": {"sub6": "x"}}),
    ] {
        let resp = m
            .app
            .post("/v1/sandbox/click")
            .bearer_auth(&m.adv.token)
            .json(&unknown)
            .send()
            .await
            .expect("mint");
        problem(resp, 400, "invalid_body").await;
    }
    let resp = m
        .app
        .post("/v1/sandbox/click")
        .json(&json!({"offer_id": m.offer}))
        .send()
        .await
        .expect("mint");
    problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn test_api_keys_report_test_conversions() {
    let m = market(json!({})).await;
    let t = earlier_today(Duration::minutes(5));
    let click = Click::new(m.offer, m.promoter.id, t);
    m.app.ingest(&[click.event()]).await;
    let resp = m
        .app
        .post("/v1/api-keys")
        .bearer_auth(&m.adv.token)
        .json(&json!({"name": "staging", "scopes": ["conversions:write", "stats:read"], "mode": "test"}))
        .send()
        .await
        .expect("key");
    assert_eq!(resp.status(), 201);
    let key: Value = resp.json().await.expect("json");
    let secret = key["key"].as_str().expect("key");
    assert!(secret.starts_with("afk_test_"), "{secret}");
    assert_eq!(key["mode"], "test");
    let listed: Value = m.app.get_json("/v1/api-keys", &m.adv.token).await;
    assert_eq!(listed["data"][0]["mode"], "test");
    let resp = m
        .app
        .post(&format!("/v1/conversions?click_id={}&txid=K-1", click.id))
        .bearer_auth(secret)
        .send()
        .await
        .expect("report");
    assert_eq!(resp.status(), 201);
    // Listed by default to the test key (its mode), not to the live session.
    let as_key: Value = m
        .app
        .get("/v1/conversions")
        .bearer_auth(secret)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(as_key["data"][0]["test"], true, "{as_key}");
    let as_session: Value = m.app.get_json("/v1/conversions", &m.adv.token).await;
    assert_eq!(as_session["data"], json!([]));
    assert_eq!(
        count(&m.app.db, "SELECT count(*) FROM stats_conversions").await,
        0
    );
    let resp = m
        .app
        .post("/v1/api-keys")
        .bearer_auth(&m.adv.token)
        .json(&json!({"name": "x", "scopes": ["stats:read"], "mode": "sandbox"}))
        .send()
        .await
        .expect("key");
    problem(resp, 400, "invalid_body").await;
}

#[tokio::test]
async fn browser_conversions_are_marked_and_reviewed_when_the_offer_asks() {
    let m = market(json!({})).await;
    let t = earlier_today(Duration::minutes(5));
    let first = Click::new(m.offer, m.promoter.id, t);
    let browser = |click: &Click, txid: &str| {
        let mut event = Conversion::new(m.advertiser_id(), click.id, t + Duration::seconds(60))
            .txid(txid)
            .event();
        event["source"] = json!("browser");
        event
    };
    let b1 = browser(&first, "B-1");
    m.app.ingest(&[first.event(), b1.clone()]).await;
    let id1: Uuid = serde_json::from_value(b1["id"].clone()).expect("id");
    assert_eq!(m.app.status_of(id1).await, "approved");
    let resp = m
        .app
        .patch(&format!("/v1/offers/{}", m.offer))
        .bearer_auth(&m.adv.token)
        .json(&json!({"review_browser": true}))
        .send()
        .await
        .expect("edit");
    assert_eq!(
        resp.status(),
        200,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    let mut second = Click::new(m.offer, m.promoter.id, t + Duration::seconds(1));
    second.ip = "203.0.113.50".to_owned();
    let b2 = browser(&second, "B-2");
    let server =
        Conversion::new(m.advertiser_id(), second.id, t + Duration::seconds(70)).txid("S-2");
    m.app
        .ingest(&[second.event(), b2.clone(), server.event()])
        .await;
    let id2: Uuid = serde_json::from_value(b2["id"].clone()).expect("id");
    assert_eq!(m.app.status_of(id2).await, "pending_review");
    assert_eq!(m.app.status_of(server.id).await, "approved");
    let listed: Value = m
        .app
        .get_json(&format!("/v1/conversions/{id2}"), &m.adv.token)
        .await;
    assert_eq!(listed["source"], "browser");
}

#[tokio::test]
async fn publishable_and_test_postback_keys() {
    let app = crate::helpers::spawn_app().await;
    let adv = app.advertiser("acme").await;
    let create = |body: Value| {
        app.post("/v1/postback-keys")
            .bearer_auth(&adv.token)
            .json(&body)
            .send()
    };
    let resp = create(json!({"name": "site", "kind": "publishable",
        "origins": ["HTTPS://Shop.Example/", "https://shop.example", "http://localhost:5173"],
        "mode": "test"}))
    .await
    .expect("create");
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.expect("json");
    let key = created["key"].as_str().expect("key");
    assert!(key.starts_with("pk_test_"), "{key}");
    assert_eq!(created["prefix"].as_str().map(str::len), Some(14));
    assert_eq!(
        (&created["kind"], &created["mode"], &created["origins"]),
        (
            &json!("publishable"),
            &json!("test"),
            &json!(["https://shop.example", "http://localhost:5173"])
        )
    );
    let live_pk: Value = create(json!({"name": "site live", "kind": "publishable",
        "origins": ["https://shop.example"]}))
    .await
    .expect("create")
    .json()
    .await
    .expect("json");
    assert!(
        live_pk["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("pk_live_"))
    );
    let secret_test: Value = create(json!({"name": "staging server", "mode": "test"}))
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    assert!(
        secret_test["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("pbk_test_"))
    );
    assert_eq!(secret_test["kind"], "secret");

    // What the edges get: kind, origins and mode in the key's document.
    let kek = secrecy::ExposeSecret::expose_secret(app.settings.key_encryption_key.as_ref());
    let docs = afftok_control_plane::edge_push::documents::all(&app.db, kek)
        .await
        .expect("documents");
    let hash = afftok_shared::kv::postback_key_key(&afftok_shared::kv::postback_key_hash(key));
    let doc = afftok_shared::kv::PostbackKeyDoc::parse(docs[&hash].as_bytes()).expect("doc");
    assert!(doc.allows_origin("https://shop.example"));
    assert!(!doc.allows_origin("https://evil.example"));
    assert!(doc.mode.is_test());

    for (body, field) in [
        (json!({"name": "a", "kind": "publishable"}), "origins"),
        (
            json!({"name": "a", "kind": "publishable", "origins": []}),
            "origins",
        ),
        (
            json!({"name": "a", "kind": "publishable", "origins": ["https://ok.example", "shop.example"]}),
            "origins[1]",
        ),
        (
            json!({"name": "a", "kind": "publishable", "origins": ["https://a.example/path"]}),
            "origins[0]",
        ),
        (
            json!({"name": "a", "origins": ["https://a.example"]}),
            "origins",
        ),
        (
            json!({"name": "a", "kind": "publishable", "origins": vec!["https://a.example"; 21]}),
            "origins",
        ),
    ] {
        let resp = create(body.clone()).await.expect("create");
        assert_eq!(
            fields(&problem(resp, 422, "validation_failed").await),
            [field],
            "{body}"
        );
    }
    for body in [
        json!({"name": "a", "kind": "public"}),
        json!({"name": "a", "mode": "staging"}),
    ] {
        let resp = create(body.clone()).await.expect("create");
        problem(resp, 400, "invalid_body").await;
    }
}
