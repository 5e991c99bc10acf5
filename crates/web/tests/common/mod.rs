//! `TestApp`: a real server stack (SQLite in a temp dir, the full router) driven in-process.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test harness: a failed setup step should stop the test loudly")]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use ketaclinic_app::clock::{Clock, ManualClock, SystemClock};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{Actor, App, Settings};
use ketaclinic_domain::staff::Role;
use ketaclinic_store_sqlite::SqliteStore;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// The app under test and handles to its parts.
pub struct TestApp {
    pub router: Router,
    pub app: App,
    pub store: Arc<SqliteStore>,
    pub clock: Option<Arc<ManualClock>>,
    _dir: tempfile::TempDir,
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Bearer(String),
    /// Cookie value and CSRF token of a browser session.
    Session {
        cookie: String,
        csrf: String,
    },
    /// Cookie without the CSRF token (to test the guard).
    CookieOnly(String),
}

/// A response, with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: serde_json::Value,
}

pub struct TestAppBuilder {
    settings: Settings,
    manual_clock: bool,
}

impl TestAppBuilder {
    pub fn settings(mut self, f: impl FnOnce(&mut Settings)) -> Self {
        f(&mut self.settings);
        self
    }

    pub fn manual_clock(mut self) -> Self {
        self.manual_clock = true;
        self
    }

    pub async fn build(self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("test.db")).await.unwrap());
        let manual = self.manual_clock.then(|| Arc::new(ManualClock::new("2026-11-21T15:00:00Z".parse().unwrap())));
        let clock: Arc<dyn Clock> = match &manual {
            Some(c) => c.clone(),
            None => Arc::new(SystemClock),
        };
        let app = App::new(store.clone(), clock, self.settings);
        let grant = app.authorize::<perm::UserManage>(&Actor::console()).await.unwrap();
        for role in Role::ALL {
            let input = NewUserInput {
                email: email(role),
                display_name: format!("Test {}", role.label()),
                role: role.as_str().to_owned(),
                password: PASSWORD.to_owned(),
            };
            app.create_user(&grant, input).await.unwrap();
        }
        // Export files go in the test's own directory, so tests never see each other's.
        let export = ketaclinic_web::fhir_export_job::ExportSettings { dir: dir.path().join("exports"), ..Default::default() };
        let state = ketaclinic_web::AppState::new(app.clone(), ketaclinic_web::WebConfig { export, ..Default::default() }, None);
        let router = ketaclinic_web::router(state).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        TestApp { router, app, store, clock: manual, _dir: dir }
    }
}

pub fn email(role: Role) -> String {
    format!("{}@test.example.org", role.as_str().replace('_', "-"))
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder { settings: Settings::default(), manual_clock: false }
    }

    pub async fn new() -> Self {
        Self::builder().build().await
    }

    /// A patient (family name "Observed") with one IV session of three readings (BP, HR and
    /// SpO2 at 14:30; BP and HR at 14:40; HR at 14:50, on 2026-11-21) and one PHQ-9 (total 10).
    pub async fn observed_patient(&self, given: &str) -> String {
        use serde_json::json;
        let nurse = self.token(Role::Nurse).await;
        let p = self.patient(given, "Observed").await;
        let pid = p["id"].as_str().unwrap().to_owned();
        let s = self.call(Method::POST, "/api/v1/sessions", &nurse, Some(json!({"patient_id": pid, "modality": "iv_ketamine"}))).await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
        let sid = s.json["id"].as_str().unwrap();
        let readings = json!({"readings": [
            {"at": "2026-11-21T14:30:00Z", "systolic": 128, "diastolic": 82, "heart_rate": 72, "spo2": 98, "device_id": "mon-1"},
            {"at": "2026-11-21T14:40:00Z", "systolic": 150, "diastolic": 90, "heart_rate": 80, "device_id": "mon-1"},
            {"at": "2026-11-21T14:50:00Z", "heart_rate": 76, "device_id": "mon-1"}
        ]});
        assert_eq!(self.call(Method::POST, &format!("/api/v1/sessions/{sid}/vitals"), &nurse, Some(readings)).await.status, StatusCode::OK);
        let answers = json!({"1": 2, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 0, "9": 0});
        let body = json!({"instrument": "phq9", "answers": answers, "administered_at": "2026-11-20T10:00:00Z"});
        assert_eq!(self.call(Method::POST, &format!("/api/v1/patients/{pid}/assessments"), &nurse, Some(body)).await.status, StatusCode::CREATED);
        pid
    }

    /// Where this app writes Bulk Data export files.
    pub fn export_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("exports")
    }

    /// Sends a request; `body` is JSON when given.
    pub async fn call(&self, method: Method, path: &str, auth: &Auth, body: Option<serde_json::Value>) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        req = match auth {
            Auth::None => req,
            Auth::Bearer(t) => req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Session { cookie, csrf } => req.header(header::COOKIE, format!("kc_session={cookie}")).header("x-csrf-token", csrf),
            Auth::CookieOnly(cookie) => req.header(header::COOKIE, format!("kc_session={cookie}")),
        };
        let req = match body {
            Some(json) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    /// Sends a raw request.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Reply { status, headers, text, json }
    }

    /// A browser GET: the session cookie (if any) and no CSRF header, as a page load sends.
    pub async fn page_get(&self, path: &str, auth: &Auth) -> Reply {
        let mut req = Request::builder().method(Method::GET).uri(path);
        if let Auth::Session { cookie, .. } | Auth::CookieOnly(cookie) = auth {
            req = req.header(header::COOKIE, format!("kc_session={cookie}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A browser form post: with a session, its cookie and its `csrf_token` form field.
    pub async fn page_post<K: AsRef<str>, V: AsRef<str>>(&self, path: &str, auth: &Auth, fields: &[(K, V)]) -> Reply {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            body.append_pair(k.as_ref(), v.as_ref());
        }
        let mut req = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Auth::Session { cookie, csrf } = auth {
            body.append_pair("csrf_token", csrf);
            req = req.header(header::COOKIE, format!("kc_session={cookie}"));
        }
        self.send(req.body(Body::from(body.finish())).unwrap()).await
    }

    /// Logs in through the API as the test user of `role`.
    pub async fn login(&self, role: Role) -> Auth {
        let reply = self.call(Method::POST, "/api/v1/auth/login", &Auth::None, Some(serde_json::json!({"email": email(role), "password": PASSWORD}))).await;
        assert_eq!(reply.status, StatusCode::OK, "login as {role}: {}", reply.text);
        let set_cookie = reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        let cookie = set_cookie.split(';').next().unwrap().trim_start_matches("kc_session=").to_owned();
        Auth::Session { cookie, csrf: reply.json["csrf_token"].as_str().unwrap().to_owned() }
    }

    /// An API token for the test user of `role`.
    pub async fn token(&self, role: Role) -> Auth {
        let grant = self.app.authorize::<perm::UserManage>(&Actor::console()).await.unwrap();
        let user = self.app.user_by_email(&grant, &email(role)).await.unwrap();
        Auth::Bearer(self.app.create_token(&grant, user.id, "test").await.unwrap().secret)
    }

    /// Registers a patient through the API as front desk; returns its JSON.
    pub async fn patient(&self, given: &str, family: &str) -> serde_json::Value {
        let auth = self.token(Role::FrontDesk).await;
        let body = serde_json::json!({"given_name": given, "family_name": family, "birth_date": "1980-02-29", "sex": "female"});
        let reply = self.call(Method::POST, "/api/v1/patients", &auth, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json
    }

    /// Number of rows in a table (for "nothing was written" checks).
    pub async fn count(&self, table: &str) -> i64 {
        let report = self.app.verify_audit_chain().await.unwrap().unwrap();
        match table {
            "audit_events" => i64::try_from(report.rows).unwrap(),
            "patients" => {
                let grant = self.app.authorize::<perm::PatientRead>(&Actor { role: Role::Auditor, ..Actor::console() }).await.unwrap();
                let page = self.app.search_patients(&grant, "", None, Some(100), true).await.unwrap();
                i64::try_from(page.items.len()).unwrap()
            }
            // Straight from storage, so counting writes no audit row of its own.
            "enquiries" => {
                use ketaclinic_store::EnquiryStore;
                let all = self.store.enquiries(ketaclinic_domain::enquiry::EnquiryStatus::ALL, None, 10_000).await.unwrap();
                i64::try_from(all.len()).unwrap()
            }
            other => panic!("no counter for {other}"),
        }
    }
}

/// PHQ-9 answers adding up to `total` (items 1–8 filled in order, item 9 = 0).
pub fn phq9_answers(total: u32) -> serde_json::Value {
    let mut left = total;
    let mut answers = serde_json::Map::new();
    for item in 1..=9 {
        let v = if item == 9 { 0 } else { left.min(3) };
        left -= v;
        answers.insert(item.to_string(), serde_json::json!(v));
    }
    serde_json::Value::Object(answers)
}
