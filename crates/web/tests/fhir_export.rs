//! FHIR Bulk Data export over HTTP: kick-off, polling, the manifest, NDJSON files, `_type` and
//! `_since`, cancellation, retention, who may export, and refusals as OperationOutcomes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Auth, Reply, TestApp};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

const BASE: &str = "http://127.0.0.1:8080";

async fn kick_off(app: &TestApp, path: &str, auth: &Auth, prefer: bool) -> Reply {
    let Auth::Bearer(token) = auth else { panic!("FHIR clients use bearer tokens") };
    let mut req = Request::builder().method(Method::GET).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    req = req.header(header::ACCEPT, "application/fhir+json");
    if prefer {
        req = req.header("prefer", "respond-async");
    }
    app.send(req.body(Body::empty()).unwrap()).await
}

fn local(url: &str) -> String {
    url.trim_start_matches(BASE).to_owned()
}

/// Polls the status URL until the export has finished; returns the final reply.
async fn wait(app: &TestApp, status_url: &str, auth: &Auth) -> Reply {
    for _ in 0..200 {
        let reply = app.call(Method::GET, status_url, auth, None).await;
        if reply.status != StatusCode::ACCEPTED {
            return reply;
        }
        assert!(reply.headers.get("x-progress").is_some(), "a running export says how far it has got");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the export did not finish");
}

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn a_full_export_from_kick_off_to_files() {
    let app = TestApp::builder().manual_clock().build().await;
    let first = app.observed_patient("Ada").await;
    let second = app.observed_patient("Bea").await;
    let prescriber = app.token(Role::Prescriber).await;

    let accepted = kick_off(&app, "/fhir/$export", &prescriber, true).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.text);
    let status_url = accepted.headers.get(header::CONTENT_LOCATION).unwrap().to_str().unwrap().to_owned();
    assert!(status_url.starts_with(&format!("{BASE}/fhir/$export-status/")), "{status_url}");

    let done = wait(&app, &local(&status_url), &prescriber).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let manifest = &done.json;
    assert_eq!(manifest["transactionTime"], "2026-11-21T15:00:00Z", "the data is as of the kick-off");
    assert_eq!(manifest["request"], format!("{BASE}/fhir/$export"));
    assert_eq!(manifest["requiresAccessToken"], true);
    assert_eq!(manifest["error"], json!([]));
    let outputs: Vec<(String, u64)> =
        manifest["output"].as_array().unwrap().iter().map(|o| (o["type"].as_str().unwrap().to_owned(), o["count"].as_u64().unwrap())).collect();
    // Per patient: 1 Patient, 6 vital-sign Observations plus the PHQ-9's score Observations,
    // 1 QuestionnaireResponse, 1 Encounter.
    let observations = outputs.iter().find(|(t, _)| t == "Observation").map(|(_, n)| *n).unwrap();
    assert_eq!(outputs[0], ("Patient".to_owned(), 2));
    assert_eq!(outputs.iter().find(|(t, _)| t == "QuestionnaireResponse").map(|(_, n)| *n), Some(2));

    for output in manifest["output"].as_array().unwrap() {
        let url = local(output["url"].as_str().unwrap());
        let unauthenticated = app.call(Method::GET, &url, &Auth::None, None).await;
        assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED, "files need the token");
        let file = app.call(Method::GET, &url, &prescriber, None).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.headers.get(header::CONTENT_TYPE).unwrap(), "application/fhir+ndjson");
        let resources = lines(&file.text);
        assert_eq!(resources.len() as u64, output["count"].as_u64().unwrap(), "{url}");
        for r in &resources {
            assert_eq!(r["resourceType"], output["type"]);
        }
        if output["type"] == "Patient" {
            let mut ids: Vec<&str> = resources.iter().map(|r| r["id"].as_str().unwrap()).collect();
            ids.sort_unstable();
            let mut expected = [first.as_str(), second.as_str()];
            expected.sort_unstable();
            assert_eq!(ids, expected);
        }
        if output["type"] == "Observation" {
            let hr = resources.iter().filter(|r| r["code"]["coding"][0]["code"] == "8867-4").count();
            assert_eq!(hr, 6, "three heart rates per patient");
            assert_eq!(resources.len() as u64, observations);
            assert!(
                resources.iter().all(|r| r["subject"]["reference"] == format!("Patient/{first}") || r["subject"]["reference"] == format!("Patient/{second}"))
            );
        }
    }
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?action=patient.export", &auditor, None).await;
    let mut audited: Vec<&str> = log.json["items"].as_array().unwrap().iter().map(|e| e["patient_id"].as_str().unwrap()).collect();
    audited.sort_unstable();
    let mut both = [first.as_str(), second.as_str()];
    both.sort_unstable();
    assert_eq!(audited, both, "each exported patient's record is an audited read");

    // Another account cannot see this export.
    let other = auditor;
    assert_eq!(app.call(Method::GET, &local(&status_url), &other, None).await.status, StatusCode::NOT_FOUND);
    let file_url = local(manifest["output"][0]["url"].as_str().unwrap());
    assert_eq!(app.call(Method::GET, &file_url, &other, None).await.status, StatusCode::NOT_FOUND);

    // Retention: an hour after it finished, the files are gone.
    app.clock.as_ref().unwrap().advance(SignedDuration::from_mins(61));
    let expired = app.call(Method::GET, &local(&status_url), &prescriber, None).await;
    assert_eq!((expired.status, expired.json["resourceType"].as_str()), (StatusCode::NOT_FOUND, Some("OperationOutcome")));
    assert_eq!(app.call(Method::GET, &file_url, &prescriber, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(std::fs::read_dir(app.export_dir()).unwrap().count(), 0, "expired files are deleted from disk");
}

#[tokio::test]
async fn type_and_since_narrow_the_export() {
    let app = TestApp::builder().manual_clock().build().await;
    app.observed_patient("Cai").await;
    let prescriber = app.token(Role::Prescriber).await;

    let only = kick_off(&app, "/fhir/Patient/$export?_type=QuestionnaireResponse,Patient&_outputFormat=application%2Ffhir%2Bndjson", &prescriber, true).await;
    assert_eq!(only.status, StatusCode::ACCEPTED, "{}", only.text);
    let done = wait(&app, &local(only.headers[header::CONTENT_LOCATION].to_str().unwrap()), &prescriber).await;
    let types: Vec<&str> = done.json["output"].as_array().unwrap().iter().map(|o| o["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["Patient", "QuestionnaireResponse"]);

    // Vital signs count from their reading time (14:30, 14:40, 14:50); the patient and the
    // PHQ-9 were recorded at 15:00 (the manual clock).
    let since = kick_off(&app, "/fhir/$export?_type=Observation&_since=2026-11-21T14:45:00Z", &prescriber, true).await;
    let done = wait(&app, &local(since.headers[header::CONTENT_LOCATION].to_str().unwrap()), &prescriber).await;
    let file = app.call(Method::GET, &local(done.json["output"][0]["url"].as_str().unwrap()), &prescriber, None).await;
    let codes: Vec<String> = lines(&file.text).iter().map(|r| r["code"]["coding"][0]["code"].as_str().unwrap().to_owned()).collect();
    assert!(codes.contains(&"8867-4".to_owned()), "the 14:50 heart rate is newer than _since");
    assert!(!codes.contains(&"85354-9".to_owned()), "both blood pressures are older than _since");
    assert!(codes.contains(&"44261-6".to_owned()), "the PHQ-9 total was recorded at 15:00, after _since");

    let nothing = kick_off(&app, "/fhir/$export?_since=2026-11-21T15:00:01Z", &prescriber, true).await;
    let done = wait(&app, &local(nothing.headers[header::CONTENT_LOCATION].to_str().unwrap()), &prescriber).await;
    assert_eq!(done.json["output"], json!([]), "nothing changed since then: no files");
}

#[tokio::test]
async fn cancelling_deletes_the_export() {
    let app = TestApp::new().await;
    app.observed_patient("Dov").await;
    let prescriber = app.token(Role::Prescriber).await;
    let accepted = kick_off(&app, "/fhir/$export", &prescriber, true).await;
    let status_url = local(accepted.headers[header::CONTENT_LOCATION].to_str().unwrap());
    wait(&app, &status_url, &prescriber).await;
    assert_eq!(std::fs::read_dir(app.export_dir()).unwrap().count(), 1);
    assert_eq!(app.call(Method::DELETE, &status_url, &prescriber, None).await.status, StatusCode::ACCEPTED);
    assert_eq!(app.call(Method::GET, &status_url, &prescriber, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call(Method::DELETE, &status_url, &prescriber, None).await.status, StatusCode::NOT_FOUND, "already gone");
    assert_eq!(std::fs::read_dir(app.export_dir()).unwrap().count(), 0);
}

#[tokio::test]
async fn refusals_are_operation_outcomes() {
    let app = TestApp::new().await;
    let prescriber = app.token(Role::Prescriber).await;

    let sync = kick_off(&app, "/fhir/$export", &prescriber, false).await;
    assert_eq!((sync.status, sync.json["issue"][0]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid")));
    assert!(sync.json["issue"][0]["diagnostics"].as_str().unwrap().contains("respond-async"));

    let bad = kick_off(&app, "/fhir/$export?_type=Medication,Patient&_since=yesterday&_elements=id", &prescriber, true).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let params: Vec<&str> = bad.json["issue"].as_array().unwrap().iter().map(|i| i["expression"][0].as_str().unwrap()).collect();
    assert_eq!(params, ["_type", "_since", "_elements"], "every problem at once");

    for role in [Role::Nurse, Role::Admin, Role::FrontDesk, Role::Therapist] {
        let token = app.token(role).await;
        let refused = kick_off(&app, "/fhir/$export", &token, true).await;
        assert_eq!((refused.status, refused.json["issue"][0]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{role:?}");
    }
    let auditor = app.token(Role::Auditor).await;
    assert_eq!(kick_off(&app, "/fhir/$export", &auditor, true).await.status, StatusCode::ACCEPTED, "the auditor may export");

    for missing in ["/fhir/$export-status/not-a-job", "/fhir/$export-status/01900000-0000-7000-8000-000000000099", "/fhir/$export-file/x/Patient.ndjson"] {
        assert_eq!(app.call(Method::GET, missing, &prescriber, None).await.status, StatusCode::NOT_FOUND, "{missing}");
    }
}
