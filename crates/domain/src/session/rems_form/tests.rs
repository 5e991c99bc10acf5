//! The worked esketamine session of issue 5 item 7: first device 09:00, three devices (84 mg),
//! discharge 11:05 (125 minutes), and its incomplete variants.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;

use super::*;
use crate::ids::{SessionEventId, TreatmentSessionId, UserId};

fn at(hm: &str) -> Timestamp {
    format!("2026-11-20T{hm}:00Z").parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

fn ev(event: SessionEvent, hm: &str, payload: serde_json::Value) -> SessionEventRecord {
    SessionEventRecord {
        id: SessionEventId(uuid::Uuid::nil()),
        session_id: TreatmentSessionId(uuid::Uuid::nil()),
        event,
        at: at(hm),
        payload,
        recorded_by: UserId(uuid::Uuid::nil()),
        recorded_at: at(hm),
    }
}

fn reading(hm: &str, s: u32, d: u32, spo2: u32, rr: Option<u32>) -> VitalReading {
    VitalReading {
        at: at(hm),
        device_id: "mon-1".to_owned(),
        vitals: Vitals { systolic: Some(s), diastolic: Some(d), heart_rate: Some(76), spo2: Some(spo2), resp_rate: rr },
    }
}

fn events(lot: Option<&str>, discharge: &str) -> Vec<SessionEventRecord> {
    let device = |hm: &str| {
        let mut p = serde_json::json!({"dose_mg": 28});
        if let (Some(lot), Some(map)) = (lot, p.as_object_mut()) {
            map.insert("lot".to_owned(), serde_json::Value::from(lot));
        }
        ev(SessionEvent::DeviceAdministered, hm, p)
    };
    vec![
        ev(SessionEvent::CheckedIn, "08:40", serde_json::json!({})),
        ev(SessionEvent::PrechecksCompleted, "08:45", serde_json::json!({})),
        device("09:00"),
        device("09:05"),
        device("09:10"),
        ev(SessionEvent::AdministrationStopped, "09:11", serde_json::json!({})),
        ev(SessionEvent::SideEffect, "09:20", serde_json::json!({"effect": "nausea", "severity": "mild"})),
        ev(SessionEvent::Discharged, discharge, serde_json::json!({"ready_to_leave_at": "2026-11-20T10:30:00Z", "unmet": []})),
    ]
}

struct Fixture {
    classes: BTreeSet<DrugClass>,
    events: Vec<SessionEventRecord>,
    vitals: Vec<VitalReading>,
    moaas: Vec<(Timestamp, u32)>,
    cadss: Vec<(Timestamp, u32)>,
    setting: SettingFacts,
    staff: StaffAnswers,
}

fn fixture() -> Fixture {
    Fixture {
        classes: BTreeSet::from([DrugClass::Benzodiazepine, DrugClass::Ssri]),
        events: events(Some("LOT-A1"), "11:05"),
        vitals: vec![
            reading("08:50", 128, 82, 98, Some(14)),
            reading("09:38", 150, 92, 97, None),
            reading("09:42", 146, 90, 96, Some(14)),
            reading("10:55", 130, 84, 98, Some(14)),
        ],
        moaas: vec![(at("09:40"), 4), (at("10:30"), 5)],
        cadss: vec![(at("08:55"), 2), (at("09:40"), 18), (at("10:30"), 2)],
        setting: SettingFacts {
            name: "Riverside Clinic".to_owned(),
            address_1: "1 Main St".to_owned(),
            address_2: String::new(),
            city: "Springfield".to_owned(),
            state: "IL".to_owned(),
            zip: "62701".to_owned(),
        },
        staff: StaffAnswers { serious_adverse_event: Some(false), sae_description: None },
    }
}

fn run(f: &Fixture, tz: &TimeZone, thresholds: &Thresholds) -> BuiltForm {
    build(&FormInputs {
        patient: PatientFacts { given_name: "Ada".to_owned(), family_name: "Lovelace".to_owned(), birth_date: date(1980, 3, 14), sex: Sex::Female },
        prior_treatments: 0,
        rems_enrolled: true,
        medication_classes: &f.classes,
        hcp: HcpFacts { display_name: "Nora Nurse".to_owned(), telephone: "+12125550100".to_owned(), email: "nora@example.org".to_owned() },
        setting: f.setting.clone(),
        timezone: tz,
        thresholds,
        events: &f.events,
        vitals: &f.vitals,
        moaas: &f.moaas,
        cadss: &f.cadss,
        ready_to_leave_at: Some(at("10:30")),
        staff: f.staff.clone(),
    })
}

#[test]
fn the_worked_session_gives_a_complete_form() {
    let t = Thresholds::default();
    let built = run(&fixture(), &TimeZone::UTC, &t);
    assert_eq!(built.missing, vec![], "nothing missing");
    assert!(built.complete());
    let f = built.form;
    assert_eq!((f.patient.first_name.as_str(), f.patient.last_name.as_str(), f.patient.sex), ("Ada", "Lovelace", Some("female")));
    assert_eq!((f.patient.first_treatment, f.patient.rems_enrolled), (true, Some(true)));
    assert_eq!(
        f.concomitant_medications,
        Concomitant { benzodiazepines: true, non_benzodiazepine_sedative_hypnotics: false, psychostimulants: false, maois: false, opioids: false }
    );
    assert_eq!((f.hcp.first_name.as_deref(), f.hcp.last_name.as_deref()), (Some("Nora"), Some("Nurse")));
    assert_eq!(f.setting.address_2, None, "address 2 is optional");
    assert_eq!(f.treatment.date, Some(date(2026, 11, 20)));
    assert_eq!(f.treatment.dose, Some(Dose { mg: 84, devices: 3, choice: "84" }));
    assert_eq!(f.treatment.lot_numbers, vec!["LOT-A1".to_owned()], "one lot, listed once");
    assert_eq!(f.treatment.duration_minutes, Some(125), "09:00 → 11:05");
    assert_eq!(f.ready_to_leave_minutes, Some(90), "09:00 → 10:30");
    assert_eq!(f.vitals_acceptable, VitalsAcceptable { before_administration: Some(true), before_completion: Some(true) });
    let bp = |b: Option<Bp>| b.map(|b| (b.systolic, b.diastolic, b.minutes_after_administration));
    assert_eq!(bp(f.blood_pressure.before_administration), Some((128, 82, -10)));
    assert_eq!(bp(f.blood_pressure.post_administration_40_min), Some((150, 92, 38)), "38 and 42 min tie at 2 min from 40: the earlier");
    assert_eq!(bp(f.blood_pressure.before_completion), Some((130, 84, 115)));
    let yes_resolved = Finding { occurred: Some(true), resolved_before_discharge: Some(true) };
    assert_eq!(f.adverse_events.sedation, yes_resolved, "MOAA/S 4 at 09:40, 5 at 10:30");
    assert_eq!(f.adverse_events.dissociation, yes_resolved, "CADSS 2 → 18 → 2");
    assert_eq!(f.adverse_events.respiratory_depression, Finding { occurred: Some(false), resolved_before_discharge: None });
    assert_eq!(f.serious_adverse_event, SeriousAdverseEvent { occurred: Some(false), description: None, source: Some("staff") });
}

#[test]
fn the_treatment_date_is_clinic_local() {
    let tz = TimeZone::get("Pacific/Kiritimati").unwrap_or(TimeZone::UTC);
    let built = run(&fixture(), &tz, &Thresholds::default());
    assert_eq!(built.form.treatment.date, Some(date(2026, 11, 20)), "09:00 UTC is 23:00 the same day at UTC+14");
    let (treated, due) = due_on(at("11:00"), &tz);
    assert_eq!((treated, due), (date(2026, 11, 21), date(2026, 11, 28)), "7 days after the local treatment date");
}

fn fields(built: &BuiltForm) -> Vec<&'static str> {
    built.missing.iter().map(|m| m.field).collect()
}

#[test]
fn an_early_discharge_and_a_missing_lot_leave_the_form_incomplete() {
    let mut f = fixture();
    f.events = events(None, "10:50");
    f.setting.zip = " ".to_owned();
    f.staff = StaffAnswers::default();
    let built = run(&f, &TimeZone::UTC, &Thresholds::default());
    assert!(!built.complete());
    assert_eq!(built.form.treatment.duration_minutes, Some(110));
    assert_eq!(fields(&built), ["setting.zip", "treatment.lot_numbers", "treatment.duration_minutes", "serious_adverse_event"]);
    assert!(built.missing[2].message.contains("at least 120"), "{}", built.missing[2].message);
    assert_eq!(built.form.treatment.dose, Some(Dose { mg: 84, devices: 3, choice: "84" }), "what is known is still shown");
}

#[test]
fn unmeasured_findings_are_missing_not_guessed() {
    let mut f = fixture();
    f.moaas.clear();
    f.cadss.retain(|(t, _)| *t > at("09:00"));
    f.vitals = vec![reading("08:50", 128, 82, 98, Some(14)), reading("10:55", 130, 84, 91, Some(14))];
    f.events.insert(7, ev(SessionEvent::Note, "10:00", serde_json::json!({"text": "seizure; EMS called", "serious_adverse_event": true})));
    let built = run(&f, &TimeZone::UTC, &Thresholds::default());
    assert_eq!(
        fields(&built),
        [
            "blood_pressure.post_administration_40_min",
            "adverse_events.sedation",
            "adverse_events.dissociation",
            "adverse_events.respiratory_depression.resolved_before_discharge"
        ]
    );
    assert_eq!(built.form.adverse_events.respiratory_depression.occurred, Some(true), "SpO2 91 < 92");
    assert_eq!(built.form.vitals_acceptable.before_completion, Some(false), "the last reading alerts");
    let sae = &built.form.serious_adverse_event;
    assert_eq!((sae.occurred, sae.description.as_deref(), sae.source), (Some(true), Some("seizure; EMS called"), Some("session")), "the session wins");
}

#[test]
fn other_doses_and_unknown_sex() {
    let mut f = fixture();
    f.events.remove(4);
    let built = build(&FormInputs {
        patient: PatientFacts { given_name: "Kim".to_owned(), family_name: "Lee".to_owned(), birth_date: date(1990, 1, 1), sex: Sex::Unknown },
        prior_treatments: 3,
        rems_enrolled: false,
        medication_classes: &f.classes,
        hcp: HcpFacts { display_name: "Nurse".to_owned(), telephone: String::new(), email: "n@example.org".to_owned() },
        setting: f.setting.clone(),
        timezone: &TimeZone::UTC,
        thresholds: &Thresholds::default(),
        events: &f.events,
        vitals: &f.vitals,
        moaas: &f.moaas,
        cadss: &f.cadss,
        ready_to_leave_at: None,
        staff: f.staff.clone(),
    });
    assert_eq!(built.form.treatment.dose, Some(Dose { mg: 56, devices: 2, choice: "56" }));
    assert_eq!((built.form.patient.first_treatment, built.form.patient.rems_enrolled), (false, None), "enrolment asked on the first treatment only");
    assert_eq!(fields(&built), ["patient.sex", "hcp.first_name", "hcp.telephone", "ready_to_leave_minutes"]);
}

#[test]
fn status_changes() {
    use RemsFormStatus::{Draft, Ready, Submitted};
    assert_eq!(check_transition(Draft, Ready, true), Ok(()));
    assert_eq!(check_transition(Draft, Ready, false), Err(StatusError::Incomplete));
    assert_eq!(check_transition(Ready, Draft, false), Ok(()), "back to draft to correct something");
    assert_eq!(check_transition(Ready, Submitted, true), Ok(()));
    assert_eq!(check_transition(Draft, Submitted, false), Err(StatusError::Incomplete));
    assert_eq!(check_transition(Draft, Draft, true), Err(StatusError::Unchanged("draft")));
    for to in RemsFormStatus::ALL {
        assert_eq!(check_transition(Submitted, to, true), Err(StatusError::Submitted), "a submitted form is final");
    }
    assert_eq!(RemsFormStatus::parse("ready"), Some(Ready));
    assert_eq!(RemsFormStatus::parse("sent"), None);
}
