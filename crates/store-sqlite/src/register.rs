//! The controlled-substance register on SQLite: the catalogue, storage locations, receipts and
//! their containers, and the hash-chained ledger. Every new ledger row passes the domain's gate
//! ([`Ledger::apply`]) inside the write transaction, against the rows that transaction sees, so
//! two draws racing for one vial cannot both succeed when only one fits. Count sheets and loss
//! reports are in `register_counts`.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_domain::audit::{AuditEvent, GENESIS_HASH};
use ketaclinic_domain::ids::{ContainerId, CountId, LedgerEntryId, LocationId, LossReportId, ReceiptId, TreatmentSessionId, UserId};
use ketaclinic_domain::register::container::{Container, Receipt};
use ketaclinic_domain::register::count::Count;
use ketaclinic_domain::register::ledger::Ledger;
use ketaclinic_domain::register::loss::{LossReport, LossTask, TaskDone};
use ketaclinic_domain::register::movement::{LedgerEntry, NewEntry};
use ketaclinic_domain::register::product::{Location, Ndc, Product, ProductForm};
use ketaclinic_domain::register::quantity::Concentration;
use ketaclinic_store::{RegisterStore, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension, Params, Row, params, params_from_iter};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_i64, to_u32, to_u64, to_us, uuid, wq};
use crate::read::{int, opt_text, text};
use crate::register_counts;
use crate::writer::WriteState;

/// A civil date column (`YYYY-MM-DD`).
pub(crate) fn date(row: &Row<'_>, col: &str) -> StoreResult<Date> {
    let raw = text(row, col)?;
    raw.parse().map_err(|e| StoreError::Corrupt(format!("{col} {raw}: {e}")))
}

/// Every row of `sql` on the write connection, parsed.
pub(crate) fn rows<T>(conn: &Connection, sql: &str, params: impl Params, parse: impl Fn(&Row<'_>) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(wq)?;
    let mut rows = stmt.query(params).map_err(wq)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(wq)? {
        out.push(parse(row)?);
    }
    Ok(out)
}

/// Whether a row with this id exists in `table` (a fixed table name, never user input).
pub(crate) fn exists(conn: &Connection, table: &str, id: &str) -> StoreResult<bool> {
    let found: Option<i64> = conn.query_row(&format!("SELECT 1 FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).optional().map_err(wq)?;
    Ok(found.is_some())
}

/// Built-in products first (by form, strength and size), then the clinic's own by name.
const PRODUCTS: &str = "SELECT * FROM cs_products ORDER BY \
     CASE WHEN id IN ('ketamine-10mg-ml-20ml', 'ketamine-50mg-ml-10ml', 'ketamine-100mg-ml-5ml', 'ketamine-100mg-ml-10ml', 'spravato-56mg-kit', 'spravato-84mg-kit') \
     THEN 0 ELSE 1 END, \
     CASE WHEN id IN ('ketamine-10mg-ml-20ml', 'ketamine-50mg-ml-10ml', 'ketamine-100mg-ml-5ml', 'ketamine-100mg-ml-10ml', 'spravato-56mg-kit', 'spravato-84mg-kit') \
     THEN '' ELSE name END, \
     form, concentration_ug_per_ml, container_ul, id";

fn product(row: &Row<'_>) -> StoreResult<Product> {
    let form = text(row, "form")?;
    Ok(Product {
        id: text(row, "id")?,
        name: text(row, "name")?,
        form: ProductForm::parse(&form).ok_or_else(|| StoreError::Corrupt(format!("product form {form}")))?,
        ndc: opt_text(row, "ndc")?.map(|n| Ndc::new(&n).map_err(corrupt("product ndc"))).transpose()?,
        concentration: Concentration::new(to_u64(int(row, "concentration_ug_per_ml")?, "concentration")?).map_err(corrupt("product concentration"))?,
        container_ul: to_u64(int(row, "container_ul")?, "container_ul")?,
        units_per_package: to_u32(int(row, "units_per_package")?, "units_per_package")?,
        multi_dose: int(row, "multi_dose")? != 0,
        active: int(row, "active")? != 0,
    })
}

fn location(row: &Row<'_>) -> StoreResult<Location> {
    Ok(Location { id: LocationId(uuid(&text(row, "id")?)?), name: text(row, "name")?, active: int(row, "active")? != 0 })
}

fn receipt(row: &Row<'_>) -> StoreResult<Receipt> {
    Ok(Receipt {
        id: ReceiptId(uuid(&text(row, "id")?)?),
        supplier_name: text(row, "supplier_name")?,
        supplier_address: text(row, "supplier_address")?,
        supplier_dea: text(row, "supplier_dea")?,
        invoice: text(row, "invoice")?,
        received_on: date(row, "received_on")?,
        received_at: from_us(int(row, "received_at")?)?,
        received_by: UserId(uuid(&text(row, "received_by")?)?),
        product_id: text(row, "product_id")?,
        lot: text(row, "lot")?,
        expiry: date(row, "expiry")?,
        packages: to_u32(int(row, "packages")?, "packages")?,
        location_id: LocationId(uuid(&text(row, "location_id")?)?),
    })
}

fn container(row: &Row<'_>) -> StoreResult<Container> {
    Ok(Container {
        id: ContainerId(uuid(&text(row, "id")?)?),
        number: to_u64(int(row, "number")?, "container number")?,
        label: text(row, "label")?,
        product_id: text(row, "product_id")?,
        receipt_id: ReceiptId(uuid(&text(row, "receipt_id")?)?),
        lot: text(row, "lot")?,
        expiry: date(row, "expiry")?,
    })
}

/// A stored ledger row. The movement JSON is what the hash covers and the only source of the
/// movement; `kind`, `draw_id`, `session_id` and the deltas are copies for queries.
fn ledger_entry(row: &Row<'_>) -> StoreResult<LedgerEntry> {
    let movement = serde_json::from_str(&text(row, "movement")?)
        .map_err(|e| StoreError::Corrupt(format!("ledger row seq={}: the movement is unreadable ({e})", int(row, "seq").unwrap_or(-1))))?;
    Ok(LedgerEntry {
        seq: to_u64(int(row, "seq")?, "ledger seq")?,
        entry: NewEntry {
            id: LedgerEntryId(uuid(&text(row, "id")?)?),
            at: from_us(int(row, "at")?)?,
            container_id: ContainerId(uuid(&text(row, "container_id")?)?),
            recorded_by: UserId(uuid(&text(row, "recorded_by")?)?),
            movement,
        },
        prev_hash: text(row, "prev_hash")?,
        hash: text(row, "hash")?,
    })
}

/// Checks `entries`, in order, against the ledger of the containers they touch as this
/// transaction sees it, then chains and inserts them. `Conflict`, with nothing written, when
/// the gate refuses one. Runs inside the writer's transaction (which holds SQLite's write lock);
/// the chain head is read afresh every time, never cached, so a rolled-back savepoint cannot
/// leave a stale head behind.
pub(crate) fn post(w: &mut WriteState, entries: Vec<NewEntry>) -> StoreResult<Vec<LedgerEntry>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut touched: Vec<String> = entries.iter().map(|e| e.container_id.to_string()).collect();
    touched.sort();
    touched.dedup();
    let placeholders = (1..=touched.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let stored =
        rows(&w.conn, &format!("SELECT * FROM ledger_entries WHERE container_id IN ({placeholders}) ORDER BY seq"), params_from_iter(touched), ledger_entry)?;
    let mut ledger = Ledger::from_entries(stored.iter().map(|r| &r.entry)).map_err(|(id, e)| StoreError::Corrupt(format!("ledger entry {id}: {e}")))?;
    for entry in &entries {
        ledger.apply(entry).map_err(|e| StoreError::Conflict(e.to_string()))?;
    }
    let head: Option<(i64, String)> =
        w.conn.query_row("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(wq)?;
    let (mut seq, mut prev) = match head {
        Some((seq, hash)) => (to_u64(seq, "ledger seq")?, hash),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let mut insert = w
        .conn
        .prepare_cached(
            "INSERT INTO ledger_entries (seq, id, at, container_id, recorded_by, kind, draw_id, session_id, delta_ul, delta_ug, movement, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .map_err(wq)?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        let row = entry.chain(seq, &prev);
        let (e, delta) = (&row.entry, row.entry.movement.container_delta());
        insert
            .execute(params![
                to_i64(row.seq)?,
                e.id.to_string(),
                to_us(e.at),
                e.container_id.to_string(),
                e.recorded_by.to_string(),
                e.movement.kind(),
                e.movement.draw_id().map(|d| d.to_string()),
                e.movement.session_id().map(|s| s.to_string()),
                delta.ul,
                delta.ug,
                e.movement_json(),
                row.prev_hash,
                row.hash
            ])
            .map_err(wq)?;
        prev.clone_from(&row.hash);
        out.push(row);
    }
    Ok(out)
}

fn insert_receipt_row(w: &mut WriteState, r: &Receipt) -> StoreResult<()> {
    w.conn
        .execute(
            "INSERT INTO cs_receipts (id, supplier_name, supplier_address, supplier_dea, invoice, received_on, received_at, received_by, product_id, lot, \
             expiry, packages, location_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                r.id.to_string(),
                r.supplier_name,
                r.supplier_address,
                r.supplier_dea,
                r.invoice,
                r.received_on.to_string(),
                to_us(r.received_at),
                r.received_by.to_string(),
                r.product_id,
                r.lot,
                r.expiry.to_string(),
                i64::from(r.packages),
                r.location_id.to_string()
            ],
        )
        .map_err(wq)?;
    Ok(())
}

fn insert_container_row(w: &mut WriteState, c: &Container) -> StoreResult<()> {
    w.conn
        .execute(
            "INSERT INTO cs_containers (id, number, label, product_id, receipt_id, lot, expiry) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![c.id.to_string(), to_i64(c.number)?, c.label, c.product_id, c.receipt_id.to_string(), c.lot, c.expiry.to_string()],
        )
        .map_err(wq)?;
    Ok(())
}

#[async_trait]
impl RegisterStore for SqliteStore {
    async fn cs_products(&self) -> StoreResult<Vec<Product>> {
        self.read.all(PRODUCTS, [], product)
    }

    async fn insert_cs_product(&self, p: &Product, audit: AuditEvent) -> StoreResult<()> {
        let p = p.clone();
        let (concentration, container_ul) = (to_i64(p.concentration.ug_per_ml())?, to_i64(p.container_ul)?);
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO cs_products (id, name, form, ndc, concentration_ug_per_ml, container_ul, units_per_package, multi_dose, active) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            p.id,
                            p.name,
                            p.form.as_str(),
                            p.ndc.as_ref().map(Ndc::as_str),
                            concentration,
                            container_ul,
                            i64::from(p.units_per_package),
                            i64::from(p.multi_dose),
                            i64::from(p.active)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn cs_locations(&self) -> StoreResult<Vec<Location>> {
        self.read.all("SELECT * FROM cs_locations ORDER BY name, id", [], location)
    }

    async fn insert_cs_location(&self, l: &Location, by: UserId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        let l = l.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO cs_locations (id, name, active, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![l.id.to_string(), l.name, i64::from(l.active), to_us(at), by.to_string()],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn insert_receipt(
        &self,
        receipt: &Receipt,
        containers: Vec<(Container, NewEntry)>,
        prefix: &str,
        audit: AuditEvent,
    ) -> StoreResult<(Vec<Container>, Vec<LedgerEntry>)> {
        let (r, prefix) = (receipt.clone(), prefix.to_owned());
        self.writer
            .write(move |w| {
                let highest: i64 = w.conn.query_row("SELECT COALESCE(MAX(number), 0) FROM cs_containers", [], |r| r.get(0)).map_err(wq)?;
                let mut number = to_u64(highest, "container number")?;
                insert_receipt_row(w, &r)?;
                let mut stored = Vec::with_capacity(containers.len());
                let mut entries = Vec::with_capacity(containers.len());
                for (mut c, entry) in containers {
                    if entry.container_id != c.id {
                        return Err(StoreError::Conflict(format!("the receipt row of container {} names container {}", c.id, entry.container_id)));
                    }
                    number += 1;
                    c.number = number;
                    c.label = format!("{prefix}-{number:06}");
                    insert_container_row(w, &c)?;
                    stored.push(c);
                    entries.push(entry);
                }
                let rows = post(w, entries)?;
                append(w, vec![audit])?;
                Ok((stored, rows))
            })
            .await
    }

    async fn cs_receipts(&self) -> StoreResult<Vec<Receipt>> {
        self.read.all("SELECT * FROM cs_receipts ORDER BY received_at DESC, id DESC", [], receipt)
    }

    async fn cs_container(&self, id: ContainerId) -> StoreResult<Option<Container>> {
        self.read.one("SELECT * FROM cs_containers WHERE id = ?1", [id.to_string()], container)
    }

    async fn cs_containers(&self) -> StoreResult<Vec<Container>> {
        self.read.all("SELECT * FROM cs_containers ORDER BY number", [], container)
    }

    async fn post_movements(&self, entries: Vec<NewEntry>, loss: Option<LossReport>, audit: Vec<AuditEvent>) -> StoreResult<Vec<LedgerEntry>> {
        self.writer
            .write(move |w| {
                let rows = post(w, entries)?;
                // After its ledger row, which the report references.
                if let Some(loss) = &loss {
                    register_counts::insert_loss(w, loss)?;
                }
                append(w, audit)?;
                Ok(rows)
            })
            .await
    }

    async fn ledger_entries_of(&self, containers: &[ContainerId]) -> StoreResult<Vec<LedgerEntry>> {
        if containers.is_empty() {
            return self.read.all("SELECT * FROM ledger_entries ORDER BY seq", [], ledger_entry);
        }
        let placeholders = (1..=containers.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let ids = containers.iter().map(ContainerId::to_string);
        self.read.all(&format!("SELECT * FROM ledger_entries WHERE container_id IN ({placeholders}) ORDER BY seq"), params_from_iter(ids), ledger_entry)
    }

    async fn ledger_page(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LedgerEntry>> {
        self.read.all("SELECT * FROM ledger_entries WHERE seq > ?1 ORDER BY seq LIMIT ?2", [to_i64(after_seq)?, i64::from(limit)], ledger_entry)
    }

    async fn ledger_for_session(&self, session: TreatmentSessionId) -> StoreResult<Vec<LedgerEntry>> {
        self.read.all(
            "SELECT * FROM ledger_entries WHERE container_id IN (SELECT container_id FROM ledger_entries WHERE session_id = ?1 AND kind = 'draw') ORDER BY seq",
            [session.to_string()],
            ledger_entry,
        )
    }

    async fn insert_count(&self, count: &Count, audit: AuditEvent) -> StoreResult<()> {
        let row = register_counts::CountRow::of(count)?;
        self.writer
            .write(move |w| {
                row.insert(w)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn cs_count(&self, id: CountId) -> StoreResult<Option<Count>> {
        self.read.one("SELECT * FROM cs_counts WHERE id = ?1", [id.to_string()], register_counts::count)
    }

    async fn cs_counts(&self) -> StoreResult<Vec<Count>> {
        self.read.all("SELECT * FROM cs_counts ORDER BY started_at DESC, id DESC", [], register_counts::count)
    }

    async fn save_count(&self, count: &Count, audit: AuditEvent) -> StoreResult<()> {
        let row = register_counts::CountRow::of(count)?;
        self.writer
            .write(move |w| {
                row.update(w, false)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn sign_count(&self, count: &Count, entries: Vec<NewEntry>, audit: AuditEvent) -> StoreResult<Vec<LedgerEntry>> {
        let row = register_counts::CountRow::of(count)?;
        self.writer
            .write(move |w| {
                row.update(w, true)?;
                let rows = post(w, entries)?;
                append(w, vec![audit])?;
                Ok(rows)
            })
            .await
    }

    async fn loss_reports(&self) -> StoreResult<Vec<LossReport>> {
        self.read.all("SELECT * FROM cs_loss_reports ORDER BY discovered_at DESC, id DESC", [], register_counts::loss_report)
    }

    async fn complete_loss_task(&self, id: LossReportId, task: LossTask, done: &TaskDone, audit: AuditEvent) -> StoreResult<()> {
        let done = done.clone();
        self.writer
            .write(move |w| {
                register_counts::complete_task(w, id, task, &done)?;
                append(w, vec![audit])
            })
            .await
    }
}
