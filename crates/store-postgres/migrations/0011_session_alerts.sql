-- Vital-sign alerts of treatment sessions, stored when their reading arrives (in the same
-- transaction) instead of recomputed on every read, and their acknowledgements. Both tables are
-- append-only: an alert is never edited, and an acknowledgement is a row of its own (one per
-- alert). Keep in step with the SQLite migration.
CREATE TABLE session_alerts (
    id          UUID PRIMARY KEY,
    session_id  UUID NOT NULL REFERENCES treatment_sessions (id),
    code        TEXT NOT NULL CHECK (code IN ('bp_high', 'hr_high', 'hr_low', 'spo2_low', 'rr_low')),
    message     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    device_id   TEXT NOT NULL,
    raised_at   TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (session_id, device_id, at) REFERENCES session_vitals (session_id, device_id, at)
);
-- One alert of a kind per reading (a replayed reading raises nothing twice).
CREATE UNIQUE INDEX session_alerts_reading ON session_alerts (session_id, at, device_id, code);
CREATE TRIGGER session_alerts_no_update BEFORE UPDATE ON session_alerts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER session_alerts_no_delete BEFORE DELETE ON session_alerts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TABLE session_alert_acks (
    alert_id        UUID PRIMARY KEY REFERENCES session_alerts (id),
    acknowledged_by UUID NOT NULL REFERENCES users (id),
    acknowledged_at TIMESTAMPTZ NOT NULL,
    note            TEXT
);
CREATE TRIGGER session_alert_acks_no_update BEFORE UPDATE ON session_alert_acks
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER session_alert_acks_no_delete BEFORE DELETE ON session_alert_acks
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
