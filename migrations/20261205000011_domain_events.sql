-- Domain events (the control plane's own, not the edge's): one row per state change, written
-- in the transaction that makes the change, so a change and its event commit together or not
-- at all. Consumers (live counters today; webhooks, points, standings later) read them after
-- commit and keep their own position in event_cursors.
--
-- Positions are (tx_id, id): the writing transaction's id, then the row's. A consumer only
-- reads events whose transaction is older than every transaction still running
-- (pg_snapshot_xmin), so an event that commits after a later-numbered one was read is never
-- skipped: it is read when its transaction is no longer running, in its place.

CREATE TABLE domain_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    tx_id       XID8 NOT NULL DEFAULT pg_current_xact_id(),
    kind        TEXT NOT NULL CHECK (kind IN (
                    'click.stored', 'conversion.decided', 'conversion.reversed',
                    'offer.status_changed', 'promoter.joined',
                    'api_key.created', 'api_key.rotated', 'api_key.revoked',
                    'postback_key.created', 'postback_key.revoked')),
    -- JSON, not JSONB: written once and read whole by consumers, never queried inside, so
    -- the text is kept as it is (cheaper to write and to read back than JSONB).
    payload     JSON NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tx_id, id)
);

CREATE INDEX domain_events_recorded ON domain_events (recorded_at);

-- Each consumer's position: the last event it handled. A dispatcher holds the row locked
-- (FOR UPDATE SKIP LOCKED) while it handles a batch, so one control plane at a time feeds a
-- consumer, and the position moves in the same transaction as the consumer's own writes.
CREATE TABLE event_cursors (
    consumer   TEXT PRIMARY KEY,
    tx_id      XID8 NOT NULL DEFAULT '0',
    event_id   BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
