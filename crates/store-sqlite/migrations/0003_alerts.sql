-- Safety alerts raised by assessments. Keep in step with the PostgreSQL migration.
CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patients (id),
    kind            TEXT NOT NULL CHECK (kind IN ('loss_of_consciousness', 'suicide_risk', 'suicidal_ideation')),
    assessment_id   TEXT NOT NULL REFERENCES assessments (id),
    detail          TEXT NOT NULL,
    raised_at       INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT REFERENCES users (id),
    action          TEXT CHECK (action IN ('safety_plan_reviewed', 'full_cssrs_done', 'crisis_line_given', 'emergency_referral', 'other')),
    note            TEXT
);
CREATE INDEX alerts_open ON alerts (acknowledged_at, raised_at);
CREATE INDEX alerts_patient ON alerts (patient_id, raised_at);
