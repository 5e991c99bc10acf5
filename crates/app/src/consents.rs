//! Consent templates (clinic-written, versioned, per modality), consents signed by the patient
//! on a tablet with a staff witness, and the SPRAVATO REMS patient enrolment.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::chart::consent::check_signature;
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind, ConsentTemplate, RemsEnrollment, SignedConsent};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};

use crate::chart::serde_problem;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ClinicalRead, ConsentTemplateManage, ConsentWitness, RemsEnroll};
use crate::{Actor, App};

/// What the patient signs with.
#[derive(Debug, Clone)]
pub struct SignatureInput {
    pub template_id: ChartEntryId,
    /// The version the patient was shown; signing is refused if the template changed since.
    pub template_version: Version,
    pub typed_name: String,
    pub signature_path: Option<String>,
}

fn template_of(entry: &ChartEntry) -> AppResult<&ConsentTemplate> {
    match &entry.body {
        ChartBody::ConsentTemplate(t) => Ok(t),
        _ => Err(AppError::NotFound),
    }
}

impl App {
    /// The clinic's consent templates (current versions), active ones only unless asked.
    pub async fn consent_templates(&self, actor: &Actor, include_inactive: bool) -> AppResult<Vec<ChartEntry>> {
        // Every clinical role reads them (they are clinic documents, not patient data), and
        // whoever writes them.
        if !crate::permissions::allows(actor.role, crate::Permission::ConsentTemplateManage) {
            self.authorize::<ClinicalRead>(actor).await?;
        }
        let all = self.store.chart_entries(None, &[ChartKind::ConsentTemplate], false).await?;
        Ok(all.into_iter().filter(|e| include_inactive || template_of(e).is_ok_and(|t| t.active)).collect())
    }

    /// Writes a new consent template.
    pub async fn create_consent_template(&self, grant: &Granted<ConsentTemplateManage>, json: serde_json::Value) -> AppResult<ChartEntry> {
        let template: ConsentTemplate = serde_json::from_value(json).map_err(|e| serde_problem(&e))?;
        let template = template.check()?;
        self.insert_entry(grant.actor(), None, ChartBody::ConsentTemplate(template)).await
    }

    /// Revises a consent template: a new version. Consents signed earlier keep naming the
    /// version and text hash they were signed on.
    pub async fn revise_consent_template(
        &self,
        grant: &Granted<ConsentTemplateManage>,
        id: ChartEntryId,
        expected: Version,
        json: serde_json::Value,
        reason: &str,
    ) -> AppResult<ChartEntry> {
        let reason = ChangeReason::parse(reason).map_err(ValidationErrors::from)?;
        let template: ConsentTemplate = serde_json::from_value(json).map_err(|e| serde_problem(&e))?;
        let template = template.check()?;
        let current = self.current_entry(id, expected).await?;
        template_of(&current)?;
        let revised = current.revised(ChartBody::ConsentTemplate(template), RecordStatus::Active, reason, grant.actor().user_id, self.now());
        self.store_revision(grant.actor(), &revised).await?;
        Ok(revised)
    }

    /// Records a consent signed by the patient, witnessed by the signed-in member of staff.
    /// The template must be active and still at the version the patient read.
    pub async fn sign_consent(&self, grant: &Granted<ConsentWitness>, patient: PatientId, input: &SignatureInput) -> AppResult<ChartEntry> {
        let (typed_name, signature_path) = check_signature(&input.typed_name, input.signature_path.as_deref())?;
        let template_entry =
            self.store.chart_entry(input.template_id).await?.ok_or_else(|| ValidationErrors::one("template_id", "is not a consent template"))?;
        let template = template_of(&template_entry).map_err(|_| ValidationErrors::one("template_id", "is not a consent template"))?;
        if !template.active || template_entry.status != RecordStatus::Active {
            return Err(ValidationErrors::one("template_id", "this consent template is no longer in use").into());
        }
        if template_entry.version != input.template_version {
            return Err(AppError::Conflict(format!(
                "the consent text changed (now version {}); show the patient the current text before signing",
                template_entry.version.0
            )));
        }
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let signed = SignedConsent {
            template_id: template_entry.id,
            template_version: template_entry.version,
            template_sha256: template.text_sha256(),
            modality: template.modality,
            title: template.title.clone(),
            typed_name,
            signature_path,
            witness: grant.actor().user_id,
            witness_name: grant.actor().display_name.clone(),
            signed_at: self.now(),
        };
        self.insert_entry(grant.actor(), Some(patient), ChartBody::Consent(signed)).await
    }

    /// Records the SPRAVATO REMS patient enrolment (signed by patient and prescriber).
    pub async fn record_rems_enrollment(&self, grant: &Granted<RemsEnroll>, patient: PatientId, json: serde_json::Value) -> AppResult<ChartEntry> {
        let mut json = json;
        if let Some(map) = json.as_object_mut() {
            // The prescriber is whoever records it; a client cannot name someone else.
            map.insert("prescriber".to_owned(), serde_json::json!(grant.actor().user_id));
        }
        let enrolment: RemsEnrollment = serde_json::from_value(json).map_err(|e| serde_problem(&e))?;
        let enrolment = enrolment.check(&self.check_context())?;
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        self.insert_entry(grant.actor(), Some(patient), ChartBody::RemsEnrollment(enrolment)).await
    }

    /// Whether the patient has a current consent for `modality` and (esketamine) a REMS
    /// enrolment: what a session's pre-checks ask.
    pub async fn consent_status(&self, patient: PatientId, modality: Modality) -> AppResult<ConsentStatus> {
        let entries = self.store.chart_entries(Some(patient), &[ChartKind::Consent, ChartKind::RemsEnrollment], false).await?;
        let consent = entries.iter().rev().find(|e| matches!(&e.body, ChartBody::Consent(c) if c.modality == modality)).cloned();
        let rems = entries.iter().rev().find(|e| matches!(e.body, ChartBody::RemsEnrollment(_))).cloned();
        Ok(ConsentStatus { consent, rems_enrollment: rems, rems_required: modality.is_esketamine() })
    }
}

/// A patient's consent and REMS state for one modality.
#[derive(Debug, Clone)]
pub struct ConsentStatus {
    pub consent: Option<ChartEntry>,
    pub rems_enrollment: Option<ChartEntry>,
    /// Esketamine needs a REMS enrolment before any session (REFERENCE §2.5).
    pub rems_required: bool,
}

impl ConsentStatus {
    /// Whether treatment may start on the consent side.
    pub fn ready(&self) -> bool {
        self.consent.is_some() && (!self.rems_required || self.rems_enrollment.is_some())
    }
}
