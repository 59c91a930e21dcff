//! The assistant's BYOK chat against a local OpenAI-compatible server the test starts (on
//! loopback, which the tests' SSRF guard settings allow): the stored provider, streamed
//! deltas, tool calls as the caller, the provider's failures as error events, the key kept
//! out of logs and answers.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

use crate::helpers::{
    Account, Options, TestApp, fields, problem, spawn_app, spawn_with, wait_until,
};
use crate::tracking::{Click, at, earlier_today, market_with};

const KEY: &str = "sk-test-7f3c9a1e5b2d8c4f6a0e";

/// How the fake provider answers one request.
enum Reply {
    /// These data lines as server-sent events; before the ones after `gate_after`, it waits
    /// for the gate (to show the chat does not wait for the whole answer).
    Stream(Vec<String>, Option<(usize, Arc<Notify>)>),
    /// The text of the last tool message it was sent, as its answer.
    EchoTool,
    /// This status with a JSON error body (which quotes the key, as some providers do).
    Status(u16),
    /// Headers, then silence for this long.
    Stall(Duration),
    /// Headers and one chunk, then silence until the chat hangs up, which it notifies.
    Hold(Arc<Notify>),
    /// This body as it is.
    Raw(&'static str),
    /// This many text chunks, one every interval (each gap under the read timeout).
    Trickle(usize, Duration),
}

#[derive(Default)]
struct Inner {
    replies: VecDeque<Reply>,
    requests: Vec<(String, Value)>,
}

/// The fake provider: answers `POST /v1/chat/completions` as scripted, recording every
/// request's Authorization header and body.
#[derive(Clone)]
struct Provider {
    base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Provider {
    async fn start() -> Self {
        let inner: Arc<Mutex<Inner>> = Arc::default();
        let app = Router::new()
            .route("/v1/chat/completions", axum::routing::post(answer))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}/v1", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, inner }
    }

    fn script(&self, replies: Vec<Reply>) {
        self.inner.lock().expect("lock").replies.extend(replies);
    }

    fn requests(&self) -> Vec<(String, Value)> {
        self.inner.lock().expect("lock").requests.clone()
    }
}

fn text_chunk(text: &str) -> String {
    json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
        .to_string()
}

fn stop_chunk() -> String {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).to_string()
}

fn tool_chunks(name: &str, arguments: &Value) -> Vec<String> {
    vec![
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": name, "arguments": ""}}]}}]}).to_string(),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": arguments.to_string()}}]}}]}).to_string(),
        json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}).to_string(),
    ]
}

fn words(texts: &[&str]) -> Reply {
    let mut lines: Vec<String> = texts.iter().map(|t| text_chunk(t)).collect();
    lines.push(stop_chunk());
    lines.push("[DONE]".to_owned());
    Reply::Stream(lines, None)
}

fn tool(name: &str, arguments: Value) -> Reply {
    let mut lines = tool_chunks(name, &arguments);
    lines.push("[DONE]".to_owned());
    Reply::Stream(lines, None)
}

async fn answer(State(inner): State<Arc<Mutex<Inner>>>, req: axum::extract::Request) -> Response {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = {
        let mut inner = inner.lock().expect("lock");
        inner.requests.push((auth, body.clone()));
        inner.replies.pop_front()
    };
    let reply = match reply {
        Some(Reply::EchoTool) => {
            let last_tool = body["messages"]
                .as_array()
                .and_then(|m| m.iter().rev().find(|m| m["role"] == "tool"))
                .and_then(|m| m["content"].as_str())
                .unwrap_or("no tool result")
                .to_owned();
            words(&[&last_tool])
        }
        Some(other) => other,
        None => words(&["(unscripted)"]),
    };
    let data = |json: String| Ok(Bytes::from(format!("data: {json}\n\n")));
    match reply {
        Reply::Stream(lines, gate) => streamed(async move |tx| {
            for (i, line) in lines.into_iter().enumerate() {
                if let Some((after, gate)) = &gate
                    && i == *after
                {
                    gate.notified().await;
                }
                if tx.send(data(line)).await.is_err() {
                    return;
                }
            }
        }),
        Reply::Status(status) => (
            StatusCode::from_u16(status).expect("a status"),
            axum::Json(json!({"error": {"message": format!("Incorrect API key provided: {KEY}")}})),
        )
            .into_response(),
        Reply::Stall(d) => streamed(async move |tx| {
            let _ = tx.send(data(text_chunk("Thinking"))).await;
            tokio::time::sleep(d).await;
        }),
        Reply::Raw(text) => ([("content-type", "text/event-stream")], text).into_response(),
        Reply::Hold(hung_up) => streamed(async move |tx| {
            let _ = tx.send(data(text_chunk("Thinking"))).await;
            tx.closed().await;
            hung_up.notify_one();
        }),
        Reply::Trickle(n, every) => streamed(async move |tx| {
            for i in 0..n {
                if tx
                    .send(data(text_chunk(&format!("part {i} "))))
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }),
        Reply::EchoTool => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// An event-stream answer whose body `write` sends, chunk by chunk, while it runs; the body
/// ends when `write` returns (its sender dropped).
fn streamed<F>(write: impl FnOnce(mpsc::Sender<Result<Bytes, Infallible>>) -> F) -> Response
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(1);
    tokio::spawn(write(tx));
    (
        [("content-type", "text/event-stream")],
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
    )
        .into_response()
}

/// PUTs `body` to `path` as the holder of `token`.
async fn put_json(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.put(path)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// Stores the provider at `base_url` for `who`.
async fn store(app: &TestApp, who: &Account, base_url: &str) -> reqwest::Response {
    put_json(
        app,
        "/v1/assistant/provider",
        &who.token,
        json!({"base_url": base_url, "model": "fake-model", "api_key": KEY}),
    )
    .await
}

/// The server-sent events of an answer, in order: (event, data). `on_event` sees each as
/// it arrives.
async fn events_with(
    resp: reqwest::Response,
    mut on_event: impl FnMut(&str, &Value),
) -> Vec<(String, Value)> {
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut resp = resp;
    let mut out = Vec::new();
    let mut pending = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .expect("the answer ends within 30 s")
            .expect("the answer reads");
        let Some(chunk) = chunk else { break };
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(at) = pending.find("\n\n") {
            let block: String = pending.drain(..at + 2).collect();
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if data.is_empty() {
                continue;
            }
            let data: Value = serde_json::from_str(&data).expect("JSON data");
            on_event(&name, &data);
            out.push((name, data));
        }
    }
    out
}

async fn events(resp: reqwest::Response) -> Vec<(String, Value)> {
    events_with(resp, |_, _| {}).await
}

async fn ask(app: &TestApp, who: &Account, question: &str) -> reqwest::Response {
    app.post("/v1/assistant/chat")
        .bearer_auth(&who.token)
        .json(&json!({"messages": [{"role": "user", "content": question}]}))
        .send()
        .await
        .expect("request")
}

/// The one error event an answer ended with.
fn error_of(events: &[(String, Value)]) -> Value {
    let last = events.last().expect("an event");
    assert_eq!(last.0, "error", "{events:?}");
    assert!(
        events.iter().all(|(n, _)| n != "message"),
        "no message after an error: {events:?}"
    );
    last.1.clone()
}

#[tokio::test]
async fn deltas_stream_in_order_without_waiting_for_the_whole_answer() {
    let app = spawn_app().await;
    let provider = Provider::start().await;
    let pat = app.promoter("stream").await;
    assert_eq!(store(&app, &pat, &provider.base).await.status(), 200);
    let gate = Arc::new(Notify::new());
    let mut lines: Vec<String> = ["One", ", two", ", three"]
        .iter()
        .map(|t| text_chunk(t))
        .collect();
    lines.push(stop_chunk());
    lines.push("[DONE]".to_owned());
    // The last two pieces wait until the test has seen the first delta.
    provider.script(vec![Reply::Stream(lines, Some((1, gate.clone())))]);
    let seen = events_with(ask(&app, &pat, "Count").await, |name, _| {
        if name == "delta" {
            gate.notify_one();
        }
    })
    .await;
    let deltas: Vec<&str> = seen
        .iter()
        .filter(|(n, _)| n == "delta")
        .filter_map(|(_, d)| d["text"].as_str())
        .collect();
    assert_eq!(deltas, ["One", ", two", ", three"]);
    assert_eq!(seen.last().map(|(n, _)| n.as_str()), Some("message"));
    assert_eq!(
        seen.last().map(|(_, d)| d["content"].clone()),
        Some(json!("One, two, three"))
    );
    // The provider got the key, the model, the conversation and the tools.
    let (auth, body) = provider.requests().remove(0);
    assert_eq!(auth, format!("Bearer {KEY}"));
    assert_eq!(body["model"], "fake-model");
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": "Count"})
    );
    let tools: Vec<&str> = body["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    assert_eq!(
        tools,
        [
            "get_overview",
            "get_analysis",
            "get_tips",
            "get_stats",
            "list_offers",
            "get_suggestions"
        ]
    );
}

#[tokio::test]
async fn a_tool_call_reads_the_callers_own_stats_and_never_another_tenants() {
    let opts = Options::default();
    let m = market_with(opts, json!({})).await;
    let other = m.app.promoter("other").await;
    let day = at("2026-02-10T10:00:00Z");
    let mut clicks = Vec::new();
    // Pat: 3 clicks; the other promoter: 5.
    for (who, n) in [(m.promoter.id, 3), (other.id, 5)] {
        for i in 0..n {
            let mut c = Click::new(m.offer, who, day + time::Duration::minutes(i));
            c.ip = format!("198.18.{}.{i}", who % 200);
            clicks.push(c.event());
        }
    }
    m.app.ingest(&clicks).await;
    let provider = Provider::start().await;
    assert_eq!(
        store(&m.app, &m.promoter, &provider.base).await.status(),
        200
    );
    provider.script(vec![
        tool(
            "get_stats",
            json!({"from": "2026-02-10", "to": "2026-02-10"}),
        ),
        Reply::EchoTool,
    ]);
    let seen = events(ask(&m.app, &m.promoter, "How did I do?").await).await;
    let tool_event = seen
        .iter()
        .find(|(n, _)| n == "tool")
        .expect("a tool event");
    assert_eq!(tool_event.1["name"], "get_stats");
    assert_eq!(tool_event.1["arguments"]["from"], "2026-02-10");
    assert!(
        tool_event.1["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("3 clicks")),
        "{seen:?}"
    );
    let message = &seen.last().expect("events").1["content"];
    let echoed: Value =
        serde_json::from_str(message.as_str().unwrap_or("")).expect("the echoed tool result");
    assert_eq!(echoed["totals"]["clicks"], 3, "{echoed}");
    // The tool's answer went to the model with the call's id.
    let (_, second) = provider.requests().remove(1);
    let tool_msg = second["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["role"] == "tool"))
        .cloned()
        .expect("a tool message");
    assert_eq!(tool_msg["tool_call_id"], "call_1");

    // Naming another tenant is refused, and nothing of theirs comes back.
    provider.script(vec![
        tool(
            "get_stats",
            json!({"from": "2026-02-10", "to": "2026-02-10", "promoter_id": other.id}),
        ),
        Reply::EchoTool,
    ]);
    let seen = events(ask(&m.app, &m.promoter, "And the other promoter?").await).await;
    let echoed = seen.last().expect("events").1["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        echoed.contains("unknown argument \\\"promoter_id\\\"") || echoed.contains("promoter_id"),
        "{echoed}"
    );
    assert!(!echoed.contains("\"clicks\""), "{echoed}");
    let tool_event = seen
        .iter()
        .find(|(n, _)| n == "tool")
        .expect("a tool event");
    assert!(
        tool_event.1["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("refused"))
    );

    // The other promoter asking gets their own 5; an advertiser lists only its own offers.
    assert_eq!(store(&m.app, &other, &provider.base).await.status(), 200);
    provider.script(vec![
        tool(
            "get_stats",
            json!({"from": "2026-02-10", "to": "2026-02-10"}),
        ),
        Reply::EchoTool,
    ]);
    let seen = events(ask(&m.app, &other, "Mine?").await).await;
    let echoed: Value = serde_json::from_str(
        seen.last().expect("events").1["content"]
            .as_str()
            .unwrap_or(""),
    )
    .expect("json");
    assert_eq!(echoed["totals"]["clicks"], 5);

    let rival = m.app.advertiser("rival").await;
    let rival_offer = m
        .app
        .approved_offer(&rival, &m.admin, json!({"name": "Rival deal"}))
        .await;
    assert_eq!(store(&m.app, &rival, &provider.base).await.status(), 200);
    provider.script(vec![tool("list_offers", json!({})), Reply::EchoTool]);
    let seen = events(ask(&m.app, &rival, "My offers?").await).await;
    let echoed: Value = serde_json::from_str(
        seen.last().expect("events").1["content"]
            .as_str()
            .unwrap_or(""),
    )
    .expect("json");
    let ids: Vec<i64> = echoed["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .filter_map(|o| o["id"].as_i64())
        .collect();
    assert_eq!(ids, [rival_offer]);
}

/// The tool names the provider was offered in request `i`.
fn offered(provider: &Provider, i: usize) -> Vec<String> {
    provider.requests()[i].1["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .filter_map(|t| t["function"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The tool result the fake provider echoed as the answer, as JSON.
fn echoed(seen: &[(String, Value)]) -> Value {
    let last = seen.last().expect("events");
    assert_eq!(last.0, "message", "{seen:?}");
    serde_json::from_str(last.1["content"].as_str().unwrap_or("")).expect("JSON tool result")
}

#[tokio::test]
async fn the_insights_are_tools_answering_what_their_routes_answer_to_the_same_caller() {
    // The clicks are today's, in the overview's today as in the route's.
    crate::helpers::clear_of_midnight(Duration::from_secs(120)).await;
    let m = market_with(Options::default(), json!({})).await;
    let clicks: Vec<Value> = (0..4)
        .map(|i| {
            let mut c = Click::new(
                m.offer,
                m.promoter.id,
                earlier_today(time::Duration::minutes(i)),
            );
            c.ip = format!("198.18.7.{i}");
            c.event()
        })
        .collect();
    m.app.ingest(&clicks).await;
    // The clicks' points come from the programme's consumer, after the ingest.
    wait_until("the clicks' points", async || {
        let o = m
            .app
            .get_json("/v1/assistant/overview", &m.promoter.token)
            .await;
        o["level"]["lifetime_points"] == 4
    })
    .await;
    let provider = Provider::start().await;
    assert_eq!(
        store(&m.app, &m.promoter, &provider.base).await.status(),
        200
    );
    for (tool_name, route) in [
        ("get_overview", "/v1/assistant/overview?lang=ar"),
        ("get_analysis", "/v1/assistant/analysis?lang=ar"),
        ("get_tips", "/v1/assistant/tips?lang=ar"),
        (
            "get_suggestions",
            "/v1/assistant/suggestions?lang=ar&limit=3",
        ),
    ] {
        let args = if tool_name == "get_suggestions" {
            json!({"limit": 3})
        } else {
            json!({})
        };
        provider.script(vec![tool(tool_name, args), Reply::EchoTool]);
        let resp = m
            .app
            .post("/v1/assistant/chat")
            .bearer_auth(&m.promoter.token)
            .json(&json!({"lang": "ar", "messages": [{"role": "user", "content": "كيف أدائي؟"}]}))
            .send()
            .await
            .expect("request");
        let seen = events(resp).await;
        let via_route = m.app.get_json(route, &m.promoter.token).await;
        assert_eq!(echoed(&seen), via_route, "{tool_name}");
        let tool_event = seen
            .iter()
            .find(|(n, _)| n == "tool")
            .expect("a tool event");
        assert_eq!(tool_event.1["name"], tool_name);
    }
    // The promoter's own clicks are in the overview the model read (today's period).
    provider.script(vec![tool("get_overview", json!({})), Reply::EchoTool]);
    let seen = events(ask(&m.app, &m.promoter, "Today?").await).await;
    let overview = echoed(&seen);
    let today_period = overview["periods"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["period"] == "today"))
        .cloned()
        .expect("today");
    assert_eq!(today_period["current"]["clicks"], 4, "{overview}");
    assert!(
        offered(&provider, provider.requests().len() - 2).contains(&"get_suggestions".to_owned())
    );

    // An advertiser is not offered suggestions, and a model asking anyway hears why.
    let advertiser = &m.adv;
    assert_eq!(
        store(&m.app, advertiser, &provider.base).await.status(),
        200
    );
    provider.script(vec![tool("get_suggestions", json!({})), Reply::EchoTool]);
    let first = provider.requests().len();
    let seen = events(ask(&m.app, advertiser, "What should I join?").await).await;
    let tools = offered(&provider, first);
    assert!(tools.contains(&"get_analysis".to_owned()), "{tools:?}");
    assert!(!tools.contains(&"get_suggestions".to_owned()), "{tools:?}");
    let refusal = echoed(&seen);
    assert!(
        refusal["error"]
            .as_str()
            .is_some_and(|e| e.contains("promoter")),
        "{refusal}"
    );
    // Arguments the insights do not take are refused.
    provider.script(vec![
        tool("get_analysis", json!({"advertiser_id": 1})),
        Reply::EchoTool,
        tool("get_suggestions", json!({"limit": 500})),
        Reply::EchoTool,
    ]);
    let seen = events(ask(&m.app, advertiser, "Others?").await).await;
    assert!(
        echoed(&seen)["error"]
            .as_str()
            .is_some_and(|e| e.contains("advertiser_id"))
    );
    let seen = events(ask(&m.app, &m.promoter, "Many?").await).await;
    assert!(
        echoed(&seen)["error"]
            .as_str()
            .is_some_and(|e| e.contains("limit"))
    );
}

#[tokio::test]
async fn a_user_who_leaves_ends_the_chat_and_its_provider_connection_at_once() {
    let app = spawn_with(Options {
        env: vec![
            ("AFFTOK_ASSISTANT_TIMEOUT_SECS", "300".to_owned()),
            ("AFFTOK_ASSISTANT_READ_TIMEOUT_SECS", "300".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    let provider = Provider::start().await;
    let pat = app.promoter("leaver").await;
    assert_eq!(store(&app, &pat, &provider.base).await.status(), 200);
    let hung_up = Arc::new(Notify::new());
    provider.script(vec![Reply::Hold(hung_up.clone())]);
    let mut resp = ask(&app, &pat, "Long question").await;
    assert_eq!(resp.status(), 200);
    // The first words arrive; then the provider says nothing, and the user leaves.
    let first = resp.chunk().await.expect("reads").expect("a chunk");
    assert!(String::from_utf8_lossy(&first).contains("Thinking"));
    drop(resp);
    // Not after the 300 s limits: the chat hangs up on the provider now.
    tokio::time::timeout(Duration::from_secs(20), hung_up.notified())
        .await
        .expect("the provider's connection was closed");
}

#[tokio::test]
async fn a_chat_longer_than_the_total_limit_ends_in_a_timeout_event() {
    let app = spawn_with(Options {
        env: vec![
            ("AFFTOK_ASSISTANT_TIMEOUT_SECS", "2".to_owned()),
            ("AFFTOK_ASSISTANT_READ_TIMEOUT_SECS", "2".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    let provider = Provider::start().await;
    let pat = app.promoter("slowpoke").await;
    assert_eq!(store(&app, &pat, &provider.base).await.status(), 200);
    // Never silent for a whole second, but 6 s in all.
    provider.script(vec![Reply::Trickle(12, Duration::from_millis(500))]);
    let seen = events(ask(&app, &pat, "Take your time").await).await;
    let deltas = seen.iter().filter(|(n, _)| n == "delta").count();
    assert!(
        (1..12).contains(&deltas),
        "some deltas came first: {seen:?}"
    );
    let error = error_of(&seen);
    assert_eq!(error["code"], "timeout", "{seen:?}");
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains("2 s")),
        "{error}"
    );
}

#[tokio::test]
async fn provider_failures_end_in_clear_error_events() {
    let app = spawn_with(Options {
        env: vec![
            ("AFFTOK_ASSISTANT_READ_TIMEOUT_SECS", "1".to_owned()),
            ("AFFTOK_ASSISTANT_MAX_TOOL_ROUNDS", "2".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    let provider = Provider::start().await;
    let pat = app.promoter("fails").await;
    assert_eq!(store(&app, &pat, &provider.base).await.status(), 200);
    let mut answers = String::new();
    for (reply, code) in [
        (Reply::Status(401), "bad_key"),
        (Reply::Status(429), "rate_limited"),
        (Reply::Status(500), "provider_error"),
        (Reply::Stall(Duration::from_secs(5)), "timeout"),
        (Reply::Raw("data: {not json\n\n"), "malformed_answer"),
        (Reply::Raw("{\"choices\": []}"), "malformed_answer"),
    ] {
        provider.script(vec![reply]);
        let seen = events(ask(&app, &pat, "Hello?").await).await;
        answers.push_str(&format!("{seen:?}"));
        let error = error_of(&seen);
        assert_eq!(error["code"], code, "{seen:?}");
        assert!(
            error["message"].as_str().is_some_and(|m| m.len() > 10),
            "{error}"
        );
    }
    // A model that keeps calling tools is stopped.
    provider.script(vec![
        tool("list_offers", json!({})),
        tool("list_offers", json!({})),
        tool("list_offers", json!({})),
    ]);
    let seen = events(ask(&app, &pat, "Loop").await).await;
    assert_eq!(error_of(&seen)["code"], "too_many_tool_rounds");
    assert_eq!(seen.iter().filter(|(n, _)| n == "tool").count(), 2);

    // A dead provider: nothing listens on the port any more.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        l.local_addr().expect("bound").port()
    };
    assert_eq!(
        store(&app, &pat, &format!("http://127.0.0.1:{dead}/v1"))
            .await
            .status(),
        200
    );
    let seen = events(ask(&app, &pat, "Anyone?").await).await;
    answers.push_str(&format!("{seen:?}"));
    assert_eq!(error_of(&seen)["code"], "provider_error");
    // The key (which the provider's error bodies quoted) is in no answer.
    assert!(!answers.contains(KEY), "{answers}");
    assert!(!answers.contains("7f3c9a1e"), "{answers}");
}

#[tokio::test]
async fn the_provider_is_stored_shown_without_its_key_and_deleted() {
    let app = spawn_app().await;
    let provider = Provider::start().await;
    let adv = app.advertiser("keeper").await;
    let resp = ask(&app, &adv, "Hi").await;
    let body = problem(resp, 409, "no_provider").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("PUT /v1/assistant/provider"))
    );
    let resp = store(&app, &adv, &provider.base).await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.expect("body");
    assert!(!text.contains(KEY), "{text}");
    let shown = app.get_json("/v1/assistant/provider", &adv.token).await;
    assert_eq!(shown["base_url"], provider.base);
    assert_eq!(shown["model"], "fake-model");
    assert_eq!(shown["key_last4"], "6a0e");
    assert!(!shown.to_string().contains(KEY));
    // At rest the key is sealed: its text is nowhere in the row.
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT key_sealed FROM assistant_providers")
        .fetch_one(&app.db)
        .await
        .expect("a row");
    assert!(!String::from_utf8_lossy(&sealed).contains("sk-test"));
    provider.script(vec![words(&["Hi"])]);
    assert_eq!(
        events(ask(&app, &adv, "Hi").await)
            .await
            .last()
            .map(|e| e.0.clone()),
        Some("message".to_owned())
    );

    let resp = app
        .delete("/v1/assistant/provider")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 204);
    problem(ask(&app, &adv, "Hi").await, 409, "no_provider").await;
    let resp = app
        .delete("/v1/assistant/provider")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
    let resp = app
        .get("/v1/assistant/provider")
        .bearer_auth(&adv.token)
        .send()
        .await
        .expect("request");
    problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn bad_providers_and_requests_are_422_with_their_fields() {
    let app = spawn_app().await;
    let pat = app.promoter("checks").await;
    for (body, expected) in [
        (json!({}), vec!["base_url", "model", "api_key"]),
        (
            json!({"base_url": "ftp://x.example", "model": "m", "api_key": KEY}),
            vec!["base_url"],
        ),
        (
            json!({"base_url": "not a url", "model": "", "api_key": KEY}),
            vec!["base_url", "model"],
        ),
        // Private addresses are refused by the guard (loopback is allowed in the tests).
        (
            json!({"base_url": "http://10.1.2.3/v1", "model": "m", "api_key": KEY}),
            vec!["base_url"],
        ),
        (
            json!({"base_url": "http://169.254.169.254/v1", "model": "m", "api_key": KEY}),
            vec!["base_url"],
        ),
        (
            json!({"base_url": "https://api.example/v1", "model": "m".repeat(201), "api_key": "k".repeat(501)}),
            vec!["model", "api_key"],
        ),
    ] {
        let resp = put_json(&app, "/v1/assistant/provider", &pat.token, body.clone()).await;
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), expected, "{body}");
        assert!(!p.to_string().contains(KEY));
    }
    let resp = put_json(
        &app,
        "/v1/assistant/provider",
        &pat.token,
        json!({"base_url": "http://10.1.2.3/v1", "model": "m", "api_key": KEY}),
    )
    .await;
    let p = problem(resp, 422, "validation_failed").await;
    assert!(p.to_string().contains("private"), "{p}");
    for (body, expected) in [
        (json!({"messages": []}), vec!["messages"]),
        (
            json!({"messages": [{"role": "system", "content": "x"}]}),
            vec!["messages[0].role", "messages"],
        ),
        (
            json!({"messages": [{"role": "user", "content": ""}], "lang": "fr"}),
            vec!["messages[0].content", "lang"],
        ),
    ] {
        let resp = app
            .post("/v1/assistant/chat")
            .bearer_auth(&pat.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let p = problem(resp, 422, "validation_failed").await;
        assert_eq!(fields(&p), expected, "{body}");
    }
}

#[tokio::test]
async fn only_signed_in_promoters_and_advertisers() {
    let app = spawn_app().await;
    let resp = app
        .get("/v1/assistant/provider")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    let resp = app
        .post("/v1/assistant/chat")
        .json(&json!({"messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    let admin = app.admin().await;
    problem(
        store(&app, &admin, "https://api.example/v1").await,
        403,
        "forbidden",
    )
    .await;
    problem(ask(&app, &admin, "hi").await, 403, "forbidden").await;
}

/// What is logged while `on` (a global subscriber: the other tests' logs of that time too,
/// which only widens the search); nothing is formatted or kept once off.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_stays_out_of_the_logs() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    static ON: AtomicBool = AtomicBool::new(true);
    let captured = Captured::default();
    let writer = captured.clone();
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            ON.load(Ordering::Relaxed) && *meta.level() <= tracing::Level::DEBUG
        }));
    let installed = tracing_subscriber::registry().with(layer).try_init();
    assert!(installed.is_ok(), "the only test installing a subscriber");
    let app = spawn_app().await;
    let provider = Provider::start().await;
    let pat = app.promoter("quiet").await;
    assert_eq!(store(&app, &pat, &provider.base).await.status(), 200);
    provider.script(vec![
        tool("list_offers", json!({})),
        words(&["Fine"]),
        Reply::Status(401),
    ]);
    let mut answers = format!("{:?}", events(ask(&app, &pat, "Offers?").await).await);
    answers.push_str(&format!(
        "{:?}",
        events(ask(&app, &pat, "Again").await).await
    ));
    answers.push_str(
        &app.get_json("/v1/assistant/provider", &pat.token)
            .await
            .to_string(),
    );
    ON.store(false, Ordering::Relaxed);
    let logs = String::from_utf8_lossy(&std::mem::take(&mut *captured.0.lock().expect("lock")))
        .into_owned();
    assert!(
        logs.contains("/v1/assistant/chat"),
        "requests are logged: {} bytes",
        logs.len()
    );
    for needle in [KEY, "7f3c9a1e5b2d"] {
        assert!(!logs.contains(needle), "the key in the logs");
        assert!(!answers.contains(needle), "the key in an answer: {answers}");
    }
}
