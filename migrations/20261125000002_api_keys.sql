-- API keys for servers. The key is shown once at creation (`afk_live_<public>_<secret>`);
-- we keep its public part (to find it and to show in lists) and a SHA-256 of the whole key
-- (keys are 256-bit random, so a fast hash is safe). Rotation creates a successor and gives
-- the old key an expiry (its grace period); revocation stops a key at once.

CREATE TABLE api_keys (
    id           UUID PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- `afk_live_<public>`: unique, not secret.
    prefix       TEXT NOT NULL UNIQUE,
    key_hash     BYTEA NOT NULL,
    scopes       TEXT[] NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    replaced_by  UUID REFERENCES api_keys (id)
);

CREATE INDEX api_keys_user ON api_keys (user_id);
