-- Billing (issue 8, items 8–9). Keep in step with the PostgreSQL migration.
--
-- Money is integer cents. Everything but patient_billing is append-only (triggers refuse UPDATE
-- and DELETE): a price change is a new fee-schedule version, a charge keeps the price it was
-- captured at, an invoice keeps its lines, and a mistaken payment is answered by a refund.
CREATE TABLE fee_schedule_versions (
    version    INTEGER PRIMARY KEY CHECK (version >= 1),
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE TRIGGER fee_schedule_versions_no_update BEFORE UPDATE ON fee_schedule_versions
BEGIN SELECT RAISE(ABORT, 'fee_schedule_versions is append-only'); END;
CREATE TRIGGER fee_schedule_versions_no_delete BEFORE DELETE ON fee_schedule_versions
BEGIN SELECT RAISE(ABORT, 'fee_schedule_versions is append-only'); END;

CREATE TABLE fee_schedule_entries (
    version     INTEGER NOT NULL REFERENCES fee_schedule_versions (version),
    position    INTEGER NOT NULL,
    code        TEXT NOT NULL,
    description TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (version, code),
    UNIQUE (version, position)
);
CREATE TRIGGER fee_schedule_entries_no_update BEFORE UPDATE ON fee_schedule_entries
BEGIN SELECT RAISE(ABORT, 'fee_schedule_entries is append-only'); END;
CREATE TRIGGER fee_schedule_entries_no_delete BEFORE DELETE ON fee_schedule_entries
BEGIN SELECT RAISE(ABORT, 'fee_schedule_entries is append-only'); END;

-- A setting, not a record of fact: replaced in place, its changes kept in the audit log.
CREATE TABLE patient_billing (
    patient_id TEXT PRIMARY KEY REFERENCES patients (id),
    medicare   INTEGER NOT NULL CHECK (medicare IN (0, 1)),
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at INTEGER NOT NULL
);

-- One row per captured line; (session_id, line) is written once, so a second capture of the
-- same session is refused even when two race.
CREATE TABLE charges (
    id                   TEXT PRIMARY KEY,
    patient_id           TEXT NOT NULL REFERENCES patients (id),
    session_id           TEXT NOT NULL REFERENCES treatment_sessions (id),
    line                 INTEGER NOT NULL CHECK (line >= 1),
    service_at           INTEGER NOT NULL,
    code                 TEXT NOT NULL,
    modifiers            TEXT NOT NULL,
    units                INTEGER NOT NULL CHECK (units >= 1),
    description          TEXT NOT NULL,
    unit_price_cents     INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    amount_cents         INTEGER NOT NULL CHECK (amount_cents >= 0),
    diagnoses            TEXT NOT NULL,
    fee_schedule_version INTEGER NOT NULL REFERENCES fee_schedule_versions (version),
    captured_by          TEXT NOT NULL REFERENCES users (id),
    captured_at          INTEGER NOT NULL,
    UNIQUE (session_id, line)
);
CREATE INDEX charges_patient ON charges (patient_id, service_at);
CREATE TRIGGER charges_no_update BEFORE UPDATE ON charges
BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;
CREATE TRIGGER charges_no_delete BEFORE DELETE ON charges
BEGIN SELECT RAISE(ABORT, 'charges is append-only'); END;

CREATE TABLE invoices (
    id         TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX invoices_patient ON invoices (patient_id, created_at);
CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'invoices is append-only'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'invoices is append-only'); END;

-- A charge is on at most one invoice (charge_id is unique).
CREATE TABLE invoice_lines (
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    line       INTEGER NOT NULL CHECK (line >= 1),
    charge_id  TEXT NOT NULL UNIQUE REFERENCES charges (id),
    PRIMARY KEY (invoice_id, line)
);
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'invoice_lines is append-only'); END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
BEGIN SELECT RAISE(ABORT, 'invoice_lines is append-only'); END;

-- Payments and refunds, recorded not processed; (invoice_id, seq) is written once, so two
-- racing refunds cannot both pass the "no more than was paid" check.
CREATE TABLE payments (
    id           TEXT PRIMARY KEY,
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    kind         TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    reference    TEXT,
    recorded_by  TEXT NOT NULL REFERENCES users (id),
    recorded_at  INTEGER NOT NULL,
    UNIQUE (invoice_id, seq)
);
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'payments is append-only'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'payments is append-only'); END;
