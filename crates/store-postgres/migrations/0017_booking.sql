-- Scheduling (issue 8, items 1–2). Keep in step with the SQLite migration.
--
-- Chairs, rooms and staff hours are settings, replaced in place; every change is audited with
-- its reason. Appointments are never deleted: cancellations and no-shows change the status and
-- keep the reason. Double booking is refused by the constraint check run inside the write.
CREATE TABLE booking_spaces (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('chair', 'room')),
    active     BOOLEAN NOT NULL,
    updated_by UUID NOT NULL REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL
);

-- Seven comma-separated days from Monday, each 'HH:MM-HH:MM' or empty for a day off.
CREATE TABLE booking_staff (
    user_id    UUID PRIMARY KEY REFERENCES users (id),
    hours      TEXT NOT NULL,
    presence   TEXT NOT NULL CHECK (presence IN ('on_site', 'remote')),
    updated_by UUID NOT NULL REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE appointments (
    id         UUID PRIMARY KEY,
    patient_id UUID NOT NULL REFERENCES patients (id),
    kind       TEXT NOT NULL,
    start_at   TIMESTAMPTZ NOT NULL,
    end_at     TIMESTAMPTZ NOT NULL,
    space_id   UUID REFERENCES booking_spaces (id),
    attending  UUID REFERENCES users (id),
    nurse      UUID REFERENCES users (id),
    prescriber UUID REFERENCES users (id),
    status     TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'no_show')),
    reason     TEXT,
    booked_by  UUID NOT NULL REFERENCES users (id),
    booked_at  TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (end_at > start_at)
);
CREATE INDEX appointments_start ON appointments (start_at);
CREATE INDEX appointments_patient ON appointments (patient_id, start_at);
CREATE TRIGGER appointments_no_delete BEFORE DELETE ON appointments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER appointments_no_truncate BEFORE TRUNCATE ON appointments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The waitlist (issue 8, item 5). Leaving it sets removed_at with a reason; rows stay.
-- days: Monday-zero offsets, comma-separated; windows: 'HH:MM-HH:MM' separated by ';'.
CREATE TABLE waitlist_entries (
    id            UUID PRIMARY KEY,
    patient_id    UUID NOT NULL REFERENCES patients (id),
    kind          TEXT NOT NULL,
    days          TEXT NOT NULL,
    windows       TEXT NOT NULL,
    urgency       TEXT NOT NULL CHECK (urgency IN ('routine', 'soon', 'urgent')),
    added_by      UUID NOT NULL REFERENCES users (id),
    added_at      TIMESTAMPTZ NOT NULL,
    removed_at    TIMESTAMPTZ,
    remove_reason TEXT
);
CREATE TRIGGER waitlist_entries_no_delete BEFORE DELETE ON waitlist_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER waitlist_entries_no_truncate BEFORE TRUNCATE ON waitlist_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
