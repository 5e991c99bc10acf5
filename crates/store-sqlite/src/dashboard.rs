//! Dashboard scans on SQLite: one pass over the covering index
//! `assessments_instrument_series`, grouping rows by patient as they stream past (a patient
//! id is parsed once per patient, not once per row).

use std::collections::HashMap;

use async_trait::async_trait;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::outcome::Point;
use ketaclinic_store::{DashboardStore, StoreResult};

use crate::SqliteStore;
use crate::convert::{from_us, to_u32, uuid};
use crate::read::rq;

#[async_trait]
impl DashboardStore for SqliteStore {
    async fn instrument_series(&self, instrument: &str) -> StoreResult<Vec<(PatientId, Vec<Point>)>> {
        self.read.with(|conn| {
            let mut st = conn
                .prepare_cached(
                    "SELECT patient_id, administered_at, total FROM assessments INDEXED BY assessments_instrument_series \
                     WHERE instrument = ?1 AND total IS NOT NULL \
                     AND patient_id NOT IN (SELECT id FROM patients WHERE status <> 'active') ORDER BY patient_id, administered_at",
                )
                .map_err(rq)?;
            let mut rows = st.query([instrument]).map_err(rq)?;
            let mut out: Vec<(PatientId, Vec<Point>)> = Vec::new();
            let mut current = String::new();
            while let Some(row) = rows.next().map_err(rq)? {
                let id = row.get_ref(0).map_err(rq)?.as_str().map_err(|e| rq(e.into()))?;
                let point = Point { at: from_us(row.get(1).map_err(rq)?)?, total: to_u32(row.get(2).map_err(rq)?, "total")? };
                if id != current {
                    id.clone_into(&mut current);
                    out.push((PatientId(uuid(id)?), Vec::new()));
                }
                if let Some((_, points)) = out.last_mut() {
                    points.push(point);
                }
            }
            Ok(out)
        })
    }

    async fn approved_modalities(&self) -> StoreResult<Vec<(PatientId, String)>> {
        let rows = self.read.all(
            "SELECT patient_id, json_extract(body, '$.modality') AS modality FROM chart_entries \
             WHERE kind = 'eligibility_decision' AND status = 'active' AND json_extract(body, '$.outcome') = 'approved' ORDER BY created_at, id",
            [],
            |row| Ok((crate::read::text(row, "patient_id")?, crate::read::text(row, "modality")?)),
        )?;
        let mut latest: HashMap<String, String> = HashMap::new();
        for (patient, modality) in rows {
            latest.insert(patient, modality);
        }
        latest.into_iter().map(|(p, m)| Ok((PatientId(uuid(&p)?), m))).collect()
    }

    async fn corrected_points(&self, instrument: &str) -> StoreResult<Vec<(PatientId, Point)>> {
        self.read.all(
            "SELECT a.patient_id, a.administered_at, a.total FROM assessment_corrections c JOIN assessments a ON a.id = c.assessment_id \
             WHERE a.instrument = ?1 AND a.total IS NOT NULL",
            [instrument],
            |row| {
                Ok((
                    PatientId(uuid(&crate::read::text(row, "patient_id")?)?),
                    Point { at: from_us(crate::read::int(row, "administered_at")?)?, total: to_u32(crate::read::int(row, "total")?, "total")? },
                ))
            },
        )
    }
}
