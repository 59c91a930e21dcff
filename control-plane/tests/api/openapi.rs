//! The OpenAPI document is whole: clients are generated from it (the web app's typed
//! client), and a generator stops at the first `$ref` that points nowhere. A `$ref` to a
//! schema the document did not carry (the marketplace's `SortBy`, referenced from a query
//! parameter) once broke that build.

use serde_json::Value;

use crate::helpers::spawn_app;

/// Every `$ref` under `value`, with the JSON pointer of where it was found.
fn refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) => out.push((at.clone(), target)),
                    _ => refs(
                        child,
                        format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                        out,
                    ),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_ref_resolves_to_a_component() {
    let app = spawn_app().await;
    let resp = app.get("/openapi.json").send().await.expect("request");
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.expect("json");
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(
        found.len() > 20,
        "the document refers to its schemas ({} refs)",
        found.len()
    );
    let broken: Vec<String> = found
        .iter()
        .filter(|(_, target)| {
            // Only local references into components, and each must exist.
            !target.starts_with("#/components/")
                || doc.pointer(target.trim_start_matches('#')).is_none()
        })
        .map(|(at, target)| format!("{at} -> {target}"))
        .collect();
    assert!(
        broken.is_empty(),
        "$refs that do not resolve to a component:\n{}",
        broken.join("\n")
    );
    // Query parameters that take one of a few values say which (the marketplace's sort,
    // the admins' role filter), rather than a name a generator must look up.
    let param = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("GET {path} has a {name} parameter"))
    };
    for (path, name, values) in [
        ("/v1/marketplace/offers", "sort", &["newest", "payout"][..]),
        (
            "/v1/admin/users",
            "role",
            &["promoter", "advertiser", "admin"],
        ),
    ] {
        let p = param(path, name);
        let text = p["schema"].to_string();
        for value in values {
            assert!(text.contains(value), "{path} {name}: {p}");
        }
    }
}

/// The document the app serves.
async fn document(app: &crate::helpers::TestApp) -> Value {
    app.get("/openapi.json")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// The operation ids of `doc`, by path and method.
fn operation_ids(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                out.push((path.clone(), method.clone(), id.to_owned()));
            }
        }
    }
    out
}

#[tokio::test]
async fn each_creation_links_to_the_operations_on_what_it_created() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let ops = operation_ids(&doc);
    let id_of = |path: &str, method: &str| {
        ops.iter()
            .find(|(p, m, _)| p == path && m == method)
            .map(|(_, _, id)| id.clone())
            .unwrap_or_else(|| panic!("{method} {path} is not documented"))
    };
    let links = |path: &str, status: &str| -> Vec<(String, Value)> {
        doc["paths"][path]["post"]["responses"][status]["links"]
            .as_object()
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };

    // An offer's creation leads to its reads and actions, with the created id.
    let offer_links = links("/v1/offers", "201");
    for (path, method) in [
        ("/v1/offers/{id}", "get"),
        ("/v1/offers/{id}", "patch"),
        ("/v1/offers/{id}/submit", "post"),
        ("/v1/offers/{id}/history", "get"),
    ] {
        let target = id_of(path, method);
        let link = offer_links
            .iter()
            .find(|(_, l)| l["operationId"] == target.as_str())
            .unwrap_or_else(|| panic!("POST /v1/offers does not link to {method} {path}"));
        assert_eq!(link.1["parameters"]["id"], "$response.body#/id");
    }
    // A key's (its answer flattens the key's details, the id among them).
    let key_targets: Vec<Value> = links("/v1/api-keys", "201")
        .into_iter()
        .map(|(_, l)| l["operationId"].clone())
        .collect();
    for (path, method) in [
        ("/v1/api-keys/{id}/rotate", "post"),
        ("/v1/api-keys/{id}", "patch"),
        ("/v1/api-keys/{id}", "delete"),
    ] {
        assert!(
            key_targets.contains(&Value::from(id_of(path, method))),
            "POST /v1/api-keys does not link to {method} {path}: {key_targets:?}"
        );
    }

    // Every link names a documented operation, and passes only `id`, to a path under the
    // creating one that has no other parameter.
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (status, response) in item["post"]["responses"].as_object().into_iter().flatten() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                count += 1;
                let target = ops
                    .iter()
                    .find(|(_, _, id)| link["operationId"] == id.as_str())
                    .unwrap_or_else(|| panic!("{path} {status} links to unknown {name}"));
                let rest = target.0.strip_prefix(&format!("{path}/{{id}}"));
                assert!(
                    rest.is_some_and(|r| !r.contains('{')),
                    "{path} links to {} {}",
                    target.1,
                    target.0
                );
                assert_eq!(
                    link["parameters"],
                    serde_json::json!({"id": "$response.body#/id"})
                );
            }
        }
    }
    assert!(count >= 20, "only {count} links");
    // A creation whose answer has no id (registration answers tokens) links nowhere.
    assert!(links("/v1/auth/register", "201").is_empty());
}

#[tokio::test]
async fn the_web_app_endpoints_are_documented() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for (path, method, tag) in [
        ("/v1/me", "get", "auth"),
        ("/v1/me", "patch", "auth"),
        ("/v1/auth/password/change", "post", "auth"),
        ("/v1/admin/users", "get", "admin"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        assert_eq!(op["tags"][0], tag, "{method} {path}");
    }
    let market = doc["paths"]["/v1/marketplace/offers"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    assert!(market.iter().any(|p| p["name"] == "q"), "marketplace q");
    // PATCH /v1/me answers what GET /v1/me answers.
    let body = |method: &str| {
        doc["paths"]["/v1/me"][method]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    assert_eq!(body("patch"), body("get"));
}

/// The one path parameter of an operation that names an object, and the ids a probe tries
/// for it: the first dozen of every numbered kind, or the others' `strings` (UUIDs, keys).
fn probe_ids(op: &Value, strings: &[String]) -> Option<(String, Vec<String>)> {
    let params: Vec<&Value> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "path")
        .collect();
    let [param] = params.as_slice() else {
        return None;
    };
    let candidates = match param["schema"]["type"].as_str()? {
        "integer" => (1..=12).map(|i| i.to_string()).collect(),
        "string" => strings.to_vec(),
        _ => return None,
    };
    Some((param["name"].as_str()?.to_owned(), candidates))
}

/// The others' world the cross-tenant probes try to reach: the market's approved offer joined
/// by its promoter, a click and a conversion, a draft offer, a team, a webhook endpoint, a
/// promoter postback, an API key, a postback key and a draft contest. Returns the ids that
/// are not numbers: the conversion's, the click's, the API key's and the postback key's.
async fn others_world(m: &crate::tracking::Market) -> Vec<String> {
    use crate::tracking::{Click, Conversion};
    use serde_json::json;

    let app = &m.app;
    crate::webhooks::join(app, &m.promoter, m.offer).await;
    let click = Click::new(m.offer, m.promoter.id, time::OffsetDateTime::now_utc());
    let conversion = Conversion::new(
        m.advertiser_id(),
        click.id,
        click.ts + time::Duration::minutes(1),
    );
    app.ingest(&[click.event(), conversion.event()]).await;
    let _draft = app.create_offer(&m.adv, json!({})).await;
    let now = time::OffsetDateTime::now_utc();
    let stamp = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .expect("a time")
    };
    let mut string_ids = vec![conversion.id.to_string(), click.id.to_string()];
    for (who, path, body) in [
        (&m.promoter, "/v1/teams", json!({"name": "Probe Team"})),
        (
            &m.adv,
            "/v1/webhooks/endpoints",
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["conversion.created"]}),
        ),
        (
            &m.promoter,
            "/v1/promoter-postbacks",
            json!({"url": "http://127.0.0.1:9/pb?c={click_id}"}),
        ),
        (
            &m.adv,
            "/v1/api-keys",
            json!({"name": "server", "scopes": ["offers:read"]}),
        ),
        (&m.adv, "/v1/postback-keys", json!({"name": "shop"})),
        (
            &m.adv,
            "/v1/contests",
            json!({"name": "Sprint", "kind": "individual", "metric": "conversions",
                   "starts_at": stamp(now + time::Duration::hours(1)),
                   "ends_at": stamp(now + time::Duration::hours(2)),
                   "offer_ids": [m.offer], "prizes": [{"rank": 1, "prize": "Gold"}]}),
        ),
    ] {
        let resp = app
            .post(path)
            .bearer_auth(&who.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let created: Value = resp.json().await.unwrap_or_default();
        assert!(status.is_success(), "POST {path}: {status} {created}");
        if let Some(id) = created["id"].as_str() {
            string_ids.push(id.to_owned());
        }
    }
    assert_eq!(
        string_ids.len(),
        4,
        "a conversion, a click, an API key, a postback key"
    );
    string_ids
}

/// The cross-tenant probe, generated from the document: every `GET` route with a numeric or
/// UUID path parameter is called, by a promoter and an advertiser who own nothing, with the
/// ids of everything other tenants own ([`others_world`]); none answers with data, except the routes meant to be
/// public (the marketplace's approved offers, open contests, a team's name and size) and the
/// caller's own figures. A route added later is probed without anyone writing a line here.
#[tokio::test]
async fn no_route_shows_an_outsider_another_tenants_object() {
    use crate::tracking::market;

    let m = market(serde_json::json!({})).await;
    let app = &m.app;
    let string_ids = others_world(&m).await;
    let outsiders = [
        app.promoter("outsider").await,
        app.advertiser("outsider-co").await,
    ];
    let doc = document(app).await;
    let public = [
        "/v1/marketplace/offers/{id}",
        "/v1/contests/{id}",
        "/v1/contests/{id}/standings",
    ];
    let mut probed = 0;
    let mut leaks = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        let Some(get) = ops.get("get") else { continue };
        let Some((name, candidates)) = probe_ids(get, &string_ids) else {
            continue;
        };
        for who in &outsiders {
            for id in &candidates {
                let url = path.replace(&format!("{{{name}}}"), id);
                let resp = app
                    .get(&url)
                    .bearer_auth(&who.token)
                    .send()
                    .await
                    .expect("request");
                probed += 1;
                let status = resp.status().as_u16();
                assert_ne!(status, 500, "GET {url}");
                if !(200..300).contains(&status) || public.contains(&path.as_str()) {
                    continue;
                }
                let body: Value = resp.json().await.unwrap_or_default();
                // A promoter's own figures (its traffic on any offer) are its own to read.
                let own = body["promoter_id"].as_i64() == Some(who.id);
                // Teams are public by name, points and size; members and the invite code
                // are for members only.
                let team = path == "/v1/teams/{id}"
                    && body["invite_code"].is_null()
                    && body["members"].as_array().is_some_and(Vec::is_empty);
                if !own && !team {
                    leaks.push(format!("{} GET {url}: {status} {body}", who.email));
                }
            }
        }
    }
    assert!(probed > 200, "{probed} probes");
    assert!(
        leaks.is_empty(),
        "an outsider read others' objects:\n{}",
        leaks.join("\n")
    );
}

/// A body each write operation accepts, so an outsider's call reaches the question of whose
/// object it names (a body refused first would prove nothing).
fn probe_body(method: &str, path: &str) -> Option<Value> {
    use serde_json::json;
    let body = match (method, path) {
        ("patch", "/v1/offers/{id}") | ("patch", "/v1/contests/{id}") => {
            json!({"name": "Probe"})
        }
        ("patch", "/v1/api-keys/{id}") => json!({"ip_allow": ["192.0.2.0/24"]}),
        ("patch", "/v1/webhooks/endpoints/{id}") => json!({"enabled": false}),
        ("patch", "/v1/promoter-postbacks/{id}") => {
            json!({"url": "http://127.0.0.1:9/probe?c={click_id}"})
        }
        ("post", p) if p.ends_with("/redeliver") => json!({}),
        ("post", "/v1/api-keys/{id}/rotate") => json!({}),
        ("post", "/v1/admin/promoters/{id}/points") => json!({"points": 1, "reason": "probe"}),
        ("post", _) | ("patch", _) => json!({"reason": "probe"}),
        _ => return None,
    };
    Some(body)
}

/// The write side of the cross-tenant probe, generated from the document: every `POST`,
/// `PATCH`, `PUT` and `DELETE` route with an id in its path is called, by a promoter and an
/// advertiser who own nothing, with the ids of what other tenants own and a body the route
/// accepts; each answers 403 (a role's route) or 404 (never another's object), except
/// joining an approved offer, which is what the marketplace is for. Then the owners' objects
/// are as they were.
#[tokio::test]
async fn no_route_lets_an_outsider_change_another_tenants_object() {
    use crate::tracking::market;
    use serde_json::json;

    let m = market(json!({})).await;
    let app = &m.app;
    let string_ids = others_world(&m).await;

    // What the owners hold, as stored (columns a caller could change, none a job moves).
    let snapshot = || async {
        let mut out = Vec::new();
        for query in [
            "SELECT id, name, status, payout_amount, updated_at FROM offers",
            "SELECT id, name, scopes, revoked_at, expires_at, ip_allow, replaced_by FROM api_keys",
            "SELECT id, name, ip_allow, revoked_at, origins FROM postback_keys",
            "SELECT id, url, event_types, enabled, secret_nonce, on_reversal FROM webhook_endpoints",
            "SELECT id, status, payout, fraud_overruled FROM conversions",
            "SELECT id, name, owner_id, invite_code, disbanded_at FROM teams",
            "SELECT id, team_id, promoter_id, left_at FROM team_memberships",
            "SELECT id, name, status, updated_at FROM contests",
            "SELECT id, suspended_at FROM users",
            "SELECT count(*) FROM points_ledger",
        ] {
            let rows: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') FROM ({query}) t"
            ))
            .fetch_all(&app.db)
            .await
            .expect("snapshot");
            out.push(format!("{query}: {}", rows.concat()));
        }
        out
    };
    let outsiders = [
        app.promoter("outsider").await,
        app.advertiser("outsider-co").await,
    ];
    let before = snapshot().await;
    let doc = document(app).await;
    let mut probed = 0;
    let mut findings = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().into_iter().flatten() {
            if !["post", "patch", "put", "delete"].contains(&method.as_str()) {
                continue;
            }
            let Some((name, candidates)) = probe_ids(op, &string_ids) else {
                continue;
            };
            let public = method == "post" && path == "/v1/marketplace/offers/{id}/join";
            for who in &outsiders {
                for id in &candidates {
                    let url = path.replace(&format!("{{{name}}}"), id);
                    let mut req = app.request(method, &url).bearer_auth(&who.token);
                    if let Some(body) = probe_body(method, path) {
                        req = req.json(&body);
                    }
                    let resp = req.send().await.expect("request");
                    probed += 1;
                    let status = resp.status().as_u16();
                    if status == 404 || status == 403 || public && status < 500 {
                        continue;
                    }
                    let body = resp.text().await.unwrap_or_default();
                    findings.push(format!(
                        "{} {} {url}: {status} {body}",
                        who.email,
                        method.to_uppercase()
                    ));
                }
            }
        }
    }
    assert!(probed > 300, "{probed} probes");
    assert!(
        findings.is_empty(),
        "an outsider's call on others' objects answered other than 403 or 404:\n{}",
        findings.join("\n")
    );
    let after = snapshot().await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "an outsider changed what others own");
    }
}
