//! Recording assessments through the pages and seeing them on the patient page: the form, the
//! per-item errors, the safety notice, the SVG trend chart with its bands and outcome caption.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Reply, TestApp};
use ketaclinic_domain::staff::Role;

/// A PHQ-9 form: items 1–9 with these values (`None` leaves the item out).
fn phq9(values: [Option<u32>; 9], when: &str) -> Vec<(String, String)> {
    let mut out = vec![("instrument".to_owned(), "phq9".to_owned()), ("administered_at".to_owned(), when.to_owned())];
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            out.push((format!("item_{}", i + 1), v.to_string()));
        }
    }
    out
}

fn location(reply: &Reply) -> String {
    reply.headers.get(header::LOCATION).unwrap_or_else(|| panic!("no Location: {} {}", reply.status, reply.text)).to_str().unwrap().to_owned()
}

async fn stored(app: &TestApp, patient: &str) -> usize {
    let nurse = app.token(Role::Nurse).await;
    let listed = app.call(Method::GET, &format!("/api/v1/patients/{patient}/assessments"), &nurse, None).await;
    listed.json["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_nurse_records_phq9s_and_the_patient_page_charts_the_trend() {
    let app = TestApp::builder().manual_clock().build().await;
    let id = app.patient("Tess", "Trend").await["id"].as_str().unwrap().to_owned();
    let page_path = format!("/patients/{id}");
    let nurse = app.login(Role::Nurse).await;

    let empty = app.page_get(&page_path, &nurse).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text.contains("No assessments yet") && !empty.text.contains("<svg"), "{}", empty.text);
    assert!(empty.text.contains(&format!(r#"action="/patients/{id}/assessments/new""#)), "a nurse is offered to record one");

    // The form: instructions, one fieldset with a legend per item, radios, the licence note.
    let form = app.page_get(&format!("/patients/{id}/assessments/new?instrument=phq9"), &nurse).await;
    assert_eq!(form.status, StatusCode::OK);
    let f = &form.text;
    assert!(f.contains("Over the last 2 weeks, how often have you been bothered"), "{f}");
    assert_eq!(f.matches("<fieldset").count(), 10, "nine items and the difficulty item");
    assert!(f.contains(r#"<legend><span class="item__number">Question 9</span> Thoughts that you would be better off dead"#), "{f}");
    assert!(f.contains(r#"<input type="radio" id="item_9-1" name="item_9" value="1">"#), "{f}");
    assert!(f.contains(r#"<label class="choice" for="item_1-0">"#) && f.contains("Not at all"));
    assert!(f.contains("Released by Pfizer without copyright restriction"), "licence note");
    assert!(f.contains(r#"name="instrument" value="phq9""#) && f.contains(r#"type="datetime-local""#));

    // Baseline with item 9 answered: saved, then the confirmation carries the safety notice.
    let first = app.page_post(&format!("/patients/{id}/assessments"), &nurse, &phq9([3, 3, 3, 3, 2, 2, 2, 1, 1].map(Some), "2026-10-01T10:00")).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    let to = location(&first);
    assert!(to.starts_with(&format!("/patients/{id}?recorded=")) && to.ends_with("#assessments"), "{to}");
    let confirmed = app.page_get(to.split('#').next().unwrap(), &nurse).await;
    assert!(confirmed.text.contains("PHQ-9 recorded") && confirmed.text.contains("Result 20 (severe), administered 2026-10-01 10:00."), "{}", confirmed.text);
    assert!(confirmed.text.contains("Tell the prescriber now") && confirmed.text.contains(r#"role="alert""#));

    for (values, when) in [([1, 1, 1, 1, 1, 1, 1, 1, 0], "2026-10-15T10:00"), ([1, 1, 1, 1, 0, 0, 0, 0, 0], "2026-11-01T10:00")] {
        let reply = app.page_post(&format!("/patients/{id}/assessments"), &nurse, &phq9(values.map(Some), when)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let quiet = app.page_get(location(&reply).split('#').next().unwrap(), &nurse).await;
        assert!(quiet.text.contains("PHQ-9 recorded") && !quiet.text.contains("Tell the prescriber now"), "no safety notice without a flag");
    }
    assert_eq!(stored(&app, &id).await, 3);

    // The chart: an accessible inline SVG with the bands, one marker per assessment, a line.
    let page = app.page_get(&page_path, &nurse).await;
    let p = &page.text;
    assert_eq!(p.matches("<svg").count(), 1, "one chart (one instrument)");
    assert!(p.contains(r#"role="img" aria-label="PHQ-9 trend: 3 assessments from 2026-10-01 to 2026-11-01; baseline 20 (severe), latest 4 (minimal); change −80 %; response reached; remission reached.""#), "{p}");
    for band in ["minimal", "mild", "moderate", "moderately_severe", "severe"] {
        assert!(p.contains(&format!(r#"data-band="{band}""#)), "band {band}");
    }
    assert!(p.contains(">moderately severe</text>"), "band labels are drawn");
    assert_eq!(p.matches(r#"class="point__dot""#).count(), 3);
    assert_eq!(p.matches("<title>").count(), 4, "the page title and one tooltip per point");
    assert!(p.contains("<title>2026-10-01 10:00: PHQ-9 20 (severe) — safety flag</title>"), "{p}");
    assert!(p.contains(r#"class="point point--flagged""#), "the flagged point is ringed");
    assert!(p.contains(r#"<polyline class="trend__line" points=""#));
    // The caption: baseline → latest, change, badges.
    assert!(p.contains("Baseline <strong>20 on 2026-10-01</strong> → latest <strong>4 on 2026-11-01</strong>"), "{p}");
    assert!(p.contains("Change <strong>−80 %</strong>"));
    assert!(p.contains(r#"<span class="badge badge--success">Response 2026-10-15</span>"#) && p.contains("Remission 2026-11-01"), "{p}");
    // The table fallback lists every point.
    assert!(p.contains(r#"<div class="visually-hidden">"#) && p.contains("PHQ-9: every assessment, oldest first"));
    assert!(p.contains(r#"<th scope="row" class="mono">2026-10-15 10:00</th><td>8</td><td>mild</td><td>response</td>"#), "{p}");
    assert!(p.contains("<strong>suicidal ideation</strong>"));
}

#[tokio::test]
async fn a_missing_item_re_renders_the_form_with_its_error_and_stores_nothing() {
    let app = TestApp::new().await;
    let id = app.patient("Miss", "Item").await["id"].as_str().unwrap().to_owned();
    let nurse = app.login(Role::Nurse).await;
    let reply = app
        .page_post(&format!("/patients/{id}/assessments"), &nurse, &phq9([Some(2), Some(1), Some(0), None, Some(0), Some(0), Some(0), Some(0), Some(0)], ""))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    let f = &reply.text;
    assert!(f.contains("Nothing was saved"), "{f}");
    assert!(f.contains(r##"<li><a href="#item_4-0">Choose an answer for question 4.</a></li>"##), "{f}");
    assert!(f.contains(r#"<p class="field-error" id="item_4-error"><span class="visually-hidden">Error: </span>Choose an answer for question 4.</p>"#));
    assert!(f.contains(r#"<fieldset class="item field--invalid" aria-describedby="item_4-error">"#), "{f}");
    assert!(f.contains(r#"id="item_1-2" name="item_1" value="2" checked"#) && f.contains(r#"id="item_2-1" name="item_2" value="1" checked"#), "answers kept");
    assert!(!f.contains(r#"id="item_4-0" name="item_4" value="0" checked"#));
    assert_eq!(f.matches("field-error").count(), 1, "only the missing item is in error");
    assert_eq!(stored(&app, &id).await, 0);

    // A time in the future is the use case's refusal, shown on the time field.
    let future = app.page_post(&format!("/patients/{id}/assessments"), &nurse, &phq9([0; 9].map(Some), "2999-01-01T10:00")).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.text.contains(r##"<a href="#administered_at">When was it filled in? must not be in the future.</a>"##), "{}", future.text);
    assert_eq!(stored(&app, &id).await, 0);
}

#[tokio::test]
async fn a_high_cssrs_risk_warns_and_is_listed_without_a_chart() {
    let app = TestApp::new().await;
    let id = app.patient("Cee", "Ssrs").await["id"].as_str().unwrap().to_owned();
    let prescriber = app.login(Role::Prescriber).await;
    let form = app.page_get(&format!("/patients/{id}/assessments/new?instrument=cssrs_screener"), &prescriber).await;
    assert!(form.text.contains(r#"data-asked-when="item_2""#) && form.text.contains(r#"value="yes""#), "{}", form.text);
    assert!(form.text.contains("Short item labels only"));
    let fields: Vec<(String, String)> =
        [("instrument", "cssrs_screener"), ("item_1", "yes"), ("item_2", "yes"), ("item_3", "yes"), ("item_4", "yes"), ("item_5", "no"), ("item_6", "no")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
    let reply = app.page_post(&format!("/patients/{id}/assessments"), &prescriber, &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let page = app.page_get(location(&reply).split('#').next().unwrap(), &prescriber).await;
    assert!(page.text.contains("Tell the prescriber now") && page.text.contains("a C-SSRS risk level of high"), "{}", page.text);
    assert!(!page.text.contains("<svg"), "no total, no chart");
    assert!(page.text.contains("<td>risk high</td>"), "{}", page.text);
}

#[tokio::test]
async fn front_desk_may_not_record_and_is_not_offered_to() {
    let app = TestApp::new().await;
    let id = app.patient("Desk", "Refusal").await["id"].as_str().unwrap().to_owned();
    let desk = app.login(Role::FrontDesk).await;
    let form = app.page_get(&format!("/patients/{id}/assessments/new?instrument=phq9"), &desk).await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(form.text.contains("may not record assessments"), "{}", form.text);
    let post = app.page_post(&format!("/patients/{id}/assessments"), &desk, &phq9([0; 9].map(Some), "")).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, &id).await, 0);
    let page = app.page_get(&format!("/patients/{id}"), &desk).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("No assessments yet") && !page.text.contains("/assessments/new"), "{}", page.text);
}
