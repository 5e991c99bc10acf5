//! Billing on SQLite: fee-schedule versions, patient billing settings, charges, invoices and
//! payments (see [`ketaclinic_store::billing_port`] for the rules).

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::billing::money::Money;
use ketaclinic_domain::ids::{ChargeId, InvoiceId, PatientId, PaymentId, TreatmentSessionId, UserId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_store::billing_port::{
    ChargeLine, ChargeRecord, FeeScheduleVersion, InvoiceRecord, PatientBilling, PaymentKind, PaymentRecord, method_str, parse_method, schedule_from_rows,
};
use ketaclinic_store::{BillingStore, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_u32, to_us, uuid, wq};
use crate::read::{int, opt_text, rq, text};

fn exists(conn: &Connection, sql: &str, id: String) -> StoreResult<bool> {
    conn.query_row(sql, [id], |_| Ok(())).optional().map(|found| found.is_some()).map_err(wq)
}

fn version_row(conn: &Connection, row: &Row<'_>) -> StoreResult<FeeScheduleVersion> {
    let version = int(row, "version")?;
    let mut stmt = conn.prepare_cached("SELECT code, description, price_cents FROM fee_schedule_entries WHERE version = ?1 ORDER BY position").map_err(rq)?;
    let rows = stmt.query_map([version], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(rq)?.collect::<Result<Vec<_>, _>>().map_err(rq)?;
    Ok(FeeScheduleVersion {
        version: to_u32(version, "fee schedule version")?,
        schedule: schedule_from_rows(rows)?,
        reason: ChangeReason::parse(&text(row, "reason")?).map_err(corrupt("fee schedule reason"))?,
        by: UserId(uuid(&text(row, "created_by")?)?),
        at: from_us(int(row, "created_at")?)?,
    })
}

fn charge(row: &Row<'_>) -> StoreResult<ChargeRecord> {
    let line = ChargeLine {
        code: text(row, "code")?,
        modifiers: text(row, "modifiers")?,
        units: int(row, "units")?,
        description: text(row, "description")?,
        unit_price_cents: int(row, "unit_price_cents")?,
        amount_cents: int(row, "amount_cents")?,
        diagnoses: text(row, "diagnoses")?,
    };
    Ok(ChargeRecord {
        id: ChargeId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        session_id: TreatmentSessionId(uuid(&text(row, "session_id")?)?),
        line: to_u32(int(row, "line")?, "charge line")?,
        service_at: from_us(int(row, "service_at")?)?,
        charge: line.into_charge()?,
        fee_schedule_version: to_u32(int(row, "fee_schedule_version")?, "fee schedule version")?,
        captured_by: UserId(uuid(&text(row, "captured_by")?)?),
        captured_at: from_us(int(row, "captured_at")?)?,
    })
}

fn payment(row: &Row<'_>) -> StoreResult<PaymentRecord> {
    let method = text(row, "method")?;
    Ok(PaymentRecord {
        id: PaymentId(uuid(&text(row, "id")?)?),
        invoice_id: InvoiceId(uuid(&text(row, "invoice_id")?)?),
        seq: to_u32(int(row, "seq")?, "payment seq")?,
        kind: PaymentKind::parse(&text(row, "kind")?)?,
        method: parse_method(&method).ok_or_else(|| StoreError::Corrupt(format!("payment method {method}")))?,
        amount: Money::from_cents(int(row, "amount_cents")?),
        reference: opt_text(row, "reference")?,
        by: UserId(uuid(&text(row, "recorded_by")?)?),
        at: from_us(int(row, "recorded_at")?)?,
    })
}

fn collect<T>(conn: &Connection, sql: &str, id: String, parse: fn(&Row<'_>) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(rq)?;
    let mut rows = stmt.query([id]).map_err(rq)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(rq)? {
        out.push(parse(row)?);
    }
    Ok(out)
}

/// The invoice of `row` with its charges and payments.
fn invoice_row(conn: &Connection, row: &Row<'_>) -> StoreResult<InvoiceRecord> {
    let id = text(row, "id")?;
    let charges =
        collect(conn, "SELECT c.* FROM invoice_lines l JOIN charges c ON c.id = l.charge_id WHERE l.invoice_id = ?1 ORDER BY l.line", id.clone(), charge)?;
    let payments = collect(conn, "SELECT * FROM payments WHERE invoice_id = ?1 ORDER BY seq", id.clone(), payment)?;
    Ok(InvoiceRecord {
        id: InvoiceId(uuid(&id)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        charges,
        payments,
        created_by: UserId(uuid(&text(row, "created_by")?)?),
        created_at: from_us(int(row, "created_at")?)?,
    })
}

/// Every row of `sql` (one id parameter), each parsed with the connection at hand.
fn rows_with<T>(conn: &Connection, sql: &str, param: Option<String>, parse: impl Fn(&Connection, &Row<'_>) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare(sql).map_err(rq)?;
    let mut rows = match param {
        Some(p) => stmt.query([p]),
        None => stmt.query([]),
    }
    .map_err(rq)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(rq)? {
        out.push(parse(conn, row)?);
    }
    Ok(out)
}

#[async_trait]
impl BillingStore for SqliteStore {
    async fn insert_fee_schedule(&self, v: &FeeScheduleVersion, audit: AuditEvent) -> StoreResult<()> {
        let v = v.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO fee_schedule_versions (version, reason, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![i64::from(v.version), v.reason.as_str(), v.by.to_string(), to_us(v.at)],
                    )
                    .map_err(wq)?;
                for (position, e) in v.schedule.entries().iter().enumerate() {
                    w.conn
                        .execute(
                            "INSERT INTO fee_schedule_entries (version, position, code, description, price_cents) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![i64::from(v.version), i64::try_from(position).unwrap_or(i64::MAX), e.code().as_str(), e.description(), e.price().cents()],
                        )
                        .map_err(wq)?;
                }
                append(w, vec![audit])
            })
            .await
    }

    async fn current_fee_schedule(&self) -> StoreResult<Option<FeeScheduleVersion>> {
        self.read.with(|c| rows_with(c, "SELECT * FROM fee_schedule_versions ORDER BY version DESC LIMIT 1", None, version_row).map(|mut v| v.pop()))
    }

    async fn fee_schedule_versions(&self) -> StoreResult<Vec<FeeScheduleVersion>> {
        self.read.with(|c| rows_with(c, "SELECT * FROM fee_schedule_versions ORDER BY version", None, version_row))
    }

    async fn patient_billing(&self, patient: PatientId) -> StoreResult<Option<PatientBilling>> {
        self.read.one("SELECT * FROM patient_billing WHERE patient_id = ?1", [patient.to_string()], |row| {
            Ok(PatientBilling {
                patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
                medicare: int(row, "medicare")? != 0,
                by: UserId(uuid(&text(row, "updated_by")?)?),
                at: from_us(int(row, "updated_at")?)?,
            })
        })
    }

    async fn set_patient_billing(&self, s: &PatientBilling, audit: AuditEvent) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .write(move |w| {
                if !exists(&w.conn, "SELECT 1 FROM patients WHERE id = ?1", s.patient_id.to_string())? {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO patient_billing (patient_id, medicare, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4) \
                         ON CONFLICT (patient_id) DO UPDATE SET medicare = excluded.medicare, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        params![s.patient_id.to_string(), i64::from(s.medicare), s.by.to_string(), to_us(s.at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn insert_charges(&self, charges: &[ChargeRecord], audit: AuditEvent) -> StoreResult<()> {
        let rows: Vec<(ChargeRecord, ChargeLine)> = charges.iter().map(|c| (c.clone(), ChargeLine::of(&c.charge))).collect();
        self.writer
            .write(move |w| {
                for (c, l) in &rows {
                    let session = c.session_id.to_string();
                    if !exists(&w.conn, "SELECT 1 FROM treatment_sessions WHERE id = ?1", session.clone())? {
                        return Err(StoreError::NotFound);
                    }
                    if c.line == 1 && exists(&w.conn, "SELECT 1 FROM charges WHERE session_id = ?1", session.clone())? {
                        return Err(StoreError::Conflict("the session's charges were already captured".to_owned()));
                    }
                    w.conn
                        .execute(
                            "INSERT INTO charges (id, patient_id, session_id, line, service_at, code, modifiers, units, description, unit_price_cents, \
                             amount_cents, diagnoses, fee_schedule_version, captured_by, captured_at) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                            params![
                                c.id.to_string(),
                                c.patient_id.to_string(),
                                session,
                                i64::from(c.line),
                                to_us(c.service_at),
                                l.code,
                                l.modifiers,
                                l.units,
                                l.description,
                                l.unit_price_cents,
                                l.amount_cents,
                                l.diagnoses,
                                i64::from(c.fee_schedule_version),
                                c.captured_by.to_string(),
                                to_us(c.captured_at)
                            ],
                        )
                        .map_err(wq)?;
                }
                append(w, vec![audit])
            })
            .await
    }

    async fn session_charges(&self, session: TreatmentSessionId) -> StoreResult<Vec<ChargeRecord>> {
        self.read.all("SELECT * FROM charges WHERE session_id = ?1 ORDER BY line", [session.to_string()], charge)
    }

    async fn uninvoiced_charges(&self, patient: PatientId) -> StoreResult<Vec<ChargeRecord>> {
        self.read.all(
            "SELECT * FROM charges c WHERE patient_id = ?1 AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.charge_id = c.id) \
             ORDER BY service_at, session_id, line",
            [patient.to_string()],
            charge,
        )
    }

    async fn insert_invoice(&self, invoice: &InvoiceRecord, audit: AuditEvent) -> StoreResult<()> {
        let invoice = invoice.clone();
        self.writer
            .write(move |w| {
                if !exists(&w.conn, "SELECT 1 FROM patients WHERE id = ?1", invoice.patient_id.to_string())? {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO invoices (id, patient_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![invoice.id.to_string(), invoice.patient_id.to_string(), invoice.created_by.to_string(), to_us(invoice.created_at)],
                    )
                    .map_err(wq)?;
                for (i, c) in invoice.charges.iter().enumerate() {
                    w.conn
                        .execute(
                            "INSERT INTO invoice_lines (invoice_id, line, charge_id) VALUES (?1, ?2, ?3)",
                            params![invoice.id.to_string(), i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1), c.id.to_string()],
                        )
                        .map_err(|e| match wq(e) {
                            StoreError::Conflict(_) => StoreError::Conflict("a charge is already on an invoice".to_owned()),
                            other => other,
                        })?;
                }
                append(w, vec![audit])
            })
            .await
    }

    async fn invoice(&self, id: InvoiceId) -> StoreResult<Option<InvoiceRecord>> {
        self.read.with(|c| rows_with(c, "SELECT * FROM invoices WHERE id = ?1", Some(id.to_string()), invoice_row).map(|mut v| v.pop()))
    }

    async fn patient_invoices(&self, patient: PatientId) -> StoreResult<Vec<InvoiceRecord>> {
        self.read.with(|c| rows_with(c, "SELECT * FROM invoices WHERE patient_id = ?1 ORDER BY created_at, id", Some(patient.to_string()), invoice_row))
    }

    async fn insert_payment(&self, p: &PaymentRecord, audit: AuditEvent) -> StoreResult<()> {
        let p = p.clone();
        self.writer
            .write(move |w| {
                if !exists(&w.conn, "SELECT 1 FROM invoices WHERE id = ?1", p.invoice_id.to_string())? {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO payments (id, invoice_id, seq, kind, method, amount_cents, reference, recorded_by, recorded_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            p.id.to_string(),
                            p.invoice_id.to_string(),
                            i64::from(p.seq),
                            p.kind.as_str(),
                            method_str(p.method),
                            p.amount.cents(),
                            p.reference,
                            p.by.to_string(),
                            to_us(p.at)
                        ],
                    )
                    .map_err(|e| match wq(e) {
                        StoreError::Conflict(_) => StoreError::Conflict("the invoice's payments changed meanwhile".to_owned()),
                        other => other,
                    })?;
                append(w, vec![audit])
            })
            .await
    }
}
