//! The chart pages, driven like a browser: list entries added, corrected and marked entered in
//! error through forms (with refusals shown next to the form and nothing written), history,
//! what each role sees, consent templates and signing on the tablet, the REMS enrolment, and
//! the enquiry queue's staff forms (logging a call, converting into a patient).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Reply, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::json;

fn location(reply: &Reply) -> String {
    reply.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_else(|| panic!("no Location: {} {}", reply.status, reply.text))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start} in {text}")) + start.len();
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap()]
}

async fn escorts(app: &TestApp, pid: &str, all: bool) -> Vec<serde_json::Value> {
    let desk = app.token(Role::FrontDesk).await;
    let path = format!("/api/v1/patients/{pid}/chart?kind=escort&include_entered_in_error={all}");
    app.call(Method::GET, &path, &desk, None).await.json.as_array().unwrap().clone()
}

const ESCORT: [(&str, &str); 4] = [("name", "Rae Quill"), ("relationship", "sister"), ("phone", "(212) 555-0143"), ("note", "after 3 pm")];

#[tokio::test]
async fn the_front_desk_adds_an_escort_and_sees_it() {
    let app = TestApp::new().await;
    let pid = app.patient("Ada", "Quill").await["id"].as_str().unwrap().to_owned();
    let desk = app.login(Role::FrontDesk).await;
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &desk).await;
    assert_eq!(chart.status, StatusCode::OK, "{}", chart.text);
    assert!(chart.text.contains("Nobody is recorded to drive the patient home yet") && chart.text.contains("Add escort"), "{}", chart.text);

    let added = app.page_post(&format!("/patients/{pid}/chart/escort"), &desk, &ESCORT).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    assert_eq!(location(&added), format!("/patients/{pid}/chart#escort"));
    let chart = app.page_get(&location(&added), &desk).await;
    assert!(chart.text.contains(r#"<span class="entry__name">Rae Quill</span>"#), "{}", chart.text);
    assert!(chart.text.contains(r#"<a href="tel:+12125550143">+12125550143</a>"#) && chart.text.contains("after 3 pm"), "{}", chart.text);
    assert!(chart.text.contains(r#"name="reason""#) && chart.text.contains("/history\">History"), "correct, entered-in-error and history per entry");

    // The patient page links to the chart; the front desk neither witnesses consents nor enrols.
    let record = app.page_get(&format!("/patients/{pid}"), &desk).await;
    assert!(record.text.contains(&format!(r#"href="/patients/{pid}/chart">Chart</a>"#)), "{}", record.text);
    assert!(!record.text.contains("Sign a consent") && !record.text.contains("REMS enrolment"));
}

#[tokio::test]
async fn a_bad_phone_shows_the_form_again_and_writes_nothing() {
    let app = TestApp::new().await;
    let pid = app.patient("Bo", "Quill").await["id"].as_str().unwrap().to_owned();
    let desk = app.login(Role::FrontDesk).await;
    let reply = app.page_post(&format!("/patients/{pid}/chart/escort"), &desk, &[("name", "Rae Quill"), ("relationship", "sister"), ("phone", "12")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert!(reply.text.contains(r#"<details class="disclosure disclosure--add" open>"#), "the form is open: {}", reply.text);
    assert!(reply.text.contains(r#"id="add-escort-phone-error""#) && reply.text.contains(r##"<a href="#add-escort-phone">Phone "##), "{}", reply.text);
    assert!(reply.text.contains(r#"value="Rae Quill""#) && reply.text.contains(r#"value="12""#) && reply.text.contains(r#"value="sister""#), "values kept");
    assert!(escorts(&app, &pid, true).await.is_empty(), "nothing written");
}

#[tokio::test]
async fn corrections_keep_history_and_entered_in_error_hides_the_entry() {
    let app = TestApp::new().await;
    let pid = app.patient("Cy", "Quill").await["id"].as_str().unwrap().to_owned();
    let desk = app.login(Role::FrontDesk).await;
    app.page_post(&format!("/patients/{pid}/chart/escort"), &desk, &ESCORT).await;
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &desk).await;
    let id = between(&chart.text, r#"id="entry-"#, "\"").to_owned();
    let correct = |version: &'static str, reason: &'static str| {
        vec![
            ("version", version),
            ("kind", "escort"),
            ("correct", "1"),
            ("name", "Rae Quill-Moss"),
            ("relationship", "sister"),
            ("phone", "+1 212 555 0143"),
            ("note", "after 3 pm"),
            ("reason", reason),
        ]
    };
    let mut no_reason = correct("1", "");
    no_reason.push(("patient", &pid));
    let refused = app.page_post(&format!("/chart-entries/{id}"), &desk, &no_reason).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(refused.text.contains(&format!(r#"id="c-{id}-reason-error""#)) && refused.text.contains(r#"value="Rae Quill-Moss""#), "{}", refused.text);

    let mut fixed = correct("1", "married name");
    fixed.push(("patient", &pid));
    let saved = app.page_post(&format!("/chart-entries/{id}"), &desk, &fixed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(location(&saved), format!("/patients/{pid}/chart?done=corrected#escort"));
    let history = app.page_get(&format!("/chart-entries/{id}/history"), &desk).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.text.contains("Version 2") && history.text.contains("<strong>Why:</strong> married name"), "{}", history.text);
    assert!(history.text.contains("<del>Rae Quill</del>") && history.text.contains("<ins>Rae Quill-Moss</ins>"), "{}", history.text);

    let stale = app.page_post(&format!("/chart-entries/{id}"), &desk, &fixed).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "version 1 again");
    assert!(stale.text.contains("Someone else changed this entry while you were editing"), "{}", stale.text);

    let wrong = [("version", "2"), ("kind", "escort"), ("status", "entered_in_error"), ("reason", "belongs to another patient"), ("patient", &pid)];
    let marked = app.page_post(&format!("/chart-entries/{id}"), &desk, &wrong).await;
    assert_eq!(location(&marked), format!("/patients/{pid}/chart?done=entered_in_error#escort"));
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &desk).await;
    assert!(!chart.text.contains("Rae Quill-Moss") && chart.text.contains("Show entries entered in error"), "{}", chart.text);
    let all = app.page_get(&format!("/patients/{pid}/chart?all=1"), &desk).await;
    assert!(all.text.contains("entry--struck") && all.text.contains("Rae Quill-Moss") && all.text.contains(">Restore<"), "{}", all.text);
    assert_eq!(escorts(&app, &pid, true).await[0]["version"], 3);
}

#[tokio::test]
async fn a_nurse_records_diagnoses_and_medications_with_their_classes() {
    let app = TestApp::new().await;
    let pid = app.patient("Di", "Quill").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &nurse).await;
    assert!(chart.text.contains(r#"<datalist id="icd10-codes">"#) && chart.text.contains(r#"list="icd10-codes""#), "{}", chart.text);
    assert!(chart.text.contains(r#"name="classes" value="maoi""#) && chart.text.contains("Add medication"));

    let dx = app
        .page_post(&format!("/patients/{pid}/chart/diagnosis"), &nurse, &[("icd10cm", "f33.1"), ("display", ""), ("primary", "yes"), ("status", "active")])
        .await;
    assert_eq!((dx.status, location(&dx)), (StatusCode::SEE_OTHER, format!("/patients/{pid}/chart#diagnosis")), "{}", dx.text);
    let med = app
        .page_post(
            &format!("/patients/{pid}/chart/medication"),
            &nurse,
            &[("name", "Xanax"), ("dose", "0.5 mg at night"), ("classes", "ssri"), ("status", "active")],
        )
        .await;
    assert_eq!(med.status, StatusCode::SEE_OTHER, "{}", med.text);
    let bad = app.page_post(&format!("/patients/{pid}/chart/medication"), &nurse, &[("name", "Zoloft"), ("started_on", "2999-01-01")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Started on must not be in the future."), "{}", bad.text);

    let chart = app.page_get(&format!("/patients/{pid}/chart"), &nurse).await;
    assert!(chart.text.contains("F33.1 — Major depressive disorder, recurrent, moderate") && chart.text.contains("370143000"), "{}", chart.text);
    assert!(chart.text.contains(r#"<span class="tag">Primary</span>"#));
    assert!(chart.text.contains(r#"<span class="tag tag--alert">Benzodiazepine</span>"#), "tagged from the drug table and highlighted: {}", chart.text);
    assert!(chart.text.contains(r#"<span class="tag">SSRI</span>"#) && chart.text.contains("0.5 mg at night"));
    assert!(!chart.text.contains("Zoloft"));
}

#[tokio::test]
async fn the_front_desk_does_not_see_the_clinical_chart() {
    let app = TestApp::new().await;
    let pid = app.patient("Ed", "Quill").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    app.page_post(&format!("/patients/{pid}/chart/allergy"), &nurse, &[("substance", "Latex"), ("severity", "severe")]).await;
    let desk = app.login(Role::FrontDesk).await;
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &desk).await;
    assert_eq!(chart.status, StatusCode::OK);
    for hidden in ["Diagnoses", "Allergies", "Medications", "Latex", "Consents", "icd10-codes"] {
        assert!(!chart.text.contains(hidden), "front desk sees {hidden}");
    }
    let refused = app.page_post(&format!("/patients/{pid}/chart/allergy"), &desk, &[("substance", "Peanuts")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The auditor reads the clinical chart but is offered no form.
    let auditor = app.login(Role::Auditor).await;
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &auditor).await;
    assert!(chart.text.contains("Latex") && chart.text.contains("Severe") && !chart.text.contains("<summary class=\"button"), "{}", chart.text);
}

#[tokio::test]
async fn consent_templates_are_written_and_signed_on_the_tablet() {
    let app = TestApp::new().await;
    let pid = app.patient("Flo", "Quill").await["id"].as_str().unwrap().to_owned();
    let admin = app.login(Role::Admin).await;
    let nurse = app.login(Role::Nurse).await;
    assert!(app.page_get("/consent-templates", &admin).await.text.contains("No consent templates yet"));
    assert_eq!(app.page_get("/consent-templates", &nurse).await.status, StatusCode::FORBIDDEN);
    let empty = app.page_post("/consent-templates", &admin, &[("modality", "iv_ketamine"), ("title", ""), ("text", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text.contains("Title is required.") && empty.text.contains("Consent text is required."), "{}", empty.text);
    let text = "Ketamine for depression is off-label.\n\nYou will be observed for at least two hours.";
    let made = app.page_post("/consent-templates", &admin, &[("modality", "iv_ketamine"), ("title", "IV ketamine consent"), ("text", text)]).await;
    assert_eq!((made.status, location(&made)), (StatusCode::SEE_OTHER, "/consent-templates?done=created".to_owned()));
    let list = app.page_get("/consent-templates?done=created", &admin).await;
    let tid = between(&list.text, "/consent-templates/", "/edit").to_owned();
    assert!(list.text.contains("IV ketamine consent") && list.text.contains("Offered for signing"), "{}", list.text);

    let choose = app.page_get(&format!("/patients/{pid}/consents/new"), &nurse).await;
    assert!(choose.text.contains(&format!("/patients/{pid}/consents/new?template={tid}")), "{}", choose.text);
    let sign = app.page_get(&format!("/patients/{pid}/consents/new?template={tid}"), &nurse).await;
    assert!(sign.text.contains("<p>You will be observed for at least two hours.</p>") && sign.text.contains(r#"name="template_version" value="1""#));
    assert!(sign.text.contains("Witness: <strong>Test Nurse</strong>") && sign.text.contains("data-signature-pad"), "{}", sign.text);

    let edit = app.page_get(&format!("/consent-templates/{tid}/edit"), &admin).await;
    assert!(edit.text.contains("off-label"), "{}", edit.text);
    let revised_text = "Ketamine for depression is off-label.\n\nBladder irritation can occur.";
    let revision = [
        ("version", "1"),
        ("modality", "iv_ketamine"),
        ("title", "IV ketamine consent"),
        ("text", revised_text),
        ("active", "yes"),
        ("reason", "adds bladder risks"),
    ];
    let revised = app.page_post(&format!("/consent-templates/{tid}/edit"), &admin, &revision).await;
    assert_eq!(location(&revised), "/consent-templates?done=revised");
    let stale = app.page_post(&format!("/consent-templates/{tid}/edit"), &admin, &revision).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let signature = [("template", tid.as_str()), ("template_version", "1"), ("typed_name", "Flo Quill"), ("signature_path", "M10 10 L20 20 L30 15")];
    let conflict = app.page_post(&format!("/patients/{pid}/consents"), &nurse, &signature).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
    assert!(conflict.text.contains("The consent text was changed — nothing was signed"), "{}", conflict.text);
    assert!(conflict.text.contains("<p>Bladder irritation can occur.</p>") && conflict.text.contains(r#"name="template_version" value="2""#));

    let script = [("template", tid.as_str()), ("template_version", "2"), ("typed_name", "Flo Quill"), ("signature_path", "<script>")];
    let refused = app.page_post(&format!("/patients/{pid}/consents"), &nurse, &script).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("must be SVG path data") && refused.text.contains(r#"value="Flo Quill""#), "{}", refused.text);

    let unnamed = [("template", tid.as_str()), ("template_version", "2"), ("typed_name", " "), ("signature_path", "")];
    let unnamed = app.page_post(&format!("/patients/{pid}/consents"), &nurse, &unnamed).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY, "no typed name");
    assert!(unnamed.text.contains(r#"id="typed_name-error""#), "{}", unnamed.text);
    let good = [("template", tid.as_str()), ("template_version", "2"), ("typed_name", "Flo Quill"), ("signature_path", "M10 10 L20 20 L30 15")];
    let signed = app.page_post(&format!("/patients/{pid}/consents"), &nurse, &good).await;
    assert_eq!((signed.status, location(&signed)), (StatusCode::SEE_OTHER, format!("/patients/{pid}/chart?done=consent#consents")));
    let typed_only = [("template", tid.as_str()), ("template_version", "2"), ("typed_name", "Flo Quill"), ("signature_path", "")];
    assert_eq!(app.page_post(&format!("/patients/{pid}/consents"), &nurse, &typed_only).await.status, StatusCode::SEE_OTHER, "a typed name alone signs");

    let chart = app.page_get(&format!("/patients/{pid}/chart?done=consent"), &nurse).await;
    assert!(chart.text.contains("Consent signed") && chart.text.contains("IV ketamine consent"), "{}", chart.text);
    assert!(chart.text.contains(r#"<path d="M10 10 L20 20 L30 15"/>"#) && chart.text.contains("<dd>Test Nurse</dd>"), "{}", chart.text);
    assert_eq!(chart.text.matches("<dt>Template version</dt><dd>2</dd>").count(), 2);
}

#[tokio::test]
async fn the_prescriber_records_the_rems_enrolment() {
    let app = TestApp::new().await;
    let pid = app.patient("Gus", "Quill").await["id"].as_str().unwrap().to_owned();
    let prescriber = app.login(Role::Prescriber).await;
    let record = app.page_get(&format!("/patients/{pid}"), &prescriber).await;
    assert!(record.text.contains("Sign a consent") && record.text.contains(&format!("/patients/{pid}/rems-enrollment")), "{}", record.text);
    let form = app.page_get(&format!("/patients/{pid}/rems-enrollment"), &prescriber).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"name="enrolled_on" type="date" value="20"#), "today prefilled: {}", form.text);
    let unsigned = app.page_post(&format!("/patients/{pid}/rems-enrollment"), &prescriber, &[("enrolled_on", "2026-01-05"), ("patient_signed", "yes")]).await;
    assert_eq!(unsigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsigned.text.contains(r#"id="prescriber_signed-error""#) && unsigned.text.contains(r#"value="2026-01-05""#), "{}", unsigned.text);
    let fields = [("enrolled_on", "2026-01-05"), ("patient_signed", "yes"), ("prescriber_signed", "yes"), ("rems_patient_id", "R-123")];
    let made = app.page_post(&format!("/patients/{pid}/rems-enrollment"), &prescriber, &fields).await;
    assert_eq!((made.status, location(&made)), (StatusCode::SEE_OTHER, format!("/patients/{pid}/chart?done=rems#rems")));
    let chart = app.page_get(&format!("/patients/{pid}/chart"), &prescriber).await;
    assert!(chart.text.contains("Enrolled on 2026-01-05") && chart.text.contains("R-123"), "{}", chart.text);
    let nurse = app.login(Role::Nurse).await;
    assert_eq!(app.page_get(&format!("/patients/{pid}/rems-enrollment"), &nurse).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_enquiry_with_a_booked_consult_converts_through_the_form() {
    let app = TestApp::new().await;
    let token = app.token(Role::FrontDesk).await;
    let e = app
        .call(
            Method::POST,
            "/api/v1/enquiries",
            &token,
            Some(json!({"name": "Mo Ada Convert", "phone": "(212) 555-0143", "email": "mo@example.org", "consent_to_contact": true})),
        )
        .await;
    let eid = e.json["id"].as_str().unwrap().to_owned();
    let desk = app.login(Role::FrontDesk).await;
    assert!(!app.page_get("/enquiries", &desk).await.text.contains(&format!("/enquiries/{eid}/convert")), "not before the consult is booked");
    app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/attempts"), &token, Some(json!({"channel": "phone", "outcome": "reached"}))).await;
    app.call(Method::POST, &format!("/api/v1/enquiries/{eid}/status"), &token, Some(json!({"status": "consult_booked"}))).await;
    let queue = app.page_get("/enquiries", &desk).await;
    assert!(queue.text.contains(&format!(r#"href="/enquiries/{eid}/convert">Convert to patient"#)), "{}", queue.text);

    let form = app.page_get(&format!("/enquiries/{eid}/convert"), &desk).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"value="Mo Ada""#) && form.text.contains(r#"value="Convert""#), "{}", form.text);
    assert!(form.text.contains(r#"value="+12125550143""#) && form.text.contains(r#"value="mo@example.org""#));
    let person = |birth: &'static str| {
        [("given_name", "Mo Ada"), ("family_name", "Convert"), ("birth_date", birth), ("sex", "male"), ("phone", "+12125550143"), ("email", "mo@example.org")]
    };
    let refused = app.page_post(&format!("/enquiries/{eid}/convert"), &desk, &person("")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains(r#"id="birth_date-error""#) && refused.text.contains(r#"value="Mo Ada""#), "{}", refused.text);
    assert_eq!(app.count("patients").await, 0);
    let done = app.page_post(&format!("/enquiries/{eid}/convert"), &desk, &person("1990-01-02")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let target = location(&done);
    assert!(target.starts_with("/patients/") && target.ends_with("?notice=created"), "{target}");
    let record = app.page_get(&target, &desk).await;
    assert!(record.text.contains("Convert, Mo Ada") && record.text.contains("Patient registered"), "{}", record.text);
    let again = app.page_get(&format!("/enquiries/{eid}/convert"), &desk).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.text.contains("No enquiry with a booked consult here"));
    let twice = app.page_post(&format!("/enquiries/{eid}/convert"), &desk, &person("1990-01-02")).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(app.count("patients").await, 1);
}

#[tokio::test]
async fn staff_log_a_voicemail_with_the_time_it_came_in() {
    // Saturday 2026-11-21 15:00 UTC is 10:00 in New York.
    let app = TestApp::builder().manual_clock().settings(|s| s.timezone = jiff::tz::TimeZone::get("America/New_York").unwrap()).build().await;
    let desk = app.login(Role::FrontDesk).await;
    let queue = app.page_get("/enquiries", &desk).await;
    assert!(queue.text.contains(r#"href="/enquiries/new""#));
    let form = app.page_get("/enquiries/new", &desk).await;
    assert!(form.text.contains(r#"type="datetime-local" value="2026-11-21T10:00""#) && form.text.contains("America/New_York"), "{}", form.text);

    let call = |at: &'static str, consent: &'static str| {
        [("name", "Pat Caller"), ("phone", "(212) 555-0199"), ("message", "voicemail about esketamine"), ("received_at", at), ("consent_to_contact", consent)]
    };
    let future = app.page_post("/enquiries/new", &desk, &call("2026-11-22T09:00", "")).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.text.contains("must not be in the future") && future.text.contains(r#"id="consent_to_contact-error""#), "{}", future.text);
    assert!(future.text.contains(r#"value="Pat Caller""#));
    assert_eq!(app.count("enquiries").await, 0);

    let logged = app.page_post("/enquiries/new", &desk, &call("2026-11-20T10:00", "yes")).await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.text);
    let target = location(&logged);
    assert!(target.starts_with("/enquiries?logged="), "{target}");
    let token = app.token(Role::FrontDesk).await;
    let api = app.call(Method::GET, "/api/v1/enquiries", &token, None).await;
    let stored = &api.json.as_array().unwrap()[0];
    assert_eq!(stored["received_at"], "2026-11-20T15:00:00Z", "read in the clinic's zone");
    let due: jiff::Timestamp = stored["contact_due_by"].as_str().unwrap().parse().unwrap();
    let due_text = due.to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap()).strftime("%Y-%m-%d %H:%M").to_string();
    let queue = app.page_get(&target, &desk).await;
    assert!(queue.text.contains("Call logged") && queue.text.contains(&format!("Call Pat Caller back by {due_text}")), "{}", queue.text);
    assert!(queue.text.contains("2026-11-20 10:00 · Logged by staff"), "{}", queue.text);
}
