-- Tasks the system proposes to the care team (booster review after relapse). Keep in step
-- with the SQLite migration.
CREATE TABLE tasks (
    id                UUID PRIMARY KEY,
    patient_id        UUID NOT NULL REFERENCES patients (id),
    kind              TEXT NOT NULL CHECK (kind IN ('booster_review')),
    detail            TEXT NOT NULL,
    source_assessment UUID NOT NULL REFERENCES assessments (id),
    created_at        TIMESTAMPTZ NOT NULL,
    outcome           TEXT CHECK (outcome IN ('done', 'declined')),
    note              TEXT,
    closed_by         UUID REFERENCES users (id),
    closed_at         TIMESTAMPTZ,
    UNIQUE (kind, source_assessment)
);
CREATE INDEX tasks_open ON tasks (closed_at, created_at);
CREATE INDEX tasks_patient ON tasks (patient_id, created_at);
