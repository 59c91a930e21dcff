-- A promoter's tracking link for an offer: created when the promoter joins the offer, signed
-- with the key active at that moment (the token stays valid until that kid is revoked).

CREATE TABLE links (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promoter_id BIGINT NOT NULL REFERENCES users (id),
    offer_id    BIGINT NOT NULL REFERENCES offers (id),
    kid         BIGINT NOT NULL REFERENCES signing_keys (kid),
    token       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (promoter_id, offer_id)
);
