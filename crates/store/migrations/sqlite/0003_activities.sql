-- Activities and service hours (issue 4): service projects, activities, sign-ups, service
-- records with their amendments, certificates, photos. Times are unix ms; paths materialised.

CREATE TABLE service_projects (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    category      TEXT NOT NULL,
    description   TEXT NOT NULL,
    org_id        TEXT NOT NULL REFERENCES orgs(id),
    team_id       TEXT REFERENCES teams(id),
    org_path      TEXT NOT NULL,
    brand         BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX service_projects_org_path ON service_projects(org_path);

CREATE TABLE activities (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    project_id       TEXT REFERENCES service_projects(id),
    team_id          TEXT NOT NULL REFERENCES teams(id),
    team_path        TEXT NOT NULL,
    org_path         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    description      TEXT NOT NULL,
    starts_at        BIGINT NOT NULL,
    ends_at          BIGINT NOT NULL,
    place_name       TEXT,
    lat              DOUBLE PRECISION,
    lon              DOUBLE PRECISION,
    capacity         BIGINT NOT NULL,
    waitlist         BOOLEAN NOT NULL,
    required_skills  TEXT NOT NULL,
    signup_opens_at  BIGINT NOT NULL,
    signup_closes_at BIGINT NOT NULL,
    contact_name     TEXT,
    contact_phone    TEXT,
    backfill_reason  TEXT,
    series_id        TEXT,
    recurrence       TEXT,
    confirmed        BIGINT NOT NULL DEFAULT 0,
    walk_ins         BIGINT NOT NULL DEFAULT 0,
    wait_seq         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    -- The last line of defence against overbooking: whatever the code does, the database
    -- refuses a confirmed count above capacity (walk-ins are counted apart, on purpose).
    CHECK (confirmed >= 0 AND confirmed <= capacity),
    CHECK (capacity > 0),
    CHECK (ends_at > starts_at)
);
CREATE INDEX activities_org_path ON activities(org_path, starts_at);
CREATE INDEX activities_team_path ON activities(team_path, starts_at);
CREATE INDEX activities_starts ON activities(status, starts_at);

CREATE TABLE signups (
    activity_id   TEXT NOT NULL REFERENCES activities(id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers(id),
    status        TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    walk_in       BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (activity_id, volunteer_id)
);
CREATE INDEX signups_queue ON signups(activity_id, status, seq);
CREATE INDEX signups_volunteer ON signups(volunteer_id);

CREATE TABLE service_records (
    id                TEXT PRIMARY KEY,
    activity_id       TEXT NOT NULL REFERENCES activities(id),
    volunteer_id      TEXT NOT NULL REFERENCES volunteers(id),
    team_id           TEXT NOT NULL REFERENCES teams(id),
    org_path          TEXT NOT NULL,
    day               TEXT NOT NULL,
    checked_in_at     BIGINT NOT NULL,
    checked_out_at    BIGINT,
    minutes_ms        BIGINT,
    captured          TEXT NOT NULL,
    status            TEXT NOT NULL,
    eff_in            BIGINT NOT NULL,
    eff_out           BIGINT,
    eff_ms            BIGINT NOT NULL DEFAULT 0,
    place             TEXT NOT NULL,
    content           TEXT NOT NULL,
    recipients        TEXT NOT NULL,
    evaluation        TEXT NOT NULL,
    person_in_charge  TEXT NOT NULL,
    recorder          TEXT NOT NULL,
    backfill_reason   TEXT,
    approved_by       TEXT,
    approved_at       BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX service_records_volunteer ON service_records(volunteer_id, day);
CREATE INDEX service_records_cycle ON service_records(activity_id, volunteer_id, day);
CREATE INDEX service_records_org_path ON service_records(org_path);

CREATE TABLE record_amendments (
    id            TEXT PRIMARY KEY,
    record_id     TEXT NOT NULL REFERENCES service_records(id),
    requested_by  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    old_in        BIGINT NOT NULL,
    old_out       BIGINT,
    new_in        BIGINT NOT NULL,
    new_out       BIGINT NOT NULL,
    status        TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX record_amendments_record ON record_amendments(record_id);

CREATE TABLE certificates (
    code                  TEXT PRIMARY KEY,
    certificate_no        TEXT NOT NULL UNIQUE,
    volunteer_id          TEXT NOT NULL REFERENCES volunteers(id),
    org_path              TEXT NOT NULL,
    volunteer_name_masked TEXT NOT NULL,
    period_from           TEXT NOT NULL,
    period_to             TEXT NOT NULL,
    total_ms              BIGINT NOT NULL,
    issuer                TEXT NOT NULL,
    issued_by             TEXT NOT NULL,
    issued_at             BIGINT NOT NULL,
    revoked_at            BIGINT,
    revoked_reason        TEXT
);
CREATE INDEX certificates_volunteer ON certificates(volunteer_id);

CREATE TABLE activity_photos (
    id            TEXT PRIMARY KEY,
    activity_id   TEXT NOT NULL REFERENCES activities(id),
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX activity_photos_activity ON activity_photos(activity_id);
