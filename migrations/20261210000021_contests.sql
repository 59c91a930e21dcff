-- The promoter programme (DESIGN §13): contests. Admins make platform-wide ones (no
-- advertiser), advertisers ones on their own offers. A contest's window is [starts_at,
-- ends_at): a contribution at the start instant counts, at the end instant does not.
-- draft -> scheduled (published) -> running (starts_at reached) -> finished (ends_at plus the
-- settle time reached: the standings are frozen into contest_results, once); draft,
-- scheduled and running may be cancelled (no results, no prizes).

CREATE TABLE contests (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 2 AND 100),
    description   TEXT CHECK (length(description) BETWEEN 1 AND 2000),
    created_by    BIGINT NOT NULL REFERENCES users (id),
    -- NULL: a platform-wide contest (an admin's).
    advertiser_id BIGINT REFERENCES advertisers (id),
    kind          TEXT NOT NULL CHECK (kind IN ('individual', 'team')),
    metric        TEXT NOT NULL CHECK (metric IN ('conversions', 'points', 'unique_clicks', 'payout')),
    -- The payout metric sums payouts in this currency only.
    currency      TEXT CHECK (currency ~ '^[A-Z]{3}$'),
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'scheduled', 'running', 'finished', 'cancelled')),
    cancel_reason TEXT CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at  TIMESTAMPTZ,
    started_at    TIMESTAMPTZ,
    finished_at   TIMESTAMPTZ,
    cancelled_at  TIMESTAMPTZ,
    CHECK ((metric = 'payout') = (currency IS NOT NULL)),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '366 days'),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);

CREATE INDEX contests_advertiser ON contests (advertiser_id, id);
-- What the tick looks for: contests to start and to finish.
CREATE INDEX contests_due ON contests (status, starts_at, ends_at) WHERE status IN ('scheduled', 'running');

-- The offers a contest counts (none: every offer; the points metric takes none).
CREATE TABLE contest_offers (
    contest_id BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    offer_id   BIGINT NOT NULL REFERENCES offers (id),
    PRIMARY KEY (contest_id, offer_id)
);

-- Prizes by rank: a text, and optionally an amount in a currency.
CREATE TABLE contest_prizes (
    contest_id BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    rank       INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 100),
    prize      TEXT NOT NULL CHECK (length(prize) BETWEEN 1 AND 200),
    amount     NUMERIC(20, 4) CHECK (amount >= 0),
    currency   TEXT CHECK (currency ~ '^[A-Z]{3}$'),
    CHECK ((amount IS NULL) = (currency IS NULL)),
    PRIMARY KEY (contest_id, rank)
);

-- Who entered: a promoter (individual contests) or a team (team contests, entered by its
-- owner). Once each.
CREATE TABLE contest_entries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id  BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    promoter_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    team_id     BIGINT REFERENCES teams (id),
    entered_by  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    entered_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    CHECK ((promoter_id IS NULL) <> (team_id IS NULL))
);

CREATE UNIQUE INDEX contest_entries_promoter ON contest_entries (contest_id, promoter_id)
    WHERE promoter_id IS NOT NULL;
CREATE UNIQUE INDEX contest_entries_team ON contest_entries (contest_id, team_id)
    WHERE team_id IS NOT NULL;
CREATE INDEX contest_entries_by_promoter ON contest_entries (promoter_id) WHERE promoter_id IS NOT NULL;
CREATE INDEX contest_entries_by_team ON contest_entries (team_id) WHERE team_id IS NOT NULL;

-- The frozen standings of a finished contest, written once in the transaction that finishes
-- it (with the prize of each rank as it was then).
CREATE TABLE contest_results (
    contest_id     BIGINT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    rank           INTEGER NOT NULL CHECK (rank >= 1),
    entry_id       BIGINT NOT NULL,
    promoter_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id        BIGINT REFERENCES teams (id),
    score          NUMERIC(24, 4) NOT NULL,
    -- The entrant's last counted contribution (ties go to whoever reached the score first);
    -- NULL for no contribution.
    reached_at     TIMESTAMPTZ,
    entered_at     TIMESTAMPTZ NOT NULL,
    prize          TEXT,
    prize_amount   NUMERIC(20, 4),
    prize_currency TEXT,
    PRIMARY KEY (contest_id, rank)
);

-- The metrics read contributions by promoter and time.
CREATE INDEX click_uniques_promoter_ts ON click_uniques (promoter_id, click_ts);
CREATE INDEX points_ledger_promoter_time ON points_ledger (promoter_id, created_at);

ALTER TABLE domain_events DROP CONSTRAINT domain_events_kind_check;
ALTER TABLE domain_events ADD CONSTRAINT domain_events_kind_check CHECK (kind IN (
    'click.stored', 'conversion.decided', 'conversion.reversed',
    'offer.status_changed', 'promoter.joined',
    'api_key.created', 'api_key.rotated', 'api_key.revoked',
    'postback_key.created', 'postback_key.revoked',
    'webhook_endpoint.disabled', 'points.level_reached', 'contest.finished'));
