-- Assessments marked entered in error (append-only; one per assessment). Keep in step with
-- the PostgreSQL migration.
CREATE TABLE assessment_corrections (
    assessment_id TEXT PRIMARY KEY REFERENCES assessments (id),
    reason        TEXT NOT NULL,
    recorded_by   TEXT NOT NULL REFERENCES users (id),
    recorded_at   INTEGER NOT NULL
);
CREATE TRIGGER assessment_corrections_no_update BEFORE UPDATE ON assessment_corrections
BEGIN SELECT RAISE(ABORT, 'assessment_corrections is append-only'); END;
CREATE TRIGGER assessment_corrections_no_delete BEFORE DELETE ON assessment_corrections
BEGIN SELECT RAISE(ABORT, 'assessment_corrections is append-only'); END;
