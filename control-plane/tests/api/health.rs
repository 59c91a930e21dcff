use serde_json::Value;

use crate::helpers::{problem, spawn_app};

#[tokio::test]
async fn healthz_and_readyz() {
    let app = spawn_app().await;
    let health = app.get("/healthz").send().await.expect("request");
    assert_eq!(health.status(), 200);
    let ready: Value = app
        .get("/readyz")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["status"], "ok");
    assert_eq!(ready["checks"]["postgres"], "ok");
    assert_eq!(ready["checks"]["redis"], "ok");
}

#[tokio::test]
async fn readyz_reports_a_dead_database() {
    let app = spawn_app().await;
    app.db.close().await;
    let resp = app.get("/readyz").send().await.expect("request");
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_ne!(body["checks"]["postgres"], "ok");
    assert_eq!(body["checks"]["redis"], "ok");
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = spawn_app().await;
    let given = app
        .get("/healthz")
        .header("x-request-id", "req-123")
        .send()
        .await
        .expect("request");
    assert_eq!(given.headers()["x-request-id"], "req-123");
    let made = app.get("/healthz").send().await.expect("request");
    let id = made.headers()["x-request-id"].to_str().expect("ascii");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get("/v1/offers/12345").send().await.expect("request");
    }
    app.get("/v1/no/such/route").send().await.expect("request");
    let text = app.metrics().await;
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/v1/offers/{id}",status="401"} 3"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let app = spawn_app().await;
    problem(
        app.get("/v1/anything").send().await.expect("request"),
        404,
        "not_found",
    )
    .await;
    problem(
        app.delete("/v1/auth/login").send().await.expect("request"),
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn openapi_lists_every_route_and_docs_render_it() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/openapi.json")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/v1/auth/register", &["post"][..]),
        ("/v1/auth/login", &["post"]),
        ("/v1/auth/refresh", &["post"]),
        ("/v1/auth/logout", &["post"]),
        ("/v1/auth/logout-all", &["post"]),
        ("/v1/me", &["get"]),
        ("/v1/api-keys", &["get", "post"]),
        ("/v1/api-keys/{id}/rotate", &["post"]),
        ("/v1/api-keys/{id}", &["delete"]),
        ("/v1/offers", &["get", "post"]),
        ("/v1/offers/{id}", &["get", "patch"]),
        ("/v1/offers/{id}/submit", &["post"]),
        ("/v1/offers/{id}/withdraw", &["post"]),
        ("/v1/offers/{id}/pause", &["post"]),
        ("/v1/offers/{id}/resume", &["post"]),
        ("/v1/offers/{id}/archive", &["post"]),
        ("/v1/offers/{id}/history", &["get"]),
        ("/v1/admin/review-queue", &["get"]),
        ("/v1/admin/offers/{id}/approve", &["post"]),
        ("/v1/admin/offers/{id}/reject", &["post"]),
        ("/v1/marketplace/offers", &["get"]),
        ("/v1/marketplace/offers/{id}", &["get"]),
        ("/v1/marketplace/offers/{id}/join", &["post"]),
        ("/v1/links", &["get"]),
        ("/v1/links/{id}", &["get"]),
        ("/v1/postback-keys", &["get", "post"]),
        ("/v1/postback-keys/{id}", &["delete"]),
        ("/v1/conversions", &["get", "post"]),
        ("/v1/conversions/{id}", &["get"]),
        ("/v1/conversions/{id}/approve", &["post"]),
        ("/v1/conversions/{id}/reject", &["post"]),
        ("/v1/conversions/{id}/reverse", &["post"]),
        ("/v1/conversions/{id}/audit", &["get"]),
        ("/v1/clicks", &["get"]),
        ("/v1/stats", &["get"]),
        ("/v1/stats/live", &["get"]),
        ("/v1/assistant/provider", &["get", "put", "delete"]),
        ("/v1/assistant/chat", &["post"]),
        ("/internal/v1/events", &["post"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
    ] {
        for method in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} missing"
            );
        }
    }
    // Every documented operation answers something other than "no such route".
    for (path, ops) in paths {
        for method in ops.as_object().expect("ops").keys() {
            let concrete = path.replace("{id}", "1");
            let req = match method.as_str() {
                "get" => app.get(&concrete),
                "post" => app.post(&concrete),
                "put" => app.put(&concrete),
                "patch" => app.patch(&concrete),
                "delete" => app.delete(&concrete),
                other => panic!("unexpected method {other}"),
            };
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            assert_ne!(
                body["detail"], "no such route",
                "{method} {path} is documented but not routed"
            );
        }
    }
    // The page itself: tests/api/web.rs (docs_work_offline).
    let docs = app.get("/docs").send().await.expect("request");
    assert_eq!(docs.status(), 200);
}

/// Client generators (the web app's openapi-typescript) keep one operation per id: two
/// handlers named alike (`list`, `create`) once typed GET /v1/offers as the API keys' list.
#[tokio::test]
async fn every_operation_id_is_unique_and_the_cli_prints_the_same_document() {
    let app = spawn_app().await;
    let doc: Value = app
        .get("/openapi.json")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let mut seen = std::collections::HashMap::new();
    for (path, methods) in doc["paths"].as_object().expect("paths") {
        for (method, op) in methods.as_object().expect("methods") {
            let id = op["operationId"]
                .as_str()
                .expect("every operation has an id");
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} names both {other} and {method} {path}");
            }
        }
    }
    assert!(seen.contains_key("offers_list") && seen.contains_key("api_keys_list"));
    assert_eq!(
        serde_json::to_value(afftok_control_plane::http::openapi()).expect("json"),
        doc,
        "`afftok openapi` (which the web app's client is generated from) prints /openapi.json"
    );
}
