//! The conformance suite: one set of behaviours every storage backend must show.
//!
//! Written once against the traits; each adapter runs it with [`conformance_suite!`], which
//! expands to one `#[tokio::test]` per check so failures name the behaviour.

use std::sync::Arc;

use jiff::Timestamp;
use ketaclinic_domain::alert::{Acknowledgement, Alert, AlertAction, AlertKind};
use ketaclinic_domain::assessment::{Assessment, AssessmentSource};
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome, ChainVerifier};
use ketaclinic_domain::ids::{AlertId, AssessmentId, AuditEventId, PatientId, SessionId, TokenId, UserId};
use ketaclinic_domain::instruments::{self, ScoringSettings};
use ketaclinic_domain::patient::{Mrn, MrnPrefix, PatientDetails, PatientVersion};
use ketaclinic_domain::person::{BirthDate, Email, PersonName, Sex};
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};
use ketaclinic_domain::staff::Role;
use uuid::Uuid;

use crate::error::StoreError;
use crate::ports::Storage;

mod billing;
mod booking;
mod calendar_feeds;
mod chart;
mod courses;
mod enquiries;
mod register;
mod register_counts;
mod rems_forms;
mod self_report;
mod sessions;
mod tasks;
mod treatment_events;
use crate::records::{ApiToken, AuditFilter, AuthSession, NewPatient, PatientCursor, PatientQuery, StaffUser};
pub use billing::billing_records;
pub use booking::{booking_records, booking_waitlist};
pub use calendar_feeds::calendar_feeds;
pub use chart::{chart_versions, clinic_documents, enquiry_conversion};
pub use courses::{courses_lifecycle, protocol_versions};
pub use enquiries::{enquiries_queue, enquiry_changes};
pub use register::{register_parallel_draws_never_oversubscribe, register_receipt_and_movements};
pub use register_counts::{RegisterFixture, register_counts_and_losses, register_fixture};
pub use rems_forms::rems_forms;
pub use self_report::self_report_links;
pub use sessions::{session_alerts, session_vitals, treatment_sessions};
pub use tasks::{assessment_corrections, tasks_lifecycle};
pub use treatment_events::treatment_events;

/// Expands to one `#[tokio::test]` per conformance check. `$make` is an async expression that
/// yields a fresh, migrated, empty `Arc<dyn Storage>` (or `None` to skip, e.g. no PostgreSQL).
#[macro_export]
macro_rules! conformance_suite {
    ($make:expr) => {
        $crate::conformance_suite!(@tests $make;
            users_round_trip, duplicate_email_conflicts, login_failures_and_disable,
            sessions_and_revocation, tokens_and_revocation, patients_get_generated_mrns,
            given_mrn_must_be_unique, failed_write_leaves_no_audit, patient_search_and_paging,
            patient_versions_and_conflicts, audit_chain_is_contiguous_under_concurrency,
            audit_filters, timestamps_keep_microseconds, concurrent_failures_roll_back_alone, assessments_round_trip, alerts_lifecycle,
            enquiries_queue, enquiry_changes, chart_versions, enquiry_conversion, clinic_documents, self_report_links, treatment_events, tasks_lifecycle, assessment_corrections,
            treatment_sessions, session_vitals, rems_forms, session_alerts, protocol_versions, courses_lifecycle,
            register_receipt_and_movements, register_parallel_draws_never_oversubscribe, register_counts_and_losses, billing_records, booking_records, booking_waitlist, calendar_feeds);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(store) = $make.await else { return };
                $crate::conformance::$name(store).await;
            }
        )*
    };
}

type Store = Arc<dyn Storage>;

fn ts(sec: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + sec).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn id() -> Uuid {
    Uuid::now_v7()
}

fn event(action: AuditAction, actor: Option<UserId>, patient: Option<PatientId>, at: Timestamp) -> AuditEvent {
    AuditEvent {
        id: AuditEventId(id()),
        at,
        actor_id: actor,
        actor_label: "conformance@example.org".to_owned(),
        actor_role: Some(Role::Admin),
        action: action.as_str().to_owned(),
        resource_type: patient.map(|_| "Patient".to_owned()),
        resource_id: patient.map(|p| p.to_string()),
        patient_id: patient,
        client_addr: Some("127.0.0.1".to_owned()),
        user_agent: Some("conformance".to_owned()),
        outcome: AuditOutcome::Success,
        detail: None,
    }
}

fn user(email: &str, role: Role) -> StaffUser {
    StaffUser {
        id: UserId(id()),
        email: Email::parse(email).unwrap_or_else(|_| fail("email")),
        display_name: PersonName::parse("Casey Example").unwrap_or_else(|_| fail("name")),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: ts(0),
        password_changed_at: ts(0),
    }
}

fn fail(what: &str) -> ! {
    // Tests may panic; the lint exists for production code.
    #[expect(clippy::panic, reason = "a conformance fixture failed to build")]
    {
        panic!("fixture {what} is invalid")
    }
}

fn details(given: &str, family: &str, born: &str) -> PatientDetails {
    let today = jiff::civil::date(2026, 11, 21);
    PatientDetails {
        given_name: PersonName::parse(given).unwrap_or_else(|_| fail("given")),
        family_name: PersonName::parse(family).unwrap_or_else(|_| fail("family")),
        birth_date: BirthDate::parse(born, today).unwrap_or_else(|_| fail("birth date")),
        sex: Sex::Female,
        phone: None,
        email: None,
    }
}

async fn admin(store: &Store) -> StaffUser {
    let admin = user(&format!("admin-{}@example.org", id().simple()), Role::Admin);
    store.insert_user(&admin, event(AuditAction::UserCreated, None, None, ts(0))).await.unwrap_or_else(|e| fail(&e.to_string()));
    admin
}

async fn register(store: &Store, author: UserId, given: &str, family: &str, born: &str) -> ketaclinic_domain::patient::Patient {
    let new = NewPatient { id: PatientId(id()), mrn: None, details: details(given, family, born), at: ts(10), author };
    store
        .insert_patient(&new, &MrnPrefix::default(), event(AuditAction::PatientCreated, Some(author), Some(new.id), ts(10)))
        .await
        .unwrap_or_else(|e| fail(&e.to_string()))
}

async fn verify_chain(store: &Store) -> u64 {
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_chain_page(after, 100).await.unwrap_or_default();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            assert_eq!(verifier.check(row), Ok(()), "chain broken");
        }
    }
    verifier.verified()
}

pub async fn users_round_trip(store: Store) {
    let u = user("nurse.one@example.org", Role::Nurse);
    store.insert_user(&u, event(AuditAction::UserCreated, None, None, ts(0))).await.expect_ok();
    assert_eq!(store.user_by_email(&u.email).await.expect_ok(), Some(u.clone()));
    assert_eq!(store.user_by_id(u.id).await.expect_ok(), Some(u.clone()));
    assert_eq!(store.user_by_id(UserId(id())).await.expect_ok(), None);
    assert_eq!(store.list_users().await.expect_ok(), vec![u]);
    assert_eq!(verify_chain(&store).await, 1);
}

pub async fn duplicate_email_conflicts(store: Store) {
    let a = user("same@example.org", Role::Nurse);
    store.insert_user(&a, event(AuditAction::UserCreated, None, None, ts(0))).await.expect_ok();
    let b = user("same@example.org", Role::Admin);
    let err = store.insert_user(&b, event(AuditAction::UserCreated, None, None, ts(0))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "{err:?}");
    assert_eq!(verify_chain(&store).await, 1, "the refused insert wrote no audit event");
}

pub async fn login_failures_and_disable(store: Store) {
    let u = admin(&store).await;
    store.record_login_failure(u.id, 5, Some(ts(900)), event(AuditAction::LoginFailed, Some(u.id), None, ts(1))).await.expect_ok();
    let stored = store.user_by_id(u.id).await.expect_ok().unwrap_or_else(|| fail("user"));
    assert_eq!((stored.failed_logins, stored.locked_until), (5, Some(ts(900))));
    let session = session_for(u.id, "hash-d");
    store.insert_session(&session, event(AuditAction::LoginSucceeded, Some(u.id), None, ts(2))).await.expect_ok();
    let cleared = store.user_by_id(u.id).await.expect_ok().unwrap_or_else(|| fail("user"));
    assert_eq!((cleared.failed_logins, cleared.locked_until), (0, None), "a successful login clears failures");
    store.set_user_disabled(u.id, true, ts(3), event(AuditAction::UserDisabled, Some(u.id), None, ts(3))).await.expect_ok();
    let disabled = store.user_by_id(u.id).await.expect_ok().unwrap_or_else(|| fail("user"));
    assert!(disabled.disabled);
    let revoked = store.session_by_token_hash("hash-d").await.expect_ok().and_then(|(s, _)| s.revoked_at);
    assert_eq!(revoked, Some(ts(3)), "disabling revokes sessions");
    assert_eq!(verify_chain(&store).await, 4);
}

fn session_for(user: UserId, hash: &str) -> AuthSession {
    AuthSession {
        id: SessionId(id()),
        user_id: user,
        token_hash: hash.to_owned(),
        csrf_token: "csrf".to_owned(),
        created_at: ts(2),
        last_seen_at: ts(2),
        expires_at: ts(3600),
        revoked_at: None,
    }
}

pub async fn sessions_and_revocation(store: Store) {
    let u = admin(&store).await;
    let s1 = session_for(u.id, "hash-1");
    let s2 = session_for(u.id, "hash-2");
    for s in [&s1, &s2] {
        store.insert_session(s, event(AuditAction::LoginSucceeded, Some(u.id), None, ts(2))).await.expect_ok();
    }
    assert_eq!(store.session_by_token_hash("hash-1").await.expect_ok(), Some((s1.clone(), u.clone())), "the session comes with its account");
    store.touch_session(s1.id, ts(60)).await.expect_ok();
    let touched = store.session_by_token_hash("hash-1").await.expect_ok().map(|(s, _)| s.last_seen_at);
    assert_eq!(touched, Some(ts(60)));
    store.revoke_session(s1.id, ts(70), event(AuditAction::Logout, Some(u.id), None, ts(70))).await.expect_ok();
    assert_eq!(store.session_by_token_hash("hash-1").await.expect_ok().and_then(|(s, _)| s.revoked_at), Some(ts(70)));
    let n = store.revoke_user_sessions(u.id, ts(80), event(AuditAction::SessionsRevoked, Some(u.id), None, ts(80))).await.expect_ok();
    assert_eq!(n, 1, "only the live session is revoked");
    store.set_password_hash(u.id, "new-hash", ts(90), None, event(AuditAction::PasswordChanged, Some(u.id), None, ts(90))).await.expect_ok();
    let stored = store.user_by_id(u.id).await.expect_ok().unwrap_or_else(|| fail("user"));
    assert_eq!((stored.password_hash.as_str(), stored.password_changed_at), ("new-hash", ts(90)));
    assert_eq!(store.session_by_token_hash("missing").await.expect_ok(), None);
}

pub async fn tokens_and_revocation(store: Store) {
    let u = admin(&store).await;
    let token = ApiToken {
        id: TokenId(id()),
        user_id: u.id,
        label: "monitor gateway".to_owned(),
        token_hash: "tok-hash".to_owned(),
        created_at: ts(5),
        last_used_at: None,
        revoked_at: None,
    };
    store.insert_token(&token, event(AuditAction::TokenCreated, Some(u.id), None, ts(5))).await.expect_ok();
    assert_eq!(store.token_by_hash("tok-hash").await.expect_ok(), Some((token.clone(), u.clone())), "the token comes with its account");
    store.touch_token(token.id, ts(6)).await.expect_ok();
    store.revoke_token(token.id, ts(7), event(AuditAction::TokenRevoked, Some(u.id), None, ts(7))).await.expect_ok();
    let listed = store.list_tokens(u.id).await.expect_ok();
    assert_eq!(listed.iter().map(|t| (t.last_used_at, t.revoked_at)).collect::<Vec<_>>(), vec![(Some(ts(6)), Some(ts(7)))]);
    let again = store.revoke_token(token.id, ts(8), event(AuditAction::TokenRevoked, Some(u.id), None, ts(8))).await.err();
    assert_eq!(again, Some(StoreError::NotFound), "a revoked token cannot be revoked again");
    assert_eq!(verify_chain(&store).await, 3);
}

pub async fn patients_get_generated_mrns(store: Store) {
    let a = admin(&store).await;
    let p1 = register(&store, a.id, "Ada", "Quill", "1980-02-29").await;
    let p2 = register(&store, a.id, "Bea", "Quill", "1975-06-01").await;
    assert_eq!((p1.mrn.as_str(), p2.mrn.as_str()), ("KC-000001", "KC-000002"));
    assert_eq!((p1.version, p1.status), (Version::FIRST, RecordStatus::Active));
    assert_eq!(store.patient(p1.id).await.expect_ok(), Some(p1.clone()));
    let history = store.patient_history(p1.id).await.expect_ok();
    assert_eq!(history, vec![PatientVersion::of(&p1, a.id, None)]);
}

pub async fn given_mrn_must_be_unique(store: Store) {
    let a = admin(&store).await;
    let mrn = Mrn::parse("EXT-77").ok();
    let first = NewPatient { id: PatientId(id()), mrn: mrn.clone(), details: details("Cy", "Rowe", "1990-01-01"), at: ts(1), author: a.id };
    let p = store.insert_patient(&first, &MrnPrefix::default(), event(AuditAction::PatientCreated, Some(a.id), Some(first.id), ts(1))).await.expect_ok();
    assert_eq!(p.mrn.as_str(), "EXT-77");
    let second = NewPatient { id: PatientId(id()), ..first };
    let err = store.insert_patient(&second, &MrnPrefix::default(), event(AuditAction::PatientCreated, Some(a.id), Some(second.id), ts(2))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "{err:?}");
    assert_eq!(store.patient(second.id).await.expect_ok(), None);
}

pub async fn failed_write_leaves_no_audit(store: Store) {
    let a = admin(&store).await;
    let before = verify_chain(&store).await;
    let ghost = UserId(id());
    let err = store.set_user_disabled(ghost, true, ts(1), event(AuditAction::UserDisabled, Some(a.id), None, ts(1))).await.err();
    assert_eq!(err, Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before, "no audit row for a write that did not happen");
}

pub async fn patient_search_and_paging(store: Store) {
    let a = admin(&store).await;
    let names = [("Ada", "Quill"), ("Bea", "Quill"), ("Cal", "Quillon"), ("Dee", "Marsh"), ("Quincy", "Adams")];
    let mut made = Vec::new();
    for (g, f) in names {
        made.push(register(&store, a.id, g, f, "1970-03-04").await);
    }
    let q = |words: &[&str]| PatientQuery { words: words.iter().map(|w| (*w).to_owned()).collect(), ..PatientQuery::default() };
    let found = store.search_patients(&q(&["qui"]), None, 10).await.expect_ok();
    let got: Vec<_> = found.iter().map(|p| p.details.given_name.as_str().to_owned()).collect();
    assert_eq!(got, vec!["Quincy", "Ada", "Bea", "Cal"], "prefix of family or given name, sorted by family then given");
    let both = store.search_patients(&q(&["quill", "bea"]), None, 10).await.expect_ok();
    assert_eq!(both.len(), 1);
    let by_mrn = store.search_patients(&q(&[&made[3].mrn.as_str().to_lowercase()]), None, 10).await.expect_ok();
    assert_eq!(by_mrn.iter().map(|p| p.id).collect::<Vec<_>>(), vec![made[3].id]);
    let by_date = PatientQuery { birth_date: Some(jiff::civil::date(1970, 3, 4)), ..PatientQuery::default() };
    assert_eq!(store.search_patients(&by_date, None, 10).await.expect_ok().len(), 5);
    let wildcard = store.search_patients(&q(&["%"]), None, 10).await.expect_ok();
    assert!(wildcard.is_empty(), "LIKE wildcards are matched literally");
    // Keyset paging: two pages of two, then the rest, with no repeats.
    let mut seen = Vec::new();
    let mut cursor: Option<PatientCursor> = None;
    loop {
        let page = store.search_patients(&PatientQuery::default(), cursor.as_ref(), 2).await.expect_ok();
        let Some(last) = page.last() else { break };
        cursor = Some(PatientCursor {
            family: last.details.family_name.as_str().to_lowercase(),
            given: last.details.given_name.as_str().to_lowercase(),
            id: last.id,
        });
        seen.extend(page.iter().map(|p| p.display_name()));
    }
    assert_eq!(seen, vec!["Adams, Quincy", "Marsh, Dee", "Quill, Ada", "Quill, Bea", "Quillon, Cal"]);
}

pub async fn patient_versions_and_conflicts(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Eve", "Stone", "1985-05-05").await;
    let reason = ChangeReason::parse("spelling corrected at check-in").ok();
    let v2 = p.revised(details("Eva", "Stone", "1985-05-05"), RecordStatus::Active, ts(20));
    let ver2 = PatientVersion::of(&v2, a.id, reason.clone());
    store.update_patient(&v2, &ver2, Version::FIRST, event(AuditAction::PatientUpdated, Some(a.id), Some(p.id), ts(20))).await.expect_ok();
    let stale = p.revised(details("Evie", "Stone", "1985-05-05"), RecordStatus::Active, ts(21));
    let err = store
        .update_patient(
            &stale,
            &PatientVersion::of(&stale, a.id, reason.clone()),
            Version::FIRST,
            event(AuditAction::PatientUpdated, Some(a.id), Some(p.id), ts(21)),
        )
        .await
        .err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "stale version refused: {err:?}");
    let v3 = v2.revised(v2.details.clone(), RecordStatus::EnteredInError, ts(30));
    store
        .update_patient(&v3, &PatientVersion::of(&v3, a.id, reason), Version(2), event(AuditAction::PatientUpdated, Some(a.id), Some(p.id), ts(30)))
        .await
        .expect_ok();
    let history = store.patient_history(p.id).await.expect_ok();
    let summary: Vec<_> = history.iter().map(|v| (v.version.0, v.details.given_name.as_str().to_owned(), v.status)).collect();
    assert_eq!(
        summary,
        vec![(1, "Eve".to_owned(), RecordStatus::Active), (2, "Eva".to_owned(), RecordStatus::Active), (3, "Eva".to_owned(), RecordStatus::EnteredInError)]
    );
    let q = PatientQuery { words: vec!["stone".to_owned()], ..PatientQuery::default() };
    assert!(store.search_patients(&q, None, 10).await.expect_ok().is_empty(), "entered-in-error hidden by default");
    let q_all = PatientQuery { include_entered_in_error: true, ..q };
    assert_eq!(store.search_patients(&q_all, None, 10).await.expect_ok().len(), 1);
    assert_eq!(store.patient(p.id).await.expect_ok().map(|x| x.version), Some(Version(3)));
}

pub async fn audit_chain_is_contiguous_under_concurrency(store: Store) {
    let mut tasks = Vec::new();
    for n in 0..40 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let events = (0..5).map(|_| event(AuditAction::PatientRead, None, None, ts(n))).collect();
            s.append_audit(events).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.ok().map(|r| r.is_ok()), Some(true));
    }
    assert_eq!(verify_chain(&store).await, 200);
}

pub async fn audit_filters(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Fay", "Lind", "1960-12-12").await;
    store
        .append_audit(vec![event(AuditAction::PatientRead, Some(a.id), Some(p.id), ts(100)), event(AuditAction::PatientSearched, Some(a.id), None, ts(200))])
        .await
        .expect_ok();
    let for_patient = AuditFilter { patient_id: Some(p.id), ..AuditFilter::default() };
    let rows = store.audit_page(&for_patient, None, 10).await.expect_ok();
    let actions: Vec<_> = rows.iter().map(|r| r.event.action.as_str()).collect();
    assert_eq!(actions, vec!["patient.read", "patient.create"], "newest first");
    let read_only = AuditFilter { action: Some("patient.read".to_owned()), ..AuditFilter::default() };
    assert_eq!(store.audit_page(&read_only, None, 10).await.expect_ok().len(), 1);
    let window = AuditFilter { from: Some(ts(150)), to: Some(ts(250)), ..AuditFilter::default() };
    assert_eq!(store.audit_page(&window, None, 10).await.expect_ok().iter().map(|r| r.event.action.as_str()).collect::<Vec<_>>(), vec!["patient.search"]);
    let by_actor = AuditFilter { actor_id: Some(a.id), ..AuditFilter::default() };
    let all = store.audit_page(&by_actor, None, 10).await.expect_ok();
    assert_eq!(all.len(), 3);
    let older = store.audit_page(&by_actor, Some(all[0].seq), 10).await.expect_ok();
    assert_eq!(older.len(), 2, "keyset paging with before_seq");
}

pub async fn timestamps_keep_microseconds(store: Store) {
    let at = Timestamp::from_microsecond(1_790_000_000_123_457).unwrap_or(Timestamp::UNIX_EPOCH);
    store.append_audit(vec![event(AuditAction::LoginFailed, None, None, at)]).await.expect_ok();
    let rows = store.audit_chain_page(0, 1).await.expect_ok();
    assert_eq!(rows.first().map(|r| r.event.at), Some(at));
}

/// Writes that share a group commit fail alone: a conflicting insert rolls back to its own
/// savepoint and leaves no audit row, while its neighbours in the batch commit.
pub async fn concurrent_failures_roll_back_alone(store: Store) {
    let mut tasks = Vec::new();
    for n in 0..60 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            // Every third account reuses an e-mail another task also inserts.
            let email = if n % 3 == 0 { "shared@example.org".to_owned() } else { format!("user{n}@example.org") };
            let u = user(&email, Role::Nurse);
            s.insert_user(&u, event(AuditAction::UserCreated, None, None, ts(n))).await
        }));
    }
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(())) => ok += 1,
            Ok(Err(StoreError::Conflict(_))) => conflicts += 1,
            other => fail(&format!("unexpected outcome {other:?}")),
        }
    }
    assert_eq!((ok, conflicts), (41, 19), "40 unique e-mails and the first of the shared one succeed");
    assert_eq!(store.list_users().await.expect_ok().len(), 41);
    assert_eq!(verify_chain(&store).await, 41, "one audit row per committed insert, none for the refused ones");
}

fn assessment(patient: PatientId, author: UserId, instrument: &str, answers: serde_json::Value, at: i64) -> Assessment {
    let definition = instruments::get(instrument).unwrap_or_else(|| fail("instrument"));
    let score = instruments::score(definition, &answers, &ScoringSettings::default()).unwrap_or_else(|e| fail(&e.to_string()));
    Assessment {
        id: AssessmentId(id()),
        patient_id: patient,
        instrument: instrument.to_owned(),
        answers,
        score,
        administered_at: ts(at),
        session_id: None,
        source: AssessmentSource::Staff,
        recorded_by: Some(author),
        recorded_at: ts(at + 5),
    }
}

/// Assessments keep their answers and score exactly, list in time order, filter by instrument.
pub async fn assessments_round_trip(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Gus", "Moreau", "1977-07-07").await;
    let phq = |item9: u32| serde_json::json!({"1": 3, "2": 3, "3": 2, "4": 2, "5": 1, "6": 1, "7": 0, "8": 0, "9": item9});
    let later = assessment(p.id, a.id, "phq9", phq(0), 300);
    let earlier = assessment(p.id, a.id, "phq9", phq(1), 100);
    let gad = assessment(p.id, a.id, "gad7", serde_json::json!({"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 0, "7": 0}), 200);
    for x in [&later, &earlier, &gad] {
        store.insert_assessment(x, None, vec![event(AuditAction::AssessmentRecorded, Some(a.id), Some(p.id), x.recorded_at)]).await.expect_ok();
    }
    let all = store.assessments(p.id, None).await.expect_ok();
    assert_eq!(all, vec![earlier.clone(), gad.clone(), later.clone()], "time order, every field kept");
    assert_eq!(all[0].score.flags, vec!["suicidal_ideation".to_owned()]);
    assert_eq!(store.assessments(p.id, Some("phq9")).await.expect_ok(), vec![earlier, later]);
    assert!(store.assessments(p.id, Some("madrs")).await.expect_ok().is_empty());
    assert_eq!(verify_chain(&store).await, 5, "account, patient and three assessments");
}

/// An alert is stored with its assessment, listed while open, acknowledged exactly once.
pub async fn alerts_lifecycle(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Hal", "Watch", "1988-08-08").await;
    let phq = serde_json::json!({"1": 1, "2": 1, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1, "8": 1, "9": 2});
    let x = assessment(p.id, a.id, "phq9", phq, 400);
    let raised = Alert {
        id: AlertId(id()),
        patient_id: p.id,
        kind: AlertKind::SuicidalIdeation,
        assessment_id: x.id,
        detail: "phq9 item 9 = 2".to_owned(),
        raised_at: ts(400),
        acknowledgement: None,
    };
    let audit = vec![event(AuditAction::AssessmentRecorded, Some(a.id), Some(p.id), ts(400)), event(AuditAction::AlertRaised, Some(a.id), Some(p.id), ts(400))];
    store.insert_assessment(&x, Some(&raised), audit).await.expect_ok();
    assert_eq!(store.alerts(true, 10).await.expect_ok(), vec![raised.clone()]);
    assert_eq!(store.alert(raised.id).await.expect_ok(), Some(raised.clone()));
    let ack = Acknowledgement::new(ts(500), a.id, AlertAction::CrisisLineGiven, Some("988 given, plan reviewed")).unwrap_or_else(|e| fail(&e.to_string()));
    store.acknowledge_alert(raised.id, &ack, event(AuditAction::AlertAcknowledged, Some(a.id), Some(p.id), ts(500))).await.expect_ok();
    let again = store.acknowledge_alert(raised.id, &ack, event(AuditAction::AlertAcknowledged, Some(a.id), Some(p.id), ts(501))).await.err();
    assert!(matches!(again, Some(StoreError::Conflict(_))), "an acknowledgement is never overwritten: {again:?}");
    let ghost = store.acknowledge_alert(AlertId(id()), &ack, event(AuditAction::AlertAcknowledged, Some(a.id), None, ts(502))).await.err();
    assert_eq!(ghost, Some(StoreError::NotFound));
    assert!(store.alerts(true, 10).await.expect_ok().is_empty());
    let all = store.alerts(false, 10).await.expect_ok();
    assert_eq!(all.first().and_then(|x| x.acknowledgement.clone()), Some(ack));
    assert_eq!(verify_chain(&store).await, 5, "account, patient, assessment, alert, acknowledgement");
}

/// `expect` for store results that names the error (the workspace denies `expect_used`).
trait ExpectOk<T> {
    fn expect_ok(self) -> T;
}

impl<T> ExpectOk<T> for Result<T, StoreError> {
    fn expect_ok(self) -> T {
        self.unwrap_or_else(|e| fail(&format!("store call: {e}")))
    }
}
