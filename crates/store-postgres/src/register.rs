//! The controlled-substance register on PostgreSQL: the catalogue, storage locations, receipts
//! and their containers, and the hash-chained ledger. Every new ledger row passes the domain's
//! gate ([`Ledger::apply`]) inside the write transaction, against the rows that transaction sees;
//! every write transaction holds the cross-process write lock (see the crate docs), so two draws
//! racing for one vial — in this process or another — cannot both succeed when only one fits.
//! Count sheets and loss reports are in `register_counts`.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff_sqlx::ToSqlx;
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
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, to_i32, to_i64, to_u32, to_u64, ts};
use crate::register_counts;
use crate::{PgStore, WriteConn};

pub(crate) fn get<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(row: &PgRow, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(map_err)
}

pub(crate) fn get_date(row: &PgRow, column: &str) -> StoreResult<Date> {
    Ok(get::<jiff_sqlx::Date>(row, column)?.to_jiff())
}

/// Built-in products first (by form, strength and size), then the clinic's own by name. Names
/// sort bytewise (`COLLATE "C"`), as on SQLite.
const PRODUCTS: &str = "SELECT * FROM cs_products ORDER BY \
     CASE WHEN id IN ('ketamine-10mg-ml-20ml', 'ketamine-50mg-ml-10ml', 'ketamine-100mg-ml-5ml', 'ketamine-100mg-ml-10ml', 'spravato-56mg-kit', 'spravato-84mg-kit') \
     THEN 0 ELSE 1 END, \
     (CASE WHEN id IN ('ketamine-10mg-ml-20ml', 'ketamine-50mg-ml-10ml', 'ketamine-100mg-ml-5ml', 'ketamine-100mg-ml-10ml', 'spravato-56mg-kit', 'spravato-84mg-kit') \
     THEN '' ELSE name END) COLLATE \"C\", \
     form COLLATE \"C\", concentration_ug_per_ml, container_ul, id COLLATE \"C\"";

fn product(row: &PgRow) -> StoreResult<Product> {
    let form: String = get(row, "form")?;
    Ok(Product {
        id: get(row, "id")?,
        name: get(row, "name")?,
        form: ProductForm::parse(&form).ok_or_else(|| StoreError::Corrupt(format!("product form {form}")))?,
        ndc: get::<Option<String>>(row, "ndc")?.map(|n| Ndc::new(&n).map_err(corrupt("product ndc"))).transpose()?,
        concentration: Concentration::new(to_u64(get(row, "concentration_ug_per_ml")?, "concentration")?).map_err(corrupt("product concentration"))?,
        container_ul: to_u64(get(row, "container_ul")?, "container_ul")?,
        units_per_package: to_u32(get(row, "units_per_package")?, "units_per_package")?,
        multi_dose: get(row, "multi_dose")?,
        active: get(row, "active")?,
    })
}

fn location(row: &PgRow) -> StoreResult<Location> {
    Ok(Location { id: LocationId(get(row, "id")?), name: get(row, "name")?, active: get(row, "active")? })
}

fn receipt(row: &PgRow) -> StoreResult<Receipt> {
    Ok(Receipt {
        id: ReceiptId(get(row, "id")?),
        supplier_name: get(row, "supplier_name")?,
        supplier_address: get(row, "supplier_address")?,
        supplier_dea: get(row, "supplier_dea")?,
        invoice: get(row, "invoice")?,
        received_on: get_date(row, "received_on")?,
        received_at: get_ts(row, "received_at")?,
        received_by: UserId(get(row, "received_by")?),
        product_id: get(row, "product_id")?,
        lot: get(row, "lot")?,
        expiry: get_date(row, "expiry")?,
        packages: to_u32(get(row, "packages")?, "packages")?,
        location_id: LocationId(get(row, "location_id")?),
    })
}

fn container(row: &PgRow) -> StoreResult<Container> {
    Ok(Container {
        id: ContainerId(get(row, "id")?),
        number: to_u64(get(row, "number")?, "container number")?,
        label: get(row, "label")?,
        product_id: get(row, "product_id")?,
        receipt_id: ReceiptId(get(row, "receipt_id")?),
        lot: get(row, "lot")?,
        expiry: get_date(row, "expiry")?,
    })
}

/// A stored ledger row. The movement JSON is what the hash covers and the only source of the
/// movement; `kind`, `draw_id`, `session_id` and the deltas are copies for queries.
fn ledger_entry(row: &PgRow) -> StoreResult<LedgerEntry> {
    let movement = serde_json::from_str(&get::<String>(row, "movement")?)
        .map_err(|e| StoreError::Corrupt(format!("ledger row seq={}: the movement is unreadable ({e})", get::<i64>(row, "seq").unwrap_or(-1))))?;
    Ok(LedgerEntry {
        seq: to_u64(get(row, "seq")?, "ledger seq")?,
        entry: NewEntry {
            id: LedgerEntryId(get(row, "id")?),
            at: get_ts(row, "at")?,
            container_id: ContainerId(get(row, "container_id")?),
            recorded_by: UserId(get(row, "recorded_by")?),
            movement,
        },
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

/// Checks `entries`, in order, against the ledger of the containers they touch as this
/// transaction sees it, then chains and inserts them. `Conflict`, with nothing written, when
/// the gate refuses one. The transaction holds the write lock, so the rows read and the chain
/// head cannot move underneath it.
pub(crate) async fn post(conn: &mut PgConnection, entries: Vec<NewEntry>) -> StoreResult<Vec<LedgerEntry>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut touched: Vec<Uuid> = entries.iter().map(|e| e.container_id.0).collect();
    touched.sort();
    touched.dedup();
    let stored =
        sqlx::query("SELECT * FROM ledger_entries WHERE container_id = ANY($1) ORDER BY seq").bind(touched).fetch_all(&mut *conn).await.map_err(map_err)?;
    let stored = ledger_rows(&stored)?;
    let mut ledger = Ledger::from_entries(stored.iter().map(|r| &r.entry)).map_err(|(id, e)| StoreError::Corrupt(format!("ledger entry {id}: {e}")))?;
    for entry in &entries {
        ledger.apply(entry).map_err(|e| StoreError::Conflict(e.to_string()))?;
    }
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await.map_err(map_err)?;
    let (mut seq, mut prev) = match head {
        Some((seq, hash)) => (to_u64(seq, "ledger seq")?, hash),
        None => (0, GENESIS_HASH.to_owned()),
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        let row = entry.chain(seq, &prev);
        let (e, delta) = (&row.entry, row.entry.movement.container_delta());
        sqlx::query(
            "INSERT INTO ledger_entries (seq, id, at, container_id, recorded_by, kind, draw_id, session_id, delta_ul, delta_ug, movement, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(to_i64(row.seq)?)
        .bind(e.id.0)
        .bind(ts(e.at))
        .bind(e.container_id.0)
        .bind(e.recorded_by.0)
        .bind(e.movement.kind())
        .bind(e.movement.draw_id().map(|d| d.0))
        .bind(e.movement.session_id().map(|s| s.0))
        .bind(delta.ul)
        .bind(delta.ug)
        .bind(e.movement_json())
        .bind(&row.prev_hash)
        .bind(&row.hash)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
        prev.clone_from(&row.hash);
        out.push(row);
    }
    Ok(out)
}

async fn insert_receipt_row(conn: &mut PgConnection, r: &Receipt) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO cs_receipts (id, supplier_name, supplier_address, supplier_dea, invoice, received_on, received_at, received_by, product_id, lot, \
         expiry, packages, location_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(r.id.0)
    .bind(&r.supplier_name)
    .bind(&r.supplier_address)
    .bind(&r.supplier_dea)
    .bind(&r.invoice)
    .bind(r.received_on.to_sqlx())
    .bind(ts(r.received_at))
    .bind(r.received_by.0)
    .bind(&r.product_id)
    .bind(&r.lot)
    .bind(r.expiry.to_sqlx())
    .bind(to_i32(r.packages)?)
    .bind(r.location_id.0)
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

async fn insert_container_row(conn: &mut PgConnection, c: &Container) -> StoreResult<()> {
    sqlx::query("INSERT INTO cs_containers (id, number, label, product_id, receipt_id, lot, expiry) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(c.id.0)
        .bind(to_i64(c.number)?)
        .bind(&c.label)
        .bind(&c.product_id)
        .bind(c.receipt_id.0)
        .bind(&c.lot)
        .bind(c.expiry.to_sqlx())
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    Ok(())
}

fn ledger_rows(rows: &[PgRow]) -> StoreResult<Vec<LedgerEntry>> {
    rows.iter().map(ledger_entry).collect()
}

#[async_trait]
impl RegisterStore for PgStore {
    async fn cs_products(&self) -> StoreResult<Vec<Product>> {
        let rows = sqlx::query(PRODUCTS).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(product).collect()
    }

    async fn insert_cs_product(&self, p: &Product, audit: AuditEvent) -> StoreResult<()> {
        let p = p.clone();
        let (concentration, container_ul, units) = (to_i64(p.concentration.ug_per_ml())?, to_i64(p.container_ul)?, to_i32(p.units_per_package)?);
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO cs_products (id, name, form, ndc, concentration_ug_per_ml, container_ul, units_per_package, multi_dose, active) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&p.id)
                    .bind(&p.name)
                    .bind(p.form.as_str())
                    .bind(p.ndc.as_ref().map(Ndc::as_str))
                    .bind(concentration)
                    .bind(container_ul)
                    .bind(units)
                    .bind(p.multi_dose)
                    .bind(p.active)
                    .execute(&mut w.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut w.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn cs_locations(&self) -> StoreResult<Vec<Location>> {
        let rows = sqlx::query("SELECT * FROM cs_locations ORDER BY name COLLATE \"C\", id").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(location).collect()
    }

    async fn insert_cs_location(&self, l: &Location, by: UserId, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        let l = l.clone();
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO cs_locations (id, name, active, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
                        .bind(l.id.0)
                        .bind(&l.name)
                        .bind(l.active)
                        .bind(ts(at))
                        .bind(by.0)
                        .execute(&mut w.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut w.conn, vec![audit]).await
                })
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
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    let highest: i64 =
                        sqlx::query_scalar("SELECT COALESCE(MAX(number), 0)::BIGINT FROM cs_containers").fetch_one(&mut w.conn).await.map_err(map_err)?;
                    let mut number = to_u64(highest, "container number")?;
                    insert_receipt_row(&mut w.conn, &r).await?;
                    let mut stored = Vec::with_capacity(containers.len());
                    let mut entries = Vec::with_capacity(containers.len());
                    for (mut c, entry) in containers {
                        if entry.container_id != c.id {
                            return Err(StoreError::Conflict(format!("the receipt row of container {} names container {}", c.id, entry.container_id)));
                        }
                        number += 1;
                        c.number = number;
                        c.label = format!("{prefix}-{number:06}");
                        insert_container_row(&mut w.conn, &c).await?;
                        stored.push(c);
                        entries.push(entry);
                    }
                    let rows = post(&mut w.conn, entries).await?;
                    append(&mut w.conn, vec![audit]).await?;
                    Ok((stored, rows))
                })
            })
            .await
    }

    async fn cs_receipts(&self) -> StoreResult<Vec<Receipt>> {
        let rows = sqlx::query("SELECT * FROM cs_receipts ORDER BY received_at DESC, id DESC").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(receipt).collect()
    }

    async fn cs_container(&self, id: ContainerId) -> StoreResult<Option<Container>> {
        let row = sqlx::query("SELECT * FROM cs_containers WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(container).transpose()
    }

    async fn cs_containers(&self) -> StoreResult<Vec<Container>> {
        let rows = sqlx::query("SELECT * FROM cs_containers ORDER BY number").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(container).collect()
    }

    async fn post_movements(&self, entries: Vec<NewEntry>, loss: Option<LossReport>, audit: Vec<AuditEvent>) -> StoreResult<Vec<LedgerEntry>> {
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    let rows = post(&mut w.conn, entries).await?;
                    // After its ledger row, which the report references.
                    if let Some(loss) = &loss {
                        register_counts::insert_loss(&mut w.conn, loss).await?;
                    }
                    append(&mut w.conn, audit).await?;
                    Ok(rows)
                })
            })
            .await
    }

    async fn ledger_entries_of(&self, containers: &[ContainerId]) -> StoreResult<Vec<LedgerEntry>> {
        let rows = if containers.is_empty() {
            sqlx::query("SELECT * FROM ledger_entries ORDER BY seq").fetch_all(&self.read).await
        } else {
            let ids: Vec<Uuid> = containers.iter().map(|c| c.0).collect();
            sqlx::query("SELECT * FROM ledger_entries WHERE container_id = ANY($1) ORDER BY seq").bind(ids).fetch_all(&self.read).await
        };
        ledger_rows(&rows.map_err(map_err)?)
    }

    async fn ledger_page(&self, after_seq: u64, limit: u32) -> StoreResult<Vec<LedgerEntry>> {
        let rows = sqlx::query("SELECT * FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(to_i64(after_seq)?)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        ledger_rows(&rows)
    }

    async fn ledger_for_session(&self, session: TreatmentSessionId) -> StoreResult<Vec<LedgerEntry>> {
        let rows = sqlx::query(
            "SELECT * FROM ledger_entries WHERE container_id IN (SELECT container_id FROM ledger_entries WHERE session_id = $1 AND kind = 'draw') ORDER BY seq",
        )
        .bind(session.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        ledger_rows(&rows)
    }

    async fn insert_count(&self, count: &Count, audit: AuditEvent) -> StoreResult<()> {
        let row = register_counts::CountRow::of(count)?;
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    row.insert(&mut w.conn).await?;
                    append(&mut w.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn cs_count(&self, id: CountId) -> StoreResult<Option<Count>> {
        let row = sqlx::query("SELECT * FROM cs_counts WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(register_counts::count).transpose()
    }

    async fn cs_counts(&self) -> StoreResult<Vec<Count>> {
        let rows = sqlx::query("SELECT * FROM cs_counts ORDER BY started_at DESC, id DESC").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(register_counts::count).collect()
    }

    async fn save_count(&self, count: &Count, audit: AuditEvent) -> StoreResult<()> {
        let row = register_counts::CountRow::of(count)?;
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    row.update(&mut w.conn, false).await?;
                    append(&mut w.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn sign_count(&self, count: &Count, entries: Vec<NewEntry>, audit: AuditEvent) -> StoreResult<Vec<LedgerEntry>> {
        let row = register_counts::CountRow::of(count)?;
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    row.update(&mut w.conn, true).await?;
                    let rows = post(&mut w.conn, entries).await?;
                    append(&mut w.conn, vec![audit]).await?;
                    Ok(rows)
                })
            })
            .await
    }

    async fn loss_reports(&self) -> StoreResult<Vec<LossReport>> {
        let rows = sqlx::query("SELECT * FROM cs_loss_reports ORDER BY discovered_at DESC, id DESC").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(register_counts::loss_report).collect()
    }

    async fn complete_loss_task(&self, id: LossReportId, task: LossTask, done: &TaskDone, audit: AuditEvent) -> StoreResult<()> {
        let done = done.clone();
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    register_counts::complete_task(&mut w.conn, id, task, &done).await?;
                    append(&mut w.conn, vec![audit]).await
                })
            })
            .await
    }
}
