//! Enquiries and contact attempts on SQLite.
//!
//! The queue is read in two statements: one page of enquiries, then the attempts of exactly
//! those ids (a JSON array bound as one parameter and unpacked by `json_each`), so a page costs
//! two reads however many enquiries it holds.

use std::collections::HashMap;

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::enquiry::{ContactAttempt, ContactChannel, ContactOutcome, Enquiry, EnquiryChange, EnquiryDetails, EnquirySource, EnquiryStatus};
use ketaclinic_domain::ids::{ContactAttemptId, EnquiryId, PatientId, UserId};
use ketaclinic_domain::patient::{MrnPrefix, Patient};
use ketaclinic_domain::person::{Email, PersonName};
use ketaclinic_domain::phone::E164;
use ketaclinic_store::{EnquiryCursor, EnquiryStore, NewPatient, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_us, uuid, wq};
use crate::read::{int, opt_text, text};
use crate::writer::WriteState;

fn enquiry(row: &Row<'_>) -> StoreResult<Enquiry> {
    let wire = |col: &str| text(row, col);
    let details = EnquiryDetails {
        name: PersonName::parse(&wire("name")?).map_err(corrupt("enquiry name"))?,
        phone: E164::from_stored(&wire("phone")?).map_err(corrupt("enquiry phone"))?,
        email: opt_text(row, "email")?.map(|e| Email::parse(&e)).transpose().map_err(corrupt("enquiry email"))?,
        message: opt_text(row, "message")?,
        best_time: opt_text(row, "best_time")?,
        consent_to_contact: int(row, "consent_to_contact")? != 0,
    };
    Ok(Enquiry {
        id: EnquiryId(uuid(&wire("id")?)?),
        details,
        source: EnquirySource::parse(&wire("source")?).map_err(corrupt("enquiry source"))?,
        recorded_by: opt_text(row, "recorded_by")?.map(|s| uuid(&s).map(UserId)).transpose()?,
        received_at: from_us(int(row, "received_at")?)?,
        contact_due_by: from_us(int(row, "contact_due_by")?)?,
        status: EnquiryStatus::parse(&wire("status")?).map_err(corrupt("enquiry status"))?,
        closed_reason: opt_text(row, "closed_reason")?,
        updated_at: from_us(int(row, "updated_at")?)?,
        attempts: Vec::new(),
        patient_id: opt_text(row, "patient_id")?.map(|s| uuid(&s).map(PatientId)).transpose()?,
    })
}

fn attempt(row: &Row<'_>) -> StoreResult<(EnquiryId, ContactAttempt)> {
    Ok((
        EnquiryId(uuid(&text(row, "enquiry_id")?)?),
        ContactAttempt {
            id: ContactAttemptId(uuid(&text(row, "id")?)?),
            at: from_us(int(row, "at")?)?,
            channel: ContactChannel::parse(&text(row, "channel")?).map_err(corrupt("attempt channel"))?,
            outcome: ContactOutcome::parse(&text(row, "outcome")?).map_err(corrupt("attempt outcome"))?,
            note: opt_text(row, "note")?,
            by: UserId(uuid(&text(row, "recorded_by")?)?),
        },
    ))
}

fn json_list<T: ToString>(items: impl IntoIterator<Item = T>) -> StoreResult<String> {
    serde_json::to_string(&items.into_iter().map(|i| i.to_string()).collect::<Vec<_>>()).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl SqliteStore {
    /// Fills in the attempts of `enquiries` (one read).
    fn with_attempts(&self, mut enquiries: Vec<Enquiry>) -> StoreResult<Vec<Enquiry>> {
        if enquiries.is_empty() {
            return Ok(enquiries);
        }
        let ids = json_list(enquiries.iter().map(|e| e.id))?;
        let rows =
            self.read.all("SELECT * FROM enquiry_contact_attempts WHERE enquiry_id IN (SELECT value FROM json_each(?1)) ORDER BY at, id", [ids], attempt)?;
        let mut by_id: HashMap<EnquiryId, Vec<ContactAttempt>> = HashMap::new();
        for (id, a) in rows {
            by_id.entry(id).or_default().push(a);
        }
        for e in &mut enquiries {
            e.attempts = by_id.remove(&e.id).unwrap_or_default();
        }
        Ok(enquiries)
    }
}

#[async_trait]
impl EnquiryStore for SqliteStore {
    async fn insert_enquiry(&self, e: &Enquiry, audit: AuditEvent) -> StoreResult<()> {
        let e = e.clone();
        self.writer
            .write(move |w| {
                let d = &e.details;
                w.conn
                    .execute(
                        "INSERT INTO enquiries (id, name, phone, email, message, best_time, consent_to_contact, source, recorded_by, received_at, \
                         contact_due_by, status, closed_reason, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                        params![
                            e.id.to_string(),
                            d.name.as_str(),
                            d.phone.as_str(),
                            d.email.as_ref().map(Email::as_str),
                            d.message,
                            d.best_time,
                            i64::from(d.consent_to_contact),
                            e.source.as_str(),
                            e.recorded_by.map(|u| u.to_string()),
                            to_us(e.received_at),
                            to_us(e.contact_due_by),
                            e.status.as_str(),
                            e.closed_reason,
                            to_us(e.updated_at)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn enquiry(&self, id: EnquiryId) -> StoreResult<Option<Enquiry>> {
        let found = self.read.one("SELECT * FROM enquiries WHERE id = ?1", [id.to_string()], enquiry)?;
        Ok(self.with_attempts(found.into_iter().collect())?.pop())
    }

    async fn enquiries(&self, statuses: &[EnquiryStatus], after: Option<&EnquiryCursor>, limit: u32) -> StoreResult<Vec<Enquiry>> {
        let statuses = json_list(statuses.iter().map(|s| s.as_str()))?;
        let (due, id) = after.map_or((None, None), |c| (Some(to_us(c.due)), Some(c.id.to_string())));
        let page = self.read.all(
            "SELECT * FROM enquiries WHERE status IN (SELECT value FROM json_each(?1)) \
             AND (?2 IS NULL OR contact_due_by > ?2 OR (contact_due_by = ?2 AND id > ?3)) ORDER BY contact_due_by, id LIMIT ?4",
            params![statuses, due, id, i64::from(limit)],
            enquiry,
        )?;
        self.with_attempts(page)
    }

    async fn change_enquiry(&self, id: EnquiryId, change: &EnquiryChange, audit: AuditEvent) -> StoreResult<()> {
        let c = change.clone();
        self.writer
            .write(move |w| {
                apply_change(w, id, &c, None)?;
                append(w, vec![audit])
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
        let (c, new, prefix) = (change.clone(), patient.clone(), prefix.clone());
        self.writer
            .write(move |w| {
                let p = crate::patients::insert_new(w, new, &prefix)?;
                apply_change(w, id, &c, Some(p.id))?;
                append(w, audit)?;
                Ok(p)
            })
            .await
    }
}

/// Writes a status change (and its attempt) inside a write transaction.
fn apply_change(w: &mut WriteState, id: EnquiryId, c: &EnquiryChange, patient: Option<PatientId>) -> StoreResult<()> {
    let n = w
        .conn
        .execute(
            "UPDATE enquiries SET status = ?1, closed_reason = ?2, updated_at = ?3, patient_id = COALESCE(?6, patient_id) WHERE id = ?4 AND status = ?5",
            params![c.status.as_str(), c.closed_reason, to_us(c.at), id.to_string(), c.expected.as_str(), patient.map(|p| p.to_string())],
        )
        .map_err(wq)?;
    if n == 0 {
        let exists: Option<i64> = w.conn.query_row("SELECT 1 FROM enquiries WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
        return Err(if exists.is_some() { StoreError::Conflict("the enquiry changed since it was read".to_owned()) } else { StoreError::NotFound });
    }
    if let Some(a) = &c.attempt {
        w.conn
            .execute(
                "INSERT INTO enquiry_contact_attempts (id, enquiry_id, at, channel, outcome, note, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.id.to_string(), id.to_string(), to_us(a.at), a.channel.as_str(), a.outcome.as_str(), a.note, a.by.to_string()],
            )
            .map_err(wq)?;
    }
    Ok(())
}
