-- (PostgreSQL twin of migrations/sqlite.)
-- Recruitment (issue 3): eligibility policies per team, review levels per tree, applications
-- (政审表) with their review steps, registration authorities and number ranges (注册编号分配表),
-- volunteer status history (withdraw/suspend), spot checks (抽查), import jobs.

-- An org that issues registration numbers (注册机构).
ALTER TABLE orgs ADD COLUMN registration_authority BOOLEAN NOT NULL DEFAULT FALSE;
-- The registration number issued at admission (NULL for volunteers registered before).
ALTER TABLE volunteers ADD COLUMN registration_no TEXT;
-- Set when a spot check could not verify the record (R-VOL-6).
ALTER TABLE volunteers ADD COLUMN unverified BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX volunteers_registration_no ON volunteers(registration_no);
CREATE INDEX volunteers_status ON volunteers(status);
CREATE INDEX volunteers_birth_date ON volunteers(birth_date);

-- Eligibility policy of a unit; sub-units inherit the nearest one above them.
CREATE TABLE team_policies (
    team_id               TEXT PRIMARY KEY REFERENCES teams(id),
    min_age               BIGINT,
    max_age               BIGINT,
    require_party_member  BOOLEAN NOT NULL,
    require_veteran       BOOLEAN NOT NULL,
    require_healthy       BOOLEAN NOT NULL,
    require_no_record     BOOLEAN NOT NULL,
    updated_at            BIGINT NOT NULL,
    version               BIGINT NOT NULL DEFAULT 1
);

-- Which org levels review applications in a tree (keyed by the tree's root org), in order.
CREATE TABLE review_levels (
    root_org_id  TEXT NOT NULL REFERENCES orgs(id),
    level        TEXT NOT NULL,
    PRIMARY KEY (root_org_id, level)
);

CREATE TABLE applications (
    id                TEXT PRIMARY KEY,
    tracking_code     TEXT NOT NULL UNIQUE,
    team_id           TEXT NOT NULL REFERENCES teams(id),
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    org_path          TEXT COLLATE "C" NOT NULL,
    name              TEXT NOT NULL,
    id_cipher         TEXT NOT NULL,
    id_hash           TEXT NOT NULL,
    id_masked         TEXT NOT NULL,
    birth_date        TEXT NOT NULL,
    gender            TEXT NOT NULL,
    phone             TEXT NOT NULL,
    veteran           BOOLEAN NOT NULL,
    branch            TEXT,
    enlisted_year     BIGINT,
    discharged_year   BIGINT,
    military_rank     TEXT,
    party_member      BOOLEAN NOT NULL,
    health            TEXT NOT NULL,
    no_record         BOOLEAN NOT NULL,
    skills            TEXT NOT NULL,
    consent_data      BOOLEAN NOT NULL,
    guardian_consent  BOOLEAN NOT NULL,
    password_hash     TEXT NOT NULL,
    breaches_json     TEXT NOT NULL,
    review_chain      TEXT NOT NULL,
    step_index        BIGINT NOT NULL,
    current_org_id    TEXT,
    current_org_path  TEXT COLLATE "C",
    status            TEXT NOT NULL,
    last_reason       TEXT,
    volunteer_id      TEXT REFERENCES volunteers(id),
    registration_no   TEXT,
    submitted_by      TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           BIGINT NOT NULL DEFAULT 1
);
-- One open application per person at a time.
CREATE UNIQUE INDEX applications_open_id_hash ON applications(id_hash)
    WHERE status IN ('pending', 'returned');
CREATE INDEX applications_queue ON applications(status, current_org_path);
CREATE INDEX applications_org_path ON applications(org_path);

CREATE TABLE application_steps (
    id              BIGSERIAL PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications(id),
    step_index      BIGINT NOT NULL,
    org_id          TEXT,
    org_name        TEXT NOT NULL,
    level           TEXT NOT NULL,
    decision        TEXT NOT NULL,
    reason          TEXT,
    actor_id        TEXT,
    actor_name      TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX application_steps_app ON application_steps(application_id);

-- Ranges allotted to a registration authority; next_no is the next number to issue.
CREATE TABLE number_ranges (
    id                TEXT PRIMARY KEY,
    authority_org_id  TEXT NOT NULL REFERENCES orgs(id),
    prefix            TEXT NOT NULL,
    first_no          BIGINT NOT NULL,
    last_no           BIGINT NOT NULL,
    next_no           BIGINT NOT NULL,
    created_at        BIGINT NOT NULL
);
CREATE INDEX number_ranges_authority ON number_ranges(authority_org_id, first_no);

CREATE TABLE volunteer_status_history (
    id            BIGSERIAL PRIMARY KEY,
    volunteer_id  TEXT NOT NULL REFERENCES volunteers(id),
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    actor_id      TEXT,
    actor_name    TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX volunteer_status_history_v ON volunteer_status_history(volunteer_id);

CREATE TABLE spot_checks (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id),
    org_path    TEXT COLLATE "C" NOT NULL,
    size        BIGINT NOT NULL,
    drawn_by    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX spot_checks_org_path ON spot_checks(org_path);

CREATE TABLE spot_check_items (
    check_id      TEXT NOT NULL REFERENCES spot_checks(id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers(id),
    result        TEXT,
    note          TEXT,
    checked_by    TEXT,
    checked_at    BIGINT,
    PRIMARY KEY (check_id, volunteer_id)
);

CREATE TABLE import_jobs (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    org_path        TEXT COLLATE "C" NOT NULL,
    created_by      TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    status          TEXT NOT NULL,
    total_rows      BIGINT NOT NULL,
    processed_rows  BIGINT NOT NULL,
    imported        BIGINT NOT NULL,
    rejected_json   TEXT NOT NULL,
    error_json      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
