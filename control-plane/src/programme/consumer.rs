//! The points consumer: ledger entries from the domain events, in the transaction that moves
//! its position (paid exactly once; the ledger's unique causes make a replay pay nothing).
//! Points follow decisions: nothing in ingest or attribution calls it.

use std::collections::{BTreeMap, HashMap};

use sqlx::PgConnection;
use time::Date;

use crate::app::AppState;
use crate::events::catalogue::{ClicksStored, ConversionChanged};
use crate::events::{Consumer, ConsumerError, EventKind, Handled, StoredEvent};
use crate::kernel::PromoterId;
use crate::programme::db::{self, Entry};
use crate::programme::rules::{capped, conversion_points};

/// The points consumer (position `points`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Points;

impl Consumer for Points {
    fn name(&self) -> &'static str {
        "points"
    }

    fn handle<'a>(
        &'a self,
        state: &'a AppState,
        conn: &'a mut PgConnection,
        events: &'a [StoredEvent],
    ) -> Handled<'a> {
        Box::pin(async move { earn(state, conn, events).await })
    }

    fn committed(&self, state: &AppState) {
        state.leaderboard_wake.notify_one();
    }

    fn gather(&self, state: &AppState) -> Option<std::time::Duration> {
        Some(state.settings.programme.points_gather)
    }
}

async fn earn(
    state: &AppState,
    conn: &mut PgConnection,
    events: &[StoredEvent],
) -> Result<(), ConsumerError> {
    let settings = &state.settings.programme;
    let mut entries = Vec::new();
    // Unique clean clicks by promoter and day over the whole batch, with the last event that
    // brought some: one entry each per batch, not per event (a busy stream's batch holds
    // dozens of events naming the same promoters). The batch is paid in the transaction that
    // moves the position, so it is paid once; the entry's unique cause guards it too.
    let mut clicks: BTreeMap<(PromoterId, Date), (i64, i64)> = BTreeMap::new();
    for e in events {
        match e.kind {
            EventKind::ConversionDecided | EventKind::ConversionReversed => {
                let c: ConversionChanged = e.payload()?;
                let Some(promoter) = c.promoter_id else {
                    continue;
                };
                let points = conversion_points(c.from, c.to, settings.points_per_conversion);
                if points != 0 {
                    entries.push(Entry {
                        promoter_id: promoter,
                        points,
                        cause: if points > 0 {
                            "conversion_approved"
                        } else {
                            "conversion_unapproved"
                        },
                        source_event: Some(e.id),
                        conversion_id: Some(c.conversion_id.0),
                        offer_id: c.offer_id,
                        day: None,
                        reason: None,
                        actor_id: None,
                    });
                }
            }
            EventKind::ClickStored => {
                let stored: ClicksStored = e.payload()?;
                // Summed first: a click displaced by an earlier one (−1) and that one (+1)
                // make no new unique click.
                for count in stored.counts.iter().filter(|c| c.unique_clicks != 0) {
                    let (event, n) = clicks.entry((count.promoter_id, count.day)).or_default();
                    *event = (*event).max(e.id);
                    *n += count.unique_clicks;
                }
            }
            _ => {}
        }
    }
    clicks.retain(|_, (_, n)| *n > 0);
    if !clicks.is_empty() {
        let keys: Vec<(PromoterId, Date)> = clicks.keys().copied().collect();
        let mut earned: HashMap<(PromoterId, Date), i64> = db::click_points(conn, &keys).await?;
        for ((promoter, day), (event, unique)) in clicks {
            let so_far = earned.entry((promoter, day)).or_default();
            let points = capped(
                *so_far,
                unique.saturating_mul(settings.points_per_unique_click),
                settings.click_points_daily_cap,
            );
            *so_far += points;
            entries.push(Entry {
                promoter_id: promoter,
                points,
                cause: "unique_clicks",
                source_event: Some(event),
                conversion_id: None,
                offer_id: None,
                day: Some(day),
                reason: None,
                actor_id: None,
            });
        }
    }
    db::apply(conn, &entries, &settings.levels).await?;
    Ok(())
}
