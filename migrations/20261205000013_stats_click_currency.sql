-- Clicks counted by the currency of the offer they were on, so EPC per currency divides a
-- currency's payout by the clicks on offers paying in it (not by every click of the row).
-- `currency` is the offer's currency when the click was counted ('' for rows whose offer
-- is gone); it joins the keys of the click rollups, by dimension and per scope.

ALTER TABLE stats_clicks ADD COLUMN currency TEXT NOT NULL DEFAULT '';

-- Existing rows: their offer's currency.
UPDATE stats_clicks s SET currency = o.currency::text FROM offers o WHERE o.id = s.offer_id;

ALTER TABLE stats_clicks ALTER COLUMN currency DROP DEFAULT;
ALTER TABLE stats_clicks DROP CONSTRAINT stats_clicks_pkey;
ALTER TABLE stats_clicks ADD PRIMARY KEY (bucket, offer_id, promoter_id, country, sub1, currency);

-- The per-scope click rollups are sums of stats_clicks (which already holds what their
-- unfolded deltas hold): made again with the currency, from it.
DROP TABLE stats_scope_clicks, stats_scope_clicks_hourly, stats_scope_clicks_delta;

CREATE TABLE stats_scope_clicks (
    bucket          TIMESTAMPTZ NOT NULL,
    scope           TEXT NOT NULL CHECK (scope IN ('t', 'a', 'p')),
    scope_id        BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    clicks          BIGINT NOT NULL DEFAULT 0,
    unique_clicks   BIGINT NOT NULL DEFAULT 0,
    filtered_clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, scope_id, bucket, currency) INCLUDE (clicks, unique_clicks, filtered_clicks)
);

CREATE TABLE stats_scope_clicks_hourly (LIKE stats_scope_clicks INCLUDING ALL);

CREATE TABLE stats_scope_clicks_delta (
    bucket          TIMESTAMPTZ NOT NULL,
    scope           TEXT NOT NULL,
    scope_id        BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    clicks          BIGINT NOT NULL,
    unique_clicks   BIGINT NOT NULL,
    filtered_clicks BIGINT NOT NULL
);

INSERT INTO stats_scope_clicks (bucket, scope, scope_id, currency, clicks, unique_clicks, filtered_clicks)
SELECT bucket, s.scope, s.scope_id, currency, sum(clicks), sum(unique_clicks), sum(filtered_clicks)
FROM stats_clicks,
     LATERAL (VALUES ('t', 0::bigint), ('a', advertiser_id), ('p', promoter_id)) AS s(scope, scope_id)
GROUP BY 1, 2, 3, 4;

INSERT INTO stats_scope_clicks_hourly (bucket, scope, scope_id, currency, clicks, unique_clicks, filtered_clicks)
SELECT date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), scope, scope_id, currency,
       sum(clicks), sum(unique_clicks), sum(filtered_clicks)
FROM stats_scope_clicks
GROUP BY 1, 2, 3, 4;
