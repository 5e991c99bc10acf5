-- The controlled-substance register (issue 6; REFERENCE §7). Keep in step with the SQLite
-- migration. Quantities are integer microlitres (ul) and micrograms (ug). Balances are never
-- stored: they are derived from ledger_entries (see domain::register::ledger).

-- The catalogue. Built-in rows from REFERENCE §7.9 (ketamine HCl multiple-dose vials) and §2.1
-- (SPRAVATO 28 mg / 0.2 mL devices; kit NDCs 50458-028-02 and -03 verified on openFDA).
-- Ketamine vial NDCs vary by manufacturer and are left for the clinic to record.
CREATE TABLE cs_products (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    form                    TEXT NOT NULL CHECK (form IN ('vial', 'nasal_device')),
    ndc                     TEXT,
    concentration_ug_per_ml BIGINT NOT NULL CHECK (concentration_ug_per_ml > 0),
    container_ul            BIGINT NOT NULL CHECK (container_ul > 0),
    units_per_package       INTEGER NOT NULL CHECK (units_per_package >= 1),
    multi_dose              BOOLEAN NOT NULL,
    active                  BOOLEAN NOT NULL
);
INSERT INTO cs_products VALUES
    ('ketamine-10mg-ml-20ml', 'Ketamine HCl injection 10 mg/mL, 20 mL multiple-dose vial', 'vial', NULL, 10000, 20000, 1, TRUE, TRUE),
    ('ketamine-50mg-ml-10ml', 'Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial', 'vial', NULL, 50000, 10000, 1, TRUE, TRUE),
    ('ketamine-100mg-ml-5ml', 'Ketamine HCl injection 100 mg/mL, 5 mL multiple-dose vial (dilute before IV use)', 'vial', NULL, 100000, 5000, 1, TRUE, TRUE),
    ('ketamine-100mg-ml-10ml', 'Ketamine HCl injection 100 mg/mL, 10 mL multiple-dose vial (dilute before IV use)', 'vial', NULL, 100000, 10000, 1, TRUE, TRUE),
    ('spravato-56mg-kit', 'SPRAVATO (esketamine) nasal spray 28 mg device, 56 mg kit of 2', 'nasal_device', '50458-028-02', 140000, 200, 2, FALSE, TRUE),
    ('spravato-84mg-kit', 'SPRAVATO (esketamine) nasal spray 28 mg device, 84 mg kit of 3', 'nasal_device', '50458-028-03', 140000, 200, 3, FALSE, TRUE);

CREATE TABLE cs_locations (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID NOT NULL REFERENCES users (id)
);

-- Receipts and their containers are records of fact: append-only.
CREATE TABLE cs_receipts (
    id               UUID PRIMARY KEY,
    supplier_name    TEXT NOT NULL,
    supplier_address TEXT NOT NULL,
    supplier_dea     TEXT NOT NULL,
    invoice          TEXT NOT NULL,
    received_on      DATE NOT NULL,
    received_at      TIMESTAMPTZ NOT NULL,
    received_by      UUID NOT NULL REFERENCES users (id),
    product_id       TEXT NOT NULL REFERENCES cs_products (id),
    lot              TEXT NOT NULL,
    expiry           DATE NOT NULL,
    packages         INTEGER NOT NULL CHECK (packages >= 1),
    location_id      UUID NOT NULL REFERENCES cs_locations (id)
);
CREATE INDEX cs_receipts_received_at ON cs_receipts (received_at);
CREATE TRIGGER cs_receipts_no_update BEFORE UPDATE ON cs_receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER cs_receipts_no_delete BEFORE DELETE ON cs_receipts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER cs_receipts_no_truncate BEFORE TRUNCATE ON cs_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE cs_containers (
    id         UUID PRIMARY KEY,
    number     BIGINT NOT NULL UNIQUE,
    label      TEXT NOT NULL UNIQUE,
    product_id TEXT NOT NULL REFERENCES cs_products (id),
    receipt_id UUID NOT NULL REFERENCES cs_receipts (id),
    lot        TEXT NOT NULL,
    expiry     DATE NOT NULL
);
CREATE INDEX cs_containers_receipt ON cs_containers (receipt_id);
CREATE TRIGGER cs_containers_no_update BEFORE UPDATE ON cs_containers
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER cs_containers_no_delete BEFORE DELETE ON cs_containers
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER cs_containers_no_truncate BEFORE TRUNCATE ON cs_containers
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The ledger: append-only and hash-chained like audit_events. `movement` is the JSON the hash
-- covers; kind, draw_id, session_id and the deltas are copies for queries, which
-- `ketaclinic ledger verify` checks against it.
CREATE TABLE ledger_entries (
    seq          BIGINT PRIMARY KEY,
    id           UUID NOT NULL UNIQUE,
    at           TIMESTAMPTZ NOT NULL,
    container_id UUID NOT NULL REFERENCES cs_containers (id),
    recorded_by  UUID NOT NULL,
    kind         TEXT NOT NULL,
    draw_id      UUID,
    session_id   UUID,
    delta_ul     BIGINT NOT NULL,
    delta_ug     BIGINT NOT NULL,
    movement     TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX ledger_entries_container ON ledger_entries (container_id, seq);
CREATE INDEX ledger_entries_session ON ledger_entries (session_id);
CREATE INDEX ledger_entries_at ON ledger_entries (at);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Count sheets: editable while a draft, locked once signed; never deleted.
CREATE TABLE cs_counts (
    id          UUID PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('initial', 'biennial', 'ad_hoc')),
    timing      TEXT NOT NULL CHECK (timing IN ('opening_of_business', 'close_of_business')),
    location_id UUID REFERENCES cs_locations (id),
    taken_on    DATE NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    started_by  UUID NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    lines       TEXT NOT NULL,
    signed_by   UUID REFERENCES users (id),
    signed_at   TIMESTAMPTZ,
    version     INTEGER NOT NULL CHECK (version >= 1)
);
CREATE INDEX cs_counts_started_at ON cs_counts (started_at);
CREATE TRIGGER cs_counts_locked BEFORE UPDATE ON cs_counts
    FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION refuse_change();
CREATE TRIGGER cs_counts_no_delete BEFORE DELETE ON cs_counts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER cs_counts_no_truncate BEFORE TRUNCATE ON cs_counts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Loss and theft reports with their two DEA deadlines (REFERENCE §7.8). A task's completion
-- is filled in once; a report is never deleted.
CREATE TABLE cs_loss_reports (
    id            UUID PRIMARY KEY,
    entry_id      UUID NOT NULL UNIQUE REFERENCES ledger_entries (id),
    container_id  UUID NOT NULL REFERENCES cs_containers (id),
    kind          TEXT NOT NULL CHECK (kind IN ('loss', 'theft')),
    qty_ul        BIGINT NOT NULL,
    qty_ug        BIGINT NOT NULL,
    discovered_at TIMESTAMPTZ NOT NULL,
    description   TEXT NOT NULL,
    reported_by   UUID NOT NULL REFERENCES users (id),
    notify_due    TIMESTAMPTZ NOT NULL,
    form106_due   TIMESTAMPTZ NOT NULL,
    notified_at   TIMESTAMPTZ,
    notified_by   UUID REFERENCES users (id),
    notified_ref  TEXT,
    form106_at    TIMESTAMPTZ,
    form106_by    UUID REFERENCES users (id),
    form106_ref   TEXT
);
CREATE TRIGGER cs_loss_reports_fill_once BEFORE UPDATE ON cs_loss_reports
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.entry_id IS DISTINCT FROM OLD.entry_id
        OR NEW.container_id IS DISTINCT FROM OLD.container_id OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.qty_ul IS DISTINCT FROM OLD.qty_ul OR NEW.qty_ug IS DISTINCT FROM OLD.qty_ug
        OR NEW.discovered_at IS DISTINCT FROM OLD.discovered_at OR NEW.description IS DISTINCT FROM OLD.description
        OR NEW.reported_by IS DISTINCT FROM OLD.reported_by OR NEW.notify_due IS DISTINCT FROM OLD.notify_due
        OR NEW.form106_due IS DISTINCT FROM OLD.form106_due
        OR (OLD.notified_at IS NOT NULL AND (NEW.notified_at IS DISTINCT FROM OLD.notified_at
            OR NEW.notified_by IS DISTINCT FROM OLD.notified_by OR NEW.notified_ref IS DISTINCT FROM OLD.notified_ref))
        OR (OLD.form106_at IS NOT NULL AND (NEW.form106_at IS DISTINCT FROM OLD.form106_at
            OR NEW.form106_by IS DISTINCT FROM OLD.form106_by OR NEW.form106_ref IS DISTINCT FROM OLD.form106_ref)))
    EXECUTE FUNCTION refuse_change();
CREATE TRIGGER cs_loss_reports_no_delete BEFORE DELETE ON cs_loss_reports
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER cs_loss_reports_no_truncate BEFORE TRUNCATE ON cs_loss_reports
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
