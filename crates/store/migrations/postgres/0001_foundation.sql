-- Foundation: organisation tree, teams, volunteers, accounts, sessions, audit.
-- (PostgreSQL twin of migrations/sqlite; paths use the C collation so range scans are byte order.)
-- Times are unix milliseconds (BIGINT) so that SQLite and PostgreSQL share one SQL text.
-- Paths are materialised ("/a/b/"): a subtree is a range scan on an index.

CREATE TABLE orgs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_id   TEXT REFERENCES orgs(id),
    path        TEXT COLLATE "C" NOT NULL UNIQUE,
    depth       BIGINT NOT NULL,
    population  BIGINT,
    unit_type   TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX orgs_parent ON orgs(parent_id);

CREATE TABLE teams (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    org_id          TEXT NOT NULL REFERENCES orgs(id),
    parent_team_id  TEXT REFERENCES teams(id),
    path            TEXT COLLATE "C" NOT NULL UNIQUE,
    echelon         TEXT NOT NULL,
    specialty       TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX teams_org ON teams(org_id);
CREATE INDEX teams_parent ON teams(parent_team_id);

CREATE TABLE volunteers (
    id               TEXT PRIMARY KEY,
    volunteer_no     TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    id_cipher        TEXT NOT NULL,
    id_hash          TEXT NOT NULL UNIQUE,
    id_masked        TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    gender           TEXT NOT NULL,
    phone            TEXT NOT NULL,
    org_id           TEXT NOT NULL REFERENCES orgs(id),
    veteran          BOOLEAN NOT NULL,
    branch           TEXT,
    enlisted_year    BIGINT,
    discharged_year  BIGINT,
    military_rank    TEXT,
    party_member     BOOLEAN NOT NULL,
    health           TEXT NOT NULL,
    home_lat         DOUBLE PRECISION,
    home_lon         DOUBLE PRECISION,
    consent_data     BOOLEAN NOT NULL,
    consent_location BOOLEAN NOT NULL,
    guardian_consent BOOLEAN NOT NULL,
    status           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX volunteers_org ON volunteers(org_id);
CREATE INDEX volunteers_phone ON volunteers(phone);

CREATE TABLE volunteer_skills (
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    skill        TEXT NOT NULL,
    PRIMARY KEY (volunteer_id, skill)
);
CREATE INDEX volunteer_skills_skill ON volunteer_skills(skill);

CREATE TABLE team_members (
    team_id       TEXT NOT NULL REFERENCES teams(id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers(id),
    position      TEXT NOT NULL,
    appointed_at  BIGINT NOT NULL,
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX team_members_volunteer ON team_members(volunteer_id);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    is_super       BOOLEAN NOT NULL,
    org_id         TEXT REFERENCES orgs(id),
    team_id        TEXT REFERENCES teams(id),
    volunteer_id   TEXT REFERENCES volunteers(id),
    scope_org_path TEXT COLLATE "C" NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);
CREATE INDEX users_scope ON users(scope_org_path);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor_id      TEXT,
    actor_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    org_path      TEXT COLLATE "C" NOT NULL,
    before_json   TEXT,
    after_json    TEXT
);
CREATE INDEX audit_org_path ON audit_log(org_path);
CREATE INDEX audit_subject ON audit_log(subject_id);
