//! Billing over HTTP (issue 8 items 8–9): the fee schedule's versions, charges captured from
//! sessions driven to discharge through the session API (infusions of 15, 16, 90, 91, 120 and
//! 151 minutes; esketamine 56 and 84 mg, with KX for Medicare), invoices, payments, refunds and
//! balances, course estimates, the roles allowed, and bad input refused with nothing written.
//! The manual clock starts at 2026-11-21T15:00:00Z; sessions are documented earlier that day.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

/// Every code a session or estimate here needs, priced.
fn full_schedule() -> Value {
    json!([
        {"code": "96365", "description": "IV infusion, first hour", "price_cents": 45_000},
        {"code": "96366", "description": "IV infusion, each additional hour", "price_cents": 12_500},
        {"code": "96374", "description": "IV push", "price_cents": 9_000},
        {"code": "J3490", "description": "Ketamine HCl", "price_cents": 2_550},
        {"code": "G2082", "description": "Esketamine up to 56 mg", "price_cents": 60_000},
        {"code": "G2083", "description": "Esketamine over 56 mg", "price_cents": 85_000},
    ])
}

async fn set_fees(app: &TestApp, entries: Value, reason: &str) -> common::Reply {
    let admin = app.token(Role::Admin).await;
    app.call(Method::PUT, "/api/v1/billing/fee-schedule", &admin, Some(json!({"entries": entries, "reason": reason}))).await
}

/// A patient ready for `modality` (consent, REMS for esketamine) with `dx` on the chart.
async fn patient(app: &TestApp, given: &str, modality: &str, dx: &[&str]) -> String {
    let pid = app.patient(given, "Billing").await["id"].as_str().unwrap().to_owned();
    let (admin, nurse, prescriber) = (app.token(Role::Admin).await, app.token(Role::Nurse).await, app.token(Role::Prescriber).await);
    let template = json!({"modality": modality, "title": "Treatment consent", "text": "Risks, benefits and alternatives were explained."});
    let t = app.call(Method::POST, "/api/v1/consent-templates", &admin, Some(template)).await;
    let sign = json!({"template_id": t.json["id"], "template_version": 1, "typed_name": format!("{given} Billing"), "signature_path": "M10 10 L20 20"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign)).await.status, StatusCode::CREATED);
    if modality == "esketamine_nasal" {
        let enrol = json!({"enrolled_on": "2026-11-01", "patient_signed": true, "prescriber_signed": true});
        assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/rems-enrollment"), &prescriber, Some(enrol)).await.status, StatusCode::CREATED);
    }
    for (i, code) in dx.iter().enumerate() {
        let body = json!({"icd10cm": code, "display": format!("Diagnosis {code}"), "primary": i == 0});
        let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/diagnosis"), &nurse, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    pid
}

/// `09:MM` on the test day, minutes past 09:00 (may run past the hour).
fn at(minutes: i64) -> String {
    let t = jiff::Timestamp::from_second(1_795_251_600 + minutes * 60).unwrap();
    t.to_string()
}

/// Drives a session for `pid` through the session API: check-in, pre-checks, `dosing` (events
/// timed by minutes past 09:00), observation, discharge. Returns the session id.
async fn discharged(app: &TestApp, pid: &str, modality: &str, dosing: &[(&str, i64)]) -> String {
    let (nurse, prescriber) = (app.token(Role::Nurse).await, app.token(Role::Prescriber).await);
    let r = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": modality}))).await;
    let id = r.json["id"].as_str().unwrap().to_owned();
    let event = |body: Value| {
        let (app, nurse, id) = (app, &nurse, &id);
        async move {
            let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/events"), nurse, Some(body.clone())).await;
            assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.text);
        }
    };
    let vitals = |minute: i64| json!({"readings": [{"at": at(minute), "systolic": 128, "diastolic": 82, "heart_rate": 76, "spo2": 98, "resp_rate": 14}]});
    event(json!({"type": "checked_in", "at": at(0)})).await;
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(vitals(2))).await.status, StatusCode::OK);
    let checks = json!({
        "identity_confirmed": true, "fasting_confirmed": true, "medications_reviewed": true, "pregnancy": "not_pregnant",
        "escort": {"name": "Rae Leave", "phone": "+12125550143"}, "at": at(5),
        "overrides": [{"check": "eligibility_current", "reason": "approved at the consult; the evaluation is on paper"}]
    });
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{id}/prechecks"), &prescriber, Some(checks)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for (kind, minute) in dosing {
        let mut body = json!({"type": kind, "at": at(*minute)});
        match *kind {
            "administration_started" => body["dose_mg"] = json!(40),
            "device_administered" => body["dose_mg"] = json!(28),
            _ => {}
        }
        event(body).await;
    }
    let end = dosing.last().map_or(10, |(_, m)| *m);
    event(json!({"type": "dissociation_resolved", "at": at(end + 5)})).await;
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{id}/vitals"), &nurse, Some(vitals(end + 3))).await.status, StatusCode::OK);
    let moaas = json!({"instrument": "moaas", "answers": {"level": 5}, "session_id": id, "administered_at": at(end + 4)});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(moaas)).await.status, StatusCode::CREATED);
    let done = app.call(Method::POST, &format!("/api/v1/sessions/{id}/discharge"), &nurse, Some(json!({}))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    id
}

/// Captured lines as `CODE-MOD×UNITS` words.
fn codes(charges: &Value) -> String {
    let word = |c: &Value| {
        let mods: String = c["modifiers"].as_array().unwrap().iter().map(|m| format!("-{}", m.as_str().unwrap())).collect();
        format!("{}{mods}×{}", c["code"].as_str().unwrap(), c["units"])
    };
    charges.as_array().unwrap().iter().map(word).collect::<Vec<_>>().join(" ")
}

async fn capture(app: &TestApp, who: &Auth, session: &str) -> common::Reply {
    app.call(Method::POST, &format!("/api/v1/billing/sessions/{session}/charges"), who, None).await
}

#[tokio::test]
async fn the_fee_schedule_is_versioned_and_only_the_admin_changes_it() {
    let app = TestApp::builder().manual_clock().build().await;
    let (desk, nurse, auditor) = (app.token(Role::FrontDesk).await, app.token(Role::Nurse).await, app.token(Role::Auditor).await);
    let empty = app.call(Method::GET, "/api/v1/billing/fee-schedule", &desk, None).await;
    assert_eq!((empty.status, empty.json["version"].as_u64(), empty.json["entries"].as_array().map(Vec::len)), (StatusCode::OK, Some(0), Some(0)));
    let refused = app.call(Method::PUT, "/api/v1/billing/fee-schedule", &desk, Some(json!({"entries": full_schedule(), "reason": "prices"}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "the front desk takes money, it does not set prices");
    let v1 = set_fees(&app, full_schedule(), "opening prices").await;
    assert_eq!((v1.status, v1.json["version"].as_u64()), (StatusCode::CREATED, Some(1)), "{}", v1.text);

    let admin = app.token(Role::Admin).await;
    let put = |entries: Value, reason: &str| {
        let body = json!({"entries": entries, "reason": reason});
        let (app, admin) = (&app, &admin);
        async move { app.call(Method::PUT, "/api/v1/billing/fee-schedule", admin, Some(body)).await }
    };
    let audit_before = app.count("audit_events").await;
    for (entries, reason, field) in [
        (json!([{"code": "9636", "description": "x", "price_cents": 1}]), "typo", "entries[0].code"),
        (json!([{"code": "96365", "description": "x", "price_cents": -1}]), "negative", "entries[0].price_cents"),
        (json!([{"code": "96365", "description": " ", "price_cents": 1}]), "blank", "entries[0].description"),
        (full_schedule(), " ", "reason"),
    ] {
        let r = put(entries, reason).await;
        assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let twice = put(json!([{"code": "96365", "description": "a", "price_cents": 1}, {"code": "96365", "description": "b", "price_cents": 2}]), "dup").await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY, "a code priced twice: {}", twice.text);
    assert_eq!(app.count("audit_events").await, audit_before, "refused changes write nothing");

    let mut corrected = full_schedule();
    corrected[0]["price_cents"] = json!(47_500);
    assert_eq!(set_fees(&app, corrected, "correction: first hour").await.json["version"], 2);
    let versions = app.call(Method::GET, "/api/v1/billing/fee-schedule/versions", &auditor, None).await;
    let prices: Vec<&Value> = versions.json.as_array().unwrap().iter().map(|v| &v["entries"][0]["price_cents"]).collect();
    assert_eq!(prices, [&json!(45_000), &json!(47_500)], "a correction is a new version; the old one is kept");
    assert_eq!(versions.json[1]["reason"], "correction: first hour");
    assert_eq!(app.call(Method::GET, "/api/v1/billing/fee-schedule", &nurse, None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn infusions_are_coded_from_their_recorded_running_time() {
    let app = TestApp::builder().manual_clock().build().await;
    set_fees(&app, full_schedule(), "opening prices").await;
    let desk = app.token(Role::FrontDesk).await;
    for (minutes, expected) in [
        (15, "96374×1 J3490×1"),
        (16, "96365×1 J3490×1"),
        (90, "96365×1 J3490×1"),
        (91, "96365×1 96366×1 J3490×1"),
        (120, "96365×1 96366×1 J3490×1"),
        (151, "96365×1 96366×2 J3490×1"),
    ] {
        let pid = patient(&app, &format!("Ivy{minutes}"), "iv_ketamine", &["F33.2", "F41.1"]).await;
        let session = discharged(&app, &pid, "iv_ketamine", &[("administration_started", 10), ("administration_stopped", 10 + minutes)]).await;
        let r = capture(&app, &desk, &session).await;
        assert_eq!((r.status, codes(&r.json)), (StatusCode::CREATED, expected.to_owned()), "{minutes} min: {}", r.text);
        assert_eq!(r.json[0]["diagnoses"], json!(["F33.2", "F41.1"]), "linked to the chart's diagnoses, primary first");
    }
    // A pause is not running time: 10 + 40 minutes with 30 paused between is a 50-minute infusion.
    let pid = patient(&app, "Pia", "iv_ketamine", &["F33.1"]).await;
    let dosing = [("administration_started", 10), ("administration_paused", 20), ("administration_resumed", 50), ("administration_stopped", 90)];
    let session = discharged(&app, &pid, "iv_ketamine", &dosing).await;
    let first = capture(&app, &desk, &session).await;
    assert_eq!(codes(&first.json), "96365×1 J3490×1");
    assert_eq!((first.json[0]["unit_price_cents"].as_i64(), first.json[0]["amount_cents"].as_i64()), (Some(45_000), Some(45_000)));
    // Capturing again returns the stored charges, priced as captured, even after a price change.
    let mut dearer = full_schedule();
    dearer[0]["price_cents"] = json!(99_900);
    set_fees(&app, dearer, "new prices").await;
    let again = capture(&app, &desk, &session).await;
    assert_eq!((again.status, &again.json), (StatusCode::OK, &first.json), "idempotent");
    let read = app.call(Method::GET, &format!("/api/v1/billing/sessions/{session}/charges"), &app.token(Role::Auditor).await, None).await;
    assert_eq!(read.json, first.json);
}

#[tokio::test]
async fn capture_needs_a_discharged_session_a_diagnosis_and_prices() {
    let app = TestApp::builder().manual_clock().build().await;
    let (desk, nurse) = (app.token(Role::FrontDesk).await, app.token(Role::Nurse).await);
    let pid = patient(&app, "Nod", "iv_ketamine", &[]).await;
    let session = discharged(&app, &pid, "iv_ketamine", &[("administration_started", 10), ("administration_stopped", 50)]).await;
    let no_fees = capture(&app, &desk, &session).await;
    assert_eq!(no_fees.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_fees.text);
    set_fees(&app, json!([{"code": "96365", "description": "IV infusion", "price_cents": 45_000}]), "partial").await;
    let before = app.count("audit_events").await;
    let no_dx = capture(&app, &desk, &session).await;
    assert_eq!((no_dx.status, no_dx.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("diagnoses")), "{}", no_dx.text);
    assert!(no_dx.json["errors"][0]["message"].as_str().unwrap().contains("diagnosis"));
    assert_eq!(app.count("audit_events").await, before, "nothing written");
    let dx = json!({"icd10cm": "F33.2", "primary": true});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/diagnosis"), &nurse, Some(dx)).await.status, StatusCode::CREATED);
    let unpriced = capture(&app, &desk, &session).await;
    assert_eq!(unpriced.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unpriced.json["errors"][0]["message"].as_str().unwrap().contains("J3490"), "names the missing code: {}", unpriced.text);
    assert_eq!(capture(&app, &nurse, &session).await.status, StatusCode::FORBIDDEN, "nurses do not bill");
    let open = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
    assert_eq!(capture(&app, &desk, open.json["id"].as_str().unwrap()).await.status, StatusCode::CONFLICT, "not discharged yet");
    assert_eq!(capture(&app, &desk, "01900000-0000-7000-8000-00000000a1e7").await.status, StatusCode::NOT_FOUND);
    let read = app.call(Method::GET, &format!("/api/v1/billing/sessions/{session}/charges"), &desk, None).await;
    assert_eq!(read.json, json!([]), "no charge was stored");
}

#[tokio::test]
async fn esketamine_doses_give_g2082_or_g2083_with_kx_for_medicare() {
    let app = TestApp::builder().manual_clock().build().await;
    set_fees(&app, full_schedule(), "opening prices").await;
    let desk = app.token(Role::FrontDesk).await;
    let two = [("device_administered", 10), ("device_administered", 15), ("administration_stopped", 16)];
    let three = [("device_administered", 10), ("device_administered", 15), ("device_administered", 20), ("administration_stopped", 21)];
    for (name, devices, medicare, expected, cents) in
        [("Esa", &two[..], false, "G2082×1", 60_000), ("Eli", &three[..], false, "G2083×1", 85_000), ("Emo", &three[..], true, "G2083-KX×1", 85_000)]
    {
        let pid = patient(&app, name, "esketamine_nasal", &["F32.2"]).await;
        if medicare {
            let r = app.call(Method::PUT, &format!("/api/v1/billing/patients/{pid}/settings"), &desk, Some(json!({"medicare": true}))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let session = discharged(&app, &pid, "esketamine_nasal", devices).await;
        let r = capture(&app, &desk, &session).await;
        assert_eq!((r.status, codes(&r.json), r.json[0]["amount_cents"].as_i64()), (StatusCode::CREATED, expected.to_owned(), Some(cents)), "{}", r.text);
    }
}

#[tokio::test]
async fn invoices_payments_and_refunds_keep_the_balance_to_the_cent() {
    let app = TestApp::builder().manual_clock().build().await;
    set_fees(&app, full_schedule(), "opening prices").await;
    let (desk, auditor) = (app.token(Role::FrontDesk).await, app.token(Role::Auditor).await);
    let pid = patient(&app, "Ina", "iv_ketamine", &["F33.2"]).await;
    let none = app.call(Method::POST, &format!("/api/v1/billing/patients/{pid}/invoices"), &desk, None).await;
    assert_eq!((none.status, none.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("charges")));
    for _ in 0..2 {
        let session = discharged(&app, &pid, "iv_ketamine", &[("administration_started", 10), ("administration_stopped", 101)]).await;
        assert_eq!(capture(&app, &desk, &session).await.status, StatusCode::CREATED);
    }
    let account = app.call(Method::GET, &format!("/api/v1/billing/patients/{pid}/account"), &auditor, None).await;
    assert_eq!(account.json["uninvoiced"].as_array().unwrap().len(), 6);
    let inv = app.call(Method::POST, &format!("/api/v1/billing/patients/{pid}/invoices"), &desk, None).await;
    assert_eq!(inv.status, StatusCode::CREATED, "{}", inv.text);
    // Two sessions of 96365 + 96366 + J3490: 2 × (450.00 + 125.00 + 25.50) = 1201.00.
    assert_eq!((inv.json["lines"].as_array().unwrap().len(), inv.json["total_cents"].as_i64()), (6, Some(120_100)));
    let iid = inv.json["id"].as_str().unwrap().to_owned();
    let post = |kind: &'static str, body: Value| {
        let (app, desk, iid) = (&app, &desk, &iid);
        async move { app.call(Method::POST, &format!("/api/v1/billing/invoices/{iid}/{kind}"), desk, Some(body)).await }
    };
    let paid = post("payments", json!({"method": "card", "amount_cents": 100_000, "reference": "terminal 0042"})).await;
    assert_eq!((paid.status, paid.json["balance_cents"].as_i64()), (StatusCode::CREATED, Some(20_100)), "{}", paid.text);
    let cash = post("payments", json!({"method": "cash", "amount_cents": 20_101})).await;
    assert_eq!(cash.json["balance_cents"], -1, "an overpayment is a credit");
    let back = post("refunds", json!({"method": "cash", "amount_cents": 1})).await;
    assert_eq!(
        (back.json["paid_cents"].as_i64(), back.json["refunded_cents"].as_i64(), back.json["balance_cents"].as_i64()),
        (Some(120_101), Some(1), Some(0))
    );

    let before = app.count("audit_events").await;
    for (kind, body, field) in [
        ("refunds", json!({"method": "card", "amount_cents": 120_101}), "amount_cents"),
        ("payments", json!({"method": "cheque", "amount_cents": 100}), "method"),
        ("payments", json!({"method": "cash", "amount_cents": 0}), "amount_cents"),
        ("payments", json!({"method": "cash", "amount_cents": 5, "reference": "x".repeat(101)}), "reference"),
    ] {
        let r = post(kind, body).await;
        assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{}", r.text);
    }
    let float = post("payments", json!({"method": "cash", "amount_cents": 10.5})).await;
    assert_eq!(float.status, StatusCode::UNPROCESSABLE_ENTITY, "cents are whole: {}", float.text);
    assert_eq!(app.count("audit_events").await, before, "refused payments write nothing");
    assert_eq!(post("payments", json!({"method": "cash", "amount_cents": 5})).await.status, StatusCode::CREATED);
    let nurse = app.token(Role::Nurse).await;
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/billing/invoices/{iid}/payments"), &nurse, Some(json!({"method": "cash", "amount_cents": 5}))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/billing/invoices/{iid}/refunds"), &auditor, Some(json!({"method": "cash", "amount_cents": 5}))).await.status,
        StatusCode::FORBIDDEN
    );

    let read = app.call(Method::GET, &format!("/api/v1/billing/invoices/{iid}"), &auditor, None).await;
    let kinds: Vec<&str> = read.json["payments"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["payment", "payment", "refund", "payment"]);
    let account = app.call(Method::GET, &format!("/api/v1/billing/patients/{pid}/account"), &auditor, None).await;
    assert_eq!((account.json["uninvoiced"].as_array().unwrap().len(), account.json["balance_cents"].as_i64()), (0, Some(-5)));
    let again = app.call(Method::POST, &format!("/api/v1/billing/patients/{pid}/invoices"), &desk, None).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "every charge is on an invoice already");
}

#[tokio::test]
async fn a_course_estimate_prices_its_planned_induction() {
    let app = TestApp::builder().manual_clock().build().await;
    let (desk, nurse, prescriber) = (app.token(Role::FrontDesk).await, app.token(Role::Nurse).await, app.token(Role::Prescriber).await);
    let pid = app.patient("Esther", "Mate").await["id"].as_str().unwrap().to_owned();
    let course = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), &prescriber, Some(json!({"modality": "iv_ketamine"}))).await;
    assert_eq!(course.status, StatusCode::CREATED, "{}", course.text);
    let cid = course.json["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/courses/{cid}/estimate");
    set_fees(&app, json!([{"code": "96365", "description": "IV infusion", "price_cents": 45_000}]), "partial").await;
    let missing = app.call(Method::GET, &path, &desk, None).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.json["errors"][0]["message"].as_str().unwrap().contains("J3490"), "{}", missing.text);
    set_fees(&app, full_schedule(), "complete").await;
    let e = app.call(Method::GET, &path, &desk, None).await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    // The default IV induction: 6 infusions of 40 minutes = 6 × (450.00 + 25.50).
    let lines: Vec<(String, u64, i64)> = e.json["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["per_visit"]["code"].as_str().unwrap().to_owned(), l["visits"].as_u64().unwrap(), l["amount_cents"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, [("96365".to_owned(), 6, 270_000), ("J3490".to_owned(), 6, 15_300)]);
    assert_eq!((e.json["total_cents"].as_i64(), e.json["fee_schedule_version"].as_u64()), (Some(285_300), Some(2)));
    assert_eq!(app.call(Method::GET, &path, &nurse, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.call(Method::GET, "/api/v1/courses/01900000-0000-7000-8000-00000000a1e7/estimate", &desk, None).await.status, StatusCode::NOT_FOUND);
}
