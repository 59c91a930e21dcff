-- What click scoring holds in memory, and a counter that says when to load it again: ingest
-- reads the counter with each batch (in the statement that counts its clicks) and reloads the
-- imported ranges and the suspended promoters only when it moved. Every import and every
-- suspension or reinstatement moves it in its own transaction, under this row's lock, so the
-- counter grows in commit order (an id from a sequence would not: two suspensions may commit
-- in the other order, and a reader would keep the set that misses the first).
CREATE TABLE fraud_state (
    one     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    version BIGINT  NOT NULL DEFAULT 0
);
INSERT INTO fraud_state DEFAULT VALUES;

-- The suspended promoters, read whole when the counter moves.
CREATE INDEX users_suspended ON users (id) WHERE suspended_at IS NOT NULL;
