//! What a webhook carries: `{"type", "timestamp", "data"}` with the data of each event type,
//! built from the domain events' payloads. The types are also the OpenAPI document's
//! `webhooks` (see [`describe`]), so the README and the document say what is sent.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::openapi::{OpenApi, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::events::catalogue::{
    Amount, ContestFinished, ConversionChanged, LevelReached, OfferStatusChanged, PromoterJoined,
};
use crate::kernel::money::Money;
use crate::kernel::status::ConversionStatus;
use crate::kernel::{AdvertiserId, ClickId, ConversionId, LinkId, OfferId, PromoterId};
use crate::webhooks::rules::EventType;

/// A webhook's body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// The event type.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "conversion.created")]
    pub kind: &'static str,
    /// When the event happened (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: OffsetDateTime,
    /// The event's data.
    pub data: T,
}

/// An amount in a currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoneyData {
    /// A decimal string with at least the currency's decimals ("12.50").
    pub amount: Money,
    /// ISO 4217.
    pub currency: String,
}

impl From<&Amount> for MoneyData {
    fn from(a: &Amount) -> Self {
        Self {
            amount: Money::in_code(a.amount, Some(&a.currency)),
            currency: a.currency.clone(),
        }
    }
}

/// `conversion.created` (its first decision) and `conversion.updated` (a later change).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversionData {
    /// The conversion (the edge's event id).
    pub id: ConversionId,
    /// Its status now.
    pub status: ConversionStatus,
    /// Its status before (`pending` for a first decision).
    pub previous_status: ConversionStatus,
    /// Why, when not the plain attribution rules (a reviewer's or a reversal's reason).
    pub reason: Option<String>,
    /// The offer (null while the click is unknown).
    pub offer_id: Option<OfferId>,
    /// The promoter.
    pub promoter_id: Option<PromoterId>,
    /// The advertiser who reported it.
    pub advertiser_id: AdvertiserId,
    /// The click it claims.
    pub click_id: ClickId,
    /// The advertiser's transaction id.
    pub txid: Option<String>,
    /// The event name (`conversion` by default).
    pub event: String,
    /// When the conversion happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ts: OffsetDateTime,
    /// The payout now (null unless approved, pending review or reversed).
    pub payout: Option<MoneyData>,
    /// The sale amount reported.
    pub revenue: Option<MoneyData>,
}

impl From<&ConversionChanged> for ConversionData {
    fn from(c: &ConversionChanged) -> Self {
        Self {
            id: c.conversion_id,
            status: c.to,
            previous_status: c.from,
            reason: c.reason.clone(),
            offer_id: c.offer_id,
            promoter_id: c.promoter_id,
            advertiser_id: c.advertiser_id,
            click_id: c.click_id,
            txid: c.txid.clone(),
            event: c.event.clone(),
            ts: c.ts,
            payout: c.payout.as_ref().map(MoneyData::from),
            revenue: c.revenue.as_ref().map(MoneyData::from),
        }
    }
}

/// `offer.updated`: an offer's status changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferData {
    /// The offer.
    pub offer_id: OfferId,
    /// Its advertiser.
    pub advertiser_id: AdvertiserId,
    /// Its status before.
    pub previous_status: String,
    /// Its status now (`approved`, `paused`, `archived`…).
    pub status: String,
    /// The reviewer's reason, when given.
    pub reason: Option<String>,
}

impl From<&OfferStatusChanged> for OfferData {
    fn from(o: &OfferStatusChanged) -> Self {
        Self {
            offer_id: o.offer_id,
            advertiser_id: o.advertiser_id,
            previous_status: o.from.clone(),
            status: o.to.clone(),
            reason: o.reason.clone(),
        }
    }
}

/// `promoter.joined`: a promoter joined an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedData {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The offer.
    pub offer_id: OfferId,
    /// Its advertiser.
    pub advertiser_id: AdvertiserId,
    /// The promoter's link.
    pub link_id: LinkId,
}

impl From<&PromoterJoined> for JoinedData {
    fn from(j: &PromoterJoined) -> Self {
        Self {
            promoter_id: j.promoter_id,
            offer_id: j.offer_id,
            advertiser_id: j.advertiser_id,
            link_id: j.link_id,
        }
    }
}

/// `test.ping`: a test send.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingData {
    /// The endpoint tested.
    pub endpoint_id: i64,
    /// Says what this is.
    pub message: &'static str,
}

/// `points.level_reached`: a promoter's lifetime points reached a level for the first time.
#[derive(Debug, Serialize, ToSchema)]
pub struct LevelData {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The level reached.
    pub level: String,
    /// The lifetime points the level starts at.
    pub level_min: i64,
    /// The promoter's lifetime points then.
    pub lifetime_points: i64,
}

impl From<&LevelReached> for LevelData {
    fn from(l: &LevelReached) -> Self {
        Self {
            promoter_id: l.promoter_id,
            level: l.level.clone(),
            level_min: l.level_min,
            lifetime_points: l.lifetime_points,
        }
    }
}

/// `contest.finished`: a contest's standings were frozen and its winners are known.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestData {
    /// The contest.
    pub contest_id: i64,
    /// Its name.
    pub name: String,
    /// Its advertiser (null: a platform-wide contest).
    pub advertiser_id: Option<AdvertiserId>,
    /// `individual` or `team`.
    pub kind: String,
    /// `conversions`, `points`, `unique_clicks` or `payout`.
    pub metric: String,
    /// The payout metric's currency.
    pub currency: Option<String>,
    /// The window's start (counted).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    /// The window's end (not counted).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: OffsetDateTime,
    /// How many entered.
    pub entrants: i64,
    /// The top of the final standings: every rank with a prize, and at least the first ten.
    pub results: Vec<ContestResultData>,
}

/// A rank of a finished contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestResultData {
    /// 1 for the winner.
    pub rank: i32,
    /// The promoter (individual contests).
    pub promoter_id: Option<PromoterId>,
    /// The team (team contests).
    pub team_id: Option<i64>,
    /// The team's members during the window (team contests).
    pub members: Vec<PromoterId>,
    /// The score, a decimal string (a count, points, or a payout sum).
    pub score: String,
    /// When the score was reached (its last counted contribution).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reached_at: Option<OffsetDateTime>,
    /// The prize won.
    pub prize: Option<String>,
    /// Its amount.
    pub prize_amount: Option<MoneyData>,
}

impl From<&ContestFinished> for ContestData {
    fn from(c: &ContestFinished) -> Self {
        Self {
            contest_id: c.contest_id,
            name: c.name.clone(),
            advertiser_id: c.advertiser_id,
            kind: c.kind.clone(),
            metric: c.metric.clone(),
            currency: c.currency.clone(),
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            entrants: c.entrants,
            results: c
                .results
                .iter()
                .map(|r| ContestResultData {
                    rank: r.rank,
                    promoter_id: r.promoter_id,
                    team_id: r.team_id,
                    members: r.members.clone(),
                    score: if c.metric == "payout" {
                        Money::in_code(r.score, c.currency.as_deref()).to_string()
                    } else {
                        r.score.normalize().to_string()
                    },
                    reached_at: r.reached_at,
                    prize: r.prize.clone(),
                    prize_amount: r.prize_amount.as_ref().map(MoneyData::from),
                })
                .collect(),
        }
    }
}

/// The JSON body of an event.
pub fn body<T: Serialize>(kind: EventType, timestamp: OffsetDateTime, data: T) -> String {
    serde_json::to_string(&Envelope {
        kind: kind.as_str(),
        timestamp,
        data,
    })
    .unwrap_or_default()
}

/// The data schema of each type.
fn data_schema(t: EventType) -> (&'static str, RefOr<Schema>) {
    match t {
        EventType::ConversionCreated | EventType::ConversionUpdated => {
            ("ConversionData", ConversionData::schema())
        }
        EventType::OfferUpdated => ("OfferData", OfferData::schema()),
        EventType::PromoterJoined => ("JoinedData", JoinedData::schema()),
        EventType::PointsLevelReached => ("LevelData", LevelData::schema()),
        EventType::ContestFinished => ("ContestData", ContestData::schema()),
        EventType::TestPing => ("PingData", PingData::schema()),
    }
}

/// Adds the webhooks to the OpenAPI document: the data schemas as components, and a
/// top-level `webhooks` object (OpenAPI 3.1) with one POST per event type and its headers.
/// (utoipa's extensions are written at the document's root, so that is where it goes.)
pub fn describe(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = vec![
        ("MoneyData".to_owned(), MoneyData::schema()),
        ("ContestResultData".to_owned(), ContestResultData::schema()),
    ];
    for t in EventType::ALL {
        let (name, schema) = data_schema(t);
        schemas.push((name.to_owned(), schema));
    }
    for (name, schema) in schemas {
        components.schemas.insert(name, schema);
    }
    // utoipa has no webhook builder: the entries are written as JSON.
    let mut webhooks = serde_json::Map::new();
    for t in EventType::ALL {
        let (data, _) = data_schema(t);
        let header = |name: &str, description: &str| {
            serde_json::json!({"name": name, "in": "header", "required": true,
                               "description": description, "schema": {"type": "string"}})
        };
        webhooks.insert(
            t.as_str().to_owned(),
            serde_json::json!({"post": {
                "summary": format!("{} (signed per Standard Webhooks v1)", t.as_str()),
                "operationId": format!("webhook_{}", t.as_str().replace('.', "_")),
                "tags": ["webhooks"],
                "parameters": [
                    header("webhook-id", "The message (msg_…): the same on every attempt; deduplicate on it."),
                    header("webhook-timestamp", "Unix seconds of this attempt; refuse one more than 5 minutes away."),
                    header("webhook-signature", "v1,<base64 HMAC-SHA256(secret, \"{id}.{timestamp}.{body}\")>; two, space-separated, during a secret rotation."),
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["type", "timestamp", "data"],
                    "properties": {
                        "type": {"type": "string", "enum": [t.as_str()]},
                        "timestamp": {"type": "string", "format": "date-time"},
                        "data": {"$ref": format!("#/components/schemas/{data}")},
                    }
                }}}},
                "responses": {
                    "2XX": {"description": "Delivered"},
                    "410": {"description": "Gone: the endpoint is disabled"},
                    "429": {"description": "Retried after Retry-After (or the schedule, if longer)"},
                }
            }}),
        );
    }
    doc.extensions
        .get_or_insert_with(Default::default)
        .insert("webhooks".to_owned(), serde_json::Value::Object(webhooks));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_every_type() {
        let mut doc = OpenApi::default();
        describe(&mut doc);
        let json = serde_json::to_value(&doc).unwrap_or_default();
        for t in EventType::ALL {
            let schema = &json["webhooks"][t.as_str()]["post"]["requestBody"]["content"]["application/json"]
                ["schema"];
            assert_eq!(schema["properties"]["type"]["enum"][0], t.as_str(), "{t:?}");
            let data = schema["properties"]["data"]["$ref"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("#/components/schemas/");
            assert!(json["components"]["schemas"][data].is_object(), "{data}");
        }
    }
}
