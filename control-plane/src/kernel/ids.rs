//! Typed ids: an offer's id cannot be passed where a promoter's is expected. Each is the
//! database's `bigint` (or `uuid`) underneath, written in JSON and SQL as the bare number (or
//! UUID), so the wire and the schema do not change; only the compiler sees the difference.
//!
//! In SQL macros a row's column is read as its id with an override (`id AS "id: OfferId"`),
//! and an id is bound with `id.0` (checked against the column's type).

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident($inner:ty);)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, sqlx::Type, ToSchema,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = <$inner as std::str::FromStr>::Err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    )*};
}

ids! {
    /// A user (promoter, advertiser user or admin).
    UserId(i64);
    /// A promoter: the user id of a promoter account.
    PromoterId(i64);
    /// An advertiser (the company; its users are [`UserId`]s).
    AdvertiserId(i64);
    /// An offer (the offer id of tracking links).
    OfferId(i64);
    /// A promoter's tracking link for one offer.
    LinkId(i64);
    /// A link-signing key (the token's kid).
    Kid(i64);
    /// An API key.
    ApiKeyId(Uuid);
    /// An advertiser's postback key.
    PostbackKeyId(Uuid);
    /// A click (minted by the edge, UUIDv7).
    ClickId(Uuid);
    /// A conversion (the edge's conversion event id, UUIDv7).
    ConversionId(Uuid);
}

impl From<PromoterId> for UserId {
    /// A promoter is a user.
    fn from(promoter: PromoterId) -> Self {
        UserId(promoter.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bare_numbers_on_the_wire() {
        assert_eq!(
            serde_json::to_string(&OfferId(42)).ok(),
            Some("42".to_owned())
        );
        assert_eq!(
            serde_json::from_str::<PromoterId>("7").ok(),
            Some(PromoterId(7))
        );
        assert_eq!(OfferId(42).to_string(), "42");
        assert_eq!("42".parse::<OfferId>().ok(), Some(OfferId(42)));
    }
}
