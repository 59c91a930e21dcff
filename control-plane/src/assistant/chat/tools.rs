//! The tools the model may call, run as the caller: the assistant's own answers (overview,
//! suggestions, analysis, tips, built by the same functions as its routes, for the same
//! principal), the stats API's totals and the caller's offers. Every read starts from the
//! caller's tenant, and no argument names anyone else (an argument the tool does not know,
//! such as a promoter or advertiser id, is refused rather than ignored silently, so the
//! model hears why). Each result is JSON cut to [`RESULT_BYTES`].

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};

use super::super::http::{
    DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS, analysis_of, overview_of, suggestions_of, tips_of,
};
use super::super::texts::Lang;
use crate::accounts::Principal;
use crate::app::startup::AppState;
use crate::kernel::Tenant;
use crate::kernel::error::ApiError;

/// The most a tool's result may weigh, in bytes of JSON text.
pub(crate) const RESULT_BYTES: usize = 8 * 1024;

/// Offers listed at most.
const OFFERS_LISTED: u32 = 50;

/// A tool without parameters.
fn bare(name: &str, description: &str) -> Value {
    json!({
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {}, "additionalProperties": false}
        }
    })
}

/// The tools' descriptions for `tenant`, as the provider's `tools` parameter wants them
/// (suggestions are for promoters only).
pub(crate) fn catalogue(tenant: Tenant) -> Vec<Value> {
    let mut tools = vec![
        bare(
            "get_overview",
            "The caller's overview: today, the last 7 and 30 UTC days with the change against the period before, the best offer of the 30 days, and a promoter's level and points to the next level.",
        ),
        bare(
            "get_analysis",
            "Findings over the last 30 UTC days, each with its figures and a recommendation: best and worst offers by EPC, the conversion rate against the platform median (with a z-score), top countries and sub-IDs, hours, filtered share, conversions waiting for review; for advertisers also their offers against the platform and their best and worst promoters.",
        ),
        bare(
            "get_tips",
            "Tips triggered by the caller's own numbers, each with the number that triggered it and its threshold.",
        ),
        json!({
            "type": "function",
            "function": {
                "name": "get_stats",
                "description": "The caller's own totals over UTC days from..to (inclusive): clicks, unique clicks, filtered clicks, approved conversions, payout and revenue by currency, conversion rate (cr) and earnings per click (epc). Defaults to the last 7 days. At most 366 days.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "from": {"type": "string", "description": "First day, YYYY-MM-DD"},
                        "to": {"type": "string", "description": "Last day, YYYY-MM-DD"}
                    },
                    "additionalProperties": false
                }
            }
        }),
        bare(
            "list_offers",
            "The caller's offers: an advertiser's own offers, or the offers a promoter has joined; with status, category and payout.",
        ),
    ];
    if matches!(tenant, Tenant::Promoter(_)) {
        tools.push(json!({
            "type": "function",
            "function": {
                "name": "get_suggestions",
                "description": "Approved offers the promoter has not joined, ranked by fit from their own numbers and the offers' platform EPC and CR, each with its reasons and figures; and what was left out (paused, capped, closed to the promoter's countries).",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_SUGGESTIONS, "description": "How many offers (default 10)"}
                    },
                    "additionalProperties": false
                }
            }
        }));
    }
    tools
}

/// Who asks, in which language: the chat's caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    /// The service's state.
    pub state: &'a AppState,
    /// The signed-in promoter or advertiser.
    pub principal: &'a Principal,
    /// The language of the chat (the insights' texts come in it).
    pub lang: Lang,
}

/// What a tool call came to: its result for the model and a short line for the user.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// JSON text for the model, at most [`RESULT_BYTES`].
    pub result: String,
    /// A sentence for the `tool` event.
    pub summary: String,
}

/// Runs the tool `name` with `arguments` (JSON text from the model) as `caller`.
pub(crate) async fn run(caller: Caller<'_>, name: &str, arguments: &str) -> Outcome {
    let args = match parse_arguments(arguments) {
        Ok(args) => args,
        Err(why) => return refused(why),
    };
    let (db, tenant) = (&caller.state.db, caller.principal.tenant());
    let answer = match name {
        "get_overview" => insight(
            &args,
            overview_of(caller.state, caller.principal, caller.lang).await,
            |o| format!("overview of {} periods", o.periods.len()),
        ),
        "get_analysis" => insight(
            &args,
            analysis_of(caller.state, caller.principal, caller.lang).await,
            |a| format!("{} findings from {} to {}", a.findings.len(), a.from, a.to),
        ),
        "get_tips" => insight(
            &args,
            tips_of(caller.state, caller.principal, caller.lang).await,
            |t| format!("{} tips", t.tips.len()),
        ),
        "get_suggestions" => match limit(&args) {
            Ok(n) => insight(
                &serde_json::Map::new(),
                suggestions_of(caller.state, caller.principal, caller.lang, n).await,
                |s| format!("{} of {} suggested offers", s.data.len(), s.total),
            ),
            Err(why) => Err(why),
        },
        "get_stats" => get_stats(db, tenant, &args).await,
        "list_offers" => list_offers(db, tenant, &args).await,
        other => Err(format!("there is no tool named {other:?}")),
    };
    match answer {
        Ok((value, summary)) => Outcome {
            result: limited(&value),
            summary,
        },
        Err(why) => refused(why),
    }
}

fn refused(why: String) -> Outcome {
    Outcome {
        result: limited(&json!({"error": why})),
        summary: format!("refused: {why}"),
    }
}

/// An insight's answer as a tool result: the JSON the route would answer and a summary;
/// a refusal (403: suggestions for an advertiser) or a failure in words.
fn insight<T: Serialize>(
    args: &serde_json::Map<String, Value>,
    answer: Result<T, ApiError>,
    summary: impl FnOnce(&T) -> String,
) -> Result<(Value, String), String> {
    only(args, &[])?;
    match answer {
        Ok(answer) => {
            let value = serde_json::to_value(&answer)
                .map_err(|_| "the answer could not be written".to_owned())?;
            Ok((value, summary(&answer)))
        }
        Err(ApiError::Forbidden(why)) => Err(why.to_string()),
        Err(_) => Err("the assistant's numbers could not be read just now".to_owned()),
    }
}

/// The `limit` of `get_suggestions`.
fn limit(args: &serde_json::Map<String, Value>) -> Result<u32, String> {
    only(args, &["limit"])?;
    match args.get("limit") {
        None | Some(Value::Null) => Ok(DEFAULT_SUGGESTIONS),
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=u64::from(MAX_SUGGESTIONS)).contains(n))
            .map(|n| n as u32)
            .ok_or_else(|| format!("limit must be a whole number from 1 to {MAX_SUGGESTIONS}")),
    }
}

fn parse_arguments(text: &str) -> Result<serde_json::Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err("the arguments must be a JSON object".to_owned()),
    }
}

/// Refuses any argument but `known`: ids and filters that could name another tenant are not
/// taken.
fn only(args: &serde_json::Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match args.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown argument {k:?}: this tool reads only the caller's own data and takes {}",
            if known.is_empty() {
                "no arguments".to_owned()
            } else {
                known.join(", ")
            }
        )),
        None => Ok(()),
    }
}

fn day(args: &serde_json::Map<String, Value>, name: &str, default: Date) -> Result<Date, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => {
            Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
                .filter(|d| (1970..=9000).contains(&d.year()))
                .ok_or_else(|| format!("{name} must be a date such as 2026-11-24"))
        }
        Some(_) => Err(format!("{name} must be a date such as 2026-11-24")),
    }
}

async fn get_stats(
    db: &PgPool,
    tenant: Tenant,
    args: &serde_json::Map<String, Value>,
) -> Result<(Value, String), String> {
    only(args, &["from", "to"])?;
    let today = OffsetDateTime::now_utc().date();
    let to = day(args, "to", today)?;
    let from = day(args, "from", to - Duration::days(6))?;
    if to < from {
        return Err("to must not be before from".to_owned());
    }
    if (to - from).whole_days() > 366 {
        return Err("the range must be at most 366 days".to_owned());
    }
    let totals = crate::stats::totals(db, tenant, from, to)
        .await
        .map_err(|_| "the stats could not be read just now".to_owned())?;
    let summary = format!(
        "{} clicks, {} conversions from {from} to {to}",
        totals.clicks, totals.conversions
    );
    let value =
        serde_json::to_value(&totals).map_err(|_| "the stats could not be written".to_owned())?;
    Ok((
        json!({"from": from.to_string(), "to": to.to_string(), "totals": value}),
        summary,
    ))
}

async fn list_offers(
    db: &PgPool,
    tenant: Tenant,
    args: &serde_json::Map<String, Value>,
) -> Result<(Value, String), String> {
    only(args, &[])?;
    let unreadable = |_| "the offers could not be read just now".to_owned();
    let offers: Vec<Value> = match tenant {
        Tenant::Advertiser(_) => crate::offers::first(db, tenant, OFFERS_LISTED)
            .await
            .map_err(unreadable)?
            .iter()
            .map(offer)
            .collect(),
        Tenant::Promoter(_) => {
            let links = crate::links::list(db, tenant, None, OFFERS_LISTED)
                .await
                .map_err(|_| "the offers could not be read just now".to_owned())?;
            let mut out = Vec::with_capacity(links.len());
            for link in &links {
                // The offer's terms when the promoter may still see it (approved); its name
                // and status from the link otherwise.
                match crate::offers::get(db, tenant, link.offer_id)
                    .await
                    .map_err(unreadable)?
                {
                    Some(row) => out.push(offer(&row)),
                    None => out.push(json!({
                        "id": link.offer_id.0,
                        "name": link.offer_name,
                        "status": link.offer_status.as_str(),
                    })),
                }
            }
            out
        }
        // Admins do not reach the chat (its handler refuses them).
        Tenant::Admin => return Err("this tool is for advertisers and promoters".to_owned()),
    };
    let summary = format!("{} offers", offers.len());
    Ok((json!({"offers": offers}), summary))
}

fn offer(row: &crate::offers::OfferRow) -> Value {
    let f = &row.fields;
    json!({
        "id": row.id.0,
        "name": f.name,
        "status": row.status.as_str(),
        "category": f.category,
        "payout_model": f.payout_model.as_str(),
        "payout_amount": f.payout_amount.map(|a| a.normalize().to_string()),
        "payout_percent": f.payout_percent.map(|p| p.normalize().to_string()),
        "currency": f.currency.code(),
        "geo_allow": f.geo_allow.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
    })
}

/// The JSON text of `value`, cut to [`RESULT_BYTES`] with a note when too long (cut on a
/// character boundary; the cut text is no longer JSON, which the note says).
pub(crate) fn limited(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= RESULT_BYTES {
        return text;
    }
    const NOTE: &str = " …[cut: the result was longer than 8 KiB; ask for less]";
    let mut end = RESULT_BYTES - NOTE.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{NOTE}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_cut_to_the_limit_with_a_note() {
        let small = json!({"a": 1});
        assert_eq!(limited(&small), "{\"a\":1}");
        let big = json!({"text": "é".repeat(10_000)});
        let cut = limited(&big);
        assert!(cut.len() <= RESULT_BYTES, "{}", cut.len());
        assert!(cut.ends_with("ask for less]"));
    }

    #[test]
    fn unknown_arguments_are_refused() {
        let args =
            parse_arguments(r#"{"from": "2026-01-01", "promoter_id": 7}"#).unwrap_or_default();
        let why = only(&args, &["from", "to"]).err().unwrap_or_default();
        assert!(why.contains("promoter_id"), "{why}");
        assert!(only(&args, &["from", "to", "promoter_id"]).is_ok());
        assert!(parse_arguments("[1]").is_err());
        assert!(parse_arguments("").is_ok_and(|m| m.is_empty()));
    }
}
