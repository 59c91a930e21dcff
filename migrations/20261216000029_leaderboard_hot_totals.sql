-- Every round of the points consumer moves three totals of each promoter it pays (all time,
-- this month, this week). With `points` in an index, each of those updates wrote a new heap
-- tuple and a new entry in both indexes; without it, and with room left in each page, the
-- update is HOT: the new version goes in the same page and no index is touched. The index
-- only served the boards' Postgres fallback (Redis away): it now ranks a board by a top-N
-- sort, slower for a big board (README "Leaderboards"). `fillfactor` applies to pages
-- written from now on.
DROP INDEX leaderboard_totals_rank;
ALTER TABLE leaderboard_totals SET (fillfactor = 70);

-- A change is noted once per subject (the syncer reads its totals of every current period),
-- not once per period: a third of the rows to write and take.
ALTER TABLE leaderboard_changes DROP COLUMN period;

-- The click points each promoter earned on each UTC day (the daily cap), moved with the
-- entries in their transaction: the cap is one row read, where it was the sum of the day's
-- entries, which grew with every round of the consumer (one entry a round for a promoter
-- with new clicks: tens of thousands by the end of a busy day).
CREATE TABLE points_click_days (
    promoter_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day         DATE   NOT NULL,
    points      BIGINT NOT NULL,
    PRIMARY KEY (promoter_id, day)
) WITH (fillfactor = 70);

INSERT INTO points_click_days (promoter_id, day, points)
SELECT promoter_id, day, sum(points) FROM points_ledger
WHERE cause = 'unique_clicks' GROUP BY promoter_id, day;

DROP INDEX points_ledger_click_days;
