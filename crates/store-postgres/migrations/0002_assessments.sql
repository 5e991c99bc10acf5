-- Scored assessments (measurement-based care). Keep in step with the SQLite migration.
CREATE TABLE assessments (
    id              UUID PRIMARY KEY,
    patient_id      UUID NOT NULL REFERENCES patients (id),
    instrument      TEXT NOT NULL,
    answers         JSONB NOT NULL,
    total           INTEGER,
    severity        TEXT,
    score           JSONB NOT NULL,
    administered_at TIMESTAMPTZ NOT NULL,
    session_id      UUID,
    source          TEXT NOT NULL CHECK (source IN ('staff', 'patient')),
    recorded_by     UUID REFERENCES users (id),
    recorded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX assessments_patient ON assessments (patient_id, instrument, administered_at);
