//! Patient self-report through one-time links (issue 4, item 4).
//!
//! Staff create a link for one or more questionnaires; the patient opens it on their phone (or
//! on a clinic tablet in kiosk mode), sees only their first name, answers, and submits once.
//! The token is 256 random bits shown once; storage keeps its SHA-256. Opening and submitting
//! are rate limited per address and audited with actor `patient (self-report link)`; a token
//! that matches nothing is audited as a failure with the client's address.

use ketaclinic_domain::ValidationErrors;
use ketaclinic_domain::alert::{self, Alert};
use ketaclinic_domain::assessment::{Assessment, AssessmentSource};
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use ketaclinic_domain::ids::{AlertId, AssessmentId, PatientId, SelfReportLinkId};
use ketaclinic_domain::instruments::{self, Instrument};
use ketaclinic_domain::self_report::{LinkState, SelfReportLink, check_instruments, check_validity_hours};

use crate::App;
use crate::actor::{ClientInfo, anonymous_event};
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{AssessmentRecord, PatientRead};
use crate::secrets::{digest, random_hex};

/// The audit label of a patient answering through a link.
pub const SELF_REPORT_ACTOR: &str = "patient (self-report link)";

/// A new link and its token (shown once; only the digest is stored).
#[derive(Debug, Clone)]
pub struct NewLink {
    pub link: SelfReportLink,
    pub token: String,
}

/// What the public form may show: the first name and the questionnaires, nothing else.
#[derive(Debug, Clone)]
pub struct SelfReportForm {
    pub first_name: String,
    pub instruments: Vec<&'static Instrument>,
    pub kiosk: bool,
}

/// What a submission did.
#[derive(Debug, Clone)]
pub enum Submission {
    /// Stored; `kiosk` says which thank-you page to show.
    Stored { kiosk: bool },
    /// Something was not answered or not valid: the form to show again, with every error
    /// (fields `phq9.answers.9` …). Nothing was stored and the link stays open.
    Refused { form: SelfReportForm, errors: ValidationErrors },
}

/// Why a link cannot be used, in words for the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// No link has this token (mistyped, or never issued).
    Unknown,
    Used,
    Expired,
    Revoked,
}

impl App {
    fn link_event(&self, client: &ClientInfo, action: AuditAction, outcome: AuditOutcome, link: Option<&SelfReportLink>) -> AuditEvent {
        let mut event = anonymous_event(self, SELF_REPORT_ACTOR, client, action, outcome);
        if let Some(l) = link {
            event.patient_id = Some(l.patient_id);
            event.resource_type = Some("SelfReportLink".to_owned());
            event.resource_id = Some(l.id.to_string());
        }
        event
    }

    /// Creates a link for `instruments`, open for `validity_hours` (default from settings).
    pub async fn create_self_report_link(
        &self,
        grant: &Granted<AssessmentRecord>,
        patient: PatientId,
        instruments: &[String],
        validity_hours: Option<i64>,
        kiosk: bool,
    ) -> AppResult<NewLink> {
        let mut errors = ValidationErrors::default();
        let instruments = errors.collect("instruments", check_instruments(instruments));
        let validity = match validity_hours {
            Some(h) => errors.collect("expires_in_hours", check_validity_hours(h)),
            None => Some(self.settings.self_report_validity),
        };
        errors.clone().into_result()?;
        let (Some(instruments), Some(validity)) = (instruments, validity) else { return Err(errors.into()) };
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let token = random_hex()?;
        let now = self.now();
        let link = SelfReportLink {
            id: SelfReportLinkId(new_id()),
            patient_id: patient,
            instruments,
            token_hash: digest(&token),
            kiosk,
            created_by: grant.actor().user_id,
            created_at: now,
            expires_at: now.saturating_add(validity).unwrap_or(now),
            used_at: None,
            revoked_at: None,
        };
        let mut event = grant.actor().patient_event(self, AuditAction::SelfReportLinkCreated, AuditOutcome::Success, patient);
        event.resource_type = Some("SelfReportLink".to_owned());
        event.resource_id = Some(link.id.to_string());
        event.detail = Some(link.instruments.join(","));
        self.store.insert_self_report_link(&link, event).await?;
        Ok(NewLink { link, token })
    }

    /// A patient's links, newest first (the read is audited).
    pub async fn self_report_links(&self, grant: &Granted<PatientRead>, patient: PatientId) -> AppResult<Vec<(SelfReportLink, LinkState)>> {
        self.store.patient(patient).await?.ok_or(AppError::NotFound)?;
        let links = self.store.self_report_links(patient).await?;
        let mut event = grant.actor().patient_event(self, AuditAction::AssessmentsRead, AuditOutcome::Success, patient);
        event.detail = Some("self-report links".to_owned());
        self.store.append_audit(vec![event]).await?;
        let now = self.now();
        Ok(links
            .into_iter()
            .map(|l| {
                let state = l.state(now);
                (l, state)
            })
            .collect())
    }

    /// Revokes an open link; a used or revoked one is a conflict.
    pub async fn revoke_self_report_link(&self, grant: &Granted<AssessmentRecord>, id: SelfReportLinkId) -> AppResult<SelfReportLink> {
        let link = self.store.self_report_link(id).await?.ok_or(AppError::NotFound)?;
        let mut event = grant.actor().patient_event(self, AuditAction::SelfReportLinkRevoked, AuditOutcome::Success, link.patient_id);
        event.resource_type = Some("SelfReportLink".to_owned());
        event.resource_id = Some(id.to_string());
        let now = self.now();
        self.store.revoke_self_report_link(id, now, event).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("the link was already used or revoked".to_owned()),
            other => other,
        })?;
        Ok(SelfReportLink { revoked_at: Some(now), ..link })
    }

    /// Looks a token up for the public page: rate limited, and audited both ways.
    async fn open_link(&self, token: &str, client: &ClientInfo) -> AppResult<Result<SelfReportLink, Closed>> {
        self.self_report_limiter.check(client.addr.as_deref())?;
        // A token is 64 hex characters; anything else cannot match and is not worth a query.
        let plausible = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
        let found = if plausible { self.store.self_report_link_by_hash(&digest(&token.to_ascii_lowercase())).await? } else { None };
        let Some(link) = found else {
            let mut event = self.link_event(client, AuditAction::SelfReportOpened, AuditOutcome::Failure, None);
            event.detail = Some("no link with this token".to_owned());
            self.store.append_audit(vec![event]).await?;
            return Ok(Err(Closed::Unknown));
        };
        let closed = match link.state(self.now()) {
            LinkState::Open => None,
            LinkState::Used => Some(Closed::Used),
            LinkState::Expired => Some(Closed::Expired),
            LinkState::Revoked => Some(Closed::Revoked),
        };
        let outcome = if closed.is_some() { AuditOutcome::Failure } else { AuditOutcome::Success };
        let mut event = self.link_event(client, AuditAction::SelfReportOpened, outcome, Some(&link));
        event.detail = Some(link.state(self.now()).as_str().to_owned());
        self.store.append_audit(vec![event]).await?;
        Ok(closed.map_or(Ok(link), Err))
    }

    /// The public form behind a token: the first name and the questionnaires.
    pub async fn self_report_form(&self, token: &str, client: &ClientInfo) -> AppResult<Result<SelfReportForm, Closed>> {
        let link = match self.open_link(token, client).await? {
            Ok(link) => link,
            Err(closed) => return Ok(Err(closed)),
        };
        Ok(Ok(self.form_of(&link).await?))
    }

    /// What the public page shows for a link.
    async fn form_of(&self, link: &SelfReportLink) -> AppResult<SelfReportForm> {
        let patient = self.store.patient(link.patient_id).await?.ok_or(AppError::NotFound)?;
        let instruments = link.instruments.iter().filter_map(|id| instruments::get(id)).collect();
        Ok(SelfReportForm { first_name: patient.details.given_name.as_str().to_owned(), instruments, kiosk: link.kiosk })
    }

    /// Stores the patient's answers (every questionnaire of the link must be answered) and
    /// uses the link. Suicidal ideation raises the same alert as a staff-entered answer.
    ///
    /// `answers_for` turns what the patient sent into each questionnaire's answers object; the
    /// token is looked up (and audited, and rate limited) once per submission.
    pub async fn submit_self_report(
        &self,
        token: &str,
        answers_for: impl Fn(&'static Instrument) -> serde_json::Value,
        client: &ClientInfo,
    ) -> AppResult<Result<Submission, Closed>> {
        let link = match self.open_link(token, client).await? {
            Ok(link) => link,
            Err(closed) => return Ok(Err(closed)),
        };
        let now = self.now();
        let mut errors = ValidationErrors::default();
        let mut results: Vec<(Assessment, Option<Alert>)> = Vec::new();
        for id in &link.instruments {
            let Some(definition) = instruments::get(id) else { continue };
            let given = answers_for(definition);
            match instruments::score(definition, &given, &self.settings.scoring) {
                Err(e) => errors.0.extend(e.0.into_iter().map(|f| ketaclinic_domain::FieldError::new(format!("{id}.{}", f.field), f.message))),
                Ok(score) => {
                    let assessment = Assessment {
                        id: AssessmentId(new_id()),
                        patient_id: link.patient_id,
                        instrument: definition.id.to_owned(),
                        answers: given,
                        score,
                        administered_at: now,
                        session_id: None,
                        source: AssessmentSource::Patient,
                        recorded_by: None,
                        recorded_at: now,
                    };
                    let alert = alert::raised_by(&assessment.score).map(|kind| Alert {
                        id: AlertId(new_id()),
                        patient_id: link.patient_id,
                        kind,
                        assessment_id: assessment.id,
                        detail: format!("{}; self-report", crate::assessments::alert_detail(&assessment)),
                        raised_at: now,
                        acknowledgement: None,
                    });
                    results.push((assessment, alert));
                }
            }
        }
        if !errors.0.is_empty() {
            let form = self.form_of(&link).await?;
            return Ok(Ok(Submission::Refused { form, errors }));
        }
        let mut audit = Vec::new();
        for (a, alert) in &results {
            let mut event = self.link_event(client, AuditAction::AssessmentRecorded, AuditOutcome::Success, Some(&link));
            event.detail = Some(format!("{} {} (self-report)", a.instrument, a.id));
            audit.push(event);
            if let Some(alert) = alert {
                let mut raised = self.link_event(client, AuditAction::AlertRaised, AuditOutcome::Success, Some(&link));
                raised.resource_type = Some("Alert".to_owned());
                raised.resource_id = Some(alert.id.to_string());
                raised.detail = Some(alert.kind.as_str().to_owned());
                audit.push(raised);
            }
        }
        audit.push(self.link_event(client, AuditAction::SelfReportSubmitted, AuditOutcome::Success, Some(&link)));
        let stored: Vec<Assessment> = results.iter().map(|(a, _)| a.clone()).collect();
        match self.store.complete_self_report(link.id, now, results, audit).await {
            Ok(()) => {
                for a in &stored {
                    self.propose_booster_if_relapsed(a, None).await;
                }
                Ok(Ok(Submission::Stored { kiosk: link.kiosk }))
            }
            // Used or revoked between the lookup and the write (a double tap): the first won.
            Err(ketaclinic_store::StoreError::Conflict(_)) => Ok(Err(Closed::Used)),
            Err(e) => Err(e.into()),
        }
    }
}
