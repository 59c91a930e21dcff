//! Offers: the approval workflow and the rules every offer must satisfy.
//!
//! ```text
//! draft ──submit──▶ pending_review ──approve──▶ approved ──pause──▶ paused
//!   ▲                 │   │                        ▲                  │
//!   └────withdraw─────┘   └──reject──▶ rejected    └──────resume──────┘
//!                                     │ submit ▲
//!                                     └────────┘           any ──archive──▶ archived
//! ```
//! Advertisers submit, withdraw, pause, resume and archive their offers; admins approve,
//! reject (with a reason), pause, resume and archive any offer. Offers can be edited in
//! draft, rejected, approved and paused; not while under review, never once archived.

use std::collections::BTreeSet;
use std::str::FromStr;

use afftok_shared::kv::check_url_template;
use afftok_shared::{Country, Currency};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use crate::kernel::error::FieldError;
use crate::kernel::money::{DecimalError, DecimalText, payout_scale};
pub use crate::kernel::status::OfferStatus;
use crate::kernel::text;

crate::stored_as_text!(PayoutModel, Actor, Change);

/// A move through the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Ask for review (advertiser).
    Submit,
    /// Take back from review (advertiser).
    Withdraw,
    /// Accept (admin).
    Approve,
    /// Refuse with a reason (admin).
    Reject,
    /// Stop traffic for now.
    Pause,
    /// Restart traffic.
    Resume,
    /// Retire.
    Archive,
}

/// Who is acting (and who paused a paused offer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The offer's advertiser.
    Advertiser,
    /// A platform admin.
    Admin,
}

impl Actor {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Advertiser => "advertiser",
            Actor::Admin => "admin",
        }
    }
}

impl FromStr for Actor {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "advertiser" => Ok(Actor::Advertiser),
            "admin" => Ok(Actor::Admin),
            _ => Err(()),
        }
    }
}

impl Action {
    /// The stored name of the action.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Withdraw => "withdraw",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Archive => "archive",
        }
    }

    /// The status after this action from `from`, or why it is not allowed. `paused_by` says
    /// who paused a paused offer: only an admin resumes what an admin paused.
    pub(super) fn apply(
        self,
        from: OfferStatus,
        actor: Actor,
        paused_by: Option<Actor>,
    ) -> Result<OfferStatus, TransitionError> {
        use OfferStatus::*;
        let allowed_actor = match self {
            Self::Submit | Self::Withdraw => actor == Actor::Advertiser,
            Self::Approve | Self::Reject => actor == Actor::Admin,
            Self::Pause | Self::Resume | Self::Archive => true,
        };
        if !allowed_actor {
            return Err(TransitionError::NotYours {
                action: self,
                actor,
            });
        }
        if self == Self::Resume && actor == Actor::Advertiser && paused_by == Some(Actor::Admin) {
            return Err(TransitionError::PausedByAdmin);
        }
        let to = match (self, from) {
            (Self::Submit, Draft | Rejected) => PendingReview,
            (Self::Withdraw, PendingReview) => Draft,
            (Self::Approve, PendingReview) => Approved,
            (Self::Reject, PendingReview) => Rejected,
            (Self::Pause, Approved) => Paused,
            (Self::Resume, Paused) => Approved,
            (Self::Archive, from) if from != Archived => Archived,
            _ => return Err(TransitionError::NotFrom { action: self, from }),
        };
        Ok(to)
    }
}

impl FromStr for Action {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "submit" => Self::Submit,
            "withdraw" => Self::Withdraw,
            "approve" => Self::Approve,
            "reject" => Self::Reject,
            "pause" => Self::Pause,
            "resume" => Self::Resume,
            "archive" => Self::Archive,
            _ => return Err(()),
        })
    }
}

/// What an entry of an offer's history records: its creation, an edit or a workflow move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Change {
    /// The advertiser created it.
    Create,
    /// Its fields were edited.
    Edit,
    /// It moved through the workflow.
    Move(Action),
}

impl Change {
    /// The stored name: `create`, `edit` or the action's.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Edit => "edit",
            Self::Move(action) => action.as_str(),
        }
    }
}

impl FromStr for Change {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "create" => Ok(Self::Create),
            "edit" => Ok(Self::Edit),
            action => action.parse().map(Self::Move),
        }
    }
}

impl Serialize for Change {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why a workflow move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum TransitionError {
    /// The action belongs to the other party.
    #[error("only {} may {} an offer", match actor { Actor::Advertiser => "admins", Actor::Admin => "its advertiser" }, action.as_str())]
    NotYours {
        /// What was tried.
        action: Action,
        /// Who tried.
        actor: Actor,
    },
    /// An advertiser tried to resume what an admin paused.
    #[error("an admin paused this offer: only an admin can resume it")]
    PausedByAdmin,
    /// The action does not apply to the offer's status.
    #[error("cannot {} an offer that is {from}", action.as_str())]
    NotFrom {
        /// What was tried.
        action: Action,
        /// The offer's status.
        from: OfferStatus,
    },
}

/// How an offer pays promoters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayoutModel {
    /// A fixed amount per action.
    Cpa,
    /// A fixed amount per lead.
    Cpl,
    /// A percentage of each sale.
    Cps,
    /// A percentage of the revenue.
    Revshare,
}

impl PayoutModel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cpa => "cpa",
            Self::Cpl => "cpl",
            Self::Cps => "cps",
            Self::Revshare => "revshare",
        }
    }

    /// Whether the payout is a fixed amount (else a percentage).
    pub fn is_fixed(self) -> bool {
        matches!(self, Self::Cpa | Self::Cpl)
    }
}

impl FromStr for PayoutModel {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "cpa" => Self::Cpa,
            "cpl" => Self::Cpl,
            "cps" => Self::Cps,
            "revshare" => Self::Revshare,
            _ => return Err(()),
        })
    }
}

/// What becomes of an offer's conversions flagged as fraud (DESIGN §11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FraudPolicy {
    /// Rejected (`rejected_fraud`); a reviewer may overrule.
    #[default]
    Reject,
    /// Held for the advertiser's review (`pending_review`, with their reasons).
    Review,
}

impl FraudPolicy {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reject => "reject",
            Self::Review => "review",
        }
    }
}

impl FromStr for FraudPolicy {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "reject" => Ok(Self::Reject),
            "review" => Ok(Self::Review),
            _ => Err(()),
        }
    }
}

crate::stored_as_text!(FraudPolicy);

/// Default attribution window: 30 days.
pub(super) const DEFAULT_WINDOW_HOURS: i32 = 720;

/// An offer's fields as a request gives them: everything optional, so that the same shape
/// serves creation (missing fields are errors or defaults) and partial updates (missing
/// fields keep their value).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OfferInput {
    /// 1–200 characters once trimmed, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// Up to 5000 characters, no control characters but line breaks and tabs.
    #[schema(
        max_length = 5000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    /// A slug: 1–50 of `a-z 0-9 - _` (capitals are taken and lowered).
    #[schema(pattern = r"^[a-z0-9_-]{1,50}$")]
    pub category: Option<String>,
    /// The destination, `http(s)://` and a host, with DESIGN §4 macros such as `{click_id}`;
    /// at most 2048 bytes, no spaces or control characters.
    #[schema(
        max_length = 2048,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/\s\u0000-\u001F\u007F-\u009F][^\s\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub url_template: Option<String>,
    /// Where paused or geo-blocked visitors go (macros allowed, as for `url_template`);
    /// `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        max_length = 2048,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/\s\u0000-\u001F\u007F-\u009F][^\s\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub fallback_url: Option<Option<String>>,
    /// A page promoters can look at before joining (as `url_template`, without macros);
    /// `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        max_length = 2048,
        pattern = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/{\s\u0000-\u001F\u007F-\u009F][^{\s\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub preview_url: Option<Option<String>>,
    /// cpa, cpl, cps or revshare.
    pub payout_model: Option<PayoutModel>,
    /// For cpa/cpl (and only them): the amount per conversion, above 0 and below 10^14, a
    /// decimal string such as "12.50" or a number, with at most the currency's decimals (2,
    /// 4 for BHD, KWD, XAU…, none for JPY…; the pattern describes 2).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = r"^([1-9][0-9]{0,13}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$")]
    pub payout_amount: Option<Option<DecimalText>>,
    /// For cps/revshare (and only them): the percentage of the sale, above 0 and at most 100,
    /// a decimal string such as "7.5" or a number, with at most 4 decimals.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = r"^(100(\.0{1,4})?|[1-9][0-9]?(\.[0-9]{1,4})?|0\.[0-9]{0,3}[1-9])$")]
    pub payout_percent: Option<Option<DecimalText>>,
    /// ISO 4217 code (in any case; the list is the codes the standard assigns).
    #[schema(value_type = Option<CurrencyCode>)]
    pub currency: Option<String>,
    /// Hours after a click in which a conversion is attributed (1–8760, default 720).
    #[schema(minimum = 1, maximum = 8760)]
    pub attribution_window_hours: Option<i32>,
    /// Most approved conversions per UTC day, at most `total_cap`; `null` removes the cap.
    #[serde(default, deserialize_with = "present")]
    #[schema(minimum = 1)]
    pub daily_cap: Option<Option<i32>>,
    /// Most approved conversions in all; `null` removes the cap.
    #[serde(default, deserialize_with = "present")]
    #[schema(minimum = 1)]
    pub total_cap: Option<Option<i32>>,
    /// If not empty, only these countries (ISO 3166 two-letter codes), at most 250.
    #[schema(value_type = Option<Vec<CountryCode>>, max_items = 250)]
    pub geo_allow: Option<Vec<String>>,
    /// Never these countries (as `geo_allow`).
    #[schema(value_type = Option<Vec<CountryCode>>, max_items = 250)]
    pub geo_deny: Option<Vec<String>>,
    /// Hold conversions for the advertiser's review instead of approving them.
    pub hold_conversions: Option<bool>,
    /// Hold conversions posted from web pages (the Web SDK, `source: browser`) for review.
    pub review_browser: Option<bool>,
    /// The shortest time from click to conversion accepted, in seconds (0–86400); a sooner
    /// one is flagged `ctit_short`. `null`: the platform's setting (10 s by default).
    #[serde(default, deserialize_with = "present")]
    #[schema(minimum = 0, maximum = 86400)]
    pub min_ctit_seconds: Option<Option<i32>>,
    /// `reject` (default) or `review`: what becomes of conversions flagged as fraud.
    pub fraud_policy: Option<FraudPolicy>,
}

/// An offer to create, in the OpenAPI document: [`OfferInput`] with the fields creation
/// needs given (a partial update takes the same shape with none of them required).
#[derive(Debug)]
pub(super) struct NewOffer;

impl utoipa::PartialSchema for NewOffer {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
        let string = || ObjectBuilder::new().schema_type(Type::String);
        AllOfBuilder::new()
            .item(Ref::from_schema_name("OfferInput"))
            .item(
                ObjectBuilder::new()
                    .property("name", string())
                    .property("category", string())
                    .property("url_template", string())
                    .property("currency", string())
                    .property("payout_model", Ref::from_schema_name("PayoutModel"))
                    .required("name")
                    .required("category")
                    .required("url_template")
                    .required("currency")
                    .required("payout_model"),
            )
            .description(Some(
                "An offer to create: name, category, url_template, currency and payout_model \
                 are required; payout_amount goes with (and only with) cpa and cpl, \
                 payout_percent with cps and revshare; daily_cap is at most total_cap.",
            ))
            .into()
    }
}

impl ToSchema for NewOffer {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            "OfferInput".to_owned(),
            <OfferInput as utoipa::PartialSchema>::schema(),
        ));
        <OfferInput as ToSchema>::schemas(schemas);
        schemas.push((
            "PayoutModel".to_owned(),
            <PayoutModel as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// An ISO 4217 currency code, as the document lists them: every code [`Currency::parse`]
/// takes, in capitals.
#[derive(Debug)]
pub struct CurrencyCode;

impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        codes("An ISO 4217 currency code (any case is taken).", 3, |c| {
            Currency::parse(c).is_ok()
        })
    }
}

impl ToSchema for CurrencyCode {}

/// A two-letter country code (ISO 3166 alpha-2, such as `US`; any case is taken).
#[derive(Debug)]
pub(super) struct CountryCode;

impl utoipa::PartialSchema for CountryCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Za-z]{2}$"))
            .description(Some(
                "A two-letter country code (ISO 3166 alpha-2, such as US; any case is taken).",
            ))
            .into()
    }
}

impl ToSchema for CountryCode {}

/// A string enum of the `len`-letter capital codes `takes` accepts (every one is tried: 17,576
/// for three letters, at the document's build).
fn codes(
    description: &str,
    len: u32,
    takes: impl Fn(&str) -> bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let known: Vec<String> = (0..26_u32.pow(len))
        .map(|n| {
            (0..len)
                .rev()
                .map(|i| char::from(b'A' + (n / 26_u32.pow(i) % 26) as u8))
                .collect::<String>()
        })
        .filter(|code| takes(code))
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(known))
        .description(Some(description))
        .into()
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An offer's fields, complete and checked: what an advertiser writes, what a stored offer
/// holds and what its view shows (flattened into it).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OfferFields {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category slug.
    pub category: String,
    /// Destination template.
    pub url_template: String,
    /// Fallback template.
    pub fallback_url: Option<String>,
    /// Preview page.
    pub preview_url: Option<String>,
    /// Payout model.
    pub payout_model: PayoutModel,
    /// Fixed amount (cpa, cpl). Not written here: a view writes it with its currency's
    /// decimals (`Money`), which this field alone does not know.
    #[serde(skip_serializing)]
    pub payout_amount: Option<Decimal>,
    /// Percentage (cps, revshare), a decimal string.
    #[serde(serialize_with = "normalized")]
    #[schema(value_type = Option<String>)]
    pub payout_percent: Option<Decimal>,
    /// Currency.
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Attribution window in hours.
    pub attribution_window_hours: i32,
    /// Daily cap.
    pub daily_cap: Option<i32>,
    /// Total cap.
    pub total_cap: Option<i32>,
    /// Allowed countries.
    #[schema(value_type = Vec<String>)]
    pub geo_allow: Vec<Country>,
    /// Denied countries.
    #[schema(value_type = Vec<String>)]
    pub geo_deny: Vec<Country>,
    /// Conversions held for review.
    pub hold_conversions: bool,
    /// Conversions from web pages (the Web SDK) held for review.
    pub review_browser: bool,
    /// Shortest click-to-conversion time in seconds; `null`: the platform's setting.
    pub min_ctit_seconds: Option<i32>,
    /// What becomes of conversions flagged as fraud.
    pub fraud_policy: FraudPolicy,
}

/// A decimal written without trailing zeros (`7.5`, not `7.5000`).
fn normalized<S: Serializer>(d: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => serializer.collect_str(&d.normalize()),
        None => serializer.serialize_none(),
    }
}

impl OfferFields {
    /// The reviewed fields that differ in `new`: changing them on a live offer needs a new
    /// review (the destination, what it pays, to whom it is open).
    pub fn reviewed_changes(&self, new: &OfferFields) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut check = |name, differs: bool| {
            if differs {
                changed.push(name);
            }
        };
        check("url_template", self.url_template != new.url_template);
        check("fallback_url", self.fallback_url != new.fallback_url);
        check("payout_model", self.payout_model != new.payout_model);
        check("payout_amount", self.payout_amount != new.payout_amount);
        check("payout_percent", self.payout_percent != new.payout_percent);
        check("currency", self.currency != new.currency);
        check(
            "attribution_window_hours",
            self.attribution_window_hours != new.attribution_window_hours,
        );
        check("geo_allow", self.geo_allow != new.geo_allow);
        check("geo_deny", self.geo_deny != new.geo_deny);
        changed
    }
}

impl OfferInput {
    /// Checks a complete offer for creation.
    pub(super) fn into_new(self) -> Result<OfferFields, Vec<FieldError>> {
        self.apply_to(None)
    }

    /// Applies a partial update to `current` and checks the result as a whole.
    pub(super) fn apply_to(
        self,
        current: Option<&OfferFields>,
    ) -> Result<OfferFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| errors.push(FieldError::new(field, message));

        let name = pick(self.name, current.map(|c| c.name.clone()));
        let name = match name {
            None => {
                fail("name", "is required");
                String::new()
            }
            Some(n) => {
                let n = n.trim().to_owned();
                if n.is_empty() || n.chars().count() > 200 {
                    fail("name", "must be 1 to 200 characters");
                } else if let Err(why) = text::check(&n, false) {
                    fail("name", why);
                }
                n
            }
        };
        let description =
            pick(self.description, current.map(|c| c.description.clone())).unwrap_or_default();
        if description.chars().count() > 5000 {
            fail("description", "must be at most 5000 characters");
        } else if let Err(why) = text::check(&description, true) {
            fail("description", why);
        }
        let category = match pick(self.category, current.map(|c| c.category.clone())) {
            None => {
                fail("category", "is required");
                String::new()
            }
            Some(c) => {
                let c = c.trim().to_ascii_lowercase();
                let ok = (1..=50).contains(&c.len())
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    });
                if !ok {
                    fail("category", "must be 1 to 50 of a-z, 0-9, - and _");
                }
                c
            }
        };
        let url_template = match pick(self.url_template, current.map(|c| c.url_template.clone())) {
            None => {
                fail("url_template", "is required");
                String::new()
            }
            Some(u) => {
                if let Err(why) = check_url(&u) {
                    fail("url_template", why);
                }
                u
            }
        };
        let fallback_url =
            pick_nullable(self.fallback_url, current.map(|c| c.fallback_url.clone()));
        if let Some(Err(why)) = fallback_url.as_deref().map(check_url) {
            fail("fallback_url", why);
        }
        let preview_url = pick_nullable(self.preview_url, current.map(|c| c.preview_url.clone()));
        if let Some(u) = preview_url.as_deref()
            && (check_url(u).is_err() || u.contains('{'))
        {
            fail("preview_url", "must be an http(s) URL without macros");
        }

        let currency = match pick(self.currency, current.map(|c| c.currency.code().to_owned())) {
            None => {
                fail("currency", "is required");
                None
            }
            Some(c) => match Currency::parse(&c) {
                Ok(c) => Some(c),
                Err(_) => {
                    fail("currency", "must be an ISO 4217 code such as USD");
                    None
                }
            },
        };
        let payout_model = pick(self.payout_model, current.map(|c| c.payout_model));
        // A new model drops the old model's figure unless the request gives it again.
        let model_changed = payout_model != current.map(|c| c.payout_model);
        // A stored figure is checked against the column's 4 decimals only, so that an offer
        // saved before the currency rule stays editable; a given one against its currency.
        let (amount, amount_scale) = match self.payout_amount {
            Some(v) => (v, currency.as_ref().map_or(4, payout_scale)),
            None if model_changed => (None, 4),
            None => (
                current.and_then(|c| c.payout_amount.map(DecimalText::from)),
                4,
            ),
        };
        let percent = match self.payout_percent {
            Some(v) => v,
            None if model_changed => None,
            None => current.and_then(|c| c.payout_percent.map(DecimalText::from)),
        };
        let (mut payout_amount, mut payout_percent) = (None, None);
        match payout_model {
            None => fail("payout_model", "is required"),
            Some(model) if model.is_fixed() => {
                if percent.is_some() {
                    fail("payout_percent", "is only for cps and revshare offers");
                }
                match amount.map(|a| a.parse(amount_scale)) {
                    None => fail("payout_amount", "is required for cpa and cpl offers"),
                    Some(Ok(a))
                        if a > Decimal::ZERO && a < Decimal::from(100_000_000_000_000i64) =>
                    {
                        payout_amount = Some(a)
                    }
                    Some(Err(DecimalError::TooManyDecimals)) => fail(
                        "payout_amount",
                        &format!(
                            "must have at most {amount_scale} decimals{}",
                            currency
                                .map(|c| format!(" in {}", c.code()))
                                .unwrap_or_default()
                        ),
                    ),
                    Some(_) => fail(
                        "payout_amount",
                        "must be a positive amount below 10^14, such as \"12.50\"",
                    ),
                }
            }
            Some(_) => {
                if amount.is_some() {
                    fail("payout_amount", "is only for cpa and cpl offers");
                }
                match percent.map(|p| p.parse(4)) {
                    None => fail("payout_percent", "is required for cps and revshare offers"),
                    Some(Ok(p)) if p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED => {
                        payout_percent = Some(p)
                    }
                    Some(_) => fail(
                        "payout_percent",
                        "must be a decimal above 0 and at most 100 with at most 4 decimals, such as \"7.5\"",
                    ),
                }
            }
        }
        let attribution_window_hours = pick(
            self.attribution_window_hours,
            current.map(|c| c.attribution_window_hours),
        )
        .unwrap_or(DEFAULT_WINDOW_HOURS);
        if !(1..=8760).contains(&attribution_window_hours) {
            fail("attribution_window_hours", "must be 1 to 8760");
        }
        let daily_cap = pick_nullable(self.daily_cap, current.map(|c| c.daily_cap));
        if daily_cap.is_some_and(|c| c < 1) {
            fail("daily_cap", "must be at least 1 (or null for no cap)");
        }
        let total_cap = pick_nullable(self.total_cap, current.map(|c| c.total_cap));
        if total_cap.is_some_and(|c| c < 1) {
            fail("total_cap", "must be at least 1 (or null for no cap)");
        }
        if let (Some(d), Some(t)) = (daily_cap, total_cap)
            && d > t
        {
            fail("daily_cap", "must not exceed total_cap");
        }
        let geo_allow = countries(
            "geo_allow",
            self.geo_allow,
            current.map(|c| &c.geo_allow),
            &mut fail,
        );
        let geo_deny = countries(
            "geo_deny",
            self.geo_deny,
            current.map(|c| &c.geo_deny),
            &mut fail,
        );
        if geo_allow.iter().any(|c| geo_deny.contains(c)) {
            fail("geo_deny", "must not repeat a country of geo_allow");
        }
        let hold_conversions =
            pick(self.hold_conversions, current.map(|c| c.hold_conversions)).unwrap_or(false);
        let review_browser =
            pick(self.review_browser, current.map(|c| c.review_browser)).unwrap_or(false);
        let min_ctit_seconds =
            pick_nullable(self.min_ctit_seconds, current.map(|c| c.min_ctit_seconds));
        if min_ctit_seconds.is_some_and(|s| !(0..=86_400).contains(&s)) {
            fail(
                "min_ctit_seconds",
                "must be 0 to 86400 (or null for the platform's setting)",
            );
        }
        let fraud_policy =
            pick(self.fraud_policy, current.map(|c| c.fraud_policy)).unwrap_or_default();

        match (errors.is_empty(), payout_model, currency) {
            (true, Some(payout_model), Some(currency)) => Ok(OfferFields {
                name,
                description,
                category,
                url_template,
                fallback_url,
                preview_url,
                payout_model,
                payout_amount,
                payout_percent,
                currency,
                attribution_window_hours,
                daily_cap,
                total_cap,
                geo_allow,
                geo_deny,
                hold_conversions,
                review_browser,
                min_ctit_seconds,
                fraud_policy,
            }),
            _ => Err(errors),
        }
    }
}

fn pick<T>(given: Option<T>, current: Option<T>) -> Option<T> {
    given.or(current)
}

fn pick_nullable<T>(given: Option<Option<T>>, current: Option<Option<T>>) -> Option<T> {
    match given {
        Some(value) => value,
        None => current.flatten(),
    }
}

fn check_url(url: &str) -> Result<(), &'static str> {
    if url.len() > 2048 {
        return Err("must be at most 2048 characters");
    }
    check_url_template(url)
}

fn countries(
    field: &str,
    given: Option<Vec<String>>,
    current: Option<&Vec<Country>>,
    fail: &mut impl FnMut(&str, &str),
) -> Vec<Country> {
    let Some(given) = given else {
        return current.cloned().unwrap_or_default();
    };
    if given.len() > 250 {
        fail(field, "must list at most 250 countries");
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    for (i, code) in given.iter().enumerate() {
        match Country::parse(code) {
            Ok(c) if code.bytes().all(|b| b.is_ascii_alphabetic()) => {
                seen.insert(c);
            }
            _ => fail(
                &format!("{field}[{i}]"),
                "must be a two-letter country code such as US",
            ),
        }
    }
    seen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> OfferInput {
        OfferInput {
            name: Some("Spring sale".into()),
            category: Some("Shopping".into()),
            url_template: Some("https://shop.example/?c={click_id}".into()),
            payout_model: Some(PayoutModel::Cpa),
            payout_amount: Some(Some("12.50".into())),
            currency: Some("usd".into()),
            geo_allow: Some(vec!["us".into(), "CA".into(), "US".into()]),
            ..OfferInput::default()
        }
    }

    fn fields_of(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_valid_offer_gets_defaults_and_normal_forms() {
        let o = input().into_new().expect("valid");
        assert_eq!(o.category, "shopping");
        assert_eq!(o.currency.code(), "USD");
        assert_eq!(o.payout_amount, Some(Decimal::new(1250, 2)));
        assert_eq!(o.attribution_window_hours, 720);
        assert_eq!(o.geo_allow.len(), 2, "deduplicated");
        assert!(!o.hold_conversions);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = OfferInput {
            name: Some(" ".into()),
            category: Some("bad category!".into()),
            url_template: Some("ftp://x".into()),
            fallback_url: Some(Some("javascript:alert(1)".into())),
            preview_url: Some(Some("https://x.example/{click_id}".into())),
            payout_model: Some(PayoutModel::Cps),
            payout_percent: Some(Some("120".into())),
            currency: Some("dollars".into()),
            attribution_window_hours: Some(0),
            daily_cap: Some(Some(0)),
            geo_allow: Some(vec!["USA".into(), "T1".into()]),
            ..OfferInput::default()
        };
        let errors = bad.into_new().expect_err("invalid");
        let fields = fields_of(&errors);
        for f in [
            "name",
            "category",
            "url_template",
            "fallback_url",
            "preview_url",
            "payout_percent",
            "currency",
            "attribution_window_hours",
            "daily_cap",
            "geo_allow[0]",
            "geo_allow[1]",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn payout_figures_match_the_model() {
        let mixed = OfferInput {
            payout_percent: Some(Some("5".into())),
            ..input()
        };
        assert_eq!(
            fields_of(&mixed.into_new().expect_err("mixed")),
            ["payout_percent"]
        );
        let missing = OfferInput {
            payout_amount: None,
            ..input()
        };
        assert_eq!(
            fields_of(&missing.into_new().expect_err("missing")),
            ["payout_amount"]
        );
        for bad in [
            "0",
            "-1",
            "1e3",
            "12.34567",
            "12.345",
            "0.30000000000000004",
            "12,5",
            "",
            "1.",
            "100000000000000",
        ] {
            let o = OfferInput {
                payout_amount: Some(Some(bad.into())),
                ..input()
            };
            assert!(o.into_new().is_err(), "{bad:?}");
        }
        let three_decimals = OfferInput {
            payout_amount: Some(Some("12.345".into())),
            ..input()
        };
        assert_eq!(
            three_decimals
                .into_new()
                .expect_err("USD has 2")
                .first()
                .map(|e| e.message.as_str()),
            Some("must have at most 2 decimals in USD")
        );
        let kwd = OfferInput {
            payout_amount: Some(Some("1.2345".into())),
            currency: Some("KWD".into()),
            ..input()
        };
        assert_eq!(
            kwd.into_new().expect("KWD has 4").payout_amount,
            Some(Decimal::new(12345, 4))
        );
        let share = OfferInput {
            payout_model: Some(PayoutModel::Revshare),
            payout_amount: None,
            payout_percent: Some(Some("7.5".into())),
            ..input()
        };
        assert_eq!(
            share.into_new().expect("valid").payout_percent,
            Some(Decimal::new(75, 1))
        );
    }

    #[test]
    fn updates_merge_onto_the_current_offer() {
        let current = input().into_new().expect("valid");
        let patch = OfferInput {
            name: Some("Renamed".into()),
            daily_cap: Some(Some(5)),
            ..OfferInput::default()
        };
        let updated = patch.apply_to(Some(&current)).expect("valid");
        assert_eq!(updated.name, "Renamed");
        assert_eq!(updated.daily_cap, Some(5));
        assert_eq!(updated.url_template, current.url_template);
        // An explicit null clears a nullable field.
        let clear = OfferInput {
            daily_cap: Some(None),
            ..OfferInput::default()
        };
        assert_eq!(
            clear.apply_to(Some(&updated)).expect("valid").daily_cap,
            None
        );
        // Switching the model drops the old figure and needs the new one.
        let switch = OfferInput {
            payout_model: Some(PayoutModel::Cps),
            ..OfferInput::default()
        };
        assert_eq!(
            fields_of(&switch.apply_to(Some(&current)).expect_err("needs percent")),
            ["payout_percent"]
        );
        let switch = OfferInput {
            payout_model: Some(PayoutModel::Cps),
            payout_percent: Some(Some("10".into())),
            ..OfferInput::default()
        };
        let switched = switch.apply_to(Some(&current)).expect("valid");
        assert_eq!(
            (switched.payout_amount, switched.payout_percent),
            (None, Some(Decimal::TEN))
        );
    }

    #[test]
    fn reviewed_fields() {
        let current = input().into_new().expect("valid");
        let cosmetic = OfferInput {
            name: Some("New name".into()),
            daily_cap: Some(Some(3)),
            ..OfferInput::default()
        };
        assert!(
            current
                .reviewed_changes(&cosmetic.apply_to(Some(&current)).expect("valid"))
                .is_empty()
        );
        let risky = OfferInput {
            url_template: Some("https://elsewhere.example/{click_id}".into()),
            payout_amount: Some(Some("1".into())),
            ..OfferInput::default()
        };
        assert_eq!(
            current.reviewed_changes(&risky.apply_to(Some(&current)).expect("valid")),
            ["url_template", "payout_amount"]
        );
    }

    #[test]
    fn caps_and_geo_consistency() {
        let o = OfferInput {
            daily_cap: Some(Some(10)),
            total_cap: Some(Some(5)),
            ..input()
        };
        assert_eq!(
            fields_of(&o.into_new().expect_err("daily > total")),
            ["daily_cap"]
        );
        let o = OfferInput {
            geo_deny: Some(vec!["US".into()]),
            ..input()
        };
        assert_eq!(fields_of(&o.into_new().expect_err("overlap")), ["geo_deny"]);
    }

    #[test]
    fn the_workflow() {
        use Action::*;
        use Actor::*;
        use OfferStatus::*;
        assert_eq!(Submit.apply(Draft, Advertiser, None), Ok(PendingReview));
        assert_eq!(Submit.apply(Rejected, Advertiser, None), Ok(PendingReview));
        assert_eq!(Withdraw.apply(PendingReview, Advertiser, None), Ok(Draft));
        assert_eq!(Approve.apply(PendingReview, Admin, None), Ok(Approved));
        assert_eq!(Reject.apply(PendingReview, Admin, None), Ok(Rejected));
        assert_eq!(Pause.apply(Approved, Advertiser, None), Ok(Paused));
        assert_eq!(Resume.apply(Paused, Admin, None), Ok(Approved));
        assert_eq!(Archive.apply(Approved, Advertiser, None), Ok(Archived));
        // Illegal moves.
        assert!(
            Approve.apply(Draft, Admin, None).is_err(),
            "no approving a draft"
        );
        assert!(
            Approve.apply(PendingReview, Advertiser, None).is_err(),
            "advertisers cannot approve"
        );
        assert!(Submit.apply(PendingReview, Admin, None).is_err());
        assert!(Pause.apply(Draft, Advertiser, None).is_err());
        assert!(Resume.apply(Approved, Advertiser, None).is_err());
        assert!(Archive.apply(Archived, Admin, None).is_err());
        assert!(Submit.apply(Archived, Advertiser, None).is_err());
        // Only an admin resumes what an admin paused.
        assert!(Resume.apply(Paused, Advertiser, Some(Admin)).is_err());
        assert_eq!(
            Resume.apply(Paused, Advertiser, Some(Advertiser)),
            Ok(Approved)
        );
        assert_eq!(Resume.apply(Paused, Admin, Some(Admin)), Ok(Approved));
        // Editing.
        assert!(
            Draft.editable()
                && Approved.editable()
                && !PendingReview.editable()
                && !Archived.editable()
        );
    }
}
