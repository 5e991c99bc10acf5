//! The safety-alert pages: the list (open, and all with acknowledgements), the prescriber's
//! acknowledgement form with its refusals, the home-page card and navigation count, escalation
//! shown as "Escalated", and nurses and admins who see alerts but may not acknowledge them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::TestApp;
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::json;

/// Registers a patient and has a nurse record a PHQ-9 with item 9 = 1 through the API; returns
/// the patient id and the id of the alert it raised.
async fn flagged_patient(app: &TestApp) -> (String, String) {
    let id = app.patient("Ivy", "Alert").await["id"].as_str().unwrap().to_owned();
    let nurse = app.token(Role::Nurse).await;
    let answers = json!({"instrument": "phq9", "answers": {"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 0, "8": 0, "9": 1}});
    let recorded = app.call(Method::POST, &format!("/api/v1/patients/{id}/assessments"), &nurse, Some(answers)).await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text);
    let prescriber = app.token(Role::Prescriber).await;
    let alerts = app.call(Method::GET, "/api/v1/alerts", &prescriber, None).await;
    let alert = alerts.json.as_array().unwrap().iter().find(|a| a["patient_id"] == id.as_str()).unwrap()["id"].as_str().unwrap().to_owned();
    (id, alert)
}

#[tokio::test]
async fn a_prescriber_sees_the_alert_and_acknowledges_it_with_an_action() {
    let app = TestApp::builder().settings(|s| s.timezone = jiff::tz::TimeZone::get("Europe/Berlin").unwrap()).manual_clock().build().await;
    let prescriber = app.login(Role::Prescriber).await;

    let home = app.page_get("/", &prescriber).await;
    assert!(home.text.contains("No open safety alerts"), "{}", home.text);
    let empty = app.page_get("/alerts", &prescriber).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text.contains("No open safety alerts") && empty.text.contains(r#"href="/alerts?status=all""#), "{}", empty.text);

    let raised = app.app.now().to_zoned(app.app.settings().timezone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let (patient, alert) = flagged_patient(&app).await;

    // The home card counts it and the navigation shows the count.
    let home = app.page_get("/", &prescriber).await;
    assert!(
        home.text.contains("1 open safety alert (0 escalated)") && home.text.contains(r#"class="home-alerts home-alerts--open" href="/alerts""#),
        "{}",
        home.text
    );
    assert!(home.text.contains(r#"<a href="/alerts">Alerts <span class="nav-count">1<span class="visually-hidden"> open</span></span></a>"#), "{}", home.text);
    assert!(!home.text.contains("Escalated"));

    // The list: kind in words, detail, clinic time, the chart link, the form.
    let list = app.page_get("/alerts", &prescriber).await;
    assert_eq!(list.status, StatusCode::OK);
    let t = &list.text;
    assert!(t.contains("Suicidal ideation reported") && t.contains("PHQ-9; total 9; flags suicidal ideation"), "{t}");
    assert!(t.contains(&format!("<dd>{raised}</dd>")), "raised time in the clinic's zone ({raised}): {t}");
    assert!(t.contains(&format!(r#"<a href="/patients/{patient}">Patient {}</a>"#, &patient[patient.len() - 8..])), "{t}");
    let url = format!("/alerts/{alert}/acknowledge");
    assert!(t.contains(&format!(r#"action="{url}""#)) && t.contains(r#"value="crisis_line_given""#) && t.contains(r#"name="note""#), "{t}");
    assert!(!t.contains("Escalated"), "not yet escalated");

    // "Other" needs a note; no action at all is refused too. Values are kept.
    let no_note = app.page_post(&url, &prescriber, &[("action", "other"), ("note", "  ")]).await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_note.text);
    assert!(
        no_note.text.contains("Note must say what was done when the action is other.") && no_note.text.contains(&format!(r##"href="#note-{alert}""##)),
        "{}",
        no_note.text
    );
    assert!(no_note.text.contains(&format!(r#"id="action-{alert}-other" name="action" value="other" checked"#)), "{}", no_note.text);
    let no_action = app.page_post(&url, &prescriber, &[("note", "called")]).await;
    assert_eq!(no_action.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_action.text.contains("Choose what was done.") && no_action.text.contains(">called</textarea>"), "{}", no_action.text);

    // A documented action: back to the list with a confirmation; the alert has left it.
    let done = app.page_post(&url, &prescriber, &[("action", "crisis_line_given"), ("note", "988 given; safe with partner tonight")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let back = done.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
    assert!(back.starts_with("/alerts?"), "{back}");
    let after = app.page_get(&back, &prescriber).await;
    assert!(after.text.contains("Alert acknowledged") && after.text.contains("No open safety alerts"), "{}", after.text);
    assert!(app.page_get("/", &prescriber).await.text.contains("No open safety alerts"));

    // Under "all": who, when, what and the note; no form.
    let all = app.page_get("/alerts?status=all", &prescriber).await;
    assert!(
        all.text.contains(&format!("Acknowledged by you at {raised}: <strong>Crisis line given</strong>. Note: 988 given; safe with partner tonight")),
        "{}",
        all.text
    );
    assert!(!all.text.contains(&format!(r#"action="{url}""#)));

    // A second acknowledgement (another tab) says who was first.
    let again = app.page_post(&url, &prescriber, &[("action", "safety_plan_reviewed")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.text.contains(&format!("Already acknowledged by you at {raised} (Crisis line given)")), "{}", again.text);

    let late_refusal = app.page_post(&url, &prescriber, &[("action", "other")]).await;
    assert_eq!(late_refusal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late_refusal.text.contains("This alert is no longer open; note must say what was done"), "{}", late_refusal.text);

    let missing = app.page_post("/alerts/01900000-0000-7000-8000-00000000a1e7/acknowledge", &prescriber, &[("action", "crisis_line_given")]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unacknowledged_alerts_escalate_and_only_prescribers_may_acknowledge() {
    let app = TestApp::builder().manual_clock().build().await;
    let (patient, alert) = flagged_patient(&app).await;
    let url = format!("/alerts/{alert}/acknowledge");

    // A nurse sees the alert with the chart link but no form, and may not post one.
    let nurse = app.login(Role::Nurse).await;
    let seen = app.page_get("/alerts", &nurse).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.text.contains("Suicidal ideation reported") && seen.text.contains(&format!(r#"href="/patients/{patient}""#)), "{}", seen.text);
    assert!(!seen.text.contains(&format!(r#"action="{url}""#)) && !seen.text.contains(r#"name="action""#), "no form for a nurse");
    let refused = app.page_post(&url, &nurse, &[("action", "crisis_line_given")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("may not acknowledge safety alerts"), "{}", refused.text);

    // After 16 minutes nobody has acknowledged it: red, and says "Escalated" in words.
    app.clock.as_ref().unwrap().advance(SignedDuration::from_mins(16));
    let prescriber = app.login(Role::Prescriber).await;
    let late = app.page_get("/alerts", &prescriber).await;
    assert!(
        late.text.contains(r#"class="alert-card alert-card--escalated""#) && late.text.contains(r#"<span class="badge badge--escalated">Escalated</span>"#),
        "{}",
        late.text
    );
    assert!(late.text.contains(&format!(r#"action="{url}""#)), "still open to acknowledge");
    let home = app.page_get("/", &prescriber).await;
    assert!(home.text.contains("1 open safety alert (1 escalated)") && home.text.contains("home-alerts--escalated"), "{}", home.text);
    assert!(home.text.contains(r#"<span class="nav-count nav-count--alarm">1<span class="visually-hidden"> open, 1 escalated</span></span>"#), "{}", home.text);

    // The admin sees escalated alerts too, without a chart link (admins do not open charts) and without a form.
    let admin = app.login(Role::Admin).await;
    let listed = app.page_get("/alerts", &admin).await;
    assert!(listed.text.contains("Escalated") && !listed.text.contains(&format!(r#"href="/patients/{patient}""#)), "{}", listed.text);
    assert!(!listed.text.contains(r#"name="action""#));
    assert_eq!(app.page_post(&url, &admin, &[("action", "crisis_line_given")]).await.status, StatusCode::FORBIDDEN);
    assert!(app.page_get("/", &admin).await.text.contains("1 open safety alert (1 escalated)"));

    // Front desk: no alerts card, no navigation entry, and the page is refused.
    let desk = app.login(Role::FrontDesk).await;
    let home = app.page_get("/", &desk).await;
    assert!(!home.text.contains("safety alert") && !home.text.contains(r#"href="/alerts""#), "{}", home.text);
    assert_eq!(app.page_get("/alerts", &desk).await.status, StatusCode::FORBIDDEN);
}
