//! Wire values several features share: a conversion's status is decided by attribution,
//! counted by stats, carried by domain events and (later) published by webhooks; an offer's
//! status is decided by the offers' workflow and shown with links and pushed to the edges.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a conversion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversionStatus {
    /// Its click has not arrived yet.
    Pending,
    /// No click arrived within the wait.
    UnknownClick,
    /// The click's offer belongs to another advertiser than the postback key's.
    RejectedAdvertiserMismatch,
    /// Flagged as fraud (DESIGN §11): its reasons are in its `fraud` list.
    RejectedFraud,
    /// Outside the offer's attribution window.
    OutOfWindow,
    /// The same txid (or the same click and event) was attributed first.
    Duplicate,
    /// The offer's cap was reached.
    OverCap,
    /// Counted and paid.
    Approved,
    /// Held for the advertiser's review.
    PendingReview,
    /// Refused by the advertiser after review.
    Rejected,
    /// Reversed by the advertiser after approval.
    Reversed,
}

impl ConversionStatus {
    /// Every status.
    pub const ALL: [ConversionStatus; 11] = [
        Self::Pending,
        Self::UnknownClick,
        Self::RejectedAdvertiserMismatch,
        Self::RejectedFraud,
        Self::OutOfWindow,
        Self::Duplicate,
        Self::OverCap,
        Self::Approved,
        Self::PendingReview,
        Self::Rejected,
        Self::Reversed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::UnknownClick => "unknown_click",
            Self::RejectedAdvertiserMismatch => "rejected_advertiser_mismatch",
            Self::RejectedFraud => "rejected_fraud",
            Self::OutOfWindow => "out_of_window",
            Self::Duplicate => "duplicate",
            Self::OverCap => "over_cap",
            Self::Approved => "approved",
            Self::PendingReview => "pending_review",
            Self::Rejected => "rejected",
            Self::Reversed => "reversed",
        }
    }

    /// Whether it carries a payout: one that is paid, held for review, or was paid and
    /// reversed. Any other status has none, however it got there (a conversion demoted to
    /// duplicate or over_cap loses the payout it had).
    pub fn keeps_payout(self) -> bool {
        matches!(self, Self::Approved | Self::PendingReview | Self::Reversed)
    }

    /// Whether it holds a txid and a cap slot.
    pub fn claims_slot(self) -> bool {
        matches!(self, Self::Approved | Self::PendingReview)
    }
}

crate::stored_as_text!(ConversionStatus);

impl FromStr for ConversionStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

impl fmt::Display for ConversionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an offer is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// Being written by the advertiser.
    Draft,
    /// Waiting for an admin.
    PendingReview,
    /// Live: promoters can join, the edge redirects.
    Approved,
    /// Refused by an admin, with a reason; can be edited and resubmitted.
    Rejected,
    /// Temporarily stopped: the edge sends visitors to the fallback URL.
    Paused,
    /// Retired for good.
    Archived,
}

impl OfferStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::PendingReview => "pending_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Paused => "paused",
            Self::Archived => "archived",
        }
    }

    /// Whether the offer's fields may change in this state.
    pub fn editable(self) -> bool {
        matches!(
            self,
            Self::Draft | Self::Rejected | Self::Approved | Self::Paused
        )
    }
}

impl FromStr for OfferStatus {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "draft" => Self::Draft,
            "pending_review" => Self::PendingReview,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "paused" => Self::Paused,
            "archived" => Self::Archived,
            _ => return Err(()),
        })
    }
}

impl fmt::Display for OfferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::stored_as_text!(OfferStatus);

/// Live traffic or the sandbox's test traffic (DESIGN §16): API keys, postback keys, signing
/// keys, clicks and conversions have one. Test traffic is stored and listed, and counted
/// nowhere live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Real traffic.
    #[default]
    Live,
    /// Sandbox traffic.
    Test,
}

impl Mode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }

    /// Whether this is the sandbox.
    pub fn is_test(self) -> bool {
        self == Self::Test
    }

    /// Reads a stored name; anything but `test` (the column's check allows only the two) is
    /// live.
    pub fn from_stored(name: &str) -> Self {
        if name == "test" {
            Self::Test
        } else {
            Self::Live
        }
    }
}

impl From<Mode> for afftok_shared::kv::Mode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Live => Self::Live,
            Mode::Test => Self::Test,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A listing's `mode` parameter: `live`, `test` or `all`; absent, the caller's own mode.
/// Returns the `test` value to match, `None` for all.
pub fn listing_mode(param: Option<&str>, caller: Mode) -> Result<Option<bool>, &'static str> {
    match param {
        None => Ok(Some(caller.is_test())),
        Some("live") => Ok(Some(false)),
        Some("test") => Ok(Some(true)),
        Some("all") => Ok(None),
        Some(_) => Err("must be live, test or all"),
    }
}
