-- Treatment sessions in the chair (issue 5): the session, its events (append-only; the state
-- is the replay of the events) and the vital signs from devices or manual entry. Keep in step
-- with the SQLite migration.
CREATE TABLE treatment_sessions (
    id          UUID PRIMARY KEY,
    patient_id  UUID NOT NULL REFERENCES patients (id),
    modality    TEXT NOT NULL CHECK (modality IN ('iv_ketamine', 'im_ketamine', 'esketamine_nasal')),
    chair       TEXT,
    state       TEXT NOT NULL CHECK (state IN ('scheduled', 'checked_in', 'prechecks_done', 'administering', 'paused', 'observing', 'discharged', 'stopped_early')),
    thresholds  JSONB NOT NULL,
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX treatment_sessions_state ON treatment_sessions (state, created_at);
CREATE TABLE session_events (
    id          UUID PRIMARY KEY,
    session_id  UUID NOT NULL REFERENCES treatment_sessions (id),
    event       TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    payload     JSONB NOT NULL,
    recorded_by UUID NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_events_session ON session_events (session_id, at);
CREATE TRIGGER session_events_no_update BEFORE UPDATE ON session_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER session_events_no_delete BEFORE DELETE ON session_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TABLE session_vitals (
    session_id  UUID NOT NULL REFERENCES treatment_sessions (id),
    device_id   TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    systolic    INTEGER,
    diastolic   INTEGER,
    heart_rate  INTEGER,
    spo2        INTEGER,
    resp_rate   INTEGER,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, device_id, at)
);
