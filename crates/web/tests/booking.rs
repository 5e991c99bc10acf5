//! Scheduling over HTTP (issue 8 items 1–2): the admin keeps chairs and staff hours; every
//! constraint refuses through the API with its code (chair, patient and staff double booking;
//! esketamine without a prescriber on site; outside business hours); readiness comes back as
//! warnings; cancel frees the chair; moves are re-checked; a course's induction series is proposed
//! and booked all or none; the roles allowed; bad input refused.
//! The default calendar is weekdays 09:00–17:00 UTC; Monday 2026-11-23 is the test day.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Auth, TestApp};
use ketaclinic_domain::staff::Role;
use serde_json::{Value, json};

fn slot(from: &str, to: &str) -> Value {
    json!({"start": format!("2026-11-23T{from}:00Z"), "end": format!("2026-11-23T{to}:00Z")})
}

/// The clinic: two chairs, a room, and an on-site nurse and prescriber working 09:00–17:00.
struct Clinic {
    app: TestApp,
    desk: Auth,
    chairs: [String; 2],
    nurse: String,
    prescriber: String,
}

async fn user_id(app: &TestApp, admin: &Auth, role: Role) -> String {
    app.token(role).await;
    let users = app.call(Method::GET, "/api/v1/users", admin, None).await;
    let email = common::email(role);
    users.json.as_array().unwrap().iter().find(|u| u["email"] == email.as_str()).unwrap()["id"].as_str().unwrap().to_owned()
}

async fn clinic() -> Clinic {
    let app = TestApp::new().await;
    let admin = app.token(Role::Admin).await;
    let mut chairs = Vec::new();
    for name in ["Chair 1", "Chair 2"] {
        let r =
            app.call(Method::POST, "/api/v1/schedule/spaces", &admin, Some(json!({"name": name, "kind": "chair", "active": true, "reason": "opening"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        chairs.push(r.json["id"].as_str().unwrap().to_owned());
    }
    let week: Vec<Value> =
        ["monday", "tuesday", "wednesday", "thursday", "friday"].iter().map(|d| json!({"day": d, "open": "09:00", "close": "17:00"})).collect();
    let mut ids = Vec::new();
    for role in [Role::Nurse, Role::Prescriber] {
        let id = user_id(&app, &admin, role).await;
        let body = json!({"days": week, "presence": "on_site", "reason": "rota"});
        let r = app.call(Method::PUT, &format!("/api/v1/schedule/staff/{id}"), &admin, Some(body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["days"].as_array().map(Vec::len), Some(5));
        ids.push(id);
    }
    let desk = app.token(Role::FrontDesk).await;
    let [chair_1, chair_2] = <[String; 2]>::try_from(chairs).unwrap();
    let [nurse, prescriber] = <[String; 2]>::try_from(ids).unwrap();
    Clinic { app, desk, chairs: [chair_1, chair_2], nurse, prescriber }
}

impl Clinic {
    async fn patient(&self, given: &str) -> String {
        self.app.patient(given, "Booking").await["id"].as_str().unwrap().to_owned()
    }

    /// Every appointment stored for the test day.
    async fn stored(&self) -> usize {
        let day = test_day();
        self.app.call(Method::GET, &format!("/api/v1/appointments?{day}"), &self.desk, None).await.json.as_array().map_or(0, Vec::len)
    }

    async fn book(&self, body: Value) -> common::Reply {
        self.app.call(Method::POST, "/api/v1/appointments", &self.desk, Some(body)).await
    }

    async fn infusion(&self, patient: &str, chair: usize, from: &str, to: &str) -> common::Reply {
        self.book(json!({"patient_id": patient, "kind": "iv_ketamine_session", "slot": slot(from, to), "space_id": self.chairs[chair], "nurse": self.nurse}))
            .await
    }
}

fn test_day() -> &'static str {
    "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"
}

fn codes(reply: &common::Reply) -> Vec<String> {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    reply.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn constraints_refuse_with_their_codes_and_readiness_warns() {
    let c = clinic().await;
    let (ada, bea, cy) = (c.patient("Ada").await, c.patient("Bea").await, c.patient("Cy").await);
    let first = c.infusion(&ada, 0, "09:00", "11:00").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let warnings: Vec<&str> = first.json["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert_eq!(warnings, ["eligibility_missing", "consent_missing"], "booked, but warned");
    assert_eq!(first.json["appointment"]["status"], "booked");

    assert_eq!(codes(&c.infusion(&bea, 0, "10:00", "12:00").await), ["chair_double_booked"]);
    assert_eq!(codes(&c.infusion(&ada, 1, "10:00", "12:00").await), ["patient_double_booked"]);
    let follow_up = |p: &str, from, to| json!({"patient_id": p, "kind": "follow_up", "slot": slot(from, to), "attending": c.prescriber});
    assert_eq!(c.book(follow_up(&bea, "13:00", "13:30")).await.status, StatusCode::CREATED);
    assert_eq!(codes(&c.book(follow_up(&cy, "13:15", "13:45")).await), ["staff_double_booked"]);
    assert_eq!(codes(&c.infusion(&cy, 1, "16:00", "18:00").await), ["outside_business_hours", "outside_staff_hours"]);

    // Esketamine: no prescriber at all, then a remote one, then an on-site one.
    let esk = |p: &str, prescriber: Option<&str>| json!({"patient_id": p, "kind": "esketamine_session", "slot": slot("14:00", "16:30"), "space_id": c.chairs[1], "nurse": c.nurse, "prescriber": prescriber});
    let r = c.book(esk(&cy, None)).await;
    assert_eq!(codes(&r), ["no_prescriber_on_site"]);
    assert!(r.json["errors"][0]["message"].as_str().unwrap().contains("not_assigned"), "{}", r.text);
    let admin = c.app.token(Role::Admin).await;
    let remote = json!({"days": [{"day": "monday", "open": "09:00", "close": "17:00"}], "presence": "remote", "reason": "works from home on Mondays"});
    assert_eq!(c.app.call(Method::PUT, &format!("/api/v1/schedule/staff/{}", c.prescriber), &admin, Some(remote)).await.status, StatusCode::OK);
    let r = c.book(esk(&cy, Some(&c.prescriber))).await;
    assert!(r.json["errors"][0]["message"].as_str().unwrap().contains("not_on_site"), "{}", r.text);
    let on_site = json!({"days": [{"day": "monday", "open": "09:00", "close": "17:00"}], "presence": "on_site", "reason": "back on site"});
    assert_eq!(c.app.call(Method::PUT, &format!("/api/v1/schedule/staff/{}", c.prescriber), &admin, Some(on_site)).await.status, StatusCode::OK);
    let r = c.book(esk(&cy, Some(&c.prescriber))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let warned: Vec<&str> = r.json["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(warned.contains(&"rems_enrolment_missing"), "{warned:?}");
    assert_eq!(c.stored().await, 3, "refused bookings wrote nothing");
}

#[tokio::test]
async fn cancel_frees_the_chair_and_moves_are_rechecked() {
    let c = clinic().await;
    let (ada, bea) = (c.patient("Ada").await, c.patient("Bea").await);
    let first = c.infusion(&ada, 0, "09:00", "11:00").await;
    let id = first.json["appointment"]["id"].as_str().unwrap().to_owned();
    let cancel = c.app.call(Method::POST, &format!("/api/v1/appointments/{id}/cancel"), &c.desk, Some(json!({"reason": "patient has a cold"}))).await;
    assert_eq!((cancel.status, cancel.json["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{}", cancel.text);
    assert_eq!(cancel.json["reason"], "patient has a cold");
    let again = c.app.call(Method::POST, &format!("/api/v1/appointments/{id}/no-show"), &c.desk, Some(json!({"reason": "x"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let taken = c.infusion(&bea, 0, "09:00", "11:00").await;
    assert_eq!(taken.status, StatusCode::CREATED, "the freed chair is bookable: {}", taken.text);
    let other = c.infusion(&ada, 1, "11:00", "13:00").await;
    let other_id = other.json["appointment"]["id"].as_str().unwrap().to_owned();
    let move_to = |id: &str, from, to| {
        let (path, body, c) = (format!("/api/v1/appointments/{id}/move"), json!({"slot": slot(from, to)}), &c);
        async move { c.app.call(Method::POST, &path, &c.desk, Some(body)).await }
    };
    // Past closing time is refused; earlier, overlapping Bea's session in the other chair, is fine.
    assert_eq!(codes(&move_to(&other_id, "16:00", "18:00").await), ["outside_business_hours", "outside_staff_hours"]);
    let moved = move_to(&other_id, "09:30", "11:30").await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.json["appointment"]["slot"]["start"], "2026-11-23T09:30:00Z");

    let nurse = c.app.token(Role::Nurse).await;
    let day = test_day();
    let chair = c.app.call(Method::GET, &format!("/api/v1/appointments?{day}&chair={}", c.chairs[0]), &nurse, None).await;
    let statuses: Vec<&str> = chair.json.as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["cancelled", "booked"], "the day by chair lists cancellations too");
    let mine = c.app.call(Method::GET, &format!("/api/v1/appointments?{day}&patient={ada}"), &nurse, None).await;
    assert_eq!(mine.json.as_array().map(Vec::len), Some(2));
    let staff = c.app.call(Method::GET, &format!("/api/v1/appointments?{day}&staff={}", c.nurse), &nurse, None).await;
    assert_eq!(staff.json.as_array().map(Vec::len), Some(3));
    let no_show = c.app.call(Method::POST, &format!("/api/v1/appointments/{other_id}/no-show"), &nurse, Some(json!({"reason": "did not come"}))).await;
    assert_eq!(no_show.json["status"], "no_show");
}

#[tokio::test]
async fn roles_and_bad_input() {
    let c = clinic().await;
    let ada = c.patient("Ada").await;
    let therapist = c.app.token(Role::Therapist).await;
    let body = json!({"patient_id": ada, "kind": "consult", "slot": slot("09:00", "10:00")});
    assert_eq!(c.app.call(Method::POST, "/api/v1/appointments", &therapist, Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    let space = json!({"name": "Chair 3", "kind": "chair", "active": true, "reason": "more"});
    assert_eq!(c.app.call(Method::POST, "/api/v1/schedule/spaces", &c.desk, Some(space)).await.status, StatusCode::FORBIDDEN);
    let admin = c.app.token(Role::Admin).await;
    assert_eq!(
        c.app.call(Method::POST, "/api/v1/appointments", &admin, Some(body)).await.status,
        StatusCode::FORBIDDEN,
        "the admin keeps resources, not patients"
    );
    let auditor = c.app.token(Role::Auditor).await;
    let list = c.app.call(Method::GET, "/api/v1/appointments?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z", &auditor, None).await;
    assert_eq!(list.status, StatusCode::OK);

    let reversed = c.book(json!({"patient_id": ada, "kind": "consult", "slot": slot("10:00", "09:00")})).await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reversed.text);
    assert_eq!(codes(&c.book(json!({"patient_id": ada, "kind": "massage", "slot": slot("09:00", "10:00")})).await), ["kind"]);
    let ghost = c.book(json!({"patient_id": "01900000-0000-7000-8000-00000000a1e7", "kind": "consult", "slot": slot("09:00", "10:00")})).await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);
    let backwards = c.app.call(Method::GET, "/api/v1/appointments?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z", &auditor, None).await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_hours = json!({"days": [{"day": "someday", "open": "17:00", "close": "09:00"}], "presence": "nearby", "reason": ""});
    let r = c.app.call(Method::PUT, &format!("/api/v1/schedule/staff/{}", c.nurse), &admin, Some(bad_hours)).await;
    let fields = codes(&r);
    assert!(fields.contains(&"days[0].day".to_owned()) && fields.contains(&"presence".to_owned()) && fields.contains(&"reason".to_owned()), "{fields:?}");
    let unknown = c
        .app
        .call(
            Method::PUT,
            "/api/v1/schedule/spaces/01900000-0000-7000-8000-00000000a1e7",
            &admin,
            Some(json!({"name": "X", "kind": "room", "active": true, "reason": "r"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(c.stored().await, 0);
}

#[tokio::test]
async fn series_are_booked_all_or_none() {
    let c = clinic().await;
    let prescriber = c.app.token(Role::Prescriber).await;
    let course = |pid: String| {
        let (app, prescriber) = (&c.app, &prescriber);
        async move {
            let r = app.call(Method::POST, &format!("/api/v1/patients/{pid}/courses"), prescriber, Some(json!({"modality": "iv_ketamine"}))).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json["id"].as_str().unwrap().to_owned()
        }
    };
    let (ada, bea) = (course(c.patient("Ada").await).await, course(c.patient("Bea").await).await);
    let week = "from=2026-11-23T00:00:00Z&to=2026-12-01T00:00:00Z";
    let stored = || async { c.app.call(Method::GET, &format!("/api/v1/appointments?{week}"), &c.desk, None).await.json.as_array().map_or(0, Vec::len) };
    let body = json!({"pattern": {"days": ["monday", "wednesday", "friday"], "count": 3}, "start": "2026-11-23", "horizon": "2026-11-30", "window": {"from": "09:00", "to": "12:00"}});

    let proposal = c.app.call(Method::POST, &format!("/api/v1/courses/{ada}/series?dry_run=true"), &c.desk, Some(body.clone())).await;
    assert_eq!(proposal.status, StatusCode::OK, "{}", proposal.text);
    assert_eq!(proposal.json["booked"], false);
    let starts: Vec<&str> = proposal.json["sessions"].as_array().unwrap().iter().map(|s| s["slot"]["start"].as_str().unwrap()).collect();
    assert_eq!(starts, ["2026-11-23T09:00:00Z", "2026-11-25T09:00:00Z", "2026-11-27T09:00:00Z"], "Mon/Wed/Fri, earliest first");
    assert!(proposal.json["sessions"][0]["id"].is_null());
    assert_eq!(stored().await, 0, "a dry run writes nothing");

    let booked = c.app.call(Method::POST, &format!("/api/v1/courses/{ada}/series"), &c.desk, Some(body)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.text);
    assert!(booked.json["sessions"].as_array().unwrap().iter().all(|s| s["id"].is_string()));
    let warned: Vec<&str> = booked.json["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(warned.contains(&"consent_missing"), "{warned:?}");
    assert_eq!(stored().await, 3);

    // Three Monday sessions do not fit before the 30th: nothing of the series is written.
    let mondays = json!({"pattern": {"days": ["monday"], "count": 3}, "start": "2026-11-23", "horizon": "2026-11-30"});
    let refused = c.app.call(Method::POST, &format!("/api/v1/courses/{bea}/series"), &c.desk, Some(mondays)).await;
    assert_eq!(codes(&refused), ["series"]);
    assert!(refused.json["errors"][0]["message"].as_str().unwrap().contains("session 3"), "{}", refused.text);
    assert_eq!(stored().await, 3);
    let bad = json!({"pattern": {"days": ["someday"], "count": 1, "weeks": 2}, "start": "2026-11-23", "horizon": "2026-11-30"});
    assert_eq!(codes(&c.app.call(Method::POST, &format!("/api/v1/courses/{bea}/series"), &c.desk, Some(bad)).await), ["pattern"]);
    let therapist = c.app.token(Role::Therapist).await;
    let one = json!({"pattern": {"days": ["monday"], "count": 1}, "start": "2026-11-23", "horizon": "2026-11-30"});
    assert_eq!(c.app.call(Method::POST, &format!("/api/v1/courses/{bea}/series"), &therapist, Some(one.clone())).await.status, StatusCode::FORBIDDEN);
    let ghost = c.app.call(Method::POST, "/api/v1/courses/01900000-0000-7000-8000-00000000a1e7/series", &c.desk, Some(one)).await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_cancelled_slot_shortlists_the_ready_waitlist() {
    let c = clinic().await;
    let ada = c.patient("Ada").await;
    let booked = c.infusion(&ada, 0, "09:00", "11:00").await;
    let id = booked.json["appointment"]["id"].as_str().unwrap().to_owned();
    let cancel = c.app.call(Method::POST, &format!("/api/v1/appointments/{id}/cancel"), &c.desk, Some(json!({"reason": "moved away"}))).await;
    assert_eq!(cancel.status, StatusCode::OK);

    let mut ids = Vec::new();
    for (given, kind, urgency, days, windows) in [
        ("Bea", "consult", "routine", json!([]), json!([])),
        ("Dee", "consult", "urgent", json!([]), json!([{"from": "09:00", "to": "12:00"}])),
        ("Cy", "iv_ketamine_session", "urgent", json!([]), json!([])),
        ("Eve", "consult", "urgent", json!(["tuesday"]), json!([])),
    ] {
        let pid = c.patient(given).await;
        let body = json!({"patient_id": pid, "kind": kind, "urgency": urgency, "days": days, "windows": windows});
        let r = c.app.call(Method::POST, "/api/v1/waitlist", &c.desk, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push((r.json["id"].as_str().unwrap().to_owned(), pid));
    }
    let therapist = c.app.token(Role::Therapist).await;
    let freed = format!("/api/v1/waitlist/candidates?start=2026-11-23T09:00:00Z&end=2026-11-23T11:00:00Z&space={}", c.chairs[0]);
    let shortlist = |who: &Auth| {
        let (app, path) = (&c.app, freed.clone());
        let who = who.clone();
        async move {
            app.call(Method::GET, &path, &who, None)
                .await
                .json
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["patient_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Dee (urgent) before Bea (routine); Cy is not ready for an infusion; Eve only comes on Tuesdays.
    assert_eq!(shortlist(&therapist).await, [ids[1].1.clone(), ids[0].1.clone()]);
    let removed = c.app.call(Method::POST, &format!("/api/v1/waitlist/{}/remove", ids[1].0), &c.desk, Some(json!({"reason": "booked on the phone"}))).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(shortlist(&c.desk).await, [ids[0].1.clone()]);
    assert_eq!(c.app.call(Method::GET, "/api/v1/waitlist", &therapist, None).await.json.as_array().map(Vec::len), Some(3));

    let again = c.app.call(Method::POST, &format!("/api/v1/waitlist/{}/remove", ids[1].0), &c.desk, Some(json!({"reason": "twice"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(codes(&c.app.call(Method::GET, "/api/v1/waitlist/candidates", &c.desk, None).await), ["slot"]);
    let asap = json!({"patient_id": ada, "kind": "consult", "urgency": "asap", "days": ["caturday"]});
    assert_eq!(codes(&c.app.call(Method::POST, "/api/v1/waitlist", &c.desk, Some(asap.clone())).await), ["days[0]", "urgency"]);
    assert_eq!(c.app.call(Method::POST, "/api/v1/waitlist", &therapist, Some(asap)).await.status, StatusCode::FORBIDDEN);
}
