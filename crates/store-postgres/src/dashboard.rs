//! Dashboard scans on PostgreSQL: one ordered pass over `assessments_instrument_series`.

use std::collections::HashMap;

use async_trait::async_trait;
use futures::TryStreamExt;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::outcome::Point;
use ketaclinic_store::{DashboardStore, StoreResult};
use sqlx::Row;
use uuid::Uuid;

use crate::PgStore;
use crate::convert::{get_ts, map_err, to_u32};

#[async_trait]
impl DashboardStore for PgStore {
    async fn instrument_series(&self, instrument: &str) -> StoreResult<Vec<(PatientId, Vec<Point>)>> {
        let mut rows = sqlx::query(
            "SELECT a.patient_id, a.administered_at, a.total FROM assessments a \
             WHERE a.instrument = $1 AND a.total IS NOT NULL \
             AND a.patient_id NOT IN (SELECT id FROM patients WHERE status <> 'active') ORDER BY a.patient_id, a.administered_at",
        )
        .bind(instrument)
        .fetch(&self.read);
        let mut out: Vec<(PatientId, Vec<Point>)> = Vec::new();
        while let Some(row) = rows.try_next().await.map_err(map_err)? {
            let id: Uuid = row.try_get(0).map_err(map_err)?;
            let point = Point { at: get_ts(&row, "administered_at")?, total: to_u32(row.try_get("total").map_err(map_err)?, "total")? };
            if out.last().is_none_or(|(p, _)| p.0 != id) {
                out.push((PatientId(id), Vec::new()));
            }
            if let Some((_, points)) = out.last_mut() {
                points.push(point);
            }
        }
        Ok(out)
    }

    async fn approved_modalities(&self) -> StoreResult<Vec<(PatientId, String)>> {
        let rows = sqlx::query(
            "SELECT patient_id, body->>'modality' AS modality FROM chart_entries \
             WHERE kind = 'eligibility_decision' AND status = 'active' AND body->>'outcome' = 'approved' ORDER BY created_at, id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        let mut latest: HashMap<Uuid, String> = HashMap::new();
        for row in &rows {
            latest.insert(row.try_get("patient_id").map_err(map_err)?, row.try_get("modality").map_err(map_err)?);
        }
        Ok(latest.into_iter().map(|(p, m)| (PatientId(p), m)).collect())
    }

    async fn corrected_points(&self, instrument: &str) -> StoreResult<Vec<(PatientId, Point)>> {
        let rows = sqlx::query(
            "SELECT a.patient_id, a.administered_at, a.total FROM assessment_corrections c JOIN assessments a ON a.id = c.assessment_id \
             WHERE a.instrument = $1 AND a.total IS NOT NULL",
        )
        .bind(instrument)
        .fetch_all(&self.read)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|row| {
                Ok((
                    PatientId(row.try_get("patient_id").map_err(map_err)?),
                    Point { at: get_ts(row, "administered_at")?, total: to_u32(row.try_get("total").map_err(map_err)?, "total")? },
                ))
            })
            .collect()
    }
}
