//! Evaluations, the eligibility check and decisions over HTTP: the stateless check, stored
//! drafts, signing (and the lock it puts on a version), amendments, and the prescriber's
//! decision with overrides — including that a SPRAVATO label contraindication cannot be
//! overridden.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn fields(reply: &common::Reply) -> Vec<String> {
    reply.json["errors"].as_array().map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect()).unwrap_or_default()
}

fn rules(result: &Value) -> Vec<String> {
    let mut out: Vec<String> = result["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

/// A treatment-resistant adult with MDD, normal vitals and no history: eligible for all.
fn trd_adult() -> Value {
    json!({
        "age_years": 45, "sex": "male", "primary_diagnosis": "F33.2", "episode_duration_months": 18, "severity": "severe",
        "antidepressant_trials": [
            {"drug": "sertraline", "daily_dose_mg": 150, "weeks": 8, "adherent": true, "outcome": "no_response"},
            {"drug": "Effexor XR", "daily_dose_mg": 225, "weeks": 10, "adherent": true, "outcome": "partial_response"}
        ],
        "augmentation_used": true, "ect_used": false, "history": [],
        "vitals": {"systolic": 128, "diastolic": 82, "heart_rate": 72}, "medications": [], "cssrs_risk": "low"
    })
}

#[tokio::test]
async fn the_stateless_check_returns_every_finding_and_the_trd_assessment() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let clean = app.call(Method::POST, "/api/v1/eligibility/check", &nurse, Some(json!({"modality": "esketamine_nasal", "evaluation": trd_adult()}))).await;
    assert_eq!(clean.status, StatusCode::OK, "{}", clean.text);
    assert_eq!((clean.json["decision"].as_str(), rules(&clean.json).len()), (Some("eligible"), 0));
    assert_eq!((clean.json["trd"]["is_trd"].as_bool(), clean.json["trd"]["adequate_failed_trials"].as_u64()), (Some(true), Some(2)));
    // Duration 13–24 months 2, severe 4, 1–2 failures 1, augmentation 1, no ECT 0 = 8 (REFERENCE §5.3).
    assert_eq!((clean.json["trd"]["maudsley"]["score"].as_u64(), clean.json["trd"]["maudsley"]["band"].as_str()), (Some(8), Some("moderate")));

    let mut risky = trd_adult();
    risky["vitals"] = json!({"systolic": 150, "diastolic": 85, "heart_rate": 80});
    risky["history"] = json!(["psychosis"]);
    risky["medications"] = json!([{"name": "Xanax", "classes": []}]);
    for (modality, decision, expected) in [
        ("esketamine_nasal", "eligible_with_cautions", vec!["bp_elevated", "med_benzodiazepine", "psychosis"]),
        ("iv_ketamine", "not_eligible", vec!["bp_elevated", "med_benzodiazepine", "psychosis"]),
    ] {
        let reply = app.call(Method::POST, "/api/v1/eligibility/check", &nurse, Some(json!({"modality": modality, "evaluation": risky}))).await;
        assert_eq!(reply.json["decision"], decision, "{modality}: {}", reply.text);
        assert_eq!(rules(&reply.json), expected, "{modality}");
        let psychosis = reply.json["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "psychosis").unwrap();
        assert!(!psychosis["message"].as_str().unwrap().is_empty() && !psychosis["source"].as_str().unwrap().is_empty());
    }
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?limit=10&action=eligibility.check", &auditor, None).await;
    assert_eq!(log.json["items"].as_array().unwrap().len(), 3, "every check is on the log");
}

#[tokio::test]
async fn bad_evaluations_name_the_field() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let desk = app.token(Role::FrontDesk).await;
    assert_eq!(
        app.call(Method::POST, "/api/v1/eligibility/check", &desk, Some(json!({"modality": "iv_ketamine", "evaluation": {}}))).await.status,
        StatusCode::FORBIDDEN
    );
    let mut bad = trd_adult();
    bad["vitals"]["systolic"] = json!(400);
    bad["history"] = json!(["psychosis", "werewolf"]);
    let reply = app.call(Method::POST, "/api/v1/eligibility/check", &nurse, Some(json!({"modality": "iv_ketamine", "evaluation": bad}))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(fields(&reply), ["evaluation.history[1]", "evaluation.vitals.systolic"]);
    let mut typo = trd_adult();
    typo["antidepressant_trials"][0]["outcome"] = json!("meh");
    let reply = app.call(Method::POST, "/api/v1/eligibility/check", &nurse, Some(json!({"modality": "iv_ketamine", "evaluation": typo}))).await;
    assert_eq!(fields(&reply), ["evaluation.antidepressant_trials[0].outcome"], "{}", reply.text);
    let unknown = app.call(Method::POST, "/api/v1/eligibility/check", &nurse, Some(json!({"modality": "oral_ketamine", "evaluation": {}}))).await;
    assert_eq!(fields(&unknown), ["modality"]);

    let p = app.patient("Eve", "Val").await;
    let pid = p["id"].as_str().unwrap();
    let mut stored_bad = trd_adult();
    stored_bad["age_years"] = json!(300);
    let reply = app.call(Method::POST, &format!("/api/v1/patients/{pid}/evaluations"), &nurse, Some(json!({"evaluation": stored_bad}))).await;
    assert_eq!(fields(&reply), ["evaluation.age_years"]);
    let none = app.call(Method::GET, &format!("/api/v1/patients/{pid}/evaluations"), &nurse, None).await;
    assert_eq!(none.json, json!([]), "nothing written");
}

#[tokio::test]
async fn signing_locks_and_decisions_need_a_signed_evaluation_and_reasons() {
    let app = TestApp::new().await;
    let nurse = app.token(Role::Nurse).await;
    let prescriber = app.token(Role::Prescriber).await;
    let p = app.patient("Fay", "Val").await;
    let pid = p["id"].as_str().unwrap();
    let mut eval = trd_adult();
    eval["history"] = json!(["substance_use_disorder_active"]);
    let draft = app
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/evaluations"),
            &nurse,
            Some(json!({"evaluation": eval, "psychiatric_notes": "Two failed trials."})),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text);
    let eid = draft.json["id"].as_str().unwrap().to_owned();
    assert!(draft.json["body"]["signed"].is_null());

    let decision = |outcome: &str, overrides: Value| json!({"modality": "iv_ketamine", "evaluation_id": eid, "outcome": outcome, "overrides": overrides});
    let unsigned = app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber, Some(decision("declined", json!([])))).await;
    assert_eq!(fields(&unsigned), ["evaluation_id"], "decisions are made on signed evaluations");

    assert_eq!(app.call(Method::POST, &format!("/api/v1/evaluations/{eid}/sign"), &nurse, Some(json!({"version": 1}))).await.status, StatusCode::FORBIDDEN);
    let signed = app.call(Method::POST, &format!("/api/v1/evaluations/{eid}/sign"), &prescriber, Some(json!({"version": 1}))).await;
    assert_eq!((signed.status, signed.json["version"].as_u64()), (StatusCode::OK, Some(2)), "{}", signed.text);
    assert!(signed.json["body"]["signed"]["by_name"].is_string());
    assert_eq!(app.call(Method::POST, &format!("/api/v1/evaluations/{eid}/sign"), &prescriber, Some(json!({"version": 2}))).await.status, StatusCode::CONFLICT);

    // Active substance use disorder excludes IV ketamine (clinic policy): approving needs a reason.
    let bare = app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber, Some(decision("approved", json!([])))).await;
    assert_eq!((bare.status, fields(&bare)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["overrides".to_owned()]));
    let caution = app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber,
        Some(decision("approved", json!([{"rule": "bp_elevated", "reason": "x"}, {"rule": "substance_use_disorder_active", "reason": "in remission 2 years per addiction psychiatrist"}])))).await;
    assert_eq!(fields(&caution), ["overrides[0].rule"], "only findings of this check can be overridden");
    let approved = app
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/eligibility-decisions"),
            &prescriber,
            Some(decision("approved", json!([{"rule": "substance_use_disorder_active", "reason": "in remission 2 years per addiction psychiatrist"}]))),
        )
        .await;
    assert_eq!(approved.status, StatusCode::CREATED, "{}", approved.text);
    assert_eq!((approved.json["body"]["outcome"].as_str(), approved.json["body"]["evaluation_version"].as_u64()), (Some("approved"), Some(2)));
    assert_eq!(approved.json["body"]["result"]["decision"], "not_eligible", "the engine's answer is kept as evidence");

    let view = app.call(Method::GET, &format!("/api/v1/patients/{pid}/eligibility?modality=iv_ketamine"), &prescriber, None).await;
    assert_eq!((view.json["decision_current"].as_bool(), view.json["result"]["decision"].as_str()), (Some(true), Some("not_eligible")));

    // An amendment needs a reason, is a new unsigned version, and makes the decision stale.
    let mut amended = trd_adult();
    amended["history"] = json!([]);
    let no_reason =
        app.call(Method::PUT, &format!("/api/v1/evaluations/{eid}"), &nurse, Some(json!({"version": 2, "evaluation": amended, "reason": " "}))).await;
    assert_eq!(fields(&no_reason), ["reason"]);
    let amend = app
        .call(
            Method::PUT,
            &format!("/api/v1/evaluations/{eid}"),
            &nurse,
            Some(json!({"version": 2, "evaluation": amended, "reason": "SUD history was a transcription error"})),
        )
        .await;
    assert_eq!((amend.status, amend.json["version"].as_u64()), (StatusCode::OK, Some(3)), "{}", amend.text);
    assert!(amend.json["body"]["signed"].is_null(), "an amendment is unsigned until signed again");
    let view = app.call(Method::GET, &format!("/api/v1/patients/{pid}/eligibility?modality=iv_ketamine"), &prescriber, None).await;
    assert_eq!((view.json["decision_current"].as_bool(), view.json["result"]["decision"].as_str()), (Some(false), Some("eligible")));
    let history = app.call(Method::GET, &format!("/api/v1/chart-entries/{eid}/history"), &prescriber, None).await;
    assert_eq!(history.json.as_array().unwrap().len(), 3, "the signed version stays in the history");
}

#[tokio::test]
async fn a_spravato_label_contraindication_cannot_be_overridden() {
    let app = TestApp::new().await;
    let prescriber = app.token(Role::Prescriber).await;
    let p = app.patient("Gus", "Val").await;
    let pid = p["id"].as_str().unwrap();
    let mut eval = trd_adult();
    eval["history"] = json!(["arteriovenous_malformation"]);
    let draft = app.call(Method::POST, &format!("/api/v1/patients/{pid}/evaluations"), &prescriber, Some(json!({"evaluation": eval}))).await;
    let eid = draft.json["id"].as_str().unwrap().to_owned();
    app.call(Method::POST, &format!("/api/v1/evaluations/{eid}/sign"), &prescriber, Some(json!({"version": 1}))).await;
    let attempt = json!({"modality": "esketamine_nasal", "evaluation_id": eid, "outcome": "approved",
        "overrides": [{"rule": "arteriovenous_malformation", "reason": "embolised in 2019"}]});
    let refused = app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber, Some(attempt)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(fields(&refused), ["overrides[0].rule", "outcome"]);
    let declined = json!({"modality": "esketamine_nasal", "evaluation_id": eid, "outcome": "declined", "note": "AVM: SPRAVATO contraindicated"});
    assert_eq!(app.call(Method::POST, &format!("/api/v1/patients/{pid}/eligibility-decisions"), &prescriber, Some(declined)).await.status, StatusCode::CREATED);
}
