-- Flood counts, appended: each batch adds a row per IP and minute of its ok clicks (no upsert:
-- no conflict check, no row to lock or rewrite), keyed by a 64-bit hash of the IP (IPs that
-- share a key are counted together, which only over-counts). A window's count is the sum of
-- its minutes' rows.
--
-- The count is now taken while the batch's transaction holds its shared window locks, on a
-- connection of its own, by `flood_count` below, which also reads the counts around the
-- batch's clicks in a snapshot taken after its rows were added and after every earlier count
-- of the same IPs committed (a lock per IP key, held by the count alone). So each count sees
-- every count of its IPs before it, and a later batch that finds an IP hot asks for its
-- exclusive window lock after this batch holds its shared one: a batch whose IPs are all
-- cold reads nothing again under its locks (control-plane/src/fraud/scoring.rs).
DROP TABLE flood_counts;
CREATE UNLOGGED TABLE flood_counts (
    ip_key BIGINT      NOT NULL,
    minute TIMESTAMPTZ NOT NULL,
    clicks INTEGER     NOT NULL
);
CREATE INDEX flood_counts_key ON flood_counts (ip_key, minute);

-- The stored clicks of the horizon, as counting began (the table is unlogged, and a crash
-- empties it: `flood_counts_since` then goes too, and counting starts again).
INSERT INTO flood_counts (ip_key, minute, clicks)
SELECT hashinetextended(ip, 0), date_trunc('minute', ts, 'UTC'), count(*)
FROM clicks
WHERE verdict = 'ok' AND NOT test AND ip IS NOT NULL AND ts >= now() - interval '2 hours 15 minutes'
GROUP BY 1, 2;
DELETE FROM flood_counts_since;
INSERT INTO flood_counts_since (since) VALUES (now() - interval '2 hours 15 minutes');

-- Adds (ip, minute, clicks) rows and answers the counts in the spans (ip, first minute, last
-- minute) by IP and minute, the rows just added included, with since when every click is
-- counted (none: lost), Postgres's clock and the version of what scoring holds in memory.
-- Call it on its own (it must commit at once, so that batches in flight see each other).
CREATE FUNCTION flood_count(
    add_ips inet[], add_minutes timestamptz[], add_clicks int4[],
    span_ips inet[], span_los timestamptz[], span_his timestamptz[]
) RETURNS TABLE (ip inet, minute timestamptz, clicks bigint, since timestamptz,
                 now timestamptz, version bigint)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    -- One count of an IP at a time (the class 0x0af70002: apart from the window locks,
    -- 0x0af70001), in key order (no waits in a circle); each query below
    -- takes its own snapshot, so the read sees every count that held these locks before.
    PERFORM pg_advisory_xact_lock(183959554, k)
    FROM (SELECT DISTINCT hashinet(i) AS k FROM unnest(span_ips) AS i ORDER BY 1) AS keys;
    INSERT INTO flood_counts (ip_key, minute, clicks)
    SELECT hashinetextended(a.i, 0), a.m, a.n
    FROM unnest(add_ips, add_minutes, add_clicks) AS a(i, m, n);
    RETURN QUERY
    SELECT s.i, f.minute, sum(f.clicks)::bigint,
           (SELECT c.since FROM flood_counts_since c), now(), (SELECT v.version FROM fraud_state v)
    FROM unnest(span_ips, span_los, span_his) AS s(i, lo, hi)
    CROSS JOIN LATERAL (
        SELECT f.minute, f.clicks FROM flood_counts f
        WHERE f.ip_key = hashinetextended(s.i, 0) AND f.minute >= s.lo AND f.minute <= s.hi
        OFFSET 0) AS f
    GROUP BY s.i, f.minute;
END
$$;
