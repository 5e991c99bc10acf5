//! The enquiry pages: the public call-back form (thank-you with the due time, per-field
//! errors with values kept, the honeypot, the rate limit, no staff navigation) and the staff
//! queue (overdue marking, logging an attempt, closing with a reason, refusals, roles).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use crate::common;

use axum::http::{StatusCode, header};
use common::{Auth, TestApp};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;

const GOOD: [(&str, &str); 6] = [
    ("name", "Robin Caller"),
    ("phone", "(212) 555-0142"),
    ("email", ""),
    ("best_time", "weekday mornings"),
    ("message", "I would like to know more about esketamine."),
    ("consent_to_contact", "yes"),
];

fn with(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut fields: Vec<(&str, &str)> = GOOD.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).copied().collect();
    fields.extend(changes.iter().filter(|(_, v)| !v.is_empty()).copied());
    fields
}

#[tokio::test]
async fn the_public_form_takes_an_enquiry_and_says_when_the_clinic_calls_back() {
    // Saturday 2026-11-21 15:00 UTC; Mon–Fri 09:00–17:00 UTC: the clock starts Monday 09:00.
    let app = TestApp::builder().manual_clock().build().await;
    let form = app.page_get("/enquire", &Auth::None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"<div class="hp" aria-hidden="true">"#) && form.text.contains(r#"name="website""#), "{}", form.text);
    assert!(form.text.contains(r#"name="consent_to_contact" type="checkbox""#));
    assert!(!form.text.contains("site-nav") && !form.text.contains("csrf_token"), "no staff navigation or token: {}", form.text);

    let thanks = app.page_post("/enquire", &Auth::None, &GOOD).await;
    assert_eq!(thanks.status, StatusCode::OK, "{}", thanks.text);
    assert!(thanks.text.contains("We will call you back by <strong class=\"enquire__due\">Tuesday 24 November at 09:00</strong>"), "{}", thanks.text);
    assert_eq!(app.count("enquiries").await, 1);
}

#[tokio::test]
async fn a_bad_phone_or_missing_consent_shows_the_form_again_and_stores_nothing() {
    let app = TestApp::new().await;
    let reply = app.page_post("/enquire", &Auth::None, &with(&[("phone", "12"), ("consent_to_contact", "")])).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert!(reply.text.contains("Phone number must have between 7 and 15 digits."), "{}", reply.text);
    assert!(reply.text.contains(r##"<a href="#phone">"##) && reply.text.contains(r#"aria-invalid="true""#));
    assert!(reply.text.contains("Please tick the box to agree that the clinic may contact you."), "{}", reply.text);
    assert!(reply.text.contains(r#"value="Robin Caller""#) && reply.text.contains(r#"value="12""#), "values are kept");
    assert!(reply.text.contains("weekday mornings") && reply.text.contains("more about esketamine"));
    assert_eq!(app.count("enquiries").await, 0);
}

#[tokio::test]
async fn the_honeypot_looks_like_success_but_stores_nothing() {
    let app = TestApp::new().await;
    let audit = app.count("audit_events").await;
    let reply = app.page_post("/enquire", &Auth::None, &with(&[("website", "http://spam.example")])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text.contains("We will call you back by"), "{}", reply.text);
    assert_eq!(app.count("enquiries").await, 0);
    assert_eq!(app.count("audit_events").await, audit);
}

#[tokio::test]
async fn too_many_attempts_get_a_friendly_429() {
    let app = TestApp::builder().settings(|s| s.enquiries_per_minute_per_ip = 1).build().await;
    assert_eq!(app.page_post("/enquire", &Auth::None, &GOOD).await.status, StatusCode::OK);
    let reply = app.page_post("/enquire", &Auth::None, &GOOD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.headers.contains_key(header::RETRY_AFTER));
    assert!(reply.text.contains("Too many attempts") && reply.text.contains("phone the clinic"), "{}", reply.text);
    assert_eq!(app.count("enquiries").await, 1);
}

#[tokio::test]
async fn signed_in_staff_can_use_the_public_form_without_staff_navigation() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let form = app.page_get("/enquire", &desk).await;
    assert!(form.text.contains(r#"name="csrf_token""#) && !form.text.contains("site-nav"), "{}", form.text);
    let reply = app.page_post("/enquire", &desk, &GOOD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(app.count("enquiries").await, 1);
}

#[tokio::test]
async fn the_front_desk_works_the_queue() {
    let app = TestApp::builder().manual_clock().build().await;
    let desk = app.login(Role::FrontDesk).await;
    assert_eq!(app.page_post("/enquire", &Auth::None, &GOOD).await.status, StatusCode::OK);

    let queue = app.page_get("/enquiries", &desk).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.text.contains(r#"<a href="/enquiries" aria-current="page">Enquiries</a>"#), "{}", queue.text);
    assert!(queue.text.contains("Robin Caller") && queue.text.contains("+12125550142") && queue.text.contains("2026-11-24 09:00"), "{}", queue.text);
    assert!(queue.text.contains("No contact attempts yet.") && !queue.text.contains("Overdue"));
    let id = queue.text.split("id=\"enquiry-").nth(1).unwrap().split('"').next().unwrap().to_owned();

    // Past the due time it is marked overdue, in words and colour.
    // (Signed in again: four idle days end the session.)
    app.clock.as_ref().unwrap().advance(SignedDuration::from_hours(24 * 4));
    let desk = app.login(Role::FrontDesk).await;
    let queue = app.page_get("/enquiries", &desk).await;
    assert!(queue.text.contains(r#"<span class="badge badge--overdue">Overdue</span>"#) && queue.text.contains("enquiry-card--overdue"), "{}", queue.text);

    let logged = app
        .page_post(&format!("/enquiries/{id}/attempts"), &desk, &[("channel", "phone"), ("outcome", "left_voicemail"), ("note", "asked to call back")])
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.text);
    assert_eq!(logged.headers.get(header::LOCATION).unwrap(), "/enquiries?done=attempt");
    let queue = app.page_get("/enquiries?done=attempt", &desk).await;
    assert!(queue.text.contains("Contact attempt logged") && queue.text.contains("1 contact attempt<"), "{}", queue.text);
    assert!(queue.text.contains("Phone · Left voicemail — asked to call back") && queue.text.contains(">Attempted</span>"), "{}", queue.text);

    // An attempt without an outcome, and closing without a reason, are shown next to the form.
    let bad = app.page_post(&format!("/enquiries/{id}/attempts"), &desk, &[("channel", "phone")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains(&format!(r##"<a href="#outcome-{id}">Outcome must be one of"##)), "{}", bad.text);
    let bad = app.page_post(&format!("/enquiries/{id}/status"), &desk, &[("status", "closed")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Reason must say why the enquiry is closed."), "{}", bad.text);

    let closed = app.page_post(&format!("/enquiries/{id}/status"), &desk, &[("status", "closed"), ("reason", "not interested")]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
    assert_eq!(closed.headers.get(header::LOCATION).unwrap(), "/enquiries?done=closed");
    let queue = app.page_get("/enquiries?done=closed", &desk).await;
    assert!(queue.text.contains("The enquiry is now “closed”.") && queue.text.contains("No enquiries here"), "{}", queue.text);
    let closed_list = app.page_get("/enquiries?status=closed", &desk).await;
    assert!(closed_list.text.contains("Robin Caller") && closed_list.text.contains("not interested"), "{}", closed_list.text);
    assert!(!closed_list.text.contains(&format!("/enquiries/{id}/attempts")), "no forms on a closed enquiry");

    // Logging on a closed enquiry is a conflict, shown on the queue.
    let late = app.page_post(&format!("/enquiries/{id}/attempts"), &desk, &[("channel", "phone"), ("outcome", "reached")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.text.contains("Nothing was changed"), "{}", late.text);
}

#[tokio::test]
async fn a_therapist_may_not_open_the_queue() {
    let app = TestApp::new().await;
    let therapist = app.login(Role::Therapist).await;
    let home = app.page_get("/", &therapist).await;
    assert!(!home.text.contains(r#"href="/enquiries""#), "no Enquiries link: {}", home.text);
    let reply = app.page_get("/enquiries", &therapist).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text.contains("may not work the enquiry queue"), "{}", reply.text);
    let reply = app.page_post("/enquiries/01900000-0000-7000-8000-00000000a1e7/status", &therapist, &[("status", "closed"), ("reason", "x")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}
