-- Scheduling (issue 8, items 1–2). Keep in step with the PostgreSQL migration.
--
-- Chairs, rooms and staff hours are settings, replaced in place; every change is audited with
-- its reason. Appointments are never deleted: cancellations and no-shows change the status and
-- keep the reason. Double booking is refused by the constraint check run inside the write.
CREATE TABLE booking_spaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('chair', 'room')),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at INTEGER NOT NULL
);

-- Seven comma-separated days from Monday, each 'HH:MM-HH:MM' or empty for a day off.
CREATE TABLE booking_staff (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    hours      TEXT NOT NULL,
    presence   TEXT NOT NULL CHECK (presence IN ('on_site', 'remote')),
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at INTEGER NOT NULL
);

CREATE TABLE appointments (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    kind       TEXT NOT NULL,
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    space_id   TEXT REFERENCES booking_spaces (id),
    attending  TEXT REFERENCES users (id),
    nurse      TEXT REFERENCES users (id),
    prescriber TEXT REFERENCES users (id),
    status     TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'no_show')),
    reason     TEXT,
    booked_by  TEXT NOT NULL REFERENCES users (id),
    booked_at  INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX appointments_start ON appointments (start_at);
CREATE INDEX appointments_patient ON appointments (patient_id, start_at);
CREATE TRIGGER appointments_no_delete BEFORE DELETE ON appointments
BEGIN SELECT RAISE(ABORT, 'appointments are cancelled, never deleted'); END;

-- The waitlist (issue 8, item 5). Leaving it sets removed_at with a reason; rows stay.
-- days: Monday-zero offsets, comma-separated; windows: 'HH:MM-HH:MM' separated by ';'.
CREATE TABLE waitlist_entries (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients (id),
    kind          TEXT NOT NULL,
    days          TEXT NOT NULL,
    windows       TEXT NOT NULL,
    urgency       TEXT NOT NULL CHECK (urgency IN ('routine', 'soon', 'urgent')),
    added_by      TEXT NOT NULL REFERENCES users (id),
    added_at      INTEGER NOT NULL,
    removed_at    INTEGER,
    remove_reason TEXT
);
CREATE TRIGGER waitlist_entries_no_delete BEFORE DELETE ON waitlist_entries
BEGIN SELECT RAISE(ABORT, 'waitlist entries are removed with a reason, never deleted'); END;
