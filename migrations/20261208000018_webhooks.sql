-- Webhooks and promoter postbacks (DESIGN §12): the endpoints, one message per (event,
-- endpoint), and each message's attempts (the delivery log).

-- An endpoint is a webhook (a URL that gets signed JSON POSTs of the event types it
-- subscribes to) or a promoter postback (a URL template fired with GET when a conversion of
-- the promoter's is approved, and optionally reversed). Its owner is an advertiser (the
-- company), a promoter, or the platform (admins: both NULL).
CREATE TABLE webhook_endpoints (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('webhook', 'postback')),
    advertiser_id         BIGINT REFERENCES advertisers (id) ON DELETE CASCADE,
    promoter_id           BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_by            BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- A webhook's URL, or a postback's URL template (macros filled per conversion).
    url                   TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    description           TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    -- A webhook's event types; empty: every type its owner may see.
    event_types           TEXT[] NOT NULL DEFAULT '{}',
    -- A postback's offer; NULL: every offer of the promoter without one of its own.
    offer_id              BIGINT REFERENCES offers (id) ON DELETE CASCADE,
    -- A postback also fires when a conversion is reversed.
    on_reversal           BOOLEAN NOT NULL DEFAULT false,
    -- A webhook's signing secret (32 bytes), sealed with the key-encryption key; during a
    -- rotation the previous one signs too until previous_secret_until.
    secret_nonce          BYTEA,
    secret_sealed         BYTEA,
    previous_secret_nonce BYTEA,
    previous_secret_sealed BYTEA,
    previous_secret_until TIMESTAMPTZ,
    enabled               BOOLEAN NOT NULL DEFAULT true,
    -- Why it was disabled: 'owner', 'gone' (the receiver answered 410) or 'failing'.
    disabled_reason       TEXT CHECK (disabled_reason IN ('owner', 'gone', 'failing')),
    disabled_at           TIMESTAMPTZ,
    -- The first failed attempt since the last delivered one (NULL while delivering).
    failing_since         TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (advertiser_id IS NULL OR promoter_id IS NULL),
    CHECK (kind = 'webhook' OR (promoter_id IS NOT NULL AND secret_sealed IS NULL)),
    CHECK (kind = 'postback' OR (secret_sealed IS NOT NULL AND offer_id IS NULL))
);

CREATE INDEX webhook_endpoints_advertiser ON webhook_endpoints (advertiser_id, id);
CREATE INDEX webhook_endpoints_promoter ON webhook_endpoints (promoter_id, id);
-- One postback per offer per promoter, and one for all its offers.
CREATE UNIQUE INDEX webhook_endpoints_postback_offer ON webhook_endpoints (promoter_id, offer_id)
    NULLS NOT DISTINCT WHERE kind = 'postback';

-- One message per (event, endpoint): its id is the `webhook-id` of every attempt. Created by
-- the webhooks consumer of the domain events in the transaction that moves its position
-- (source_event makes that idempotent), or by a test send.
CREATE TABLE webhook_messages (
    id              UUID PRIMARY KEY,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The domain event it was made from (NULL for a test send).
    source_event    BIGINT,
    event_type      TEXT NOT NULL,
    -- A webhook's JSON body, or a postback's URL with its macros filled.
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts started (a claim counts one; an attempt cut short by a crash is redone).
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Whether a failed attempt is retried on the schedule (a manual redelivery is one try).
    retry           BOOLEAN NOT NULL DEFAULT true,
    -- A pending message is due at this time; a claimed one, when its claim lapses (the
    -- claim moves it past the attempt's timeout, so a crashed sender's message comes back).
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_attempt_at TIMESTAMPTZ,
    last_status     INTEGER,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, source_event)
);

-- Each endpoint's due messages, oldest first (the sender takes a few of every endpoint's).
CREATE INDEX webhook_messages_due ON webhook_messages (endpoint_id, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, created_at DESC, id DESC);

-- The delivery log: every finished attempt, with the first 1 KiB of the answer.
CREATE TABLE webhook_attempts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  UUID NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    -- The answer's status (NULL: no answer: refused by the guard, timeout, connection error).
    status_code INTEGER,
    latency_ms  INTEGER NOT NULL,
    response    TEXT NOT NULL DEFAULT '',
    error       TEXT
);

CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, attempt);

-- An endpoint disabled by its failures or a 410 is a domain event (its owner is told).
ALTER TABLE domain_events DROP CONSTRAINT domain_events_kind_check;
ALTER TABLE domain_events ADD CONSTRAINT domain_events_kind_check CHECK (kind IN (
    'click.stored', 'conversion.decided', 'conversion.reversed',
    'offer.status_changed', 'promoter.joined',
    'api_key.created', 'api_key.rotated', 'api_key.revoked',
    'postback_key.created', 'postback_key.revoked',
    'webhook_endpoint.disabled'));
