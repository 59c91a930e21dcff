-- The promoter programme (DESIGN §13): teams. A promoter is in one team at a time; a team's
-- points are what its members earned while members (from the memberships' times).

CREATE TABLE teams (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 2 AND 60),
    owner_id     BIGINT NOT NULL REFERENCES users (id),
    -- Joining takes it; the owner may replace it (the old one stops working).
    invite_code  TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    disbanded_at TIMESTAMPTZ
);

-- Names are unique among live teams, whatever their case.
CREATE UNIQUE INDEX teams_name ON teams (lower(name)) WHERE disbanded_at IS NULL;

CREATE TABLE team_memberships (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id     BIGINT NOT NULL REFERENCES teams (id),
    promoter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    left_at     TIMESTAMPTZ,
    -- left (by themselves), removed (by the owner), disbanded (with the team).
    left_how    TEXT CHECK (left_how IN ('left', 'removed', 'disbanded')),
    CHECK ((left_at IS NULL) = (left_how IS NULL))
);

-- One team at a time.
CREATE UNIQUE INDEX team_memberships_current ON team_memberships (promoter_id) WHERE left_at IS NULL;
CREATE INDEX team_memberships_team ON team_memberships (team_id, joined_at);
