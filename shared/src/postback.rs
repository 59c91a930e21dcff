//! Postback parameters (DESIGN §4): the aliases other trackers use, body-over-query
//! precedence and validation. Shared by the edge's `/postback/{key}` and the control plane's
//! conversion API so both accept and refuse exactly the same input.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde_json::value::RawValue;
use uuid::Uuid;

use crate::money::{Amount, AmountError, Currency};

/// The event name when none is given.
pub const DEFAULT_EVENT: &str = "conversion";
/// Longest txid, in bytes.
pub const MAX_TXID_LEN: usize = 128;
/// Longest event name, in bytes.
pub const MAX_EVENT_LEN: usize = 64;

/// A valid postback's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionParams {
    /// The click being converted.
    pub click_id: Uuid,
    /// The advertiser's transaction id.
    pub txid: Option<String>,
    /// The sale amount.
    pub amount: Option<Amount>,
    /// The amount's currency, upper case.
    pub currency: Option<Currency>,
    /// The kind of conversion.
    pub event: String,
}

/// The stable code of a refused postback, answered as `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamErrorCode {
    /// No click id under any alias.
    MissingClickId,
    /// The click id is not a UUID.
    InvalidClickId,
    /// The amount is not a non-negative decimal with at most 4 decimals.
    InvalidAmount,
    /// The currency is not an ISO 4217 code.
    InvalidCurrency,
    /// The txid is too long or has control characters.
    InvalidTxid,
    /// The event name is too long or has other characters than `[A-Za-z0-9_.-]`.
    InvalidEvent,
    /// The body could not be read (malformed JSON, not an object).
    InvalidBody,
}

impl ParamErrorCode {
    /// The code as answered.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingClickId => "missing_click_id",
            Self::InvalidClickId => "invalid_click_id",
            Self::InvalidAmount => "invalid_amount",
            Self::InvalidCurrency => "invalid_currency",
            Self::InvalidTxid => "invalid_txid",
            Self::InvalidEvent => "invalid_event",
            Self::InvalidBody => "invalid_body",
        }
    }
}

impl fmt::Display for ParamErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused postback: its code and a sentence saying what is wrong (never echoing input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ParamError {
    /// The stable code.
    pub code: ParamErrorCode,
    /// What is wrong, for a human.
    pub detail: &'static str,
}

impl ParamError {
    fn new(code: ParamErrorCode, detail: &'static str) -> Self {
        Self { code, detail }
    }
}

/// How a POST body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json` (or any `+json` type).
    Json,
}

impl BodyFormat {
    /// Chooses from the Content-Type; without one (or with an unknown one) a body that starts
    /// with `{` is read as JSON and anything else as a form.
    pub fn detect(content_type: Option<&str>, body: &[u8]) -> Self {
        let mime = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase());
        match mime.as_deref() {
            Some("application/json") => Self::Json,
            Some(m) if m.ends_with("+json") => Self::Json,
            Some("application/x-www-form-urlencoded") => Self::Form,
            _ if body.trim_ascii_start().starts_with(b"{") => Self::Json,
            _ => Self::Form,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    ClickId,
    Txid,
    Amount,
    Currency,
    Event,
}

const PARAMS: usize = 5;

/// The canonical name and aliases, in order of precedence (DESIGN §4).
fn param_of(name: &str) -> Option<(Param, u8)> {
    Some(match name {
        "click_id" => (Param::ClickId, 0),
        "cid" => (Param::ClickId, 1),
        "clickid" => (Param::ClickId, 2),
        "transaction_id" => (Param::ClickId, 3),
        "txid" => (Param::Txid, 0),
        "order_id" => (Param::Txid, 1),
        "adv_sub" => (Param::Txid, 2),
        "amount" => (Param::Amount, 0),
        "payout" => (Param::Amount, 1),
        "sale_amount" => (Param::Amount, 2),
        "currency" => (Param::Currency, 0),
        "event" => (Param::Event, 0),
        _ => return None,
    })
}

#[derive(Debug, Clone)]
enum Value<'a> {
    Text(Cow<'a, str>),
    /// A JSON value that is not a string or a number.
    WrongType,
}

/// The values found in one source (query or body), one per parameter.
#[derive(Debug, Default)]
struct Found<'a>([Option<(u8, Value<'a>)>; PARAMS]);

impl<'a> Found<'a> {
    /// Keeps `value` for `name` when it outranks what is there; empty values are absent.
    fn offer(&mut self, name: &str, value: Value<'a>) {
        let Some((param, rank)) = param_of(name) else {
            return;
        };
        if matches!(&value, Value::Text(text) if text.is_empty()) {
            return;
        }
        let slot = &mut self.0[param as usize];
        if slot.as_ref().is_none_or(|(held, _)| rank < *held) {
            *slot = Some((rank, value));
        }
    }

    fn from_form(input: &'a [u8]) -> Self {
        let mut found = Self::default();
        for (name, value) in form_urlencoded::parse(input) {
            found.offer(&name, Value::Text(value));
        }
        found
    }

    fn from_json(input: &'a [u8]) -> Result<Self, ParamError> {
        let object: HashMap<String, &'a RawValue> =
            serde_json::from_slice(input).map_err(|_| {
                ParamError::new(
                    ParamErrorCode::InvalidBody,
                    "the body must be a JSON object",
                )
            })?;
        let mut found = Self::default();
        for (name, raw) in object {
            let text = raw.get();
            let value = match text.as_bytes().first() {
                Some(b'"') => match serde_json::from_str::<String>(text) {
                    Ok(s) => Value::Text(Cow::Owned(s)),
                    Err(_) => Value::WrongType,
                },
                Some(b'-' | b'0'..=b'9') => Value::Text(Cow::Borrowed(text)),
                Some(b'n') => continue, // null: absent
                _ => Value::WrongType,
            };
            found.offer(&name, value);
        }
        Ok(found)
    }

    fn take(&mut self, param: Param) -> Option<Value<'a>> {
        self.0[param as usize].take().map(|(_, value)| value)
    }
}

/// Whether `txid` is a valid transaction id: at most [`MAX_TXID_LEN`] bytes, no control
/// characters.
pub fn valid_txid(txid: &str) -> bool {
    txid.len() <= MAX_TXID_LEN && !txid.chars().any(char::is_control)
}

/// Whether `event` is a valid event name: 1 to [`MAX_EVENT_LEN`] bytes of
/// `[A-Za-z0-9_.-]`.
pub fn valid_event(event: &str) -> bool {
    !event.is_empty()
        && event.len() <= MAX_EVENT_LEN
        && event
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Reads a postback's parameters from its query string and, for a POST, its body. Body
/// values win over query values; the canonical name wins over its aliases.
pub fn parse(
    query: &str,
    body: Option<(BodyFormat, &[u8])>,
) -> Result<ConversionParams, ParamError> {
    let mut from_query = Found::from_form(query.as_bytes());
    let mut from_body = match body {
        Some((_, bytes)) if bytes.trim_ascii().is_empty() => Found::default(),
        Some((BodyFormat::Form, bytes)) => Found::from_form(bytes),
        Some((BodyFormat::Json, bytes)) => Found::from_json(bytes)?,
        None => Found::default(),
    };
    let mut get = |param| from_body.take(param).or_else(|| from_query.take(param));

    use ParamErrorCode as Code;
    let click_id = match get(Param::ClickId) {
        None => {
            return Err(ParamError::new(
                Code::MissingClickId,
                "click_id (or cid, clickid, transaction_id) is required",
            ));
        }
        Some(Value::Text(text)) => Uuid::try_parse(&text)
            .map_err(|_| ParamError::new(Code::InvalidClickId, "click_id must be a UUID"))?,
        Some(Value::WrongType) => {
            return Err(ParamError::new(
                Code::InvalidClickId,
                "click_id must be a string",
            ));
        }
    };
    let txid = match get(Param::Txid) {
        None => None,
        Some(Value::Text(text)) if text.len() > MAX_TXID_LEN => {
            return Err(ParamError::new(
                Code::InvalidTxid,
                "txid must be at most 128 bytes",
            ));
        }
        Some(Value::Text(text)) if !valid_txid(&text) => {
            return Err(ParamError::new(
                Code::InvalidTxid,
                "txid must not contain control characters",
            ));
        }
        Some(Value::Text(text)) => Some(text.into_owned()),
        Some(Value::WrongType) => {
            return Err(ParamError::new(Code::InvalidTxid, "txid must be a string"));
        }
    };
    let amount = match get(Param::Amount) {
        None => None,
        Some(Value::Text(text)) => Some(Amount::parse(&text).map_err(|e| {
            ParamError::new(
                Code::InvalidAmount,
                match e {
                    AmountError::Format => {
                        "amount must be a non-negative decimal with at most 4 decimals, such as 12.50"
                    }
                    AmountError::TooLarge => "amount must be below 10^15",
                },
            )
        })?),
        Some(Value::WrongType) => {
            return Err(ParamError::new(
                Code::InvalidAmount,
                "amount must be a string or a number",
            ));
        }
    };
    let currency = match get(Param::Currency) {
        None => None,
        Some(Value::Text(text)) => Some(Currency::parse(&text).map_err(|_| {
            ParamError::new(
                Code::InvalidCurrency,
                "currency must be an ISO 4217 code such as USD",
            )
        })?),
        Some(Value::WrongType) => {
            return Err(ParamError::new(
                Code::InvalidCurrency,
                "currency must be a string",
            ));
        }
    };
    let event = match get(Param::Event) {
        None => DEFAULT_EVENT.to_owned(),
        Some(Value::Text(text)) if valid_event(&text) => text.into_owned(),
        Some(_) => {
            return Err(ParamError::new(
                Code::InvalidEvent,
                "event must be at most 64 characters of A-Z, a-z, 0-9, _ . -",
            ));
        }
    };
    Ok(ConversionParams {
        click_id,
        txid,
        amount,
        currency,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLICK: &str = "019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a10";
    const OTHER: &str = "019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a11";

    fn query(q: &str) -> Result<ConversionParams, ParamError> {
        parse(q, None)
    }

    fn code(result: Result<ConversionParams, ParamError>) -> &'static str {
        result.expect_err("should be refused").code.as_str()
    }

    #[test]
    fn minimal_postback_gets_defaults() {
        let p = query(&format!("click_id={CLICK}")).expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK);
        assert_eq!((p.txid, p.amount, p.currency), (None, None, None));
        assert_eq!(p.event, "conversion");
    }

    #[test]
    fn full_postback() {
        let p = query(&format!(
            "click_id={CLICK}&txid=ORD-1&amount=12.50&currency=eur&event=first_deposit"
        ))
        .expect("valid");
        assert_eq!(p.txid.as_deref(), Some("ORD-1"));
        assert_eq!(p.amount.map(|a| a.to_string()), Some("12.50".into()));
        assert_eq!(p.currency.map(|c| c.code()), Some("EUR"));
        assert_eq!(p.event, "first_deposit");
    }

    #[test]
    fn click_id_is_normalized_to_lowercase_hyphenated() {
        let p = query("cid=019AB8A46D2B7CC39A516F1E5F7D2A10").expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK);
    }

    #[test]
    fn aliases_and_their_precedence() {
        for name in ["click_id", "cid", "clickid", "transaction_id"] {
            assert_eq!(
                query(&format!("{name}={CLICK}"))
                    .expect("valid")
                    .click_id
                    .to_string(),
                CLICK
            );
        }
        let p = query(&format!("transaction_id={OTHER}&cid={CLICK}")).expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK, "cid outranks transaction_id");
        let p = query(&format!(
            "cid={CLICK}&order_id=A&adv_sub=B&payout=3&sale_amount=4"
        ))
        .expect("valid");
        assert_eq!(p.txid.as_deref(), Some("A"));
        assert_eq!(p.amount.map(|a| a.to_string()), Some("3".into()));
        let p = query(&format!("cid={CLICK}&adv_sub=B&sale_amount=4")).expect("valid");
        assert_eq!(p.txid.as_deref(), Some("B"));
        assert_eq!(p.amount.map(|a| a.to_string()), Some("4".into()));
    }

    #[test]
    fn empty_values_are_absent() {
        let p = query(&format!(
            "click_id=&cid={CLICK}&txid=&amount=&currency=&event="
        ))
        .expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK);
        assert_eq!((p.txid, p.amount, p.currency), (None, None, None));
        assert_eq!(p.event, "conversion");
        assert_eq!(code(query("click_id=")), "missing_click_id");
    }

    #[test]
    fn body_wins_over_query() {
        let body = format!("click_id={CLICK}&amount=5");
        let p = parse(
            &format!("click_id={OTHER}&amount=1&txid=Q"),
            Some((BodyFormat::Form, body.as_bytes())),
        )
        .expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK);
        assert_eq!(p.amount.map(|a| a.to_string()), Some("5".into()));
        assert_eq!(
            p.txid.as_deref(),
            Some("Q"),
            "query fills what the body lacks"
        );
        // An alias in the body still beats the canonical name in the query.
        let p = parse(
            &format!("click_id={OTHER}"),
            Some((BodyFormat::Form, format!("cid={CLICK}").as_bytes())),
        )
        .expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK);
    }

    #[test]
    fn json_bodies() {
        let body = format!(
            r#"{{"clickid":"{CLICK}","amount":12.5,"txid":12345,"currency":null,"other":[1]}}"#
        );
        let p = parse("", Some((BodyFormat::Json, body.as_bytes()))).expect("valid");
        assert_eq!(p.click_id.to_string(), CLICK);
        assert_eq!(p.amount.map(|a| a.to_string()), Some("12.5".into()));
        assert_eq!(p.txid.as_deref(), Some("12345"));
        assert_eq!(p.currency, None);
        let bad = |json: &str| code(parse("", Some((BodyFormat::Json, json.as_bytes()))));
        assert_eq!(
            bad(&format!(r#"{{"click_id":"{CLICK}","amount":1e3}}"#)),
            "invalid_amount"
        );
        assert_eq!(
            bad(&format!(r#"{{"click_id":"{CLICK}","amount":-1}}"#)),
            "invalid_amount"
        );
        assert_eq!(
            bad(&format!(r#"{{"click_id":"{CLICK}","amount":true}}"#)),
            "invalid_amount"
        );
        assert_eq!(bad(r#"{"click_id":7}"#), "invalid_click_id");
        assert_eq!(bad(r#"{"click_id":{"a":1}}"#), "invalid_click_id");
        assert_eq!(
            bad(&format!(r#"{{"click_id":"{CLICK}","event":["x"]}}"#)),
            "invalid_event"
        );
        assert_eq!(bad("{not json"), "invalid_body");
        assert_eq!(bad("[1,2]"), "invalid_body");
        assert_eq!(bad("{}"), "missing_click_id");
        // Whitespace-only bodies are no body at all.
        assert!(parse(&format!("cid={CLICK}"), Some((BodyFormat::Json, b"  \n"))).is_ok());
    }

    #[test]
    fn each_bad_input_has_its_code() {
        let with = |extra: &str| query(&format!("click_id={CLICK}&{extra}"));
        assert_eq!(code(query("txid=1")), "missing_click_id");
        assert_eq!(code(query("click_id=42")), "invalid_click_id");
        assert_eq!(
            code(query("click_id=019ab8a4-6d2b-7cc3-9a51-6f1e5f7d2a1")),
            "invalid_click_id"
        );
        assert_eq!(code(with("amount=12.34567")), "invalid_amount");
        assert_eq!(code(with("amount=-1")), "invalid_amount");
        assert_eq!(code(with("amount=1%2C5")), "invalid_amount");
        assert_eq!(code(with("amount=99999999999999999")), "invalid_amount");
        assert_eq!(code(with("currency=usdollar")), "invalid_currency");
        assert_eq!(code(with("currency=ZZZ")), "invalid_currency");
        assert_eq!(
            code(with(&format!("txid={}", "x".repeat(129)))),
            "invalid_txid"
        );
        assert_eq!(code(with("txid=a%0Ab")), "invalid_txid");
        assert_eq!(
            code(with(&format!("event={}", "e".repeat(65)))),
            "invalid_event"
        );
        assert_eq!(code(with("event=sign%20up")), "invalid_event");
        assert!(with(&format!("txid={}", "x".repeat(128))).is_ok());
        assert!(with(&format!("event={}", "e".repeat(64))).is_ok());
    }

    #[test]
    fn detail_never_echoes_input() {
        let err = query("click_id=<script>").expect_err("refused");
        assert!(!err.detail.contains("script"));
    }

    #[test]
    fn body_format_detection() {
        assert_eq!(
            BodyFormat::detect(Some("application/json; charset=utf-8"), b""),
            BodyFormat::Json
        );
        assert_eq!(
            BodyFormat::detect(Some("application/vnd.api+json"), b""),
            BodyFormat::Json
        );
        assert_eq!(
            BodyFormat::detect(Some("Application/X-WWW-Form-Urlencoded"), b"{"),
            BodyFormat::Form
        );
        assert_eq!(BodyFormat::detect(None, b"  {\"a\":1}"), BodyFormat::Json);
        assert_eq!(
            BodyFormat::detect(Some("text/plain"), b"a=1"),
            BodyFormat::Form
        );
    }
}
