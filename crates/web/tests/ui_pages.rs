//! The server-rendered pages, driven in-process like a browser would: cookies, forms with the
//! CSRF field, htmx partials, redirects. Assertions are on what a person would see.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Auth, PASSWORD, Reply, TestApp, email};
use ketaclinic_domain::staff::Role;

fn session(auth: &Auth) -> (&str, &str) {
    match auth {
        Auth::Session { cookie, csrf } => (cookie, csrf),
        other => panic!("not a session: {other:?}"),
    }
}

fn encode(fields: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.finish()
}

/// A browser GET: the cookie only (no CSRF header), optionally as htmx.
async fn get(app: &TestApp, path: &str, auth: Option<&Auth>) -> Reply {
    get_with(app, path, auth, &[]).await
}

async fn get_with(app: &TestApp, path: &str, auth: Option<&Auth>, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().method(Method::GET).uri(path);
    if let Some(auth) = auth {
        req = req.header(header::COOKIE, format!("kc_session={}", session(auth).0));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::empty()).unwrap()).await
}

/// A browser form post; `csrf` adds the session's token as the `csrf_token` field.
async fn post_form(app: &TestApp, path: &str, auth: Option<&Auth>, fields: &[(&str, &str)], csrf: bool) -> Reply {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    let mut req = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(auth) = auth {
        let (cookie, token) = session(auth);
        req = req.header(header::COOKIE, format!("kc_session={cookie}"));
        if csrf {
            all.push(("csrf_token", token));
        }
    }
    app.send(req.body(Body::from(encode(&all))).unwrap()).await
}

fn location(reply: &Reply) -> &str {
    reply.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or_else(|| panic!("no Location: {} {}", reply.status, reply.text))
}

fn assert_html(reply: &Reply) {
    let ct = reply.headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap();
    assert!(ct.starts_with("text/html"), "content type {ct}");
}

/// Registers a patient through the page as `auth`; returns the patient's page path.
async fn register(app: &TestApp, auth: &Auth, given: &str, family: &str, birth: &str) -> String {
    let fields =
        [("given_name", given), ("family_name", family), ("birth_date", birth), ("sex", "female"), ("phone", "+1 555 010 0199"), ("email", ""), ("mrn", "")];
    let reply = post_form(app, "/patients", Some(auth), &fields, true).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    location(&reply).split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn login_page_renders_a_labelled_form_that_keeps_next() {
    let app = TestApp::new().await;
    let reply = get(&app, "/login?next=%2Fpatients%3Fq%3Dsmith", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_html(&reply);
    let page = &reply.text;
    assert!(page.contains(r#"<form method="post" action="/login""#), "{page}");
    assert!(page.contains(r#"<label for="email">E-mail</label>"#));
    assert!(page.contains(r#"autocomplete="current-password""#));
    assert!(page.contains(r#"name="next" value="/patients?q=smith""#), "next is kept (HTML-escaped query is fine)");
    assert!(page.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
    assert!(page.contains(r##"<a class="skip-link" href="#main">"##) && page.contains(r#"<main id="main""#));
    // Assets are hashed, served, and no script is inline (CSP script-src 'self').
    let css = page.split(r#"<link rel="stylesheet" href=""#).nth(1).unwrap().split('"').next().unwrap();
    assert!(css.starts_with("/assets/app.") && css.ends_with(".css"), "{css}");
    let served = get(&app, css, None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert!(served.text.contains("--tap"), "the stylesheet is ours");
    assert_eq!(page.matches("<script").count(), page.matches("<script src=\"/assets/").count(), "only external scripts");
    for script in ["htmx.min.", "app."] {
        let url = page.split(&format!("<script src=\"/assets/{script}")).nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(get(&app, &format!("/assets/{script}{url}"), None).await.status, StatusCode::OK);
    }
    // An off-site `next` is not echoed.
    let evil = get(&app, "/login?next=%2F%2Fevil.example", None).await;
    assert!(evil.text.contains(r#"name="next" value="/""#));
}

#[tokio::test]
async fn login_form_sets_the_cookie_and_redirects_to_next_only_on_this_site() {
    let app = TestApp::new().await;
    let fields = [("email", email(Role::Nurse)), ("password", PASSWORD.to_owned()), ("next", "/patients".to_owned())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = post_form(&app, "/login", None, &fields, false).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert_eq!(location(&reply), "/patients");
    let cookie = reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.starts_with("kc_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let value = cookie.split(';').next().unwrap().trim_start_matches("kc_session=").to_owned();

    // The cookie opens the page, which greets the nurse and shows only the nurse's navigation.
    let auth = Auth::Session { cookie: value, csrf: String::new() };
    let home = get(&app, "/", Some(&auth)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Test Nurse") && home.text.contains("Signed in as Nurse"), "{}", home.text);
    assert!(home.text.contains(r#"<li><a href="/patients">Patients</a></li>"#), "{}", home.text);
    assert!(!home.text.contains(r#"href="/audit""#), "a nurse is not offered the audit log");
    assert!(!home.text.contains(r#"href="/admin/users""#));
    assert!(home.text.contains(r#"<meta name="csrf-token" content=""#));

    // Already signed in: the login page moves straight on.
    let again = get(&app, "/login?next=%2Fpatients", Some(&auth)).await;
    assert_eq!((again.status, location(&again)), (StatusCode::SEE_OTHER, "/patients"));

    // Off-site targets fall back to the start page.
    for next in ["//evil.example/x", "https://evil.example", "/\\evil.example"] {
        let fields = [("email", email(Role::Nurse)), ("password", PASSWORD.to_owned()), ("next", next.to_owned())];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = post_form(&app, "/login", None, &fields, false).await;
        assert_eq!(location(&reply), "/", "next={next}");
    }
}

#[tokio::test]
async fn wrong_password_then_lockout_are_explained() {
    let app = TestApp::new().await;
    let who = email(Role::Therapist);
    let wrong = [("email", who.as_str()), ("password", "not the password at all"), ("next", "/")];
    let reply = post_form(&app, "/login", None, &wrong, false).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text.contains("The e-mail or password is wrong"), "{}", reply.text);
    assert!(reply.text.contains(&format!(r#"value="{who}""#)), "the e-mail is kept");
    assert!(reply.headers.get(header::SET_COOKIE).is_none());
    for _ in 0..4 {
        post_form(&app, "/login", None, &wrong, false).await;
    }
    let right = [("email", who.as_str()), ("password", PASSWORD), ("next", "/")];
    let locked = post_form(&app, "/login", None, &right, false).await;
    assert_eq!(locked.status, StatusCode::LOCKED);
    assert!(locked.text.contains("This account is locked") && locked.text.contains("Try again after"), "{}", locked.text);
}

#[tokio::test]
async fn too_many_attempts_from_one_address_are_rate_limited() {
    let app = TestApp::builder().settings(|s| s.auth.login_attempts_per_minute_per_ip = 2).build().await;
    let who = email(Role::Nurse);
    let wrong = [("email", who.as_str()), ("password", "not the password at all"), ("next", "/")];
    let mut last = None;
    for _ in 0..4 {
        last = Some(post_form(&app, "/login", None, &wrong, false).await);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.headers.contains_key(header::RETRY_AFTER));
    assert!(last.text.contains("Too many sign-in attempts"), "{}", last.text);
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_login_with_next() {
    let app = TestApp::new().await;
    let reply = get(&app, "/patients", None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&reply), "/login?next=%2Fpatients");
    let reply = get(&app, "/audit?action=auth.login", None).await;
    assert_eq!(location(&reply), "/login?next=%2Faudit%3Faction%3Dauth.login");
    // An htmx search whose session ran out loads the login page instead of swapping it in.
    let htmx = get_with(&app, "/patients?q=ab", None, &[("hx-request", "true")]).await;
    assert_eq!(htmx.status, StatusCode::UNAUTHORIZED);
    assert_eq!(htmx.headers.get("hx-redirect").unwrap(), "/login?next=%2Fpatients%3Fq%3Dab");
}

#[tokio::test]
async fn front_desk_registers_a_patient_and_finds_it_by_search() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let form = get(&app, "/patients/new", Some(&desk)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(&format!(r#"name="csrf_token" value="{}""#, session(&desk).1)));
    assert!(form.text.contains(r#"<label for="birth_date">Date of birth</label>"#) && form.text.contains(r#"type="date""#));
    assert!(form.text.contains(r#"<option value="female">Female</option>"#));

    let page_path = register(&app, &desk, "Ada", "Quillfeather", "1984-03-09").await;
    assert!(page_path.starts_with("/patients/"));
    let page = get(&app, &format!("{page_path}?notice=created"), Some(&desk)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Quillfeather, Ada") && page.text.contains("1984-03-09") && page.text.contains("+15550100199"), "{}", page.text);
    assert!(page.text.contains("Patient registered") && page.text.contains("MRN KC-"));
    assert!(page.text.contains(&format!(r#"href="{page_path}/edit""#)), "front desk may correct details");
    assert!(!page.text.contains("/access\""), "front desk is not offered the access report");

    let found = get(&app, "/patients?q=quill", Some(&desk)).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.text.contains("<h1>Patients</h1>") && found.text.contains(r#"hx-get="/patients""#) && found.text.contains(r#"aria-live="polite""#));
    assert!(found.text.contains(&format!(r#"<a href="{page_path}">Quillfeather, Ada</a>"#)), "{}", found.text);

    // htmx asks for the results region only.
    let partial = get_with(&app, "/patients?q=Quillfeather", Some(&desk), &[("hx-request", "true")]).await;
    assert_eq!(partial.status, StatusCode::OK);
    assert!(!partial.text.contains("<html") && !partial.text.contains("<h1>"), "only the partial: {}", partial.text);
    assert!(partial.text.contains("Quillfeather, Ada") && partial.text.contains("1 patient matching"));

    let none = get_with(&app, "/patients?q=Nobodyhere", Some(&desk), &[("hx-request", "true")]).await;
    assert!(none.text.contains("No patients match “Nobodyhere”."), "{}", none.text);
}

#[tokio::test]
async fn an_empty_clinic_invites_the_first_registration() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let list = get(&app, "/patients", Some(&desk)).await;
    assert!(list.text.contains("No patients yet.") && list.text.contains("Register the first patient"), "{}", list.text);
    let therapist = app.login(Role::Therapist).await;
    let list = get(&app, "/patients", Some(&therapist)).await;
    assert!(list.text.contains("No patients yet.") && !list.text.contains("Register the first patient"), "a therapist may not register");
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let before = app.count("patients").await;
    let fields = [("given_name", "No"), ("family_name", "Token"), ("birth_date", "1990-01-01"), ("sex", "male")];
    let reply = post_form(&app, "/patients", Some(&desk), &fields, false).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text.contains("This form has expired"), "{}", reply.text);
    let wrong = post_form(&app, "/patients", Some(&desk), &[("given_name", "No"), ("csrf_token", "0000")], false).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("patients").await, before);
}

#[tokio::test]
async fn an_invalid_birth_date_re_renders_the_form_with_the_field_error_and_writes_nothing() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let before = app.count("patients").await;
    let fields = [("given_name", "Bea"), ("family_name", "Feb"), ("birth_date", "1980-02-30"), ("sex", "female"), ("phone", "12"), ("email", ""), ("mrn", "")];
    let reply = post_form(&app, "/patients", Some(&desk), &fields, true).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    let page = &reply.text;
    assert!(page.contains("Nothing was saved"), "error summary at the top");
    assert!(page.contains(r##"<a href="#birth_date">Date of birth must be a real calendar date written YYYY-MM-DD.</a>"##), "{page}");
    assert!(page.contains(r#"<p class="field-error" id="birth_date-error">"#));
    assert!(page.contains(r#"aria-invalid="true" aria-describedby="birth_date-hint birth_date-error""#), "{page}");
    assert!(page.contains("Phone must have between 7 and 15 digits."), "every bad field is reported");
    assert!(page.contains(r#"value="Bea""#) && page.contains(r#"value="1980-02-30""#), "typed values are kept");
    assert!(page.contains(r#"<option value="female" selected>"#));
    assert_eq!(app.count("patients").await, before);
}

#[tokio::test]
async fn the_auditor_sees_who_opened_the_chart() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let page_path = register(&app, &desk, "Cy", "Audited", "1975-06-15").await;
    assert_eq!(get(&app, &page_path, Some(&desk)).await.status, StatusCode::OK);

    let auditor = app.login(Role::Auditor).await;
    let chart = get(&app, &page_path, Some(&auditor)).await;
    assert!(chart.text.contains(&format!(r#"href="{page_path}/access""#)), "the auditor is offered the access report");
    assert!(!chart.text.contains("/edit\""), "the auditor changes nothing");
    let report = get(&app, &format!("{page_path}/access"), Some(&auditor)).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let desk_email = email(Role::FrontDesk);
    assert!(report.text.contains("<h1>Access report</h1>"));
    let rows: Vec<&str> = report.text.split("<tr>").filter(|r| r.contains(&desk_email)).collect();
    assert!(rows.iter().any(|r| r.contains("Opened chart") && r.contains("Front desk") && r.contains("127.0.0.1")), "{}", report.text);
    assert!(rows.iter().any(|r| r.contains("Registered patient")));
    assert!(report.text.contains(&email(Role::Auditor)), "the auditor's own chart opening is listed too");

    // The admin may read the report but not the chart, so rows do not link to it.
    let admin = app.login(Role::Admin).await;
    let report = get(&app, &format!("{page_path}/access"), Some(&admin)).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text.contains(&desk_email));
    assert_eq!(get(&app, &page_path, Some(&admin)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn roles_without_the_permission_get_a_friendly_403() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    for (path, what) in [("/audit", "read the audit log"), ("/admin/users", "manage staff accounts")] {
        let before = app.count("audit_events").await;
        let reply = get(&app, path, Some(&nurse)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert_html(&reply);
        assert!(reply.text.contains(&format!("Your role (Nurse) may not {what}.")), "{}", reply.text);
        assert!(reply.text.contains(r#"href="/patients""#), "the error page keeps the nurse's navigation");
        assert_eq!(app.count("audit_events").await, before + 1, "only the denial is written");
    }
    let therapist = app.login(Role::Therapist).await;
    let reply = post_form(&app, "/patients", Some(&therapist), &[("given_name", "X")], true).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text.contains("Your role (Therapist) may not register patients."));
}

#[tokio::test]
async fn corrections_keep_history_and_stale_versions_conflict() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let page_path = register(&app, &desk, "Dee", "Smyht", "1969-12-31").await;
    let edit = get(&app, &format!("{page_path}/edit"), Some(&desk)).await;
    assert!(edit.text.contains(r#"name="version" value="1""#) && edit.text.contains(r#"value="Smyht""#), "{}", edit.text);

    let base = [("given_name", "Dee"), ("family_name", "Smyth"), ("birth_date", "1969-12-31"), ("sex", "female"), ("phone", ""), ("email", "")];
    let mut no_reason = base.to_vec();
    no_reason.extend([("version", "1"), ("reason", "  ")]);
    let refused = post_form(&app, &format!("{page_path}/edit"), Some(&desk), &no_reason, true).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("Reason for the correction must say why the record changes."), "{}", refused.text);

    let mut ok = base.to_vec();
    ok.extend([("version", "1"), ("reason", "Spelling from ID card")]);
    let saved = post_form(&app, &format!("{page_path}/edit"), Some(&desk), &ok, true).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let stale = post_form(&app, &format!("{page_path}/edit"), Some(&desk), &ok, true).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("Someone else changed this record") && stale.text.contains("Load the latest version"));

    let history = get(&app, &format!("{page_path}/history"), Some(&desk)).await;
    assert_eq!(history.status, StatusCode::OK);
    let text = &history.text;
    let v2 = text.find("Version 2").unwrap();
    let v1 = text.find("Version 1").unwrap();
    assert!(v2 < v1, "newest first");
    assert!(text.contains("Spelling from ID card") && text.contains("<del>Smyht</del>") && text.contains("<ins>Smyth</ins>"), "{text}");
    assert!(text.contains("by You"));

    // Entered in error: a status with a reason, never a delete.
    let marked = post_form(
        &app,
        &format!("{page_path}/status"),
        Some(&desk),
        &[("status", "entered_in_error"), ("version", "2"), ("reason", "Duplicate of another record")],
        true,
    )
    .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.text);
    let page = get(&app, &page_path, Some(&desk)).await;
    assert!(page.text.contains("This record was entered in error") && page.text.contains("Restore record"));
    let hidden = get(&app, "/patients?q=smyth", Some(&desk)).await;
    assert!(hidden.text.contains("No patients match"), "entered-in-error records are left out by default");
    let shown = get(&app, "/patients?q=smyth&all=1", Some(&desk)).await;
    assert!(shown.text.contains(r#"<span class="badge badge--danger">Entered in error</span>"#), "{}", shown.text);
    let nurse = app.login(Role::Nurse).await;
    let refused = post_form(&app, &format!("{page_path}/status"), Some(&nurse), &[("status", "active"), ("version", "3"), ("reason", "x")], true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_audit_log_filters_by_action_and_day() {
    let app = TestApp::new().await;
    let auditor = app.login(Role::Auditor).await;
    let all = get(&app, "/audit", Some(&auditor)).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert!(all.text.contains("Signed in") && all.text.contains(&email(Role::Auditor)));
    assert!(all.text.contains(r#"<option value="patient.read">Opened chart (patient.read)</option>"#));

    let logins = get(&app, "/audit?action=auth.login_failed", Some(&auditor)).await;
    assert!(logins.text.contains("No events match these filters."), "{}", logins.text);
    let bad = get(&app, "/audit?from=2026-02-30&actor_id=bob", Some(&auditor)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("From day must be a date written YYYY-MM-DD.") && bad.text.contains("Staff account id must be an id"), "{}", bad.text);
    let today = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().to_string();
    let day = get(&app, &format!("/audit?from={today}&to={today}&action=auth.login"), Some(&auditor)).await;
    assert!(day.text.contains(&email(Role::Auditor)) && !day.text.contains("No events match"), "{}", day.text);
}

#[tokio::test]
async fn the_admin_creates_and_disables_accounts() {
    let app = TestApp::new().await;
    let admin = app.login(Role::Admin).await;
    let list = get(&app, "/admin/users", Some(&admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains(&email(Role::Nurse)) && list.text.contains("Create an account"));

    let short = post_form(
        &app,
        "/admin/users",
        Some(&admin),
        &[("name", "New Nurse"), ("email", "new@test.example.org"), ("role", "nurse"), ("password", "short")],
        true,
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text.contains("First password must be at least 12 characters.") && short.text.contains(r#"value="New Nurse""#), "{}", short.text);

    let fields = [("name", "New Nurse"), ("email", "new@test.example.org"), ("role", "nurse"), ("password", "a long enough password")];
    let created = post_form(&app, "/admin/users", Some(&admin), &fields, true).await;
    assert_eq!((created.status, location(&created)), (StatusCode::SEE_OTHER, "/admin/users?done=created"));
    let list = get(&app, "/admin/users?done=created", Some(&admin)).await;
    assert!(list.text.contains("The account was created.") && list.text.contains("new@test.example.org"));

    let row = list.text.split("<tr").find(|r| r.contains("new@test.example.org")).unwrap();
    let action = row.split("action=\"").find(|a| a.contains("/disable")).unwrap().split('"').next().unwrap();
    let disabled = post_form(&app, action, Some(&admin), &[], true).await;
    assert_eq!(location(&disabled), "/admin/users?done=disabled");
    let login = post_form(&app, "/login", None, &[("email", "new@test.example.org"), ("password", "a long enough password")], false).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED, "a disabled account cannot sign in");
}

#[tokio::test]
async fn password_change_and_logout() {
    let app = TestApp::new().await;
    let nurse = app.login(Role::Nurse).await;
    let form = get(&app, "/account/password", Some(&nurse)).await;
    assert!(form.text.contains(r#"autocomplete="new-password""#) && form.text.contains("At least 12 characters"));
    let mismatch = post_form(
        &app,
        "/account/password",
        Some(&nurse),
        &[("current_password", PASSWORD), ("new_password", "a brand new passphrase"), ("confirm_password", "something else")],
        true,
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text.contains("New password again does not match the new password."));
    let wrong = post_form(
        &app,
        "/account/password",
        Some(&nurse),
        &[("current_password", "wrong"), ("new_password", "a brand new passphrase"), ("confirm_password", "a brand new passphrase")],
        true,
    )
    .await;
    assert!(wrong.text.contains("Current password is not your current password."), "{}", wrong.text);
    let ok = post_form(
        &app,
        "/account/password",
        Some(&nurse),
        &[("current_password", PASSWORD), ("new_password", "a brand new passphrase"), ("confirm_password", "a brand new passphrase")],
        true,
    )
    .await;
    assert_eq!((ok.status, location(&ok)), (StatusCode::SEE_OTHER, "/account/password?done=changed"));

    let out = post_form(&app, "/logout", Some(&nurse), &[], true).await;
    assert_eq!((out.status, location(&out)), (StatusCode::SEE_OTHER, "/login?signed_out=1"));
    assert!(out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    let after = get(&app, "/patients", Some(&nurse)).await;
    assert_eq!(location(&after), "/login?next=%2Fpatients", "the session is over on the server too");
}

#[tokio::test]
async fn unknown_pages_and_records_get_error_pages() {
    let app = TestApp::new().await;
    let desk = app.login(Role::FrontDesk).await;
    let missing = get(&app, "/patients/0192f0c4-0000-7000-8000-000000000000", Some(&desk)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("There is no such record"));
    let junk = get(&app, "/patients/not-an-id", Some(&desk)).await;
    assert_eq!(junk.status, StatusCode::NOT_FOUND);
    let nowhere = get(&app, "/no/such/page", None).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_html(&nowhere);
    assert!(nowhere.text.contains("Page not found") && nowhere.text.contains("/assets/app."), "the error page uses the layout");
}

#[tokio::test]
async fn long_lists_page_with_a_next_link() {
    let app = TestApp::new().await;
    for i in 0..27 {
        app.patient(&format!("Given{i:02}"), "Pagewell").await;
    }
    let desk = app.login(Role::FrontDesk).await;
    let first = get(&app, "/patients?q=pagewell", Some(&desk)).await;
    assert!(first.text.contains("25 patients matching “pagewell” on this page"), "{}", first.text);
    let next = first.text.split(r#"<a class="button" href=""#).nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&");
    assert!(next.starts_with("/patients?q=pagewell&cursor="), "{next}");
    let second = get(&app, &next, Some(&desk)).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.text.contains("2 patients matching") && second.text.contains("Pagewell, Given26") && !second.text.contains("Given00"), "{}", second.text);
    assert!(!second.text.contains("Next page"));
}
