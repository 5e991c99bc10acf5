//! Enquiries and contact attempts on PostgreSQL.
//!
//! Same shape as the SQLite adapter: one page of enquiries, then the attempts of exactly those
//! ids (`= ANY($1)`), two reads per page.

use std::collections::HashMap;

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::enquiry::{ContactAttempt, ContactChannel, ContactOutcome, Enquiry, EnquiryChange, EnquiryDetails, EnquirySource, EnquiryStatus};
use ketaclinic_domain::ids::{ContactAttemptId, EnquiryId, PatientId, UserId};
use ketaclinic_domain::patient::{MrnPrefix, Patient};
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::phone::E164;
use ketaclinic_store::{EnquiryCursor, EnquiryStore, NewPatient, StoreError, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, opt_ts, ts};
use crate::{PgStore, WriteConn};

fn get<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(row: &PgRow, col: &str) -> StoreResult<T> {
    row.try_get(col).map_err(map_err)
}

fn enquiry(row: &PgRow) -> StoreResult<Enquiry> {
    let details = EnquiryDetails {
        name: PersonName::parse(&get::<String>(row, "name")?).map_err(corrupt("enquiry name"))?,
        phone: E164::from_stored(&get::<String>(row, "phone")?).map_err(corrupt("enquiry phone"))?,
        email: get::<Option<String>>(row, "email")?.map(|e| Email::parse(&e)).transpose().map_err(corrupt("enquiry email"))?,
        message: get(row, "message")?,
        best_time: get(row, "best_time")?,
        consent_to_contact: get(row, "consent_to_contact")?,
    };
    Ok(Enquiry {
        id: EnquiryId(get(row, "id")?),
        details,
        source: EnquirySource::parse(&get::<String>(row, "source")?).map_err(corrupt("enquiry source"))?,
        recorded_by: get::<Option<Uuid>>(row, "recorded_by")?.map(UserId),
        received_at: get_ts(row, "received_at")?,
        contact_due_by: get_ts(row, "contact_due_by")?,
        status: EnquiryStatus::parse(&get::<String>(row, "status")?).map_err(corrupt("enquiry status"))?,
        closed_reason: get(row, "closed_reason")?,
        updated_at: get_ts(row, "updated_at")?,
        attempts: Vec::new(),
        patient_id: get::<Option<Uuid>>(row, "patient_id")?.map(PatientId),
    })
}

fn attempt(row: &PgRow) -> StoreResult<(EnquiryId, ContactAttempt)> {
    Ok((
        EnquiryId(get(row, "enquiry_id")?),
        ContactAttempt {
            id: ContactAttemptId(get(row, "id")?),
            at: get_ts(row, "at")?,
            channel: ContactChannel::parse(&get::<String>(row, "channel")?).map_err(corrupt("attempt channel"))?,
            outcome: ContactOutcome::parse(&get::<String>(row, "outcome")?).map_err(corrupt("attempt outcome"))?,
            note: get(row, "note")?,
            by: UserId(get(row, "recorded_by")?),
        },
    ))
}

impl PgStore {
    /// Fills in the attempts of `enquiries` (one read).
    async fn with_attempts(&self, mut enquiries: Vec<Enquiry>) -> StoreResult<Vec<Enquiry>> {
        if enquiries.is_empty() {
            return Ok(enquiries);
        }
        let ids: Vec<Uuid> = enquiries.iter().map(|e| e.id.0).collect();
        let rows = sqlx::query("SELECT * FROM enquiry_contact_attempts WHERE enquiry_id = ANY($1) ORDER BY at, id")
            .bind(ids)
            .fetch_all(&self.read)
            .await
            .map_err(map_err)?;
        let mut by_id: HashMap<EnquiryId, Vec<ContactAttempt>> = HashMap::new();
        for row in &rows {
            let (id, a) = attempt(row)?;
            by_id.entry(id).or_default().push(a);
        }
        for e in &mut enquiries {
            e.attempts = by_id.remove(&e.id).unwrap_or_default();
        }
        Ok(enquiries)
    }
}

#[async_trait]
impl EnquiryStore for PgStore {
    async fn insert_enquiry(&self, e: &Enquiry, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let d = &e.details;
                    sqlx::query(
                        "INSERT INTO enquiries (id, name, phone, email, message, best_time, consent_to_contact, source, recorded_by, received_at, \
                         contact_due_by, status, closed_reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    )
                    .bind(e.id.0)
                    .bind(d.name.as_str())
                    .bind(d.phone.as_str())
                    .bind(d.email.as_ref().map(Email::as_str))
                    .bind(&d.message)
                    .bind(&d.best_time)
                    .bind(d.consent_to_contact)
                    .bind(e.source.as_str())
                    .bind(e.recorded_by.map(|u| u.0))
                    .bind(ts(e.received_at))
                    .bind(ts(e.contact_due_by))
                    .bind(e.status.as_str())
                    .bind(&e.closed_reason)
                    .bind(ts(e.updated_at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn enquiry(&self, id: EnquiryId) -> StoreResult<Option<Enquiry>> {
        let row = sqlx::query("SELECT * FROM enquiries WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        let found = row.as_ref().map(enquiry).transpose()?;
        Ok(self.with_attempts(found.into_iter().collect()).await?.pop())
    }

    async fn enquiries(&self, statuses: &[EnquiryStatus], after: Option<&EnquiryCursor>, limit: u32) -> StoreResult<Vec<Enquiry>> {
        let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        let rows = sqlx::query(
            "SELECT * FROM enquiries WHERE status = ANY($1) \
             AND ($2::timestamptz IS NULL OR contact_due_by > $2 OR (contact_due_by = $2 AND id > $3)) ORDER BY contact_due_by, id LIMIT $4",
        )
        .bind(statuses)
        .bind(opt_ts(after.map(|c| c.due)))
        .bind(after.map(|c| c.id.0))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        let page = rows.iter().map(enquiry).collect::<StoreResult<Vec<_>>>()?;
        self.with_attempts(page).await
    }

    async fn change_enquiry(&self, id: EnquiryId, change: &EnquiryChange, audit: AuditEvent) -> StoreResult<()> {
        let ch = change.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    apply_change(&mut c.conn, id, &ch, None).await?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn convert_enquiry(
        &self,
        id: EnquiryId,
        change: &EnquiryChange,
        patient: &NewPatient,
        prefix: &MrnPrefix,
        audit: Vec<AuditEvent>,
    ) -> StoreResult<Patient> {
        let (ch, new, prefix) = (change.clone(), patient.clone(), prefix.clone());
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let p = crate::patients::insert_new(&mut c.conn, new, &prefix).await?;
                    apply_change(&mut c.conn, id, &ch, Some(p.id)).await?;
                    append(&mut c.conn, audit).await?;
                    Ok(p)
                })
            })
            .await
    }
}

/// Writes a status change (and its attempt) inside a write transaction.
async fn apply_change(conn: &mut PgConnection, id: EnquiryId, ch: &EnquiryChange, patient: Option<PatientId>) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE enquiries SET status = $1, closed_reason = $2, updated_at = $3, patient_id = COALESCE($6, patient_id) WHERE id = $4 AND status = $5",
    )
    .bind(ch.status.as_str())
    .bind(&ch.closed_reason)
    .bind(ts(ch.at))
    .bind(id.0)
    .bind(ch.expected.as_str())
    .bind(patient.map(|p| p.0))
    .execute(&mut *conn)
    .await
    .map_err(map_err)?;
    if done.rows_affected() == 0 {
        let exists = sqlx::query("SELECT 1 FROM enquiries WHERE id = $1").bind(id.0).fetch_optional(&mut *conn).await.map_err(map_err)?;
        return Err(if exists.is_some() { StoreError::Conflict("the enquiry changed since it was read".to_owned()) } else { StoreError::NotFound });
    }
    if let Some(a) = &ch.attempt {
        sqlx::query("INSERT INTO enquiry_contact_attempts (id, enquiry_id, at, channel, outcome, note, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(a.id.0)
            .bind(id.0)
            .bind(ts(a.at))
            .bind(a.channel.as_str())
            .bind(a.outcome.as_str())
            .bind(&a.note)
            .bind(a.by.0)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}
