-- The patient chart (contacts, escorts, diagnoses, allergies, medications, care team,
-- evaluations, eligibility decisions, consents, REMS enrolment) and consent templates.
-- Keep in step with the SQLite migration.
--
-- chart_entries holds the current version of each entry; chart_versions every version
-- (append-only). The body is JSON of the kind's typed record (domain::chart).
CREATE TABLE chart_entries (
    id              UUID PRIMARY KEY,
    patient_id      UUID REFERENCES patients (id),
    kind            TEXT NOT NULL,
    current_version INTEGER NOT NULL CHECK (current_version >= 1),
    status          TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    body            JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'consent_template') = (patient_id IS NULL))
);
CREATE INDEX chart_entries_patient ON chart_entries (patient_id, kind, created_at, id);

CREATE TABLE chart_versions (
    entry_id    UUID NOT NULL REFERENCES chart_entries (id),
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'entered_in_error')),
    body        JSONB NOT NULL,
    reason      TEXT,
    recorded_by UUID NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entry_id, version),
    CHECK (version = 1 OR reason IS NOT NULL)
);
CREATE TRIGGER chart_versions_no_update BEFORE UPDATE ON chart_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER chart_versions_no_delete BEFORE DELETE ON chart_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER chart_versions_no_truncate BEFORE TRUNCATE ON chart_versions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The patient an enquiry was converted into.
ALTER TABLE enquiries ADD COLUMN patient_id UUID REFERENCES patients (id);
