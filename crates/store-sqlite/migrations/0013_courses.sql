-- Treatment protocols and treatment courses (issue 5, items 1–2). Keep in step with the
-- PostgreSQL migration.
--
-- protocols: one row per version of a modality's protocol, append-only (a course and a session
-- name the version they followed, so a version never changes). A modality without a row runs
-- on version 0, the built-in defaults, which is not stored.
CREATE TABLE protocols (
    modality    TEXT NOT NULL CHECK (modality IN ('iv_ketamine', 'im_ketamine', 'esketamine_nasal')),
    version     INTEGER NOT NULL CHECK (version >= 1),
    body        TEXT NOT NULL CHECK (json_valid(body)),
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (modality, version)
);
CREATE TRIGGER protocols_no_update BEFORE UPDATE ON protocols
BEGIN SELECT RAISE(ABORT, 'protocols is append-only'); END;
CREATE TRIGGER protocols_no_delete BEFORE DELETE ON protocols
BEGIN SELECT RAISE(ABORT, 'protocols is append-only'); END;

-- treatment_courses: the current state of each course; course_events: what happened to it
-- (append-only), written in the same transaction as each change.
CREATE TABLE treatment_courses (
    id                 TEXT PRIMARY KEY,
    patient_id         TEXT NOT NULL REFERENCES patients (id),
    modality           TEXT NOT NULL CHECK (modality IN ('iv_ketamine', 'im_ketamine', 'esketamine_nasal')),
    protocol_version   INTEGER NOT NULL CHECK (protocol_version >= 0),
    dose               TEXT NOT NULL CHECK (json_valid(dose)),
    induction_sessions INTEGER NOT NULL,
    induction_per_week INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    phase              TEXT NOT NULL CHECK (phase IN ('induction', 'end_of_induction_review', 'maintenance', 'completed', 'stopped')),
    review             TEXT CHECK (review IS NULL OR json_valid(review)),
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         INTEGER NOT NULL,
    signed_by          TEXT REFERENCES users (id),
    signed_at          INTEGER,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX treatment_courses_patient ON treatment_courses (patient_id, created_at);
CREATE TABLE course_events (
    id          TEXT PRIMARY KEY,
    course_id   TEXT NOT NULL REFERENCES treatment_courses (id),
    event       TEXT NOT NULL CHECK (event IN ('created', 'signed', 'phase_changed')),
    from_phase  TEXT,
    to_phase    TEXT,
    reason      TEXT,
    review      TEXT CHECK (review IS NULL OR json_valid(review)),
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at INTEGER NOT NULL,
    CHECK (event <> 'phase_changed' OR (from_phase IS NOT NULL AND to_phase IS NOT NULL AND reason IS NOT NULL))
);
CREATE INDEX course_events_course ON course_events (course_id, recorded_at);
CREATE TRIGGER course_events_no_update BEFORE UPDATE ON course_events
BEGIN SELECT RAISE(ABORT, 'course_events is append-only'); END;
CREATE TRIGGER course_events_no_delete BEFORE DELETE ON course_events
BEGIN SELECT RAISE(ABORT, 'course_events is append-only'); END;

-- A session records the course it belongs to (if any) and the protocol version its
-- thresholds came from (NULL on sessions from before protocols existed: version 0).
ALTER TABLE treatment_sessions ADD COLUMN course_id TEXT REFERENCES treatment_courses (id);
ALTER TABLE treatment_sessions ADD COLUMN protocol_version INTEGER;
