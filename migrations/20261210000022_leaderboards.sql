-- The promoter programme (DESIGN §13): leaderboards. Each subject's points per period, kept
-- with the ledger (the same transaction) and copied to Redis sorted sets by a syncer; the
-- endpoints read Redis, and these rows when Redis is away or being rebuilt.

-- board: promoters or teams. period: 'all', 'month:YYYY-MM' or 'week:IYYY-Www' (UTC; ISO
-- weeks start on Monday), from the entries' times.
CREATE TABLE leaderboard_totals (
    board      TEXT NOT NULL CHECK (board IN ('promoters', 'teams')),
    period     TEXT NOT NULL CHECK (period ~ '^(all|month:[0-9]{4}-[0-9]{2}|week:[0-9]{4}-W[0-9]{2})$'),
    subject_id BIGINT NOT NULL,
    points     BIGINT NOT NULL,
    -- When the points last changed (to the millisecond, as Redis orders it): ties go to
    -- whoever got there first.
    reached_at TIMESTAMPTZ NOT NULL,
    -- Raised with every change; the syncer clears `dirty` only if it is still what it copied.
    version    BIGINT NOT NULL,
    dirty      BOOLEAN NOT NULL DEFAULT true,
    -- A disbanded team: taken off the boards, then deleted once Redis has forgotten it.
    gone       BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (board, period, subject_id)
);

CREATE SEQUENCE leaderboard_versions;
-- Rank order (the fallback when Redis is away).
CREATE INDEX leaderboard_totals_rank
    ON leaderboard_totals (board, period, points DESC, reached_at, subject_id) WHERE NOT gone;
-- What the syncer has to copy.
CREATE INDEX leaderboard_totals_dirty ON leaderboard_totals (version) WHERE dirty;
