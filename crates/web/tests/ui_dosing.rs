//! The dose calculator page: the worked example (80 kg, 0.5 mg/kg over 40 min, 50 mg/mL into a
//! 100 mL bag) with its predicted plasma curve, IM and esketamine results, the label refusal of
//! 84 mg without an earlier 56 mg dose, and a bad weight re-rendered with its error and values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use ketaclinic_domain::staff::Role;

fn ketamine(modality: &str, weight: &str) -> Vec<(&'static str, String)> {
    vec![
        ("modality", modality.to_owned()),
        ("weight_kg", weight.to_owned()),
        ("weight_basis", "actual".to_owned()),
        ("height_cm", String::new()),
        ("sex", String::new()),
        ("dose_mg_per_kg", "0.5".to_owned()),
        ("infusion_minutes", "40".to_owned()),
        ("vial_concentration_mg_per_ml", "50".to_owned()),
        ("bag_volume_ml", "100".to_owned()),
        ("max_dose_mg", String::new()),
        ("dose_mg", "56".to_owned()),
        ("indication", "trd".to_owned()),
        ("highest_previous_dose_mg", String::new()),
        ("age_years", String::new()),
    ]
}

#[tokio::test]
async fn the_form_is_open_to_every_role_and_in_the_navigation() {
    let app = TestApp::new().await;
    for role in [Role::FrontDesk, Role::Nurse, Role::Prescriber, Role::Admin] {
        let auth = app.login(role).await;
        let page = app.page_get("/dosing", &auth).await;
        assert_eq!(page.status, StatusCode::OK, "{role}");
        let t = &page.text;
        assert!(t.contains(r#"<a href="/dosing" aria-current="page">Dose calculator</a>"#), "{t}");
        assert!(t.contains(r#"name="dose_mg_per_kg" type="text" value="0.5""#), "defaults: {t}");
        assert!(t.contains(r#"name="infusion_minutes" type="text" value="40""#) && t.contains(r#"name="bag_volume_ml" type="text" value="100""#));
        assert!(t.contains(r#"name="vial_concentration_mg_per_ml" type="text" value="10""#));
        assert!(!t.contains("<svg class=\"pk-curve__chart\""), "no curve before a calculation");
    }
}

#[tokio::test]
async fn the_worked_example_shows_the_dose_and_the_predicted_curve() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let before = app.count("audit_events").await;
    let reply = app.page_post("/dosing", &nurse, &ketamine("iv_ketamine", "80")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let t = &reply.text;
    for figure in ["40.0 mg", "0.80 mL", "100.80 mL", "151.2 mL/h"] {
        assert!(t.contains(figure), "{figure}: {t}");
    }
    assert!(t.contains("of 50 mg/mL") && t.contains("over 40 minutes") && t.contains("0.5 mg/kg × 80.00 kg (actual weight)"), "{t}");
    assert!(t.contains(r#"<svg class="pk-curve__chart""#) && t.contains(r#"<polyline class="pk-curve__line" points="60.0,232.0 "#), "{t}");
    assert!(t.contains(r#"<title id="pk-curve-title">Predicted plasma ketamine concentration</title>"#), "{t}");
    assert!(t.contains("Domino et al. 1984 model: Cmax ") && t.contains("A model estimate, not a measurement."), "{t}");
    assert!(t.contains("pk-curve__window"), "the infusion window is shaded");
    // The spread between the racemic models, as a band behind the line, in the caption and the
    // text alternative.
    assert!(t.contains(r#"<polygon class="pk-curve__band" points=""#), "{t}");
    let models = "4 published models (Domino et al. 1984, Kamp et al. 2020, Clements et al. 1981 and Hijazi et al. 2003)";
    assert!(t.contains(&format!("The shaded band is the range of {models}; the line is Domino et al. 1984.")), "{t}");
    assert!(t.contains(&format!("A shaded band shows the range of {models}: at 40 min it runs from ")), "{t}");
    assert!(t.contains(r#"name="weight_kg" type="text" value="80""#), "values kept: {t}");
    assert!(!t.contains("Check before giving"), "no warnings");
    assert_eq!(app.count("audit_events").await, before, "nothing is stored");

    // Cmax is reached at the end of the infusion.
    let caption = t.split("Cmax ").nth(1).unwrap();
    assert!(caption.contains("at Tmax 40 min"), "{caption}");
}

#[tokio::test]
async fn im_ketamine_has_no_pump_rate_and_warns_in_words() {
    let app = TestApp::new().await;
    let prescriber = app.login(Role::Prescriber).await;
    let mut form = ketamine("im_ketamine", "80");
    form.retain(|(k, _)| *k != "vial_concentration_mg_per_ml" && *k != "dose_mg_per_kg");
    form.push(("vial_concentration_mg_per_ml", "100".to_owned()));
    form.push(("dose_mg_per_kg", "1.2".to_owned()));
    let reply = app.page_post("/dosing", &prescriber, &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let t = &reply.text;
    assert!(t.contains("IM ketamine injection") && t.contains("96.0 mg") && t.contains("0.96 mL"), "{t}");
    assert!(!t.contains("mL/h"), "no pump rate for IM");
    assert!(t.contains("outside the usual 0.1–1.0 mg/kg"), "{t}");
    assert!(t.contains("Clements et al. 1981 model") && t.contains("<svg"), "{t}");
    assert!(t.contains("the line is Clements et al. 1981.") && t.contains("pk-curve__band"), "IM has its band of models too: {t}");
    assert!(!t.contains("pk-curve__window"), "no infusion window for an injection");
}

#[tokio::test]
async fn esketamine_lays_out_devices_and_refuses_84_mg_without_56_mg_first() {
    let app = TestApp::new().await;
    let prescriber = app.login(Role::Prescriber).await;
    let esk = |dose: &str, previous: &str| {
        let mut f = ketamine("esketamine_nasal", "");
        for (k, v) in &mut f {
            match *k {
                "dose_mg" => *v = dose.to_owned(),
                "highest_previous_dose_mg" => *v = previous.to_owned(),
                _ => {}
            }
        }
        f
    };
    let ok = app.page_post("/dosing", &prescriber, &esk("84", "56")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let t = &ok.text;
    assert!(t.contains("84 mg") && t.contains("3 × 28 mg") && t.contains("Device 3 at 10 min"), "{t}");
    assert!(t.contains("Perez-Ruixo et al. 2021 model: Cmax") && t.contains(r#"<svg class="pk-curve__chart""#), "{t}");
    // One esketamine model: the band is the population's 5–95 %, and the caption says so.
    assert!(
        t.contains("There is one published esketamine model, so the shaded band is the spread between patients instead: 90 % of 500 simulated patients"),
        "{t}"
    );
    assert!(t.contains("A shaded band shows where 90 % of 500 simulated patients fall") && t.contains("pk-curve__band"), "{t}");
    assert!(t.contains("A model estimate, not a measurement."), "{t}");

    let refused = app.page_post("/dosing", &prescriber, &esk("84", "")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    let t = &refused.text;
    assert!(t.contains("84 mg is given only after an initial 56 mg dose (SPRAVATO label)"), "{t}");
    assert!(t.contains(r#"<p class="field-error" id="dose_mg-error">"#), "the error sits next to the dose: {t}");
    assert!(!t.contains("<svg class=\"pk-curve__chart\""), "no curve for a refused dose");
    assert!(t.contains(r#"<option value="84" selected>"#), "the choice is kept: {t}");
}

#[tokio::test]
async fn a_bad_weight_is_named_next_to_the_field_and_the_values_are_kept() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    for (weight, message) in [("0", "Weight (kg) must be between 1 and 400."), ("heavy", "Weight (kg) must be a number."), ("", "Weight (kg) is required.")] {
        let reply = app.page_post("/dosing", &nurse, &ketamine("iv_ketamine", weight)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{weight}: {}", reply.text);
        let t = &reply.text;
        assert!(t.contains(r#"<p class="field-error" id="weight_kg-error">"#) && t.contains(message), "{weight}: {t}");
        assert!(t.contains(r##"<a href="#weight_kg">"##), "summary links to the field");
        assert!(t.contains(&format!(r#"name="weight_kg" type="text" value="{weight}""#)), "kept: {t}");
        assert!(t.contains(r#"name="vial_concentration_mg_per_ml" type="text" value="50""#), "other values kept");
        assert!(!t.contains("pk-curve__chart"));
    }
}
