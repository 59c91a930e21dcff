-- Per-tenant rollups: a promoter's, an advertiser's or the whole platform's numbers, one row
-- per time bucket (and currency pair) whatever the number of offers, promoters, countries and
-- sub-IDs behind them. A stats request without a split or a filter (the dashboard's
-- question: "my numbers per day") reads these, so it costs the same for a tenant with ten
-- clicks a day as for one with a million. Requests that split or filter by offer, promoter,
-- country or sub1 read stats_clicks / stats_conversions as before.
--
-- scope: 't' the whole platform (scope_id 0), 'a' an advertiser, 'p' a promoter.
--
-- Two bucket sizes: 15 minutes (every time zone's periods are sums of them) and one hour
-- (a quarter of the rows, enough whenever the periods asked for start on whole UTC hours,
-- which is every day, week and month in most time zones).
--
-- Every batch of events touches the same few scope rows (the platform's, a big
-- advertiser's), so updating them in place would make concurrent batches queue on their row
-- locks. Instead each batch appends its sums to a *_delta table (15-minute buckets; no
-- index, no conflicts, no locks); a job of the service folds the deltas into both tables
-- every second or so, in one statement that deletes and adds them atomically. Readers add
-- up a table and the deltas, so the numbers are exact at every moment.
--
-- The keys lead with the scope and carry the counts (INCLUDE), so a read is an index-only
-- scan of one tenant's stretch of the index.

CREATE TABLE stats_scope_clicks (
    bucket          TIMESTAMPTZ NOT NULL,
    scope           TEXT NOT NULL CHECK (scope IN ('t', 'a', 'p')),
    scope_id        BIGINT NOT NULL,
    clicks          BIGINT NOT NULL DEFAULT 0,
    unique_clicks   BIGINT NOT NULL DEFAULT 0,
    filtered_clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, scope_id, bucket) INCLUDE (clicks, unique_clicks, filtered_clicks)
);

CREATE TABLE stats_scope_clicks_hourly (LIKE stats_scope_clicks INCLUDING ALL);

CREATE TABLE stats_scope_clicks_delta (
    bucket          TIMESTAMPTZ NOT NULL,
    scope           TEXT NOT NULL,
    scope_id        BIGINT NOT NULL,
    clicks          BIGINT NOT NULL,
    unique_clicks   BIGINT NOT NULL,
    filtered_clicks BIGINT NOT NULL
);

CREATE TABLE stats_scope_conversions (
    bucket           TIMESTAMPTZ NOT NULL,
    scope            TEXT NOT NULL CHECK (scope IN ('t', 'a', 'p')),
    scope_id         BIGINT NOT NULL,
    payout_currency  TEXT NOT NULL,
    revenue_currency TEXT NOT NULL,
    conversions      BIGINT NOT NULL DEFAULT 0,
    payout           NUMERIC NOT NULL DEFAULT 0,
    revenue          NUMERIC NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, scope_id, bucket, payout_currency, revenue_currency)
        INCLUDE (conversions, payout, revenue)
);

CREATE TABLE stats_scope_conversions_hourly (LIKE stats_scope_conversions INCLUDING ALL);

CREATE TABLE stats_scope_conversions_delta (
    bucket           TIMESTAMPTZ NOT NULL,
    scope            TEXT NOT NULL,
    scope_id         BIGINT NOT NULL,
    payout_currency  TEXT NOT NULL,
    revenue_currency TEXT NOT NULL,
    conversions      BIGINT NOT NULL,
    payout           NUMERIC NOT NULL,
    revenue          NUMERIC NOT NULL
);

-- Filled from the existing rollups, so stats read the same before and after.
INSERT INTO stats_scope_clicks (bucket, scope, scope_id, clicks, unique_clicks, filtered_clicks)
SELECT bucket, s.scope, s.scope_id, sum(clicks), sum(unique_clicks), sum(filtered_clicks)
FROM stats_clicks,
     LATERAL (VALUES ('t', 0::bigint), ('a', advertiser_id), ('p', promoter_id)) AS s(scope, scope_id)
GROUP BY 1, 2, 3;

INSERT INTO stats_scope_clicks_hourly (bucket, scope, scope_id, clicks, unique_clicks, filtered_clicks)
SELECT date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), scope, scope_id, sum(clicks), sum(unique_clicks), sum(filtered_clicks)
FROM stats_scope_clicks
GROUP BY 1, 2, 3;

INSERT INTO stats_scope_conversions (bucket, scope, scope_id, payout_currency, revenue_currency,
                                     conversions, payout, revenue)
SELECT bucket, s.scope, s.scope_id, payout_currency, revenue_currency,
       sum(conversions), sum(payout), sum(revenue)
FROM stats_conversions,
     LATERAL (VALUES ('t', 0::bigint), ('a', advertiser_id), ('p', promoter_id)) AS s(scope, scope_id)
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO stats_scope_conversions_hourly (bucket, scope, scope_id, payout_currency, revenue_currency,
                                            conversions, payout, revenue)
SELECT date_bin('1 hour', bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00'), scope, scope_id, payout_currency, revenue_currency,
       sum(conversions), sum(payout), sum(revenue)
FROM stats_scope_conversions
GROUP BY 1, 2, 3, 4, 5;
