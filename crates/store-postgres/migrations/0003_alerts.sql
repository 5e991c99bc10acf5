-- Safety alerts raised by assessments. Keep in step with the SQLite migration.
CREATE TABLE alerts (
    id              UUID PRIMARY KEY,
    patient_id      UUID NOT NULL REFERENCES patients (id),
    kind            TEXT NOT NULL CHECK (kind IN ('loss_of_consciousness', 'suicide_risk', 'suicidal_ideation')),
    assessment_id   UUID NOT NULL REFERENCES assessments (id),
    detail          TEXT NOT NULL,
    raised_at       TIMESTAMPTZ NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    acknowledged_by UUID REFERENCES users (id),
    action          TEXT CHECK (action IN ('safety_plan_reviewed', 'full_cssrs_done', 'crisis_line_given', 'emergency_referral', 'other')),
    note            TEXT
);
CREATE INDEX alerts_open ON alerts (acknowledged_at, raised_at);
CREATE INDEX alerts_patient ON alerts (patient_id, raised_at);
