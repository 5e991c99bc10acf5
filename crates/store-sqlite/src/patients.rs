//! Patients on SQLite: the current row in `patients`, every version in `patient_versions`.

use async_trait::async_trait;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, UserId};
use ketaclinic_domain::patient::{Mrn, MrnPrefix, Patient, PatientDetails, PatientVersion};
use ketaclinic_domain::person::{BirthDate, Email, PersonName, Phone, Sex};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use ketaclinic_store::{NewPatient, PatientCursor, PatientQuery, PatientStore, StoreError, StoreResult};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::SqliteStore;
use crate::audit::append;
use crate::convert::{corrupt, from_us, to_u32, to_us, uuid, wq};
use crate::read::{int, opt_text, text};
use crate::writer::WriteState;

/// What a stored version holds besides its metadata.
#[derive(Serialize, Deserialize)]
struct VersionDocument {
    mrn: Mrn,
    details: PatientDetails,
    status: RecordStatus,
}

fn patient(row: &Row<'_>) -> StoreResult<Patient> {
    let birth: jiff::civil::Date = text(row, "birth_date")?.parse().map_err(|e| StoreError::Corrupt(format!("birth_date: {e}")))?;
    Ok(Patient {
        id: PatientId(uuid(&text(row, "id")?)?),
        mrn: Mrn::parse(&text(row, "mrn")?).map_err(corrupt("mrn"))?,
        details: PatientDetails {
            given_name: PersonName::parse(&text(row, "given_name")?).map_err(corrupt("given_name"))?,
            family_name: PersonName::parse(&text(row, "family_name")?).map_err(corrupt("family_name"))?,
            // Stored dates were checked on the way in; re-check only the calendar range.
            birth_date: BirthDate::new(birth, birth).map_err(corrupt("birth_date"))?,
            sex: Sex::parse(&text(row, "sex")?).map_err(corrupt("sex"))?,
            phone: opt_text(row, "phone")?.map(|p| Phone::parse(&p).map_err(corrupt("phone"))).transpose()?,
            email: opt_text(row, "email")?.map(|e| Email::parse(&e).map_err(corrupt("email"))).transpose()?,
        },
        status: RecordStatus::parse(&text(row, "status")?).map_err(corrupt("status"))?,
        version: Version(to_u32(int(row, "version")?, "version")?),
        created_at: from_us(int(row, "created_at")?)?,
        updated_at: from_us(int(row, "updated_at")?)?,
    })
}

fn version(row: &Row<'_>) -> StoreResult<PatientVersion> {
    let doc: VersionDocument = serde_json::from_str(&text(row, "document")?).map_err(|e| StoreError::Corrupt(format!("version document: {e}")))?;
    Ok(PatientVersion {
        patient_id: PatientId(uuid(&text(row, "patient_id")?)?),
        version: Version(to_u32(int(row, "version")?, "version")?),
        mrn: doc.mrn,
        details: doc.details,
        status: doc.status,
        recorded_at: from_us(int(row, "recorded_at")?)?,
        recorded_by: UserId(uuid(&text(row, "recorded_by")?)?),
        reason: opt_text(row, "reason")?.map(|r| ChangeReason::parse(&r).map_err(corrupt("reason"))).transpose()?,
    })
}

fn insert_version(w: &mut WriteState, v: &PatientVersion) -> StoreResult<()> {
    let doc = VersionDocument { mrn: v.mrn.clone(), details: v.details.clone(), status: v.status };
    let doc = serde_json::to_string(&doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    w.conn
        .prepare_cached("INSERT INTO patient_versions (patient_id, version, document, recorded_at, recorded_by, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .and_then(|mut st| {
            st.execute(params![
                v.patient_id.to_string(),
                i64::from(v.version.0),
                doc,
                to_us(v.recorded_at),
                v.recorded_by.to_string(),
                v.reason.as_ref().map(ChangeReason::as_str)
            ])
        })
        .map(|_| ())
        .map_err(wq)
}

fn next_mrn(w: &mut WriteState, prefix: &MrnPrefix) -> StoreResult<Mrn> {
    let n: i64 = w
        .conn
        .prepare_cached("INSERT INTO counters (name, value) VALUES ('mrn', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value")
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(wq)?;
    Ok(Mrn::generated(prefix, u64::try_from(n).map_err(|_| StoreError::Corrupt("mrn counter".to_owned()))?))
}

/// Registers a patient inside a write transaction (shared with enquiry conversion).
pub(crate) fn insert_new(w: &mut WriteState, new: NewPatient, prefix: &MrnPrefix) -> StoreResult<Patient> {
    let mrn = match new.mrn {
        Some(mrn) => mrn,
        None => next_mrn(w, prefix)?,
    };
    let p = Patient { id: new.id, mrn, details: new.details, status: RecordStatus::Active, version: Version::FIRST, created_at: new.at, updated_at: new.at };
    write_current(w, &p, true)?;
    insert_version(w, &PatientVersion::of(&p, new.author, None))?;
    Ok(p)
}

#[async_trait]
impl PatientStore for SqliteStore {
    async fn insert_patient(&self, new: &NewPatient, prefix: &MrnPrefix, audit: AuditEvent) -> StoreResult<Patient> {
        let new = new.clone();
        let prefix = prefix.clone();
        self.writer
            .write(move |w| {
                let p = insert_new(w, new, &prefix)?;
                append(w, vec![audit])?;
                Ok(p)
            })
            .await
    }

    async fn patient(&self, id: PatientId) -> StoreResult<Option<Patient>> {
        self.read.one("SELECT * FROM patients WHERE id = ?1", [id.to_string()], patient)
    }

    async fn search_patients(&self, query: &PatientQuery, after: Option<&PatientCursor>, limit: u32) -> StoreResult<Vec<Patient>> {
        let mut sql = String::from("SELECT * FROM patients WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        let mut bind = |sql: &mut String, value: Value| {
            args.push(value);
            sql.push_str(&format!("?{}", args.len()));
        };
        if !query.include_entered_in_error {
            sql.push_str(" AND status = 'active'");
        }
        for word in &query.words {
            let like = Value::Text(format!("{}%", escape_like(word)));
            sql.push_str(" AND (search_family LIKE ");
            bind(&mut sql, like.clone());
            sql.push_str(" ESCAPE '\\' OR search_given LIKE ");
            bind(&mut sql, like);
            sql.push_str(" ESCAPE '\\' OR lower(mrn) = ");
            bind(&mut sql, Value::Text(word.clone()));
            sql.push(')');
        }
        if let Some(date) = query.birth_date {
            sql.push_str(" AND birth_date = ");
            bind(&mut sql, Value::Text(date.to_string()));
        }
        if let Some(c) = after {
            sql.push_str(" AND (search_family, search_given, id) > (");
            bind(&mut sql, Value::Text(c.family.clone()));
            sql.push_str(", ");
            bind(&mut sql, Value::Text(c.given.clone()));
            sql.push_str(", ");
            bind(&mut sql, Value::Text(c.id.to_string()));
            sql.push(')');
        }
        sql.push_str(" ORDER BY search_family, search_given, id LIMIT ");
        bind(&mut sql, Value::Integer(i64::from(limit)));
        self.read.all(&sql, params_from_iter(args), patient)
    }

    async fn update_patient(&self, revised: &Patient, version: &PatientVersion, expected: Version, audit: AuditEvent) -> StoreResult<()> {
        let (p, v) = (revised.clone(), version.clone());
        self.writer
            .write(move |w| {
                let current: Option<i64> =
                    w.conn.query_row("SELECT version FROM patients WHERE id = ?1", [p.id.to_string()], |r| r.get(0)).optional().map_err(wq)?;
                match current {
                    None => return Err(StoreError::NotFound),
                    Some(n) if n != i64::from(expected.0) => return Err(StoreError::Conflict(format!("the record is at version {n}, not {}", expected.0))),
                    Some(_) => {}
                }
                write_current(w, &p, false)?;
                insert_version(w, &v)?;
                append(w, vec![audit])
            })
            .await
    }

    async fn patient_history(&self, id: PatientId) -> StoreResult<Vec<PatientVersion>> {
        self.read.all("SELECT * FROM patient_versions WHERE patient_id = ?1 ORDER BY version", [id.to_string()], version)
    }
}

/// Inserts (`fresh`) or overwrites the current row of a patient.
fn write_current(w: &mut WriteState, p: &Patient, fresh: bool) -> StoreResult<()> {
    let sql = if fresh {
        "INSERT INTO patients (given_name, family_name, birth_date, sex, phone, email, status, version, updated_at, search_family, search_given, id, mrn, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    } else {
        "UPDATE patients SET given_name = ?1, family_name = ?2, birth_date = ?3, sex = ?4, phone = ?5, email = ?6, status = ?7, version = ?8, updated_at = ?9, \
         search_family = ?10, search_given = ?11 WHERE id = ?12 AND mrn = ?13 AND created_at = ?14"
    };
    let d = &p.details;
    w.conn
        .prepare_cached(sql)
        .and_then(|mut st| {
            st.execute(params![
                d.given_name.as_str(),
                d.family_name.as_str(),
                d.birth_date.date().to_string(),
                d.sex.as_str(),
                d.phone.as_ref().map(Phone::as_str),
                d.email.as_ref().map(Email::as_str),
                p.status.as_str(),
                i64::from(p.version.0),
                to_us(p.updated_at),
                d.family_name.as_str().to_lowercase(),
                d.given_name.as_str().to_lowercase(),
                p.id.to_string(),
                p.mrn.as_str(),
                to_us(p.created_at)
            ])
        })
        .map(|_| ())
        .map_err(wq)
}

/// Escapes `\`, `%` and `_` so a search word matches literally.
pub(crate) fn escape_like(word: &str) -> String {
    word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
