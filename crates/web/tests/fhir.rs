//! The FHIR endpoint over HTTP: the CapabilityStatement, Patient read with a bearer token, and
//! OperationOutcome errors (401 without a token or with a browser session, 403 for a role
//! without `patient.read`, 404 for an unknown id or an unsupported interaction).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;

fn is_fhir(reply: &common::Reply) -> bool {
    reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) == Some("application/fhir+json")
}

#[tokio::test]
async fn metadata_claims_what_works() {
    let app = TestApp::new().await;
    let reply = app.call(Method::GET, "/fhir/metadata", &Auth::None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(is_fhir(&reply));
    assert_eq!(reply.json["resourceType"], "CapabilityStatement");
    assert_eq!(reply.json["fhirVersion"], "4.0.1");
    assert_eq!(reply.json["implementation"]["url"], "http://127.0.0.1:8080/fhir");
    let types: Vec<&str> = reply.json["rest"][0]["resource"].as_array().unwrap().iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(
        types,
        ["Patient", "Observation", "QuestionnaireResponse", "Questionnaire", "Condition", "AllergyIntolerance", "Encounter", "MedicationAdministration"]
    );
    assert_eq!(reply.json["rest"][0]["operation"][0]["name"], "export");
}

#[tokio::test]
async fn patient_read_with_a_token_and_every_refusal_as_an_operation_outcome() {
    let app = TestApp::new().await;
    let created = app.patient("Robin", "Fhirtest").await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/fhir/Patient/{id}");
    let nurse = app.token(Role::Nurse).await;

    let reply = app.call(Method::GET, &path, &nurse, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(is_fhir(&reply));
    assert_eq!(reply.json["resourceType"], "Patient");
    assert_eq!(reply.json["id"], id);
    assert_eq!(reply.json["name"][0]["family"], "Fhirtest");
    assert_eq!(reply.json["identifier"][0]["value"], created["mrn"]);
    assert_eq!(reply.json["identifier"][0]["system"], "http://127.0.0.1:8080/fhir/sid/mrn");
    assert_eq!(reply.json["birthDate"], "1980-02-29");

    let none = app.call(Method::GET, &path, &Auth::None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(is_fhir(&none));
    assert_eq!((none.json["resourceType"].as_str(), none.json["issue"][0]["code"].as_str()), (Some("OperationOutcome"), Some("login")));
    assert_eq!(none.headers.get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()), Some("Bearer"));

    let session = app.login(Role::Nurse).await;
    assert_eq!(app.call(Method::GET, &path, &session, None).await.status, StatusCode::UNAUTHORIZED, "browser sessions are not FHIR clients");

    let admin = app.token(Role::Admin).await;
    let refused = app.call(Method::GET, &path, &admin, None).await;
    assert_eq!((refused.status, refused.json["issue"][0]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

    for missing in ["/fhir/Patient/01900000-0000-7000-8000-000000000099", "/fhir/Patient/not-a-uuid"] {
        let reply = app.call(Method::GET, missing, &nurse, None).await;
        assert_eq!((reply.status, reply.json["issue"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")), "{missing}");
    }
    let unsupported = app.call(Method::GET, "/fhir/Appointment?patient=x", &nurse, None).await;
    assert_eq!((unsupported.status, unsupported.json["issue"][0]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-supported")));
    assert!(is_fhir(&unsupported));
}

fn ids(bundle: &serde_json::Value) -> Vec<String> {
    bundle["entry"].as_array().map_or_else(Vec::new, |e| e.iter().map(|x| x["resource"]["id"].as_str().unwrap().to_owned()).collect())
}

fn next_link(bundle: &serde_json::Value) -> Option<String> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == "next")
        .map(|l| l["url"].as_str().unwrap().trim_start_matches("http://127.0.0.1:8080").to_owned())
}

#[tokio::test]
async fn observation_search_by_patient_code_category_and_date_with_paging() {
    let app = TestApp::builder().manual_clock().build().await;
    let pid = app.observed_patient("Ola").await;
    let nurse = app.token(Role::Nurse).await;
    let get = |q: String| {
        let (app, nurse) = (&app, &nurse);
        async move {
            let r = app.call(Method::GET, &format!("/fhir/Observation?{q}"), nurse, None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            assert!(is_fhir(&r));
            r.json
        }
    };
    // The readings give 2 blood pressures, 3 heart rates and 1 SpO2; the PHQ-9 one total.
    let all = get(format!("patient={pid}&_total=accurate&_count=100")).await;
    assert_eq!((all["type"].as_str(), all["total"].as_u64()), (Some("searchset"), Some(7)));
    let entry = &all["entry"][0];
    assert_eq!(entry["fullUrl"], format!("http://127.0.0.1:8080/fhir/Observation/{}", entry["resource"]["id"].as_str().unwrap()));
    assert_eq!(entry["resource"]["valueInteger"], 9, "oldest first: the PHQ-9 of the 20th");

    let hr = get(format!("subject=Patient/{pid}&code=http://loinc.org|8867-4&_total=accurate")).await;
    assert_eq!(hr["total"], 3);
    let bp = get(format!("patient={pid}&code=8480-6&_total=accurate")).await;
    assert_eq!(bp["total"], 2, "a component code finds its panel");
    let surveys = get(format!("patient={pid}&category=survey&_total=accurate")).await;
    assert_eq!(surveys["total"], 1);
    assert_eq!(surveys["entry"][0]["resource"]["code"]["coding"][0]["code"], "44261-6");
    let day = get(format!("patient={pid}&date=2026-11-21&_total=accurate")).await;
    assert_eq!(day["total"], 6);
    let window = get(format!("patient={pid}&date=ge2026-11-21T14:35:00Z&date=lt2026-11-21T14:50:00Z&_total=accurate")).await;
    assert_eq!(window["total"], 2, "the 14:40 reading's BP and HR");
    let newest = get(format!("patient={pid}&_sort=-date&_count=1")).await;
    assert_eq!(newest["entry"][0]["resource"]["effectiveDateTime"], "2026-11-21T14:50:00Z");

    // Paging: 3 pages of 3, 3 and 1, no overlap, same order as one page of 100.
    let mut seen = Vec::new();
    let mut page = get(format!("patient={pid}&_count=3")).await;
    let mut pages = 1;
    seen.extend(ids(&page));
    while let Some(next) = next_link(&page) {
        let r = app.call(Method::GET, &next, &nurse, None).await;
        assert_eq!(r.status, StatusCode::OK, "{next}: {}", r.text);
        page = r.json;
        seen.extend(ids(&page));
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids(&all));

    // Every id reads back as the same resource.
    for id in ids(&all) {
        let r = app.call(Method::GET, &format!("/fhir/Observation/{id}"), &nurse, None).await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {}", r.text);
        assert_eq!(r.json["id"], id);
        assert!(id.len() <= 64, "FHIR ids are at most 64 characters: {id}");
    }
}

#[tokio::test]
async fn observation_search_refuses_what_it_cannot_do() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    for (query, param) in [
        ("code=8867-4", "patient"),
        ("patient=x&date=ne2026-11-21", "date"),
        ("patient=x&_count=0", "_count"),
        ("patient=x&_sort=code", "_sort"),
        ("patient=x&value-quantity=gt100", "value-quantity"),
        ("patient=x&_cursor=nonsense", "_cursor"),
    ] {
        let r = app.call(Method::GET, &format!("/fhir/Observation?{query}"), &nurse, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
        assert_eq!(r.json["resourceType"], "OperationOutcome");
        assert!(r.json["issue"].as_array().unwrap().iter().any(|i| i["expression"][0] == param), "{query}: {}", r.text);
    }
    let unknown = app.call(Method::GET, "/fhir/Observation?patient=01900000-0000-7000-8000-000000000099", &nurse, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let front_desk = app.token(Role::FrontDesk).await;
    let p = app.patient("Desk", "Refused").await;
    let refused = app.call(Method::GET, &format!("/fhir/Observation?patient={}", p["id"].as_str().unwrap()), &front_desk, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "vital signs and scores are clinical");
    assert_eq!(app.call(Method::GET, "/fhir/Observation/hr-garbage", &nurse, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_phq9_questionnaire_response_is_scored_exactly_as_the_native_api_scores_it() {
    use serde_json::json;
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let p = app.patient("Quinn", "Roundtrip").await;
    let pid = p["id"].as_str().unwrap();
    let answers = [("1", 3), ("2", 2), ("3", 2), ("4", 1), ("5", 1), ("6", 2), ("7", 1), ("8", 0), ("9", 1)];
    let native = app
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/assessments"),
            &nurse,
            Some(json!({"instrument": "phq9", "answers": answers.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()})),
        )
        .await;
    assert_eq!(native.status, StatusCode::CREATED, "{}", native.text);
    let qr = json!({
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://127.0.0.1:8080/fhir/Questionnaire/phq9",
        "subject": {"reference": format!("Patient/{pid}")},
        "authored": "2026-11-21T10:00:00Z",
        "item": answers.iter().map(|(k, v)| json!({"linkId": k, "answer": [{"valueInteger": v}]})).collect::<Vec<_>>()
    });
    let created = app.call(Method::POST, "/fhir/QuestionnaireResponse", &nurse, Some(qr.clone())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert!(is_fhir(&created));
    let location = created.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap().to_owned();
    assert!(location.ends_with(&format!("/fhir/QuestionnaireResponse/{}", created.json["id"].as_str().unwrap())), "{location}");
    let link = created.headers.get(header::LINK).and_then(|v| v.to_str().ok()).unwrap().to_owned();
    let score_path = link.trim_start_matches("<http://127.0.0.1:8080").split('>').next().unwrap().to_owned();
    let score = app.call(Method::GET, &score_path, &nurse, None).await;
    assert_eq!(score.status, StatusCode::OK, "{score_path}: {}", score.text);
    assert_eq!(score.json["code"]["coding"][0]["code"], "44261-6");
    assert_eq!(score.json["valueInteger"], native.json["total"], "the same answers score the same through FHIR and the native API");
    assert_eq!(score.json["valueInteger"], 13);
    let read = app.call(Method::GET, location.trim_start_matches("http://127.0.0.1:8080"), &nurse, None).await;
    assert_eq!((read.status, read.json["item"].as_array().map(Vec::len)), (StatusCode::OK, Some(9)));
    // Item 9 above zero raises the same safety alert as the native API.
    let prescriber = app.token(Role::Prescriber).await;
    let alerts = app.call(Method::GET, "/api/v1/alerts", &prescriber, None).await;
    assert_eq!(alerts.json.as_array().map_or(0, |a| a.iter().filter(|x| x["patient_id"] == pid).count()), 2, "{}", alerts.text);

    let mut out_of_range = qr.clone();
    out_of_range["item"][0]["answer"][0]["valueInteger"] = json!(7);
    let refused = app.call(Method::POST, "/fhir/QuestionnaireResponse", &nurse, Some(out_of_range)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(refused.json["issue"][0]["expression"][0].as_str().unwrap().contains("linkId='1'"), "{}", refused.text);
    let mut anonymous = qr.clone();
    anonymous.as_object_mut().unwrap().remove("subject");
    assert_eq!(app.call(Method::POST, "/fhir/QuestionnaireResponse", &nurse, Some(anonymous)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let patient_body = json!({"resourceType": "Patient", "id": "x"});
    assert_eq!(app.call(Method::POST, "/fhir/QuestionnaireResponse", &nurse, Some(patient_body)).await.status, StatusCode::BAD_REQUEST);
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(app.call(Method::POST, "/fhir/QuestionnaireResponse", &desk, Some(qr)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn patient_search_by_name_identifier_birthdate_and_id() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let a = app.patient("Robin", "Fhirsearch").await;
    let b = app.patient("Fhirsearch", "Robinson").await;
    app.patient("Ada", "Elsewhere").await;
    let get = |q: String| {
        let (app, nurse) = (&app, &nurse);
        async move {
            let r = app.call(Method::GET, &format!("/fhir/Patient?{q}"), nurse, None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            assert!(is_fhir(&r));
            r.json
        }
    };
    let (a_id, b_id) = (a["id"].as_str().unwrap().to_owned(), b["id"].as_str().unwrap().to_owned());
    assert_eq!(ids(&get("family=fhirs".into()).await), [a_id.as_str()], "family matches the family name only");
    assert_eq!(ids(&get("given=FHIR".into()).await), [b_id.as_str()], "given matches the given name only, case-insensitively");
    let mut both = ids(&get("name=fhirsearch".into()).await);
    both.sort();
    let mut expected = vec![a_id.clone(), b_id.clone()];
    expected.sort();
    assert_eq!(both, expected, "name matches either");
    let mrn = a["mrn"].as_str().unwrap();
    assert_eq!(ids(&get(format!("identifier={mrn}")).await), [a_id.as_str()]);
    assert_eq!(ids(&get(format!("identifier=http://127.0.0.1:8080/fhir/sid/mrn|{mrn}")).await), [a_id.as_str()]);
    assert!(ids(&get(format!("identifier=http://other.example/mrn|{mrn}")).await).is_empty(), "another system's identifier is not ours");
    assert_eq!(ids(&get(format!("_id={a_id}")).await), [a_id.as_str()]);
    assert!(ids(&get("_id=01900000-0000-7000-8000-000000000099".into()).await).is_empty());
    assert_eq!(get("birthdate=1980-02-29&family=fhirsearch".into()).await["entry"][0]["fullUrl"], format!("http://127.0.0.1:8080/fhir/Patient/{a_id}"));
    assert_eq!(ids(&get("birthdate=eq1980-02-29&_count=1".into()).await).len(), 1);
    let paged = get("birthdate=1980-02-29&_count=1".into()).await;
    assert!(next_link(&paged).is_some(), "three patients share the birth date: a next link follows the first");
    for (q, param) in [
        ("", "_id"),
        ("birthdate=ne1980-01-01", "birthdate"),
        ("birthdate=1980-02-30", "birthdate"),
        ("gender=female", "gender"),
        ("name=x&_count=500", "_count"),
    ] {
        let r = app.call(Method::GET, &format!("/fhir/Patient?{q}"), &nurse, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text);
        assert_eq!(r.json["issue"][0]["expression"][0], param, "{q}");
    }
    let admin = app.token(Role::Admin).await;
    assert_eq!(app.call(Method::GET, "/fhir/Patient?name=robin", &admin, None).await.status, StatusCode::FORBIDDEN);

    // Birth-date prefixes and ranges: two more patients either side of 1980-02-29.
    let desk = app.token(Role::FrontDesk).await;
    let mut born = Vec::new();
    for (given, day) in [("Older", "1975-06-01"), ("Younger", "1990-12-31")] {
        let body = serde_json::json!({"given_name": given, "family_name": "Datesearch", "birth_date": day, "sex": "unknown"});
        let r = app.call(Method::POST, "/api/v1/patients", &desk, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        born.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let (older, younger) = (born[0].as_str(), born[1].as_str());
    let all_pages = |q: &str| {
        let q = q.to_owned();
        let get = &get;
        async move {
            let mut found = Vec::new();
            let mut page = get(format!("{q}&_count=2")).await;
            loop {
                found.extend(ids(&page));
                let Some(next) = next_link(&page) else { break };
                page = get(next.trim_start_matches("/fhir/Patient?").to_owned()).await;
            }
            found.sort();
            found
        }
    };
    let sorted = |mut v: Vec<&str>| {
        v.sort_unstable();
        v.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(all_pages("birthdate=lt1980-02-29").await, [older], "lt excludes the day itself");
    assert_eq!(all_pages("birthdate=le1975-06-01").await, [older], "le includes it");
    assert_eq!(all_pages("birthdate=gt1980-02-29").await, [younger]);
    assert_eq!(all_pages("birthdate=ge1990-12-31").await, [younger]);
    assert_eq!(
        all_pages("birthdate=ge1980-01-01&birthdate=le1980-12-31").await,
        sorted(vec![a_id.as_str(), b_id.as_str(), ids_of_elsewhere(&app).await.as_str()]),
        "a range, across pages"
    );
    assert_eq!(all_pages("birthdate=ge1970-01-01&family=datesearch").await, sorted(vec![older, younger]));
}

/// The id of the third 1980-02-29 patient, Ada Elsewhere.
async fn ids_of_elsewhere(app: &TestApp) -> String {
    let nurse = app.token(Role::Nurse).await;
    let r = app.call(Method::GET, "/fhir/Patient?family=elsewhere", &nurse, None).await;
    ids(&r.json).remove(0)
}
