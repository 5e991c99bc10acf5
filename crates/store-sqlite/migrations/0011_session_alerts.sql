-- Vital-sign alerts of treatment sessions, stored when their reading arrives (in the same
-- transaction) instead of recomputed on every read, and their acknowledgements. Both tables are
-- append-only: an alert is never edited, and an acknowledgement is a row of its own (one per
-- alert). Keep in step with the PostgreSQL migration.
CREATE TABLE session_alerts (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES treatment_sessions (id),
    code        TEXT NOT NULL CHECK (code IN ('bp_high', 'hr_high', 'hr_low', 'spo2_low', 'rr_low')),
    message     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    device_id   TEXT NOT NULL,
    raised_at   INTEGER NOT NULL,
    FOREIGN KEY (session_id, device_id, at) REFERENCES session_vitals (session_id, device_id, at)
);
-- One alert of a kind per reading (a replayed reading raises nothing twice).
CREATE UNIQUE INDEX session_alerts_reading ON session_alerts (session_id, at, device_id, code);
CREATE TRIGGER session_alerts_no_update BEFORE UPDATE ON session_alerts
BEGIN SELECT RAISE(ABORT, 'session_alerts is append-only'); END;
CREATE TRIGGER session_alerts_no_delete BEFORE DELETE ON session_alerts
BEGIN SELECT RAISE(ABORT, 'session_alerts is append-only'); END;
CREATE TABLE session_alert_acks (
    alert_id        TEXT PRIMARY KEY REFERENCES session_alerts (id),
    acknowledged_by TEXT NOT NULL REFERENCES users (id),
    acknowledged_at INTEGER NOT NULL,
    note            TEXT
);
CREATE TRIGGER session_alert_acks_no_update BEFORE UPDATE ON session_alert_acks
BEGIN SELECT RAISE(ABORT, 'session_alert_acks is append-only'); END;
CREATE TRIGGER session_alert_acks_no_delete BEFORE DELETE ON session_alert_acks
BEGIN SELECT RAISE(ABORT, 'session_alert_acks is append-only'); END;
