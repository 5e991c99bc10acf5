//! Chart entries: versions, conflicts, entered in error, clinic documents, and enquiry
//! conversion (patient and status in one transaction).

use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::chart::entries::{ClinicalStatus, Diagnosis, Escort};
use ketaclinic_domain::chart::{ChartBody, ChartEntry, ChartKind};
use ketaclinic_domain::enquiry::{Enquiry, EnquiryStatus};
use ketaclinic_domain::ids::{ChartEntryId, PatientId, UserId};
use ketaclinic_domain::patient::MrnPrefix;
use ketaclinic_domain::record::{ChangeReason, RecordStatus, Version};

use super::enquiries::{enquiry, insert};
use super::{ExpectOk, Store, admin, details, event, fail, id, register, ts, verify_chain};
use crate::error::StoreError;
use crate::records::NewPatient;

fn escort(name: &str) -> ChartBody {
    ChartBody::Escort(Escort { name: name.to_owned(), relationship: Some("sister".to_owned()), phone: "+12125550143".to_owned(), note: None })
}

fn entry(patient: Option<PatientId>, body: ChartBody, by: UserId, at: i64) -> ChartEntry {
    ChartEntry {
        id: ChartEntryId(id()),
        patient_id: patient,
        version: Version::FIRST,
        status: RecordStatus::Active,
        body,
        reason: None,
        recorded_by: by,
        recorded_at: ts(at),
    }
}

fn reason(text: &str) -> ChangeReason {
    ChangeReason::parse(text).unwrap_or_else(|_| fail("reason"))
}

/// Entries keep their typed body; a revision is a new version (the old one stays in the
/// history), a stale revision is refused and writes nothing, entered-in-error entries leave the
/// list but not the history, and lists filter by patient and kind.
pub async fn chart_versions(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Ada", "Quill", "1980-02-29").await;
    let other = register(&store, a.id, "Bea", "Quill", "1975-06-01").await;
    let first = entry(Some(p.id), escort("Rae Quill"), a.id, 20);
    let dx = entry(
        Some(p.id),
        ChartBody::Diagnosis(Diagnosis {
            icd10cm: "F33.1".to_owned(),
            display: "Major depressive disorder, recurrent, moderate".to_owned(),
            snomed: Some("370143000".to_owned()),
            primary: true,
            status: ClinicalStatus::Active,
            onset: Some(jiff::civil::date(2024, 3, 1)),
        }),
        a.id,
        21,
    );
    let elsewhere = entry(Some(other.id), escort("Sam Quill"), a.id, 22);
    for e in [&first, &dx, &elsewhere] {
        store.insert_chart_entry(e, event(AuditAction::ChartEntryCreated, Some(a.id), e.patient_id, e.recorded_at)).await.expect_ok();
    }
    assert_eq!(store.chart_entry(first.id).await.expect_ok(), Some(first.clone()), "every field kept");
    assert_eq!(store.chart_entry(dx.id).await.expect_ok(), Some(dx.clone()));
    let all = store.chart_entries(Some(p.id), &[], false).await.expect_ok();
    assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), vec![first.id, dx.id], "this patient's entries, oldest first");
    let escorts = store.chart_entries(Some(p.id), &[ChartKind::Escort], false).await.expect_ok();
    assert_eq!(escorts, vec![first.clone()]);

    let second = first.revised(escort("Rae Quill-Moss"), RecordStatus::Active, reason("married name"), a.id, ts(30));
    store.revise_chart_entry(&second, event(AuditAction::ChartEntryRevised, Some(a.id), Some(p.id), ts(30))).await.expect_ok();
    assert_eq!(store.chart_entry(first.id).await.expect_ok(), Some(second.clone()));
    // A revision computed from version 1 again (a second screen) is refused.
    let stale = first.revised(escort("Someone Else"), RecordStatus::Active, reason("stale"), a.id, ts(31));
    let before = verify_chain(&store).await;
    assert!(matches!(
        store.revise_chart_entry(&stale, event(AuditAction::ChartEntryRevised, Some(a.id), Some(p.id), ts(31))).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(verify_chain(&store).await, before, "a refused revision writes no audit row");
    let ghost = ChartEntry { id: ChartEntryId(id()), ..second.clone() };
    assert_eq!(store.revise_chart_entry(&ghost, event(AuditAction::ChartEntryRevised, Some(a.id), Some(p.id), ts(32))).await.err(), Some(StoreError::NotFound));

    let wrong = second.revised(second.body.clone(), RecordStatus::EnteredInError, reason("wrong patient"), a.id, ts(40));
    store.revise_chart_entry(&wrong, event(AuditAction::ChartEntryRevised, Some(a.id), Some(p.id), ts(40))).await.expect_ok();
    assert!(store.chart_entries(Some(p.id), &[ChartKind::Escort], false).await.expect_ok().is_empty(), "entered in error leaves the list");
    assert_eq!(store.chart_entries(Some(p.id), &[ChartKind::Escort], true).await.expect_ok(), vec![wrong.clone()], "…unless asked for");
    assert_eq!(store.chart_history(first.id).await.expect_ok(), vec![first.clone(), second, wrong], "history hides nothing");
    assert!(store.chart_history(ChartEntryId(id())).await.expect_ok().is_empty());

    let orphan = entry(Some(PatientId(id())), escort("Nobody"), a.id, 50);
    assert_eq!(store.insert_chart_entry(&orphan, event(AuditAction::ChartEntryCreated, Some(a.id), None, ts(50))).await.err(), Some(StoreError::NotFound));
    assert_eq!(verify_chain(&store).await, 1 + 2 + 3 + 2, "account, two patients, three entries, two revisions");
}

/// Converting an enquiry registers the patient and marks the enquiry converted with a link to
/// it, atomically: a stale conversion registers nobody.
pub async fn enquiry_conversion(store: Store) {
    let a = admin(&store).await;
    // Converting follows a booked consultation.
    let e = Enquiry { status: EnquiryStatus::ConsultBooked, ..enquiry("Mo Convert", 10, 500, None) };
    insert(&store, &e).await;
    let change = e.change_status(EnquiryStatus::Converted, None, ts(60)).unwrap_or_else(|err| fail(&err.to_string()));
    let new = NewPatient { id: PatientId(id()), mrn: None, details: details("Mo", "Convert", "1990-01-02"), at: ts(60), author: a.id };
    let audit =
        vec![event(AuditAction::PatientCreated, Some(a.id), Some(new.id), ts(60)), event(AuditAction::EnquiryConverted, Some(a.id), Some(new.id), ts(60))];
    let p = store.convert_enquiry(e.id, &change, &new, &MrnPrefix::default(), audit).await.expect_ok();
    assert_eq!(p.id, new.id);
    let stored = store.enquiry(e.id).await.expect_ok().unwrap_or_else(|| fail("enquiry"));
    assert_eq!((stored.status, stored.patient_id), (EnquiryStatus::Converted, Some(p.id)));
    assert_eq!(store.patient(p.id).await.expect_ok(), Some(p));
    // Converting again from the old status is refused and registers no second patient.
    let again = NewPatient { id: PatientId(id()), ..new };
    let audit = vec![event(AuditAction::PatientCreated, Some(a.id), Some(again.id), ts(61))];
    assert!(matches!(store.convert_enquiry(e.id, &change, &again, &MrnPrefix::default(), audit).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.patient(again.id).await.expect_ok(), None, "rolled back together");
    assert_eq!(verify_chain(&store).await, 1 + 1 + 2);
}

/// Consent templates belong to no patient and list apart from every chart.
pub async fn clinic_documents(store: Store) {
    let a = admin(&store).await;
    let p = register(&store, a.id, "Cy", "Doc", "1985-05-05").await;
    let text = "You will receive ketamine by infusion.".to_owned();
    let template = ChartBody::ConsentTemplate(ketaclinic_domain::chart::ConsentTemplate {
        modality: ketaclinic_domain::eligibility::Modality::IvKetamine,
        title: "IV ketamine consent".to_owned(),
        text,
        active: true,
    });
    let t = entry(None, template, a.id, 70);
    store.insert_chart_entry(&t, event(AuditAction::ChartEntryCreated, Some(a.id), None, ts(70))).await.expect_ok();
    assert_eq!(store.chart_entries(None, &[ChartKind::ConsentTemplate], false).await.expect_ok(), vec![t.clone()]);
    assert!(store.chart_entries(Some(p.id), &[], true).await.expect_ok().is_empty(), "a clinic document is on no chart");
}
