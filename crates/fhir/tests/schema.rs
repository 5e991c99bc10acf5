//! Every resource type we emit, built by the real mappings from fictional domain values,
//! validated against the official FHIR R4 JSON Schema (see `schema/README.md`), plus the
//! invariants the schema cannot express that our resources could break.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use jiff::Timestamp;
use ketaclinic_domain::assessment::{Assessment, AssessmentSource};
use ketaclinic_domain::chart::{ChartBody, ChartEntry};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{AssessmentId, ChartEntryId, PatientId, SessionEventId, TreatmentSessionId, UserId};
use ketaclinic_domain::instruments::{self, ScoringSettings};
use ketaclinic_domain::patient::{Mrn, Patient as DomainPatient, PatientDetails};
use ketaclinic_domain::person::{BirthDate, Email, PersonName, Sex};
use ketaclinic_domain::record::{RecordStatus, Version};
use ketaclinic_domain::session::{Session, SessionEvent, SessionEventRecord, SessionState, Thresholds, VitalReading, Vitals};
use ketaclinic_fhir::map::assessment::score_observations;
use ketaclinic_fhir::map::chart::{allergy_intolerance, condition};
use ketaclinic_fhir::map::patient::patient;
use ketaclinic_fhir::map::questionnaire::questionnaire;
use ketaclinic_fhir::map::session::{encounter, medication_administrations};
use ketaclinic_fhir::map::vitals::vital_signs;
use ketaclinic_fhir::resources::BundleSearch;
use ketaclinic_fhir::{Bundle, BundleEntry, BundleLink, OperationOutcome, Resource, ServerBase};
use serde_json::json;

#[path = "schema/validator.rs"]
mod validator;

fn assert_valid(resource: &Resource) -> serde_json::Value {
    let json = serde_json::to_value(resource).unwrap();
    let errors = validator::schema_errors(&json);
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
    assert!(!validator::VALIDATOR.is_valid(&json));
    let reading = VitalReading { at: at("2026-11-22T09:15:00Z"), device_id: String::new(), vitals: Vitals { heart_rate: Some(70), ..Vitals::default() } };
    let (_, obs) = vital_signs(&reading, PatientId(uuid::Uuid::nil()), TreatmentSessionId(uuid::Uuid::nil())).remove(0);
    let mut json = serde_json::to_value(Resource::Observation(Box::new(obs))).unwrap();
    assert!(validator::VALIDATOR.is_valid(&json));
    json.as_object_mut().unwrap().remove("code");
    assert!(!validator::VALIDATOR.is_valid(&json));
}

#[test]
fn the_capability_statement_is_valid_and_claims_only_what_works() {
    let statement = ketaclinic_fhir::capability::capability_statement(&base(), "0.1.0", "2026-11-22");
    let json = assert_valid(&Resource::CapabilityStatement(Box::new(statement)));
    assert_eq!(json["fhirVersion"], "4.0.1");
    assert_eq!(json["implementation"]["url"], "https://clinic.example.org/fhir");
    let resources = json["rest"][0]["resource"].as_array().unwrap();
    let types: Vec<&str> = resources.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(types.join(" "), "Patient Observation QuestionnaireResponse Questionnaire Condition AllergyIntolerance Encounter MedicationAdministration");
    assert_eq!((resources[0]["type"].as_str(), resources[0]["interaction"][0]["code"].as_str()), (Some("Patient"), Some("read")));
    assert_eq!(resources[0]["searchParam"].as_array().map(Vec::len), Some(6));
    assert_eq!(resources[1]["searchParam"].as_array().map(Vec::len), Some(5));
    let params = |i: usize| -> Vec<&str> { resources[i]["searchParam"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect() };
    assert_eq!(params(2), ["patient", "questionnaire", "authored"]);
    assert_eq!(params(6), ["patient", "date"]);
    assert_eq!(params(7), ["patient", "date", "effective-time"]);
    let interactions = |i: usize| -> Vec<&str> { resources[i]["interaction"].as_array().unwrap().iter().filter_map(|i| i["code"].as_str()).collect() };
    assert_eq!(interactions(1), ["read", "search-type", "create"], "vital signs can be posted");
    assert_eq!(interactions(2), ["read", "search-type", "create"]);
    assert_eq!(json["instantiates"][0], "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data");
    assert_eq!(json["rest"][0]["operation"][0]["definition"], "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
    assert_eq!(resources[0]["operation"][0]["definition"], "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export");
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

fn chart_entry(n: u128, body: ChartBody, status: RecordStatus) -> ChartEntry {
    ChartEntry {
        id: ChartEntryId(uuid::Uuid::from_u128(n)),
        patient_id: Some(a_patient().id),
        version: Version(2),
        status,
        body,
        reason: None,
        recorded_by: UserId(uuid::Uuid::from_u128(9)),
        recorded_at: at("2026-11-20T10:00:00Z"),
    }
}

#[test]
fn conditions_are_valid_with_icd10cm_and_snomed_only_where_known() {
    use ketaclinic_domain::chart::entries::{ClinicalStatus, Diagnosis};
    let mdd = Diagnosis {
        icd10cm: "F32.1".into(),
        display: "Major depressive disorder, single episode, moderate".into(),
        snomed: Some("36923009".into()),
        primary: true,
        status: ClinicalStatus::Active,
        onset: Some(jiff::civil::date(2024, 3, 1)),
    };
    let json = assert_valid(&Resource::Condition(Box::new(condition(&chart_entry(21, ChartBody::Diagnosis(mdd.clone()), RecordStatus::Active)).unwrap())));
    assert_eq!(json["id"], ketaclinic_fhir::map::owned_id(a_patient().id.0, uuid::Uuid::from_u128(21)));
    assert_eq!(json["code"]["coding"][0], json!({"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F32.1"}));
    assert_eq!(json["code"]["coding"][1], json!({"system": "http://snomed.info/sct", "code": "36923009"}));
    assert_eq!(json["code"]["text"], "Major depressive disorder, single episode, moderate");
    assert_eq!(json["clinicalStatus"]["coding"][0], json!({"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}));
    assert_eq!(json["category"][0]["coding"][0]["system"], "http://terminology.hl7.org/CodeSystem/condition-category");
    assert_eq!(json["category"][0]["coding"][0]["code"], "problem-list-item");
    assert_eq!((json["onsetDateTime"].as_str(), json["meta"]["versionId"].as_str()), (Some("2024-03-01"), Some("2")));
    assert_eq!(json["subject"]["reference"], "Patient/01900000-0000-7000-8000-000000000001");
    // No SNOMED mapping, resolved, and retracted (con-5: no clinicalStatus when entered in error).
    let other = Diagnosis { icd10cm: "F43.10".into(), snomed: None, status: ClinicalStatus::Resolved, onset: None, ..mdd };
    let json = assert_valid(&Resource::Condition(Box::new(condition(&chart_entry(22, ChartBody::Diagnosis(other.clone()), RecordStatus::Active)).unwrap())));
    assert_eq!(json["code"]["coding"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["clinicalStatus"]["coding"][0]["code"], "resolved");
    let json = assert_valid(&Resource::Condition(Box::new(condition(&chart_entry(23, ChartBody::Diagnosis(other), RecordStatus::EnteredInError)).unwrap())));
    assert!(json.get("clinicalStatus").is_none() && json["verificationStatus"]["coding"][0]["code"] == "entered-in-error", "con-5");
}

#[test]
fn allergies_are_valid_with_severity_on_the_reaction() {
    use ketaclinic_domain::chart::entries::{Allergy, AllergySeverity};
    let hives = Allergy { substance: "Penicillin".into(), reaction: Some("Hives".into()), severity: AllergySeverity::Moderate };
    let valid = |e: ChartEntry| assert_valid(&Resource::AllergyIntolerance(Box::new(allergy_intolerance(&e).unwrap())));
    let json = valid(chart_entry(31, ChartBody::Allergy(hives), RecordStatus::Active));
    assert_eq!(json["code"], json!({"text": "Penicillin"}));
    assert_eq!(json["reaction"][0], json!({"manifestation": [{"text": "Hives"}], "severity": "moderate"}));
    assert_eq!(json["clinicalStatus"]["coding"][0]["system"], "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical");
    assert_eq!(json["clinicalStatus"]["coding"][0]["code"], "active");
    assert_eq!(json["patient"]["reference"], "Patient/01900000-0000-7000-8000-000000000001");
    let bare = Allergy { substance: "Latex".into(), reaction: None, severity: AllergySeverity::Unknown };
    let json = valid(chart_entry(32, ChartBody::Allergy(bare), RecordStatus::EnteredInError));
    assert!(json.get("reaction").is_none() && json.get("clinicalStatus").is_none(), "ait-2");
    assert_eq!(json["verificationStatus"]["coding"][0]["code"], "entered-in-error");
}

fn a_session(modality: Modality, state: SessionState) -> Session {
    Session {
        id: TreatmentSessionId(uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0005)),
        patient_id: a_patient().id,
        modality,
        chair: None,
        state,
        thresholds: Thresholds::default(),
        course_id: None,
        protocol_version: 0,
        created_by: UserId(uuid::Uuid::from_u128(9)),
        created_at: at("2026-11-20T08:00:00Z"),
        updated_at: at("2026-11-22T11:00:00Z"),
    }
}

fn event(n: u128, event: SessionEvent, time: &str, payload: serde_json::Value) -> SessionEventRecord {
    SessionEventRecord {
        id: SessionEventId(uuid::Uuid::from_u128(n)),
        session_id: TreatmentSessionId(uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0005)),
        event,
        at: at(time),
        payload,
        recorded_by: UserId(uuid::Uuid::from_u128(9)),
        recorded_at: at(time),
    }
}

#[test]
fn encounters_and_administrations_are_valid_with_doses_lots_and_periods() {
    let esketamine = a_session(Modality::EsketamineNasal, SessionState::Discharged);
    let events = [
        event(1, SessionEvent::CheckedIn, "2026-11-22T09:00:00Z", json!({})),
        event(2, SessionEvent::DeviceAdministered, "2026-11-22T09:20:00Z", json!({"dose_mg": 28, "lot": "LOT-A1"})),
        event(3, SessionEvent::DeviceAdministered, "2026-11-22T09:25:00Z", json!({"dose_mg": 28})),
        event(4, SessionEvent::Discharged, "2026-11-22T11:30:00Z", json!({})),
    ];
    let (start, enc) = encounter(&esketamine, &events);
    assert_eq!(start, at("2026-11-22T09:00:00Z"));
    let json = assert_valid(&Resource::Encounter(Box::new(enc)));
    assert_eq!((json["id"].as_str(), json["status"].as_str()), (Some("01900000-0000-7000-8000-000000000005"), Some("finished")));
    assert_eq!(json["class"], json!({"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"}));
    assert_eq!(json["period"], json!({"start": "2026-11-22T09:00:00Z", "end": "2026-11-22T11:30:00Z"}));
    let doses = medication_administrations(&esketamine, &events);
    assert_eq!(doses.len(), 2);
    let first = assert_valid(&Resource::MedicationAdministration(Box::new(doses[0].1.clone())));
    assert_eq!(first["id"], ketaclinic_fhir::map::owned_id(esketamine.id.0, uuid::Uuid::from_u128(2)));
    assert_eq!((first["status"].as_str(), first["effectiveDateTime"].as_str()), (Some("completed"), Some("2026-11-22T09:20:00Z")));
    assert_eq!(first["dosage"]["dose"], json!({"value": 28, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}));
    assert_eq!(first["contained"][0], json!({"resourceType": "Medication", "id": "med", "code": {"text": "esketamine"}, "batch": {"lotNumber": "LOT-A1"}}));
    assert_eq!(first["medicationReference"]["reference"], "#med");
    assert_eq!(first["context"]["reference"], "Encounter/01900000-0000-7000-8000-000000000005");
    let second = assert_valid(&Resource::MedicationAdministration(Box::new(doses[1].1.clone())));
    assert_eq!(second["medicationCodeableConcept"], json!({"text": "esketamine"}), "no lot: no contained Medication, and never a code");
    assert!(second.get("contained").is_none());

    // An IV infusion stopped early: a period to the stop, status `stopped`; the encounter is over.
    let iv = a_session(Modality::IvKetamine, SessionState::StoppedEarly);
    let events = [
        event(5, SessionEvent::CheckedIn, "2026-11-22T09:00:00Z", json!({})),
        event(6, SessionEvent::AdministrationStarted, "2026-11-22T09:30:00Z", json!({"dose_mg": 35.5})),
        event(7, SessionEvent::StoppedEarly, "2026-11-22T09:50:00Z", json!({"reason": "hypertension"})),
    ];
    let json = assert_valid(&Resource::MedicationAdministration(Box::new(medication_administrations(&iv, &events).remove(0).1)));
    assert_eq!((json["status"].as_str(), json["dosage"]["dose"]["value"].as_f64()), (Some("stopped"), Some(35.5)));
    assert_eq!(json["effectivePeriod"], json!({"start": "2026-11-22T09:30:00Z", "end": "2026-11-22T09:50:00Z"}));
    assert_eq!((json["dosage"]["route"]["text"].as_str(), json["medicationCodeableConcept"]["text"].as_str()), (Some("Intravenous"), Some("ketamine")));
    assert_eq!(assert_valid(&Resource::Encounter(Box::new(encounter(&iv, &events).1)))["status"], "finished");
    // Booked and cancelled before arrival: `planned`, then `cancelled`, with no period.
    let (booked_at, planned) = encounter(&a_session(Modality::IvKetamine, SessionState::Scheduled), &[]);
    assert_eq!((booked_at, planned.status.as_str(), planned.period), (at("2026-11-20T08:00:00Z"), "planned", None));
    let cancelled = [event(8, SessionEvent::StoppedEarly, "2026-11-21T08:00:00Z", json!({"reason": "no escort"}))];
    assert_eq!(encounter(&a_session(Modality::IvKetamine, SessionState::StoppedEarly), &cancelled).1.status, "cancelled");
}

#[test]
fn every_instrument_is_a_valid_questionnaire_whose_link_ids_are_the_answer_keys() {
    for instrument in instruments::all() {
        let json = assert_valid(&Resource::Questionnaire(Box::new(questionnaire(instrument, &base()))));
        assert_eq!(json["url"], format!("https://clinic.example.org/fhir/Questionnaire/{}", instrument.id));
        assert_eq!((json["id"].as_str(), json["status"].as_str()), (Some(instrument.id.replace('_', "-").as_str()), Some("active")));
        let link_ids: Vec<&str> = json["item"].as_array().unwrap().iter().filter_map(|i| i["linkId"].as_str()).collect();
        assert_eq!(link_ids, instrument.items.iter().map(|i| i.id).collect::<Vec<_>>());
    }
    let phq9 = serde_json::to_value(questionnaire(instruments::get("phq9").unwrap(), &base())).unwrap();
    assert_eq!(phq9["code"], json!([{"system": "http://loinc.org", "code": "44249-1"}]));
    assert_eq!(phq9["item"][0]["type"], "integer");
    assert_eq!(phq9["item"][0]["answerOption"], json!([{"valueInteger": 0}, {"valueInteger": 1}, {"valueInteger": 2}, {"valueInteger": 3}]));
    assert_eq!(phq9["item"][8]["code"][0]["code"], "44260-8", "item 9's verified LOINC");
    let cssrs = serde_json::to_value(questionnaire(instruments::get("cssrs_screener").unwrap(), &base())).unwrap();
    assert!(cssrs.get("code").is_none(), "no verified panel code in the definition");
    assert_eq!((cssrs["id"].as_str(), cssrs["url"].as_str()), (Some("cssrs-screener"), Some("https://clinic.example.org/fhir/Questionnaire/cssrs_screener")));
    assert_eq!(cssrs["item"][2]["type"], "boolean");
    assert_eq!(cssrs["item"][2]["enableWhen"], json!([{"question": "2", "operator": "=", "answerBoolean": true}]));
}
