//! The suicide safety plan over HTTP and in the browser pages: written by a therapist (nurses
//! and prescribers too), with the 988 Lifeline and 911 on a new plan; one current plan per
//! patient, revised only with the version it was made from and a reason, every version kept;
//! precise refusals that write nothing; the printable page and the form.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Reply, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn fields(reply: &Reply) -> Vec<String> {
    reply.json["errors"].as_array().map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect()).unwrap_or_default()
}

async fn audit_count(app: &TestApp, action: &str) -> usize {
    let auditor = app.token(Role::Auditor).await;
    let reply = app.call(Method::GET, &format!("/api/v1/audit-events?limit=100&action={action}"), &auditor, None).await;
    reply.json["items"].as_array().unwrap().len()
}

fn plan() -> Value {
    json!({
        "warning_signs": ["  Not sleeping ", "", "Staying in bed all day"],
        "coping_strategies": ["Walk the dog"],
        "distractions": [{"name": "The library on Main St"}],
        "help_contacts": [{"name": "Sam Quill", "phone": "(212) 555-0143", "note": "sister"}],
        "safe_environment": ["Medicines kept by Sam"],
        "reasons_for_living": ["My daughter"],
        "made_with": "Test Therapist"
    })
}

async fn plan_url(app: &TestApp) -> String {
    let p = app.patient("Ada", "Quill").await;
    format!("/api/v1/patients/{}/safety-plan", p["id"].as_str().unwrap())
}

#[tokio::test]
async fn a_therapist_writes_the_plan_with_the_crisis_lines() {
    let app = TestApp::new().await;
    let url = plan_url(&app).await;
    let therapist = app.token(Role::Therapist).await;
    let none = app.call(Method::GET, &url, &therapist, None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "no plan yet: {}", none.text);
    assert_eq!(none.headers.get(header::CONTENT_TYPE).unwrap(), "application/problem+json");

    let made = app.call(Method::PUT, &url, &therapist, Some(json!({"plan": plan()}))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!((made.json["kind"].as_str(), made.json["version"].as_u64()), (Some("safety_plan"), Some(1)));
    let body = &made.json["body"];
    assert_eq!(body["warning_signs"], json!(["Not sleeping", "Staying in bed all day"]), "trimmed, blank lines dropped");
    assert_eq!(body["help_contacts"][0]["phone"], "+12125550143", "normalised to E.164");
    let crisis: Vec<&str> = body["crisis_contacts"].as_array().unwrap().iter().map(|c| c["phone"].as_str().unwrap()).collect();
    assert_eq!(crisis, ["988", "911"], "a new plan has the 988 Lifeline and 911");
    assert!(body["crisis_contacts"][0]["name"].as_str().unwrap().contains("988 Suicide & Crisis Lifeline"));
    assert!(body["reviewed_on"].is_string(), "reviewed today unless said otherwise");

    for role in [Role::Therapist, Role::Nurse, Role::Prescriber, Role::Auditor] {
        let auth = app.token(role).await;
        let read = app.call(Method::GET, &url, &auth, None).await;
        assert_eq!((read.status, &read.json["id"]), (StatusCode::OK, &made.json["id"]), "{role} reads the plan");
    }
    assert_eq!(audit_count(&app, "chart.create").await, 1);
    assert!(audit_count(&app, "chart.read").await >= 4, "every read is audited");
}

#[tokio::test]
async fn the_front_desk_may_neither_read_nor_write_it() {
    let app = TestApp::new().await;
    let url = plan_url(&app).await;
    let therapist = app.token(Role::Therapist).await;
    assert_eq!(app.call(Method::PUT, &url, &therapist, Some(json!({"plan": plan()}))).await.status, StatusCode::CREATED);
    for role in [Role::FrontDesk, Role::Admin] {
        let auth = app.token(role).await;
        let before = app.count("audit_events").await;
        let read = app.call(Method::GET, &url, &auth, None).await;
        assert_eq!(read.status, StatusCode::FORBIDDEN, "{role} reads");
        let write = app.call(Method::PUT, &url, &auth, Some(json!({"plan": plan(), "version": 1, "reason": "x"}))).await;
        assert_eq!(write.status, StatusCode::FORBIDDEN, "{role} writes");
        assert_eq!(app.count("audit_events").await, before + 2, "only the two denials were written");
    }
    // The auditor reads but does not write.
    let auditor = app.token(Role::Auditor).await;
    let refused = app.call(Method::PUT, &url, &auditor, Some(json!({"plan": plan(), "version": 1, "reason": "x"}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let current = app.call(Method::GET, &url, &therapist, None).await;
    assert_eq!(current.json["version"], 1, "nothing was written");
}

#[tokio::test]
async fn revisions_need_the_version_and_a_reason_and_keep_every_version() {
    let app = TestApp::new().await;
    let url = plan_url(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let first = app.call(Method::PUT, &url, &nurse, Some(json!({"plan": plan(), "version": 1, "reason": "x"}))).await;
    assert_eq!(first.status, StatusCode::CONFLICT, "no plan to revise yet: {}", first.text);
    let made = app.call(Method::PUT, &url, &nurse, Some(json!({"plan": plan()}))).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let id = made.json["id"].as_str().unwrap().to_owned();

    let mut changed = plan();
    changed["reasons_for_living"] = json!(["My daughter", "Finishing my degree"]);
    changed["crisis_contacts"] = json!([{"name": "Dr Ode", "phone": "+1 212 555 0199"}, {"name": "988 Suicide & Crisis Lifeline", "phone": "988"}]);
    let no_version = app.call(Method::PUT, &url, &nurse, Some(json!({"plan": changed}))).await;
    assert_eq!(no_version.status, StatusCode::CONFLICT, "a second first save is refused: {}", no_version.text);
    assert!(no_version.json["detail"].as_str().unwrap().contains("version 1"));
    let no_reason = app.call(Method::PUT, &url, &nurse, Some(json!({"plan": changed, "version": 1}))).await;
    assert_eq!((no_reason.status, fields(&no_reason)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()]));

    let revised = app.call(Method::PUT, &url, &nurse, Some(json!({"plan": changed, "version": 1, "reason": "reviewed with patient"}))).await;
    assert_eq!((revised.status, revised.json["version"].as_u64()), (StatusCode::OK, Some(2)), "{}", revised.text);
    assert_eq!(revised.json["id"], id, "the same plan, a new version");
    assert_eq!(revised.json["body"]["crisis_contacts"][0]["phone"], "+12125550199");
    let stale = app.call(Method::PUT, &url, &nurse, Some(json!({"plan": changed, "version": 1, "reason": "again"}))).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "version 1 is stale now");

    let current = app.call(Method::GET, &url, &nurse, None).await;
    assert_eq!(current.json["version"], 2);
    let therapist = app.token(Role::Therapist).await;
    let history = app.call(Method::GET, &format!("/api/v1/chart-entries/{id}/history"), &therapist, None).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    let versions = history.json.as_array().unwrap();
    assert_eq!(versions.len(), 2, "both versions are kept");
    assert_eq!(versions[0]["body"]["reasons_for_living"], json!(["My daughter"]));
    assert_eq!(versions[1]["body"]["reasons_for_living"], json!(["My daughter", "Finishing my degree"]));
    assert_eq!((versions[0]["reason"].clone(), versions[1]["reason"].clone()), (Value::Null, json!("reviewed with patient")));
    assert_eq!(audit_count(&app, "chart.update").await, 1);
    let desk = app.token(Role::FrontDesk).await;
    let hidden = app.call(Method::GET, &format!("/api/v1/chart-entries/{id}/history"), &desk, None).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN, "the history is clinical too");
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let url = plan_url(&app).await;
    let prescriber = app.token(Role::Prescriber).await;
    let before = app.count("audit_events").await;

    let mut bad_phone = plan();
    bad_phone["help_contacts"] = json!([{"name": "Sam", "phone": "555-01"}]);
    let reply = app.call(Method::PUT, &url, &prescriber, Some(json!({"plan": bad_phone}))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(fields(&reply), ["plan.help_contacts[0].phone"]);

    let short_code =
        app.call(Method::PUT, &url, &prescriber, Some(json!({"plan": {"warning_signs": ["x"], "help_contacts": [{"name": "Sam", "phone": "988"}]}}))).await;
    assert_eq!(fields(&short_code), ["plan.help_contacts[0].phone"], "short numbers are for services only");
    let empty = app.call(Method::PUT, &url, &prescriber, Some(json!({"plan": {"coping_strategies": ["music"]}}))).await;
    assert_eq!(fields(&empty), ["plan.warning_signs"], "a plan needs a warning sign or a reason for living");
    let long = app.call(Method::PUT, &url, &prescriber, Some(json!({"plan": {"warning_signs": ["x".repeat(301)]}}))).await;
    assert_eq!(fields(&long), ["plan.warning_signs[0]"]);
    let typo = app.call(Method::PUT, &url, &prescriber, Some(json!({"plan": {"warning_sings": ["x"]}}))).await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(typo.json["errors"][0]["message"].as_str().unwrap().contains("unknown field `warning_sings`"), "{}", typo.text);
    let wrong_type = app.call(Method::PUT, &url, &prescriber, Some(json!({"plan": {"help_contacts": [{"name": "Sam", "phone": 2_125_550_143_u64}]}}))).await;
    assert_eq!(fields(&wrong_type), ["plan.help_contacts[0].phone"]);
    let unknown_patient =
        app.call(Method::PUT, "/api/v1/patients/01900000-0000-7000-8000-00000000a1e7/safety-plan", &prescriber, Some(json!({"plan": plan()}))).await;
    assert_eq!(unknown_patient.status, StatusCode::NOT_FOUND);

    assert_eq!(app.count("audit_events").await, before, "no refusal wrote anything");
    assert_eq!(app.call(Method::GET, &url, &prescriber, None).await.status, StatusCode::NOT_FOUND, "no plan was stored");
}

fn location(reply: &Reply) -> String {
    reply.headers.get(header::LOCATION).map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default()
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

async fn api_version(app: &TestApp, pid: &str) -> Value {
    let nurse = app.token(Role::Nurse).await;
    app.call(Method::GET, &format!("/api/v1/patients/{pid}/safety-plan"), &nurse, None).await.json["version"].clone()
}

#[tokio::test]
async fn the_page_prints_and_the_form_round_trips() {
    let app = TestApp::new().await;
    let pid = app.patient("Bea", "Quill").await["id"].as_str().unwrap().to_owned();
    let therapist = app.login(Role::Therapist).await;
    let page_url = format!("/patients/{pid}/safety-plan");
    let edit_url = format!("/patients/{pid}/safety-plan/edit");

    let record = app.page_get(&format!("/patients/{pid}"), &therapist).await;
    assert!(record.text.contains(&format!("href=\"{page_url}\"")), "the patient page links the plan");
    let empty = app.page_get(&page_url, &therapist).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text.contains("No safety plan yet") && empty.text.contains("href=\"tel:988\""), "crisis lines even before a plan");
    assert!(empty.text.contains(&format!("href=\"{edit_url}\"")));

    let blank = app.page_get(&edit_url, &therapist).await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(blank.text.contains("name=\"crisis0_phone\" type=\"tel\" value=\"988\""), "988 prefilled on a new plan");
    assert!(blank.text.contains("name=\"crisis1_phone\" type=\"tel\" value=\"911\""));
    assert!(!blank.text.contains("name=\"reason\""), "a first plan needs no reason");

    let mut first = form(&[
        ("warning_signs", "Not sleeping\r\nSkipping meals"),
        ("coping_strategies", "Walk the dog"),
        ("distraction0_name", "The library"),
        ("help0_name", "Sam Quill"),
        ("help0_phone", "212 555 0143"),
        ("help1_name", ""),
        ("help1_phone", ""),
        ("crisis0_name", "988 Suicide & Crisis Lifeline"),
        ("crisis0_phone", "988"),
        ("crisis0_note", "Call or text"),
        ("crisis1_name", "Emergency services"),
        ("crisis1_phone", "911"),
        ("reasons_for_living", "My daughter"),
        ("made_with", "Test Therapist"),
        ("reviewed_on", ""),
    ]);
    let bad = app.page_post(&edit_url, &therapist, &[first.clone(), form(&[("help2_name", "Kim"), ("help2_phone", "12")])].concat()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("id=\"help2_phone-error\"") && bad.text.contains("href=\"#help2_phone\""), "the error sits at the phone");
    assert!(bad.text.contains("Skipping meals") && bad.text.contains("value=\"Kim\""), "values are kept");
    assert_eq!(api_version(&app, &pid).await, Value::Null, "nothing was written");

    let saved = app.page_post(&edit_url, &therapist, &first).await;
    assert_eq!((saved.status, location(&saved)), (StatusCode::SEE_OTHER, format!("{page_url}?done=saved")), "{}", saved.text);
    let shown = app.page_get(&format!("{page_url}?done=saved"), &therapist).await;
    assert_eq!(shown.status, StatusCode::OK);
    for text in [
        "data-print",
        ">Print</button>",
        "href=\"tel:988\"",
        "href=\"tel:+12125550143\"",
        "+1 212-555-0143",
        "Skipping meals",
        "My daughter",
        "Version history",
        "Safety plan saved",
    ] {
        assert!(shown.text.contains(text), "the plan page shows {text}");
    }

    let opened = app.page_get(&edit_url, &therapist).await;
    assert!(opened.text.contains("name=\"version\" value=\"1\"") && opened.text.contains("name=\"reason\""), "a revision asks for a reason");
    assert!(opened.text.contains("Not sleeping\nSkipping meals"), "lines come back one per line");
    first.push(("version".to_owned(), "1".to_owned()));
    let no_reason = app.page_post(&edit_url, &therapist, &first).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text.contains("Reason for the new version must say why"), "{}", no_reason.text);
    first.push(("reason".to_owned(), "reviewed with patient".to_owned()));
    let revised = app.page_post(&edit_url, &therapist, &first).await;
    assert_eq!(revised.status, StatusCode::SEE_OTHER);
    assert_eq!(api_version(&app, &pid).await, 2);
    let stale = app.page_post(&edit_url, &therapist, &first).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("Someone else saved this plan") && stale.text.contains("name=\"version\" value=\"2\""), "text kept, now revising v2");
    assert_eq!(api_version(&app, &pid).await, 2);

    let entry = {
        let nurse = app.token(Role::Nurse).await;
        app.call(Method::GET, &format!("/api/v1/patients/{pid}/safety-plan"), &nurse, None).await.json["id"].as_str().unwrap().to_owned()
    };
    let history = app.page_get(&format!("/chart-entries/{entry}/history"), &therapist).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.text.contains("2 versions") && history.text.contains("reviewed with patient") && history.text.contains("My warning signs"));

    let desk = app.login(Role::FrontDesk).await;
    assert_eq!(app.page_get(&page_url, &desk).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.page_get(&edit_url, &desk).await.status, StatusCode::FORBIDDEN);
    let desk_record = app.page_get(&format!("/patients/{pid}"), &desk).await;
    assert!(!desk_record.text.contains(&page_url), "no link for roles that cannot read it");
    let auditor = app.login(Role::Auditor).await;
    let read_only = app.page_get(&page_url, &auditor).await;
    assert!(read_only.status == StatusCode::OK && !read_only.text.contains(&edit_url), "the auditor reads without an edit button");
    assert!(matches!(app.page_get(&edit_url, &auditor).await.status, StatusCode::FORBIDDEN));
}

#[tokio::test]
async fn a_safety_alert_points_to_the_plan() {
    let app = TestApp::new().await;
    let pid = app.patient("Cy", "Quill").await["id"].as_str().unwrap().to_owned();
    let nurse = app.token(Role::Nurse).await;
    let answers = json!({"instrument": "phq9", "answers": {"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 0, "9": 1}});
    let recorded = app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(answers)).await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text);
    let prescriber = app.login(Role::Prescriber).await;
    let alerts = app.page_get("/alerts", &prescriber).await;
    assert!(alerts.text.contains(&format!("href=\"/patients/{pid}/safety-plan\">Review safety plan")), "{}", alerts.text);
}
