-- (PostgreSQL twin of migrations/sqlite; the month of an activity is computed with to_char.)
-- Oversight (issue 5): the aggregates behind statistics and compliance, kept exact by the
-- store in the same transaction as every write that changes the rows they count
-- (store/sql/oversight_agg.rs), plus establishment templates per tree and the station
-- standard checklist (六个有).
--
-- Every aggregate row is a subtree total: a row of org X sums X and everything below it, so
-- the statistics of any node are one primary-key read, whatever the size of its subtree.

-- Counters by key: orgs, level.<l>, unit_type.<t>, teams, echelon.<e>, teams.root,
-- vol.status.<s>, and over active volunteers vol.veteran, vol.party, vol.gender.<g>,
-- vol.born.<yyyy>; act.status.<s>, act.kind.<k> (done activities), records and service_ms
-- (approved service records).
CREATE TABLE ov_counts (
    org_id  TEXT NOT NULL,
    key     TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (org_id, key)
);

-- Per calendar month in China time (YYYY-MM): activities done (by start), approved records
-- and their effective milliseconds (by the record's day).
CREATE TABLE ov_months (
    org_id      TEXT NOT NULL,
    month       TEXT NOT NULL,
    activities  BIGINT NOT NULL,
    records     BIGINT NOT NULL,
    service_ms  BIGINT NOT NULL,
    PRIMARY KEY (org_id, month)
);

-- Per service project ('' for activities without one): activities done, approved ms.
CREATE TABLE ov_projects (
    org_id      TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    activities  BIGINT NOT NULL,
    service_ms  BIGINT NOT NULL,
    PRIMARY KEY (org_id, project_id)
);
CREATE INDEX ov_projects_rank ON ov_projects(org_id, service_ms);

-- A volunteer's approved milliseconds per year (YYYY), for the 20 h rule (R-HRS-1).
CREATE TABLE ov_volunteer_years (
    volunteer_id  TEXT NOT NULL,
    year          TEXT NOT NULL,
    service_ms    BIGINT NOT NULL,
    PRIMARY KEY (volunteer_id, year)
);

-- Establishment templates (编制) of a tree, kept on its root org like the review levels:
-- kind is village, township, county or small_squad; NULL turns a kind's check off. Kinds
-- without a row use the defaults of seeds 000/001.
CREATE TABLE ov_templates (
    root_org_id  TEXT NOT NULL REFERENCES orgs(id),
    kind         TEXT NOT NULL,
    min_members  BIGINT,
    PRIMARY KEY (root_org_id, kind)
);

-- A station's standard checklist (六个有): one row per recorded item, with its evidence.
CREATE TABLE ov_station_items (
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    item         TEXT NOT NULL,
    present      BOOLEAN NOT NULL,
    evidence     TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, item)
);

-- "Did this unit hold an activity in that month?" is one index probe per unit.
CREATE INDEX ov_activities_team_done ON activities(team_id, status, starts_at);
-- Stations and villages of a subtree without reading every node of it.
CREATE INDEX ov_orgs_level ON orgs(level, path);
CREATE INDEX ov_orgs_unit_type ON orgs(unit_type, path);

-- populate: the statements below build every aggregate from the rows (for data that existed
-- before this migration; the store's rebuild runs them again after emptying the tables).
WITH RECURSIVE anc(org_id, ancestor_id) AS (
    SELECT id, id FROM orgs
    UNION ALL
    SELECT anc.org_id, o.parent_id FROM anc JOIN orgs o ON o.id = anc.ancestor_id
    WHERE o.parent_id IS NOT NULL
),
acts AS MATERIALIZED (
    SELECT org_path, status, kind, COUNT(*) AS n FROM activities GROUP BY org_path, status, kind
),
recs AS MATERIALIZED (
    SELECT org_path, COUNT(*) AS n, SUM(eff_ms) AS ms FROM service_records
    WHERE status = 'approved' GROUP BY org_path
),
own(org_id, key, n) AS (
    SELECT id, 'orgs', 1 FROM orgs
    UNION ALL SELECT id, 'level.' || level, 1 FROM orgs
    UNION ALL SELECT id, 'unit_type.' || unit_type, 1 FROM orgs WHERE unit_type IS NOT NULL
    UNION ALL SELECT org_id, 'teams', 1 FROM teams
    UNION ALL SELECT org_id, 'echelon.' || echelon, 1 FROM teams
    UNION ALL SELECT org_id, 'teams.root', 1 FROM teams WHERE parent_team_id IS NULL
    UNION ALL SELECT org_id, 'vol.status.' || status, 1 FROM volunteers
    UNION ALL SELECT org_id, 'vol.veteran', 1 FROM volunteers WHERE status = 'active' AND veteran
    UNION ALL SELECT org_id, 'vol.party', 1 FROM volunteers WHERE status = 'active' AND party_member
    UNION ALL SELECT org_id, 'vol.gender.' || gender, 1 FROM volunteers WHERE status = 'active'
    UNION ALL SELECT org_id, 'vol.born.' || substr(birth_date, 1, 4), 1 FROM volunteers
        WHERE status = 'active'
    UNION ALL SELECT o.id, 'act.status.' || a.status, a.n FROM acts a JOIN orgs o ON o.path = a.org_path
    UNION ALL SELECT o.id, 'act.kind.' || a.kind, a.n FROM acts a JOIN orgs o ON o.path = a.org_path
        WHERE a.status = 'done'
    UNION ALL SELECT o.id, 'records', r.n FROM recs r JOIN orgs o ON o.path = r.org_path
    UNION ALL SELECT o.id, 'service_ms', r.ms FROM recs r JOIN orgs o ON o.path = r.org_path
)
INSERT INTO ov_counts (org_id, key, n)
SELECT anc.ancestor_id, own.key, SUM(own.n) FROM own JOIN anc ON anc.org_id = own.org_id
GROUP BY anc.ancestor_id, own.key;

WITH RECURSIVE anc(org_id, ancestor_id) AS (
    SELECT id, id FROM orgs
    UNION ALL
    SELECT anc.org_id, o.parent_id FROM anc JOIN orgs o ON o.id = anc.ancestor_id
    WHERE o.parent_id IS NOT NULL
),
own(org_id, month, activities, records, service_ms) AS (
    SELECT o.id, g.month, g.n, 0, 0 FROM (
        SELECT org_path, to_char(to_timestamp((starts_at + 28800000) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM') AS month, COUNT(*) AS n FROM activities
        WHERE status = 'done' GROUP BY 1, 2
    ) g JOIN orgs o ON o.path = g.org_path
    UNION ALL
    SELECT o.id, g.month, 0, g.n, g.ms FROM (
        SELECT org_path, substr(day, 1, 7) AS month, COUNT(*) AS n, SUM(eff_ms) AS ms
        FROM service_records WHERE status = 'approved' GROUP BY 1, 2
    ) g JOIN orgs o ON o.path = g.org_path
)
INSERT INTO ov_months (org_id, month, activities, records, service_ms)
SELECT anc.ancestor_id, own.month, SUM(own.activities), SUM(own.records), SUM(own.service_ms)
FROM own JOIN anc ON anc.org_id = own.org_id GROUP BY anc.ancestor_id, own.month;

WITH RECURSIVE anc(org_id, ancestor_id) AS (
    SELECT id, id FROM orgs
    UNION ALL
    SELECT anc.org_id, o.parent_id FROM anc JOIN orgs o ON o.id = anc.ancestor_id
    WHERE o.parent_id IS NOT NULL
),
own(org_id, project_id, activities, service_ms) AS (
    SELECT o.id, g.project_id, g.n, 0 FROM (
        SELECT org_path, COALESCE(project_id, '') AS project_id, COUNT(*) AS n FROM activities
        WHERE status = 'done' GROUP BY 1, 2
    ) g JOIN orgs o ON o.path = g.org_path
    UNION ALL
    SELECT o.id, g.project_id, 0, g.ms FROM (
        SELECT r.org_path, COALESCE(a.project_id, '') AS project_id, SUM(r.eff_ms) AS ms
        FROM service_records r JOIN activities a ON a.id = r.activity_id
        WHERE r.status = 'approved' GROUP BY 1, 2
    ) g JOIN orgs o ON o.path = g.org_path
)
INSERT INTO ov_projects (org_id, project_id, activities, service_ms)
SELECT anc.ancestor_id, own.project_id, SUM(own.activities), SUM(own.service_ms)
FROM own JOIN anc ON anc.org_id = own.org_id GROUP BY anc.ancestor_id, own.project_id;

INSERT INTO ov_volunteer_years (volunteer_id, year, service_ms)
SELECT volunteer_id, substr(day, 1, 4), SUM(eff_ms) FROM service_records
WHERE status = 'approved' GROUP BY 1, 2;
