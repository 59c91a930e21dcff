//! The programme's rules without I/O (DESIGN §13): what a conversion's change is worth, the
//! daily cap on click points, and levels by lifetime points.

use crate::kernel::status::ConversionStatus;

/// A level: its name and the lifetime points it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// Its name (`Silver`).
    pub name: String,
    /// The lifetime points it starts at.
    pub min: i64,
}

/// Reads levels written `Bronze:0, Silver:500, …`: at least one, the first at 0, each above
/// the one before.
pub fn parse_levels(text: &str) -> Result<Vec<Level>, String> {
    let levels = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (name, min) = entry
                .split_once(':')
                .ok_or_else(|| format!("{entry:?} is not name:points"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 40 {
                return Err(format!("{entry:?}: a name is 1 to 40 characters"));
            }
            let min = min
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("{entry:?}: the points are not a whole number"))?;
            Ok(Level {
                name: name.to_owned(),
                min,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    match levels.first() {
        None => return Err("lists no level".to_owned()),
        Some(first) if first.min != 0 => return Err("the first level must start at 0".to_owned()),
        _ => {}
    }
    if levels.windows(2).any(|w| w[1].min <= w[0].min) {
        return Err("each level must start above the one before".to_owned());
    }
    Ok(levels)
}

/// The index of the level of `lifetime` points (the first level below 0).
pub fn level_index(levels: &[Level], lifetime: i64) -> usize {
    levels.iter().rposition(|l| l.min <= lifetime).unwrap_or(0)
}

/// What a conversion's change is worth: `per` when it becomes approved, `-per` when it
/// stops being approved (reversed, rejected as fraud, demoted), nothing otherwise.
pub fn conversion_points(from: ConversionStatus, to: ConversionStatus, per: i64) -> i64 {
    match (
        from == ConversionStatus::Approved,
        to == ConversionStatus::Approved,
    ) {
        (false, true) => per,
        (true, false) => -per,
        _ => 0,
    }
}

/// Click points that still fit in the day's cap after `earned` today.
pub fn capped(earned: i64, more: i64, cap: i64) -> i64 {
    more.clamp(0, (cap - earned).max(0))
}

/// Where a promoter stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The current level.
    pub level: Level,
    /// The next level and the points still needed to reach it (none at the top).
    pub next: Option<(Level, i64)>,
    /// How far from the current level's start to the next's, 0 to 1 (1 at the top).
    pub fraction: f64,
}

/// The progress of `lifetime` points.
pub fn progress(levels: &[Level], lifetime: i64) -> Progress {
    let i = level_index(levels, lifetime);
    let level = levels[i].clone();
    match levels.get(i + 1) {
        None => Progress {
            level,
            next: None,
            fraction: 1.0,
        },
        Some(next) => {
            let span = (next.min - level.min) as f64;
            let done = (lifetime.max(level.min) - level.min) as f64;
            Progress {
                fraction: (done / span).clamp(0.0, 1.0),
                next: Some((next.clone(), next.min - lifetime)),
                level,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversionStatus::*;

    fn levels() -> Vec<Level> {
        parse_levels("Bronze:0, Silver:500, Gold:2000, Platinum:10000, Diamond:50000")
            .unwrap_or_default()
    }

    #[test]
    fn levels_at_the_exact_thresholds() {
        let l = levels();
        assert_eq!(l.len(), 5);
        for (points, name) in [
            (-20, "Bronze"),
            (0, "Bronze"),
            (499, "Bronze"),
            (500, "Silver"),
            (1999, "Silver"),
            (2000, "Gold"),
            (9999, "Gold"),
            (10_000, "Platinum"),
            (49_999, "Platinum"),
            (50_000, "Diamond"),
            (i64::MAX, "Diamond"),
        ] {
            assert_eq!(l[level_index(&l, points)].name, name, "{points}");
        }
    }

    #[test]
    fn bad_level_lists() {
        assert!(parse_levels("").is_err());
        assert!(parse_levels("Bronze:10").is_err());
        assert!(parse_levels("Bronze:0, Silver:0").is_err());
        assert!(parse_levels("Bronze:0, Silver").is_err());
        assert!(parse_levels("Bronze:0, :5").is_err());
        assert!(parse_levels("Bronze:0, Silver:x").is_err());
    }

    #[test]
    fn conversions() {
        assert_eq!(conversion_points(Pending, Approved, 20), 20);
        assert_eq!(conversion_points(PendingReview, Approved, 20), 20);
        assert_eq!(conversion_points(RejectedFraud, Approved, 20), 20);
        assert_eq!(conversion_points(Approved, Reversed, 20), -20);
        assert_eq!(conversion_points(Approved, RejectedFraud, 20), -20);
        assert_eq!(conversion_points(Approved, Duplicate, 20), -20);
        assert_eq!(conversion_points(Pending, PendingReview, 20), 0);
        assert_eq!(conversion_points(Pending, RejectedFraud, 20), 0);
        assert_eq!(conversion_points(Approved, Approved, 20), 0);
    }

    #[test]
    fn the_daily_cap() {
        assert_eq!(capped(0, 30, 100), 30);
        assert_eq!(capped(90, 30, 100), 10);
        assert_eq!(capped(100, 30, 100), 0);
        assert_eq!(capped(120, 30, 100), 0);
        assert_eq!(capped(0, 0, 100), 0);
    }

    #[test]
    fn progress_to_the_next_level() {
        let l = levels();
        let p = progress(&l, 1250);
        assert_eq!(p.level.name, "Silver");
        assert_eq!(
            p.next.as_ref().map(|(n, to_go)| (n.name.as_str(), *to_go)),
            Some(("Gold", 750))
        );
        assert!((p.fraction - 0.5).abs() < 1e-9);
        let top = progress(&l, 60_000);
        assert_eq!(top.level.name, "Diamond");
        assert_eq!(top.next, None);
        let below = progress(&l, -5);
        assert_eq!(below.fraction, 0.0);
        assert_eq!(below.next.map(|(_, to_go)| to_go), Some(505));
    }
}
