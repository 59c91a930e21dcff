-- How many ok clicks each IP made in each UTC minute, counted by ingest before it stores a
-- batch and committed at once (not in the batch's transaction), so a batch sees the clicks of
-- batches still in flight on any control plane. An IP whose clicks around a batch's clicks
-- cannot reach a flood limit needs no exact window: its batches take a shared window lock and
-- read nothing, instead of queueing behind each other (control-plane/src/fraud/scoring.rs).
-- Counts only ever over-count (a redelivery counts again, a batch that fails stays counted),
-- which only sends more IPs to the exact path. Minutes older than a horizon (2 hours) are
-- forgotten, and clicks that old are always scored exactly.
--
-- Unlogged: counting costs no WAL and no flush. A crash (or a replica promoted) empties it,
-- and `flood_counts_since` with it: ingest then trusts no minute before it notices, so an
-- emptied table only sends IPs to the exact path for a while.
CREATE UNLOGGED TABLE flood_counts (
    ip     INET        NOT NULL,
    minute TIMESTAMPTZ NOT NULL,
    clicks INTEGER     NOT NULL,
    PRIMARY KEY (ip, minute)
);

-- Since when every ok click is counted (one row; none: since the next batch).
CREATE UNLOGGED TABLE flood_counts_since (
    one   BOOLEAN     PRIMARY KEY DEFAULT true CHECK (one),
    since TIMESTAMPTZ NOT NULL
);

-- The clicks stored before counting began, over the horizon and a margin for clocks.
INSERT INTO flood_counts (ip, minute, clicks)
SELECT ip, date_trunc('minute', ts, 'UTC'), count(*)
FROM clicks
WHERE verdict = 'ok' AND NOT test AND ip IS NOT NULL AND ts >= now() - interval '2 hours 15 minutes'
GROUP BY 1, 2;
INSERT INTO flood_counts_since (since) VALUES (now() - interval '2 hours 15 minutes');
