//! The README's example receivers (docs/examples/, Python and Node) against real deliveries:
//! they answer 204 only to a delivery whose signature verifies, so a delivered message proves
//! the example verifies ours, and a delivery signed with a secret it does not know is
//! refused.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, wait_until};
use crate::webhooks::endpoint;

/// Starts an example on `port` with `secret`.
fn start(program: &str, file: &str, port: u16, secret: &str) -> Child {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/examples")
        .join(file);
    Command::new(program)
        .arg(path)
        .env("WEBHOOK_SECRET", secret)
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} {file} starts: {e}"))
}

async fn listening(port: u16) {
    wait_until("the example listens", async || {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    })
    .await;
}

async fn message_status(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_json(&format!("/v1/webhooks/messages/{id}"), token)
        .await
}

async fn test_send(app: &TestApp, token: &str, endpoint: i64) -> String {
    let resp = app
        .post(&format!("/v1/webhooks/endpoints/{endpoint}/test"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let body: Value = resp.json().await.expect("json");
    body["message_id"].as_str().expect("id").to_owned()
}

async fn check(program: &str, file: &str) {
    let app = spawn_app().await;
    let adv = app.advertiser("acme").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a port")
        .local_addr()
        .expect("addr")
        .port();
    let (id, secret) = endpoint(
        &app,
        &adv.token,
        &format!("http://127.0.0.1:{port}/afftok"),
        &[],
    )
    .await;
    let mut child = start(program, file, port, &secret);
    listening(port).await;

    let msg = test_send(&app, &adv.token, id).await;
    wait_until("the example accepts the delivery", async || {
        message_status(&app, &adv.token, &msg).await["status"] == "delivered"
    })
    .await;
    let m = message_status(&app, &adv.token, &msg).await;
    assert_eq!(m["attempt_log"][0]["status_code"], 204, "{m}");

    // After a rotation whose grace is over, deliveries are signed with a secret the example
    // does not have: it refuses them.
    app.post(&format!("/v1/webhooks/endpoints/{id}/secret/rotate"))
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    sqlx::query("UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .expect("grace over");
    let refused = test_send(&app, &adv.token, id).await;
    wait_until("the example refuses the delivery", async || {
        message_status(&app, &adv.token, &refused).await["attempt_log"][0]["status_code"] == 401
    })
    .await;

    child.kill().expect("stops");
    let out = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(out).lines().map_while(Result::ok).collect();
    child.wait().expect("reaped");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{msg} test.ping ")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_python_example_verifies_deliveries() {
    check("python3", "webhook_receiver.py").await;
}

#[tokio::test]
async fn the_node_example_verifies_deliveries() {
    check("node", "webhook-receiver.mjs").await;
}
