-- Emergency response (issue 6): incidents, call-ups and time on site. Times are unix ms.
-- Closing an incident turns its time on site into service records of an activity it owns
-- (`activity_id`, made at close), so hours, approvals and certificates work as for activities.

CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    org_id           TEXT NOT NULL REFERENCES orgs(id),
    org_path         TEXT NOT NULL,
    team_id          TEXT REFERENCES teams(id),
    lat              DOUBLE PRECISION NOT NULL,
    lon              DOUBLE PRECISION NOT NULL,
    address          TEXT NOT NULL,
    required_skills  TEXT NOT NULL,
    needed           BIGINT NOT NULL,
    response_minutes BIGINT NOT NULL,
    description      TEXT NOT NULL,
    started_at       BIGINT NOT NULL,
    stood_down_at    BIGINT,
    closed_at        BIGINT,
    activity_id      TEXT REFERENCES activities(id),
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CHECK (needed > 0),
    CHECK (lat >= -90 AND lat <= 90 AND lon >= -180 AND lon <= 180)
);
CREATE INDEX incidents_org_path ON incidents(org_path, created_at);
CREATE INDEX incidents_status ON incidents(status);

CREATE TABLE incident_callups (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents(id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers(id),
    status        TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    distance_km   DOUBLE PRECISION,
    called_by     TEXT NOT NULL,
    called_at     BIGINT NOT NULL,
    deadline_at   BIGINT NOT NULL,
    responded_at  BIGINT,
    updated_at    BIGINT NOT NULL,
    UNIQUE (incident_id, volunteer_id)
);
CREATE INDEX incident_callups_volunteer ON incident_callups(volunteer_id, called_at);
CREATE INDEX incident_callups_due ON incident_callups(status, deadline_at);

-- One stretch on site (到场 → 离场) of a called-up volunteer; at most 3 a day (R-HRS-3).
CREATE TABLE incident_presence (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents(id),
    callup_id     TEXT NOT NULL REFERENCES incident_callups(id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers(id),
    arrived_at    BIGINT NOT NULL,
    arrived_how   TEXT NOT NULL,
    left_at       BIGINT,
    left_how      TEXT,
    record_note   TEXT,
    CHECK (left_at IS NULL OR left_at >= arrived_at)
);
CREATE INDEX incident_presence_incident ON incident_presence(incident_id, volunteer_id);
CREATE INDEX incident_presence_callup ON incident_presence(callup_id);

-- The candidate index keeps in step with other processes' volunteer writes by polling this.
CREATE INDEX volunteers_updated_at ON volunteers(updated_at);
