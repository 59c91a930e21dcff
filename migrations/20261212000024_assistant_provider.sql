-- The assistant's bring-your-own-key chat (DESIGN §14): one OpenAI-compatible provider per
-- user. The API key is sealed with AES-256-GCM under the key-encryption key, the user id as
-- associated data (a sealed key moved to another user's row does not open); only its last
-- four characters are kept in the clear, to show which key is stored.
CREATE TABLE assistant_providers (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- Checked against the SSRF guard when stored, and again at every connection.
    base_url   TEXT NOT NULL CHECK (length(base_url) BETWEEN 1 AND 2048),
    model      TEXT NOT NULL CHECK (char_length(model) BETWEEN 1 AND 200),
    key_nonce  BYTEA NOT NULL CHECK (length(key_nonce) = 12),
    key_sealed BYTEA NOT NULL,
    key_last4  TEXT NOT NULL CHECK (char_length(key_last4) <= 4),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
