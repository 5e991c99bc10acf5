-- Enquiries (call-back requests) and contact attempts. Keep in step with the SQLite migration.
CREATE TABLE enquiries (
    id                 UUID PRIMARY KEY,
    name               TEXT NOT NULL,
    phone              TEXT NOT NULL,
    email              TEXT,
    message            TEXT,
    best_time          TEXT,
    consent_to_contact BOOLEAN NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('web_form', 'staff')),
    recorded_by        UUID REFERENCES users (id),
    received_at        TIMESTAMPTZ NOT NULL,
    contact_due_by     TIMESTAMPTZ NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('new', 'attempted', 'reached', 'consult_booked', 'converted', 'closed')),
    closed_reason      TEXT,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX enquiries_queue ON enquiries (status, contact_due_by, id);

CREATE TABLE enquiry_contact_attempts (
    id          UUID PRIMARY KEY,
    enquiry_id  UUID NOT NULL REFERENCES enquiries (id),
    at          TIMESTAMPTZ NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('phone', 'sms', 'email')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'left_voicemail', 'message_sent', 'wrong_number')),
    note        TEXT,
    recorded_by UUID NOT NULL REFERENCES users (id)
);
CREATE INDEX enquiry_contact_attempts_enquiry ON enquiry_contact_attempts (enquiry_id, at);
