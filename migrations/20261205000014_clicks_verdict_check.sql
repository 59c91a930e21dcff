-- A click's verdict is one of the edge's verdicts (afftok_shared::Verdict::as_str; a unit test
-- in control-plane/src/tracking/db.rs checks that each is listed here), checked like every
-- other stored wire value, so the control plane reads it straight into the enum.
--
-- clicks is partitioned and may be large. The constraint is added NOT VALID (to the table and
-- every partition, later ones included, without reading a row: rows written from here on are
-- checked), then validated, which reads each partition once under a lock that lets ingest
-- write on. A migration runs in one transaction, though, so the exclusive lock the first
-- statement takes is held until the validation ends: the split spares a large table a long
-- lock only where the two statements are run apart.
ALTER TABLE clicks ADD CONSTRAINT clicks_verdict_known
    CHECK (verdict IN ('ok', 'bot', 'offer_paused', 'geo_blocked', 'expired')) NOT VALID;

ALTER TABLE clicks VALIDATE CONSTRAINT clicks_verdict_known;
