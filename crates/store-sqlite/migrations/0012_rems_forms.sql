-- SPRAVATO REMS Patient Monitoring Forms (issue 5, item 7; REFERENCE §2.5–2.6). The form itself
-- is built from the session whenever it is read; this row keeps only what the session cannot
-- say: the submission status (draft → ready → submitted), the REMS confirmation number and
-- date, staff's serious-adverse-event answer, and who changed it last. A dosed esketamine
-- session that is discharged or stopped and has no row is a draft (the queue left-joins).
-- A submitted row is final (trigger); rows are never deleted. Keep in step with PostgreSQL.
CREATE TABLE rems_forms (
    session_id            TEXT PRIMARY KEY REFERENCES treatment_sessions (id),
    status                TEXT NOT NULL CHECK (status IN ('draft', 'ready', 'submitted')),
    confirmation_number   TEXT,
    submitted_on          TEXT,
    serious_adverse_event INTEGER CHECK (serious_adverse_event IN (0, 1)),
    sae_description       TEXT,
    changed_by            TEXT NOT NULL REFERENCES users (id),
    changed_at            INTEGER NOT NULL,
    CHECK (status <> 'submitted' OR (confirmation_number IS NOT NULL AND submitted_on IS NOT NULL))
);
CREATE TRIGGER rems_forms_submitted_is_final BEFORE UPDATE ON rems_forms WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'a submitted REMS form cannot change'); END;
CREATE TRIGGER rems_forms_no_delete BEFORE DELETE ON rems_forms
BEGIN SELECT RAISE(ABORT, 'rems_forms rows are never deleted'); END;
