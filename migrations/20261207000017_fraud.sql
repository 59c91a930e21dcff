-- Trust and fraud (DESIGN §11): reasons on clicks and conversions, the offers' fraud settings,
-- promoter suspensions, the imported IP ranges and the filtered-traffic rollup by reason.

-- Every stored click and conversion carries its fraud reasons (control-plane/src/fraud/
-- rules.rs, `Reason::as_str`), empty when clean. A click with a blocking reason is counted
-- as filtered traffic, never as a click.
ALTER TABLE clicks ADD COLUMN fraud TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE conversions ADD COLUMN fraud TEXT[] NOT NULL DEFAULT '{}';

-- Whether a list of reasons blocks: every reason but vpn_ip (a signal). The one place SQL
-- decides it (a unit test checks it against `Reason::blocks`).
CREATE FUNCTION fraud_blocks(reasons TEXT[]) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN reasons && ARRAY['datacenter_ip', 'click_flood', 'ip_flood', 'suspicious_agent',
                            'suspended_promoter', 'ctit_short'];

-- The flood windows (60 s by IP, and by visitor on one offer and promoter) are read from the
-- stored ok clicks of the IPs in a batch.
CREATE INDEX clicks_ip_ts ON clicks (ip, ts) WHERE verdict = 'ok';

-- A conversion refused as fraud (its click's blocking reasons, a click-to-conversion time
-- below the offer's minimum, a suspended promoter) is `rejected_fraud`; an admin or the
-- offer's advertiser may overrule it (audited).
ALTER TABLE conversions DROP CONSTRAINT conversions_status_check;
ALTER TABLE conversions ADD CONSTRAINT conversions_status_check CHECK (status IN ('pending',
    'unknown_click', 'rejected_advertiser_mismatch', 'rejected_fraud', 'out_of_window',
    'duplicate', 'over_cap', 'approved', 'pending_review', 'rejected', 'reversed'));
-- Set when an admin or the advertiser approves a conversion rejected as fraud: attribution
-- then decides it as if unflagged (its reasons stay, for the record).
ALTER TABLE conversions ADD COLUMN fraud_overruled BOOLEAN NOT NULL DEFAULT false;
-- Clicks a later batch flagged (late clicks made them a flood), written in that batch's
-- transaction: their approved or held conversions are decided again right after it commits,
-- and by the sweeper if that was interrupted.
CREATE TABLE fraud_rechecks (
    click_id UUID PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX fraud_rechecks_at ON fraud_rechecks (at);
-- Conversions flagged as fraud, for the review lists.
CREATE INDEX conversions_flagged ON conversions (promoter_id, ts) WHERE fraud <> '{}';

-- The shortest click-to-conversion time an offer accepts (NULL: the platform's setting,
-- 10 s by default), and what becomes of a flagged conversion: `reject` (rejected_fraud) or
-- `review` (pending_review, with its reasons).
ALTER TABLE offers
    ADD COLUMN min_ctit_seconds INTEGER CHECK (min_ctit_seconds BETWEEN 0 AND 86400),
    ADD COLUMN fraud_policy TEXT NOT NULL DEFAULT 'reject' CHECK (fraud_policy IN ('reject', 'review'));

-- A suspended promoter's links still redirect (nothing is pushed to the edge), but their new
-- clicks are flagged `suspended_promoter` and their conversions rejected.
ALTER TABLE users
    ADD COLUMN suspended_at TIMESTAMPTZ,
    ADD COLUMN suspended_reason TEXT CHECK (length(suspended_reason) BETWEEN 1 AND 500);

-- Every suspension and reinstatement, with the admin who did it and why.
CREATE TABLE promoter_suspensions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promoter_id BIGINT NOT NULL REFERENCES users (id),
    actor_id    BIGINT REFERENCES users (id),
    action      TEXT NOT NULL CHECK (action IN ('suspend', 'reinstate')),
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX promoter_suspensions_promoter ON promoter_suspensions (promoter_id, id);

-- Hosting (datacenter) and VPN ranges, imported by `afftok fraud ranges import`; an import
-- replaces its kind in one transaction. Every control plane holds them in memory as a prefix
-- table and reloads them when the latest import's id changes.
CREATE TABLE fraud_ranges (
    kind  TEXT NOT NULL CHECK (kind IN ('datacenter', 'vpn')),
    range CIDR NOT NULL,
    PRIMARY KEY (kind, range)
);

CREATE TABLE fraud_range_imports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('datacenter', 'vpn')),
    ranges      INTEGER NOT NULL,
    skipped     INTEGER NOT NULL DEFAULT 0,
    sources     TEXT[] NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Filtered clicks by reason, per UTC day, offer and promoter: the edge's verdicts (bot,
-- offer_paused, geo_blocked, expired) and the fraud reasons of ok clicks (a click with two
-- reasons counts under both; vpn_ip is a signal and its clicks are also counted clicks).
CREATE TABLE stats_filtered (
    day           DATE NOT NULL,
    offer_id      BIGINT NOT NULL,
    promoter_id   BIGINT NOT NULL,
    advertiser_id BIGINT NOT NULL,
    reason        TEXT NOT NULL,
    clicks        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, offer_id, promoter_id, reason)
);
CREATE INDEX stats_filtered_promoter ON stats_filtered (promoter_id, day);
CREATE INDEX stats_filtered_advertiser ON stats_filtered (advertiser_id, day);

INSERT INTO stats_filtered (day, offer_id, promoter_id, advertiser_id, reason, clicks)
SELECT (ts AT TIME ZONE 'UTC')::date, offer_id, promoter_id, advertiser_id, verdict, count(*)
FROM clicks
WHERE verdict <> 'ok' AND advertiser_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
