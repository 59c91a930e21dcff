-- The points ledger, cheaper to write (every round of the points consumer writes an entry per
-- promoter paid; README "Performance"):
--
-- The promoter of an entry is checked by its only writer, `programme::db::apply`, which
-- writes entries of existing promoters only, not by a foreign key: the key's check ran a
-- query per entry and locked the promoter's `users` row (a WAL record each), about a third
-- of the insert's cost. What the key also did, deleting a promoter's entries with the
-- promoter, a trigger does (nothing in AffTok deletes users; an operator's delete stays
-- whole).
ALTER TABLE points_ledger DROP CONSTRAINT points_ledger_promoter_id_fkey;

CREATE FUNCTION points_ledger_forget_promoter() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM points_ledger WHERE promoter_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER users_points_ledger AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION points_ledger_forget_promoter();

-- One index of a promoter's entries where there were two, (promoter_id, id) and
-- (promoter_id, created_at): the ledger's pages go by (created_at, id), the contests and
-- teams sum a promoter's entries over a span of time.
CREATE INDEX points_ledger_promoter_at ON points_ledger (promoter_id, created_at, id);
DROP INDEX points_ledger_promoter;
DROP INDEX points_ledger_promoter_time;
