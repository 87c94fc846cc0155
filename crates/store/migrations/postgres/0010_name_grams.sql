-- 姓名检索字表 (issue 7): every single character and every adjacent pair of characters of a
-- volunteer's name → the volunteer, with their registration time and org, so a search by name
-- fragment reads only the volunteers whose names hold it, newest first straight from the
-- index, instead of every row (`name LIKE '%…%'`). 1–2-character fragments are one gram;
-- longer ones are looked up by their rarest pair and checked exactly. Kept in the same
-- transaction as every write that sets a name or org (crates/store/src/sql/name_grams.rs); the
-- backfill below is that module's `FILL` statement, run before the key exists so the key is
-- built once over sorted rows. 1 M volunteers: ≈ 4.3 M rows.
CREATE TABLE volunteer_name_grams (
    gram         TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL,
    volunteer_id TEXT NOT NULL,
    org_id       TEXT NOT NULL
);

INSERT INTO volunteer_name_grams (gram, created_at, volunteer_id, org_id)
SELECT DISTINCT substr(v.name, i, w.n), v.created_at, v.id, v.org_id
FROM volunteers v
CROSS JOIN generate_series(1, length(v.name)) AS i
CROSS JOIN (VALUES (1), (2)) AS w(n)
WHERE i + w.n - 1 <= length(v.name)
ORDER BY 1, 2 DESC, 3
ON CONFLICT DO NOTHING;

-- The search's order (newest first, then id) within a gram; one row per gram and volunteer.
CREATE UNIQUE INDEX volunteer_name_grams_key
    ON volunteer_name_grams (gram, created_at DESC, volunteer_id) INCLUDE (org_id);
ANALYZE volunteer_name_grams;
