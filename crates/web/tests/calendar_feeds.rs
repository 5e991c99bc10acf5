//! Calendar feeds over HTTP (issue 8 item 7): the front desk makes feeds for a nurse, a chair
//! and a patient; the public `.ics` URL answers RFC 5545 text with CRLF lines, one event per
//! appointment with a UID stable across a move (whose SEQUENCE grows), cancellations as
//! `STATUS:CANCELLED`, and no patient name in staff and chair feeds; revoking answers 404.
//! The manual clock stands at Saturday 2026-11-21; Monday 2026-11-23 is the booked day.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, TestApp};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn slot(from: &str, to: &str) -> Value {
    json!({"start": format!("2026-11-23T{from}:00Z"), "end": format!("2026-11-23T{to}:00Z")})
}

async fn user_id(app: &TestApp, admin: &Auth, role: Role) -> String {
    app.token(role).await;
    let users = app.call(Method::GET, "/api/v1/users", admin, None).await;
    let email = common::email(role);
    users.json.as_array().unwrap().iter().find(|u| u["email"] == email.as_str()).unwrap()["id"].as_str().unwrap().to_owned()
}

/// The path of a feed's URL (the test router is called without the host).
fn path(url: &str) -> String {
    format!("/calendar/{}", url.rsplit_once("/calendar/").unwrap().1)
}

fn sequence_of(ics: &str, uid: &str) -> u32 {
    let event = ics.split("BEGIN:VEVENT").find(|e| e.contains(uid)).unwrap();
    event.lines().find_map(|l| l.strip_prefix("SEQUENCE:")).unwrap().trim().parse().unwrap()
}

#[tokio::test]
async fn feeds_show_appointments_without_patient_names_and_revoke() {
    let app = TestApp::builder().manual_clock().build().await;
    let admin = app.token(Role::Admin).await;
    let chair =
        app.call(Method::POST, "/api/v1/schedule/spaces", &admin, Some(json!({"name": "Chair 1", "kind": "chair", "active": true, "reason": "opening"}))).await;
    assert_eq!(chair.status, StatusCode::CREATED, "{}", chair.text);
    let chair = chair.json["id"].as_str().unwrap().to_owned();
    let nurse = user_id(&app, &admin, Role::Nurse).await;
    let week: Vec<Value> =
        ["monday", "tuesday", "wednesday", "thursday", "friday"].iter().map(|d| json!({"day": d, "open": "09:00", "close": "17:00"})).collect();
    let r =
        app.call(Method::PUT, &format!("/api/v1/schedule/staff/{nurse}"), &admin, Some(json!({"days": week, "presence": "on_site", "reason": "rota"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let desk = app.token(Role::FrontDesk).await;
    let patient = app.patient("Zelda", "Quixotic").await["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (from, to) in [("09:00", "11:00"), ("12:00", "14:00")] {
        let body = json!({"patient_id": patient, "kind": "iv_ketamine_session", "slot": slot(from, to), "space_id": chair, "nurse": nurse});
        let r = app.call(Method::POST, "/api/v1/appointments", &desk, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.json["appointment"]["id"].as_str().unwrap().to_owned());
    }

    let mut urls = Vec::new();
    for (kind, target) in [("staff", &nurse), ("space", &chair), ("patient", &patient)] {
        let r = app.call(Method::POST, "/api/v1/calendar-feeds", &desk, Some(json!({"kind": kind, "target_id": target}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json["kind"], kind);
        urls.push((r.json["id"].as_str().unwrap().to_owned(), r.json["url"].as_str().unwrap().to_owned()));
    }
    let listed = app.call(Method::GET, "/api/v1/calendar-feeds", &desk, None).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(3));
    assert!(!listed.text.contains(".ics"), "the secret is shown once");

    let fetch = |url: String| {
        let app = &app;
        async move { app.call(Method::GET, &path(&url), &Auth::None, None).await }
    };
    for (_, url) in &urls {
        let r = fetch(url.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.headers[header::CONTENT_TYPE], "text/calendar; charset=utf-8");
        assert!(r.text.starts_with("BEGIN:VCALENDAR\r\n") && r.text.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(r.text.matches('\n').count(), r.text.matches("\r\n").count(), "CRLF only");
        assert_eq!(r.text.matches("BEGIN:VEVENT").count(), 2);
        for id in &ids {
            assert!(r.text.contains(&format!("UID:{id}@ketaclinic\r\n")));
        }
        assert!(r.text.contains("DTSTART:20261123T090000Z") && r.text.contains("LOCATION:Chair 1"));
        assert!(!r.text.contains("Zelda") && !r.text.contains("Quixotic"), "no patient name in any feed");
    }
    let staff_feed = fetch(urls[0].1.clone()).await.text;
    assert!(staff_feed.contains("SUMMARY:IV ketamine session\r\n"));
    assert!(fetch(urls[2].1.clone()).await.text.contains("SUMMARY:Clinic appointment: IV ketamine session\r\n"));
    assert_eq!(sequence_of(&staff_feed, &ids[0]), 0);

    // A move keeps the UID and bumps SEQUENCE; a cancellation stays in the feed as cancelled.
    app.clock.as_ref().unwrap().advance(SignedDuration::from_mins(5));
    let moved = app.call(Method::POST, &format!("/api/v1/appointments/{}/move", ids[0]), &desk, Some(json!({"slot": slot("14:00", "16:00")}))).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let cancelled = app.call(Method::POST, &format!("/api/v1/appointments/{}/cancel", ids[1]), &desk, Some(json!({"reason": "unwell"}))).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    let after = fetch(urls[1].1.clone()).await.text;
    assert!(after.contains(&format!("UID:{}@ketaclinic\r\n", ids[0])) && after.contains("DTSTART:20261123T140000Z"));
    assert!(sequence_of(&after, &ids[0]) > 0, "moved events are newer");
    let cancelled_event = after.split("BEGIN:VEVENT").find(|e| e.contains(&ids[1])).unwrap();
    assert!(cancelled_event.contains("STATUS:CANCELLED\r\n"));

    let r = app.call(Method::POST, &format!("/api/v1/calendar-feeds/{}/revoke", urls[1].0), &desk, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(fetch(urls[1].1.clone()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call(Method::GET, "/calendar/not-a-secret.ics", &Auth::None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call(Method::POST, &format!("/api/v1/calendar-feeds/{}/revoke", urls[1].0), &desk, None).await.status, StatusCode::CONFLICT);
    assert_eq!(fetch(urls[0].1.clone()).await.status, StatusCode::OK, "other feeds keep working");
}

#[tokio::test]
async fn feeds_refuse_unknown_targets_and_kinds() {
    let app = TestApp::new().await;
    let desk = app.token(Role::FrontDesk).await;
    let ghost = "01900000-0000-7000-8000-00000000a1e7";
    for kind in ["staff", "space", "patient"] {
        let r = app.call(Method::POST, "/api/v1/calendar-feeds", &desk, Some(json!({"kind": kind, "target_id": ghost}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
    let r = app.call(Method::POST, "/api/v1/calendar-feeds", &desk, Some(json!({"kind": "room", "target_id": ghost}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
