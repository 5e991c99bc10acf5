-- Treatment sessions in the chair (issue 5): the session, its events (append-only; the state
-- is the replay of the events) and the vital signs from devices or manual entry. Keep in step
-- with the PostgreSQL migration.
CREATE TABLE treatment_sessions (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patients (id),
    modality    TEXT NOT NULL CHECK (modality IN ('iv_ketamine', 'im_ketamine', 'esketamine_nasal')),
    chair       TEXT,
    state       TEXT NOT NULL CHECK (state IN ('scheduled', 'checked_in', 'prechecks_done', 'administering', 'paused', 'observing', 'discharged', 'stopped_early')),
    thresholds  TEXT NOT NULL CHECK (json_valid(thresholds)),
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX treatment_sessions_state ON treatment_sessions (state, created_at);
CREATE TABLE session_events (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES treatment_sessions (id),
    event       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    payload     TEXT NOT NULL CHECK (json_valid(payload)),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX session_events_session ON session_events (session_id, at);
CREATE TRIGGER session_events_no_update BEFORE UPDATE ON session_events
BEGIN SELECT RAISE(ABORT, 'session_events is append-only'); END;
CREATE TRIGGER session_events_no_delete BEFORE DELETE ON session_events
BEGIN SELECT RAISE(ABORT, 'session_events is append-only'); END;
CREATE TABLE session_vitals (
    session_id  TEXT NOT NULL REFERENCES treatment_sessions (id),
    device_id   TEXT NOT NULL,
    at          INTEGER NOT NULL,
    systolic    INTEGER,
    diastolic   INTEGER,
    heart_rate  INTEGER,
    spo2        INTEGER,
    resp_rate   INTEGER,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, device_id, at)
);
