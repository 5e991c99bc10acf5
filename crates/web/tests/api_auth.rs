//! Authentication and session security: lockout, rate limit, CSRF, cookie flags, expiry,
//! token revocation, disabled accounts, password change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, PASSWORD, TestApp, email};
use jiff::SignedDuration;
use ketaclinic_domain::staff::Role;
use serde_json::json;

async fn login_as(app: &TestApp, role: Role, password: &str) -> common::Reply {
    app.call(Method::POST, "/api/v1/auth/login", &Auth::None, Some(json!({"email": email(role), "password": password}))).await
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_returns_a_csrf_token() {
    let app = TestApp::new().await;
    let reply = login_as(&app, Role::Nurse, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.starts_with("kc_session="), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(flag), "missing {flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "no Secure flag without TLS");
    assert_eq!(reply.json["user"]["role"], "nurse");
    assert_eq!(reply.json["csrf_token"].as_str().map(str::len), Some(64));
}

#[tokio::test]
async fn secure_flag_is_set_when_served_over_tls() {
    let value = ketaclinic_web::auth::session_cookie("abc", 60, true);
    assert!(value.to_str().unwrap().ends_with("; Secure"));
}

#[tokio::test]
async fn wrong_password_is_401_and_audited_without_saying_which_part_was_wrong() {
    let app = TestApp::new().await;
    let reply = login_as(&app, Role::Nurse, "not the password at all").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json["type"], "urn:ketaclinic:problem:bad-credentials");
    let unknown = app.call(Method::POST, "/api/v1/auth/login", &Auth::None, Some(json!({"email": "nobody@example.org", "password": PASSWORD}))).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.json["detail"], reply.json["detail"], "unknown account and wrong password look the same");
    let auditor = app.token(Role::Auditor).await;
    let log = app.call(Method::GET, "/api/v1/audit-events?action=auth.login_failed", &auditor, None).await;
    let labels: Vec<_> = log.json["items"].as_array().unwrap().iter().map(|e| e["actor_label"].as_str().unwrap().to_owned()).collect();
    assert_eq!(labels, vec!["nobody@example.org".to_owned(), email(Role::Nurse)]);
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::builder().manual_clock().build().await;
    for _ in 0..5 {
        assert_eq!(login_as(&app, Role::Prescriber, "wrong password 123").await.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused while locked.
    let locked = login_as(&app, Role::Prescriber, PASSWORD).await;
    assert_eq!(locked.status, StatusCode::LOCKED, "{}", locked.text);
    assert_eq!(locked.json["type"], "urn:ketaclinic:problem:account-locked");
    // Other accounts are unaffected.
    assert_eq!(login_as(&app, Role::Nurse, PASSWORD).await.status, StatusCode::OK);
    let clock = app.clock.clone().unwrap();
    clock.advance(SignedDuration::from_mins(14));
    assert_eq!(login_as(&app, Role::Prescriber, PASSWORD).await.status, StatusCode::LOCKED);
    clock.advance(SignedDuration::from_mins(2));
    assert_eq!(login_as(&app, Role::Prescriber, PASSWORD).await.status, StatusCode::OK, "the lock expires after 15 minutes");
}

#[tokio::test]
async fn four_failures_then_success_resets_the_count() {
    let app = TestApp::new().await;
    for _ in 0..4 {
        login_as(&app, Role::Therapist, "wrong password 123").await;
    }
    assert_eq!(login_as(&app, Role::Therapist, PASSWORD).await.status, StatusCode::OK);
    for _ in 0..4 {
        login_as(&app, Role::Therapist, "wrong password 123").await;
    }
    assert_eq!(login_as(&app, Role::Therapist, PASSWORD).await.status, StatusCode::OK, "not locked: the success reset the count");
}

#[tokio::test]
async fn per_address_rate_limit_answers_429_with_retry_after() {
    let app = TestApp::builder().settings(|s| s.auth.login_attempts_per_minute_per_ip = 3).build().await;
    for _ in 0..3 {
        assert_ne!(login_as(&app, Role::Nurse, "wrong password 123").await.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let limited = login_as(&app, Role::Nurse, PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers.get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
    let retry: u64 = limited.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "retry after {retry}");
}

#[tokio::test]
async fn cookie_requests_that_change_state_need_the_csrf_token() {
    let app = TestApp::new().await;
    let Auth::Session { cookie, csrf } = app.login(Role::FrontDesk).await else { unreachable!() };
    let body = json!({"given_name": "Ida", "family_name": "Vance", "birth_date": "1990-01-01", "sex": "female"});
    let before = app.count("patients").await;
    let no_token = app.call(Method::POST, "/api/v1/patients", &Auth::CookieOnly(cookie.clone()), Some(body.clone())).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(no_token.json["type"], "urn:ketaclinic:problem:csrf");
    let wrong = app.call(Method::POST, "/api/v1/patients", &Auth::Session { cookie: cookie.clone(), csrf: "0".repeat(64) }, Some(body.clone())).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("patients").await, before, "nothing written");
    // Reads need no token; the right token passes.
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &Auth::CookieOnly(cookie.clone()), None).await.status, StatusCode::OK);
    let ok = app.call(Method::POST, "/api/v1/patients", &Auth::Session { cookie, csrf }, Some(body)).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

#[tokio::test]
async fn sessions_expire_after_idle_and_absolute_limits() {
    let app = TestApp::builder().manual_clock().build().await;
    let clock = app.clock.clone().unwrap();
    let session = app.login(Role::Nurse).await;
    clock.advance(SignedDuration::from_mins(29));
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &session, None).await.status, StatusCode::OK, "29 idle minutes: still valid");
    clock.advance(SignedDuration::from_mins(29));
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &session, None).await.status, StatusCode::OK, "activity moved the idle clock");
    clock.advance(SignedDuration::from_mins(31));
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &session, None).await.status, StatusCode::UNAUTHORIZED, "31 idle minutes: expired");

    let busy = app.login(Role::Nurse).await;
    for _ in 0..26 {
        clock.advance(SignedDuration::from_mins(28));
        let status = app.call(Method::GET, "/api/v1/auth/me", &busy, None).await.status;
        if status == StatusCode::UNAUTHORIZED {
            return;
        }
    }
    panic!("a session in constant use must still end at its 12-hour absolute limit");
}

#[tokio::test]
async fn logout_revokes_the_session() {
    let app = TestApp::new().await;
    let session = app.login(Role::Nurse).await;
    let out = app.call(Method::POST, "/api/v1/auth/logout", &session, None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &session, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoked_tokens_are_refused_at_once_and_last_use_is_recorded() {
    let app = TestApp::new().await;
    let admin = app.token(Role::Admin).await;
    let users = app.call(Method::GET, "/api/v1/users", &admin, None).await;
    let nurse_id = users.json.as_array().unwrap().iter().find(|u| u["role"] == "nurse").unwrap()["id"].as_str().unwrap().to_owned();
    let created = app.call(Method::POST, &format!("/api/v1/users/{nurse_id}/tokens"), &admin, Some(json!({"name": "chair 2 monitor"}))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.json["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("kc_"));
    let nurse = Auth::Bearer(secret);
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &nurse, None).await.json["role"], "nurse");
    let listed = app.call(Method::GET, &format!("/api/v1/users/{nurse_id}/tokens"), &admin, None).await;
    assert!(listed.json[0]["last_used_at"].is_string(), "last use recorded: {}", listed.text);
    assert!(listed.json[0].get("token").is_none(), "the secret is never shown again");
    let token_id = created.json["id"].as_str().unwrap();
    assert_eq!(app.call(Method::DELETE, &format!("/api/v1/tokens/{token_id}"), &admin, None).await.status, StatusCode::NO_CONTENT);
    let after = app.call(Method::GET, "/api/v1/auth/me", &nurse, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.headers.get(header::WWW_AUTHENTICATE).unwrap(), "Bearer realm=\"ketaclinic\"");
    assert_eq!(app.call(Method::DELETE, &format!("/api/v1/tokens/{token_id}"), &admin, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_tokens() {
    let app = TestApp::new().await;
    let session = app.login(Role::Therapist).await;
    let token = app.token(Role::Therapist).await;
    let admin = app.token(Role::Admin).await;
    let users = app.call(Method::GET, "/api/v1/users", &admin, None).await;
    let id = users.json.as_array().unwrap().iter().find(|u| u["role"] == "therapist").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(Method::POST, &format!("/api/v1/users/{id}/disable"), &admin, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &session, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &token, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login_as(&app, Role::Therapist, PASSWORD).await.status, StatusCode::UNAUTHORIZED, "a disabled account cannot log in");
    assert_eq!(app.call(Method::POST, &format!("/api/v1/users/{id}/enable"), &admin, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(login_as(&app, Role::Therapist, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn revoke_sessions_signs_a_user_out_everywhere() {
    let app = TestApp::new().await;
    let one = app.login(Role::Nurse).await;
    let two = app.login(Role::Nurse).await;
    let admin = app.token(Role::Admin).await;
    let users = app.call(Method::GET, "/api/v1/users", &admin, None).await;
    let id = users.json.as_array().unwrap().iter().find(|u| u["role"] == "nurse").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(Method::POST, &format!("/api/v1/users/{id}/revoke-sessions"), &admin, None).await.status, StatusCode::NO_CONTENT);
    for s in [&one, &two] {
        assert_eq!(app.call(Method::GET, "/api/v1/auth/me", s, None).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn password_change_enforces_the_policy_and_ends_other_sessions() {
    let app = TestApp::new().await;
    let here = app.login(Role::Nurse).await;
    let elsewhere = app.login(Role::Nurse).await;
    let short = app.call(Method::POST, "/api/v1/auth/password", &here, Some(json!({"current_password": PASSWORD, "new_password": "short"}))).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.json["errors"][0]["field"], "new_password");
    let wrong = app
        .call(Method::POST, "/api/v1/auth/password", &here, Some(json!({"current_password": "nope nope nope", "new_password": "a new long passphrase"})))
        .await;
    assert_eq!(wrong.json["errors"][0]["field"], "current_password");
    let ok = app.call(Method::POST, "/api/v1/auth/password", &here, Some(json!({"current_password": PASSWORD, "new_password": "a new long passphrase"}))).await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.text);
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &here, None).await.status, StatusCode::OK, "this session stays");
    assert_eq!(app.call(Method::GET, "/api/v1/auth/me", &elsewhere, None).await.status, StatusCode::UNAUTHORIZED, "others end");
    assert_eq!(login_as(&app, Role::Nurse, "a new long passphrase").await.status, StatusCode::OK);
    assert_eq!(login_as(&app, Role::Nurse, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}
