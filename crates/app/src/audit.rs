//! The auditor's use cases: the log, per-patient access reports, and chain verification.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome, AuditRecord, ChainBreak, ChainVerifier};
use ketaclinic_domain::ids::PatientId;
use ketaclinic_store::AuditFilter;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::patients::{PAGE_MAX, Page};
use crate::permissions::Granted;
use crate::permissions::perm::AuditRead;

/// Rows read per step while verifying.
const VERIFY_PAGE: u32 = 1000;

/// The result of a full verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub rows: u64,
    /// Hash of the last row: record it elsewhere to detect truncation later.
    pub head: String,
}

fn parse_before(cursor: Option<&str>) -> AppResult<Option<u64>> {
    cursor.map(|c| c.parse::<u64>().map_err(|_| AppError::Invalid(ValidationErrors::one("cursor", "is not a cursor this server issued")))).transpose()
}

impl App {
    /// A page of the audit log, newest first. Reading the log is itself logged.
    pub async fn audit_log(&self, grant: &Granted<AuditRead>, filter: &AuditFilter, cursor: Option<&str>, limit: u32) -> AppResult<Page<AuditRecord>> {
        let limit = limit.clamp(1, PAGE_MAX);
        let rows = self.store.audit_page(filter, parse_before(cursor)?, limit).await?;
        self.store.append_audit(vec![grant.actor().event(self, AuditAction::AuditLogRead, AuditOutcome::Success)]).await?;
        Ok(page(rows, limit))
    }

    /// Who opened this patient's record, and when: every audit event about the patient.
    pub async fn patient_access_report(
        &self,
        grant: &Granted<AuditRead>,
        patient: PatientId,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<Page<AuditRecord>> {
        let limit = limit.clamp(1, PAGE_MAX);
        let filter = AuditFilter { patient_id: Some(patient), ..AuditFilter::default() };
        let rows = self.store.audit_page(&filter, parse_before(cursor)?, limit).await?;
        self.store.append_audit(vec![grant.actor().patient_event(self, AuditAction::PatientAccessReportRead, AuditOutcome::Success, patient)]).await?;
        Ok(page(rows, limit))
    }

    /// Walks the whole chain in order; the first bad row is the error.
    pub async fn verify_audit_chain(&self) -> AppResult<Result<ChainReport, ChainBreak>> {
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        loop {
            let rows = self.store.audit_chain_page(after, VERIFY_PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for row in &rows {
                if let Err(broken) = verifier.check(row) {
                    return Ok(Err(broken));
                }
            }
        }
        Ok(Ok(ChainReport { rows: verifier.verified(), head: verifier.head().to_owned() }))
    }
}

fn page(rows: Vec<AuditRecord>, limit: u32) -> Page<AuditRecord> {
    let full = u32::try_from(rows.len()).is_ok_and(|n| n == limit);
    let next_cursor = rows.last().filter(|_| full).map(|r| r.seq.to_string());
    Page { items: rows, next_cursor }
}
