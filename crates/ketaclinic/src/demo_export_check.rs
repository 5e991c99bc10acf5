//! A full Bulk Data export of the demo clinic, over real HTTP, validated line by line against
//! the official FHIR R4 JSON Schema, plus what the schema cannot check: ids unique per type,
//! every `Type/id` reference resolving to a resource in the same export, and the demo's
//! content actually present (its patients, sessions, doses, diagnoses and scores).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;

use ketaclinic_app::clock::SystemClock;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{Actor, App};
use ketaclinic_web::fhir_export_job::ExportSettings;
use ketaclinic_web::{AppState, WebConfig};
use serde_json::Value;

#[path = "../../fhir/tests/schema/validator.rs"]
mod validator;

/// Every `reference` in a resource (`Patient/…`, `Encounter/…`, `#contained`).
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("reference", Value::String(r)) => out.push(r.clone()),
                    _ => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_demo_clinic_exports_valid_fhir() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(ketaclinic_store_sqlite::SqliteStore::open(&dir.path().join("demo.db")).await.unwrap());
    let app = App::new(store, Arc::new(SystemClock), ketaclinic_app::Settings::default());
    crate::demo::seed(&app).await.unwrap();
    let admin = app.authorize::<perm::UserManage>(&Actor::console()).await.unwrap();
    let prescriber = app.user_by_email(&admin, crate::demo::STAFF[2].1).await.unwrap();
    let token = app.create_token(&admin, prescriber.id, "export check").await.unwrap().secret;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let web =
        WebConfig { public_url: base.clone(), export: ExportSettings { dir: dir.path().join("exports"), ..ExportSettings::default() }, ..WebConfig::default() };
    let router = ketaclinic_web::router(AppState::new(app, web, None));
    tokio::spawn(async move { axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await });

    let client = reqwest::Client::new();
    let get = |url: String| client.get(url).bearer_auth(&token).header("accept", "application/fhir+json");
    let kick = get(format!("{base}/fhir/$export")).header("prefer", "respond-async").send().await.unwrap();
    assert_eq!(kick.status(), 202, "{}", kick.text().await.unwrap());
    let status_url = kick.headers()["content-location"].to_str().unwrap().to_owned();
    let manifest: Value = loop {
        let poll = get(status_url.clone()).send().await.unwrap();
        if poll.status() == 200 {
            break poll.json().await.unwrap();
        }
        assert_eq!(poll.status(), 202);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };

    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut refs = Vec::new();
    for output in manifest["output"].as_array().unwrap() {
        let type_ = output["type"].as_str().unwrap().to_owned();
        let text = get(output["url"].as_str().unwrap().to_owned()).send().await.unwrap().text().await.unwrap();
        let mut n = 0;
        for line in text.lines() {
            let resource: Value = serde_json::from_str(line).unwrap();
            let errors = validator::schema_errors(&resource);
            assert!(errors.is_empty(), "{type_} fails the R4 schema:\n{line}\n{}", errors.join("\n"));
            assert_eq!(resource["resourceType"], type_.as_str());
            let id = resource["id"].as_str().unwrap_or_else(|| panic!("{type_} without an id: {line}")).to_owned();
            assert!(ids.entry(type_.clone()).or_default().insert(id.clone()), "{type_}/{id} exported twice");
            references(&resource, &mut refs);
            n += 1;
        }
        assert_eq!(n, output["count"].as_u64().unwrap(), "{type_}: the manifest's count is the file's");
    }

    let count = |t: &str| ids.get(t).map_or(0, BTreeSet::len);
    assert!(count("Patient") >= 10, "the demo's ten patients: {ids:?}");
    for t in ["Condition", "Encounter", "MedicationAdministration", "Observation", "QuestionnaireResponse", "Questionnaire"] {
        assert!(count(t) > 0, "the demo has {t} data: {:?}", ids.keys());
    }
    for r in refs.iter().filter(|r| !r.starts_with('#')) {
        let (t, id) = r.split_once('/').unwrap_or_else(|| panic!("a reference that is not Type/id: {r}"));
        assert!(ids.get(t).is_some_and(|set| set.contains(id)), "{r} does not resolve within the export");
    }
}
