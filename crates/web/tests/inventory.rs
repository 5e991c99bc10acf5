//! The controlled-substance register over HTTP (issue 6): receive, draw for an IV session,
//! administer, witnessed waste, container history and the ledger; witness refusals write
//! nothing and are audited; impossible movements are 409 and write nothing; counts, losses,
//! reports (JSON and CSV, reconciliation) and role checks.
//!
//! The manual clock starts at 2026-11-21T15:00:00Z; the clinic's zone is UTC.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, PASSWORD, TestApp};
use jiff::SignedDuration;
use ketaclinic_app::Actor;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

const PRODUCT: &str = "ketamine-50mg-ml-10ml";
const NURSE2: &str = "nurse-two@test.example.org";

async fn app() -> TestApp {
    let app = TestApp::builder().manual_clock().build().await;
    let grant = app.app.authorize::<perm::UserManage>(&Actor::console()).await.unwrap();
    let input = NewUserInput { email: NURSE2.to_owned(), display_name: "Second Nurse".to_owned(), role: "nurse".to_owned(), password: PASSWORD.to_owned() };
    app.app.create_user(&grant, input).await.unwrap();
    app
}

async fn ok(app: &TestApp, method: Method, path: &str, auth: &Auth, body: Option<Value>) -> Value {
    let r = app.call(method.clone(), path, auth, body.clone()).await;
    assert!(r.status.is_success(), "{method} {path} {body:?}: {} {}", r.status, r.text);
    r.json
}

fn witness(email: &str, password: &str) -> Value {
    json!({"email": email, "password": password})
}

/// A location and one received package of 10 mL 50 mg/mL vials; returns (location, container).
async fn stock(app: &TestApp, expiry: &str) -> (String, String) {
    let prescriber = app.token(Role::Prescriber).await;
    let nurse = app.token(Role::Nurse).await;
    static SAFES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let name = format!("Safe {}", SAFES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let loc = app.call(Method::POST, "/api/v1/inventory/locations", &prescriber, Some(json!({"name": name}))).await;
    assert_eq!(loc.status, StatusCode::CREATED, "{}", loc.text);
    let location = loc.json["id"].as_str().unwrap().to_owned();
    let body = json!({
        "supplier_name": "Acme Pharma Distribution", "supplier_address": "1 Depot Road, Springfield IL", "supplier_dea": "AB1234563",
        "invoice": "INV-1042", "received_on": "2026-11-21", "product_id": PRODUCT, "lot": "K2291", "expiry": expiry,
        "packages": 1, "location_id": location
    });
    let r = app.call(Method::POST, "/api/v1/inventory/receipts", &nurse, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["receipt"]["supplier_dea"], "AB1234563");
    let containers = r.json["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1, "one package of one vial");
    assert_eq!((containers[0]["lot"].as_str(), containers[0]["expiry"].as_str()), (Some("K2291"), Some(expiry)));
    (location, containers[0]["id"].as_str().unwrap().to_owned())
}

/// A patient with a signed IV ketamine consent and a scheduled IV session; returns (patient, session).
async fn iv_session(app: &TestApp, given: &str) -> (String, String) {
    let p = app.patient(given, "Register").await;
    let pid = p["id"].as_str().unwrap().to_owned();
    let admin = app.token(Role::Admin).await;
    let nurse = app.token(Role::Nurse).await;
    let templates = app.call(Method::GET, "/api/v1/consent-templates", &admin, None).await;
    let existing = templates.json.as_array().and_then(|ts| ts.iter().find(|t| t["modality"] == "iv_ketamine").map(|t| t["id"].clone()));
    let template = match existing {
        Some(id) => id,
        None => {
            let t = json!({"modality": "iv_ketamine", "title": "IV consent", "text": "Risks, benefits and alternatives were explained."});
            ok(app, Method::POST, "/api/v1/consent-templates", &admin, Some(t)).await["id"].clone()
        }
    };
    let sign = json!({"template_id": template, "template_version": 1, "typed_name": format!("{given} Register"), "signature_path": "M10 10 L20 20"});
    ok(app, Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign)).await;
    let s = ok(app, Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
    (pid, s["id"].as_str().unwrap().to_owned())
}

async fn ledger_len(app: &TestApp, auth: &Auth) -> usize {
    let page = ok(app, Method::GET, "/api/v1/inventory/ledger?limit=500", auth, None).await;
    page["rows"].as_array().unwrap().len()
}

async fn draw(app: &TestApp, auth: &Auth, container: &str, session: &str, ul: u64) -> String {
    let r =
        app.call(Method::POST, &format!("/api/v1/inventory/containers/{container}/draws"), auth, Some(json!({"session_id": session, "volume_ul": ul}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["entry"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn receive_draw_administer_and_waste_with_a_witness() {
    let app = app().await;
    let nurse = app.token(Role::Nurse).await;
    let (location, container) = stock(&app, "2027-06-30").await;
    let (_, session) = iv_session(&app, "Ada").await;

    let r = app
        .call(Method::POST, &format!("/api/v1/inventory/containers/{container}/draws"), &nurse, Some(json!({"session_id": session, "volume_ul": 1000})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["entry"]["kind"], "draw");
    assert_eq!(r.json["entry"]["movement"]["qty"], json!({"ul": 1000, "ug": 50000}));
    assert_eq!(r.json["warnings"], json!([]));
    let draw_id = r.json["entry"]["id"].as_str().unwrap().to_owned();

    let given =
        ok(&app, Method::POST, &format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/administer"), &nurse, Some(json!({"volume_ul": 800}))).await;
    assert_eq!((given["kind"].as_str(), given["movement"]["qty"]["ug"].as_u64()), (Some("administer"), Some(40_000)));
    assert_eq!(given["movement"]["session_id"].as_str(), Some(session.as_str()));

    let waste = json!({"reason": "remainder of the syringe", "witness": witness(NURSE2, PASSWORD)});
    let wasted = ok(&app, Method::POST, &format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/waste"), &nurse, Some(waste)).await;
    assert_eq!(wasted["movement"]["qty"], json!({"ul": 200, "ug": 10000}), "the rest of the draw by default");

    let detail = ok(&app, Method::GET, &format!("/api/v1/inventory/containers/{container}"), &nurse, None).await;
    assert_eq!(detail["container"]["remaining"], json!({"ul": 9000, "ug": 450000}));
    assert_eq!(detail["container"]["in_syringes"], json!({"ul": 0, "ug": 0}));
    assert_eq!(detail["container"]["status"], "opened");
    assert_eq!(detail["container"]["location_id"].as_str(), Some(location.as_str()));
    assert_eq!(detail["container"]["product_id"], PRODUCT);
    assert_eq!(detail["receipt"]["invoice"], "INV-1042");
    let entries = detail["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["receipt", "draw", "administer", "waste"]);
    let after: Vec<u64> = entries.iter().map(|e| e["remaining_after"]["ul"].as_u64().unwrap()).collect();
    assert_eq!(after, [10000, 9000, 9000, 9000], "the running balance of the vial");
    assert_eq!(entries[3]["witnesses"], json!(["Second Nurse"]));
    assert_eq!(entries[1]["recorded_by_name"], "Test Nurse");
    let draws = detail["draws"].as_array().unwrap();
    assert_eq!(draws.len(), 1);
    assert_eq!(
        (draws[0]["administered"]["ul"].as_u64(), draws[0]["wasted"]["ul"].as_u64(), draws[0]["outstanding"]["ul"].as_u64()),
        (Some(800), Some(200), Some(0))
    );

    let session_draws = ok(&app, Method::GET, &format!("/api/v1/inventory/sessions/{session}/draws"), &nurse, None).await;
    assert_eq!(session_draws.as_array().unwrap().len(), 1);
    assert_eq!(session_draws[0]["draw"]["id"].as_str(), Some(draw_id.as_str()));

    let list = ok(&app, Method::GET, "/api/v1/inventory/containers", &nurse, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["remaining"]["ul"], 9000);
    let balance = ok(&app, Method::GET, "/api/v1/inventory/balance", &nurse, None).await;
    let mine = balance.as_array().unwrap().iter().find(|b| b["product_id"] == PRODUCT).unwrap().clone();
    assert_eq!((mine["containers"].as_u64(), mine["remaining"]["ug"].as_u64()), (Some(1), Some(450_000)));

    // The ledger pages by sequence number.
    let first = ok(&app, Method::GET, "/api/v1/inventory/ledger?limit=2", &nurse, None).await;
    let seqs: Vec<u64> = first["rows"].as_array().unwrap().iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs.len(), 2);
    assert_eq!(first["next_after_seq"].as_u64(), Some(seqs[1]));
    let rest = ok(&app, Method::GET, &format!("/api/v1/inventory/ledger?limit=2&after_seq={}", seqs[1]), &nurse, None).await;
    let kinds: Vec<&str> = rest["rows"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["administer", "waste"]);
    assert_eq!(rest["rows"][0]["prev_hash"], first["rows"][1]["hash"], "the rows are chained");
    let last = ok(&app, Method::GET, &format!("/api/v1/inventory/ledger?after_seq={}", rest["rows"][1]["seq"]), &nurse, None).await;
    assert_eq!((last["rows"].as_array().unwrap().len(), last["next_after_seq"].is_null()), (0, true));
    let bad = app.call(Method::GET, "/api/v1/inventory/ledger?limit=501", &nurse, None).await;
    assert_eq!((bad.status, bad.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")));
    let unknown = app.call(Method::GET, "/api/v1/inventory/containers/01900000-0000-7000-8000-00000000a1e7", &nurse, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let not_an_id = app.call(Method::GET, "/api/v1/inventory/containers/nope", &nurse, None).await;
    assert_eq!(not_an_id.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_witness_must_sign_in_be_someone_else_and_be_allowed_to_witness() {
    let app = app().await;
    let nurse = app.token(Role::Nurse).await;
    let auditor = app.token(Role::Auditor).await;
    let (_, container) = stock(&app, "2027-06-30").await;
    let (_, session) = iv_session(&app, "Bea").await;
    let draw_id = draw(&app, &nurse, &container, &session, 500).await;
    let path = format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/waste");
    let rows = ledger_len(&app, &nurse).await;
    for (who, why) in [
        (witness(NURSE2, "not the password at all"), "wrong password"),
        (witness(&common::email(Role::Nurse), PASSWORD), "the actor as their own witness"),
        (witness(&common::email(Role::FrontDesk), PASSWORD), "front desk may not witness"),
        (witness(&common::email(Role::Admin), PASSWORD), "admin may not witness"),
    ] {
        let r = app.call(Method::POST, &path, &nurse, Some(json!({"reason": "dropped", "witness": who}))).await;
        assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("witness")), "{why}: {}", r.text);
        assert_eq!(ledger_len(&app, &nurse).await, rows, "{why}: nothing written");
    }
    let failed = ok(&app, Method::GET, "/api/v1/audit-events?limit=10&action=auth.login_failed", &auditor, None).await;
    let details: Vec<&str> = failed["items"].as_array().unwrap().iter().filter_map(|e| e["detail"].as_str()).collect();
    assert_eq!(details.len(), 1, "one failed sign-in (the wrong password): {details:?}");
    assert!(details[0].starts_with("witness:"), "{details:?}");
    // The right witness still can.
    let r = app.call(Method::POST, &path, &nurse, Some(json!({"reason": "dropped", "witness": witness(&common::email(Role::Prescriber), PASSWORD)}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(ledger_len(&app, &nurse).await, rows + 1);
}

#[tokio::test]
async fn impossible_movements_are_refused_and_write_nothing() {
    let app = app().await;
    let nurse = app.token(Role::Nurse).await;
    let (_, container) = stock(&app, "2027-06-30").await;
    let (_, today_container) = stock(&app, "2026-11-21").await;
    let (_, session) = iv_session(&app, "Cy").await;
    let rows = ledger_len(&app, &nurse).await;

    let r = app
        .call(Method::POST, &format!("/api/v1/inventory/containers/{container}/draws"), &nurse, Some(json!({"session_id": session, "volume_ul": 10001})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "more than remains: {}", r.text);
    assert_eq!(ledger_len(&app, &nurse).await, rows);

    let draw_id = draw(&app, &nurse, &container, &session, 1000).await;
    let rows = rows + 1;
    let administer = format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/administer");
    let r = app.call(Method::POST, &administer, &nurse, Some(json!({"volume_ul": 1001}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "more than the draw holds: {}", r.text);
    assert_eq!(ledger_len(&app, &nurse).await, rows);

    ok(&app, Method::POST, &administer, &nurse, Some(json!({}))).await;
    let rows = rows + 1;
    let waste = json!({"reason": "late", "witness": witness(NURSE2, PASSWORD)});
    let r = app.call(Method::POST, &format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/waste"), &nurse, Some(waste)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the draw is settled: {}", r.text);
    let r = app.call(Method::POST, &format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/return"), &nurse, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "nothing to return: {}", r.text);
    assert_eq!(ledger_len(&app, &nurse).await, rows);

    // Expiring today is still usable; tomorrow it is expired.
    draw(&app, &nurse, &today_container, &session, 100).await;
    let rows = rows + 1;
    app.clock.as_ref().unwrap().advance(SignedDuration::from_hours(24));
    let r = app
        .call(Method::POST, &format!("/api/v1/inventory/containers/{today_container}/draws"), &nurse, Some(json!({"session_id": session, "volume_ul": 100})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "expired: {}", r.text);
    assert!(r.json["detail"].as_str().unwrap().contains("expired on 2026-11-21"), "{}", r.text);
    let listed = ok(&app, Method::GET, "/api/v1/inventory/containers", &nurse, None).await;
    let expired = listed.as_array().unwrap().iter().find(|c| c["id"].as_str() == Some(today_container.as_str())).unwrap().clone();
    assert_eq!((expired["status"].as_str(), expired["warnings"]["expired"].as_bool()), (Some("expired"), Some(true)));
    assert_eq!(ledger_len(&app, &nurse).await, rows);

    // A receipt of stock that expired before it arrived is refused outright.
    let body = json!({
        "supplier_name": "Acme", "supplier_address": "1 Depot Road", "supplier_dea": "AB1234563", "invoice": "INV-9", "received_on": "2026-11-22",
        "product_id": PRODUCT, "lot": "OLD", "expiry": "2026-11-01", "packages": 1, "location_id": expired["location_id"]
    });
    let r = app.call(Method::POST, "/api/v1/inventory/receipts", &nurse, Some(body)).await;
    assert_eq!((r.status, r.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("expiry")), "{}", r.text);
    assert_eq!(ledger_len(&app, &nurse).await, rows);
}

#[tokio::test]
async fn a_count_records_a_discrepancy_resolves_it_and_locks_when_signed() {
    let app = app().await;
    let prescriber = app.token(Role::Prescriber).await;
    let (_, container) = stock(&app, "2027-06-30").await;
    let count = app.call(Method::POST, "/api/v1/inventory/counts", &prescriber, Some(json!({"kind": "ad_hoc", "timing": "close_of_business"}))).await;
    assert_eq!(count.status, StatusCode::CREATED, "{}", count.text);
    assert_eq!((count.json["status"].as_str(), count.json["version"].as_u64()), (Some("draft"), Some(1)));
    assert_eq!(
        count.json["lines"],
        json!([{"container_id": container, "book_ul": 10000, "counted_ul": null, "discrepancy_ul": null, "resolution": null, "adjust": false}])
    );
    let id = count.json["id"].as_str().unwrap().to_owned();

    // A discrepancy without a resolution cannot be signed.
    let lines = json!({"version": 1, "lines": [{"container_id": container, "counted_ul": 9900}]});
    let draft = ok(&app, Method::PUT, &format!("/api/v1/inventory/counts/{id}/lines"), &prescriber, Some(lines)).await;
    assert_eq!((draft["version"].as_u64(), draft["lines"][0]["discrepancy_ul"].as_i64()), (Some(2), Some(-100)));
    let r = app.call(Method::POST, &format!("/api/v1/inventory/counts/{id}/sign"), &prescriber, Some(json!({"version": 2}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json["errors"][0]["field"].as_str(), Some(format!("lines.{container}").as_str()), "{}", r.text);
    assert!(r.json["errors"][0]["message"].as_str().unwrap().contains("resolution"), "{}", r.text);

    let stale = app.call(Method::PUT, &format!("/api/v1/inventory/counts/{id}/lines"), &prescriber, Some(json!({"version": 1, "lines": []}))).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a stale version");
    let lines = json!({"version": 2, "lines": [{"container_id": container, "counted_ul": 9900, "resolution": "overfill lower than labelled", "adjust": true}]});
    ok(&app, Method::PUT, &format!("/api/v1/inventory/counts/{id}/lines"), &prescriber, Some(lines)).await;
    let signed = ok(&app, Method::POST, &format!("/api/v1/inventory/counts/{id}/sign"), &prescriber, Some(json!({"version": 3}))).await;
    assert_eq!((signed["status"].as_str(), signed["version"].as_u64()), (Some("signed"), Some(4)));
    assert!(signed["signed_at"].is_string());

    let again = app.call(Method::PUT, &format!("/api/v1/inventory/counts/{id}/lines"), &prescriber, Some(json!({"version": 4, "lines": []}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "signed and locked: {}", again.text);
    let read = ok(&app, Method::GET, &format!("/api/v1/inventory/counts/{id}"), &prescriber, None).await;
    assert_eq!(read["lines"][0]["resolution"], "overfill lower than labelled");
    let listed = ok(&app, Method::GET, "/api/v1/inventory/counts", &prescriber, None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // The book follows the count: a count row and an adjustment of -100 µL.
    let detail = ok(&app, Method::GET, &format!("/api/v1/inventory/containers/{container}"), &prescriber, None).await;
    assert_eq!(detail["container"]["remaining"], json!({"ul": 9900, "ug": 495000}));
    let kinds: Vec<&str> = detail["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["receipt", "count", "adjust"]);
    let report = ok(&app, Method::GET, "/api/v1/inventory/reports/discrepancies?from=2026-11-21&to=2026-11-21", &prescriber, None).await;
    assert_eq!(report["rows"].as_array().unwrap().len(), 1);
    assert_eq!((report["rows"][0]["book_ml"].as_str(), report["rows"][0]["counted_ml"].as_str()), (Some("10"), Some("9.9")));
}

#[tokio::test]
async fn a_theft_has_deadlines_and_each_is_completed_once() {
    let app = app().await;
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let (_, container) = stock(&app, "2027-06-30").await;
    let body = json!({"volume_ul": 10000, "kind": "theft", "discovered_at": "2026-11-21T14:30:00Z", "description": "Vial missing; safe found unlocked"});
    let r = app.call(Method::POST, &format!("/api/v1/inventory/containers/{container}/loss"), &nurse, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!((r.json["kind"].as_str(), r.json["qty"]["ug"].as_u64()), (Some("theft"), Some(500_000)));
    let notify: jiff::Timestamp = r.json["notify_due"].as_str().unwrap().parse().unwrap();
    let form106: jiff::Timestamp = r.json["form106_due"].as_str().unwrap().parse().unwrap();
    let discovered: jiff::Timestamp = "2026-11-21T14:30:00Z".parse().unwrap();
    assert!(notify > discovered && notify < form106, "{}", r.text);
    assert_eq!(form106, discovered + SignedDuration::from_hours(45 * 24), "Form 106 within 45 days");
    assert_eq!(r.json["open_tasks"], json!(["notify_dea", "form_106"]));
    let id = r.json["id"].as_str().unwrap().to_owned();

    let nurse_try = app.call(Method::POST, &format!("/api/v1/inventory/loss-reports/{id}/tasks/notify_dea"), &nurse, Some(json!({"reference": "x"}))).await;
    assert_eq!(nurse_try.status, StatusCode::FORBIDDEN);
    let done = ok(
        &app,
        Method::POST,
        &format!("/api/v1/inventory/loss-reports/{id}/tasks/notify_dea"),
        &prescriber,
        Some(json!({"reference": "Letter ref 2026-118"})),
    )
    .await;
    assert_eq!(done["notified"]["reference"], "Letter ref 2026-118");
    assert_eq!(done["open_tasks"], json!(["form_106"]));
    let again =
        app.call(Method::POST, &format!("/api/v1/inventory/loss-reports/{id}/tasks/notify_dea"), &prescriber, Some(json!({"reference": "again"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let bad = app.call(Method::POST, &format!("/api/v1/inventory/loss-reports/{id}/tasks/party"), &prescriber, Some(json!({"reference": "x"}))).await;
    assert_eq!((bad.status, bad.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("task")));

    let list = ok(&app, Method::GET, "/api/v1/inventory/loss-reports", &nurse, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["notified"]["reference"], "Letter ref 2026-118");
    let detail = ok(&app, Method::GET, &format!("/api/v1/inventory/containers/{container}"), &nurse, None).await;
    assert_eq!(detail["container"]["remaining"], json!({"ul": 0, "ug": 0}));
    let empty = ok(&app, Method::GET, "/api/v1/inventory/containers", &nurse, None).await;
    assert_eq!(empty.as_array().unwrap().len(), 0, "an emptied container is hidden by default");
    let all = ok(&app, Method::GET, "/api/v1/inventory/containers?include_empty=true", &nurse, None).await;
    assert_eq!(all[0]["status"], "empty");
}

/// Checks in, completes the pre-checks (a prescriber overrides eligibility) and charts an IV
/// administration of `dose_mg` at 14:10 without any draw in the register.
async fn charted_without_draw(app: &TestApp, session: &str, dose_mg: u32) {
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    ok(app, Method::POST, &format!("/api/v1/sessions/{session}/events"), &nurse, Some(json!({"type": "checked_in", "at": "2026-11-21T14:00:00Z"}))).await;
    let v = json!({"readings": [{"at": "2026-11-21T14:02:00Z", "systolic": 128, "diastolic": 82, "heart_rate": 76, "spo2": 98, "resp_rate": 14}]});
    ok(app, Method::POST, &format!("/api/v1/sessions/{session}/vitals"), &nurse, Some(v)).await;
    let body = json!({
        "identity_confirmed": true, "fasting_confirmed": true, "medications_reviewed": true, "pregnancy": "not_pregnant",
        "escort": {"name": "Rae Leave", "phone": "+12125550143"},
        "overrides": [{"check": "eligibility_current", "reason": "approved at the consult; the evaluation is on paper"}],
        "at": "2026-11-21T14:05:00Z"
    });
    ok(app, Method::POST, &format!("/api/v1/sessions/{session}/prechecks"), &prescriber, Some(body)).await;
    let start = json!({"type": "administration_started", "dose_mg": dose_mg, "lot": "K2291", "at": "2026-11-21T14:10:00Z"});
    ok(app, Method::POST, &format!("/api/v1/sessions/{session}/events"), &nurse, Some(start)).await;
}

#[tokio::test]
async fn reports_as_json_and_csv_and_reconciliation() {
    let app = app().await;
    let nurse = app.token(Role::Nurse).await;
    let (_, container) = stock(&app, "2027-06-30").await;
    let (_, session) = iv_session(&app, "Ada").await;
    let draw_id = draw(&app, &nurse, &container, &session, 800).await;
    ok(&app, Method::POST, &format!("/api/v1/inventory/containers/{container}/draws/{draw_id}/administer"), &nurse, Some(json!({}))).await;

    let r = ok(&app, Method::GET, "/api/v1/inventory/reports/administrations?from=2026-11-20&to=2026-11-22", &nurse, None).await;
    assert_eq!(
        (r["kind"].as_str(), r["title"].as_str(), r["from"].as_str(), r["to"].as_str()),
        (Some("administrations"), Some("Administration log"), Some("2026-11-20"), Some("2026-11-22"))
    );
    assert_eq!(r["columns"][1], json!({"key": "patient", "label": "Patient"}));
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0]["patient"].as_str().unwrap().contains("Ada"), "{}", rows[0]);
    assert_eq!((rows[0]["mg"].as_str(), rows[0]["ml"].as_str(), rows[0]["schedule"].as_str()), (Some("40"), Some("0.8"), Some("CIII 7285")));
    assert_eq!(rows[0]["session"].as_str(), Some(session.as_str()));

    let csv = app.call(Method::GET, "/api/v1/inventory/reports/administrations?from=2026-11-20&to=2026-11-22&format=csv", &nurse, None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
    assert_eq!(csv.headers.get(header::CONTENT_DISPOSITION).unwrap(), "attachment; filename=\"ketaclinic-administrations-2026-11-20-2026-11-22.csv\"");
    let mut lines = csv.text.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "\"Date\",\"Patient\",\"MRN\",\"Drug and strength\",\"Schedule / DEA code\",\"Quantity (mg)\",\"Volume (mL)\",\"Container\",\"Lot\",\"Administered by\",\"Session\""
    );
    assert!(lines.next().unwrap().contains("\"40\",\"0.8\""), "{}", csv.text);

    // A session charted as dosed without any draw.
    let (_, undrawn) = iv_session(&app, "Bo").await;
    charted_without_draw(&app, &undrawn, 35).await;
    let rec = ok(&app, Method::GET, "/api/v1/inventory/reports/reconciliation?from=2026-11-21&to=2026-11-21", &nurse, None).await;
    let found = rec["rows"].as_array().unwrap().iter().find(|r| r["session"].as_str() == Some(undrawn.as_str())).unwrap_or_else(|| panic!("{rec}")).clone();
    assert_eq!(found["finding"], "Administered, but nothing drawn in the register");
    assert_eq!(found["charted_mg"], "35");
    assert!(found["patient"].as_str().unwrap().contains("Bo"));

    let receipts = ok(&app, Method::GET, "/api/v1/inventory/reports/receipts?from=2026-11-21&to=2026-11-21", &nurse, None).await;
    assert_eq!((receipts["rows"][0]["supplier_dea"].as_str(), receipts["rows"][0]["containers"].as_str()), (Some("AB1234563"), Some("1")));
    let unknown = app.call(Method::GET, "/api/v1/inventory/reports/everything", &nurse, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = app.call(Method::GET, "/api/v1/inventory/reports/receipts?format=pdf", &nurse, None).await;
    assert_eq!((bad.status, bad.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("format")));
    let backwards = app.call(Method::GET, "/api/v1/inventory/reports/receipts?from=2026-11-22&to=2026-11-21", &nurse, None).await;
    assert_eq!((backwards.status, backwards.json["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("from")));
}

#[tokio::test]
async fn the_auditor_reads_but_writes_nothing_and_the_front_desk_sees_no_stock() {
    let app = app().await;
    let (_, container) = stock(&app, "2027-06-30").await;
    let auditor = app.token(Role::Auditor).await;
    let listed = ok(&app, Method::GET, "/api/v1/inventory/containers", &auditor, None).await;
    assert_eq!(listed[0]["id"].as_str(), Some(container.as_str()));
    let report = ok(&app, Method::GET, "/api/v1/inventory/reports/inventory", &auditor, None).await;
    assert_eq!(report["rows"][0]["ml"], "10");
    let csv = app.call(Method::GET, "/api/v1/inventory/reports/receipts?format=csv", &auditor, None).await;
    assert_eq!(csv.status, StatusCode::OK);
    let session = "01900000-0000-7000-8000-00000000a1e7";
    let c = format!("/api/v1/inventory/containers/{container}");
    for (path, body) in [
        ("/api/v1/inventory/locations".to_owned(), json!({"name": "Audit safe"})),
        ("/api/v1/inventory/counts".to_owned(), json!({"kind": "ad_hoc", "timing": "close_of_business"})),
        (format!("{c}/draws"), json!({"session_id": session, "volume_ul": 100})),
        (format!("{c}/loss"), json!({"volume_ul": 100, "kind": "loss", "discovered_at": "2026-11-21T14:00:00Z", "description": "x"})),
        (format!("{c}/adjustments"), json!({"delta_ul": -1, "reason": "x"})),
        (format!("{c}/transfer"), json!({"to_location_id": session})),
    ] {
        let r = app.call(Method::POST, &path, &auditor, Some(body)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "auditor POST {path}");
    }
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::GET, "/api/v1/inventory/containers", &desk, None).await.status, StatusCode::FORBIDDEN);
    // Reports naming patients also need patient.read, which the admin lacks.
    let admin = app.token(Role::Admin).await;
    let allows_patients = ketaclinic_app::permissions::allows(Role::Admin, ketaclinic_app::permissions::Permission::PatientRead);
    let r = app.call(Method::GET, "/api/v1/inventory/reports/administrations", &admin, None).await;
    assert_eq!(r.status, if allows_patients { StatusCode::OK } else { StatusCode::FORBIDDEN });
}
