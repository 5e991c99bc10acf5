-- The patient chart (contacts, escorts, diagnoses, allergies, medications, care team,
-- evaluations, eligibility decisions, consents, REMS enrolment) and consent templates.
-- Keep in step with the PostgreSQL migration.
--
-- chart_entries holds the current version of each entry; chart_versions every version
-- (append-only). The body is JSON of the kind's typed record (domain::chart).
CREATE TABLE chart_entries (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT REFERENCES patients (id),
    kind            TEXT NOT NULL,
    current_version INTEGER NOT NULL CHECK (current_version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    body            TEXT NOT NULL CHECK (json_valid(body)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK ((kind = 'consent_template') = (patient_id IS NULL))
);
CREATE INDEX chart_entries_patient ON chart_entries (patient_id, kind, created_at, id);

CREATE TABLE chart_versions (
    entry_id    TEXT NOT NULL REFERENCES chart_entries (id),
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    body        TEXT NOT NULL CHECK (json_valid(body)),
    reason      TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (entry_id, version),
    CHECK (version = 1 OR reason IS NOT NULL)
);
CREATE TRIGGER chart_versions_no_update BEFORE UPDATE ON chart_versions
BEGIN SELECT RAISE(ABORT, 'chart_versions is append-only'); END;
CREATE TRIGGER chart_versions_no_delete BEFORE DELETE ON chart_versions
BEGIN SELECT RAISE(ABORT, 'chart_versions is append-only'); END;

-- The patient an enquiry was converted into.
ALTER TABLE enquiries ADD COLUMN patient_id TEXT REFERENCES patients (id);
