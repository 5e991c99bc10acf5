//! The patient chart over HTTP: list entries by kind with role checks, corrections and
//! entered-in-error as new versions with history, bad input naming the field, enquiry
//! conversion, consent templates and signing, and the REMS enrolment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn fields(reply: &common::Reply) -> Vec<String> {
    reply.json["errors"].as_array().map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect()).unwrap_or_default()
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<Value> {
    let auditor = app.token(Role::Auditor).await;
    let reply = app.call(Method::GET, &format!("/api/v1/audit-events?limit=100&action={action}"), &auditor, None).await;
    reply.json["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn escorts_are_kept_by_the_front_desk_and_corrections_keep_history() {
    let app = TestApp::new().await;
    let p = app.patient("Ada", "Quill").await;
    let pid = p["id"].as_str().unwrap();
    let desk = app.token(Role::FrontDesk).await;
    let escort = json!({"name": "Rae Quill", "relationship": "sister", "phone": "(212) 555-0143"});
    let made = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/escort"), &desk, Some(escort)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!((made.json["kind"].as_str(), made.json["version"].as_u64()), (Some("escort"), Some(1)));
    assert_eq!(made.json["body"]["phone"], "+12125550143", "normalised to E.164");
    let id = made.json["id"].as_str().unwrap().to_owned();

    let fixed = json!({"version": 1, "body": {"name": "Rae Quill-Moss", "relationship": "sister", "phone": "+1 212 555 0143"}, "reason": "married name"});
    let revised = app.call(Method::PUT, &format!("/api/v1/chart-entries/{id}"), &desk, Some(fixed.clone())).await;
    assert_eq!((revised.status, revised.json["version"].as_u64()), (StatusCode::OK, Some(2)), "{}", revised.text);
    let stale = app.call(Method::PUT, &format!("/api/v1/chart-entries/{id}"), &desk, Some(fixed)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a correction of version 1 again is refused");

    let wrong = json!({"version": 2, "status": "entered_in_error", "reason": "belongs to another patient"});
    let eie = app.call(Method::PUT, &format!("/api/v1/chart-entries/{id}"), &desk, Some(wrong)).await;
    assert_eq!((eie.status, eie.json["status"].as_str()), (StatusCode::OK, Some("entered_in_error")));
    let list = app.call(Method::GET, &format!("/api/v1/patients/{pid}/chart?kind=escort"), &desk, None).await;
    assert_eq!(list.json.as_array().unwrap().len(), 0, "entered in error leaves the list");
    let all = app.call(Method::GET, &format!("/api/v1/patients/{pid}/chart?kind=escort&include_entered_in_error=true"), &desk, None).await;
    assert_eq!(all.json.as_array().unwrap().len(), 1);
    let history = app.call(Method::GET, &format!("/api/v1/chart-entries/{id}/history"), &desk, None).await;
    let versions: Vec<_> =
        history.json.as_array().unwrap().iter().map(|v| (v["version"].as_u64().unwrap(), v["body"]["name"].as_str().unwrap().to_owned())).collect();
    assert_eq!(versions, [(1, "Rae Quill".to_owned()), (2, "Rae Quill-Moss".to_owned()), (3, "Rae Quill-Moss".to_owned())], "history hides nothing");
    assert_eq!(history.json[2]["reason"], "belongs to another patient");
    assert_eq!(audit_of(&app, "chart.create").await.len(), 1);
    assert_eq!(audit_of(&app, "chart.update").await.len(), 2);
    assert!(!audit_of(&app, "chart.history").await.is_empty());
}

#[tokio::test]
async fn clinical_entries_need_clinical_roles() {
    let app = TestApp::new().await;
    let p = app.patient("Bea", "Quill").await;
    let pid = p["id"].as_str().unwrap();
    let desk = app.token(Role::FrontDesk).await;
    let nurse = app.token(Role::Nurse).await;
    let dx = json!({"icd10cm": "f33.1", "primary": true});
    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/diagnosis"), &desk, Some(dx.clone())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let made = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/diagnosis"), &nurse, Some(dx)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.json["body"]["icd10cm"], "F33.1");
    assert_eq!(made.json["body"]["display"], "Major depressive disorder, recurrent, moderate", "from the bundled table");
    assert_eq!(made.json["body"]["snomed"], "370143000", "REFERENCE §9.3");
    let med =
        app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/medication"), &nurse, Some(json!({"name": "Xanax", "dose": "0.5 mg at night"}))).await;
    assert_eq!(med.json["body"]["classes"], json!(["benzodiazepine"]), "the drug table tags the class: {}", med.text);
    // The front desk sees the people around the patient but not the clinical chart.
    let desk_all = app.call(Method::GET, &format!("/api/v1/patients/{pid}/chart"), &desk, None).await;
    assert_eq!((desk_all.status, desk_all.json.as_array().unwrap().len()), (StatusCode::OK, 0));
    assert_eq!(app.call(Method::GET, &format!("/api/v1/patients/{pid}/chart?kind=diagnosis"), &desk, None).await.status, StatusCode::FORBIDDEN);
    let nurse_all = app.call(Method::GET, &format!("/api/v1/patients/{pid}/chart"), &nurse, None).await;
    assert_eq!(nurse_all.json.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_chart_input_names_the_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let p = app.patient("Cy", "Quill").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let cases = [
        ("escort", json!({"name": "Rae", "phone": "12"}), "phone"),
        ("escort", json!({"name": "Rae"}), "phone"),
        ("escort", json!({"name": "Rae", "phone": "+12125550143", "fone": "x"}), "fone"),
        ("diagnosis", json!({"icd10cm": "depression"}), "icd10cm"),
        ("diagnosis", json!({"icd10cm": "F99.9"}), "display"),
        ("medication", json!({"name": "x", "classes": ["vitamin"]}), "body"),
        ("allergy", json!({"substance": " "}), "substance"),
        ("contact", json!({"system": "email", "value": "nope"}), "value"),
        ("diagnosis", json!({"icd10cm": "F33.1", "onset": "2999-01-01"}), "onset"),
    ];
    for (kind, body, field) in cases {
        let reply = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/{kind}"), &nurse, Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{kind} {body}: {}", reply.text);
        assert_eq!(fields(&reply), [field], "{kind} {body}");
        assert_eq!(reply.json["type"].as_str().map(|t| t.is_empty()), Some(false), "problem+json");
    }
    let unknown_kind = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/pet"), &nurse, Some(json!({}))).await;
    assert_eq!((unknown_kind.status, fields(&unknown_kind)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["kind".to_owned()]));
    let workflow_kind = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/evaluation"), &nurse, Some(json!({}))).await;
    assert_eq!(workflow_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nobody =
        app.call(Method::POST, "/api/v1/patients/0190c0de-0000-7000-8000-000000000000/chart/allergy", &nurse, Some(json!({"substance": "latex"}))).await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    let stored = app.call(Method::GET, &format!("/api/v1/patients/{pid}/chart?include_entered_in_error=true"), &nurse, None).await;
    assert_eq!(stored.json, json!([]), "nothing written");
    assert!(audit_of(&app, "chart.create").await.is_empty());
}

#[tokio::test]
async fn an_enquiry_with_a_booked_consult_converts_into_a_patient() {
    let app = TestApp::new().await;
    let desk = app.token(Role::FrontDesk).await;
    let form = json!({"name": "Mo Convert", "phone": "(212) 555-0143", "email": "mo@example.org", "consent_to_contact": true});
    let e = app.call(Method::POST, "/api/v1/enquiries", &desk, Some(form)).await;
    let eid = e.json["id"].as_str().unwrap().to_owned();
    let who = json!({"given_name": "Mo", "family_name": "Convert", "birth_date": "1990-01-02", "sex": "male"});
    let early = app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/convert"), &desk, Some(who.clone())).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "a new enquiry has not booked a consult yet: {}", early.text);
    app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/attempts"), &desk, Some(json!({"channel": "phone", "outcome": "reached"}))).await;
    app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/status"), &desk, Some(json!({"status": "consult_booked"}))).await;
    let bad = app
        .call(
            Method::POST,
            &format!("/api/v1/enquiries/{eid}/convert"),
            &desk,
            Some(json!({"given_name": "Mo", "family_name": "Convert", "birth_date": "soon", "sex": "male"})),
        )
        .await;
    assert_eq!((bad.status, fields(&bad)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["birth_date".to_owned()]));
    assert_eq!(app.count("patients").await, 0);
    let done = app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/convert"), &desk, Some(who.clone())).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text);
    assert_eq!((done.json["patient"]["phone"].as_str(), done.json["patient"]["email"].as_str()), (Some("+12125550143"), Some("mo@example.org")));
    assert_eq!(done.json["enquiry"]["status"], "converted");
    assert_eq!(done.json["enquiry"]["patient_id"], done.json["patient"]["id"]);
    let again = app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/convert"), &desk, Some(who)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(app.count("patients").await, 1);
    assert_eq!(audit_of(&app, "enquiry.convert").await.len(), 1);
}

#[tokio::test]
async fn consents_name_the_exact_template_version() {
    let app = TestApp::new().await;
    let p = app.patient("Di", "Quill").await;
    let pid = p["id"].as_str().unwrap();
    let admin = app.token(Role::Admin).await;
    let nurse = app.token(Role::Nurse).await;
    let template = json!({"modality": "iv_ketamine", "title": "IV ketamine treatment consent", "text": "Ketamine for depression is off-label."});
    assert_eq!(app.call(Method::POST, "/api/v1/consent-templates", &nurse, Some(template.clone())).await.status, StatusCode::FORBIDDEN);
    let t = app.call(Method::POST, "/api/v1/consent-templates", &admin, Some(template)).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let tid = t.json["id"].as_str().unwrap().to_owned();
    let revision = json!({"version": 1, "reason": "adds bladder risks", "template": {"modality": "iv_ketamine", "title": "IV ketamine treatment consent", "text": "Ketamine for depression is off-label. Bladder irritation can occur."}});
    assert_eq!(app.call(Method::PUT, &format!("/api/v1/consent-templates/{tid}"), &admin, Some(revision)).await.status, StatusCode::OK);

    let sign = |version: u64| json!({"template_id": tid, "template_version": version, "typed_name": "Di Quill", "signature_path": "M10 10 L20 20 L30 15"});
    let stale = app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign(1))).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "the patient must sign the text in force");
    let script = json!({"template_id": tid, "template_version": 2, "typed_name": "Di Quill", "signature_path": "<script>"});
    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(script)).await;
    assert_eq!(fields(&refused), ["signature_path"]);
    let signed = app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign(2))).await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.text);
    let body = &signed.json["body"];
    assert_eq!((body["template_version"].as_u64(), body["modality"].as_str(), body["typed_name"].as_str()), (Some(2), Some("iv_ketamine"), Some("Di Quill")));
    assert_eq!(body["template_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(body["witness_name"].as_str().map(|n| n.is_empty()), Some(false));
}

#[tokio::test]
async fn rems_enrolment_needs_both_signatures_and_a_prescriber() {
    let app = TestApp::new().await;
    let p = app.patient("Ed", "Quill").await;
    let pid = p["id"].as_str().unwrap();
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let form = json!({"enrolled_on": "2026-01-05", "patient_signed": true, "prescriber_signed": true});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &nurse, Some(form.clone())).await.status, StatusCode::FORBIDDEN);
    let unsigned = json!({"enrolled_on": "2026-01-05", "patient_signed": false, "prescriber_signed": true});
    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &prescriber, Some(unsigned)).await;
    assert_eq!(fields(&refused), ["patient_signed"]);
    let bad_date = json!({"enrolled_on": "2026-02-30", "patient_signed": true, "prescriber_signed": true});
    assert_eq!(fields(&app.call(Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &prescriber, Some(bad_date)).await), ["enrolled_on"]);
    let made = app.call(Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &prescriber, Some(form)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.json["body"]["enrolled_on"], "2026-01-05");
}
