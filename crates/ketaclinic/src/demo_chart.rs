//! Demo chart data: consent templates, the people around two patients, a signed evaluation
//! with an eligibility decision, signed consents, a REMS enrolment and an enquiry ready to be
//! converted. All fictional; consent texts are placeholders a clinic replaces with its own.

use anyhow::Context;
use ketaclinic_app::consents::SignatureInput;
use ketaclinic_app::enquiries::{EnquiryInput, Submitter};
use ketaclinic_app::evaluations::{DecisionInput, EvaluationNotes};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{Actor, App, Granted};
use ketaclinic_domain::chart::ChartKind;
use ketaclinic_domain::eligibility::{Evaluation, Modality};
use ketaclinic_domain::ids::PatientId;
use serde_json::json;

use crate::demo::staff_actor;

const IV_CONSENT: &str = "DEMO TEXT: replace with your clinic's own consent.\n\n\
Ketamine given by infusion for depression is an off-label use. Relief is often temporary and \
repeated treatments may be needed.\n\nPossible effects include dissociation, nausea, dizziness, raised \
blood pressure and heart rate, sedation and, rarely, breathing problems.\n\nYou must not drive until the \
next day and must leave with an adult who can take you home. You may stop at any time.";

const ESKETAMINE_CONSENT: &str = "DEMO TEXT: replace with your clinic's own consent.\n\n\
SPRAVATO (esketamine) nasal spray is given in the clinic under the SPRAVATO REMS. You will be \
observed for at least two hours after the first device.\n\nPossible effects include dissociation, \
sedation, raised blood pressure and nausea. You must not drive until the next day after restful sleep.";

async fn patient_by_name(app: &App, actor: &Actor, family: &str) -> anyhow::Result<PatientId> {
    let read = app.authorize::<perm::PatientRead>(actor).await?;
    let found = app.search_patients(&read, family, None, Some(1), false).await?;
    found.items.first().map(|p| p.id).with_context(|| format!("demo patient {family}"))
}

/// Seeds the chart part of the demo clinic.
pub async fn seed(app: &App, admin: &Granted<perm::UserManage>) -> anyhow::Result<()> {
    let desk = staff_actor(app, admin, 0).await?;
    let nurse = staff_actor(app, admin, 1).await?;
    let prescriber = staff_actor(app, admin, 2).await?;

    let manage = app.authorize::<perm::ConsentTemplateManage>(&prescriber).await?;
    let iv_template =
        app.create_consent_template(&manage, json!({"modality": "iv_ketamine", "title": "IV ketamine treatment consent", "text": IV_CONSENT})).await?;
    let esketamine_template = app
        .create_consent_template(&manage, json!({"modality": "esketamine_nasal", "title": "SPRAVATO treatment consent", "text": ESKETAMINE_CONSENT}))
        .await?;

    let fenwick = patient_by_name(app, &desk, "Fenwick").await?;
    app.add_chart_entry(&desk, fenwick, ChartKind::Escort, json!({"name": "Hollis Fenwick", "relationship": "spouse", "phone": "+1 212 555 0151"})).await?;
    app.add_chart_entry(&desk, fenwick, ChartKind::EmergencyContact, json!({"name": "Hollis Fenwick", "relationship": "spouse", "phone": "+1 212 555 0151"}))
        .await?;
    app.add_chart_entry(&nurse, fenwick, ChartKind::Diagnosis, json!({"icd10cm": "F33.2", "primary": true})).await?;
    app.add_chart_entry(&nurse, fenwick, ChartKind::Medication, json!({"name": "sertraline", "dose": "150 mg daily"})).await?;
    app.add_chart_entry(&nurse, fenwick, ChartKind::Allergy, json!({"substance": "penicillin", "reaction": "rash", "severity": "mild"})).await?;

    let document: Evaluation = serde_json::from_value(json!({
        "age_years": 47, "sex": "female", "pregnant": false, "breastfeeding": false, "primary_diagnosis": "F33.2",
        "episode_duration_months": 20, "severity": "severe",
        "antidepressant_trials": [
            {"drug": "escitalopram", "daily_dose_mg": 20, "weeks": 10, "adherent": true, "outcome": "no_response"},
            {"drug": "venlafaxine", "daily_dose_mg": 225, "weeks": 8, "adherent": true, "outcome": "partial_response"}
        ],
        "augmentation_used": true, "ect_used": false, "history": [],
        "vitals": {"systolic": 126, "diastolic": 80, "heart_rate": 74},
        "medications": [{"name": "sertraline", "classes": []}], "cssrs_risk": "low"
    }))?;
    let write = app.authorize::<perm::ClinicalWrite>(&prescriber).await?;
    let notes = EvaluationNotes { psychiatric: Some("Recurrent MDD, current episode 20 months, two adequate failed trials.".to_owned()), medical: None };
    let draft = app.create_evaluation(&write, fenwick, document, &notes).await?;
    let sign = app.authorize::<perm::EvaluationSign>(&prescriber).await?;
    let signed = app.sign_evaluation(&sign, draft.id, draft.version).await?;
    let decide = app.authorize::<perm::EligibilityDecide>(&prescriber).await?;
    let decision =
        DecisionInput { modality: Modality::IvKetamine, evaluation_id: signed.id, outcome: "approved".to_owned(), overrides: Vec::new(), note: None };
    app.decide_eligibility(&decide, fenwick, &decision).await?;
    let witness = app.authorize::<perm::ConsentWitness>(&nurse).await?;
    let signature = SignatureInput {
        template_id: iv_template.id,
        template_version: iv_template.version,
        typed_name: "Marlow Fenwick".to_owned(),
        signature_path: Some("M10 40 L30 20 L50 42 L70 18 L90 38".to_owned()),
    };
    app.sign_consent(&witness, fenwick, &signature).await?;

    let hart = patient_by_name(app, &desk, "Okonkwo-Hart").await?;
    app.add_chart_entry(&desk, hart, ChartKind::Escort, json!({"name": "Remy Hart", "relationship": "sibling", "phone": "+1 212 555 0154"})).await?;
    let rems = app.authorize::<perm::RemsEnroll>(&prescriber).await?;
    let today = app.now().to_zoned(app.settings().timezone.clone()).date();
    app.record_rems_enrollment(&rems, hart, json!({"enrolled_on": today.to_string(), "patient_signed": true, "prescriber_signed": true})).await?;
    let signature = SignatureInput {
        template_id: esketamine_template.id,
        template_version: esketamine_template.version,
        typed_name: "Sable Okonkwo-Hart".to_owned(),
        signature_path: Some("M12 38 L28 16 L46 40 L64 20 L86 36".to_owned()),
    };
    app.sign_consent(&witness, hart, &signature).await?;

    // An enquiry whose consultation is booked, ready to be converted into a patient.
    let queue = app.authorize::<perm::EnquiryManage>(&desk).await?;
    let call = EnquiryInput {
        name: "Ione Carrow".to_owned(),
        phone: "+1 212 555 0161".to_owned(),
        email: Some("ione.carrow@example.org".to_owned()),
        message: Some("Referred by my psychiatrist for esketamine.".to_owned()),
        consent_to_contact: true,
        ..EnquiryInput::default()
    };
    let receipt = app.submit_enquiry(&call, Submitter::Staff(&queue)).await?;
    app.record_contact_attempt(&queue, receipt.id, "phone", "reached", Some("Consult booked for Thursday.")).await?;
    app.change_enquiry_status(&queue, receipt.id, "consult_booked", None).await?;
    Ok(())
}
