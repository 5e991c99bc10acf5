-- Assessments marked entered in error (append-only; one per assessment). Keep in step with
-- the SQLite migration.
CREATE TABLE assessment_corrections (
    assessment_id UUID PRIMARY KEY REFERENCES assessments (id),
    reason        TEXT NOT NULL,
    recorded_by   UUID NOT NULL REFERENCES users (id),
    recorded_at   TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER assessment_corrections_no_update BEFORE UPDATE ON assessment_corrections
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER assessment_corrections_no_delete BEFORE DELETE ON assessment_corrections
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
