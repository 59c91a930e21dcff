-- Offers and their approval workflow:
--   draft -> pending_review -> approved | rejected;  approved <-> paused;  any -> archived;
--   rejected -> pending_review (resubmitted);  pending_review -> draft (withdrawn).
-- Editing what was reviewed (destination, payout, currency, window, geo) of an approved or
-- paused offer sends it back to pending_review. Only approved offers are pushed to the edge
-- as active (paused ones as paused). Money is
-- NUMERIC, never float: payout_amount for CPA/CPL, payout_percent for CPS/RevShare.

CREATE TABLE offers (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advertiser_id             BIGINT NOT NULL REFERENCES advertisers (id),
    name                      TEXT NOT NULL,
    description               TEXT NOT NULL DEFAULT '',
    category                  TEXT NOT NULL,
    url_template              TEXT NOT NULL,
    fallback_url              TEXT,
    preview_url               TEXT,
    payout_model              TEXT NOT NULL CHECK (payout_model IN ('cpa', 'cpl', 'cps', 'revshare')),
    payout_amount             NUMERIC(18, 4),
    payout_percent            NUMERIC(7, 4),
    currency                  CHAR(3) NOT NULL,
    attribution_window_hours  INTEGER NOT NULL CHECK (attribution_window_hours BETWEEN 1 AND 8760),
    daily_cap                 INTEGER CHECK (daily_cap > 0),
    total_cap                 INTEGER CHECK (total_cap > 0),
    geo_allow                 TEXT[] NOT NULL DEFAULT '{}',
    geo_deny                  TEXT[] NOT NULL DEFAULT '{}',
    hold_conversions          BOOLEAN NOT NULL DEFAULT false,
    status                    TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'pending_review', 'approved', 'rejected', 'paused', 'archived')),
    rejection_reason          TEXT,
    -- Who paused it: an advertiser cannot resume an offer an admin paused.
    paused_by                 TEXT CHECK (paused_by IN ('advertiser', 'admin')),
    created_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Fixed-amount models carry an amount, share models a percentage.
    CHECK (CASE WHEN payout_model IN ('cpa', 'cpl')
                THEN payout_amount IS NOT NULL AND payout_percent IS NULL
                ELSE payout_percent IS NOT NULL AND payout_amount IS NULL END)
);

CREATE INDEX offers_advertiser ON offers (advertiser_id, id);
CREATE INDEX offers_status ON offers (status, id);

-- Every transition and edit, with who made it and when.
CREATE TABLE offer_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    offer_id    BIGINT NOT NULL REFERENCES offers (id),
    actor_id    BIGINT REFERENCES users (id),
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    detail      TEXT,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX offer_events_offer ON offer_events (offer_id, id);
