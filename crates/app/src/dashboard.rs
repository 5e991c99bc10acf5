//! The clinic's outcome dashboard (issue 4, item 7): per modality, N, response and remission at
//! the end of induction, median time to response and the relapse curve — see
//! [`ketaclinic_domain::dashboard`] for the definitions.
//!
//! Until treatment courses exist, a patient's group is the modality of their latest approved
//! eligibility decision (`unassigned` without one), and the end of induction is a window after
//! the baseline (`Settings::induction_days_*`). The result names no patient.

use std::collections::{BTreeMap, HashMap};

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::dashboard::{GroupAccumulator, GroupSummary};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::instruments;

use crate::App;
use crate::error::AppResult;
use crate::permissions::Granted;
use crate::permissions::perm::DashboardRead;

/// The group of patients without an approved decision.
pub const UNASSIGNED: &str = "unassigned";

/// The dashboard for one instrument.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub instrument: &'static str,
    pub groups: Vec<GroupSummary>,
}

impl App {
    /// Computes the dashboard for `instrument` (with a total and a remission definition).
    pub async fn outcome_dashboard(&self, grant: &Granted<DashboardRead>, instrument: &str) -> AppResult<Dashboard> {
        let definition = instruments::get(instrument).ok_or_else(|| ValidationErrors::one("instrument", "is not an instrument this clinic knows"))?;
        let remission_max = self.settings.remission.for_instrument(definition.id);
        if remission_max.is_none() {
            return Err(ValidationErrors::one("instrument", "has no response and remission definition (use phq9, gad7, qids_sr16 or madrs)").into());
        }
        let modalities: HashMap<_, _> = self.store.approved_modalities().await?.into_iter().collect();
        let mut series = self.store.instrument_series(definition.id).await?;
        // Leave out points entered in error (few; matched by patient, time and total).
        let corrected = self.store.corrected_points(definition.id).await?;
        if !corrected.is_empty() {
            for (patient, points) in &mut series {
                points.retain(|p| !corrected.iter().any(|(cp, c)| cp == patient && c == p));
            }
            series.retain(|(_, points)| !points.is_empty());
        }
        let mut groups: BTreeMap<String, GroupAccumulator> = BTreeMap::new();
        for (patient, points) in &series {
            let (group, window) = match modalities.get(patient).and_then(|m| Modality::parse(m).ok()) {
                Some(m) if m.is_esketamine() => (m.as_str(), self.settings.induction_days_esketamine),
                Some(m) => (m.as_str(), self.settings.induction_days_ketamine),
                None => (UNASSIGNED, self.settings.induction_days_esketamine),
            };
            groups.entry(group.to_owned()).or_default().add(points, remission_max, window);
        }
        let mut event = grant.actor().event(self, AuditAction::DashboardRead, AuditOutcome::Success);
        event.detail = Some(format!("{} over {} patients", definition.id, series.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(Dashboard { instrument: definition.id, groups: groups.into_iter().map(|(g, acc)| acc.finish(g)).collect() })
    }
}
