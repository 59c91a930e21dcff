//! The domain event catalogue: each kind, its payload, and who records it. Payloads are JSON
//! (`domain_events.payload`); fields may be added, never renamed or removed, since webhooks
//! will publish them.

use crate::kernel::{
    AdvertiserId, ApiKeyId, ClickId, ConversionId, LinkId, OfferId, PostbackKeyId, PromoterId,
    UserId,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::kernel::status::ConversionStatus;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A batch of clicks was stored ([`ClicksStored`]; ingest).
    #[serde(rename = "click.stored")]
    ClickStored,
    /// A conversion was attributed, or its status changed ([`ConversionChanged`]; attribution,
    /// the advertiser's review, the sweeper).
    #[serde(rename = "conversion.decided")]
    ConversionDecided,
    /// An approved conversion was reversed by its advertiser ([`ConversionChanged`]).
    #[serde(rename = "conversion.reversed")]
    ConversionReversed,
    /// An offer's status changed ([`OfferStatusChanged`]; the offer workflow).
    #[serde(rename = "offer.status_changed")]
    OfferStatusChanged,
    /// A promoter joined an offer and got its link ([`PromoterJoined`]; the marketplace).
    #[serde(rename = "promoter.joined")]
    PromoterJoined,
    /// An API key was created ([`ApiKeyChanged`]).
    #[serde(rename = "api_key.created")]
    ApiKeyCreated,
    /// An API key was rotated: the new key's id, the old one's in `replaces`.
    #[serde(rename = "api_key.rotated")]
    ApiKeyRotated,
    /// An API key was revoked.
    #[serde(rename = "api_key.revoked")]
    ApiKeyRevoked,
    /// The networks an API key may be used from changed.
    #[serde(rename = "api_key.updated")]
    ApiKeyUpdated,
    /// A postback key was created ([`PostbackKeyChanged`]).
    #[serde(rename = "postback_key.created")]
    PostbackKeyCreated,
    /// A postback key was revoked.
    #[serde(rename = "postback_key.revoked")]
    PostbackKeyRevoked,
    /// A webhook endpoint or promoter postback was disabled by its failures or a 410
    /// ([`EndpointDisabled`]; webhook delivery).
    #[serde(rename = "webhook_endpoint.disabled")]
    WebhookEndpointDisabled,
    /// A promoter's lifetime points reached a level for the first time ([`LevelReached`];
    /// the points consumer).
    #[serde(rename = "points.level_reached")]
    PointsLevelReached,
    /// A contest finished and its standings were frozen ([`ContestFinished`]; the contests
    /// tick).
    #[serde(rename = "contest.finished")]
    ContestFinished,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 14] = [
        Self::ClickStored,
        Self::ConversionDecided,
        Self::ConversionReversed,
        Self::OfferStatusChanged,
        Self::PromoterJoined,
        Self::ApiKeyCreated,
        Self::ApiKeyRotated,
        Self::ApiKeyRevoked,
        Self::ApiKeyUpdated,
        Self::PostbackKeyCreated,
        Self::PostbackKeyRevoked,
        Self::WebhookEndpointDisabled,
        Self::PointsLevelReached,
        Self::ContestFinished,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClickStored => "click.stored",
            Self::ConversionDecided => "conversion.decided",
            Self::ConversionReversed => "conversion.reversed",
            Self::OfferStatusChanged => "offer.status_changed",
            Self::PromoterJoined => "promoter.joined",
            Self::ApiKeyCreated => "api_key.created",
            Self::ApiKeyRotated => "api_key.rotated",
            Self::ApiKeyRevoked => "api_key.revoked",
            Self::ApiKeyUpdated => "api_key.updated",
            Self::PostbackKeyCreated => "postback_key.created",
            Self::PostbackKeyRevoked => "postback_key.revoked",
            Self::WebhookEndpointDisabled => "webhook_endpoint.disabled",
            Self::PointsLevelReached => "points.level_reached",
            Self::ContestFinished => "contest.finished",
        }
    }

    /// The kind of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// `click.stored`: the clicks one batch stored, counted per offer, promoter and UTC day (not
/// a row per click). Clicks on offers the control plane does not know are not in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClicksStored {
    /// One entry per (offer, promoter, day).
    pub counts: Vec<ClickCount>,
}

/// Clicks of one offer and promoter on one UTC day, stored by one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickCount {
    /// The offer.
    pub offer_id: OfferId,
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The offer's advertiser.
    pub advertiser_id: AdvertiserId,
    /// The clicks' UTC day (`YYYY-MM-DD`).
    #[serde(with = "iso_day")]
    pub day: Date,
    /// Counted clicks (verdict `ok`).
    pub clicks: i64,
    /// Clicks that were the first of their visitor that day when stored.
    pub unique_clicks: i64,
    /// Filtered clicks (bots, paused offers, geo blocks).
    pub filtered_clicks: i64,
}

time::serde::format_description!(iso_day, Date, "[year]-[month]-[day]");

/// An amount of money in a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// The amount (a decimal string).
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
}

/// `conversion.decided` and `conversion.reversed`: a conversion's status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionChanged {
    /// The conversion.
    pub conversion_id: ConversionId,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub ts: OffsetDateTime,
    /// The advertiser who reported it.
    pub advertiser_id: AdvertiserId,
    /// Its click's offer (none while the click is unknown).
    pub offer_id: Option<OfferId>,
    /// Its click's promoter.
    pub promoter_id: Option<PromoterId>,
    /// The click it claims.
    pub click_id: ClickId,
    /// Its transaction id.
    pub txid: Option<String>,
    /// Its event name.
    pub event: String,
    /// The status before (`pending` for a first decision).
    pub from: ConversionStatus,
    /// The status now.
    pub to: ConversionStatus,
    /// Why, when not the plain attribution rules.
    pub reason: Option<String>,
    /// Who decided (none: attribution itself).
    pub actor_id: Option<UserId>,
    /// The sale amount and its currency (the payout's currency when it gave none).
    pub revenue: Option<Amount>,
    /// The payout now (none unless approved, pending review or reversed).
    pub payout: Option<Amount>,
    /// The payout before the change.
    pub previous_payout: Option<Amount>,
}

/// `offer.status_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferStatusChanged {
    /// The offer.
    pub offer_id: OfferId,
    /// Its advertiser.
    pub advertiser_id: AdvertiserId,
    /// The status before.
    pub from: String,
    /// The status now.
    pub to: String,
    /// Who changed it.
    pub actor_id: UserId,
    /// The reviewer's reason, when given.
    pub reason: Option<String>,
}

/// `promoter.joined`: a promoter joined an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoterJoined {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The offer.
    pub offer_id: OfferId,
    /// The offer's advertiser.
    pub advertiser_id: AdvertiserId,
    /// The promoter's link for it.
    pub link_id: LinkId,
}

/// `api_key.created`, `api_key.rotated`, `api_key.revoked`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyChanged {
    /// The key.
    pub key_id: ApiKeyId,
    /// Its owner.
    pub user_id: UserId,
    /// For a rotation: the key it replaces (valid until `grace_until`).
    pub replaces: Option<ApiKeyId>,
    /// For a rotation: when the old key stops working.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub grace_until: Option<OffsetDateTime>,
}

/// `postback_key.created`, `postback_key.revoked`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostbackKeyChanged {
    /// The key.
    pub key_id: PostbackKeyId,
    /// Its advertiser.
    pub advertiser_id: AdvertiserId,
}

/// `webhook_endpoint.disabled`: delivery stopped for an endpoint until its owner enables it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDisabled {
    /// The endpoint (a webhook or a promoter postback).
    pub endpoint_id: i64,
    /// `webhook` or `postback`.
    pub kind: String,
    /// Its advertiser owner.
    pub advertiser_id: Option<AdvertiserId>,
    /// Its promoter owner.
    pub promoter_id: Option<PromoterId>,
    /// `gone` (the receiver answered 410) or `failing` (only failures for the configured
    /// time).
    pub reason: String,
}

/// `points.level_reached`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelReached {
    /// The promoter.
    pub promoter_id: PromoterId,
    /// The level's name.
    pub level: String,
    /// The points the level starts at.
    pub level_min: i64,
    /// The promoter's lifetime points when it was reached.
    pub lifetime_points: i64,
}

/// `contest.finished`: a contest's standings were frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestFinished {
    /// The contest.
    pub contest_id: i64,
    /// Its name.
    pub name: String,
    /// Its advertiser (none: a platform-wide contest).
    pub advertiser_id: Option<AdvertiserId>,
    /// `individual` or `team`.
    pub kind: String,
    /// `conversions`, `points`, `unique_clicks` or `payout`.
    pub metric: String,
    /// The payout metric's currency.
    pub currency: Option<String>,
    /// The window's start (counted).
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    /// The window's end (not counted).
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// How many entered.
    pub entrants: i64,
    /// The top of the standings: every rank with a prize, and at least the first ten.
    pub results: Vec<ContestResult>,
}

/// A rank of a finished contest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestResult {
    /// 1 for the winner.
    pub rank: i32,
    /// The promoter (individual contests).
    pub promoter_id: Option<PromoterId>,
    /// The team (team contests).
    pub team_id: Option<i64>,
    /// The team's members during the window (team contests).
    #[serde(default)]
    pub members: Vec<PromoterId>,
    /// The score (a decimal string: a count, points, or a payout sum).
    pub score: Decimal,
    /// When the score was reached (its last counted contribution).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub reached_at: Option<OffsetDateTime>,
    /// The prize of the rank.
    pub prize: Option<String>,
    /// Its amount.
    pub prize_amount: Option<Amount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_match_serde() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_value(kind).unwrap_or_default();
            assert_eq!(json, serde_json::Value::from(kind.as_str()));
        }
        assert_eq!(EventKind::parse("click.Stored"), None);
    }

    #[test]
    fn the_migration_allows_every_kind() {
        // The latest migration that lists the kinds.
        let sql = include_str!("../../../migrations/20261213000025_api_key_ip_allow.sql");
        for kind in EventKind::ALL {
            assert!(sql.contains(&format!("'{}'", kind.as_str())), "{kind:?}");
        }
    }
}
