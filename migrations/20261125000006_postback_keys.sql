-- Postback keys: advertisers give their servers a URL with one of these keys; the edge finds
-- the key by its SHA-256 (DESIGN §5 `pbk:{sha256}`), so only the hash is stored. A key may be
-- limited to networks (CIDR); revoked keys stop working once the edges see it.

CREATE TABLE postback_keys (
    id            UUID PRIMARY KEY,
    advertiser_id BIGINT NOT NULL REFERENCES advertisers (id),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- First characters of the key, to recognise it in lists.
    prefix        TEXT NOT NULL,
    key_hash      BYTEA NOT NULL UNIQUE,
    ip_allow      TEXT[] NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ
);

CREATE INDEX postback_keys_advertiser ON postback_keys (advertiser_id);
