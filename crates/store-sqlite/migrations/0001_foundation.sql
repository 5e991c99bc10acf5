-- ketaclinic foundation schema (SQLite).
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC): text timestamps sort wrongly
-- within a second. Ids are UUIDv7 in their hyphenated text form.
-- Keep in step with store-postgres/migrations/0001_foundation.sql (a parity test checks).

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('front_desk', 'nurse', 'prescriber', 'therapist', 'admin', 'auditor')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);

CREATE TABLE auth_sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Named sequences (the MRN counter); updated only inside write transactions.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- The current version of each patient; every version (this one included) is in patient_versions.
CREATE TABLE patients (
    id            TEXT PRIMARY KEY,
    mrn           TEXT NOT NULL UNIQUE,
    given_name    TEXT NOT NULL,
    family_name   TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    phone         TEXT,
    email         TEXT,
    status        TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    search_family TEXT NOT NULL,
    search_given  TEXT NOT NULL
);
CREATE INDEX patients_family ON patients (search_family, search_given, id);
CREATE INDEX patients_given ON patients (search_given);
CREATE INDEX patients_birth_date ON patients (birth_date);

CREATE TABLE patient_versions (
    patient_id  TEXT NOT NULL REFERENCES patients (id),
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    reason      TEXT,
    PRIMARY KEY (patient_id, version)
);

CREATE TRIGGER patient_versions_no_update BEFORE UPDATE ON patient_versions
BEGIN SELECT RAISE(ABORT, 'patient_versions is append-only'); END;
CREATE TRIGGER patient_versions_no_delete BEFORE DELETE ON patient_versions
BEGIN SELECT RAISE(ABORT, 'patient_versions is append-only'); END;

-- The audit log: append-only and hash-chained (see domain::audit). No foreign keys: an event
-- about a refused or unknown id must still be recorded.
CREATE TABLE audit_events (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    at            INTEGER NOT NULL,
    actor_id      TEXT,
    actor_label   TEXT NOT NULL,
    actor_role    TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT,
    resource_id   TEXT,
    patient_id    TEXT,
    client_addr   TEXT,
    user_agent    TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    detail        TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_events_patient ON audit_events (patient_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
