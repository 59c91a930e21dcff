//! `POST {CONTROL_PLANE_URL}/internal/v1/events` with `{"events": [...]}` and the
//! `Afftok-Signature` of DESIGN §6, signed with the `INGEST_SECRET` secret.

use afftok_shared::batch;
use serde_json::value::RawValue;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit};

/// The control plane's ingest path.
pub const INGEST_PATH: &str = "/internal/v1/events";

/// Whether `text` is a JSON object (what every event is).
pub fn is_json_object(text: &str) -> bool {
    serde_json::from_str::<&RawValue>(text).is_ok_and(|raw| raw.get().starts_with('{'))
}

/// The batch body for events given as JSON texts.
pub fn batch_body(events: &[String]) -> String {
    let mut body = String::with_capacity(events.iter().map(|e| e.len() + 1).sum::<usize>() + 16);
    body.push_str("{\"events\":[");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(event);
    }
    body.push_str("]}");
    body
}

/// Sends one signed batch; `Ok` when the control plane answered 2xx (it stored the batch).
pub async fn post_batch(env: &Env, events: &[String]) -> Result<(), String> {
    let base = env
        .var("CONTROL_PLANE_URL")
        .map_err(|_| "the CONTROL_PLANE_URL var is not set".to_owned())?
        .to_string();
    let secret = env
        .secret("INGEST_SECRET")
        .map_err(|_| "the INGEST_SECRET secret is not set".to_owned())?
        .to_string();
    let body = batch_body(events);
    let now = worker::Date::now().as_millis() / 1000;
    let headers = Headers::new();
    let set = |name: &str, value: &str| {
        headers
            .set(name, value)
            .map_err(|e| format!("header {name}: {e}"))
    };
    set("content-type", "application/json")?;
    set(
        batch::SIGNATURE_HEADER,
        &batch::sign(secret.as_bytes(), now, body.as_bytes()),
    )?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    let url = format!("{}{INGEST_PATH}", base.trim_end_matches('/'));
    let request = Request::new_with_init(&url, &init).map_err(|e| format!("{url}: {e}"))?;
    let response = Fetch::Request(request)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("{url} answered {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_bodies() {
        assert_eq!(batch_body(&[]), r#"{"events":[]}"#);
        let body = batch_body(&[r#"{"a":1}"#.into(), r#"{"b":2}"#.into()]);
        assert_eq!(body, r#"{"events":[{"a":1},{"b":2}]}"#);
        let parsed: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        assert_eq!(parsed["events"][1]["b"], 2);
    }

    #[test]
    fn only_objects_are_events() {
        assert!(is_json_object(r#"{"type":"click"}"#));
        assert!(!is_json_object("[1]"));
        assert!(!is_json_object("{broken"));
        assert!(!is_json_object(r#""text""#));
    }
}
