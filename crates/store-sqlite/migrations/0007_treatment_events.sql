-- Treatment events that make questionnaires due (course started, sessions, induction end,
-- maintenance). Append-only: a wrong event is answered by a later one (e.g. course_ended).
-- Keep in step with the PostgreSQL migration.
CREATE TABLE treatment_events (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patients (id),
    event       TEXT NOT NULL CHECK (json_valid(event)),
    at          INTEGER NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX treatment_events_patient ON treatment_events (patient_id, at);
CREATE INDEX treatment_events_at ON treatment_events (at);
CREATE TRIGGER treatment_events_no_update BEFORE UPDATE ON treatment_events
BEGIN SELECT RAISE(ABORT, 'treatment_events is append-only'); END;
CREATE TRIGGER treatment_events_no_delete BEFORE DELETE ON treatment_events
BEGIN SELECT RAISE(ABORT, 'treatment_events is append-only'); END;
