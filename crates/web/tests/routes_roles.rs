//! Every `/api/v1` route and every page, for every role: no credentials → 401 (pages: redirect
//! to the login page); a role without the permission → 403 with exactly one new audit row (the
//! denial) and nothing else written; a role with it is not refused (checked on reads; the
//! writes' success paths have their own tests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, TestApp};
use ketaclinic_app::permissions::{Permission, allows};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Needs {
    /// Any signed-in member of staff.
    SignedIn,
    Permission(Permission),
    /// Any one of these (clinic documents read by clinical roles and by whoever writes them).
    AnyOf(&'static [Permission]),
}

struct Route {
    method: Method,
    path: String,
    needs: Needs,
    body: Option<Value>,
}

fn route(method: Method, path: &str, needs: Needs, body: Option<Value>) -> Route {
    Route { method, path: path.to_owned(), needs, body }
}

async fn ids(app: &TestApp) -> (String, String, String) {
    let patient = app.patient("Route", "Matrix").await["id"].as_str().unwrap().to_owned();
    let admin = app.token(Role::Admin).await;
    let users = app.call(Method::GET, "/api/v1/users", &admin, None).await;
    let nurse = users.json.as_array().unwrap().iter().find(|u| u["role"] == "nurse").unwrap()["id"].as_str().unwrap().to_owned();
    let token = app.call(Method::POST, &format!("/api/v1/users/{nurse}/tokens"), &admin, Some(json!({"name": "matrix"}))).await;
    (patient, nurse, token.json["id"].as_str().unwrap().to_owned())
}

fn api_routes(patient: &str, user: &str, token: &str) -> Vec<Route> {
    use Needs::{AnyOf, Permission as P, SignedIn};
    use Permission::*;
    let person = json!({"given_name": "Zed", "family_name": "Matrix", "birth_date": "1970-01-01", "sex": "unknown"});
    let mut update = person.clone();
    update["version"] = json!(1);
    update["reason"] = json!("matrix test");
    vec![
        route(Method::GET, "/api/v1/auth/me", SignedIn, None),
        route(Method::POST, "/api/v1/auth/password", SignedIn, Some(json!({"current_password": "wrong wrong wrong", "new_password": "another long password"}))),
        route(Method::POST, "/api/v1/patients", P(PatientRegister), Some(person)),
        route(Method::GET, "/api/v1/patients", P(PatientRead), None),
        route(Method::GET, &format!("/api/v1/patients/{patient}"), P(PatientRead), None),
        route(Method::PUT, &format!("/api/v1/patients/{patient}"), P(PatientUpdate), Some(update)),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/status"),
            P(PatientMarkEnteredInError),
            Some(json!({"status": "active", "version": 99, "reason": "matrix"})),
        ),
        route(Method::GET, &format!("/api/v1/patients/{patient}/history"), P(PatientRead), None),
        route(Method::GET, &format!("/api/v1/patients/{patient}/access-report"), P(AuditRead), None),
        route(Method::GET, "/api/v1/audit-events", P(AuditRead), None),
        route(Method::GET, "/api/v1/users", P(UserManage), None),
        route(Method::POST, "/api/v1/users", P(UserManage), Some(json!({"email": "x", "name": "", "role": "nurse", "password": ""}))),
        route(Method::POST, &format!("/api/v1/users/{user}/disable"), P(UserManage), None),
        route(Method::POST, &format!("/api/v1/users/{user}/enable"), P(UserManage), None),
        route(Method::POST, &format!("/api/v1/users/{user}/revoke-sessions"), P(UserManage), None),
        route(Method::GET, &format!("/api/v1/users/{user}/tokens"), P(UserManage), None),
        route(Method::POST, &format!("/api/v1/users/{user}/tokens"), P(UserManage), Some(json!({"name": "matrix"}))),
        route(Method::DELETE, &format!("/api/v1/tokens/{token}"), P(UserManage), None),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/assessments"),
            P(AssessmentRecord),
            Some(json!({"instrument": "gad7", "answers": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0}})),
        ),
        route(Method::GET, &format!("/api/v1/patients/{patient}/assessments"), P(PatientRead), None),
        route(Method::GET, &format!("/api/v1/patients/{patient}/outcomes?instrument=phq9"), P(PatientRead), None),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/assessments/01900000-0000-7000-8000-00000000a1e7/entered-in-error"),
            P(AssessmentRecord),
            Some(json!({"reason": "matrix"})),
        ),
        route(Method::GET, "/api/v1/alerts", P(AlertRead), None),
        route(
            Method::POST,
            "/api/v1/alerts/01900000-0000-7000-8000-00000000a1e7/acknowledge",
            P(AlertAcknowledge),
            Some(json!({"action": "crisis_line_given"})),
        ),
        route(Method::GET, "/api/v1/enquiries", P(EnquiryManage), None),
        route(
            Method::POST,
            "/api/v1/enquiries/01900000-0000-7000-8000-00000000a1e7/attempts",
            P(EnquiryManage),
            Some(json!({"channel": "phone", "outcome": "no_answer"})),
        ),
        route(
            Method::POST,
            "/api/v1/enquiries/01900000-0000-7000-8000-00000000a1e7/status",
            P(EnquiryManage),
            Some(json!({"status": "closed", "reason": "matrix"})),
        ),
        route(
            Method::POST,
            "/api/v1/enquiries/01900000-0000-7000-8000-00000000a1e7/convert",
            // Needs enquiry.manage and patient.register; every role with the second has the first.
            P(PatientRegister),
            Some(json!({"given_name": "Zed", "family_name": "Matrix", "birth_date": "1970-01-01", "sex": "unknown"})),
        ),
        route(Method::GET, &format!("/api/v1/patients/{patient}/chart"), P(PatientRead), None),
        route(Method::POST, &format!("/api/v1/patients/{patient}/chart/escort"), P(ChartContactsWrite), Some(json!({"name": "Rae", "phone": "+12125550143"}))),
        route(
            Method::PUT,
            "/api/v1/chart-entries/01900000-0000-7000-8000-00000000a1e7",
            P(ChartContactsWrite),
            Some(json!({"version": 1, "status": "entered_in_error", "reason": "matrix"})),
        ),
        // Consent templates are chart entries of the clinic: their writers (the admin too) read their history.
        route(Method::GET, "/api/v1/chart-entries/01900000-0000-7000-8000-00000000a1e7/history", AnyOf(&[PatientRead, ConsentTemplateManage]), None),
        route(Method::POST, "/api/v1/eligibility/check", P(ClinicalRead), Some(json!({"modality": "iv_ketamine", "evaluation": {}}))),
        route(Method::POST, &format!("/api/v1/patients/{patient}/evaluations"), P(ClinicalWrite), Some(json!({"evaluation": {}}))),
        route(Method::GET, &format!("/api/v1/patients/{patient}/evaluations"), P(ClinicalRead), None),
        route(
            Method::PUT,
            "/api/v1/evaluations/01900000-0000-7000-8000-00000000a1e7",
            P(ClinicalWrite),
            Some(json!({"version": 1, "evaluation": {}, "reason": "matrix"})),
        ),
        route(Method::POST, "/api/v1/evaluations/01900000-0000-7000-8000-00000000a1e7/sign", P(EvaluationSign), Some(json!({"version": 1}))),
        route(Method::GET, &format!("/api/v1/patients/{patient}/eligibility?modality=iv_ketamine"), P(ClinicalRead), None),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/eligibility-decisions"),
            P(EligibilityDecide),
            Some(json!({"modality": "iv_ketamine", "evaluation_id": "01900000-0000-7000-8000-00000000a1e7", "outcome": "declined"})),
        ),
        route(Method::GET, "/api/v1/consent-templates", AnyOf(&[ClinicalRead, ConsentTemplateManage]), None),
        route(Method::POST, "/api/v1/consent-templates", P(ConsentTemplateManage), Some(json!({"modality": "iv_ketamine", "title": "t", "text": "x"}))),
        route(
            Method::PUT,
            "/api/v1/consent-templates/01900000-0000-7000-8000-00000000a1e7",
            P(ConsentTemplateManage),
            Some(json!({"version": 1, "reason": "matrix", "template": {"modality": "iv_ketamine", "title": "t", "text": "x"}})),
        ),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/consents"),
            P(ConsentWitness),
            Some(json!({"template_id": "01900000-0000-7000-8000-00000000a1e7", "template_version": 1, "typed_name": "Zed Matrix"})),
        ),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/rems-enrollment"),
            P(RemsEnroll),
            Some(json!({"enrolled_on": "2026-01-05", "patient_signed": true, "prescriber_signed": true})),
        ),
        route(Method::GET, &format!("/api/v1/patients/{patient}/safety-plan"), P(ClinicalRead), None),
        route(Method::PUT, &format!("/api/v1/patients/{patient}/safety-plan"), P(SafetyPlanWrite), Some(json!({"plan": {"warning_signs": ["matrix"]}}))),
        route(Method::POST, &format!("/api/v1/patients/{patient}/self-report-links"), P(AssessmentRecord), Some(json!({"instruments": ["phq9"]}))),
        route(Method::GET, &format!("/api/v1/patients/{patient}/self-report-links"), P(PatientRead), None),
        route(Method::POST, "/api/v1/self-report-links/01900000-0000-7000-8000-00000000a1e7/revoke", P(AssessmentRecord), None),
        route(Method::GET, "/api/v1/dashboard/outcomes", P(DashboardRead), None),
        route(
            Method::POST,
            &format!("/api/v1/patients/{patient}/treatment-events"),
            P(ClinicalWrite),
            Some(json!({"kind": "course_started", "at": "2026-01-01T10:00:00Z"})),
        ),
        route(Method::GET, &format!("/api/v1/patients/{patient}/due-assessments"), P(ClinicalRead), None),
        route(Method::GET, "/api/v1/due-assessments", P(ClinicalRead), None),
        route(Method::GET, "/api/v1/tasks", P(ClinicalRead), None),
        route(Method::POST, "/api/v1/tasks/01900000-0000-7000-8000-00000000a1e7/close", P(TaskClose), Some(json!({"outcome": "done"}))),
        route(Method::POST, "/api/v1/dose-calculations", SignedIn, Some(json!({"modality": "esketamine_nasal", "dose_mg": 56}))),
        route(Method::POST, "/api/v1/sessions", P(ClinicalWrite), Some(json!({"patient_id": patient, "modality": "iv_ketamine"}))),
        route(Method::GET, "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7", P(ClinicalRead), None),
        route(Method::POST, "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/events", P(ClinicalWrite), Some(json!({"type": "checked_in"}))),
        route(
            Method::POST,
            "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/vitals",
            P(ClinicalWrite),
            Some(json!({"readings": [{"at": "2026-01-01T10:00:00Z", "systolic": 120, "diastolic": 80}]})),
        ),
        route(Method::POST, "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/discharge", P(ClinicalWrite), Some(json!({}))),
        route(Method::GET, "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/prechecks", P(ClinicalRead), None),
        route(
            Method::POST,
            "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/prechecks",
            P(ClinicalWrite),
            Some(json!({"identity_confirmed": true, "medications_reviewed": true})),
        ),
        route(
            Method::POST,
            "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/alerts/01900000-0000-7000-8000-00000000a1e8/acknowledge",
            P(ClinicalWrite),
            Some(json!({})),
        ),
        route(Method::GET, "/api/v1/sessions/01900000-0000-7000-8000-00000000a1e7/rems-form", P(ClinicalRead), None),
        route(Method::GET, "/api/v1/rems-forms", P(ClinicalRead), None),
        route(Method::POST, "/api/v1/rems-forms/01900000-0000-7000-8000-00000000a1e7/status", P(ClinicalWrite), Some(json!({"status": "ready"}))),
        route(Method::PUT, "/api/v1/rems-forms/01900000-0000-7000-8000-00000000a1e7/answers", P(ClinicalWrite), Some(json!({"serious_adverse_event": false}))),
        route(Method::GET, "/api/v1/board", P(ClinicalRead), None),
        route(Method::GET, "/api/v1/board/stream", P(ClinicalRead), None),
        route(Method::GET, "/api/v1/protocols", SignedIn, None),
        route(Method::GET, "/api/v1/protocols/iv_ketamine/versions", SignedIn, None),
        route(
            Method::PUT,
            "/api/v1/protocols/iv_ketamine",
            P(ProtocolManage),
            Some(
                json!({"dose": {"kind": "weight_based", "mg_per_kg": 0.5, "infusion_minutes": 40}, "induction": {"sessions": 6, "per_week": 3}, "maintenance": [], "min_observation_minutes": 30, "reason": "matrix"}),
            ),
        ),
        route(Method::POST, &format!("/api/v1/patients/{patient}/courses"), P(CourseManage), Some(json!({"modality": "iv_ketamine"}))),
        route(Method::GET, &format!("/api/v1/patients/{patient}/courses"), P(ClinicalRead), None),
        route(Method::GET, "/api/v1/courses/01900000-0000-7000-8000-00000000a1e7", P(ClinicalRead), None),
        route(Method::POST, "/api/v1/courses/01900000-0000-7000-8000-00000000a1e7/sign", P(CourseManage), None),
        route(
            Method::POST,
            "/api/v1/courses/01900000-0000-7000-8000-00000000a1e7/phase",
            P(CourseManage),
            Some(json!({"phase": "stopped", "reason": "matrix"})),
        ),
        route(Method::GET, "/api/v1/pk/models", SignedIn, None),
        route(
            Method::POST,
            "/api/v1/pk/simulate",
            SignedIn,
            Some(
                json!({"model": "domino1984", "patient": {"weight_kg": 70}, "regimen": [{"route": "iv_bolus", "dose_mg": 10, "start_min": 0}], "end_min": 60, "step_min": 1}),
            ),
        ),
        route(Method::GET, "/api/v1/instruments", SignedIn, None),
        route(Method::GET, "/api/v1/instruments/phq9", SignedIn, None),
        route(Method::POST, "/api/v1/instruments/phq9/score", SignedIn, Some(json!({"answers": {}}))),
    ]
}

/// The router's own list of `/api/v1` routes, read from the OpenAPI document, so a new
/// endpoint without a row in this test fails it.
///
/// Left out, because they are not 401 without credentials by design: login and logout, and
/// `POST /api/v1/enquiries`, the public call-back form (anonymous submissions are accepted;
/// with credentials it needs `enquiry.manage`). Its refusals — a signed-in role without the
/// permission gets 403 and one audit row — are tested in `api_enquiries.rs`.
async fn documented_api_routes(app: &TestApp) -> Vec<(String, String)> {
    let doc = app.call(Method::GET, "/api/openapi.json", &Auth::None, None).await.json;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") || path == "/api/v1/auth/login" || path == "/api/v1/auth/logout" {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            if method == "post" && path == "/api/v1/enquiries" {
                continue;
            }
            out.push((method.to_uppercase(), path.clone()));
        }
    }
    out.sort();
    out
}

fn template(path: &str, ids: [&str; 3]) -> String {
    ids.iter()
        .fold(path.to_owned(), |p, id| p.replace(id, "{id}"))
        .replace("/instruments/phq9", "/instruments/{instrument}")
        .replace("?instrument=phq9", "")
        .replace("?modality=iv_ketamine", "")
        .replace("/assessments/01900000-0000-7000-8000-00000000a1e7/entered-in-error", "/assessments/{assessment_id}/entered-in-error")
        .replace("/chart/escort", "/chart/{kind}")
        .replace("/alerts/01900000-0000-7000-8000-00000000a1e8/", "/alerts/{alert_id}/")
        .replace("/rems-forms/01900000-0000-7000-8000-00000000a1e7/", "/rems-forms/{session_id}/")
        .replace("/protocols/iv_ketamine", "/protocols/{modality}")
        .replace("01900000-0000-7000-8000-00000000a1e7", "{id}")
}

#[tokio::test]
async fn every_api_route_checks_credentials_and_role() {
    let app = TestApp::new().await;
    let (patient, user, token) = ids(&app).await;
    let routes = api_routes(&patient, &user, &token);

    let mut covered: Vec<(String, String)> = routes.iter().map(|r| (r.method.to_string(), template(&r.path, [&patient, &user, &token]))).collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, documented_api_routes(&app).await, "every documented /api/v1 route has a row in this test");

    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, app.token(role).await));
    }
    for r in &routes {
        let anonymous = app.call(r.method.clone(), &r.path, &Auth::None, r.body.clone()).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{} {} without credentials", r.method, r.path);
        assert_eq!(anonymous.headers.get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
        for (role, auth) in &tokens {
            let allowed = match r.needs {
                Needs::SignedIn => true,
                Needs::Permission(p) => allows(*role, p),
                Needs::AnyOf(ps) => ps.iter().any(|p| allows(*role, *p)),
            };
            // Disabling the admin's own target would end the nurse's tokens; skip state-changing
            // admin calls for allowed roles (covered by their own tests) but check the refusals.
            if allowed && r.method != Method::GET {
                continue;
            }
            if allowed && r.path.ends_with("/stream") {
                // An event stream does not end: check the answer's status, not its body.
                let Auth::Bearer(token) = auth else { panic!("API calls use tokens") };
                let req = axum::http::Request::get(&r.path).header(header::AUTHORIZATION, format!("Bearer {token}")).body(axum::body::Body::empty()).unwrap();
                let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK, "{role} may {} {}", r.method, r.path);
                continue;
            }
            let before = app.count("audit_events").await;
            let reply = app.call(r.method.clone(), &r.path, auth, r.body.clone()).await;
            if allowed {
                assert!(![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&reply.status), "{role} may {} {}: {}", r.method, r.path, reply.text);
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role} may not {} {}", r.method, r.path);
                assert_eq!(app.count("audit_events").await, before + 1, "only the denial was written for {role} {} {}", r.method, r.path);
                let admin = &tokens.iter().find(|(r, _)| *r == Role::Auditor).unwrap().1;
                let last = app.call(Method::GET, "/api/v1/audit-events?limit=1&action=access.denied", admin, None).await;
                assert_eq!(last.json["items"][0]["actor_role"], role.as_str());
            }
        }
    }
}

/// The page routes the UI router declares, read from its source so a new page without a row
/// in `page_routes` fails the test.
fn declared_page_routes() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/mod.rs")).unwrap();
    let mut out = Vec::new();
    for line in source.lines().filter(|l| l.trim_start().starts_with(".route(\"")) {
        let path = line.split('"').nth(1).unwrap().to_owned();
        for method in ["get", "post"] {
            if line.contains(&format!("{method}(")) {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out.sort();
    out
}

fn page_routes(patient: &str, user: &str) -> Vec<Route> {
    use Needs::{Permission as P, SignedIn};
    use Permission::*;
    vec![
        route(Method::GET, "/", SignedIn, None),
        route(Method::GET, "/patients", P(PatientRead), None),
        route(Method::POST, "/patients", P(PatientRegister), None),
        route(Method::GET, "/patients/new", P(PatientRegister), None),
        route(Method::GET, &format!("/patients/{patient}"), P(PatientRead), None),
        route(Method::GET, &format!("/patients/{patient}/edit"), P(PatientUpdate), None),
        route(Method::POST, &format!("/patients/{patient}/edit"), P(PatientUpdate), None),
        route(Method::POST, &format!("/patients/{patient}/status"), P(PatientMarkEnteredInError), None),
        route(Method::GET, &format!("/patients/{patient}/history"), P(PatientRead), None),
        route(Method::GET, &format!("/patients/{patient}/access"), P(AuditRead), None),
        route(Method::GET, &format!("/patients/{patient}/assessments/new"), P(AssessmentRecord), None),
        route(Method::POST, &format!("/patients/{patient}/assessments"), P(AssessmentRecord), None),
        route(Method::POST, &format!("/patients/{patient}/assessments/entered-in-error"), P(AssessmentRecord), None),
        route(Method::GET, &format!("/patients/{patient}/evaluations/new"), P(ClinicalWrite), None),
        route(Method::POST, &format!("/patients/{patient}/evaluations"), P(ClinicalWrite), None),
        route(Method::GET, &format!("/patients/{patient}/evaluations/latest"), P(ClinicalRead), None),
        route(Method::GET, &format!("/patients/{patient}/eligibility"), P(ClinicalRead), None),
        route(Method::POST, &format!("/patients/{patient}/eligibility-decisions"), P(EligibilityDecide), None),
        route(Method::GET, "/evaluations/01900000-0000-7000-8000-00000000a1e7", P(ClinicalRead), None),
        route(Method::GET, "/evaluations/01900000-0000-7000-8000-00000000a1e7/edit", P(ClinicalWrite), None),
        route(Method::POST, "/evaluations/01900000-0000-7000-8000-00000000a1e7/edit", P(ClinicalWrite), None),
        route(Method::POST, "/evaluations/01900000-0000-7000-8000-00000000a1e7/sign", P(EvaluationSign), None),
        route(Method::GET, "/dosing", SignedIn, None),
        route(Method::POST, "/dosing", SignedIn, None),
        route(Method::GET, "/outcomes", P(DashboardRead), None),
        route(Method::GET, "/worklist", P(ClinicalRead), None),
        route(Method::GET, "/board", P(ClinicalRead), None),
        route(Method::POST, &format!("/patients/{patient}/sessions"), P(ClinicalWrite), None),
        route(Method::GET, "/sessions/01900000-0000-7000-8000-00000000a1e7", P(ClinicalRead), None),
        route(Method::GET, "/sessions/01900000-0000-7000-8000-00000000a1e7/live", P(ClinicalRead), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/events", P(ClinicalWrite), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/vitals", P(ClinicalWrite), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/moaas", P(AssessmentRecord), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/dose", P(ClinicalRead), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/discharge", P(ClinicalWrite), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/prechecks", P(ClinicalWrite), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/alerts/01900000-0000-7000-8000-00000000a1e8/acknowledge", P(ClinicalWrite), None),
        route(Method::GET, "/rems-forms", P(ClinicalRead), None),
        route(Method::POST, "/rems-forms/01900000-0000-7000-8000-00000000a1e7/status", P(ClinicalWrite), None),
        route(Method::GET, "/sessions/01900000-0000-7000-8000-00000000a1e7/rems-form", P(ClinicalRead), None),
        route(Method::POST, "/sessions/01900000-0000-7000-8000-00000000a1e7/rems-form/answers", P(ClinicalWrite), None),
        route(Method::POST, "/tasks/01900000-0000-7000-8000-00000000a1e7/close", P(TaskClose), None),
        route(Method::GET, "/audit", P(AuditRead), None),
        route(Method::GET, "/alerts", P(AlertRead), None),
        route(Method::POST, "/alerts/01900000-0000-7000-8000-00000000a1e7/acknowledge", P(AlertAcknowledge), None),
        route(Method::GET, "/enquiries", P(EnquiryManage), None),
        route(Method::POST, "/enquiries/01900000-0000-7000-8000-00000000a1e7/attempts", P(EnquiryManage), None),
        route(Method::POST, "/enquiries/01900000-0000-7000-8000-00000000a1e7/status", P(EnquiryManage), None),
        route(Method::GET, "/enquiries/new", P(EnquiryManage), None),
        route(Method::POST, "/enquiries/new", P(EnquiryManage), None),
        // Converting needs enquiry.manage and patient.register; every role with the second has the first.
        route(Method::GET, "/enquiries/01900000-0000-7000-8000-00000000a1e7/convert", P(PatientRegister), None),
        route(Method::POST, "/enquiries/01900000-0000-7000-8000-00000000a1e7/convert", P(PatientRegister), None),
        route(Method::GET, &format!("/patients/{patient}/chart"), P(PatientRead), None),
        route(Method::POST, &format!("/patients/{patient}/chart/escort"), P(ChartContactsWrite), None),
        route(Method::POST, "/chart-entries/01900000-0000-7000-8000-00000000a1e7", P(ChartContactsWrite), None),
        route(Method::GET, "/chart-entries/01900000-0000-7000-8000-00000000a1e7/history", P(PatientRead), None),
        route(Method::GET, "/consent-templates", P(ConsentTemplateManage), None),
        route(Method::POST, "/consent-templates", P(ConsentTemplateManage), None),
        route(Method::GET, "/consent-templates/01900000-0000-7000-8000-00000000a1e7/edit", P(ConsentTemplateManage), None),
        route(Method::POST, "/consent-templates/01900000-0000-7000-8000-00000000a1e7/edit", P(ConsentTemplateManage), None),
        route(Method::GET, &format!("/patients/{patient}/consents/new"), P(ConsentWitness), None),
        route(Method::POST, &format!("/patients/{patient}/consents"), P(ConsentWitness), None),
        route(Method::GET, &format!("/patients/{patient}/rems-enrollment"), P(RemsEnroll), None),
        route(Method::POST, &format!("/patients/{patient}/rems-enrollment"), P(RemsEnroll), None),
        route(Method::GET, &format!("/patients/{patient}/safety-plan"), P(ClinicalRead), None),
        route(Method::GET, &format!("/patients/{patient}/courses"), P(ClinicalRead), None),
        route(Method::POST, &format!("/patients/{patient}/courses"), P(CourseManage), None),
        route(Method::POST, "/courses/01900000-0000-7000-8000-00000000a1e7/sign", P(CourseManage), None),
        route(Method::POST, "/courses/01900000-0000-7000-8000-00000000a1e7/phase", P(CourseManage), None),
        route(Method::GET, &format!("/patients/{patient}/safety-plan/edit"), P(SafetyPlanWrite), None),
        route(Method::POST, &format!("/patients/{patient}/safety-plan/edit"), P(SafetyPlanWrite), None),
        route(Method::GET, &format!("/patients/{patient}/self-report"), P(PatientRead), None),
        route(Method::POST, &format!("/patients/{patient}/self-report"), P(AssessmentRecord), None),
        route(Method::POST, "/self-report-links/01900000-0000-7000-8000-00000000a1e7/revoke", P(AssessmentRecord), None),
        route(Method::GET, "/admin/users", P(UserManage), None),
        route(Method::POST, "/admin/users", P(UserManage), None),
        route(Method::POST, &format!("/admin/users/{user}/disable"), P(UserManage), None),
        route(Method::POST, &format!("/admin/users/{user}/enable"), P(UserManage), None),
        route(Method::POST, &format!("/admin/users/{user}/revoke-sessions"), P(UserManage), None),
        route(Method::GET, "/account/password", SignedIn, None),
        route(Method::POST, "/account/password", SignedIn, None),
    ]
}

/// A page request: form posts carry an empty form body and the session's CSRF header.
async fn page(app: &TestApp, method: &Method, path: &str, auth: &Auth) -> common::Reply {
    let mut req = axum::http::Request::builder().method(method.clone()).uri(path);
    if let Auth::Session { cookie, csrf } = auth {
        req = req.header(header::COOKIE, format!("kc_session={cookie}")).header("x-csrf-token", csrf);
    }
    if *method == Method::POST {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    app.send(req.body(axum::body::Body::empty()).unwrap()).await
}

#[tokio::test]
async fn every_page_checks_login_and_role() {
    let app = TestApp::new().await;
    let (patient, user, _) = ids(&app).await;
    let routes = page_routes(&patient, &user);
    let mut covered: Vec<(String, String)> = routes.iter().map(|r| (r.method.to_string(), template(&r.path, [&patient, &user, &user]))).collect();
    covered.extend([
        ("GET".to_owned(), "/login".to_owned()),
        ("POST".to_owned(), "/login".to_owned()),
        ("POST".to_owned(), "/logout".to_owned()),
        ("GET".to_owned(), "/enquire".to_owned()),
        ("POST".to_owned(), "/enquire".to_owned()),
        ("GET".to_owned(), "/r/done".to_owned()),
        ("GET".to_owned(), "/r/{token}".to_owned()),
        ("POST".to_owned(), "/r/{token}".to_owned()),
    ]);
    covered.sort();
    assert_eq!(
        covered,
        declared_page_routes(),
        "every page route has a row in this test (login, logout, the enquiry form and the self-report form are public)"
    );

    let mut sessions = Vec::new();
    for role in Role::ALL {
        sessions.push((role, app.login(role).await));
    }
    let auditor = app.token(Role::Auditor).await;
    for r in &routes {
        let anonymous = page(&app, &r.method, &r.path, &Auth::None).await;
        assert!(anonymous.status.is_redirection(), "{} {} without a session: {}", r.method, r.path, anonymous.status);
        let location = anonymous.headers.get(header::LOCATION).unwrap().to_str().unwrap();
        assert!(location.starts_with("/login?next="), "{} {} redirects to the login page, not {location}", r.method, r.path);
        for (role, auth) in &sessions {
            let allowed = match r.needs {
                Needs::SignedIn => true,
                Needs::Permission(p) => allows(*role, p),
                Needs::AnyOf(ps) => ps.iter().any(|p| allows(*role, *p)),
            };
            if allowed && r.method != Method::GET {
                continue;
            }
            let before = app.count("audit_events").await;
            let reply = page(&app, &r.method, &r.path, auth).await;
            if allowed {
                assert!(
                    ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&reply.status),
                    "{role} may open {} {}: {}",
                    r.method,
                    r.path,
                    reply.status
                );
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role} may not {} {}", r.method, r.path);
                assert!(reply.text.contains("may not"), "the 403 page says why");
                assert_eq!(app.count("audit_events").await, before + 1, "only the denial was written for {role} {} {}", r.method, r.path);
                let last = app.call(Method::GET, "/api/v1/audit-events?limit=1&action=access.denied", &auditor, None).await;
                assert_eq!(last.json["items"][0]["actor_role"], role.as_str());
            }
        }
    }
}
