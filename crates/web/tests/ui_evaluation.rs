//! Evaluations and eligibility through the pages: the structured form (blank rows ignored,
//! errors next to the right input, nothing written on a refusal), signing, amendments with a
//! reason, the eligibility page with every finding, and the prescriber's decision with the
//! reasons an override needs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, Reply, TestApp};
use ketaclinic_domain::eligibility::{Evaluation, Modality, Protocol, check};
use ketaclinic_domain::staff::Role;
use serde_json::Value;

fn location(reply: &Reply) -> String {
    reply.headers.get(header::LOCATION).unwrap_or_else(|| panic!("no Location: {} {}", reply.status, reply.text)).to_str().unwrap().to_owned()
}

/// The text as askama escapes it into a page.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")
}

/// A treatment-resistant adult: two adequate failed trials on rows 0 and 2 (rows 1 and 3 are
/// blank, as the form posts them), normal vitals, no history.
fn adult(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        ("age_years", "45"),
        ("sex", "male"),
        ("pregnant", ""),
        ("breastfeeding", ""),
        ("primary_diagnosis", "f33.2"),
        ("episode_duration_months", "18"),
        ("severity", "severe"),
        ("trial0_drug", "sertraline"),
        ("trial0_dose", "150"),
        ("trial0_weeks", "8"),
        ("trial0_adherent", "yes"),
        ("trial0_outcome", "no_response"),
        ("trial1_drug", ""),
        ("trial1_dose", ""),
        ("trial1_weeks", ""),
        ("trial1_adherent", "yes"),
        ("trial1_outcome", ""),
        ("trial2_drug", "Effexor XR"),
        ("trial2_dose", "225"),
        ("trial2_weeks", "10"),
        ("trial2_adherent", "yes"),
        ("trial2_outcome", "partial_response"),
        ("trial3_drug", ""),
        ("trial3_dose", ""),
        ("trial3_weeks", ""),
        ("trial3_outcome", ""),
        ("augmentation_used", "yes"),
        ("systolic", "128"),
        ("diastolic", "82"),
        ("heart_rate", "72"),
        ("med0_name", ""),
        ("med1_name", ""),
        ("cssrs_risk", "low"),
        ("psychiatric_notes", "Two failed trials in this episode."),
        ("medical_notes", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (key, value) in changes {
        match form.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = (*value).to_owned(),
            None => form.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    form
}

async fn evaluations(app: &TestApp, patient: &str) -> Vec<Value> {
    let nurse = app.token(Role::Nurse).await;
    app.call(Method::GET, &format!("/api/v1/patients/{patient}/evaluations"), &nurse, None).await.json.as_array().unwrap().clone()
}

/// Saves a draft through the form as `who`; returns the evaluation id.
async fn draft(app: &TestApp, patient: &str, who: &Auth, form: &[(String, String)]) -> String {
    let reply = app.page_post(&format!("/patients/{patient}/evaluations"), who, form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let to = location(&reply);
    let id = to.trim_start_matches("/evaluations/").split('?').next().unwrap().to_owned();
    assert_eq!(to, format!("/evaluations/{id}?notice=saved"));
    id
}

async fn sign(app: &TestApp, id: &str, version: u32, prescriber: &Auth) {
    let reply = app.page_post(&format!("/evaluations/{id}/sign"), prescriber, &[("version", version.to_string())]).await;
    assert_eq!((reply.status, location(&reply)), (StatusCode::SEE_OTHER, format!("/evaluations/{id}?notice=signed")), "{}", reply.text);
}

#[tokio::test]
async fn a_nurse_drafts_the_prescriber_signs_and_an_amendment_needs_a_reason() {
    let app = TestApp::new().await;
    let pid = app.patient("Ada", "Form").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let prescriber = app.login(Role::Prescriber).await;

    let patient_page = app.page_get(&format!("/patients/{pid}"), &nurse).await;
    assert!(patient_page.text.contains("Evaluation &amp; eligibility") && patient_page.text.contains(&format!(r#"href="/patients/{pid}/evaluations/new""#)));

    // A medication on the chart: the drug table tags it a benzodiazepine.
    let token = app.token(Role::Nurse).await;
    let med = app
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/chart/medication"),
            &token,
            Some(serde_json::json!({"name": "Lorazepam", "dose": "1 mg at night"})),
        )
        .await;
    assert_eq!(med.status, StatusCode::CREATED, "{}", med.text);

    // The empty form: prefilled age, sex and medications, four trial rows, every history
    // condition, class boxes.
    let form = app.page_get(&format!("/patients/{pid}/evaluations/new"), &nurse).await;
    assert_eq!(form.status, StatusCode::OK);
    let f = &form.text;
    assert!(f.contains(r#"<option value="female" selected>"#), "sex from the record");
    assert!(f.contains(r#"id="age_years" name="age_years" type="text" value="4"#), "age from the date of birth (1980)");
    for row in 0..4 {
        assert!(f.contains(&format!(r#"name="trial{row}_drug""#)), "trial row {row}");
    }
    assert!(!f.contains(r#"name="trial4_drug""#));
    assert!(f.contains(r#"data-add-row="trial""#) && f.contains(r#"id="trial0_adherent" name="trial0_adherent" value="yes" checked"#));
    assert!(f.contains(r#"value="aneurysmal_vascular_disease""#) && f.contains("Untreated sleep apnea"));
    assert!(f.contains(r#"id="med0_name" name="med0_name" type="text" value="Lorazepam""#), "medications from the chart");
    assert!(f.contains(r#"id="med0_class_benzodiazepine" name="med0_class" value="benzodiazepine" checked"#));
    assert!(f.contains(r#"name="med2_name""#) && !f.contains(r#"name="med3_name""#), "two empty medication rows after the chart's");
    assert!(f.contains(r#"name="med1_class" value="opioid""#) && f.contains(r#"name="psychiatric_notes""#));

    let id = draft(&app, &pid, &nurse, &adult(&[])).await;
    let stored = evaluations(&app, &pid).await;
    assert_eq!(stored.len(), 1);
    let doc = &stored[0]["body"]["document"];
    assert_eq!(doc["antidepressant_trials"].as_array().unwrap().len(), 2, "blank rows are ignored: {doc}");
    assert_eq!((doc["antidepressant_trials"][1]["drug"].as_str(), doc["primary_diagnosis"].as_str()), (Some("Effexor XR"), Some("F33.2")));
    assert_eq!(
        (doc["vitals"]["systolic"].as_u64(), doc["augmentation_used"].as_bool(), doc["medications"].as_array().map(Vec::len)),
        (Some(128), Some(true), Some(0))
    );

    let page = app.page_get(&format!("/evaluations/{id}?notice=saved"), &nurse).await;
    let p = &page.text;
    assert!(p.contains("Evaluation saved as a draft") && p.contains("Draft — not signed"), "{p}");
    assert!(p.contains("Effexor XR") && p.contains("225 mg/day") && p.contains("Partial response") && p.contains("Two failed trials in this episode."));
    assert!(p.contains(&format!(r#"href="/chart-entries/{id}/history""#)), "the version history");
    assert!(!p.contains("/sign\""), "a nurse is not offered to sign");
    for modality in ["iv_ketamine", "im_ketamine", "esketamine_nasal"] {
        assert!(p.contains(&format!(r#"href="/patients/{pid}/eligibility?modality={modality}""#)), "{modality}");
    }
    assert!(p.contains("decision-chip--eligible\"") && p.contains("Treatment-resistant: 2 adequate failed trials"), "{p}");
    assert_eq!(app.page_post(&format!("/evaluations/{id}/sign"), &nurse, &[("version", "1")]).await.status, StatusCode::FORBIDDEN);

    let signer = app.page_get(&format!("/evaluations/{id}"), &prescriber).await;
    assert!(signer.text.contains(&format!(r#"action="/evaluations/{id}/sign""#)) && signer.text.contains(r#"name="version" value="1""#));
    sign(&app, &id, 1, &prescriber).await;
    let signed = app.page_get(&format!("/evaluations/{id}?notice=signed"), &prescriber).await;
    assert!(signed.text.contains("Signed by Test Prescriber") && signed.text.contains("Version 2 is signed and locked.") && signed.text.contains(">Amend<"));
    assert!(!signed.text.contains(&format!(r#"action="/evaluations/{id}/sign""#)), "signed once");
    let stale = app.page_post(&format!("/evaluations/{id}/sign"), &prescriber, &[("version", "1")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    // The amendment form is prefilled; without a reason it is refused and nothing is written.
    let edit = app.page_get(&format!("/evaluations/{id}/edit"), &nurse).await;
    assert!(edit.text.contains(r#"value="sertraline""#) && edit.text.contains(r#"name="reason""#) && edit.text.contains(r#"name="version" value="2""#));
    assert!(edit.text.contains("Amend the signed evaluation"));
    let mut changed = adult(&[("trial0_dose", "200"), ("version", "2")]);
    let refused = app.page_post(&format!("/evaluations/{id}/edit"), &nurse, &changed).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(
        refused.text.contains(r#"id="reason-error""#) && refused.text.contains("Reason for this change must say why the record changes."),
        "{}",
        refused.text
    );
    assert!(refused.text.contains(r#"value="200""#), "values are kept");
    assert_eq!(evaluations(&app, &pid).await[0]["version"], 2);

    changed.push(("reason".to_owned(), "Sertraline dose corrected from the pharmacy record".to_owned()));
    let amended = app.page_post(&format!("/evaluations/{id}/edit"), &nurse, &changed).await;
    assert_eq!((amended.status, location(&amended)), (StatusCode::SEE_OTHER, format!("/evaluations/{id}?notice=amended")), "{}", amended.text);
    let now = app.page_get(&format!("/evaluations/{id}"), &prescriber).await;
    assert!(now.text.contains("Amended — not signed") && now.text.contains("Sertraline dose corrected") && now.text.contains("200 mg/day"), "{}", now.text);
    assert!(now.text.contains(r#"name="version" value="3""#), "the amendment can be signed");
    let stored = evaluations(&app, &pid).await;
    assert_eq!((stored[0]["version"].as_u64(), stored[0]["body"]["signed"].is_null()), (Some(3), true));

    let latest = app.page_get(&format!("/patients/{pid}/evaluations/latest"), &nurse).await;
    assert_eq!(location(&latest), format!("/evaluations/{id}"));
}

#[tokio::test]
async fn bad_values_come_back_next_to_their_input_and_nothing_is_written() {
    let app = TestApp::new().await;
    let pid = app.patient("Bo", "Form").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let path = format!("/patients/{pid}/evaluations");

    let reply = app.page_post(&path, &nurse, &adult(&[("trial2_weeks", "abc"), ("systolic", "400"), ("trial3_drug", "bupropion")])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    let t = &reply.text;
    assert!(t.contains(r#"<p class="field-error" id="trial2_weeks-error"><span class="visually-hidden">Error: </span>Weeks at that dose must be a number: weeks at that dose, e.g. 8.</p>"#), "{t}");
    assert!(t.contains(r#"id="trial2_weeks" name="trial2_weeks" type="text" value="abc""#) && t.contains(r#"aria-invalid="true""#));
    assert!(t.contains(r#"id="systolic-error""#) && t.contains("Systolic BP (mmHg) must be between 50 and 300 mmHg."), "the domain's range check too");
    assert!(t.contains(r#"id="trial3_dose-error""#) && t.contains(r#"id="trial3_outcome-error""#), "a half-filled row is named");
    assert!(t.contains(r##"<a href="#trial2_weeks">Trial 3: weeks at that dose must be a number"##), "the summary links to the input: {t}");
    assert!(
        t.contains(r#"value="Effexor XR""#) && t.contains(r#"<option value="severe" selected>"#) && t.contains("Two failed trials in this episode."),
        "values kept"
    );
    assert!(evaluations(&app, &pid).await.is_empty(), "nothing written");

    // An error only the use case finds (the number reads, the range does not) is mapped to the
    // form row it came from, past the blank row between.
    let reply = app.page_post(&path, &nurse, &adult(&[("trial2_weeks", "2000")])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.text.contains(r#"id="trial2_weeks-error""#) && reply.text.contains("Weeks at that dose must be between 0 and 1040 weeks."), "{}", reply.text);
    assert!(evaluations(&app, &pid).await.is_empty());
}

#[tokio::test]
async fn the_eligibility_page_shows_every_finding_with_kind_message_and_source() {
    let app = TestApp::new().await;
    let pid = app.patient("Cy", "Rules").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let prescriber = app.login(Role::Prescriber).await;
    let empty = app.page_get(&format!("/patients/{pid}/eligibility"), &nurse).await;
    assert!(empty.text.contains("No evaluation yet") && empty.text.contains(&format!(r#"href="/patients/{pid}/evaluations/new""#)));

    let form = adult(&[("systolic", "150"), ("diastolic", "85"), ("med0_name", "lorazepam"), ("med0_class", "benzodiazepine")]);
    let id = draft(&app, &pid, &nurse, &form).await;
    let page = app.page_get(&format!("/patients/{pid}/eligibility"), &prescriber).await;
    assert_eq!(page.status, StatusCode::OK);
    let p = &page.text;
    assert!(p.contains(r#"<a href="/patients/"#) && p.contains(r#"?modality=esketamine_nasal" aria-current="page">Esketamine nasal spray</a>"#), "{p}");
    assert!(
        p.contains("decision-banner--eligible_with_cautions") && p.contains("Engine result: </span>Eligible with cautions"),
        "word and icon, not colour alone"
    );
    assert!(p.contains("The newest evaluation is not signed") && p.contains(&format!(r##"href="/evaluations/{id}#status""##)));
    assert!(!p.contains("eligibility-decisions"), "no decision on an unsigned evaluation");

    let doc: Evaluation = serde_json::from_value(evaluations(&app, &pid).await[0]["body"]["document"].clone()).unwrap();
    let expected = check(Modality::EsketamineNasal, &doc, &Protocol::default()).unwrap();
    let rules: Vec<&str> = expected.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["bp_elevated", "med_benzodiazepine"]);
    for f in &expected.findings {
        assert!(p.contains(&format!(r#"<li class="finding finding--caution" id="finding-{}">"#, f.rule)), "{}", f.rule);
        assert!(p.contains(&html(&f.message)) && p.contains(&html(&f.source)), "{}: message and source shown", f.rule);
    }
    assert_eq!(p.matches(r#"<span class="badge finding__kind finding__kind--caution">Caution</span>"#).count(), 2);
    assert!(p.contains("(Product label):"), "the basis of each rule");
    // The TRD panel: both trials failed adequately; Maudsley 2 + 4 + 1 + 1 + 0 = 8; Thase–Rush II.
    assert!(p.contains("Treatment-resistant depression is established:") && p.contains("Adequate, failed"));
    assert!(p.contains("8 of 15 — moderate resistance (7–10)") && p.contains("Stage II") && p.contains("Matched venlafaxine"), "{p}");

    // IV ketamine on the same evaluation: its own rules and sources.
    let iv = app.page_get(&format!("/patients/{pid}/eligibility?modality=iv_ketamine"), &nurse).await;
    let expected = check(Modality::IvKetamine, &doc, &Protocol::default()).unwrap();
    for f in &expected.findings {
        assert!(iv.text.contains(&html(&f.source)), "{}", f.rule);
    }
    assert_eq!(app.page_get(&format!("/patients/{pid}/eligibility?modality=oral"), &nurse).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Signed: the prescriber approves (cautions need no override) and sees the decision.
    sign(&app, &id, 1, &prescriber).await;
    let form_page = app.page_get(&format!("/patients/{pid}/eligibility"), &prescriber).await;
    assert!(form_page.text.contains(&format!(r#"action="/patients/{pid}/eligibility-decisions""#)) && !form_page.text.contains("reason_bp_elevated"));
    let nurse_view = app.page_get(&format!("/patients/{pid}/eligibility"), &nurse).await;
    assert!(!nurse_view.text.contains("eligibility-decisions"), "only prescribers decide");
    let decided = app
        .page_post(
            &format!("/patients/{pid}/eligibility-decisions"),
            &prescriber,
            &[("modality", "esketamine_nasal"), ("evaluation_id", id.as_str()), ("outcome", "approved"), ("note", "Recheck BP before the first dose.")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);
    let shown = app.page_get(location(&decided).split('#').next().unwrap(), &prescriber).await;
    assert!(shown.text.contains("Decision recorded") && shown.text.contains("<strong>Approved</strong> by Test Prescriber (you)"), "{}", shown.text);
    assert!(shown.text.contains("On the current version") && shown.text.contains("Recheck BP before the first dose."));
}

#[tokio::test]
async fn approving_over_an_exclusion_needs_a_reason_and_label_contraindications_cannot_be_overridden() {
    let app = TestApp::new().await;
    let pid = app.patient("Di", "Override").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let prescriber = app.login(Role::Prescriber).await;
    let id = draft(&app, &pid, &nurse, &adult(&[("history", "current_mania")])).await;
    sign(&app, &id, 1, &prescriber).await;
    let path = format!("/patients/{pid}/eligibility-decisions");
    let decide = |outcome: &'static str, reason: &'static str| {
        vec![("modality", "esketamine_nasal"), ("evaluation_id", id.as_str()), ("outcome", outcome), ("reason_current_mania", reason), ("note", "")]
    };

    let page = app.page_get(&format!("/patients/{pid}/eligibility"), &prescriber).await;
    assert!(page.text.contains("decision-banner--not_eligible") && page.text.contains(r#"name="reason_current_mania""#), "{}", page.text);
    assert!(page.text.contains("Reason to approve despite current_mania"));

    let refused = app.page_post(&path, &prescriber, &decide("approved", "  ")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(
        refused.text.contains(r#"id="reason_current_mania-error""#) && refused.text.contains("Reason is needed to approve over this finding."),
        "{}",
        refused.text
    );
    assert!(refused.text.contains(r##"<a href="#reason_current_mania">"##) && refused.text.contains(r#"value="approved" checked"#));
    let nurse_token = app.token(Role::Nurse).await;
    let api = app.call(Method::GET, &format!("/api/v1/patients/{pid}/eligibility?modality=esketamine_nasal"), &nurse_token, None).await;
    assert!(api.json["decision"].is_null(), "nothing recorded");

    let approved = app.page_post(&path, &prescriber, &decide("approved", "Mania resolved for 6 months; psychiatrist agrees.")).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text);
    let shown = app.page_get(&format!("/patients/{pid}/eligibility?modality=esketamine_nasal"), &nurse).await;
    assert!(
        shown.text.contains("<strong>Approved</strong> by Test Prescriber") && shown.text.contains("Reason: Mania resolved for 6 months; psychiatrist agrees.")
    );
    assert!(shown.text.contains("<code>current_mania</code>") && shown.text.contains("when the engine said “Not eligible”"), "{}", shown.text);

    // An amendment makes that decision one made on an earlier version.
    let mut amended = adult(&[("history", "current_mania"), ("version", "2"), ("heart_rate", "70")]);
    amended.push(("reason".to_owned(), "Heart rate re-measured".to_owned()));
    assert_eq!(app.page_post(&format!("/evaluations/{id}/edit"), &nurse, &amended).await.status, StatusCode::SEE_OTHER);
    let stale = app.page_get(&format!("/patients/{pid}/eligibility"), &prescriber).await;
    assert!(stale.text.contains("Made on an earlier version") && stale.text.contains("The newest evaluation is not signed"));

    // A SPRAVATO label contraindication is shown as not overridable; approval is refused.
    let other = app.patient("Ed", "Label").await["id"].as_str().unwrap().to_owned();
    let eid = draft(&app, &other, &nurse, &adult(&[("history", "aneurysmal_vascular_disease")])).await;
    sign(&app, &eid, 1, &prescriber).await;
    let page = app.page_get(&format!("/patients/{other}/eligibility"), &prescriber).await;
    assert!(page.text.contains("Cannot be overridden") && page.text.contains("Approval is not possible"));
    assert!(!page.text.contains("reason_aneurysmal_vascular_disease"), "no reason field for a label contraindication");
    let refused = app
        .page_post(
            &format!("/patients/{other}/eligibility-decisions"),
            &prescriber,
            &[("modality", "esketamine_nasal"), ("evaluation_id", &eid), ("outcome", "approved")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("label contraindication: approval is not possible"), "{}", refused.text);
    let declined = app
        .page_post(
            &format!("/patients/{other}/eligibility-decisions"),
            &prescriber,
            &[("modality", "esketamine_nasal"), ("evaluation_id", &eid), ("outcome", "declined")],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    // For IV ketamine the same finding is clinic policy: a prescriber may override it with a reason.
    let iv = app.page_get(&format!("/patients/{other}/eligibility?modality=iv_ketamine"), &prescriber).await;
    assert!(iv.text.contains(r#"name="reason_aneurysmal_vascular_disease""#), "{}", iv.text);
}

#[tokio::test]
async fn front_desk_may_not_open_evaluations_or_eligibility() {
    let app = TestApp::new().await;
    let pid = app.patient("Fe", "Desk").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let id = draft(&app, &pid, &nurse, &adult(&[])).await;
    let desk = app.login(Role::FrontDesk).await;
    let patient_page = app.page_get(&format!("/patients/{pid}"), &desk).await;
    assert!(!patient_page.text.contains("Evaluation &amp; eligibility"), "no clinical links for the front desk");
    for path in
        [format!("/patients/{pid}/evaluations/new"), format!("/patients/{pid}/eligibility"), format!("/evaluations/{id}"), format!("/evaluations/{id}/edit")]
    {
        let reply = app.page_get(&path, &desk).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert!(reply.text.contains("Your role (Front desk) may not"), "{path}: {}", reply.text);
    }
    let post = app.page_post(&format!("/patients/{pid}/evaluations"), &desk, &adult(&[])).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert_eq!(evaluations(&app, &pid).await.len(), 1);
}
