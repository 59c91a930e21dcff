-- Rollups kept up to date as events land, so stats never scan raw clicks. Buckets are 15
-- minutes (UTC): every real time zone offset is a multiple of 15 minutes, so hours, days,
-- weeks and months in any zone are exact sums of buckets. Empty country / sub1 is ''.

CREATE TABLE stats_clicks (
    bucket          TIMESTAMPTZ NOT NULL,
    offer_id        BIGINT NOT NULL,
    promoter_id     BIGINT NOT NULL,
    advertiser_id   BIGINT NOT NULL,
    country         TEXT NOT NULL,
    sub1            TEXT NOT NULL,
    -- verdict ok
    clicks          BIGINT NOT NULL DEFAULT 0,
    unique_clicks   BIGINT NOT NULL DEFAULT 0,
    -- bot, offer_paused, geo_blocked: kept apart
    filtered_clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, offer_id, promoter_id, country, sub1)
);

CREATE INDEX stats_clicks_promoter ON stats_clicks (promoter_id, bucket);
CREATE INDEX stats_clicks_advertiser ON stats_clicks (advertiser_id, bucket);

-- Approved conversions by the conversion's ts; payout in the payout currency, revenue (the
-- conversion amounts) in their own currency.
CREATE TABLE stats_conversions (
    bucket           TIMESTAMPTZ NOT NULL,
    offer_id         BIGINT NOT NULL,
    promoter_id      BIGINT NOT NULL,
    advertiser_id    BIGINT NOT NULL,
    country          TEXT NOT NULL,
    sub1             TEXT NOT NULL,
    payout_currency  TEXT NOT NULL,
    revenue_currency TEXT NOT NULL,
    conversions      BIGINT NOT NULL DEFAULT 0,
    -- Sums of NUMERIC(19, 4) values: unbounded, so no sum can overflow.
    payout           NUMERIC NOT NULL DEFAULT 0,
    revenue          NUMERIC NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, offer_id, promoter_id, country, sub1, payout_currency, revenue_currency)
);

CREATE INDEX stats_conversions_promoter ON stats_conversions (promoter_id, bucket);
CREATE INDEX stats_conversions_advertiser ON stats_conversions (advertiser_id, bucket);
