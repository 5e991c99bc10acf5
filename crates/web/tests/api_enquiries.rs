//! Enquiries over HTTP: the public form (due time from the clinic calendar, validation,
//! honeypot, rate limit), staff-logged calls, the queue, contact attempts, status changes and
//! role refusals.
//!
//! The manual clock starts at 2026-11-21T15:00:00Z, a Saturday (10:00 in New York).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, TestApp};
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use ketaclinic_domain::calendar::BusinessCalendar;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

async fn new_york(limit: u32) -> TestApp {
    TestApp::builder()
        .manual_clock()
        .settings(|s| {
            s.calendar = BusinessCalendar::weekdays_nine_to_five(TimeZone::get("America/New_York").unwrap());
            s.enquiries_per_minute_per_ip = limit;
        })
        .build()
        .await
}

fn form(name: &str) -> Value {
    json!({"name": name, "phone": "(212) 555-0143", "email": "Ada@Example.org", "message": "Is esketamine covered?", "best_time": "evenings", "consent_to_contact": true})
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<Value> {
    let auditor = app.token(Role::Auditor).await;
    let reply = app.call(Method::GET, &format!("/api/v1/audit-events?limit=100&action={action}"), &auditor, None).await;
    reply.json["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_public_enquiry_is_due_one_business_day_after_the_next_opening() {
    let app = new_york(20).await;
    let reply = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(form("Ada Caller"))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["received_at"], "2026-11-21T15:00:00Z");
    // Saturday: the clock starts Monday 09:00 EST, so it is due Tuesday 09:00 EST (14:00Z).
    assert_eq!(reply.json["contact_due_by"], "2026-11-24T14:00:00Z");
    let events = audit_of(&app, "enquiry.create").await;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0]["actor_label"].as_str(), events[0]["actor_id"].as_str()), (Some("anonymous"), None));
    assert_eq!((events[0]["resource_type"].as_str(), events[0]["resource_id"].as_str()), (Some("Enquiry"), reply.json["id"].as_str()));
    assert_eq!(events[0]["client_addr"], "127.0.0.1");

    let desk = app.token(Role::FrontDesk).await;
    let queue = app.call(Method::GET, "/api/v1/enquiries", &desk, None).await;
    let e = &queue.json[0];
    assert_eq!((e["phone"].as_str(), e["email"].as_str(), e["source"].as_str()), (Some("+12125550143"), Some("ada@example.org"), Some("web_form")));
    assert_eq!((e["status"].as_str(), e["overdue"].as_bool()), (Some("new"), Some(false)));
}

#[tokio::test]
async fn bad_input_names_every_field_and_writes_nothing() {
    let app = new_york(0).await;
    let mut bad = form("Bo Bad");
    bad["phone"] = json!("555-0143");
    let reply = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(bad)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["errors"][0]["field"], "phone", "{}", reply.text);

    let all_wrong = json!({"name": " ", "phone": "+1 112 555 0143", "email": "nope", "consent_to_contact": false, "received_at": "2026-11-20T12:00:00Z"});
    let reply = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(all_wrong)).await;
    let fields: Vec<_> = reply.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["name", "phone", "email", "consent_to_contact", "received_at"], "received_at is staff-only");
    let missing = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(json!({"name": "No Phone", "consent_to_contact": true}))).await;
    assert_eq!((missing.status, missing.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("phone")));
    assert_eq!(app.count("enquiries").await, 0);
    assert!(audit_of(&app, "enquiry.create").await.is_empty());
}

#[tokio::test]
async fn a_filled_honeypot_looks_accepted_but_stores_nothing() {
    let app = new_york(0).await;
    let before = app.count("audit_events").await;
    let mut bot = form("Spam Bot");
    bot["website"] = json!("https://spam.example");
    bot["phone"] = json!("not a phone");
    let reply = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(bot)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "same answer as a real submission: {}", reply.text);
    assert!(reply.json["id"].is_string() && reply.json["contact_due_by"].is_string());
    assert_eq!(app.count("enquiries").await, 0);
    assert_eq!(app.count("audit_events").await, before, "no audit row either");
}

#[tokio::test]
async fn the_public_form_is_rate_limited_per_address() {
    let app = new_york(3).await;
    for n in 0..3 {
        let ok = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(form(&format!("Caller {n}")))).await;
        assert_eq!(ok.status, StatusCode::CREATED);
    }
    let limited = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(form("Caller 4"))).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers.get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    assert!(limited.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(app.count("enquiries").await, 3);
    let desk = app.token(Role::FrontDesk).await;
    let staff = app.call(Method::POST, "/api/v1/enquiries", &desk, Some(form("Phoned In"))).await;
    assert_eq!(staff.status, StatusCode::CREATED, "staff logging calls are not limited");
}

#[tokio::test]
async fn the_queue_attempts_and_status_changes() {
    let app = new_york(0).await;
    let desk = app.token(Role::FrontDesk).await;
    // Logged by staff from Thursday evening's voicemail: clock starts Friday 09:00, due Monday.
    let mut voicemail = form("Vic Voicemail");
    voicemail["received_at"] = json!("2026-11-20T01:00:00Z");
    let vm = app.call(Method::POST, "/api/v1/enquiries", &desk, Some(voicemail)).await;
    assert_eq!(vm.status, StatusCode::CREATED, "{}", vm.text);
    assert_eq!(vm.json["contact_due_by"], "2026-11-23T14:00:00Z");
    let web = app.call(Method::POST, "/api/v1/enquiries", &Auth::None, Some(form("Wes Web"))).await;
    let mut future = form("Fay Future");
    future["received_at"] = json!("2026-11-22T00:00:00Z");
    assert_eq!(app.call(Method::POST, "/api/v1/enquiries", &desk, Some(future)).await.json["errors"][0]["field"], "received_at");

    let queue = app.call(Method::GET, "/api/v1/enquiries", &desk, None).await;
    let ids: Vec<_> = queue.json.as_array().unwrap().iter().map(|e| e["id"].clone()).collect();
    assert_eq!(ids, [vm.json["id"].clone(), web.json["id"].clone()], "earliest due first");
    assert_eq!(queue.json[0]["source"], "staff");
    assert!(queue.json[0]["recorded_by"].is_string());

    // Tuesday 10:00 EST: the voicemail (due Monday) and the web form (due Tuesday 09:00) are late.
    app.clock.as_ref().unwrap().advance(SignedDuration::from_hours(72));
    let late = app.call(Method::GET, "/api/v1/enquiries", &desk, None).await;
    assert_eq!(late.json.as_array().unwrap().iter().map(|e| e["overdue"].as_bool().unwrap()).collect::<Vec<_>>(), [true, true]);

    let id = vm.json["id"].as_str().unwrap();
    let attempts = format!("/api/v1/enquiries/{id}/attempts");
    let status = format!("/api/v1/enquiries/{id}/status");
    let nurse = app.token(Role::Nurse).await;
    let first = app.call(Method::POST, &attempts, &nurse, Some(json!({"channel": "phone", "outcome": "no_answer", "note": "rang out"}))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!((first.json["status"].as_str(), first.json["overdue"].as_bool()), (Some("attempted"), Some(true)));
    let bad = app.call(Method::POST, &attempts, &nurse, Some(json!({"channel": "pigeon", "outcome": "no_answer"}))).await;
    assert_eq!(bad.json["errors"][0]["field"], "channel");
    let reached = app.call(Method::POST, &attempts, &desk, Some(json!({"channel": "phone", "outcome": "reached"}))).await;
    assert_eq!((reached.json["status"].as_str(), reached.json["overdue"].as_bool()), (Some("reached"), Some(false)), "reached: no longer overdue");
    assert_eq!(reached.json["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect::<Vec<_>>(), ["no_answer", "reached"]);

    let booked = app.call(Method::POST, &status, &desk, Some(json!({"status": "consult_booked"}))).await;
    assert_eq!((booked.status, booked.json["status"].as_str()), (StatusCode::OK, Some("consult_booked")));
    let backwards = app.call(Method::POST, &status, &desk, Some(json!({"status": "attempted"}))).await;
    assert_eq!(backwards.status, StatusCode::CONFLICT, "illegal transition: 409 ({})", backwards.text);
    let convert = app.call(Method::POST, &status, &desk, Some(json!({"status": "converted"}))).await;
    assert_eq!((convert.status, convert.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    let no_reason = app.call(Method::POST, &status, &desk, Some(json!({"status": "closed"}))).await;
    assert_eq!(no_reason.json["errors"][0]["field"], "reason");
    let closed = app.call(Method::POST, &status, &desk, Some(json!({"status": "closed", "reason": "chose another clinic"}))).await;
    assert_eq!((closed.json["status"].as_str(), closed.json["closed_reason"].as_str()), (Some("closed"), Some("chose another clinic")));
    let after_close = app.call(Method::POST, &attempts, &desk, Some(json!({"channel": "sms", "outcome": "message_sent"}))).await;
    assert_eq!(after_close.status, StatusCode::CONFLICT);
    let ghost = app.call(Method::POST, "/api/v1/enquiries/01900000-0000-7000-8000-000000000000/status", &desk, Some(json!({"status": "reached"}))).await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);

    let open = app.call(Method::GET, "/api/v1/enquiries", &desk, None).await;
    assert_eq!(open.json.as_array().unwrap().len(), 1, "closed enquiries leave the queue");
    let closed_list = app.call(Method::GET, "/api/v1/enquiries?status=closed", &desk, None).await;
    assert_eq!(closed_list.json[0]["id"], id);
    assert_eq!(app.call(Method::GET, "/api/v1/enquiries?status=gone", &desk, None).await.json["errors"][0]["field"], "status");

    assert_eq!(audit_of(&app, "enquiry.attempt").await.len(), 2, "refused attempts are not logged as attempts");
    assert_eq!(audit_of(&app, "enquiry.status").await.len(), 2);
    assert_eq!(audit_of(&app, "enquiry.list").await.len(), 4, "four queue reads; the refused ?status=gone is not one");
    assert_eq!(audit_of(&app, "enquiry.create").await.len(), 2);
}

#[tokio::test]
async fn roles_without_enquiry_manage_are_refused() {
    let app = new_york(0).await;
    for role in [Role::Therapist, Role::Auditor] {
        let auth = app.token(role).await;
        let before = app.count("audit_events").await;
        let reply = app.call(Method::POST, "/api/v1/enquiries", &auth, Some(form("Staff Only"))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role} signed in may not log enquiries");
        assert_eq!(app.count("audit_events").await, before + 1, "only the denial is written");
        assert_eq!(app.call(Method::GET, "/api/v1/enquiries", &auth, None).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("enquiries").await, 0);
    let Auth::Session { cookie, .. } = app.login(Role::FrontDesk).await else { panic!("session") };
    let no_csrf = app.call(Method::POST, "/api/v1/enquiries", &Auth::CookieOnly(cookie), Some(form("No Token"))).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "a browser session still needs its CSRF token");
    let admin = app.token(Role::Admin).await;
    assert_eq!(app.call(Method::POST, "/api/v1/enquiries", &admin, Some(form("Admin Logged"))).await.status, StatusCode::CREATED);
}
