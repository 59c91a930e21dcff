-- The flood counts move to Redis (control-plane/src/fraud/counts.rs): a batch's count there is
-- one script, which runs alone (no lock per IP, no rows, no index entries, nothing to forget:
-- its keys expire), where in Postgres it cost a lock, an index entry and a read per IP.
DROP FUNCTION flood_count(inet[], timestamptz[], int4[], inet[], timestamptz[], timestamptz[]);
DROP TABLE flood_counts;
DROP TABLE flood_counts_since;

-- How many times a batch could not count its clicks in Redis (Redis away or failing): moved,
-- and committed, before such a batch scores, so that counting in Redis learns its counts lack
-- clicks and starts again (the counts say which epoch they are whole up to). And the
-- generation of the counts: each start of counting keeps them under a new one, made from the
-- stored clicks while no batch is in flight.
ALTER TABLE fraud_state
    ADD COLUMN flood_epoch BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN flood_gen   BIGINT NOT NULL DEFAULT 0;

-- Takes a batch's flood-window locks until its transaction ends: the lock every batch shares
-- (a restart of counting takes it alone, so no batch is in flight then), then each IP's,
-- exclusive where asked and shared otherwise, in key order (no waits in a circle). Then reads,
-- in a snapshot taken after the locks were held (a function's statements take their own), the
-- version of what scoring holds in memory and the epoch and generation of the flood counts.
CREATE FUNCTION flood_window_locks(
    class int4, keys int4[], exclusive bool[], OUT version bigint, OUT epoch bigint,
    OUT gen bigint
) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(class + 1, 0);
    PERFORM CASE WHEN x THEN pg_advisory_xact_lock(class, k)::text
                 ELSE pg_advisory_xact_lock_shared(class, k)::text END
    FROM (SELECT k, x FROM unnest(keys, exclusive) AS u(k, x) ORDER BY k) AS s;
    SELECT s.version, s.flood_epoch, s.flood_gen INTO version, epoch, gen FROM fraud_state AS s;
END
$$;
