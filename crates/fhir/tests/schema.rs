//! Every resource type we emit, built by the real mappings from fictional domain values,
//! validated against the official FHIR R4 JSON Schema (see `schema/README.md`), plus the
//! invariants the schema cannot express that our resources could break.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use std::io::Read;
use std::sync::LazyLock;

use jiff::Timestamp;
use ketaclinic_domain::assessment::{Assessment, AssessmentSource};
use ketaclinic_domain::ids::{AssessmentId, PatientId, TreatmentSessionId};
use ketaclinic_domain::instruments::{self, ScoringSettings};
use ketaclinic_domain::patient::{Mrn, Patient as DomainPatient, PatientDetails};
use ketaclinic_domain::person::{BirthDate, Email, PersonName, Sex};
use ketaclinic_domain::record::{RecordStatus, Version};
use ketaclinic_domain::session::{VitalReading, Vitals};
use ketaclinic_fhir::map::assessment::score_observations;
use ketaclinic_fhir::map::patient::patient;
use ketaclinic_fhir::map::vitals::vital_signs;
use ketaclinic_fhir::resources::BundleSearch;
use ketaclinic_fhir::{Bundle, BundleEntry, BundleLink, OperationOutcome, Resource, ServerBase};

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let gz = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schema/fhir.schema.json.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_string(&mut text).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // This copy refers to two definitions it does not define: `Resource` (in every `contained`;
    // the HL7 original points those at `ResourceList`) and `integer64` (an R5 type that leaked
    // into `Extension.value[x]`; R5 writes it as a string of digits). Both are aliased so the
    // schema compiles; nothing else is changed, and we emit neither.
    for missing in ["Resource", "integer64"] {
        assert!(schema["definitions"].get(missing).is_none(), "{missing} is now defined: drop the alias");
    }
    schema["definitions"]["Resource"] = serde_json::json!({"$ref": "#/definitions/ResourceList"});
    schema["definitions"]["integer64"] = serde_json::json!({"type": "string", "pattern": "^-?([0]|([1-9][0-9]*))$"});
    jsonschema::draft6::new(&schema).unwrap()
});

fn assert_valid(resource: &Resource) -> serde_json::Value {
    let json = serde_json::to_value(resource).unwrap();
    let errors: Vec<String> = VALIDATOR.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{}\n{}", serde_json::to_string_pretty(&json).unwrap(), errors.join("\n"));
    json
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn base() -> ServerBase {
    ServerBase::new("https://clinic.example.org/")
}

fn a_patient() -> DomainPatient {
    let today = jiff::civil::date(2026, 11, 22);
    DomainPatient {
        id: PatientId(uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001)),
        mrn: Mrn::parse("KC-000042").unwrap(),
        details: PatientDetails {
            given_name: PersonName::parse("Robin").unwrap(),
            family_name: PersonName::parse("Testcase").unwrap(),
            birth_date: BirthDate::parse("1980-02-29", today).unwrap(),
            sex: Sex::Female,
            phone: None,
            email: Some(Email::parse("robin@example.org").unwrap()),
        },
        status: RecordStatus::Active,
        version: Version(2),
        created_at: at("2026-11-01T10:00:00Z"),
        updated_at: at("2026-11-02T10:00:00.123456Z"),
    }
}

#[test]
fn patient_is_valid_and_carries_the_mrn() {
    let json = assert_valid(&Resource::Patient(Box::new(patient(&a_patient(), &base()))));
    assert_eq!(json["resourceType"], "Patient");
    assert_eq!(json["identifier"][0]["system"], "https://clinic.example.org/fhir/sid/mrn");
    assert_eq!(json["identifier"][0]["value"], "KC-000042");
    assert_eq!((json["gender"].as_str(), json["birthDate"].as_str()), (Some("female"), Some("1980-02-29")));
    assert_eq!(json["meta"]["versionId"], "2");
    assert!(json.get("telecom").is_some_and(|t| t[0]["system"] == "email"));
}

#[test]
fn vital_signs_are_valid_and_follow_the_profile() {
    let reading = VitalReading {
        at: at("2026-11-22T09:15:00Z"),
        device_id: "monitor-3".into(),
        vitals: Vitals { systolic: Some(152), diastolic: Some(90), heart_rate: Some(84), spo2: Some(97), resp_rate: Some(14) },
    };
    let obs = vital_signs(&reading, PatientId(uuid::Uuid::nil()), TreatmentSessionId(uuid::Uuid::nil()));
    assert_eq!(obs.len(), 4);
    for (kind, mut o) in obs {
        o.id = Some(format!("vs-{}", kind.as_str()));
        let json = assert_valid(&Resource::Observation(Box::new(o)));
        assert_eq!(json["category"][0]["coding"][0]["code"], "vital-signs");
        assert_eq!(json["meta"]["profile"][0], "http://hl7.org/fhir/StructureDefinition/vitalsigns");
        // obs-6: dataAbsentReason only without a value; obs-7: no component with the same code
        // as the Observation's own value.
        assert!(json.get("dataAbsentReason").is_none());
        if kind.as_str() == "bp" {
            assert_eq!(json["code"]["coding"][0]["code"], "85354-9");
            assert!(json.get("valueQuantity").is_none(), "the panel's values are its components");
            assert_eq!(json["component"][0]["code"]["coding"][0]["code"], "8480-6");
            assert_eq!(json["component"][0]["valueQuantity"]["value"], 152);
            assert_eq!(json["component"][0]["valueQuantity"]["code"], "mm[Hg]");
            assert_eq!(json["component"][1]["code"]["coding"][0]["code"], "8462-4");
        }
        if kind.as_str() == "spo2" {
            let codes: Vec<&str> = json["code"]["coding"].as_array().unwrap().iter().filter_map(|c| c["code"].as_str()).collect();
            assert_eq!(codes, ["59408-5", "2708-6"]);
            assert_eq!(json["valueQuantity"]["code"], "%");
        }
    }
}

fn assessment(instrument: &str, answers: serde_json::Value) -> Assessment {
    let definition = instruments::get(instrument).unwrap();
    let score = instruments::score(definition, &answers, &ScoringSettings::default()).unwrap();
    Assessment {
        id: AssessmentId(uuid::Uuid::from_u128(7)),
        patient_id: PatientId(uuid::Uuid::from_u128(1)),
        instrument: instrument.to_owned(),
        answers,
        score,
        administered_at: at("2026-11-22T08:00:00Z"),
        session_id: None,
        source: AssessmentSource::Staff,
        recorded_by: None,
        recorded_at: at("2026-11-22T08:05:00Z"),
    }
}

#[test]
fn scores_are_valid_with_loinc_where_verified_and_local_codes_elsewhere() {
    let phq9 = assessment("phq9", serde_json::json!({"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 0, "9": 0}));
    let obs = score_observations(&phq9, false, &base());
    assert_eq!(obs.len(), 1);
    let mut total = obs[0].1.clone();
    total.id = Some("score-total".into());
    let json = assert_valid(&Resource::Observation(Box::new(total)));
    assert_eq!((json["code"]["coding"][0]["system"].as_str(), json["code"]["coding"][0]["code"].as_str()), (Some("http://loinc.org"), Some("44261-6")));
    assert_eq!(json["valueInteger"], 9);
    assert_eq!(json["derivedFrom"][0]["reference"], format!("QuestionnaireResponse/{}", ketaclinic_fhir::map::owned_id(phq9.patient_id.0, phq9.id.0)));

    let corrected = score_observations(&phq9, true, &base());
    assert_eq!(assert_valid(&Resource::Observation(Box::new(corrected[0].1.clone())))["status"], "entered-in-error");

    let madrs_answers: serde_json::Value = (1..=10).map(|i| (i.to_string(), serde_json::json!(2))).collect::<serde_json::Map<_, _>>().into();
    let madrs = assessment("madrs", madrs_answers);
    let json = assert_valid(&Resource::Observation(Box::new(score_observations(&madrs, false, &base())[0].1.clone())));
    assert_eq!(json["code"]["coding"][0]["system"], "https://clinic.example.org/fhir/CodeSystem/instrument-score", "MADRS has no verified LOINC code");
}

#[test]
fn search_bundles_and_errors_are_valid() {
    let p = Resource::Patient(Box::new(patient(&a_patient(), &base())));
    let bundle = Bundle {
        type_: "searchset".into(),
        total: Some(1),
        link: vec![BundleLink { relation: "self".into(), url: "https://clinic.example.org/fhir/Patient?family=Testcase".into() }],
        entry: vec![BundleEntry {
            full_url: Some("https://clinic.example.org/fhir/Patient/01900000-0000-7000-8000-000000000001".into()),
            resource: p,
            search: Some(BundleSearch { mode: "match".into() }),
        }],
    };
    let json = assert_valid(&Resource::Bundle(bundle));
    // Bundle fullUrl rule: the entry's fullUrl ends with its resource's type and id.
    let entry = &json["entry"][0];
    assert!(entry["fullUrl"].as_str().unwrap().ends_with(&format!("Patient/{}", entry["resource"]["id"].as_str().unwrap())));
    let outcome = OperationOutcome::error("invalid", "birthdate: must be a date with an optional ge/le/gt/lt prefix", Some("birthdate"));
    assert_valid(&Resource::OperationOutcome(outcome));
}

#[test]
fn the_validator_rejects_what_fhir_rejects() {
    // A guard that the schema is really applied: an unknown gender code, and an Observation
    // without its required `code`, are refused.
    let mut json = serde_json::to_value(Resource::Patient(Box::new(patient(&a_patient(), &base())))).unwrap();
    json["gender"] = serde_json::json!("f");
    assert!(!VALIDATOR.is_valid(&json));
    let reading = VitalReading { at: at("2026-11-22T09:15:00Z"), device_id: String::new(), vitals: Vitals { heart_rate: Some(70), ..Vitals::default() } };
    let (_, obs) = vital_signs(&reading, PatientId(uuid::Uuid::nil()), TreatmentSessionId(uuid::Uuid::nil())).remove(0);
    let mut json = serde_json::to_value(Resource::Observation(Box::new(obs))).unwrap();
    assert!(VALIDATOR.is_valid(&json));
    json.as_object_mut().unwrap().remove("code");
    assert!(!VALIDATOR.is_valid(&json));
}

#[test]
fn the_capability_statement_is_valid_and_claims_only_what_works() {
    let statement = ketaclinic_fhir::capability::capability_statement(&base(), "0.1.0", "2026-11-22");
    let json = assert_valid(&Resource::CapabilityStatement(Box::new(statement)));
    assert_eq!(json["fhirVersion"], "4.0.1");
    assert_eq!(json["implementation"]["url"], "https://clinic.example.org/fhir");
    let resources = json["rest"][0]["resource"].as_array().unwrap();
    assert_eq!(resources.len(), 3);
    assert_eq!((resources[0]["type"].as_str(), resources[0]["interaction"][0]["code"].as_str()), (Some("Patient"), Some("read")));
    assert_eq!(resources[0]["searchParam"].as_array().map(Vec::len), Some(6));
    assert_eq!(resources[1]["type"], "Observation");
    assert_eq!(resources[1]["searchParam"].as_array().map(Vec::len), Some(5));
}

#[test]
fn questionnaire_responses_are_valid_and_read_back_into_the_same_answers() {
    use ketaclinic_fhir::questionnaire_response::{incoming, questionnaire_response};
    let phq9 = assessment("phq9", serde_json::json!({"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 0, "9": 0}));
    let qr = questionnaire_response(&phq9, false, &base());
    let json = assert_valid(&Resource::QuestionnaireResponse(Box::new(qr.clone())));
    assert_eq!(json["questionnaire"], "https://clinic.example.org/fhir/Questionnaire/phq9");
    assert_eq!(json["status"], "completed");
    let back = incoming(&qr).unwrap();
    assert_eq!((back.instrument.as_str(), &back.answers), ("phq9", &phq9.answers));
    assert_eq!(back.patient, phq9.patient_id.to_string());
    let cssrs = assessment("cssrs_screener", serde_json::json!({"1": true, "2": false, "6": false}));
    let qr = questionnaire_response(&cssrs, false, &base());
    assert_valid(&Resource::QuestionnaireResponse(Box::new(qr.clone())));
    assert_eq!(incoming(&qr).unwrap().answers, cssrs.answers, "yes/no answers are booleans both ways");
    // Unfinished, anonymous or unanchored responses are refused, naming each problem.
    let mut bad = qr;
    bad.status = "in-progress".into();
    bad.subject = None;
    bad.questionnaire = None;
    let errors = incoming(&bad).unwrap_err();
    let at: Vec<&str> = errors.iter().map(|e| e.expression.as_str()).collect();
    assert_eq!(at, ["QuestionnaireResponse.status", "QuestionnaireResponse.questionnaire", "QuestionnaireResponse.subject"]);
}
