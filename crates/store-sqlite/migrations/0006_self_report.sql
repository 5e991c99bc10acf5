-- One-time self-report links. Keep in step with the PostgreSQL migration.
CREATE TABLE self_report_links (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patients (id),
    instruments TEXT NOT NULL CHECK (json_valid(instruments)),
    token_hash  TEXT NOT NULL UNIQUE,
    kiosk       INTEGER NOT NULL CHECK (kiosk IN (0, 1)),
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX self_report_links_patient ON self_report_links (patient_id, created_at);

-- The outcome dashboard scans one instrument's totals patient by patient in time order.
CREATE INDEX assessments_instrument_series ON assessments (instrument, patient_id, administered_at, total);
