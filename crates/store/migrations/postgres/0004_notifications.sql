-- (PostgreSQL twin of migrations/sqlite.) Notifications and reminders (issue 5 item 4), reporting tasks (issue 5 item 3) and the
-- waitlist-promotion notice (issue 4). Times are unix ms; paths materialised.

-- One message in a user's in-app inbox (the bell). `dedupe_key` is unique: whoever writes a
-- notice names the event it is about, so a restart, a second server process or a retry can't
-- send the same reminder twice (INSERT … ON CONFLICT (dedupe_key) DO NOTHING).
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT,
    dedupe_key  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    CONSTRAINT notifications_dedupe_key UNIQUE (dedupe_key)
);
CREATE INDEX notifications_user ON notifications(user_id, created_at, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_created ON notifications(created_at);

-- Which costly reminder rules already ran for a period (e.g. under_20h on a day), so that
-- neither a restart nor a second process repeats the scan; the notices themselves are kept
-- unique by their dedupe keys whatever happens here.
CREATE TABLE reminder_runs (
    rule    TEXT NOT NULL,
    period  TEXT NOT NULL,
    done_at BIGINT NOT NULL,
    PRIMARY KEY (rule, period)
);

-- Where a user wants notices outside the app. A volunteer account without a row here falls
-- back to the phone of its volunteer record.
CREATE TABLE user_contacts (
    user_id     TEXT PRIMARY KEY REFERENCES users(id),
    email       TEXT,
    phone       TEXT,
    updated_at  BIGINT NOT NULL
);

-- One row per notification and outside channel (email, sms): claimed with a lease before
-- sending, then sent, retry (with the time of the next attempt), failed (gave up) or skipped
-- (no address). A sent row is never sent again.
CREATE TABLE notification_deliveries (
    notification_id  TEXT NOT NULL REFERENCES notifications(id),
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL,
    address          TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT,
    next_attempt_at  BIGINT NOT NULL,
    claim            TEXT,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(status, next_attempt_at);

-- A reporting task (报送任务, R-STAT-3): an org asks the orgs below it for a report by a deadline.
-- The orgs asked are fixed when the task is set (report_task_targets), so a later change of
-- the tree does not change who was asked.
CREATE TABLE report_tasks (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    org_path      TEXT COLLATE "C" NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    deadline      BIGINT NOT NULL,
    target_level  TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX report_tasks_org_path ON report_tasks(org_path, deadline);

CREATE TABLE report_task_targets (
    task_id   TEXT NOT NULL REFERENCES report_tasks(id),
    org_id    TEXT NOT NULL REFERENCES orgs(id),
    org_name  TEXT NOT NULL,
    org_path  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, org_id)
);
CREATE INDEX report_task_targets_org ON report_task_targets(org_path);

-- Every submission is kept (a resubmission adds a row); the status of a target follows from
-- its first one. An attached workbook is stored in the database so backups hold it.
CREATE TABLE report_submissions (
    id            TEXT PRIMARY KEY,
    task_id       TEXT NOT NULL REFERENCES report_tasks(id),
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    note          TEXT NOT NULL,
    file_name     TEXT,
    file_data     BYTEA,
    file_size     BIGINT NOT NULL DEFAULT 0,
    submitted_by  TEXT NOT NULL,
    submitter_name TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL
);
CREATE INDEX report_submissions_task ON report_submissions(task_id, org_id, submitted_at);
