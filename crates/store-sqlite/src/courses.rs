//! Treatment protocols (append-only versions) and treatment courses with their events, on
//! SQLite.

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::course::{Course, CourseEvent, CourseEventKind, CoursePhase, CourseStatus, Induction, Protocol, Revision};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{CourseEventId, CourseId, PatientId, UserId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_store::{CourseStore, StoreError, StoreResult};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, opt_from_us, to_u32, to_us, uuid, wq};
use crate::read::{int, opt_int, opt_text, text};
use crate::writer::WriteState;

fn json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: DeserializeOwned>(raw: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn phase(raw: &str) -> StoreResult<CoursePhase> {
    CoursePhase::parse(raw).map_err(corrupt("course phase"))
}

fn protocol(row: &Row<'_>) -> StoreResult<Protocol> {
    Ok(Protocol {
        modality: Modality::parse(&text(row, "modality")?).map_err(corrupt("protocol modality"))?,
        version: to_u32(int(row, "version")?, "protocol version")?,
        body: from_json(&text(row, "body")?, "protocol body")?,
        revision: Some(Revision {
            reason: ChangeReason::parse(&text(row, "reason")?).map_err(corrupt("protocol reason"))?,
            by: UserId(uuid(&text(row, "created_by")?)?),
            at: from_us(int(row, "created_at")?)?,
        }),
    })
}

fn course(row: &Row<'_>) -> StoreResult<Course> {
    Ok(Course {
        id: CourseId(uuid(&text(row, "id")?)?),
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        modality: Modality::parse(&text(row, "modality")?).map_err(corrupt("course modality"))?,
        protocol_version: to_u32(int(row, "protocol_version")?, "protocol version")?,
        dose: from_json(&text(row, "dose")?, "course dose")?,
        induction: Induction {
            sessions: to_u32(int(row, "induction_sessions")?, "induction sessions")?,
            per_week: to_u32(int(row, "induction_per_week")?, "induction per week")?,
        },
        status: CourseStatus::parse(&text(row, "status")?).map_err(corrupt("course status"))?,
        phase: phase(&text(row, "phase")?)?,
        review: opt_text(row, "review")?.map(|r| from_json(&r, "course review")).transpose()?,
        created_by: UserId(uuid(&text(row, "created_by")?)?),
        created_at: from_us(int(row, "created_at")?)?,
        signed_by: opt_text(row, "signed_by")?.map(|u| uuid(&u).map(UserId)).transpose()?,
        signed_at: opt_from_us(opt_int(row, "signed_at")?)?,
        updated_at: from_us(int(row, "updated_at")?)?,
    })
}

fn course_event(row: &Row<'_>) -> StoreResult<CourseEvent> {
    let kind = match text(row, "event")?.as_str() {
        "created" => CourseEventKind::Created,
        "signed" => CourseEventKind::Signed,
        "phase_changed" => CourseEventKind::PhaseChanged {
            from: phase(&opt_text(row, "from_phase")?.unwrap_or_default())?,
            to: phase(&opt_text(row, "to_phase")?.unwrap_or_default())?,
            reason: ChangeReason::parse(&opt_text(row, "reason")?.unwrap_or_default()).map_err(corrupt("course event reason"))?,
            review: opt_text(row, "review")?.map(|r| from_json(&r, "course event review")).transpose()?,
        },
        other => return Err(StoreError::Corrupt(format!("course event kind {other}"))),
    };
    Ok(CourseEvent {
        id: CourseEventId(uuid(&text(row, "id")?)?),
        course_id: CourseId(uuid(&text(row, "course_id")?)?),
        kind,
        by: UserId(uuid(&text(row, "recorded_by")?)?),
        at: from_us(int(row, "recorded_at")?)?,
    })
}

/// The event's row values, serialised before the write closure runs.
struct EventRow {
    id: String,
    course_id: String,
    kind: &'static str,
    from: Option<&'static str>,
    to: Option<&'static str>,
    reason: Option<String>,
    review: Option<String>,
    by: String,
    at: i64,
}

impl EventRow {
    fn of(e: &CourseEvent) -> StoreResult<Self> {
        let (from, to, reason, review) = match &e.kind {
            CourseEventKind::PhaseChanged { from, to, reason, review } => {
                (Some(from.as_str()), Some(to.as_str()), Some(reason.as_str().to_owned()), review.as_ref().map(json).transpose()?)
            }
            CourseEventKind::Created | CourseEventKind::Signed => (None, None, None, None),
        };
        Ok(Self {
            id: e.id.to_string(),
            course_id: e.course_id.to_string(),
            kind: e.kind.as_str(),
            from,
            to,
            reason,
            review,
            by: e.by.to_string(),
            at: to_us(e.at),
        })
    }

    fn insert(&self, w: &mut WriteState) -> StoreResult<()> {
        w.conn
            .execute(
                "INSERT INTO course_events (id, course_id, event, from_phase, to_phase, reason, review, recorded_by, recorded_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![self.id, self.course_id, self.kind, self.from, self.to, self.reason, self.review, self.by, self.at],
            )
            .map_err(wq)?;
        Ok(())
    }
}

#[async_trait]
impl CourseStore for SqliteStore {
    async fn insert_protocol(&self, p: &Protocol, audit: AuditEvent) -> StoreResult<()> {
        let revision = p.revision.clone().ok_or_else(|| StoreError::Corrupt("a stored protocol version needs its revision".to_owned()))?;
        let (modality, version, body) = (p.modality.as_str(), i64::from(p.version), json(&p.body)?);
        self.writer
            .write(move |w| {
                w.conn
                    .execute(
                        "INSERT INTO protocols (modality, version, body, reason, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![modality, version, body, revision.reason.as_str(), revision.by.to_string(), to_us(revision.at)],
                    )
                    .map_err(wq)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn current_protocols(&self) -> StoreResult<Vec<Protocol>> {
        self.read.all(
            "SELECT * FROM protocols p WHERE version = (SELECT MAX(version) FROM protocols q WHERE q.modality = p.modality) ORDER BY modality",
            [],
            protocol,
        )
    }

    async fn protocol_versions(&self, modality: Modality) -> StoreResult<Vec<Protocol>> {
        self.read.all("SELECT * FROM protocols WHERE modality = ?1 ORDER BY version", [modality.as_str()], protocol)
    }

    async fn insert_course(&self, c: &Course, event: &CourseEvent, audit: AuditEvent) -> StoreResult<()> {
        let c = c.clone();
        let (dose, review, row) = (json(&c.dose)?, c.review.as_ref().map(json).transpose()?, EventRow::of(event)?);
        self.writer
            .write(move |w| {
                let exists: Option<i64> =
                    w.conn.query_row("SELECT 1 FROM patients WHERE id = ?1", [c.patient_id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                w.conn
                    .execute(
                        "INSERT INTO treatment_courses (id, patient_id, modality, protocol_version, dose, induction_sessions, induction_per_week, status, phase, \
                         review, created_by, created_at, signed_by, signed_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                        params![
                            c.id.to_string(),
                            c.patient_id.to_string(),
                            c.modality.as_str(),
                            i64::from(c.protocol_version),
                            dose,
                            i64::from(c.induction.sessions),
                            i64::from(c.induction.per_week),
                            c.status.as_str(),
                            c.phase.as_str(),
                            review,
                            c.created_by.to_string(),
                            to_us(c.created_at),
                            c.signed_by.map(|u| u.to_string()),
                            c.signed_at.map(to_us),
                            to_us(c.updated_at)
                        ],
                    )
                    .map_err(wq)?;
                row.insert(w)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn course(&self, id: CourseId) -> StoreResult<Option<Course>> {
        self.read.one("SELECT * FROM treatment_courses WHERE id = ?1", [id.to_string()], course)
    }

    async fn patient_courses(&self, patient: PatientId) -> StoreResult<Vec<Course>> {
        self.read.all("SELECT * FROM treatment_courses WHERE patient_id = ?1 ORDER BY created_at DESC, id DESC", [patient.to_string()], course)
    }

    async fn course_events(&self, id: CourseId) -> StoreResult<Vec<CourseEvent>> {
        self.read.all("SELECT * FROM course_events WHERE course_id = ?1 ORDER BY recorded_at, rowid", [id.to_string()], course_event)
    }

    async fn update_course(&self, c: &Course, expected: (CourseStatus, CoursePhase), event: &CourseEvent, audit: AuditEvent) -> StoreResult<()> {
        let c = c.clone();
        let (review, row) = (c.review.as_ref().map(json).transpose()?, EventRow::of(event)?);
        self.writer
            .write(move |w| {
                let n = w
                    .conn
                    .execute(
                        "UPDATE treatment_courses SET status = ?1, phase = ?2, review = ?3, signed_by = ?4, signed_at = ?5, updated_at = ?6 \
                         WHERE id = ?7 AND status = ?8 AND phase = ?9",
                        params![
                            c.status.as_str(),
                            c.phase.as_str(),
                            review,
                            c.signed_by.map(|u| u.to_string()),
                            c.signed_at.map(to_us),
                            to_us(c.updated_at),
                            c.id.to_string(),
                            expected.0.as_str(),
                            expected.1.as_str()
                        ],
                    )
                    .map_err(wq)?;
                if n == 0 {
                    let exists: Option<i64> =
                        w.conn.query_row("SELECT 1 FROM treatment_courses WHERE id = ?1", [c.id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                    return Err(if exists.is_some() { StoreError::Conflict("the course changed meanwhile".to_owned()) } else { StoreError::NotFound });
                }
                row.insert(w)?;
                append(w, vec![audit])
            })
            .await
    }
}
