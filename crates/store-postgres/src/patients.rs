//! Patients on PostgreSQL: the current row in `patients`, every version in `patient_versions`.

use async_trait::async_trait;
use jiff_sqlx::ToSqlx;
use ketaclinic_domain::audit::AuditEvent;
use ketaclinic_domain::ids::{PatientId, UserId};
use ketaclinic_domain::patient::{Mrn, MrnPrefix, Patient, PatientDetails, PatientVersion};
use ketaclinic_domain::person::{BirthDate, Email, PersonName, Phone, Sex};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use ketaclinic_store::{NewPatient, PatientCursor, PatientQuery, PatientStore, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use crate::audit::append;
use crate::convert::{corrupt, get_ts, map_err, to_i32, to_u32, ts};
use crate::{PgStore, WriteConn};

/// What a stored version holds besides its metadata.
#[derive(Serialize, Deserialize)]
struct VersionDocument {
    mrn: Mrn,
    details: PatientDetails,
    status: RecordStatus,
}

/// The sort order of the patient list, shared by `ORDER BY` and the keyset comparison. `"C"` is
/// byte order, like SQLite's BINARY collation, so both backends page identically whatever
/// collation the database was created with.
const SORT_KEY: &str = r#"search_family COLLATE "C", search_given COLLATE "C", id"#;

fn patient(row: &PgRow) -> StoreResult<Patient> {
    let s = |c: &str| row.try_get::<String, _>(c).map_err(map_err);
    let o = |c: &str| row.try_get::<Option<String>, _>(c).map_err(map_err);
    let birth = row.try_get::<jiff_sqlx::Date, _>("birth_date").map_err(map_err)?.to_jiff();
    Ok(Patient {
        id: PatientId(row.try_get("id").map_err(map_err)?),
        mrn: Mrn::parse(&s("mrn")?).map_err(corrupt("mrn"))?,
        details: PatientDetails {
            given_name: PersonName::parse(&s("given_name")?).map_err(corrupt("given_name"))?,
            family_name: PersonName::parse(&s("family_name")?).map_err(corrupt("family_name"))?,
            // Stored dates were checked on the way in; re-check only the calendar range.
            birth_date: BirthDate::new(birth, birth).map_err(corrupt("birth_date"))?,
            sex: Sex::parse(&s("sex")?).map_err(corrupt("sex"))?,
            phone: o("phone")?.map(|p| Phone::parse(&p).map_err(corrupt("phone"))).transpose()?,
            email: o("email")?.map(|e| Email::parse(&e).map_err(corrupt("email"))).transpose()?,
        },
        status: RecordStatus::parse(&s("status")?).map_err(corrupt("status"))?,
        version: Version(to_u32(row.try_get("version").map_err(map_err)?, "version")?),
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn version(row: &PgRow) -> StoreResult<PatientVersion> {
    let doc: String = row.try_get("document").map_err(map_err)?;
    let doc: VersionDocument = serde_json::from_str(&doc).map_err(|e| StoreError::Corrupt(format!("version document: {e}")))?;
    let reason: Option<String> = row.try_get("reason").map_err(map_err)?;
    Ok(PatientVersion {
        patient_id: PatientId(row.try_get("patient_id").map_err(map_err)?),
        version: Version(to_u32(row.try_get("version").map_err(map_err)?, "version")?),
        mrn: doc.mrn,
        details: doc.details,
        status: doc.status,
        recorded_at: get_ts(row, "recorded_at")?,
        recorded_by: UserId(row.try_get("recorded_by").map_err(map_err)?),
        reason: reason.map(|r| ChangeReason::parse(&r).map_err(corrupt("reason"))).transpose()?,
    })
}

async fn insert_version(conn: &mut PgConnection, v: &PatientVersion) -> StoreResult<()> {
    let doc = VersionDocument { mrn: v.mrn.clone(), details: v.details.clone(), status: v.status };
    let doc = serde_json::to_string(&doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // The document travels as text, cast to JSONB by the server and back to text when read, so
    // sqlx needs no `json` feature and serde stays the only JSON codec. JSONB reorders keys and
    // drops whitespace, which serde does not care about; operators can still query it as JSON.
    sqlx::query("INSERT INTO patient_versions (patient_id, version, document, recorded_at, recorded_by, reason) VALUES ($1, $2, $3::jsonb, $4, $5, $6)")
        .bind(v.patient_id.0)
        .bind(to_i32(v.version.0)?)
        .bind(doc)
        .bind(ts(v.recorded_at))
        .bind(v.recorded_by.0)
        .bind(v.reason.as_ref().map(ChangeReason::as_str))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

/// The next generated MRN. The counter row is updated inside the write transaction, which holds
/// the cross-process write lock, so numbers are never handed out twice or skipped by a rollback.
async fn next_mrn(conn: &mut PgConnection, prefix: &MrnPrefix) -> StoreResult<Mrn> {
    let n: i64 =
        sqlx::query_scalar("INSERT INTO counters (name, value) VALUES ('mrn', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value")
            .fetch_one(conn)
            .await
            .map_err(map_err)?;
    Ok(Mrn::generated(prefix, u64::try_from(n).map_err(|_| StoreError::Corrupt("mrn counter".to_owned()))?))
}

/// Registers a patient inside a write transaction (shared with enquiry conversion).
pub(crate) async fn insert_new(conn: &mut PgConnection, new: NewPatient, prefix: &MrnPrefix) -> StoreResult<Patient> {
    let mrn = match new.mrn {
        Some(mrn) => mrn,
        None => next_mrn(conn, prefix).await?,
    };
    let p = Patient { id: new.id, mrn, details: new.details, status: RecordStatus::Active, version: Version::FIRST, created_at: new.at, updated_at: new.at };
    write_current(conn, &p, true).await?;
    insert_version(conn, &PatientVersion::of(&p, new.author, None)).await?;
    Ok(p)
}

#[async_trait]
impl PatientStore for PgStore {
    async fn insert_patient(&self, new: &NewPatient, prefix: &MrnPrefix, audit: AuditEvent) -> StoreResult<Patient> {
        let new = new.clone();
        let prefix = prefix.clone();
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let p = insert_new(&mut c.conn, new, &prefix).await?;
                    append(&mut c.conn, vec![audit]).await?;
                    Ok(p)
                })
            })
            .await
    }

    async fn patient(&self, id: PatientId) -> StoreResult<Option<Patient>> {
        let row = sqlx::query("SELECT * FROM patients WHERE id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(map_err)?;
        row.as_ref().map(patient).transpose()
    }

    async fn search_patients(&self, query: &PatientQuery, after: Option<&PatientCursor>, limit: u32) -> StoreResult<Vec<Patient>> {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT * FROM patients WHERE 1 = 1");
        if !query.include_entered_in_error {
            q.push(" AND status = 'active'");
        }
        for word in &query.words {
            let like = format!("{}%", escape_like(word));
            q.push(" AND (search_family LIKE ").push_bind(like.clone()).push(" ESCAPE '\\' OR search_given LIKE ").push_bind(like);
            q.push(" ESCAPE '\\' OR lower(mrn) = ").push_bind(word.clone()).push(")");
        }
        if let Some(date) = query.birth_date {
            q.push(" AND birth_date = ").push_bind(date.to_sqlx());
        }
        if let Some(c) = after {
            q.push(" AND (").push(SORT_KEY).push(") > (").push_bind(c.family.clone()).push(", ").push_bind(c.given.clone());
            q.push(", ").push_bind(c.id.0).push(")");
        }
        q.push(" ORDER BY ").push(SORT_KEY).push(" LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.read).await.map_err(map_err)?;
        rows.iter().map(patient).collect()
    }

    async fn update_patient(&self, revised: &Patient, version: &PatientVersion, expected: Version, audit: AuditEvent) -> StoreResult<()> {
        let (p, v) = (revised.clone(), version.clone());
        self.writer
            .write(move |c: &mut WriteConn| {
                Box::pin(async move {
                    let current: Option<i32> =
                        sqlx::query_scalar("SELECT version FROM patients WHERE id = $1").bind(p.id.0).fetch_optional(&mut c.conn).await.map_err(map_err)?;
                    match current {
                        None => return Err(StoreError::NotFound),
                        Some(n) if i64::from(n) != i64::from(expected.0) => {
                            return Err(StoreError::Conflict(format!("the record is at version {n}, not {}", expected.0)));
                        }
                        Some(_) => {}
                    }
                    write_current(&mut c.conn, &p, false).await?;
                    insert_version(&mut c.conn, &v).await?;
                    append(&mut c.conn, vec![audit]).await
                })
            })
            .await
    }

    async fn patient_history(&self, id: PatientId) -> StoreResult<Vec<PatientVersion>> {
        // The JSONB document is read back as text (see `insert_version`).
        let rows = sqlx::query(
            "SELECT patient_id, version, document::text AS document, recorded_at, recorded_by, reason \
             FROM patient_versions WHERE patient_id = $1 ORDER BY version",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter().map(version).collect()
    }
}

/// Inserts (`fresh`) or overwrites the current row of a patient.
async fn write_current(conn: &mut PgConnection, p: &Patient, fresh: bool) -> StoreResult<()> {
    let sql = if fresh {
        "INSERT INTO patients (given_name, family_name, birth_date, sex, phone, email, status, version, updated_at, search_family, search_given, id, mrn, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    } else {
        "UPDATE patients SET given_name = $1, family_name = $2, birth_date = $3, sex = $4, phone = $5, email = $6, status = $7, version = $8, updated_at = $9, \
         search_family = $10, search_given = $11 WHERE id = $12 AND mrn = $13 AND created_at = $14"
    };
    let d = &p.details;
    sqlx::query(sql)
        .bind(d.given_name.as_str())
        .bind(d.family_name.as_str())
        .bind(d.birth_date.date().to_sqlx())
        .bind(d.sex.as_str())
        .bind(d.phone.as_ref().map(Phone::as_str))
        .bind(d.email.as_ref().map(Email::as_str))
        .bind(p.status.as_str())
        .bind(to_i32(p.version.0)?)
        .bind(ts(p.updated_at))
        .bind(d.family_name.as_str().to_lowercase())
        .bind(d.given_name.as_str().to_lowercase())
        .bind(p.id.0)
        .bind(p.mrn.as_str())
        .bind(ts(p.created_at))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

/// Escapes `\`, `%` and `_` so a search word matches literally (`ESCAPE '\'` in the query).
pub(crate) fn escape_like(word: &str) -> String {
    word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
