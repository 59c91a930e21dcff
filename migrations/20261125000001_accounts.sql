-- Accounts. Every person who signs in is a user with one role. Advertiser users belong to an
-- advertiser (their company); offers, postback keys and stats are the advertiser's, so
-- several people of one company share them. A promoter's user id is the promoter_id that
-- tracking links carry (DESIGN §3), so ids are plain integers.

CREATE TABLE advertisers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored as given; uniqueness is case-insensitive (index below).
    email         TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    -- argon2id PHC string; never leaves the database.
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('promoter', 'advertiser', 'admin')),
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    advertiser_id BIGINT REFERENCES advertisers (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Exactly the advertiser users have a company.
    CHECK ((role = 'advertiser') = (advertiser_id IS NOT NULL))
);

CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

-- Refresh tokens rotate: each use marks the token used and issues the next one in the same
-- family. Presenting a used (or revoked) token again means it leaked, so the whole family
-- is revoked. Only a hash of the token is stored.
CREATE TABLE refresh_tokens (
    id         UUID PRIMARY KEY,
    family_id  UUID NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    used_at    TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
