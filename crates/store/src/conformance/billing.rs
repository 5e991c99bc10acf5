//! Billing: fee-schedule versions written once each, patient billing settings, a session's
//! charges captured once (prices kept as captured), a charge on one invoice only, payments
//! numbered once per invoice — and no refused write leaves an audit event behind.

use std::num::NonZeroU32;

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::billing::charge::{Charge, CodedService, Diagnoses};
use ketaclinic_domain::billing::code::{IV_INFUSION_ADDITIONAL_HOUR, IV_INFUSION_INITIAL, REMS_ENROLLED, UNCLASSIFIED_DRUG};
use ketaclinic_domain::billing::fee_schedule::{FeeEntry, FeeSchedule};
use ketaclinic_domain::billing::invoice::PaymentMethod;
use ketaclinic_domain::billing::money::Money;
use ketaclinic_domain::chart::codes::IcdCode;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{ChargeId, InvoiceId, PatientId, PaymentId, TreatmentSessionId, UserId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_domain::session::{Session, SessionState, Thresholds};

use super::{ExpectOk, Store, admin, event, fail, id, register, ts, verify_chain};
use crate::billing_port::{ChargeRecord, FeeScheduleVersion, InvoiceRecord, PatientBilling, PaymentKind, PaymentRecord};
use crate::error::StoreError;

fn schedule(initial_cents: i64) -> FeeSchedule {
    let entry = |code, cents| FeeEntry::new(code, "service", Money::from_cents(cents)).unwrap_or_else(|_| fail("fee entry"));
    FeeSchedule::new(vec![entry(IV_INFUSION_INITIAL, initial_cents), entry(IV_INFUSION_ADDITIONAL_HOUR, 12_500), entry(UNCLASSIFIED_DRUG, 2_550)])
        .unwrap_or_else(|_| fail("fee schedule"))
}

fn version(n: u32, schedule: FeeSchedule, by: UserId) -> FeeScheduleVersion {
    FeeScheduleVersion {
        version: n,
        schedule,
        reason: ChangeReason::parse(&format!("prices {n}")).unwrap_or_else(|_| fail("reason")),
        by,
        at: ts(i64::from(n)),
    }
}

async fn session(store: &Store, patient: PatientId, by: UserId) -> TreatmentSessionId {
    let s = Session {
        id: TreatmentSessionId(id()),
        patient_id: patient,
        modality: Modality::IvKetamine,
        chair: None,
        state: SessionState::Scheduled,
        thresholds: Thresholds::default(),
        course_id: None,
        protocol_version: 0,
        created_by: by,
        created_at: ts(100),
        updated_at: ts(100),
    };
    store.insert_treatment_session(&s, event(AuditAction::SessionCreated, Some(by), Some(patient), ts(100))).await.expect_ok();
    s.id
}

fn charges(patient: PatientId, session: TreatmentSessionId, by: UserId, schedule: &FeeSchedule) -> Vec<ChargeRecord> {
    let dx = Diagnoses::new(vec![IcdCode::parse("F33.2").unwrap_or_else(|_| fail("icd")), IcdCode::parse("F41.1").unwrap_or_else(|_| fail("icd"))])
        .unwrap_or_else(|_| fail("diagnoses"));
    let two = NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN);
    let services = [
        CodedService::once(IV_INFUSION_INITIAL),
        CodedService { units: two, modifiers: vec![REMS_ENROLLED], ..CodedService::once(IV_INFUSION_ADDITIONAL_HOUR) },
        CodedService::once(UNCLASSIFIED_DRUG),
    ];
    services
        .into_iter()
        .zip(1..)
        .map(|(service, line)| ChargeRecord {
            id: ChargeId(id()),
            patient_id: patient,
            session_id: session,
            line,
            service_at: ts(200),
            charge: Charge::new(service, schedule, dx.clone()).unwrap_or_else(|_| fail("charge")),
            fee_schedule_version: 1,
            captured_by: by,
            captured_at: ts(300),
        })
        .collect()
}

pub async fn billing_records(store: Store) {
    let a = admin(&store).await;
    assert_eq!(store.current_fee_schedule().await.expect_ok(), None, "no prices until an admin enters them");
    let v1 = version(1, schedule(45_000), a.id);
    let v2 = version(2, schedule(47_500), a.id);
    for v in [&v1, &v2] {
        store.insert_fee_schedule(v, event(AuditAction::FeeScheduleRevised, Some(a.id), None, v.at)).await.expect_ok();
    }
    assert_eq!(store.current_fee_schedule().await.expect_ok(), Some(v2.clone()));
    assert_eq!(store.fee_schedule_versions().await.expect_ok(), vec![v1.clone(), v2.clone()], "a correction is a new version; v1 is kept");
    let before = verify_chain(&store).await;
    let racing = version(2, schedule(1), a.id);
    let err = store.insert_fee_schedule(&racing, event(AuditAction::FeeScheduleRevised, Some(a.id), None, ts(3))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "a version is written once: {err:?}");
    assert_eq!(verify_chain(&store).await, before, "the refused version wrote no audit event");

    let p = register(&store, a.id, "Bill", "Able", "1980-01-01").await;
    assert_eq!(store.patient_billing(p.id).await.expect_ok(), None);
    let medicare = PatientBilling { patient_id: p.id, medicare: true, by: a.id, at: ts(50) };
    store.set_patient_billing(&medicare, event(AuditAction::BillingSettingsChanged, Some(a.id), Some(p.id), ts(50))).await.expect_ok();
    let off = PatientBilling { medicare: false, at: ts(51), ..medicare.clone() };
    store.set_patient_billing(&off, event(AuditAction::BillingSettingsChanged, Some(a.id), Some(p.id), ts(51))).await.expect_ok();
    assert_eq!(store.patient_billing(p.id).await.expect_ok(), Some(off));
    let ghost = PatientBilling { patient_id: PatientId(id()), ..medicare };
    let err = store.set_patient_billing(&ghost, event(AuditAction::BillingSettingsChanged, Some(a.id), None, ts(52))).await.err();
    assert_eq!(err, Some(StoreError::NotFound));

    let s = session(&store, p.id, a.id).await;
    let captured = charges(p.id, s, a.id, &v1.schedule);
    store.insert_charges(&captured, event(AuditAction::ChargesCaptured, Some(a.id), Some(p.id), ts(300))).await.expect_ok();
    let stored = store.session_charges(s).await.expect_ok();
    assert_eq!(stored, captured, "codes, modifiers, units, prices and diagnoses round-trip");
    assert_eq!(stored[1].charge.amount(), Money::from_cents(25_000));
    let before = verify_chain(&store).await;
    let again = charges(p.id, s, a.id, &v2.schedule);
    let err = store.insert_charges(&again, event(AuditAction::ChargesCaptured, Some(a.id), Some(p.id), ts(301))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "a session is captured once: {err:?}");
    let unknown = charges(p.id, TreatmentSessionId(id()), a.id, &v1.schedule);
    let err = store.insert_charges(&unknown, event(AuditAction::ChargesCaptured, Some(a.id), Some(p.id), ts(301))).await.err();
    assert_eq!(err, Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, before);
    assert_eq!(store.session_charges(s).await.expect_ok()[0].charge.line().unit_price(), Money::from_cents(45_000), "the price as captured");
    assert_eq!(store.uninvoiced_charges(p.id).await.expect_ok(), captured);

    invoices_and_payments(&store, a.id, p.id, captured).await;
}

async fn invoices_and_payments(store: &Store, by: UserId, patient: PatientId, captured: Vec<ChargeRecord>) {
    let invoice = InvoiceRecord { id: InvoiceId(id()), patient_id: patient, charges: captured.clone(), payments: vec![], created_by: by, created_at: ts(400) };
    store.insert_invoice(&invoice, event(AuditAction::InvoiceCreated, Some(by), Some(patient), ts(400))).await.expect_ok();
    assert!(store.uninvoiced_charges(patient).await.expect_ok().is_empty());
    let before = verify_chain(store).await;
    let twice = InvoiceRecord { id: InvoiceId(id()), charges: captured[1..].to_vec(), ..invoice.clone() };
    let err = store.insert_invoice(&twice, event(AuditAction::InvoiceCreated, Some(by), Some(patient), ts(401))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "a charge is on one invoice: {err:?}");
    assert_eq!(store.invoice(twice.id).await.expect_ok(), None, "nothing of the refused invoice was written");
    assert_eq!(verify_chain(store).await, before);

    let pay = |seq, kind, cents| PaymentRecord {
        id: PaymentId(id()),
        invoice_id: invoice.id,
        seq,
        kind,
        method: PaymentMethod::Card,
        amount: Money::from_cents(cents),
        reference: (seq == 1).then(|| "terminal 0042".to_owned()),
        by,
        at: ts(500 + i64::from(seq)),
    };
    let first = pay(1, PaymentKind::Payment, 50_000);
    let refund = pay(2, PaymentKind::Refund, 2_000);
    for p in [&first, &refund] {
        store.insert_payment(p, event(AuditAction::PaymentRecorded, Some(by), Some(patient), p.at)).await.expect_ok();
    }
    let err = store.insert_payment(&pay(2, PaymentKind::Payment, 1), event(AuditAction::PaymentRecorded, Some(by), Some(patient), ts(600))).await.err();
    assert!(matches!(err, Some(StoreError::Conflict(_))), "a payment number is used once: {err:?}");
    let orphan = PaymentRecord { invoice_id: InvoiceId(id()), ..pay(1, PaymentKind::Payment, 1) };
    let err = store.insert_payment(&orphan, event(AuditAction::PaymentRecorded, Some(by), Some(patient), ts(600))).await.err();
    assert_eq!(err, Some(StoreError::NotFound));

    let expected = InvoiceRecord { payments: vec![first, refund], ..invoice };
    assert_eq!(store.invoice(expected.id).await.expect_ok(), Some(expected.clone()));
    assert_eq!(store.patient_invoices(patient).await.expect_ok(), vec![expected]);
    assert!(store.patient_invoices(PatientId(id())).await.expect_ok().is_empty());
}
