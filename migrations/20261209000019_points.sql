-- The promoter programme (DESIGN §13), its first part: the points ledger and levels.

-- Append-only: every entry has its cause. Entries made from a domain event are unique per
-- (event, promoter, cause, day), so an event handled twice pays once.
CREATE TABLE points_ledger (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promoter_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    points        BIGINT NOT NULL CHECK (points <> 0),
    -- conversion_approved (+), conversion_unapproved (−: reversed, rejected as fraud, demoted),
    -- unique_clicks (+, capped per promoter and UTC day), adjustment (an admin's, ±).
    cause         TEXT NOT NULL CHECK (cause IN ('conversion_approved', 'conversion_unapproved',
                      'unique_clicks', 'adjustment')),
    source_event  BIGINT,
    conversion_id UUID,
    offer_id      BIGINT,
    -- unique_clicks: the clicks' UTC day.
    day           DATE,
    -- adjustment: why, and who.
    reason        TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    actor_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((cause = 'adjustment') = (source_event IS NULL)),
    CHECK (cause <> 'adjustment' OR (reason IS NOT NULL AND actor_id IS NOT NULL))
);

CREATE UNIQUE INDEX points_ledger_cause ON points_ledger (source_event, promoter_id, cause, day)
    NULLS NOT DISTINCT WHERE source_event IS NOT NULL;
CREATE INDEX points_ledger_promoter ON points_ledger (promoter_id, id);
-- The day's click points of a promoter (the daily cap).
CREATE INDEX points_ledger_click_days ON points_ledger (promoter_id, day)
    WHERE cause = 'unique_clicks';

-- Each promoter's sums, kept with the entries (the same transaction): the balance, lifetime
-- points (everything earned, less what was taken back; nothing is spent yet) and the highest
-- level ever reached (reaching one is announced once, even if points fall and rise again).
CREATE TABLE points_balances (
    promoter_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance     BIGINT NOT NULL DEFAULT 0,
    lifetime    BIGINT NOT NULL DEFAULT 0,
    best_level  INTEGER NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

ALTER TABLE domain_events DROP CONSTRAINT domain_events_kind_check;
ALTER TABLE domain_events ADD CONSTRAINT domain_events_kind_check CHECK (kind IN (
    'click.stored', 'conversion.decided', 'conversion.reversed',
    'offer.status_changed', 'promoter.joined',
    'api_key.created', 'api_key.rotated', 'api_key.revoked',
    'postback_key.created', 'postback_key.revoked',
    'webhook_endpoint.disabled', 'points.level_reached'));
