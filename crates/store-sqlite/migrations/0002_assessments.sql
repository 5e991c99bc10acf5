-- Scored assessments (measurement-based care). Keep in step with the PostgreSQL migration.
CREATE TABLE assessments (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patients (id),
    instrument      TEXT NOT NULL,
    answers         TEXT NOT NULL,
    total           INTEGER,
    severity        TEXT,
    score           TEXT NOT NULL,
    administered_at INTEGER NOT NULL,
    session_id      TEXT,
    source          TEXT NOT NULL CHECK (source IN ('staff', 'patient')),
    recorded_by     TEXT REFERENCES users (id),
    recorded_at     INTEGER NOT NULL
);
CREATE INDEX assessments_patient ON assessments (patient_id, instrument, administered_at);
