-- Treatment events that make questionnaires due (course started, sessions, induction end,
-- maintenance). Append-only: a wrong event is answered by a later one (e.g. course_ended).
-- Keep in step with the SQLite migration.
CREATE TABLE treatment_events (
    id          UUID PRIMARY KEY,
    patient_id  UUID NOT NULL REFERENCES patients (id),
    event       JSONB NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    recorded_by UUID REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX treatment_events_patient ON treatment_events (patient_id, at);
CREATE INDEX treatment_events_at ON treatment_events (at);
CREATE TRIGGER treatment_events_no_update BEFORE UPDATE ON treatment_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER treatment_events_no_delete BEFORE DELETE ON treatment_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
