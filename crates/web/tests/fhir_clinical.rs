//! The chart, treatment and questionnaire resources of the FHIR endpoint over HTTP: Encounter
//! and MedicationAdministration (read; search by patient and date with every prefix, sorting
//! and paging across pages), Condition and AllergyIntolerance (read; search by patient, paged),
//! Questionnaire (every instrument; fill one in and post the response) and QuestionnaireResponse
//! search (patient, questionnaire, authored), with their 400 / 404 / 403 outcomes. Data is made
//! through the real API. The manual clock stands at 2026-11-21T15:00:00Z.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

const BASE: &str = "http://127.0.0.1:8080";

async fn get(app: &TestApp, auth: &Auth, path: &str) -> Value {
    let r = app.call(Method::GET, path, auth, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    assert_eq!(r.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/fhir+json"));
    r.json
}

fn ids(bundle: &Value) -> Vec<String> {
    bundle["entry"].as_array().map_or_else(Vec::new, |e| e.iter().map(|x| x["resource"]["id"].as_str().unwrap().to_owned()).collect())
}

/// Every page of a search, following `next` links: (pages, ids in order).
async fn all_pages(app: &TestApp, auth: &Auth, first: &str) -> (usize, Vec<String>) {
    let mut page = get(app, auth, first).await;
    let (mut pages, mut seen) = (1, ids(&page));
    while let Some(next) = page["link"].as_array().unwrap().iter().find(|l| l["relation"] == "next") {
        let path = next["url"].as_str().unwrap().trim_start_matches(BASE).to_owned();
        page = get(app, auth, &path).await;
        seen.extend(ids(&page));
        pages += 1;
    }
    (pages, seen)
}

async fn event(app: &TestApp, nurse: &Auth, session: &str, body: Value) {
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{session}/events"), nurse, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.text);
}

/// A checked-in IV session with its pre-checks done (a prescriber overrides the eligibility
/// check: no evaluation is written here), on `day` from 09:00.
async fn dosable_session(app: &TestApp, pid: &str, day: &str) -> String {
    let (nurse, prescriber) = (app.token(Role::Nurse).await, app.token(Role::Prescriber).await);
    let r = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sid = r.json["id"].as_str().unwrap().to_owned();
    event(app, &nurse, &sid, json!({"type": "checked_in", "at": format!("{day}T09:00:00Z")})).await;
    let v = json!({"readings": [{"at": format!("{day}T09:02:00Z"), "systolic": 128, "diastolic": 82, "heart_rate": 76, "spo2": 98, "resp_rate": 14}]});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/sessions/{sid}/vitals"), &nurse, Some(v)).await.status, StatusCode::OK);
    let pre = json!({
        "identity_confirmed": true, "fasting_confirmed": true, "medications_reviewed": true, "pregnancy": "not_pregnant",
        "escort": {"name": "Rae Leave", "phone": "+12125550143"}, "at": format!("{day}T09:05:00Z"),
        "overrides": [{"check": "eligibility_current", "reason": "approved at the consult; the evaluation is on paper"}]
    });
    let r = app.call(Method::POST, &format!("/api/v1/sessions/{sid}/prechecks"), &prescriber, Some(pre)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    sid
}

/// A consented IV-ketamine patient with: session A (19 Nov, 35 mg from lot KX-1, infusion
/// stopped, then the session stopped early), session B (20 Nov, 40 mg running, no lot) and
/// session C (booked at 15:00 on 21 Nov, not started). Returns (patient, A, B, C).
async fn treated_patient(app: &TestApp) -> (String, String, String, String) {
    let (admin, nurse) = (app.token(Role::Admin).await, app.token(Role::Nurse).await);
    let pid = app.patient("Tess", "Treated").await["id"].as_str().unwrap().to_owned();
    let template = json!({"modality": "iv_ketamine", "title": "Treatment consent", "text": "Risks, benefits and alternatives were explained."});
    let t = app.call(Method::POST, "/api/v1/consent-templates", &admin, Some(template)).await;
    let sign = json!({"template_id": t.json["id"], "template_version": 1, "typed_name": "Tess Treated", "signature_path": "M10 10 L20 20"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/consents"), &nurse, Some(sign)).await.status, StatusCode::CREATED);
    let a = dosable_session(app, &pid, "2026-11-19").await;
    event(app, &nurse, &a, json!({"type": "administration_started", "dose_mg": 35, "lot": "KX-1", "at": "2026-11-19T09:10:00Z"})).await;
    event(app, &nurse, &a, json!({"type": "administration_stopped", "at": "2026-11-19T09:50:00Z"})).await;
    event(app, &nurse, &a, json!({"type": "stopped_early", "reason": "patient asked to leave", "at": "2026-11-19T10:30:00Z"})).await;
    let b = dosable_session(app, &pid, "2026-11-20").await;
    event(app, &nurse, &b, json!({"type": "administration_started", "dose_mg": 40, "at": "2026-11-20T09:10:00Z"})).await;
    let r = app.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
    (pid, a, b, r.json["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn encounters_search_by_patient_and_date_with_every_prefix_sorting_and_paging() {
    let app = TestApp::builder().manual_clock().build().await;
    let (pid, a, b, c) = treated_patient(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let audited = app.count("audit_events").await;
    let all = get(&app, &nurse, &format!("/fhir/Encounter?patient=Patient/{pid}&_total=accurate")).await;
    assert_eq!(app.count("audit_events").await, audited + 1, "one audited read per search");
    assert_eq!((all["total"].as_u64(), ids(&all)), (Some(3), vec![a.clone(), b.clone(), c.clone()]), "oldest first");
    let first = &all["entry"][0];
    assert_eq!(first["fullUrl"], format!("{BASE}/fhir/Encounter/{a}"));
    assert_eq!((first["resource"]["status"].as_str(), first["resource"]["class"]["code"].as_str()), (Some("finished"), Some("AMB")));
    assert_eq!(first["resource"]["period"], json!({"start": "2026-11-19T09:00:00Z", "end": "2026-11-19T10:30:00Z"}));
    assert_eq!(first["resource"]["subject"]["reference"], format!("Patient/{pid}"));
    assert_eq!((all["entry"][1]["resource"]["status"].as_str(), all["entry"][2]["resource"]["status"].as_str()), (Some("in-progress"), Some("planned")));
    for (date, expected) in [
        ("2026-11-19", vec![&a]),
        ("eq2026-11-20", vec![&b]),
        ("ge2026-11-20", vec![&b, &c]),
        ("gt2026-11-19T09:00:00Z", vec![&b, &c]),
        ("gt2026-11-20", vec![&c]),
        ("le2026-11-20", vec![&a, &b]),
        ("lt2026-11-20T09:00:00Z", vec![&a]),
    ] {
        let found = ids(&get(&app, &nurse, &format!("/fhir/Encounter?patient={pid}&date={date}")).await);
        assert_eq!(found.iter().collect::<Vec<_>>(), expected, "date={date}");
    }
    let window = get(&app, &nurse, &format!("/fhir/Encounter?patient={pid}&date=ge2026-11-19&date=lt2026-11-21")).await;
    assert_eq!(ids(&window), [a.clone(), b.clone()], "repeated dates are all applied");
    assert_eq!(ids(&get(&app, &nurse, &format!("/fhir/Encounter?patient={pid}&_sort=-date")).await), [c.clone(), b.clone(), a.clone()]);
    let (pages, seen) = all_pages(&app, &nurse, &format!("/fhir/Encounter?patient={pid}&_count=1")).await;
    assert_eq!((pages, seen), (3, ids(&all)));
    let (pages, seen) = all_pages(&app, &nurse, &format!("/fhir/Encounter?patient={pid}&_count=2&_sort=-date")).await;
    assert_eq!((pages, seen), (2, vec![c.clone(), b.clone(), a.clone()]), "paging keeps a descending order");
    for id in ids(&all) {
        assert_eq!(get(&app, &nurse, &format!("/fhir/Encounter/{id}")).await["id"], id.as_str());
    }
}

#[tokio::test]
async fn medication_administrations_carry_dose_lot_and_encounter_and_page_by_time() {
    let app = TestApp::builder().manual_clock().build().await;
    let (pid, a, b, _) = treated_patient(&app).await;
    let nurse = app.token(Role::Nurse).await;
    let all = get(&app, &nurse, &format!("/fhir/MedicationAdministration?patient={pid}&_total=accurate")).await;
    assert_eq!(all["total"], 2);
    let given = &all["entry"][0]["resource"];
    assert_eq!((given["status"].as_str(), given["context"]["reference"].as_str()), (Some("completed"), Some(format!("Encounter/{a}").as_str())));
    assert_eq!(given["effectivePeriod"], json!({"start": "2026-11-19T09:10:00Z", "end": "2026-11-19T09:50:00Z"}));
    assert_eq!(given["dosage"]["dose"], json!({"value": 35, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}));
    assert_eq!((given["dosage"]["route"]["text"].as_str(), given["medicationReference"]["reference"].as_str()), (Some("Intravenous"), Some("#med")));
    assert_eq!(given["contained"][0]["batch"]["lotNumber"], "KX-1");
    let running = &all["entry"][1]["resource"];
    assert_eq!((running["status"].as_str(), running["context"]["reference"].as_str()), (Some("in-progress"), Some(format!("Encounter/{b}").as_str())));
    assert_eq!(running["medicationCodeableConcept"], json!({"text": "ketamine"}), "no lot, no product: the drug in words only");
    assert!(running["effectivePeriod"].get("end").is_none());
    for (query, expected) in [
        ("date=ge2026-11-20", 1),
        ("effective-time=lt2026-11-20", 1),
        ("date=eq2026-11-19T09:10:00Z", 1),
        ("date=gt2026-11-20T09:10:00Z", 0),
        ("date=le2026-11-20T09:10:00Z", 2),
    ] {
        assert_eq!(ids(&get(&app, &nurse, &format!("/fhir/MedicationAdministration?patient={pid}&{query}")).await).len(), expected, "{query}");
    }
    let newest = get(&app, &nurse, &format!("/fhir/MedicationAdministration?patient={pid}&_sort=-date&_count=1")).await;
    assert_eq!(ids(&newest), ids(&all)[1..]);
    let (pages, seen) = all_pages(&app, &nurse, &format!("/fhir/MedicationAdministration?patient={pid}&_count=1")).await;
    assert_eq!((pages, seen), (2, ids(&all)));
    for id in ids(&all) {
        assert!(id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'), "{id}");
        assert_eq!(get(&app, &nurse, &format!("/fhir/MedicationAdministration/{id}")).await["id"], id.as_str());
    }
}

#[tokio::test]
async fn conditions_and_allergies_read_and_search_by_patient() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let pid = app.patient("Cora", "Charted").await["id"].as_str().unwrap().to_owned();
    for (kind, body) in [
        ("diagnosis", json!({"icd10cm": "F33.1", "primary": true, "onset": "2023-05-01"})),
        ("diagnosis", json!({"icd10cm": "F43.10", "status": "resolved"})),
        ("allergy", json!({"substance": "Penicillin", "reaction": "Hives", "severity": "severe"})),
    ] {
        let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/chart/{kind}"), &nurse, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let conditions = get(&app, &nurse, &format!("/fhir/Condition?patient={pid}&_total=accurate")).await;
    assert_eq!(conditions["total"], 2);
    let codes: Vec<&str> = conditions["entry"].as_array().unwrap().iter().filter_map(|e| e["resource"]["code"]["coding"][0]["code"].as_str()).collect();
    assert_eq!(codes.iter().filter(|c| ["F33.1", "F43.10"].contains(c)).count(), 2, "{codes:?}");
    let mdd = conditions["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).find(|r| r["code"]["coding"][0]["code"] == "F33.1").unwrap();
    assert_eq!(mdd["code"]["coding"][0]["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    assert_eq!((mdd["clinicalStatus"]["coding"][0]["code"].as_str(), mdd["onsetDateTime"].as_str()), (Some("active"), Some("2023-05-01")));
    assert_eq!(mdd["category"][0]["coding"][0]["code"], "problem-list-item");
    let (pages, seen) = all_pages(&app, &nurse, &format!("/fhir/Condition?patient={pid}&_count=1")).await;
    assert_eq!((pages, seen), (2, ids(&conditions)));
    for id in ids(&conditions) {
        assert_eq!(get(&app, &nurse, &format!("/fhir/Condition/{id}")).await["resourceType"], "Condition");
    }
    let allergies = get(&app, &nurse, &format!("/fhir/AllergyIntolerance?patient={pid}")).await;
    let allergy = &allergies["entry"][0]["resource"];
    assert_eq!((allergy["code"]["text"].as_str(), allergy["reaction"][0]["severity"].as_str()), (Some("Penicillin"), Some("severe")));
    assert_eq!(allergy["patient"]["reference"], format!("Patient/{pid}"));
    let id = allergy["id"].as_str().unwrap();
    assert_eq!(get(&app, &nurse, &format!("/fhir/AllergyIntolerance/{id}")).await["reaction"][0]["manifestation"][0]["text"], "Hives");
    let wrong_type = app.call(Method::GET, &format!("/fhir/Condition/{id}"), &nurse, None).await;
    assert_eq!(wrong_type.status, StatusCode::NOT_FOUND, "an allergy's id is no Condition");
}

#[tokio::test]
async fn a_questionnaire_is_filled_in_and_its_response_found_by_patient_questionnaire_and_authored() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let all = get(&app, &nurse, "/fhir/Questionnaire").await;
    assert_eq!(ids(&all).len(), 8);
    let phq9_url = format!("{BASE}/fhir/Questionnaire/phq9");
    assert_eq!(ids(&get(&app, &nurse, &format!("/fhir/Questionnaire?url={phq9_url}")).await), ["phq9"]);
    assert_eq!(ids(&get(&app, &nurse, "/fhir/Questionnaire?_id=qids-sr16").await), ["qids-sr16"]);
    assert_eq!(get(&app, &nurse, "/fhir/Questionnaire/cssrs_screener").await["id"], "cssrs-screener", "the canonical URL resolves");
    let phq9 = get(&app, &nurse, "/fhir/Questionnaire/phq9").await;
    assert_eq!((phq9["url"].as_str(), phq9["code"][0]["code"].as_str()), (Some(phq9_url.as_str()), Some("44249-1")));

    // Fill it in: every required item with its first option's value.
    let pid = app.patient("Quin", "Questioned").await["id"].as_str().unwrap().to_owned();
    let items: Vec<Value> = phq9["item"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["required"] == true)
        .map(|i| json!({"linkId": i["linkId"], "answer": [{"valueInteger": i["answerOption"][0]["valueInteger"]}]}))
        .collect();
    for authored in ["2026-11-10T10:00:00Z", "2026-11-17T10:00:00Z"] {
        let qr = json!({"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": phq9["url"],
            "subject": {"reference": format!("Patient/{pid}")}, "authored": authored, "item": items});
        let r = app.call(Method::POST, "/fhir/QuestionnaireResponse", &nurse, Some(qr)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let gad7 = json!({"instrument": "gad7", "answers": {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1}, "administered_at": "2026-11-18T10:00:00Z"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(gad7)).await.status, StatusCode::CREATED);

    let search = |q: String| format!("/fhir/QuestionnaireResponse?patient={pid}&{q}");
    let every = get(&app, &nurse, &search("_total=accurate".into())).await;
    assert_eq!(every["total"], 3);
    assert_eq!(get(&app, &nurse, &search(format!("questionnaire={phq9_url}&_total=accurate"))).await["total"], 2);
    assert_eq!(get(&app, &nurse, &search("questionnaire=gad7&_total=accurate".into())).await["total"], 1);
    assert_eq!(get(&app, &nurse, &search("questionnaire=gad7,phq9&_total=accurate".into())).await["total"], 3);
    for (authored, expected) in [("ge2026-11-17", 2), ("gt2026-11-17", 1), ("lt2026-11-17", 1), ("le2026-11-17T10:00:00Z", 2), ("2026-11-10", 1)] {
        assert_eq!(ids(&get(&app, &nurse, &search(format!("authored={authored}"))).await).len(), expected, "authored={authored}");
    }
    let newest = get(&app, &nurse, &search("_sort=-authored&_count=1".into())).await;
    assert_eq!(newest["entry"][0]["resource"]["authored"], "2026-11-18T10:00:00Z");
    let (pages, seen) = all_pages(&app, &nurse, &search("_count=2".into())).await;
    assert_eq!((pages, seen), (2, ids(&every)));
}

#[tokio::test]
async fn refusals_are_operation_outcomes() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let pid = app.patient("Rex", "Refused").await["id"].as_str().unwrap().to_owned();
    for (path, param) in [
        ("/fhir/Encounter?date=ge2026-11-01".to_owned(), "patient"),
        (format!("/fhir/Encounter?patient={pid}&date=ne2026-11-01"), "date"),
        (format!("/fhir/Encounter?patient={pid}&_sort=status"), "_sort"),
        (format!("/fhir/Encounter?patient={pid}&status=finished"), "status"),
        (format!("/fhir/MedicationAdministration?patient={pid}&effective-time=soon"), "effective-time"),
        (format!("/fhir/MedicationAdministration?patient={pid}&_count=101"), "_count"),
        (format!("/fhir/Condition?patient={pid}&code=F33.1"), "code"),
        (format!("/fhir/Condition?patient={pid}&_sort=date"), "_sort"),
        ("/fhir/AllergyIntolerance".to_owned(), "patient"),
        (format!("/fhir/QuestionnaireResponse?patient={pid}&authored=yesterday"), "authored"),
        (format!("/fhir/QuestionnaireResponse?patient={pid}&_cursor=nonsense"), "_cursor"),
        ("/fhir/Questionnaire?name=PHQ9".to_owned(), "name"),
    ] {
        let r = app.call(Method::GET, &path, &nurse, None).await;
        assert_eq!((r.status, r.json["resourceType"].as_str()), (StatusCode::BAD_REQUEST, Some("OperationOutcome")), "{path}: {}", r.text);
        assert!(r.json["issue"].as_array().unwrap().iter().any(|i| i["expression"][0] == param), "{path}: {}", r.text);
    }
    let unknown = "01900000-0000-7000-8000-000000000099";
    for path in [
        format!("/fhir/Encounter?patient={unknown}"),
        format!("/fhir/Condition?patient={unknown}"),
        format!("/fhir/Encounter/{unknown}"),
        "/fhir/Encounter/not-a-uuid".to_owned(),
        "/fhir/MedicationAdministration/garbage".to_owned(),
        "/fhir/Condition/AZAAAAAAcACAAAAAAAAAmQ".to_owned(),
        "/fhir/AllergyIntolerance/x".to_owned(),
        "/fhir/Questionnaire/beck".to_owned(),
    ] {
        let r = app.call(Method::GET, &path, &nurse, None).await;
        assert_eq!((r.status, r.json["issue"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")), "{path}: {}", r.text);
    }
    let desk = app.token(Role::FrontDesk).await;
    for path in ["Encounter", "MedicationAdministration", "Condition", "AllergyIntolerance", "QuestionnaireResponse"] {
        let r = app.call(Method::GET, &format!("/fhir/{path}?patient={pid}"), &desk, None).await;
        assert_eq!((r.status, r.json["issue"][0]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{path}: clinical data");
    }
    assert_eq!(app.call(Method::GET, "/fhir/Questionnaire/phq9", &desk, None).await.status, StatusCode::OK, "definitions hold no patient data");
    assert_eq!(app.call(Method::GET, "/fhir/Questionnaire", &Auth::None, None).await.status, StatusCode::UNAUTHORIZED);
}
