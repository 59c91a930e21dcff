-- The Web SDK's publishable postback keys and the sandbox (DESIGN §16).
--
-- Postback keys get a kind (secret: servers; publishable `pk_…`: web pages, from their allowed
-- origins only) and a mode (live, or test: sandbox conversions). API keys get a mode too
-- (`afk_test_…`: what they create and report is test traffic). Signing keys get a mode: links
-- signed with a test kid are test links, and their clicks are test clicks. Test clicks and
-- conversions are stored and listed with `test`, and counted nowhere live (no rollups, no
-- uniques, no fraud windows, no domain events: no live counters, points, contests or webhooks).

ALTER TABLE postback_keys
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'secret' CHECK (kind IN ('secret', 'publishable')),
    ADD COLUMN origins TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test')),
    ADD CHECK (kind = 'publishable' OR cardinality(origins) = 0);

ALTER TABLE api_keys
    ADD COLUMN mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'));

-- A test key never signs live links: `active` stays the live signing key.
ALTER TABLE signing_keys
    ADD COLUMN mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test')),
    ADD CHECK (mode = 'live' OR NOT active);

ALTER TABLE clicks ADD COLUMN test BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE conversions
    ADD COLUMN test BOOLEAN NOT NULL DEFAULT false,
    DROP CONSTRAINT conversions_source_check,
    ADD CONSTRAINT conversions_source_check CHECK (source IN ('postback', 'api', 'browser'));

-- Conversions posted from web pages (the Web SDK) are held for the advertiser's review.
ALTER TABLE offers ADD COLUMN review_browser BOOLEAN NOT NULL DEFAULT false;
