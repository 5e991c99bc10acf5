-- ketaclinic foundation schema (PostgreSQL).
-- Timestamps are timestamptz (UTC instants). Ids are UUIDv7.
-- Keep in step with store-sqlite/migrations/0001_foundation.sql (a parity test checks).

CREATE TABLE users (
    id                  UUID PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('front_desk', 'nurse', 'prescriber', 'therapist', 'admin', 'auditor')),
    password_hash       TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE auth_sessions (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE patients (
    id            UUID PRIMARY KEY,
    mrn           TEXT NOT NULL UNIQUE,
    given_name    TEXT NOT NULL,
    family_name   TEXT NOT NULL,
    birth_date    DATE NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    phone         TEXT,
    email         TEXT,
    status        TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    version       INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    search_family TEXT NOT NULL,
    search_given  TEXT NOT NULL
);
CREATE INDEX patients_family ON patients (search_family text_pattern_ops, search_given, id);
CREATE INDEX patients_given ON patients (search_given text_pattern_ops);
CREATE INDEX patients_birth_date ON patients (birth_date);

CREATE TABLE patient_versions (
    patient_id  UUID NOT NULL REFERENCES patients (id),
    version     INTEGER NOT NULL,
    document    JSONB NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by UUID NOT NULL REFERENCES users (id),
    reason      TEXT,
    PRIMARY KEY (patient_id, version)
);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER patient_versions_no_update BEFORE UPDATE ON patient_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER patient_versions_no_delete BEFORE DELETE ON patient_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE audit_events (
    seq           BIGINT PRIMARY KEY,
    id            UUID NOT NULL UNIQUE,
    at            TIMESTAMPTZ NOT NULL,
    actor_id      UUID,
    actor_label   TEXT NOT NULL,
    actor_role    TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT,
    resource_id   TEXT,
    patient_id    UUID,
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
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
