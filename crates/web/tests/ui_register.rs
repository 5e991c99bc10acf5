//! The controlled-substance register's pages, driven in-process like a browser: a delivery
//! received through the form, a draw for a session, administration, waste signed by a witness
//! in the dialog (refused for a wrong password, for oneself, for a role that may not witness),
//! a count with a discrepancy that cannot be signed without a resolution, and the reports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, PASSWORD, Reply, TestApp, email};
use ketaclinic_domain::staff::Role;
use serde_json::json;

fn location(reply: &Reply) -> String {
    reply.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_else(|| panic!("no Location: {} {}", reply.status, reply.text))
}

/// Every distinct `/register/containers/{id}` link on a page, in order.
fn container_links(page: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in page.split("href=\"/register/containers/").skip(1) {
        let id = part.split('"').next().unwrap().to_owned();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Adds a location as the prescriber and receives `packages` vials of ketamine 50 mg/mL, 10 mL.
async fn stock(app: &TestApp, nurse: &Auth, packages: &str) -> Vec<String> {
    let doctor = app.login(Role::Prescriber).await;
    let added = app.page_post("/register/locations", &doctor, &[("name", "Safe A"), ("back", "receive")]).await;
    assert_eq!((added.status, location(&added).as_str()), (StatusCode::SEE_OTHER, "/register/receive"), "{}", added.text);
    let form = app.page_get("/register/receive", nurse).await;
    assert_eq!(form.status, StatusCode::OK);
    let loc = form.text.split(r#"<select id="location_id""#).nth(1).unwrap().split("<option value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let fields = [
        ("supplier_name", "Example Wholesale Inc."),
        ("supplier_address", "1 Depot Road, Springfield IL"),
        ("supplier_dea", "AB1234563"),
        ("invoice", "INV-7781"),
        ("received_on", ""),
        ("product_id", "ketamine-50mg-ml-10ml"),
        ("lot", "KX-2201"),
        ("expiry", "2030-06-30"),
        ("packages", packages),
        ("location_id", loc.as_str()),
    ];
    // The date defaults to today on the form; an empty one is refused like any other field.
    let refused = app.page_post("/register/receive", nurse, &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Date received must be a date"), "{}", refused.text);
    let today = form.text.split(r#"name="received_on" type="date" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(today.len(), 10, "the date received defaults to today");
    let mut ok = fields.to_vec();
    ok[4] = ("received_on", today.as_str());
    let reply = app.page_post("/register/receive", nurse, &ok).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let back = app.page_get(&location(&reply), nurse).await;
    assert!(back.text.contains(&format!("Received {packages} container(s) of lot KX-2201 into stock.")), "{}", back.text);
    container_links(&back.text)
}

#[tokio::test]
async fn the_overview_starts_empty_and_refuses_roles_without_the_register() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let page = app.page_get("/register", &nurse).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Nothing in stock. Receive a delivery to start."), "{}", page.text);
    assert!(page.text.contains(r#"<a href="/register" aria-current="page">Controlled substances</a>"#));
    assert!(page.text.contains("No initial inventory yet"));
    assert!(page.text.contains(r#"href="/register/receive">Receive delivery</a>"#));
    // Without a location the receipt form says who can add one.
    let form = app.page_get("/register/receive", &nurse).await;
    assert!(form.text.contains("Ask a prescriber"), "{}", form.text);

    let desk = app.login(Role::FrontDesk).await;
    let refused = app.page_get("/register", &desk).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("may not see the controlled-substance register"), "{}", refused.text);
    assert!(!app.page_get("/", &desk).await.text.contains(r#"href="/register""#), "front desk is not offered the register");
}

#[tokio::test]
async fn receipt_errors_are_shown_per_field() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let fields = [("supplier_name", ""), ("supplier_dea", "AB1234564"), ("packages", "many"), ("product_id", "nope")];
    let reply = app.page_post("/register/receive", &nurse, &fields).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = &reply.text;
    assert!(page.contains("Nothing was saved"), "{page}");
    assert!(page.contains(r#"id="supplier_dea-error""#) && page.contains("must be a DEA registration number"), "{page}");
    assert!(page.contains(r#"id="packages-error""#) && page.contains("Number of packages must be between 1 and 200"), "{page}");
    assert!(page.contains(r#"value="AB1234564""#), "what was typed is kept");
}

#[tokio::test]
async fn draw_administer_and_witnessed_waste_keep_a_running_balance() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let containers = stock(&app, &nurse, "5").await;
    assert_eq!(containers.len(), 5);
    let overview = app.page_get("/register", &nurse).await;
    assert!(overview.text.contains("5 in stock · 50 mL · 2500 mg"), "{}", overview.text);

    let patient = app.patient("Vera", "Ledger").await["id"].as_str().unwrap().to_owned();
    let token = app.token(Role::Nurse).await;
    let session = app.call(Method::POST, "/api/v1/sessions", &token, Some(json!({"patient_id": patient, "modality": "iv_ketamine", "chair": "Chair 2"}))).await;
    assert_eq!(session.status, StatusCode::CREATED, "{}", session.text);
    let session_id = session.json["id"].as_str().unwrap().to_owned();

    let path = format!("/register/containers/{}", containers[0]);
    // The session page's "Draw from the register" opens the overview for that session, whose
    // container links preselect it.
    let chooser = app.page_get(&format!("/register?session={session_id}"), &nurse).await;
    assert!(chooser.text.contains("Choose the container to draw from for the session."));
    assert!(chooser.text.contains(&format!(r#"href="{path}?session={session_id}""#)), "{}", chooser.text);
    let preselected = app.page_get(&format!("{path}?session={session_id}"), &nurse).await;
    assert!(preselected.text.contains(&format!(r#"<option value="{session_id}" selected>"#)), "{}", preselected.text);
    let page = app.page_get(&path, &nurse).await;
    assert!(page.text.contains("Draw for a session") && page.text.contains(&format!(r#"<option value="{session_id}""#)), "{}", page.text);
    assert!(page.text.contains("Chair 2 · V. L. · IV ketamine"), "{}", page.text);

    let drawn = app.page_post(&format!("{path}/draw"), &nurse, &[("session_id", session_id.as_str()), ("volume", "1")]).await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.text);
    let page = app.page_get(&location(&drawn), &nurse).await;
    assert!(page.text.contains("Still in the syringe: 1 mL (50 mg)"), "{}", page.text);
    assert!(page.text.contains("<strong>9 mL</strong> (450 mg)"), "the running balance after the draw");
    let draw_id = page.text.split(r#"name="draw_id" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned();

    let given = app.page_post(&format!("{path}/administer"), &nurse, &[("draw_id", draw_id.as_str()), ("volume", "0.8")]).await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.text);
    let page = app.page_get(&path, &nurse).await;
    assert!(page.text.contains("Still in the syringe: 0.2 mL (10 mg)"), "{}", page.text);
    assert!(page.text.contains(r#"value="0.2""#), "the forms start with what is left");

    let waste = |witness: String, password: &'static str| {
        let fields = vec![
            ("draw_id".to_owned(), draw_id.clone()),
            ("volume".to_owned(), "0.2".to_owned()),
            ("reason".to_owned(), "Residual in the syringe after the infusion".to_owned()),
            ("witness_email".to_owned(), witness),
            ("witness_password".to_owned(), password.to_owned()),
        ];
        let app = &app;
        let path = format!("{path}/waste");
        let nurse = nurse.clone();
        async move { app.page_post(&path, &nurse, &fields).await }
    };
    let wrong = waste(email(Role::Prescriber), "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.text.contains("The witness&#39;s e-mail or password is wrong.") || wrong.text.contains("The witness's e-mail or password is wrong."),
        "{}",
        wrong.text
    );
    assert!(wrong.text.contains("open data-open-on-load"), "the dialog is shown again");
    assert!(wrong.text.contains(&format!(r#"value="{}""#, email(Role::Prescriber))), "the witness's e-mail is kept");
    assert!(!wrong.text.contains("not the password at all"), "the password is never echoed");
    let myself = waste(email(Role::Nurse), PASSWORD).await;
    assert!(myself.text.contains("The witness must be someone other than you."), "{}", myself.text);
    let desk = waste(email(Role::FrontDesk), PASSWORD).await;
    assert!(desk.text.contains("may not witness controlled-substance waste"), "{}", desk.text);
    let right = waste(email(Role::Prescriber), PASSWORD).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.text);
    let page = app.page_get(&location(&right), &nurse).await;
    assert!(page.text.contains("The witnessed waste is recorded."));
    assert!(page.text.contains("Settled"));
    assert!(page.text.contains("Residual in the syringe after the infusion"));
    assert!(page.text.contains("Test Prescriber"), "the witness is named in the ledger");

    // The lot view and the waste report.
    let lot = app.page_get("/register/lots/KX-2201", &nurse).await;
    assert_eq!(lot.status, StatusCode::OK);
    assert!(lot.text.contains("5 container(s) · 49 mL (2450 mg) left in the lot"), "{}", lot.text);
    let report = app.page_get("/register/reports?kind=waste", &nurse).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text.contains("Witnessed waste") && report.text.contains("Residual in the syringe after the infusion"), "{}", report.text);
    let csv_href = report.text.split(r#"<a class="button button--secondary" href=""#).nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let csv = app.page_get(&csv_href, &nurse).await;
    assert_eq!(csv.status, StatusCode::OK, "{csv_href}");
    assert!(csv.headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("text/csv"));
    assert!(csv.text.contains("Residual in the syringe after the infusion"));
    assert_eq!(app.page_get("/register/reports/nothing.csv", &nurse).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_count_with_a_discrepancy_needs_a_resolution_before_it_is_signed() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let containers = stock(&app, &nurse, "2").await;
    let started = app.page_post("/register/counts", &nurse, &[("kind", "ad_hoc"), ("timing", "close_of_business"), ("location_id", "")]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
    let sheet_path = location(&started);
    let sheet = app.page_get(&sheet_path, &nurse).await;
    assert!(sheet.text.contains("Ad-hoc count") && sheet.text.contains("0 of 2 counted"), "{}", sheet.text);
    let version = sheet.text.split(r#"name="version" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (a, b) = (&containers[0], &containers[1]);
    let fields = |resolution: &str, version: &str| {
        vec![
            ("version".to_owned(), version.to_owned()),
            ("action".to_owned(), "sign".to_owned()),
            (format!("counted.{a}"), "10".to_owned()),
            (format!("resolution.{a}"), String::new()),
            (format!("counted.{b}"), "9.8".to_owned()),
            (format!("resolution.{b}"), resolution.to_owned()),
        ]
    };
    let refused = app.page_post(&sheet_path, &nurse, &fields("", &version)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert!(refused.text.contains("differs from the book and needs a resolution note"), "{}", refused.text);
    assert!(refused.text.contains("cs-count__row--discrepancy") && refused.text.contains("−0.2 mL"));
    let version = refused.text.split(r#"name="version" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let signed = app.page_post(&sheet_path, &nurse, &fields("Drop lost when the vial was checked; witnessed.", &version)).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    let page = app.page_get(&location(&signed), &nurse).await;
    assert!(page.text.contains("The count is signed and locked."), "{}", page.text);
    assert!(page.text.contains("1 discrepancy(ies) between count and book.") && page.text.contains("Drop lost when the vial was checked"));
    assert!(!page.text.contains("name=\"counted."), "a signed sheet is read-only");
    let list = app.page_get("/register/counts", &nurse).await;
    assert!(list.text.contains("Signed"));
    // A sheet saved from a stale copy is refused in words.
    let stale = app
        .page_post(
            &sheet_path,
            &nurse,
            &[("version".to_owned(), "1".to_owned()), ("action".to_owned(), "save".to_owned()), (format!("counted.{a}"), "10".to_owned())],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert!(stale.text.contains("reload it"), "{}", stale.text);
}

#[tokio::test]
async fn losses_show_their_deadlines_and_a_prescriber_disposes_and_adjusts_with_a_witness() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let containers = stock(&app, &nurse, "3").await;
    let doctor = app.login(Role::Prescriber).await;
    let (a, b, c) = (&containers[0], &containers[1], &containers[2]);

    // A nurse reports a loss; its two DEA deadlines appear on the register page.
    let loss = app
        .page_post(&format!("/register/containers/{a}/loss"), &nurse, &[("kind", "loss"), ("volume", "0.5"), ("discovered_at", ""), ("description", "")])
        .await;
    assert_eq!(loss.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(loss.text.contains("Description is required"), "{}", loss.text);
    let loss = app
        .page_post(
            &format!("/register/containers/{a}/loss"),
            &nurse,
            &[("kind", "theft"), ("volume", "0.5"), ("discovered_at", ""), ("description", "Vial found opened in the safe")],
        )
        .await;
    assert_eq!(loss.status, StatusCode::SEE_OTHER, "{}", loss.text);
    let overview = app.page_get("/register", &nurse).await;
    assert!(overview.text.contains("Notify the DEA Field Division in writing") && overview.text.contains("File DEA Form 106"), "{}", overview.text);
    assert!(overview.text.contains("Theft of 0.5 mL (25 mg)"));
    assert!(!overview.text.contains("/tasks\""), "a nurse cannot mark the deadline done");
    let page = app.page_get("/register", &doctor).await;
    let report = page.text.split(r#"action="/register/losses/"#).nth(1).unwrap().split('/').next().unwrap().to_owned();
    let done = app.page_post(&format!("/register/losses/{report}/tasks"), &doctor, &[("task", "notify_dea"), ("reference", "Fax 2026-11-22 09:10")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let page = app.page_get(&location(&done), &doctor).await;
    assert!(page.text.contains("The deadline is marked done.") && !page.text.contains("Notify the DEA Field Division in writing"));

    // Disposal needs a second witness who signs in; the prescriber cannot witness themself.
    let dispose = |witness: String| {
        let fields = vec![
            ("volume", String::new()),
            ("method", "destruction".to_owned()),
            ("reason", "Damaged vial".to_owned()),
            ("destruction_method", "Mixed with a chemical digester".to_owned()),
            ("place", "Clinic pharmacy room".to_owned()),
            ("witness_email", witness),
            ("witness_password", PASSWORD.to_owned()),
        ];
        let (app, doctor, path) = (&app, doctor.clone(), format!("/register/containers/{b}/dispose"));
        async move { app.page_post(&path, &doctor, &fields).await }
    };
    let myself = dispose(email(Role::Prescriber)).await;
    assert_eq!(myself.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(myself.text.contains("The witness must be someone other than you.") && myself.text.contains(r#"id="dispose-dialog""#), "{}", myself.text);
    let disposed = dispose(email(Role::Nurse)).await;
    assert_eq!(disposed.status, StatusCode::SEE_OTHER, "{}", disposed.text);
    let page = app.page_get(&location(&disposed), &doctor).await;
    assert!(page.text.contains("The disposal is recorded.") && page.text.contains("Disposed of") && page.text.contains("Test Nurse"), "{}", page.text);
    assert!(page.text.contains(r#"<span class="cs-status cs-status--empty">empty</span>"#));
    // A nurse may not dispose or adjust.
    assert_eq!(app.page_post(&format!("/register/containers/{c}/adjust"), &nurse, &[("delta", "-0.2"), ("reason", "x")]).await.status, StatusCode::FORBIDDEN);

    // The prescriber adjusts the book with a reason.
    let adjusted =
        app.page_post(&format!("/register/containers/{c}/adjust"), &doctor, &[("delta", "-0.2"), ("reason", "Overfill counted short at delivery")]).await;
    assert_eq!(adjusted.status, StatusCode::SEE_OTHER, "{}", adjusted.text);
    let page = app.page_get(&location(&adjusted), &doctor).await;
    assert!(page.text.contains("−0.2 mL (10 mg)") && page.text.contains("9.8 mL"), "{}", page.text);

    // The filter by product and the empty containers.
    let filtered = app.page_get("/register?product=spravato-84mg-kit", &nurse).await;
    assert!(filtered.text.contains("No containers match."), "{}", filtered.text);
    let with_empty = app.page_get("/register?empty=1", &nurse).await;
    assert_eq!(container_links(&with_empty.text).len(), 3);
    assert_eq!(container_links(&app.page_get("/register", &nurse).await.text).len(), 2, "the emptied vial is left out by default");
}
