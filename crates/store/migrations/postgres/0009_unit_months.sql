-- Activities done by one unit itself per month (not summed over sub-units: units move), for
-- the monthly-activity rule (R-ACT-1): one primary-key probe per unit and month instead of a
-- scan of the month's activities per unit. Kept in step by every write that changes an
-- activity's status, like the other ov_* aggregates.
CREATE TABLE ov_unit_months (
    team_id     TEXT NOT NULL,
    month       TEXT NOT NULL,
    activities  BIGINT NOT NULL,
    PRIMARY KEY (team_id, month)
);

-- populate: months are counted in China Standard Time (UTC+8), as everywhere else.
INSERT INTO ov_unit_months (team_id, month, activities)
SELECT team_id, to_char(to_timestamp((starts_at + 28800000) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM'),
       COUNT(*)
FROM activities WHERE status = 'done' GROUP BY 1, 2;
