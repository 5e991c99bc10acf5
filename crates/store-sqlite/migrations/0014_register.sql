-- The controlled-substance register (issue 6; REFERENCE §7). Keep in step with the PostgreSQL
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
    concentration_ug_per_ml INTEGER NOT NULL CHECK (concentration_ug_per_ml > 0),
    container_ul            INTEGER NOT NULL CHECK (container_ul > 0),
    units_per_package       INTEGER NOT NULL CHECK (units_per_package >= 1),
    multi_dose              INTEGER NOT NULL CHECK (multi_dose IN (0, 1)),
    active                  INTEGER NOT NULL CHECK (active IN (0, 1))
);
INSERT INTO cs_products VALUES
    ('ketamine-10mg-ml-20ml', 'Ketamine HCl injection 10 mg/mL, 20 mL multiple-dose vial', 'vial', NULL, 10000, 20000, 1, 1, 1),
    ('ketamine-50mg-ml-10ml', 'Ketamine HCl injection 50 mg/mL, 10 mL multiple-dose vial', 'vial', NULL, 50000, 10000, 1, 1, 1),
    ('ketamine-100mg-ml-5ml', 'Ketamine HCl injection 100 mg/mL, 5 mL multiple-dose vial (dilute before IV use)', 'vial', NULL, 100000, 5000, 1, 1, 1),
    ('ketamine-100mg-ml-10ml', 'Ketamine HCl injection 100 mg/mL, 10 mL multiple-dose vial (dilute before IV use)', 'vial', NULL, 100000, 10000, 1, 1, 1),
    ('spravato-56mg-kit', 'SPRAVATO (esketamine) nasal spray 28 mg device, 56 mg kit of 2', 'nasal_device', '50458-028-02', 140000, 200, 2, 0, 1),
    ('spravato-84mg-kit', 'SPRAVATO (esketamine) nasal spray 28 mg device, 84 mg kit of 3', 'nasal_device', '50458-028-03', 140000, 200, 3, 0, 1);

CREATE TABLE cs_locations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id)
);

-- Receipts and their containers are records of fact: append-only.
CREATE TABLE cs_receipts (
    id               TEXT PRIMARY KEY,
    supplier_name    TEXT NOT NULL,
    supplier_address TEXT NOT NULL,
    supplier_dea     TEXT NOT NULL,
    invoice          TEXT NOT NULL,
    received_on      TEXT NOT NULL,
    received_at      INTEGER NOT NULL,
    received_by      TEXT NOT NULL REFERENCES users (id),
    product_id       TEXT NOT NULL REFERENCES cs_products (id),
    lot              TEXT NOT NULL,
    expiry           TEXT NOT NULL,
    packages         INTEGER NOT NULL CHECK (packages >= 1),
    location_id      TEXT NOT NULL REFERENCES cs_locations (id)
);
CREATE INDEX cs_receipts_received_at ON cs_receipts (received_at);
CREATE TRIGGER cs_receipts_no_update BEFORE UPDATE ON cs_receipts
BEGIN SELECT RAISE(ABORT, 'cs_receipts is append-only'); END;
CREATE TRIGGER cs_receipts_no_delete BEFORE DELETE ON cs_receipts
BEGIN SELECT RAISE(ABORT, 'cs_receipts is append-only'); END;

CREATE TABLE cs_containers (
    id         TEXT PRIMARY KEY,
    number     INTEGER NOT NULL UNIQUE,
    label      TEXT NOT NULL UNIQUE,
    product_id TEXT NOT NULL REFERENCES cs_products (id),
    receipt_id TEXT NOT NULL REFERENCES cs_receipts (id),
    lot        TEXT NOT NULL,
    expiry     TEXT NOT NULL
);
CREATE INDEX cs_containers_receipt ON cs_containers (receipt_id);
CREATE TRIGGER cs_containers_no_update BEFORE UPDATE ON cs_containers
BEGIN SELECT RAISE(ABORT, 'cs_containers is append-only'); END;
CREATE TRIGGER cs_containers_no_delete BEFORE DELETE ON cs_containers
BEGIN SELECT RAISE(ABORT, 'cs_containers is append-only'); END;

-- The ledger: append-only and hash-chained like audit_events. `movement` is the JSON the hash
-- covers; kind, draw_id, session_id and the deltas are copies for queries, which
-- `ketaclinic ledger verify` checks against it.
CREATE TABLE ledger_entries (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    at           INTEGER NOT NULL,
    container_id TEXT NOT NULL REFERENCES cs_containers (id),
    recorded_by  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    draw_id      TEXT,
    session_id   TEXT,
    delta_ul     INTEGER NOT NULL,
    delta_ug     INTEGER NOT NULL,
    movement     TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX ledger_entries_container ON ledger_entries (container_id, seq);
CREATE INDEX ledger_entries_session ON ledger_entries (session_id);
CREATE INDEX ledger_entries_at ON ledger_entries (at);
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;

-- Count sheets: editable while a draft, locked once signed; never deleted.
CREATE TABLE cs_counts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('initial', 'biennial', 'ad_hoc')),
    timing      TEXT NOT NULL CHECK (timing IN ('opening_of_business', 'close_of_business')),
    location_id TEXT REFERENCES cs_locations (id),
    taken_on    TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    started_by  TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    lines       TEXT NOT NULL,
    signed_by   TEXT REFERENCES users (id),
    signed_at   INTEGER,
    version     INTEGER NOT NULL CHECK (version >= 1)
);
CREATE INDEX cs_counts_started_at ON cs_counts (started_at);
CREATE TRIGGER cs_counts_locked BEFORE UPDATE ON cs_counts WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed count is locked'); END;
CREATE TRIGGER cs_counts_no_delete BEFORE DELETE ON cs_counts
BEGIN SELECT RAISE(ABORT, 'cs_counts rows are never deleted'); END;

-- Loss and theft reports with their two DEA deadlines (REFERENCE §7.8). A task's completion
-- is filled in once; a report is never deleted.
CREATE TABLE cs_loss_reports (
    id            TEXT PRIMARY KEY,
    entry_id      TEXT NOT NULL UNIQUE REFERENCES ledger_entries (id),
    container_id  TEXT NOT NULL REFERENCES cs_containers (id),
    kind          TEXT NOT NULL CHECK (kind IN ('loss', 'theft')),
    qty_ul        INTEGER NOT NULL,
    qty_ug        INTEGER NOT NULL,
    discovered_at INTEGER NOT NULL,
    description   TEXT NOT NULL,
    reported_by   TEXT NOT NULL REFERENCES users (id),
    notify_due    INTEGER NOT NULL,
    form106_due   INTEGER NOT NULL,
    notified_at   INTEGER,
    notified_by   TEXT REFERENCES users (id),
    notified_ref  TEXT,
    form106_at    INTEGER,
    form106_by    TEXT REFERENCES users (id),
    form106_ref   TEXT
);
CREATE TRIGGER cs_loss_reports_fill_once BEFORE UPDATE ON cs_loss_reports
WHEN NEW.id IS NOT OLD.id OR NEW.entry_id IS NOT OLD.entry_id OR NEW.container_id IS NOT OLD.container_id
  OR NEW.kind IS NOT OLD.kind OR NEW.qty_ul IS NOT OLD.qty_ul OR NEW.qty_ug IS NOT OLD.qty_ug
  OR NEW.discovered_at IS NOT OLD.discovered_at OR NEW.description IS NOT OLD.description
  OR NEW.reported_by IS NOT OLD.reported_by OR NEW.notify_due IS NOT OLD.notify_due OR NEW.form106_due IS NOT OLD.form106_due
  OR (OLD.notified_at IS NOT NULL AND (NEW.notified_at IS NOT OLD.notified_at OR NEW.notified_by IS NOT OLD.notified_by
      OR NEW.notified_ref IS NOT OLD.notified_ref))
  OR (OLD.form106_at IS NOT NULL AND (NEW.form106_at IS NOT OLD.form106_at OR NEW.form106_by IS NOT OLD.form106_by
      OR NEW.form106_ref IS NOT OLD.form106_ref))
BEGIN SELECT RAISE(ABORT, 'a loss report is changed only by completing its tasks'); END;
CREATE TRIGGER cs_loss_reports_no_delete BEFORE DELETE ON cs_loss_reports
BEGIN SELECT RAISE(ABORT, 'cs_loss_reports rows are never deleted'); END;
