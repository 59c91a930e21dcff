-- Link signing keys (DESIGN §3). The 32-byte secret is stored encrypted (AES-256-GCM with
-- the key-encryption key from the configuration), never in clear. One key is active: new
-- links are signed with it. Revoked keys are refused by the edges; their rows stay so the
-- kid is never reused.

CREATE TABLE signing_keys (
    kid          BIGINT PRIMARY KEY CHECK (kid BETWEEN 1 AND 127),
    nonce        BYTEA NOT NULL,
    ciphertext   BYTEA NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT false,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    activated_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    CHECK (NOT (active AND revoked_at IS NOT NULL))
);

CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active;
