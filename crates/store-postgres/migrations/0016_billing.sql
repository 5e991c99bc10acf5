-- Billing (issue 8, items 8–9). Keep in step with the SQLite migration.
--
-- Money is integer cents. Everything but patient_billing is append-only (triggers refuse UPDATE
-- and DELETE): a price change is a new fee-schedule version, a charge keeps the price it was
-- captured at, an invoice keeps its lines, and a mistaken payment is answered by a refund.
CREATE TABLE fee_schedule_versions (
    version    INTEGER PRIMARY KEY CHECK (version >= 1),
    reason     TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER fee_schedule_versions_no_update BEFORE UPDATE ON fee_schedule_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_schedule_versions_no_delete BEFORE DELETE ON fee_schedule_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_schedule_versions_no_truncate BEFORE TRUNCATE ON fee_schedule_versions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE fee_schedule_entries (
    version     INTEGER NOT NULL REFERENCES fee_schedule_versions (version),
    position    INTEGER NOT NULL,
    code        TEXT NOT NULL,
    description TEXT NOT NULL,
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (version, code),
    UNIQUE (version, position)
);
CREATE TRIGGER fee_schedule_entries_no_update BEFORE UPDATE ON fee_schedule_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_schedule_entries_no_delete BEFORE DELETE ON fee_schedule_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fee_schedule_entries_no_truncate BEFORE TRUNCATE ON fee_schedule_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A setting, not a record of fact: replaced in place, its changes kept in the audit log.
CREATE TABLE patient_billing (
    patient_id UUID PRIMARY KEY REFERENCES patients (id),
    medicare   BOOLEAN NOT NULL,
    updated_by UUID NOT NULL REFERENCES users (id),
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per captured line; (session_id, line) is written once, so a second capture of the
-- same session is refused even when two race.
CREATE TABLE charges (
    id                   UUID PRIMARY KEY,
    patient_id           UUID NOT NULL REFERENCES patients (id),
    session_id           UUID NOT NULL REFERENCES treatment_sessions (id),
    line                 INTEGER NOT NULL CHECK (line >= 1),
    service_at           TIMESTAMPTZ NOT NULL,
    code                 TEXT NOT NULL,
    modifiers            TEXT NOT NULL,
    units                INTEGER NOT NULL CHECK (units >= 1),
    description          TEXT NOT NULL,
    unit_price_cents     BIGINT NOT NULL CHECK (unit_price_cents >= 0),
    amount_cents         BIGINT NOT NULL CHECK (amount_cents >= 0),
    diagnoses            TEXT NOT NULL,
    fee_schedule_version INTEGER NOT NULL REFERENCES fee_schedule_versions (version),
    captured_by          UUID NOT NULL REFERENCES users (id),
    captured_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (session_id, line)
);
CREATE INDEX charges_patient ON charges (patient_id, service_at);
CREATE TRIGGER charges_no_update BEFORE UPDATE ON charges
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER charges_no_delete BEFORE DELETE ON charges
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER charges_no_truncate BEFORE TRUNCATE ON charges
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE invoices (
    id         UUID PRIMARY KEY,
    patient_id UUID NOT NULL REFERENCES patients (id),
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX invoices_patient ON invoices (patient_id, created_at);
CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A charge is on at most one invoice (charge_id is unique).
CREATE TABLE invoice_lines (
    invoice_id UUID NOT NULL REFERENCES invoices (id),
    line       INTEGER NOT NULL CHECK (line >= 1),
    charge_id  UUID NOT NULL UNIQUE REFERENCES charges (id),
    PRIMARY KEY (invoice_id, line)
);
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER invoice_lines_no_truncate BEFORE TRUNCATE ON invoice_lines
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Payments and refunds, recorded not processed; (invoice_id, seq) is written once, so two
-- racing refunds cannot both pass the "no more than was paid" check.
CREATE TABLE payments (
    id           UUID PRIMARY KEY,
    invoice_id   UUID NOT NULL REFERENCES invoices (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    kind         TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    method       TEXT NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    reference    TEXT,
    recorded_by  UUID NOT NULL REFERENCES users (id),
    recorded_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (invoice_id, seq)
);
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
