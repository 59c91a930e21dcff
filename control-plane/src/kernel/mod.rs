//! What every feature shares and none owns: the error type and its problem documents, typed
//! ids, wire enums stored as checked text, the tenant, pagination, money amounts, small text
//! types, encryption at rest.

/// Encryption at rest under the key-encryption key.
pub mod crypto;
/// Opaque pagination cursors.
pub mod cursor;
/// Email address checks.
pub mod email;
/// The error type and its problem documents.
pub mod error;
/// Typed ids.
pub mod ids;
/// The networks a key may be used from (`ip_allow`).
pub mod ip_allow;
/// Money amounts: written with their currency's decimals, read exactly.
pub mod money;
/// Page sizes, cursors and instants in list queries.
pub mod page;
/// Wire enums stored as checked text.
pub mod sql;
/// Wire values several features share (a conversion's and an offer's status).
pub mod status;
/// Whose data a query may touch.
pub mod tenant;
/// Free-text checks.
pub mod text;

pub use error::ApiError;
pub use ids::{
    AdvertiserId, ApiKeyId, ClickId, ConversionId, Kid, LinkId, OfferId, PostbackKeyId, PromoterId,
    UserId,
};
pub use status::Mode;
pub use tenant::Tenant;

/// An edge event's time as an instant (the epoch for the impossible out-of-range value).
pub fn event_time(ts: afftok_shared::Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts.unix_millis()) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
