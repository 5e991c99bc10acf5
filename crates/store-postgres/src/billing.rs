//! Billing on PostgreSQL: fee-schedule versions, patient billing settings, charges, invoices
//! and payments (see [`ketaclinic_store::billing_port`] for the rules).

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::billing::money::Money;
use ketaclinic_domain::ids::{ChargeId, InvoiceId, PatientId, PaymentId, TreatmentSessionId, UserId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_store::billing_port::{
    ChargeLine, ChargeRecord, FeeScheduleVersion, InvoiceRecord, PatientBilling, PaymentKind, PaymentRecord, method_str, parse_method, schedule_from_rows,
};
use ketaclinic_store::{BillingStore, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, to_i32, to_u32, ts};
use crate::{PgStore, WriteConn};

fn get<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(row: &PgRow, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(map_err)
}

/// A conflict on a unique key, reworded for the caller.
fn conflict(message: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match map_err(e) {
        StoreError::Conflict(_) => StoreError::Conflict(message.to_owned()),
        other => other,
    }
}

async fn exists(conn: &mut PgConnection, sql: &'static str, id: uuid::Uuid) -> StoreResult<bool> {
    Ok(sqlx::query(sql).bind(id).fetch_optional(conn).await.map_err(map_err)?.is_some())
}

impl PgStore {
    async fn version_of(&self, row: &PgRow) -> StoreResult<FeeScheduleVersion> {
        let version: i32 = get(row, "version")?;
        let rows = sqlx::query("SELECT code, description, price_cents FROM fee_schedule_entries WHERE version = $1 ORDER BY position")
            .bind(version)
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        let entries = rows.iter().map(|r| Ok((get(r, "code")?, get(r, "description")?, get(r, "price_cents")?))).collect::<StoreResult<Vec<_>>>()?;
        Ok(FeeScheduleVersion {
            version: to_u32(version, "fee schedule version")?,
            schedule: schedule_from_rows(entries)?,
            reason: ChangeReason::parse(&get::<String>(row, "reason")?).map_err(corrupt("fee schedule reason"))?,
            by: UserId(get(row, "created_by")?),
            at: get_ts(row, "created_at")?,
        })
    }

    async fn invoice_of(&self, row: &PgRow) -> StoreResult<InvoiceRecord> {
        let id: uuid::Uuid = get(row, "id")?;
        let charges = sqlx::query("SELECT c.* FROM invoice_lines l JOIN charges c ON c.id = l.charge_id WHERE l.invoice_id = $1 ORDER BY l.line")
            .bind(id)
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        let payments = sqlx::query("SELECT * FROM payments WHERE invoice_id = $1 ORDER BY seq").bind(id).fetch_all(&self.read).await.map_err(map_err)?;
        Ok(InvoiceRecord {
            id: InvoiceId(id),
            patient_id: PatientId(get(row, "patient_id")?),
            charges: charges.iter().map(charge).collect::<StoreResult<_>>()?,
            payments: payments.iter().map(payment).collect::<StoreResult<_>>()?,
            created_by: UserId(get(row, "created_by")?),
            created_at: get_ts(row, "created_at")?,
        })
    }
}

fn charge(row: &PgRow) -> StoreResult<ChargeRecord> {
    let line = ChargeLine {
        code: get(row, "code")?,
        modifiers: get(row, "modifiers")?,
        units: i64::from(get::<i32>(row, "units")?),
        description: get(row, "description")?,
        unit_price_cents: get(row, "unit_price_cents")?,
        amount_cents: get(row, "amount_cents")?,
        diagnoses: get(row, "diagnoses")?,
    };
    Ok(ChargeRecord {
        id: ChargeId(get(row, "id")?),
        patient_id: PatientId(get(row, "patient_id")?),
        session_id: TreatmentSessionId(get(row, "session_id")?),
        line: to_u32(get(row, "line")?, "charge line")?,
        service_at: get_ts(row, "service_at")?,
        charge: line.into_charge()?,
        fee_schedule_version: to_u32(get(row, "fee_schedule_version")?, "fee schedule version")?,
        captured_by: UserId(get(row, "captured_by")?),
        captured_at: get_ts(row, "captured_at")?,
    })
}

fn payment(row: &PgRow) -> StoreResult<PaymentRecord> {
    let method: String = get(row, "method")?;
    Ok(PaymentRecord {
        id: PaymentId(get(row, "id")?),
        invoice_id: InvoiceId(get(row, "invoice_id")?),
        seq: to_u32(get(row, "seq")?, "payment seq")?,
        kind: PaymentKind::parse(&get::<String>(row, "kind")?)?,
        method: parse_method(&method).ok_or_else(|| StoreError::Corrupt(format!("payment method {method}")))?,
        amount: Money::from_cents(get(row, "amount_cents")?),
        reference: get(row, "reference")?,
        by: UserId(get(row, "recorded_by")?),
        at: get_ts(row, "recorded_at")?,
    })
}

#[async_trait]
impl BillingStore for PgStore {
    async fn insert_fee_schedule(&self, v: &FeeScheduleVersion, audit: AuditEvent) -> StoreResult<()> {
        let v = v.clone();
        let version = to_i32(v.version)?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO fee_schedule_versions (version, reason, created_by, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(version)
                        .bind(v.reason.as_str())
                        .bind(v.by.0)
                        .bind(ts(v.at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    for (position, e) in v.schedule.entries().iter().enumerate() {
                        sqlx::query("INSERT INTO fee_schedule_entries (version, position, code, description, price_cents) VALUES ($1, $2, $3, $4, $5)")
                            .bind(version)
                            .bind(i32::try_from(position).map_err(|_| StoreError::Conflict("too many fee schedule entries".to_owned()))?)
                            .bind(e.code().as_str())
                            .bind(e.description())
                            .bind(e.price().cents())
                            .execute(&mut c.conn)
                            .await
                            .map_err(map_err)?;
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn current_fee_schedule(&self) -> StoreResult<Option<FeeScheduleVersion>> {
        let row = sqlx::query("SELECT * FROM fee_schedule_versions ORDER BY version DESC LIMIT 1").fetch_optional(&self.read).await.map_err(map_err)?;
        match row {
            Some(row) => self.version_of(&row).await.map(Some),
            None => Ok(None),
        }
    }

    async fn fee_schedule_versions(&self) -> StoreResult<Vec<FeeScheduleVersion>> {
        let rows = sqlx::query("SELECT * FROM fee_schedule_versions ORDER BY version").fetch_all(&self.read).await.map_err(map_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.version_of(row).await?);
        }
        Ok(out)
    }

    async fn patient_billing(&self, patient: PatientId) -> StoreResult<Option<PatientBilling>> {
        let row = sqlx::query("SELECT * FROM patient_billing WHERE patient_id = $1").bind(patient.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.map(|row| {
            Ok(PatientBilling {
                patient_id: PatientId(get(&row, "patient_id")?),
                medicare: get(&row, "medicare")?,
                by: UserId(get(&row, "updated_by")?),
                at: get_ts(&row, "updated_at")?,
            })
        })
        .transpose()
    }

    async fn set_patient_billing(&self, s: &PatientBilling, audit: AuditEvent) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if !exists(&mut c.conn, "SELECT 1 FROM patients WHERE id = $1", s.patient_id.0).await? {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(
                        "INSERT INTO patient_billing (patient_id, medicare, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (patient_id) DO UPDATE SET medicare = excluded.medicare, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(s.patient_id.0)
                    .bind(s.medicare)
                    .bind(s.by.0)
                    .bind(ts(s.at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn insert_charges(&self, charges: &[ChargeRecord], audit: AuditEvent) -> StoreResult<()> {
        let rows: Vec<(ChargeRecord, ChargeLine)> = charges.iter().map(|c| (c.clone(), ChargeLine::of(&c.charge))).collect();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    for (r, l) in &rows {
                        if !exists(&mut c.conn, "SELECT 1 FROM treatment_sessions WHERE id = $1", r.session_id.0).await? {
                            return Err(StoreError::NotFound);
                        }
                        if r.line == 1 && exists(&mut c.conn, "SELECT 1 FROM charges WHERE session_id = $1", r.session_id.0).await? {
                            return Err(StoreError::Conflict("the session's charges were already captured".to_owned()));
                        }
                        sqlx::query(
                            "INSERT INTO charges (id, patient_id, session_id, line, service_at, code, modifiers, units, description, unit_price_cents, \
                             amount_cents, diagnoses, fee_schedule_version, captured_by, captured_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                        )
                        .bind(r.id.0)
                        .bind(r.patient_id.0)
                        .bind(r.session_id.0)
                        .bind(to_i32(r.line)?)
                        .bind(ts(r.service_at))
                        .bind(&l.code)
                        .bind(&l.modifiers)
                        .bind(i32::try_from(l.units).map_err(|_| StoreError::Conflict("too many units".to_owned()))?)
                        .bind(&l.description)
                        .bind(l.unit_price_cents)
                        .bind(l.amount_cents)
                        .bind(&l.diagnoses)
                        .bind(to_i32(r.fee_schedule_version)?)
                        .bind(r.captured_by.0)
                        .bind(ts(r.captured_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(conflict("the session's charges were already captured"))?;
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn session_charges(&self, session: TreatmentSessionId) -> StoreResult<Vec<ChargeRecord>> {
        let rows = sqlx::query("SELECT * FROM charges WHERE session_id = $1 ORDER BY line").bind(session.0).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(charge).collect()
    }

    async fn uninvoiced_charges(&self, patient: PatientId) -> StoreResult<Vec<ChargeRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM charges c WHERE patient_id = $1 AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.charge_id = c.id) \
             ORDER BY service_at, session_id, line",
        )
        .bind(patient.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(charge).collect()
    }

    async fn insert_invoice(&self, invoice: &InvoiceRecord, audit: AuditEvent) -> StoreResult<()> {
        let invoice = invoice.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if !exists(&mut c.conn, "SELECT 1 FROM patients WHERE id = $1", invoice.patient_id.0).await? {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query("INSERT INTO invoices (id, patient_id, created_by, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(invoice.id.0)
                        .bind(invoice.patient_id.0)
                        .bind(invoice.created_by.0)
                        .bind(ts(invoice.created_at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    for (i, charge) in invoice.charges.iter().enumerate() {
                        let line = i32::try_from(i.saturating_add(1)).map_err(|_| StoreError::Conflict("too many invoice lines".to_owned()))?;
                        sqlx::query("INSERT INTO invoice_lines (invoice_id, line, charge_id) VALUES ($1, $2, $3)")
                            .bind(invoice.id.0)
                            .bind(line)
                            .bind(charge.id.0)
                            .execute(&mut c.conn)
                            .await
                            .map_err(conflict("a charge is already on an invoice"))?;
                    }
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn invoice(&self, id: InvoiceId) -> StoreResult<Option<InvoiceRecord>> {
        let row = sqlx::query("SELECT * FROM invoices WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        match row {
            Some(row) => self.invoice_of(&row).await.map(Some),
            None => Ok(None),
        }
    }

    async fn patient_invoices(&self, patient: PatientId) -> StoreResult<Vec<InvoiceRecord>> {
        let rows =
            sqlx::query("SELECT * FROM invoices WHERE patient_id = $1 ORDER BY created_at, id").bind(patient.0).fetch_all(&self.read).await.map_err(map_err)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.invoice_of(row).await?);
        }
        Ok(out)
    }

    async fn insert_payment(&self, p: &PaymentRecord, audit: AuditEvent) -> StoreResult<()> {
        let p = p.clone();
        let seq = to_i32(p.seq)?;
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if !exists(&mut c.conn, "SELECT 1 FROM invoices WHERE id = $1", p.invoice_id.0).await? {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(
                        "INSERT INTO payments (id, invoice_id, seq, kind, method, amount_cents, reference, recorded_by, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(p.id.0)
                    .bind(p.invoice_id.0)
                    .bind(seq)
                    .bind(p.kind.as_str())
                    .bind(method_str(p.method))
                    .bind(p.amount.cents())
                    .bind(&p.reference)
                    .bind(p.by.0)
                    .bind(ts(p.at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(conflict("the invoice's payments changed meanwhile"))?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }
}
