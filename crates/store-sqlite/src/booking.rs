//! Scheduling on SQLite: chairs and rooms, staff hours and appointments (see
//! [`ketaclinic_store::booking_port`] for the rules). The constraint check runs inside the
//! single writer's job, so no other write can land between the check and the insert.

use async_trait::async_trait;
use jiff::Timestamp;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::booking::appointment::{Appointment, Booking, BookingId, BookingStatus};
use ketaclinic_domain::booking::resource::{ResourceName, Space, SpaceId};
use ketaclinic_domain::booking::slot::Slot;
use ketaclinic_domain::booking::violation::Findings;
use ketaclinic_domain::ids::{PatientId, UserId, WaitlistEntryId};
use ketaclinic_store::booking_port::{
    BookingCheck, BookingQuery, BookingRecord, SpaceRecord, StaffHoursRecord, WaitlistRecord, hours_from_text, hours_to_text, kind_str, parse_kind,
    parse_presence, parse_space_kind, parse_status, presence_str, space_kind_str, span, status_str,
};
use ketaclinic_store::{BookingStore, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_us, uuid, wq};
use crate::read::{int, opt_text, rq, text};

fn opt_user(row: &Row<'_>, col: &str) -> StoreResult<Option<UserId>> {
    opt_text(row, col)?.map(|s| uuid(&s).map(UserId)).transpose()
}

fn space_row(row: &Row<'_>) -> StoreResult<SpaceRecord> {
    let kind = text(row, "kind")?;
    Ok(SpaceRecord {
        space: Space {
            id: SpaceId(uuid(&text(row, "id")?)?),
            name: ResourceName::parse(&text(row, "name")?).map_err(corrupt("space name"))?,
            kind: parse_space_kind(&kind).ok_or_else(|| StoreError::Corrupt(format!("space kind {kind}")))?,
        },
        active: int(row, "active")? != 0,
        by: UserId(uuid(&text(row, "updated_by")?)?),
        at: from_us(int(row, "updated_at")?)?,
    })
}

fn staff_row(row: &Row<'_>) -> StoreResult<StaffHoursRecord> {
    let presence = text(row, "presence")?;
    Ok(StaffHoursRecord {
        user_id: UserId(uuid(&text(row, "user_id")?)?),
        hours: hours_from_text(&text(row, "hours")?)?,
        presence: parse_presence(&presence).ok_or_else(|| StoreError::Corrupt(format!("presence {presence}")))?,
        by: UserId(uuid(&text(row, "updated_by")?)?),
        at: from_us(int(row, "updated_at")?)?,
    })
}

fn booking_row(row: &Row<'_>) -> StoreResult<BookingRecord> {
    let kind = text(row, "kind")?;
    let appointment = Appointment {
        patient: PatientId(uuid(&text(row, "patient_id")?)?),
        kind: parse_kind(&kind).ok_or_else(|| StoreError::Corrupt(format!("appointment kind {kind}")))?,
        slot: Slot::new(from_us(int(row, "start_at")?)?, from_us(int(row, "end_at")?)?).map_err(corrupt("appointment slot"))?,
        space: opt_text(row, "space_id")?.map(|s| uuid(&s).map(SpaceId)).transpose()?,
        attending: opt_user(row, "attending")?,
        nurse: opt_user(row, "nurse")?,
        prescriber: opt_user(row, "prescriber")?,
    };
    Ok(BookingRecord {
        booking: Booking { id: BookingId(uuid(&text(row, "id")?)?), appointment, status: parse_status(&text(row, "status")?)? },
        reason: opt_text(row, "reason")?,
        booked_by: UserId(uuid(&text(row, "booked_by")?)?),
        booked_at: from_us(int(row, "booked_at")?)?,
        updated_at: from_us(int(row, "updated_at")?)?,
    })
}

/// Active bookings overlapping `slot`, except `skip` (the one being moved).
fn overlapping(conn: &Connection, slot: Slot, skip: Option<BookingId>) -> StoreResult<Vec<Booking>> {
    let mut stmt = conn.prepare_cached("SELECT * FROM appointments WHERE status = 'booked' AND start_at < ?1 AND end_at > ?2 AND id <> ?3").map_err(rq)?;
    let skip = skip.map(|id| id.to_string()).unwrap_or_default();
    let mut rows = stmt.query(params![to_us(slot.end()), to_us(slot.start()), skip]).map_err(rq)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(rq)? {
        out.push(booking_row(row)?.booking);
    }
    Ok(out)
}

fn status_of(conn: &Connection, id: BookingId) -> StoreResult<BookingStatus> {
    let raw: Option<String> = conn.query_row("SELECT status FROM appointments WHERE id = ?1", [id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
    parse_status(&raw.ok_or(StoreError::NotFound)?)
}

fn insert(conn: &Connection, r: &BookingRecord) -> StoreResult<()> {
    let a = r.booking.appointment;
    let opt = |id: Option<UserId>| id.map(|u| u.to_string());
    conn.execute(
        "INSERT INTO appointments (id, patient_id, kind, start_at, end_at, space_id, attending, nurse, prescriber, status, reason, \
         booked_by, booked_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            r.booking.id.to_string(),
            a.patient.to_string(),
            kind_str(a.kind),
            to_us(a.slot.start()),
            to_us(a.slot.end()),
            a.space.map(|s| s.to_string()),
            opt(a.attending),
            opt(a.nurse),
            opt(a.prescriber),
            status_str(BookingStatus::Booked),
            r.reason,
            r.booked_by.to_string(),
            to_us(r.booked_at),
            to_us(r.updated_at)
        ],
    )
    .map_err(wq)?;
    Ok(())
}

fn not_booked() -> StoreError {
    StoreError::Conflict("the appointment is no longer booked".to_owned())
}

#[async_trait]
impl BookingStore for SqliteStore {
    async fn save_space(&self, s: &SpaceRecord, audit: AuditEvent) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO booking_spaces (id, name, kind, active, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, active = excluded.active, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        params![
                            s.space.id.to_string(),
                            s.space.name.as_str(),
                            space_kind_str(s.space.kind),
                            i64::from(s.active),
                            s.by.to_string(),
                            to_us(s.at)
                        ],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn spaces(&self) -> StoreResult<Vec<SpaceRecord>> {
        self.read.all("SELECT * FROM booking_spaces ORDER BY name, id", [], space_row)
    }

    async fn save_staff_hours(&self, h: &StaffHoursRecord, audit: AuditEvent) -> StoreResult<()> {
        let h = h.clone();
        self.writer
            .write(move |w| {
                let found = w.conn.query_row("SELECT 1 FROM users WHERE id = ?1", [h.user_id.to_string()], |_| Ok(())).optional().map_err(wq)?;
                if found.is_none() {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO booking_staff (user_id, hours, presence, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                         ON CONFLICT (user_id) DO UPDATE SET hours = excluded.hours, presence = excluded.presence, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        params![h.user_id.to_string(), hours_to_text(&h.hours), presence_str(h.presence), h.by.to_string(), to_us(h.at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn staff_hours(&self) -> StoreResult<Vec<StaffHoursRecord>> {
        self.read.all("SELECT * FROM booking_staff ORDER BY user_id", [], staff_row)
    }

    async fn book_all(&self, records: &[BookingRecord], check: BookingCheck, audit: Vec<AuditEvent>) -> StoreResult<Findings> {
        let records = records.to_vec();
        self.writer
            .write(move |w| {
                for r in &records {
                    let patient = r.booking.appointment.patient.to_string();
                    if w.conn.query_row("SELECT 1 FROM patients WHERE id = ?1", [patient], |_| Ok(())).optional().map_err(wq)?.is_none() {
                        return Err(StoreError::NotFound);
                    }
                }
                let existing = match span(&records) {
                    Some(window) => overlapping(&w.conn, window, None)?,
                    None => Vec::new(),
                };
                let findings = check(&existing);
                if !findings.is_bookable() {
                    return Ok(findings);
                }
                for r in &records {
                    insert(&w.conn, r)?;
                }
                append(w, audit)?;
                Ok(findings)
            })
            .await
    }

    async fn move_booking(&self, id: BookingId, slot: Slot, at: Timestamp, check: BookingCheck, audit: AuditEvent) -> StoreResult<Findings> {
        self.writer
            .write(move |w| {
                if status_of(&w.conn, id)? != BookingStatus::Booked {
                    return Err(not_booked());
                }
                let findings = check(&overlapping(&w.conn, slot, Some(id))?);
                if !findings.is_bookable() {
                    return Ok(findings);
                }
                w.conn
                    .execute(
                        "UPDATE appointments SET start_at = ?1, end_at = ?2, updated_at = ?3 WHERE id = ?4",
                        params![to_us(slot.start()), to_us(slot.end()), to_us(at), id.to_string()],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])?;
                Ok(findings)
            })
            .await
    }

    async fn close_booking(&self, id: BookingId, status: BookingStatus, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        let reason = reason.to_owned();
        self.writer
            .write(move |w| {
                if status_of(&w.conn, id)? != BookingStatus::Booked {
                    return Err(not_booked());
                }
                w.conn
                    .execute(
                        "UPDATE appointments SET status = ?1, reason = ?2, updated_at = ?3 WHERE id = ?4",
                        params![status_str(status), reason, to_us(at), id.to_string()],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>> {
        self.read.one("SELECT * FROM appointments WHERE id = ?1", [id.to_string()], booking_row)
    }

    async fn bookings(&self, q: &BookingQuery) -> StoreResult<Vec<BookingRecord>> {
        let staff = q.staff.map(|s| s.to_string());
        self.read.all(
            "SELECT * FROM appointments WHERE start_at < ?1 AND end_at > ?2 AND (?3 IS NULL OR space_id = ?3) \
             AND (?4 IS NULL OR attending = ?4 OR nurse = ?4 OR prescriber = ?4) AND (?5 IS NULL OR patient_id = ?5) ORDER BY start_at, id",
            params![to_us(q.to), to_us(q.from), q.space.map(|s| s.to_string()), staff, q.patient.map(|p| p.to_string())],
            booking_row,
        )
    }

    async fn add_waitlist(&self, entry: &WaitlistRecord, audit: AuditEvent) -> StoreResult<()> {
        self.add_waitlist_entry(entry, audit).await
    }

    async fn remove_waitlist(&self, id: WaitlistEntryId, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        self.remove_waitlist_entry(id, reason, at, audit).await
    }

    async fn waitlist(&self) -> StoreResult<Vec<WaitlistRecord>> {
        self.waitlist_entries().await
    }
}
