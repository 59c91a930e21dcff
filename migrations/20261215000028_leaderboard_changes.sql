-- What the leaderboard syncer has still to copy to Redis: a row per change of a total,
-- written in the transaction that changes it, taken (deleted) by the syncer in the
-- transaction that copies the totals as they are then. It replaces a dirty flag and a
-- version on the totals, whose clearing was a second update of every changed total, with
-- its index entries, and which waited for the row locks of the consumer's next round.
CREATE TABLE leaderboard_changes (
    board      TEXT   NOT NULL,
    period     TEXT   NOT NULL,
    subject_id BIGINT NOT NULL
);

INSERT INTO leaderboard_changes (board, period, subject_id)
SELECT board, period, subject_id FROM leaderboard_totals WHERE dirty;

DROP INDEX leaderboard_totals_dirty;
ALTER TABLE leaderboard_totals DROP COLUMN dirty, DROP COLUMN version;
DROP SEQUENCE leaderboard_versions;
