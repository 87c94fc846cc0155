-- 姓名检索字表 (issue 7): every single character and every adjacent pair of characters of a
-- volunteer's name → the volunteer, with their registration time and org, so a search by name
-- fragment reads only the volunteers whose names hold it, newest first straight from the key,
-- instead of every row (`name LIKE '%…%'`). 1–2-character fragments are one gram; longer ones
-- are looked up by their rarest pair and checked exactly. Kept in the same transaction as
-- every write that sets a name or org (crates/store/src/sql/name_grams.rs); the backfill below
-- is that module's `FILL` statement. 1 M volunteers: ≈ 4.3 M rows.
CREATE TABLE volunteer_name_grams (
    gram         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    volunteer_id TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    PRIMARY KEY (gram, created_at DESC, volunteer_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO volunteer_name_grams (gram, created_at, volunteer_id, org_id)
WITH RECURSIVE at(volunteer_id, name, created_at, org_id, i) AS (
    SELECT id, name, created_at, org_id, 1 FROM volunteers
    UNION ALL
    SELECT volunteer_id, name, created_at, org_id, i + 1 FROM at WHERE i < length(name)
)
SELECT substr(name, i, 1), created_at, volunteer_id, org_id FROM at
UNION ALL
SELECT substr(name, i, 2), created_at, volunteer_id, org_id FROM at WHERE i < length(name)
ORDER BY 1, 2 DESC, 3;
