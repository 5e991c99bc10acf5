-- Enquiries (call-back requests) and contact attempts. Keep in step with the PostgreSQL migration.
CREATE TABLE enquiries (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    phone              TEXT NOT NULL,
    email              TEXT,
    message            TEXT,
    best_time          TEXT,
    consent_to_contact INTEGER NOT NULL CHECK (consent_to_contact IN (0, 1)),
    source             TEXT NOT NULL CHECK (source IN ('web_form', 'staff')),
    recorded_by        TEXT REFERENCES users (id),
    received_at        INTEGER NOT NULL,
    contact_due_by     INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('new', 'attempted', 'reached', 'consult_booked', 'converted', 'closed')),
    closed_reason      TEXT,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX enquiries_queue ON enquiries (status, contact_due_by, id);

CREATE TABLE enquiry_contact_attempts (
    id          TEXT PRIMARY KEY,
    enquiry_id  TEXT NOT NULL REFERENCES enquiries (id),
    at          INTEGER NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('phone', 'sms', 'email')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'left_voicemail', 'message_sent', 'wrong_number')),
    note        TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX enquiry_contact_attempts_enquiry ON enquiry_contact_attempts (enquiry_id, at);
