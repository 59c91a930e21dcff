-- The flood counts found by a hash index of the IP's key instead of a B-tree on (key, minute):
-- a count's rows are read by key alone, from one bucket page where the B-tree descended its
-- levels comparing keys on the way, and their minutes are filtered in the rows (an IP has a
-- few rows at most). In a replay of a batch's count (90 IPs, a table of 90,000 rows), the
-- count's insert went from 0.24 to 0.16 ms and its read from 0.15 to 0.12 ms.
DROP INDEX flood_counts_key;
CREATE INDEX flood_counts_key ON flood_counts USING hash (ip_key);
