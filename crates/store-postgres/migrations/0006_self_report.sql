-- One-time self-report links. Keep in step with the SQLite migration.
CREATE TABLE self_report_links (
    id          UUID PRIMARY KEY,
    patient_id  UUID NOT NULL REFERENCES patients (id),
    instruments JSONB NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    kiosk       BOOLEAN NOT NULL,
    created_by  UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX self_report_links_patient ON self_report_links (patient_id, created_at);

-- The outcome dashboard scans one instrument's totals patient by patient in time order.
CREATE INDEX assessments_instrument_series ON assessments (instrument, patient_id, administered_at, total);
