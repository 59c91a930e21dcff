//! The pure rules of contests: their kinds, metrics and states, which moves between states
//! are allowed, what a valid contest is, and how entrants are ranked.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::kernel::error::FieldError;

/// Who competes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Promoters, each for themselves.
    Individual,
    /// Teams: what their members earned while members.
    Team,
}

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Conversions approved now, by their time.
    Conversions,
    /// Points earned (the ledger's entries, by their time).
    Points,
    /// Unique clean clicks, by their time.
    UniqueClicks,
    /// The payouts of approved conversions in the contest's currency.
    Payout,
}

/// Where a contest is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written: editable, deletable, seen by its owner only.
    Draft,
    /// Published, not started: promoters see it and enter.
    Scheduled,
    /// In its window (or settling after it): live standings.
    Running,
    /// Frozen: the results are final.
    Finished,
    /// Called off: no results, no prizes.
    Cancelled,
}

macro_rules! wire {
    ($ty:ty, $($v:ident => $s:literal),* $(,)?) => {
        impl $ty {
            /// The wire and stored name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }

            /// Every value.
            pub const ALL: &'static [$ty] = &[$(Self::$v),*];

            /// The value of a name, or a sentence listing the names.
            pub fn parse(name: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("must be one of {}", names.join(", "))
                    })
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s)
            }
        }

        crate::stored_as_text!($ty);
    };
}

wire!(Kind, Individual => "individual", Team => "team");
wire!(Metric, Conversions => "conversions", Points => "points",
      UniqueClicks => "unique_clicks", Payout => "payout");
wire!(Status, Draft => "draft", Scheduled => "scheduled", Running => "running",
      Finished => "finished", Cancelled => "cancelled");

/// A change of state asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Change the draft.
    Edit,
    /// Delete the draft.
    Delete,
    /// Publish the draft.
    Publish,
    /// Call it off.
    Cancel,
    /// Enter it, or leave it.
    Enter,
}

/// Why an action is refused in a state: a sentence for the client.
pub fn allowed(status: Status, action: Action) -> Result<(), &'static str> {
    use Action::*;
    use Status::*;
    match (action, status) {
        (Edit | Delete | Publish, Draft) => Ok(()),
        (Cancel, Draft | Scheduled | Running) => Ok(()),
        (Enter, Scheduled | Running) => Ok(()),
        (Edit, _) => Err("only a draft can be edited"),
        (Delete, _) => Err("only a draft can be deleted: cancel a published contest instead"),
        (Publish, _) => Err("only a draft can be published"),
        (Cancel, Finished) => Err("a finished contest cannot be cancelled: its results are final"),
        (Cancel, _) => Err("the contest is cancelled already"),
        (Enter, Draft) => Err("the contest is not published"),
        (Enter, _) => Err("the contest is over: entries are closed"),
    }
}

/// The longest window.
pub const MAX_WINDOW: Duration = Duration::days(366);
/// The most prizes (ranks 1 to this).
pub const MAX_PRIZE_RANK: i32 = 100;

/// A prize as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prize {
    /// 1 to 100, once each.
    pub rank: i32,
    /// 1 to 200 characters.
    pub prize: String,
    /// An amount, with its currency.
    pub amount: Option<(Decimal, String)>,
}

/// A contest as asked for (created, or a draft as changed).
#[derive(Debug, Clone)]
pub struct Draft {
    /// 2 to 100 characters.
    pub name: String,
    /// Up to 2000 characters.
    pub description: Option<String>,
    /// Who competes.
    pub kind: Kind,
    /// What counts.
    pub metric: Metric,
    /// The payout metric's currency (and only its).
    pub currency: Option<String>,
    /// Counted from.
    pub starts_at: OffsetDateTime,
    /// Counted until (not included).
    pub ends_at: OffsetDateTime,
    /// The offers counted (none: all; advertisers' contests need theirs).
    pub offer_ids: Vec<i64>,
    /// Prizes by rank.
    pub prizes: Vec<Prize>,
}

/// Whether `code` is three capital letters.
pub fn currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks a contest; every problem as a field error. `advertiser` says whether an advertiser
/// makes it (its offers are then required).
pub fn validate(d: &Draft, advertiser: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name_len = d.name.chars().count();
    if !(2..=100).contains(&name_len) {
        errors.push(FieldError::new("name", "must be 2 to 100 characters"));
    }
    if d.description
        .as_ref()
        .is_some_and(|t| t.chars().count() > 2000)
    {
        errors.push(FieldError::new(
            "description",
            "must be at most 2000 characters",
        ));
    }
    if d.ends_at <= d.starts_at {
        errors.push(FieldError::new("ends_at", "must be after starts_at"));
    } else if d.ends_at - d.starts_at > MAX_WINDOW {
        errors.push(FieldError::new(
            "ends_at",
            "must be at most 366 days after starts_at",
        ));
    }
    match (d.metric, &d.currency) {
        (Metric::Payout, None) => errors.push(FieldError::new(
            "currency",
            "is required for the payout metric (payouts are summed in one currency)",
        )),
        (Metric::Payout, Some(c)) if !currency_code(c) => errors.push(FieldError::new(
            "currency",
            "must be an ISO 4217 code in capitals, such as USD",
        )),
        (Metric::Payout, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::new("currency", "is only for the payout metric")),
    }
    if d.metric == Metric::Points && !d.offer_ids.is_empty() {
        errors.push(FieldError::new(
            "offer_ids",
            "must be empty for the points metric: points are not earned per offer (adjustments and click points have none)",
        ));
    } else if advertiser && d.offer_ids.is_empty() {
        errors.push(FieldError::new(
            "offer_ids",
            "is required: an advertiser's contest counts its own offers",
        ));
    }
    if advertiser && d.metric == Metric::Points {
        errors.push(FieldError::new(
            "metric",
            "an advertiser's contest counts its offers: points are platform-wide (choose conversions, unique_clicks or payout)",
        ));
    }
    if d.offer_ids.len() > 100 {
        errors.push(FieldError::new("offer_ids", "may name at most 100 offers"));
    }
    let mut offers = d.offer_ids.clone();
    offers.sort_unstable();
    if offers.windows(2).any(|w| w[0] == w[1]) {
        errors.push(FieldError::new("offer_ids", "names an offer twice"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in d.prizes.iter().enumerate() {
        if !(1..=MAX_PRIZE_RANK).contains(&p.rank) {
            errors.push(FieldError::new(
                format!("prizes[{i}].rank"),
                "must be 1 to 100",
            ));
        } else if !seen.insert(p.rank) {
            errors.push(FieldError::new(
                format!("prizes[{i}].rank"),
                format!("rank {} has a prize already: one prize per rank", p.rank),
            ));
        }
        let len = p.prize.trim().chars().count();
        if !(1..=200).contains(&len) {
            errors.push(FieldError::new(
                format!("prizes[{i}].prize"),
                "must be 1 to 200 characters",
            ));
        }
        if let Some((amount, currency)) = &p.amount {
            if amount.is_sign_negative() {
                errors.push(FieldError::new(
                    format!("prizes[{i}].amount"),
                    "must not be negative",
                ));
            }
            if !currency_code(currency) {
                errors.push(FieldError::new(
                    format!("prizes[{i}].currency"),
                    "must be an ISO 4217 code in capitals, such as USD",
                ));
            }
        }
    }
    errors
}

/// An entrant's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// The entry.
    pub entry_id: i64,
    /// What it counted.
    pub score: Decimal,
    /// Its last counted contribution (none: nothing counted).
    pub reached_at: Option<OffsetDateTime>,
    /// When it entered.
    pub entered_at: OffsetDateTime,
}

/// The order of the standings: the higher score first; at equal scores whoever reached it
/// first (the earlier last contribution); entrants with no contribution after those with
/// one; then the earlier entry, then the entry id.
pub fn standing_order(a: &Score, b: &Score) -> Ordering {
    b.score
        .cmp(&a.score)
        .then_with(|| match (a.reached_at, b.reached_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.entered_at.cmp(&b.entered_at))
        .then_with(|| a.entry_id.cmp(&b.entry_id))
}

/// Sorts scores into standings; ranks are their positions from 1 (no two share one).
pub fn rank(mut scores: Vec<Score>) -> Vec<(i32, Score)> {
    scores.sort_by(standing_order);
    scores
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i32::try_from(i + 1).unwrap_or(i32::MAX), s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::seconds(1_800_000_000 + secs)
    }

    fn s(id: i64, score: i64, reached: Option<i64>, entered: i64) -> Score {
        Score {
            entry_id: id,
            score: Decimal::from(score),
            reached_at: reached.map(t),
            entered_at: t(entered),
        }
    }

    #[test]
    fn higher_scores_first_and_ties_to_whoever_reached_first() {
        let ranked = rank(vec![
            s(1, 5, Some(50), 0),
            s(2, 7, Some(90), 1),
            s(3, 5, Some(40), 2),
            s(4, 0, None, 3),
            s(5, 0, None, 1),
            s(6, 5, Some(40), 1),
        ]);
        let order: Vec<(i32, i64)> = ranked.iter().map(|(r, s)| (*r, s.entry_id)).collect();
        // 7 first; of the 5s, reached at 40 (entered at 1 before 2), then at 50; the zeros by
        // entry time.
        assert_eq!(order, vec![(1, 2), (2, 6), (3, 3), (4, 1), (5, 5), (6, 4)]);
    }

    #[test]
    fn a_zero_with_contributions_ranks_before_a_zero_without_and_negatives_last() {
        let ranked = rank(vec![
            s(1, 0, None, 0),
            s(2, 0, Some(10), 5),
            s(3, -2, Some(1), 0),
        ]);
        let order: Vec<i64> = ranked.iter().map(|(_, s)| s.entry_id).collect();
        assert_eq!(order, vec![2, 1, 3]);
    }

    #[test]
    fn decimal_scores_compare_exactly() {
        let mut a = s(1, 0, Some(1), 0);
        a.score = Decimal::new(1001, 2);
        let mut b = s(2, 0, Some(0), 0);
        b.score = Decimal::new(10_009, 3);
        let ranked = rank(vec![b, a]);
        assert_eq!(ranked[0].1.entry_id, 1);
    }

    #[test]
    fn transitions() {
        use Action::*;
        use Status::*;
        for (status, action, ok) in [
            (Draft, Edit, true),
            (Draft, Delete, true),
            (Draft, Publish, true),
            (Draft, Cancel, true),
            (Draft, Enter, false),
            (Scheduled, Edit, false),
            (Scheduled, Delete, false),
            (Scheduled, Publish, false),
            (Scheduled, Cancel, true),
            (Scheduled, Enter, true),
            (Running, Cancel, true),
            (Running, Enter, true),
            (Running, Publish, false),
            (Finished, Cancel, false),
            (Finished, Enter, false),
            (Finished, Edit, false),
            (Cancelled, Cancel, false),
            (Cancelled, Enter, false),
            (Cancelled, Publish, false),
        ] {
            assert_eq!(allowed(status, action).is_ok(), ok, "{status:?} {action:?}");
        }
        assert!(
            allowed(Finished, Cancel)
                .err()
                .is_some_and(|m| m.contains("final"))
        );
    }

    fn draft() -> Draft {
        Draft {
            name: "December Sprint".into(),
            description: None,
            kind: Kind::Individual,
            metric: Metric::Conversions,
            currency: None,
            starts_at: t(0),
            ends_at: t(86_400),
            offer_ids: vec![],
            prizes: vec![Prize {
                rank: 1,
                prize: "A bike".into(),
                amount: Some((Decimal::new(10000, 2), "USD".into())),
            }],
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn validation() {
        assert!(validate(&draft(), false).is_empty());
        // An advertiser names its offers.
        assert_eq!(fields(&validate(&draft(), true)), vec!["offer_ids"]);
        let mut d = draft();
        d.offer_ids = vec![3];
        assert!(validate(&d, true).is_empty());

        let mut d = draft();
        d.ends_at = d.starts_at;
        assert_eq!(fields(&validate(&d, false)), vec!["ends_at"]);
        d.ends_at = d.starts_at + Duration::days(367);
        assert_eq!(fields(&validate(&d, false)), vec!["ends_at"]);
        d.ends_at = d.starts_at + Duration::days(366);
        assert!(validate(&d, false).is_empty());

        let mut d = draft();
        d.metric = Metric::Payout;
        assert_eq!(fields(&validate(&d, false)), vec!["currency"]);
        d.currency = Some("usd".into());
        assert_eq!(fields(&validate(&d, false)), vec!["currency"]);
        d.currency = Some("EUR".into());
        assert!(validate(&d, false).is_empty());
        d.metric = Metric::Conversions;
        assert_eq!(fields(&validate(&d, false)), vec!["currency"]);

        let mut d = draft();
        d.metric = Metric::Points;
        d.offer_ids = vec![1];
        let errors = validate(&d, false);
        assert_eq!(fields(&errors), vec!["offer_ids"]);
        assert!(errors[0].message.contains("points"));

        let mut d = draft();
        d.prizes.push(Prize {
            rank: 1,
            prize: "Again".into(),
            amount: None,
        });
        d.prizes.push(Prize {
            rank: 101,
            prize: String::new(),
            amount: Some((Decimal::from(-1), "US".into())),
        });
        assert_eq!(
            fields(&validate(&d, false)),
            vec![
                "prizes[1].rank",
                "prizes[2].rank",
                "prizes[2].prize",
                "prizes[2].amount",
                "prizes[2].currency"
            ]
        );

        let mut d = draft();
        d.name = "x".into();
        d.offer_ids = vec![1, 1];
        assert_eq!(fields(&validate(&d, false)), vec!["name", "offer_ids"]);
    }

    #[test]
    fn names_parse_and_unknown_ones_are_explained() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.as_str()), Ok(*m));
            assert_eq!(
                serde_json::to_value(m).ok(),
                Some(serde_json::Value::from(m.as_str()))
            );
        }
        assert_eq!(
            Metric::parse("revenue").err().as_deref(),
            Some("must be one of conversions, points, unique_clicks, payout")
        );
        assert_eq!(Status::parse("running"), Ok(Status::Running));
        assert_eq!(Kind::parse("team"), Ok(Kind::Team));
    }
}
