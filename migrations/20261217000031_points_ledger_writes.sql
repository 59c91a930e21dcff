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

-- The subjects a round of points moves on the boards, with their points: each promoter paid
-- ($1, $2), and each team its promoters were members of at the entries' time ($3)
-- (`programme::leaderboards::totals::add`, which moves the totals that exist and then makes
-- the missing ones, both from these).
CREATE FUNCTION leaderboard_subjects(bigint[], bigint[], timestamptz)
RETURNS TABLE (board text, subject_id bigint, points bigint)
LANGUAGE sql STABLE AS $$
    WITH e AS (
        SELECT w.promoter_id, w.points, m.team_id
        FROM unnest($1, $2) AS w(promoter_id, points)
        LEFT JOIN team_memberships m ON m.promoter_id = w.promoter_id
             AND m.joined_at <= $3 AND (m.left_at IS NULL OR $3 < m.left_at)
    )
    SELECT 'promoters', promoter_id, points FROM e
    UNION ALL
    SELECT 'teams', team_id, sum(points)::bigint FROM e
    WHERE team_id IS NOT NULL GROUP BY team_id
$$;
