-- Idempotency-Key for any POST route (control-plane/src/http/idempotency.rs), no longer only
-- for POST /v1/conversions: a key belongs to a scope (the caller: 'advertiser:<id>' for an
-- advertiser's users and API keys, 'user:<id>' for anyone else) and a route (method and
-- path), so the same key from another caller or on another route is another key.
--
-- The keys stored so far were advertisers' keys of POST /v1/conversions; their request
-- hashes (SHA-256 of the query and the body) are unchanged, so their retries still replay.

ALTER TABLE idempotency_keys ADD COLUMN scope TEXT, ADD COLUMN route TEXT;

UPDATE idempotency_keys
SET scope = 'advertiser:' || advertiser_id, route = 'POST /v1/conversions';

ALTER TABLE idempotency_keys
    ALTER COLUMN scope SET NOT NULL,
    ALTER COLUMN route SET NOT NULL,
    DROP CONSTRAINT idempotency_keys_pkey,
    DROP COLUMN advertiser_id,
    ADD PRIMARY KEY (scope, route, key),
    -- Only successful answers are stored (a failed request may be retried with its key).
    ADD CONSTRAINT idempotency_keys_status_2xx CHECK (status BETWEEN 200 AND 299);

-- The hourly expiry deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
