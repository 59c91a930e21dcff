//! `POST /v1/conversions` (server-to-server, like the postback), the conversion and click lists
//! with their filters, pages and CSV, and who sees what.

use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{fields, problem};
use crate::tracking::{Click, Conversion, market};

async fn api_key(app: &crate::helpers::TestApp, token: &str, scopes: Value) -> String {
    let created: Value = app
        .post("/v1/api-keys")
        .bearer_auth(token)
        .json(&json!({"name": "server", "scopes": scopes}))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    created["key"].as_str().expect("key").to_owned()
}

#[tokio::test]
async fn the_conversion_api_takes_the_postback_parameters_and_honours_idempotency_keys() {
    let m = market(json!({})).await;
    let key = api_key(
        &m.app,
        &m.adv.token,
        json!(["conversions:write", "stats:read"]),
    )
    .await;
    let t = OffsetDateTime::now_utc() - Duration::minutes(10);
    let clicks: Vec<Click> = (0..4)
        .map(|i| Click::new(m.offer, m.promoter.id, t + Duration::seconds(i)))
        .collect();
    m.app
        .ingest(&clicks.iter().map(Click::event).collect::<Vec<_>>())
        .await;

    // Query parameters with other trackers' aliases.
    let resp = m
        .app
        .post(&format!(
            "/v1/conversions?cid={}&order_id=A-1&payout=10.5&currency=eur",
            clicks[0].id
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let answer: Value = resp.json().await.expect("json");
    assert_eq!(answer["status"], "accepted");
    assert_eq!(answer["attribution"], "approved");
    let id: Uuid = serde_json::from_value(answer["event_id"].clone()).expect("uuid");
    let stored: (String, Option<String>, String, String) = sqlx::query_as(
        "SELECT txid, currency, amount::text, source FROM conversions WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&m.app.db)
    .await
    .expect("row");
    assert_eq!(
        stored,
        (
            "A-1".to_owned(),
            Some("EUR".to_owned()),
            "10.5000".to_owned(),
            "api".to_owned()
        )
    );

    // A form body and a JSON body (body fields win over the query).
    let resp = m
        .app
        .post(&format!(
            "/v1/conversions?txid=ignored&click_id={}",
            clicks[1].id
        ))
        .bearer_auth(&key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("txid=A-2&amount=3")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let resp = m
        .app
        .post("/v1/conversions")
        .bearer_auth(&key)
        .json(&json!({"click_id": clicks[2].id, "txid": "A-3", "amount": 4.25, "event": "sale"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 201);
    let txids: Vec<String> = sqlx::query_scalar("SELECT txid FROM conversions ORDER BY txid")
        .fetch_all(&m.app.db)
        .await
        .expect("rows");
    assert_eq!(txids, ["A-1", "A-2", "A-3"]);

    // The postback's checks and codes.
    for (query, code) in [
        ("txid=1", "missing_click_id"),
        ("click_id=nope", "invalid_click_id"),
        (
            "click_id=01a21022-0cad-7a54-a09a-bd0054cb34fb&amount=1.23456",
            "invalid_amount",
        ),
        (
            "click_id=01a21022-0cad-7a54-a09a-bd0054cb34fb&amount=-1",
            "invalid_amount",
        ),
        (
            "click_id=01a21022-0cad-7a54-a09a-bd0054cb34fb&currency=EURO",
            "invalid_currency",
        ),
        (
            "click_id=01a21022-0cad-7a54-a09a-bd0054cb34fb&event=a%20b",
            "invalid_event",
        ),
    ] {
        let resp = m
            .app
            .post(&format!("/v1/conversions?{query}"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("request");
        let p = problem(resp, 400, code).await;
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
    }
    let long_txid = "t".repeat(129);
    let resp = m
        .app
        .post(&format!(
            "/v1/conversions?click_id={}&txid={long_txid}",
            clicks[3].id
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    problem(resp, 400, "invalid_txid").await;

    // Idempotency-Key: the same request again gets the first answer, nothing new is stored.
    let send = |key_header: &'static str, txid: &'static str| {
        let req = m
            .app
            .post(&format!(
                "/v1/conversions?click_id={}&txid={txid}",
                clicks[3].id
            ))
            .bearer_auth(&key)
            .header("Idempotency-Key", key_header);
        async move { req.send().await.expect("request") }
    };
    let first = send("retry-1", "A-4").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.expect("json");
    let again = send("retry-1", "A-4").await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["event_id"], first["event_id"]);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM conversions WHERE txid = 'A-4'")
        .fetch_one(&m.app.db)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    problem(send("retry-1", "A-5").await, 409, "idempotency_key_reused").await;
    let bad = send("", "A-5").await;
    let p = problem(bad, 422, "validation_failed").await;
    assert_eq!(fields(&p), ["Idempotency-Key"]);

    // Without a stored click the answer says it waits.
    let resp = m
        .app
        .post(&format!("/v1/conversions?click_id={}", Uuid::now_v7()))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    let waiting: Value = resp.json().await.expect("json");
    assert_eq!(waiting["attribution"], "pending");

    // Only advertisers' credentials with conversions:write report conversions.
    let read_only = api_key(&m.app, &m.adv.token, json!(["stats:read"])).await;
    let resp = m
        .app
        .post(&format!("/v1/conversions?click_id={}", clicks[0].id))
        .bearer_auth(&read_only)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = m
        .app
        .post(&format!("/v1/conversions?click_id={}", clicks[0].id))
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    problem(resp, 403, "forbidden").await;
    let resp = m
        .app
        .post(&format!("/v1/conversions?click_id={}", clicks[0].id))
        .send()
        .await
        .expect("request");
    problem(resp, 401, "unauthorized").await;
}

#[tokio::test]
async fn lists_page_filter_export_and_stay_within_the_tenant() {
    let m = market(json!({})).await;
    let adv = m.advertiser_id();
    let other_promoter = m.app.promoter("quinn").await;
    let globex = m.app.advertiser("globex").await;
    let globex_offer = m.app.approved_offer(&globex, &m.admin, json!({})).await;
    let t = OffsetDateTime::now_utc() - Duration::hours(3);
    let mut events = Vec::new();
    let mut mine = Vec::new();
    for i in 0..7 {
        let mut click = Click::new(m.offer, m.promoter.id, t + Duration::minutes(i));
        click.sub1 = Some(format!("=cmd{i}"));
        let conv = Conversion::new(adv, click.id, click.ts + Duration::seconds(30))
            .txid(&format!("L-{i}"));
        events.push(click.event());
        events.push(conv.event());
        mine.push(conv.id);
    }
    // Someone else's traffic: another promoter on acme's offer, and globex's own.
    let theirs = Click::new(m.offer, other_promoter.id, t);
    let globex_click = Click::new(globex_offer, other_promoter.id, t);
    let globex_conv = Conversion::new(
        globex.advertiser_id.expect("advertiser"),
        globex_click.id,
        t + Duration::minutes(1),
    );
    let mut bot = Click::new(m.offer, m.promoter.id, t + Duration::minutes(30));
    bot.verdict = "bot";
    events.extend([
        theirs.event(),
        globex_click.event(),
        globex_conv.event(),
        bot.event(),
    ]);
    m.app.ingest(&events).await;

    let list = |token: String, query: String| {
        let app = &m.app;
        async move {
            let resp = app
                .get(&format!("/v1/conversions{query}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.expect("json")
        }
    };
    // Pages of 3, newest first, every conversion once.
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let page = list(m.adv.token.clone(), query.clone()).await;
        for c in page["data"].as_array().expect("data") {
            seen.push(serde_json::from_value::<Uuid>(c["id"].clone()).expect("id"));
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    let mut expected = mine.clone();
    expected.reverse();
    assert_eq!(seen, expected, "acme sees its seven, newest first");
    let globex_list = list(globex.token.clone(), String::new()).await;
    assert_eq!(globex_list["data"].as_array().map(Vec::len), Some(1));
    let quinn = list(other_promoter.token.clone(), String::new()).await;
    assert_eq!(quinn["data"].as_array().map(Vec::len), Some(1), "{quinn}");
    let admin = list(m.admin.token.clone(), String::new()).await;
    assert_eq!(admin["data"].as_array().map(Vec::len), Some(8));
    // Filters.
    let filtered = list(
        m.adv.token.clone(),
        format!(
            "?status=approved&offer_id={}&from={}",
            m.offer,
            time_text(t + Duration::minutes(3))
        ),
    )
    .await;
    assert_eq!(filtered["data"].as_array().map(Vec::len), Some(4));
    let none = list(m.adv.token.clone(), format!("?offer_id={globex_offer}")).await;
    assert_eq!(none["data"], json!([]));
    // A cursor forged with an instant Postgres cannot take.
    let forged_cursor = format!(
        "?cursor={}",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            json!({"ts": "9999-12-31T23:00:00-05:00", "id": Uuid::nil()}).to_string(),
        )
    );
    for (query, field) in [
        ("?status=lost", None),
        ("?limit=0", Some("limit")),
        ("?from=yesterday", Some("from")),
        ("?cursor=abc", Some("cursor")),
        ("?format=xml", Some("format")),
        ("?colour=red", None),
        ("?from=9999-12-31T23:00:00-05:00", Some("from")),
        ("?to=0001-01-01T00:00:00Z", Some("to")),
        (forged_cursor.as_str(), Some("cursor")),
    ] {
        let resp = m
            .app
            .get(&format!("/v1/conversions{query}"))
            .bearer_auth(&m.adv.token)
            .send()
            .await
            .expect("request");
        assert!(
            resp.status().is_client_error(),
            "{query}: {}",
            resp.status()
        );
        if let Some(field) = field {
            let p = problem(resp, 422, "validation_failed").await;
            assert_eq!(fields(&p), [field], "{query}");
        }
    }

    // CSV: a header, one line per conversion, formula-looking cells defused.
    let resp = m
        .app
        .get("/v1/conversions?format=csv&limit=5")
        .bearer_auth(&m.promoter.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(resp.headers().contains_key("x-next-cursor"));
    let csv = resp.text().await.expect("text");
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 6);
    assert!(lines[0].starts_with("id,ts,status,advertiser_id,click_id"));
    assert!(lines[1].contains(",'=cmd6"), "{}", lines[1]);

    // Clicks: the promoter's own, bots marked, no IP or user agent given out.
    let clicks: Value = m
        .app
        .get_json("/v1/clicks?limit=50", &m.promoter.token)
        .await;
    let data = clicks["data"].as_array().expect("data");
    assert_eq!(data.len(), 8, "seven ok clicks and the bot");
    assert!(data.iter().all(|c| c["promoter_id"] == m.promoter.id));
    assert!(!clicks.to_string().contains("203.0.113.9"));
    let bots: Value = m.app.get_json("/v1/clicks?verdict=bot", &m.adv.token).await;
    assert_eq!(bots["data"].as_array().map(Vec::len), Some(1));
    let globex_clicks: Value = m.app.get_json("/v1/clicks", &globex.token).await;
    assert_eq!(globex_clicks["data"].as_array().map(Vec::len), Some(1));
    let resp = m
        .app
        .get("/v1/clicks")
        .header("accept", "text/csv")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    let csv = resp.text().await.expect("text");
    assert_eq!(
        csv.trim_end().split("\r\n").count(),
        1 + 9,
        "acme's offer: 9 clicks"
    );
    for query in [
        "/v1/clicks?to=9999-12-31T23:00:00-05:00",
        "/v1/clicks?from=0001-01-01T00:00:00Z",
        &format!("/v1/clicks{forged_cursor}"),
    ] {
        let resp = m
            .app
            .get(query)
            .bearer_auth(&m.adv.token)
            .send()
            .await
            .expect("request");
        problem(resp, 422, "validation_failed").await;
    }
    let resp = m
        .app
        .get("/v1/clicks?verdict=maybe")
        .bearer_auth(&m.adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 422);
}

fn time_text(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
        .replace('+', "%2B")
}
