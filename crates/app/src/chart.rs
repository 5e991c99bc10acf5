//! The patient chart's list entries (contacts, emergency contacts, escorts, diagnoses,
//! allergies, medications, care team): add, correct, mark entered in error, read with history.
//!
//! Which permission a call needs depends on the kind: the people around a patient are kept by
//! the front desk too (`chart.contacts_write`, read with `patient.read`); diagnoses, allergies
//! and medications are clinical (`clinical.write`, `clinical.read`). The use cases therefore
//! take the [`Actor`] and authorize per kind themselves, through the same
//! [`App::authorize`] that writes denials to the audit log.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use ketaclinic_domain::chart::entries::{Check, CheckContext};
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind};
use ketaclinic_domain::ids::{ChartEntryId, PatientId};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};

use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::perm::{ChartContactsWrite, ClinicalRead, ClinicalWrite, PatientRead};
use crate::permissions::{Permission, allows};
use crate::{Actor, App};

/// Whether reading `kind` needs the clinical permission (otherwise `patient.read` suffices).
pub fn is_clinical(kind: ChartKind) -> bool {
    !matches!(kind, ChartKind::Contact | ChartKind::EmergencyContact | ChartKind::Escort | ChartKind::CareTeamMember)
}

/// The permission that reading `kind` needs.
pub fn read_permission(kind: ChartKind) -> Permission {
    if is_clinical(kind) { Permission::ClinicalRead } else { Permission::PatientRead }
}

fn parse_body<T: serde::de::DeserializeOwned + Check>(json: serde_json::Value, ctx: &CheckContext) -> Result<T, ValidationErrors> {
    let body: T = serde_json::from_value(json).map_err(|e| serde_problem(&e))?;
    body.check(ctx)
}

/// A field error for a body serde refused: named after the field serde names (`missing field
/// \`phone\``, `unknown field \`fone\``), otherwise after the whole body.
pub(crate) fn serde_problem(err: &serde_json::Error) -> ValidationErrors {
    let message = serde_message(err);
    let field = message.split('`').nth(1).filter(|_| message.starts_with("missing field") || message.starts_with("unknown field")).unwrap_or("body");
    ValidationErrors::one(field, message.clone())
}

/// serde's message without the "at line 1 column 2" tail, which means nothing to a form.
pub(crate) fn serde_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

impl App {
    /// What checking chart input needs to know about the clinic.
    pub(crate) fn check_context(&self) -> CheckContext {
        CheckContext { region: self.settings.phone_region, today: self.now().to_zoned(self.settings.timezone.clone()).date() }
    }

    /// Parses a list entry of `kind` from its JSON body; medications get the classes the drug
    /// table knows for their name added to the ones staff tagged.
    pub(crate) fn parse_list_body(&self, kind: ChartKind, json: serde_json::Value) -> AppResult<ChartBody> {
        let ctx = self.check_context();
        Ok(match kind {
            ChartKind::Contact => ChartBody::Contact(parse_body(json, &ctx)?),
            ChartKind::EmergencyContact => ChartBody::EmergencyContact(parse_body(json, &ctx)?),
            ChartKind::Escort => ChartBody::Escort(parse_body(json, &ctx)?),
            ChartKind::Diagnosis => ChartBody::Diagnosis(parse_body(json, &ctx)?),
            ChartKind::Allergy => ChartBody::Allergy(parse_body(json, &ctx)?),
            ChartKind::Medication => {
                let mut med: ketaclinic_domain::chart::Medication = parse_body(json, &ctx)?;
                if let Some(known) = self.settings.eligibility.drugs.lookup(&med.name) {
                    med.classes.extend(known.classes.iter().copied());
                    med.classes.sort();
                    med.classes.dedup();
                }
                ChartBody::Medication(med)
            }
            ChartKind::CareTeamMember => ChartBody::CareTeamMember(parse_body(json, &ctx)?),
            other => return Err(ValidationErrors::one("kind", format!("{} entries have their own workflow, not the chart list", other.as_str())).into()),
        })
    }

    /// Authorizes writing a list entry of `kind`.
    async fn authorize_list_write(&self, actor: &Actor, kind: ChartKind) -> AppResult<()> {
        if is_clinical(kind) { self.authorize::<ClinicalWrite>(actor).await.map(|_| ()) } else { self.authorize::<ChartContactsWrite>(actor).await.map(|_| ()) }
    }

    /// Adds an entry to a patient's chart (version 1).
    pub async fn add_chart_entry(&self, actor: &Actor, patient: PatientId, kind: ChartKind, json: serde_json::Value) -> AppResult<ChartEntry> {
        self.authorize_list_write(actor, kind).await?;
        let body = self.parse_list_body(kind, json)?;
        self.insert_entry(actor, Some(patient), body).await
    }

    /// Stores version 1 of an entry with its audit event.
    pub(crate) async fn insert_entry(&self, actor: &Actor, patient: Option<PatientId>, body: ChartBody) -> AppResult<ChartEntry> {
        let entry = ChartEntry {
            id: ChartEntryId(new_id()),
            patient_id: patient,
            version: Version::FIRST,
            status: RecordStatus::Active,
            body,
            reason: None,
            recorded_by: actor.user_id,
            recorded_at: self.now(),
        };
        self.store.insert_chart_entry(&entry, self.entry_event(actor, AuditAction::ChartEntryCreated, &entry)).await?;
        Ok(entry)
    }

    /// Stores the next version of an entry.
    pub(crate) async fn store_revision(&self, actor: &Actor, revised: &ChartEntry) -> AppResult<()> {
        self.store.revise_chart_entry(revised, self.entry_event(actor, AuditAction::ChartEntryRevised, revised)).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(msg) => AppError::Conflict(format!("the entry changed since you opened it ({msg}); reload and try again")),
            other => other,
        })
    }

    fn entry_event(&self, actor: &Actor, action: AuditAction, entry: &ChartEntry) -> AuditEvent {
        let mut event = match entry.patient_id {
            Some(p) => actor.patient_event(self, action, AuditOutcome::Success, p),
            None => actor.event(self, action, AuditOutcome::Success),
        };
        event.resource_type = Some("ChartEntry".to_owned());
        event.resource_id = Some(entry.id.to_string());
        event.detail = Some(format!("{} version {} {}", entry.kind().as_str(), entry.version.0, entry.status.as_str()));
        event
    }

    /// The current version of an entry, checked against `expected` (a stale form is refused
    /// before anything is parsed, with the same message storage would give).
    pub(crate) async fn current_entry(&self, id: ChartEntryId, expected: Version) -> AppResult<ChartEntry> {
        let current = self.store.chart_entry(id).await?.ok_or(AppError::NotFound)?;
        if current.version != expected {
            return Err(AppError::Conflict(format!("the entry is at version {}, not {}; reload and try again", current.version.0, expected.0)));
        }
        Ok(current)
    }

    /// Corrects a list entry (new body) and/or sets its status (entered in error or back to
    /// active): a new version with the reason.
    pub async fn revise_chart_entry(
        &self,
        actor: &Actor,
        id: ChartEntryId,
        expected: Version,
        json: Option<serde_json::Value>,
        status: Option<&str>,
        reason: &str,
    ) -> AppResult<ChartEntry> {
        let mut errors = ValidationErrors::default();
        let reason = errors.collect("reason", ChangeReason::parse(reason));
        let status = status.map(|s| errors.collect("status", RecordStatus::parse(s)));
        errors.clone().into_result()?;
        let (Some(reason), status) = (reason, status.flatten()) else { return Err(errors.into()) };
        // The weaker permission first, so a role that may write no chart entry at all is
        // refused before learning whether the entry exists; then the kind's own.
        self.authorize::<ChartContactsWrite>(actor).await?;
        let current = self.store.chart_entry(id).await?.ok_or(AppError::NotFound)?;
        if !ChartKind::LISTS.contains(&current.kind()) {
            return Err(ValidationErrors::one("kind", format!("{} entries are changed through their own workflow", current.kind().as_str())).into());
        }
        self.authorize_list_write(actor, current.kind()).await?;
        let current = self.current_entry(id, expected).await?;
        let body = match json {
            Some(json) => self.parse_list_body(current.kind(), json)?,
            None => current.body.clone(),
        };
        let revised = current.revised(body, status.unwrap_or(current.status), reason, actor.user_id, self.now());
        self.store_revision(actor, &revised).await?;
        Ok(revised)
    }

    /// A patient's current chart entries of `kinds` (every kind the actor may read when
    /// empty). Asking for a kind the role may not read is refused; the read is audited.
    pub async fn chart_entries(&self, actor: &Actor, patient: PatientId, kinds: &[ChartKind], include_entered_in_error: bool) -> AppResult<Vec<ChartEntry>> {
        let kinds: Vec<ChartKind> = if kinds.is_empty() {
            ChartKind::ALL.into_iter().filter(|k| k.is_patient_kind() && allows(actor.role, read_permission(*k))).collect()
        } else {
            kinds.to_vec()
        };
        if kinds.iter().any(|k| is_clinical(*k)) {
            self.authorize::<ClinicalRead>(actor).await?;
        } else {
            self.authorize::<PatientRead>(actor).await?;
        }
        if kinds.contains(&ChartKind::ConsentTemplate) {
            return Err(ValidationErrors::one("kind", "consent templates belong to the clinic, not to a patient").into());
        }
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let entries = if kinds.is_empty() { Vec::new() } else { self.store.chart_entries(Some(patient), &kinds, include_entered_in_error).await? };
        let mut event = actor.patient_event(self, AuditAction::ChartRead, AuditOutcome::Success, patient);
        event.detail = Some(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","));
        self.store.append_audit(vec![event]).await?;
        Ok(entries)
    }

    /// Every version of one entry, oldest first (entered-in-error versions included: history
    /// hides nothing).
    pub async fn chart_entry_history(&self, actor: &Actor, id: ChartEntryId) -> AppResult<Vec<ChartEntry>> {
        // Consent templates are clinic documents: whoever writes them reads their history,
        // even a role (the admin) that opens no chart.
        let template_writer = allows(actor.role, Permission::ConsentTemplateManage);
        if !template_writer {
            self.authorize::<PatientRead>(actor).await?;
        }
        let versions = self.store.chart_history(id).await?;
        let Some(first) = versions.first() else { return Err(AppError::NotFound) };
        match first.patient_id {
            None if !template_writer => {
                self.authorize::<ClinicalRead>(actor).await?;
            }
            None => {}
            Some(_) => {
                if template_writer {
                    self.authorize::<PatientRead>(actor).await?;
                }
                if is_clinical(first.kind()) {
                    self.authorize::<ClinicalRead>(actor).await?;
                }
            }
        }
        let mut event = self.entry_event(actor, AuditAction::ChartHistoryRead, first);
        event.detail = Some(format!("{} versions", versions.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(versions)
    }
}

/// Checks an optional free-text note (at most 2000 characters); blank is `None`.
pub(crate) fn optional_note(field: &str, raw: Option<&str>) -> Result<Option<String>, ValidationErrors> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) if t.chars().count() > ketaclinic_domain::chart::entries::NOTE_MAX => {
            Err(ValidationErrors::one(field, format!("must be at most {} characters", ketaclinic_domain::chart::entries::NOTE_MAX)))
        }
        Some(t) => Ok(Some(t.to_owned())),
    }
}
