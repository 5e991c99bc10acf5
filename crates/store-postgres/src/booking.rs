//! Scheduling on PostgreSQL: chairs and rooms, staff hours and appointments (see
//! [`ketaclinic_store::booking_port`] for the rules). Every write transaction holds the write
//! advisory lock (`WriteConn::begin`), so the constraint check and the insert that follows it
//! cannot interleave with another booking, from this process or any other.

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
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, ts};
use crate::{PgStore, WriteConn};

fn get<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(row: &PgRow, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(map_err)
}

fn space_row(row: &PgRow) -> StoreResult<SpaceRecord> {
    let kind: String = get(row, "kind")?;
    Ok(SpaceRecord {
        space: Space {
            id: SpaceId(get(row, "id")?),
            name: ResourceName::parse(&get::<String>(row, "name")?).map_err(corrupt("space name"))?,
            kind: parse_space_kind(&kind).ok_or_else(|| StoreError::Corrupt(format!("space kind {kind}")))?,
        },
        active: get(row, "active")?,
        by: UserId(get(row, "updated_by")?),
        at: get_ts(row, "updated_at")?,
    })
}

fn staff_row(row: &PgRow) -> StoreResult<StaffHoursRecord> {
    let presence: String = get(row, "presence")?;
    Ok(StaffHoursRecord {
        user_id: UserId(get(row, "user_id")?),
        hours: hours_from_text(&get::<String>(row, "hours")?)?,
        presence: parse_presence(&presence).ok_or_else(|| StoreError::Corrupt(format!("presence {presence}")))?,
        by: UserId(get(row, "updated_by")?),
        at: get_ts(row, "updated_at")?,
    })
}

fn booking_row(row: &PgRow) -> StoreResult<BookingRecord> {
    let kind: String = get(row, "kind")?;
    let user = |col| get::<Option<uuid::Uuid>>(row, col).map(|u| u.map(UserId));
    let appointment = Appointment {
        patient: PatientId(get(row, "patient_id")?),
        kind: parse_kind(&kind).ok_or_else(|| StoreError::Corrupt(format!("appointment kind {kind}")))?,
        slot: Slot::new(get_ts(row, "start_at")?, get_ts(row, "end_at")?).map_err(corrupt("appointment slot"))?,
        space: get::<Option<uuid::Uuid>>(row, "space_id")?.map(SpaceId),
        attending: user("attending")?,
        nurse: user("nurse")?,
        prescriber: user("prescriber")?,
    };
    Ok(BookingRecord {
        booking: Booking { id: BookingId(get(row, "id")?), appointment, status: parse_status(&get::<String>(row, "status")?)? },
        reason: get(row, "reason")?,
        booked_by: UserId(get(row, "booked_by")?),
        booked_at: get_ts(row, "booked_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// Active bookings overlapping `slot`, except `skip` (the one being moved).
async fn overlapping(conn: &mut PgConnection, slot: Slot, skip: Option<BookingId>) -> StoreResult<Vec<Booking>> {
    let rows = sqlx::query("SELECT * FROM appointments WHERE status = 'booked' AND start_at < $1 AND end_at > $2 AND ($3::uuid IS NULL OR id <> $3)")
        .bind(ts(slot.end()))
        .bind(ts(slot.start()))
        .bind(skip.map(|id| id.0))
        .fetch_all(conn)
        .await
        .map_err(map_err)?;
    rows.iter().map(|r| booking_row(r).map(|b| b.booking)).collect()
}

async fn status_of(conn: &mut PgConnection, id: BookingId) -> StoreResult<BookingStatus> {
    let row = sqlx::query("SELECT status FROM appointments WHERE id = $1").bind(id.0).fetch_optional(conn).await.map_err(map_err)?;
    parse_status(&get::<String>(&row.ok_or(StoreError::NotFound)?, "status")?)
}

async fn exists(conn: &mut PgConnection, sql: &'static str, id: uuid::Uuid) -> StoreResult<bool> {
    Ok(sqlx::query(sql).bind(id).fetch_optional(conn).await.map_err(map_err)?.is_some())
}

async fn insert(conn: &mut PgConnection, r: &BookingRecord) -> StoreResult<()> {
    let a = r.booking.appointment;
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, kind, start_at, end_at, space_id, attending, nurse, prescriber, status, reason, \
         booked_by, booked_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(r.booking.id.0)
    .bind(a.patient.0)
    .bind(kind_str(a.kind))
    .bind(ts(a.slot.start()))
    .bind(ts(a.slot.end()))
    .bind(a.space.map(|s| s.0))
    .bind(a.attending.map(|u| u.0))
    .bind(a.nurse.map(|u| u.0))
    .bind(a.prescriber.map(|u| u.0))
    .bind(status_str(BookingStatus::Booked))
    .bind(&r.reason)
    .bind(r.booked_by.0)
    .bind(ts(r.booked_at))
    .bind(ts(r.updated_at))
    .execute(conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

fn not_booked() -> StoreError {
    StoreError::Conflict("the appointment is no longer booked".to_owned())
}

#[async_trait]
impl BookingStore for PgStore {
    async fn save_space(&self, s: &SpaceRecord, audit: AuditEvent) -> StoreResult<()> {
        let s = s.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO booking_spaces (id, name, kind, active, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, active = excluded.active, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(s.space.id.0)
                    .bind(s.space.name.as_str())
                    .bind(space_kind_str(s.space.kind))
                    .bind(s.active)
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

    async fn spaces(&self) -> StoreResult<Vec<SpaceRecord>> {
        let rows = sqlx::query("SELECT * FROM booking_spaces ORDER BY name, id").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(space_row).collect()
    }

    async fn save_staff_hours(&self, h: &StaffHoursRecord, audit: AuditEvent) -> StoreResult<()> {
        let h = h.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if !exists(&mut c.conn, "SELECT 1 FROM users WHERE id = $1", h.user_id.0).await? {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(
                        "INSERT INTO booking_staff (user_id, hours, presence, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (user_id) DO UPDATE SET hours = excluded.hours, presence = excluded.presence, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(h.user_id.0)
                    .bind(hours_to_text(&h.hours))
                    .bind(presence_str(h.presence))
                    .bind(h.by.0)
                    .bind(ts(h.at))
                    .execute(&mut c.conn)
                    .await
                    .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn staff_hours(&self) -> StoreResult<Vec<StaffHoursRecord>> {
        let rows = sqlx::query("SELECT * FROM booking_staff ORDER BY user_id").fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(staff_row).collect()
    }

    async fn book_all(&self, records: &[BookingRecord], check: BookingCheck, audit: Vec<AuditEvent>) -> StoreResult<Findings> {
        let records = records.to_vec();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    for r in &records {
                        if !exists(&mut c.conn, "SELECT 1 FROM patients WHERE id = $1", r.booking.appointment.patient.0).await? {
                            return Err(StoreError::NotFound);
                        }
                    }
                    let existing = match span(&records) {
                        Some(window) => overlapping(&mut c.conn, window, None).await?,
                        None => Vec::new(),
                    };
                    let findings = check(&existing);
                    if !findings.is_bookable() {
                        return Ok(findings);
                    }
                    for r in &records {
                        insert(&mut c.conn, r).await?;
                    }
                    append(&mut c.conn, audit).await?;
                    Ok(findings)
                })
            })
            .await
    }

    async fn move_booking(&self, id: BookingId, slot: Slot, at: Timestamp, check: BookingCheck, audit: AuditEvent) -> StoreResult<Findings> {
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if status_of(&mut c.conn, id).await? != BookingStatus::Booked {
                        return Err(not_booked());
                    }
                    let findings = check(&overlapping(&mut c.conn, slot, Some(id)).await?);
                    if !findings.is_bookable() {
                        return Ok(findings);
                    }
                    sqlx::query("UPDATE appointments SET start_at = $1, end_at = $2, updated_at = $3 WHERE id = $4")
                        .bind(ts(slot.start()))
                        .bind(ts(slot.end()))
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await?;
                    Ok(findings)
                })
            })
            .await
    }

    async fn close_booking(&self, id: BookingId, status: BookingStatus, reason: &str, at: Timestamp, audit: AuditEvent) -> StoreResult<()> {
        let reason = reason.to_owned();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    if status_of(&mut c.conn, id).await? != BookingStatus::Booked {
                        return Err(not_booked());
                    }
                    sqlx::query("UPDATE appointments SET status = $1, reason = $2, updated_at = $3 WHERE id = $4")
                        .bind(status_str(status))
                        .bind(&reason)
                        .bind(ts(at))
                        .bind(id.0)
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn booking(&self, id: BookingId) -> StoreResult<Option<BookingRecord>> {
        let row = sqlx::query("SELECT * FROM appointments WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(booking_row).transpose()
    }

    async fn bookings(&self, q: &BookingQuery) -> StoreResult<Vec<BookingRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM appointments WHERE start_at < $1 AND end_at > $2 AND ($3::uuid IS NULL OR space_id = $3) \
             AND ($4::uuid IS NULL OR attending = $4 OR nurse = $4 OR prescriber = $4) AND ($5::uuid IS NULL OR patient_id = $5) ORDER BY start_at, id",
        )
        .bind(ts(q.to))
        .bind(ts(q.from))
        .bind(q.space.map(|s| s.0))
        .bind(q.staff.map(|s| s.0))
        .bind(q.patient.map(|p| p.0))
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(booking_row).collect()
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
