-- Ledger imports (issue 3).
-- A running import writes its heartbeat with every chunk; one that stops beating was cut off
-- (a crash or a restart) and is shown as interrupted instead of running for ever.
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
-- Phone search matches the tail of the number (`LIKE '%1234'`), which no index serves, and a
-- status has a handful of values: these two indexes only cost every insert (about a tenth of a
-- 100,000-row import) and served no query.
DROP INDEX volunteers_phone;
DROP INDEX volunteers_status;
