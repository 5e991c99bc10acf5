//! Treatment protocols (append-only versions) and treatment courses with their events, on
//! PostgreSQL.

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::course::{Course, CourseEvent, CourseEventKind, CoursePhase, CourseStatus, Induction, Protocol, Revision};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{CourseEventId, CourseId, PatientId, UserId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_store::{CourseStore, StoreError, StoreResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::audit::append;
use crate::convert::{corrupt, get_opt_ts, get_ts, map_err, to_i32, to_u32, ts};
use crate::{PgStore, WriteConn};

/// The columns of a protocol row, JSON as text.
macro_rules! protocol_columns {
    () => {
        "modality, version, body::text AS body, reason, created_by, created_at"
    };
}

/// The columns of a course row, JSON as text.
macro_rules! course_columns {
    () => {
        "id, patient_id, modality, protocol_version, dose::text AS dose, induction_sessions, induction_per_week, status, phase, review::text AS review, \
         created_by, created_at, signed_by, signed_at, updated_at"
    };
}

fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: DeserializeOwned>(raw: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn phase(raw: &str) -> StoreResult<CoursePhase> {
    CoursePhase::parse(raw).map_err(corrupt("course phase"))
}

fn get<T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(row: &PgRow, column: &str) -> StoreResult<T> {
    row.try_get(column).map_err(map_err)
}

fn protocol(row: &PgRow) -> StoreResult<Protocol> {
    Ok(Protocol {
        modality: Modality::parse(&get::<String>(row, "modality")?).map_err(corrupt("protocol modality"))?,
        version: to_u32(get(row, "version")?, "protocol version")?,
        body: from_json(&get::<String>(row, "body")?, "protocol body")?,
        revision: Some(Revision {
            reason: ChangeReason::parse(&get::<String>(row, "reason")?).map_err(corrupt("protocol reason"))?,
            by: UserId(get(row, "created_by")?),
            at: get_ts(row, "created_at")?,
        }),
    })
}

fn course(row: &PgRow) -> StoreResult<Course> {
    Ok(Course {
        id: CourseId(get(row, "id")?),
        patient_id: PatientId(get(row, "patient_id")?),
        modality: Modality::parse(&get::<String>(row, "modality")?).map_err(corrupt("course modality"))?,
        protocol_version: to_u32(get(row, "protocol_version")?, "protocol version")?,
        dose: from_json(&get::<String>(row, "dose")?, "course dose")?,
        induction: Induction {
            sessions: to_u32(get(row, "induction_sessions")?, "induction sessions")?,
            per_week: to_u32(get(row, "induction_per_week")?, "induction per week")?,
        },
        status: CourseStatus::parse(&get::<String>(row, "status")?).map_err(corrupt("course status"))?,
        phase: phase(&get::<String>(row, "phase")?)?,
        review: get::<Option<String>>(row, "review")?.map(|r| from_json(&r, "course review")).transpose()?,
        created_by: UserId(get(row, "created_by")?),
        created_at: get_ts(row, "created_at")?,
        signed_by: get::<Option<uuid::Uuid>>(row, "signed_by")?.map(UserId),
        signed_at: get_opt_ts(row, "signed_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn course_event(row: &PgRow) -> StoreResult<CourseEvent> {
    let text = |c: &str| get::<Option<String>>(row, c).map(Option::unwrap_or_default);
    let kind = match get::<String>(row, "event")?.as_str() {
        "created" => CourseEventKind::Created,
        "signed" => CourseEventKind::Signed,
        "phase_changed" => CourseEventKind::PhaseChanged {
            from: phase(&text("from_phase")?)?,
            to: phase(&text("to_phase")?)?,
            reason: ChangeReason::parse(&text("reason")?).map_err(corrupt("course event reason"))?,
            review: get::<Option<String>>(row, "review")?.map(|r| from_json(&r, "course event review")).transpose()?,
        },
        other => return Err(StoreError::Corrupt(format!("course event kind {other}"))),
    };
    Ok(CourseEvent {
        id: CourseEventId(get(row, "id")?),
        course_id: CourseId(get(row, "course_id")?),
        kind,
        by: UserId(get(row, "recorded_by")?),
        at: get_ts(row, "recorded_at")?,
    })
}

async fn insert_event(conn: &mut PgConnection, e: &CourseEvent) -> StoreResult<()> {
    let (from, to, reason, review) = match &e.kind {
        CourseEventKind::PhaseChanged { from, to, reason, review } => {
            (Some(from.as_str()), Some(to.as_str()), Some(reason.as_str().to_owned()), review.as_ref().map(json).transpose()?)
        }
        CourseEventKind::Created | CourseEventKind::Signed => (None, None, None, None),
    };
    sqlx::query(
        "INSERT INTO course_events (id, course_id, event, from_phase, to_phase, reason, review, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)",
    )
    .bind(e.id.0)
    .bind(e.course_id.0)
    .bind(e.kind.as_str())
    .bind(from)
    .bind(to)
    .bind(reason)
    .bind(review)
    .bind(e.by.0)
    .bind(ts(e.at))
    .execute(conn)
    .await
    .map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl CourseStore for PgStore {
    async fn insert_protocol(&self, p: &Protocol, audit: AuditEvent) -> StoreResult<()> {
        let revision = p.revision.clone().ok_or_else(|| StoreError::Corrupt("a stored protocol version needs its revision".to_owned()))?;
        let (modality, version, body) = (p.modality.as_str(), to_i32(p.version)?, json(&p.body)?);
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO protocols (modality, version, body, reason, created_by, created_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6)")
                        .bind(modality)
                        .bind(version)
                        .bind(body)
                        .bind(revision.reason.as_str())
                        .bind(revision.by.0)
                        .bind(ts(revision.at))
                        .execute(&mut c.conn)
                        .await
                        .map_err(map_err)?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn current_protocols(&self) -> StoreResult<Vec<Protocol>> {
        let sql = concat!(
            "SELECT ",
            protocol_columns!(),
            " FROM protocols p WHERE version = (SELECT MAX(version) FROM protocols q WHERE q.modality = p.modality) ORDER BY modality"
        );
        let rows = sqlx::query(sql).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(protocol).collect()
    }

    async fn protocol_versions(&self, modality: Modality) -> StoreResult<Vec<Protocol>> {
        let sql = concat!("SELECT ", protocol_columns!(), " FROM protocols WHERE modality = $1 ORDER BY version");
        let rows = sqlx::query(sql).bind(modality.as_str()).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(protocol).collect()
    }

    async fn insert_course(&self, c: &Course, event: &CourseEvent, audit: AuditEvent) -> StoreResult<()> {
        let (c, event) = (c.clone(), event.clone());
        let (dose, review) = (json(&c.dose)?, c.review.as_ref().map(json).transpose()?);
        let (version, sessions, per_week) = (to_i32(c.protocol_version)?, to_i32(c.induction.sessions)?, to_i32(c.induction.per_week)?);
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    let exists = sqlx::query("SELECT 1 FROM patients WHERE id = $1").bind(c.patient_id.0).fetch_optional(&mut w.conn).await.map_err(map_err)?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(
                        "INSERT INTO treatment_courses (id, patient_id, modality, protocol_version, dose, induction_sessions, induction_per_week, status, phase, \
                         review, created_by, created_at, signed_by, signed_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15)",
                    )
                    .bind(c.id.0)
                    .bind(c.patient_id.0)
                    .bind(c.modality.as_str())
                    .bind(version)
                    .bind(dose)
                    .bind(sessions)
                    .bind(per_week)
                    .bind(c.status.as_str())
                    .bind(c.phase.as_str())
                    .bind(review)
                    .bind(c.created_by.0)
                    .bind(ts(c.created_at))
                    .bind(c.signed_by.map(|u| u.0))
                    .bind(c.signed_at.map(ts))
                    .bind(ts(c.updated_at))
                    .execute(&mut w.conn)
                    .await
                    .map_err(map_err)?;
                    insert_event(&mut w.conn, &event).await?;
                    append(&mut w.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn course(&self, id: CourseId) -> StoreResult<Option<Course>> {
        let sql = concat!("SELECT ", course_columns!(), " FROM treatment_courses WHERE id = $1");
        let row = sqlx::query(sql).bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(course).transpose()
    }

    async fn patient_courses(&self, patient: PatientId) -> StoreResult<Vec<Course>> {
        let sql = concat!("SELECT ", course_columns!(), " FROM treatment_courses WHERE patient_id = $1 ORDER BY created_at DESC, id DESC");
        let rows = sqlx::query(sql).bind(patient.0).fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(course).collect()
    }

    async fn course_events(&self, id: CourseId) -> StoreResult<Vec<CourseEvent>> {
        // Ids are UUIDv7 (time-ordered), so they keep the recording order of one course's events.
        let rows = sqlx::query(
            "SELECT id, course_id, event, from_phase, to_phase, reason, review::text AS review, recorded_by, recorded_at FROM course_events \
             WHERE course_id = $1 ORDER BY recorded_at, id",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(course_event).collect()
    }

    async fn update_course(&self, c: &Course, expected: (CourseStatus, CoursePhase), event: &CourseEvent, audit: AuditEvent) -> StoreResult<()> {
        let (c, event) = (c.clone(), event.clone());
        let review = c.review.as_ref().map(json).transpose()?;
        self.writer
            .write(move |w: &mut WriteConn| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE treatment_courses SET status = $1, phase = $2, review = $3::jsonb, signed_by = $4, signed_at = $5, updated_at = $6 \
                         WHERE id = $7 AND status = $8 AND phase = $9",
                    )
                    .bind(c.status.as_str())
                    .bind(c.phase.as_str())
                    .bind(review)
                    .bind(c.signed_by.map(|u| u.0))
                    .bind(c.signed_at.map(ts))
                    .bind(ts(c.updated_at))
                    .bind(c.id.0)
                    .bind(expected.0.as_str())
                    .bind(expected.1.as_str())
                    .execute(&mut w.conn)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        let exists =
                            sqlx::query("SELECT 1 FROM treatment_courses WHERE id = $1").bind(c.id.0).fetch_optional(&mut w.conn).await.map_err(map_err)?;
                        return Err(if exists.is_some() { StoreError::Conflict("the course changed meanwhile".to_owned()) } else { StoreError::NotFound });
                    }
                    insert_event(&mut w.conn, &event).await?;
                    append(&mut w.conn, vec![audit]).await
                })
            })
            .await
    }
}
