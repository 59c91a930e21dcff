-- Events from the edges (DESIGN §6). Delivery is at-least-once; primary keys on event ids
-- and ON CONFLICT DO NOTHING make it exactly-once in effect.
--
-- Clicks are partitioned by month of their timestamp (partitions are created ahead by the
-- service; a default partition catches anything outside them, so no click is ever refused).
-- The partition key must be in the primary key: (id, ts). A click id is a UUIDv7 whose time
-- is the click's ts, so lookups by id also prune to one partition.

CREATE TABLE clicks (
    id            UUID NOT NULL,
    ts            TIMESTAMPTZ NOT NULL,
    offer_id      BIGINT NOT NULL,
    promoter_id   BIGINT NOT NULL,
    -- The offer's advertiser when the click landed (NULL if the offer is unknown here).
    advertiser_id BIGINT,
    kid           INTEGER NOT NULL,
    verdict       TEXT NOT NULL,
    -- The earliest ok click of this visitor on this offer and promoter this UTC day.
    is_unique     BOOLEAN NOT NULL DEFAULT false,
    ip            INET,
    user_agent    TEXT NOT NULL DEFAULT '',
    referer       TEXT,
    country       TEXT,
    sub1          TEXT,
    sub2          TEXT,
    sub3          TEXT,
    sub4          TEXT,
    sub5          TEXT,
    edge          TEXT NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);

CREATE TABLE clicks_default PARTITION OF clicks DEFAULT;
CREATE INDEX clicks_offer_ts ON clicks (offer_id, ts);
CREATE INDEX clicks_promoter_ts ON clicks (promoter_id, ts);
CREATE INDEX clicks_advertiser_ts ON clicks (advertiser_id, ts);

-- The unique click of each (UTC day, offer, promoter, visitor = sha256(ip, user agent)): the
-- earliest by (ts, id). An earlier click arriving later takes the place (see uniques.rs).
CREATE TABLE click_uniques (
    day         DATE NOT NULL,
    offer_id    BIGINT NOT NULL,
    promoter_id BIGINT NOT NULL,
    visitor     BYTEA NOT NULL,
    click_id    UUID NOT NULL,
    click_ts    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (day, offer_id, promoter_id, visitor)
);

-- Conversions, from postbacks (through events) and the conversion API. Every conversion is
-- kept with its attribution status (DESIGN §7):
--   pending -> unknown_click | rejected_advertiser_mismatch | out_of_window | duplicate
--              | over_cap | approved | pending_review;
--   pending_review -> approved | rejected (the advertiser's review);  approved -> reversed.
-- A later conversion that wins a txid or cap slot back (it happened earlier) demotes the one
-- that held it to duplicate / over_cap.
CREATE TABLE conversions (
    id              UUID PRIMARY KEY,
    ts              TIMESTAMPTZ NOT NULL,
    advertiser_id   BIGINT NOT NULL,
    click_id        UUID NOT NULL,
    txid            TEXT,
    amount          NUMERIC(19, 4),
    currency        TEXT,
    event           TEXT NOT NULL,
    ip              INET,
    edge            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('postback', 'api')),
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'unknown_click',
        'rejected_advertiser_mismatch', 'out_of_window', 'duplicate', 'over_cap', 'approved',
        'pending_review', 'rejected', 'reversed')),
    -- Set once the click is found.
    offer_id        BIGINT,
    promoter_id     BIGINT,
    click_ts        TIMESTAMPTZ,
    country         TEXT,
    sub1            TEXT,
    -- up to 100% of an amount below 10^15, rounded up: one more integer digit than amounts
    payout          NUMERIC(20, 4),
    payout_currency TEXT,
    attributed_at   TIMESTAMPTZ,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX conversions_pending ON conversions (click_id) WHERE status = 'pending';
CREATE INDEX conversions_pending_age ON conversions (received_at) WHERE status = 'pending';
CREATE INDEX conversions_txid ON conversions (offer_id, txid) WHERE txid IS NOT NULL;
CREATE INDEX conversions_click_event ON conversions (click_id, event);
CREATE INDEX conversions_offer_ts ON conversions (offer_id, ts);
-- The conversions holding a cap slot, counted for caps (at most the cap's size is read).
CREATE INDEX conversions_slots ON conversions (offer_id, ts, id) WHERE status IN ('approved', 'pending_review');
CREATE INDEX conversions_advertiser_ts ON conversions (advertiser_id, ts, id);
CREATE INDEX conversions_promoter_ts ON conversions (promoter_id, ts, id);

-- Every status change after attribution (reversals, demotions), with who or what did it.
CREATE TABLE conversion_audit (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversion_id UUID NOT NULL REFERENCES conversions (id),
    actor_id      BIGINT REFERENCES users (id),
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    reason        TEXT,
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX conversion_audit_conversion ON conversion_audit (conversion_id, id);

-- Events that could not be read, kept with the reason instead of being dropped. Kept once
-- per payload (a redelivered batch adds nothing); `times_seen` counts the deliveries.
CREATE TABLE dead_letters (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         TEXT NOT NULL,
    payload        TEXT NOT NULL,
    payload_sha256 BYTEA NOT NULL UNIQUE,
    reason         TEXT NOT NULL,
    times_seen     INTEGER NOT NULL DEFAULT 1,
    received_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Idempotency-Key of POST /v1/conversions: the first answer is replayed for the same key.
CREATE TABLE idempotency_keys (
    advertiser_id BIGINT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  BYTEA NOT NULL,
    status        INTEGER NOT NULL,
    response      JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (advertiser_id, key)
);
