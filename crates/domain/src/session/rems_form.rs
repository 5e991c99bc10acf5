//! The SPRAVATO REMS Patient Monitoring Form (issue 5, item 7; REFERENCE §2.6) built from an
//! esketamine session, and the status of its submission (REFERENCE §2.5: every session's form
//! is submitted to the REMS within 7 days).
//!
//! [`build`] turns plain facts (the patient, the chart's medication classes and REMS enrolment,
//! the monitoring HCP, the clinic setting, the session's events, readings and MOAA/S / CADSS
//! scores) into a [`RemsForm`] holding every item 1–10 of the form, plus the list of required
//! items it could not fill ([`Missing`]). The form is **complete** when nothing is missing.
//! Nothing is guessed: an item the record does not establish is listed as missing for staff to
//! complete, never filled with a default.
//!
//! Derivation rules (each names its source):
//! - Dose: 28 mg per `device_administered` event (REFERENCE §2.2); with no device events, the
//!   `dose_mg` of `administration_started`. 56 and 84 mg are the form's boxes, anything else
//!   is "other".
//! - Treatment duration: minutes from the first administration to the end of monitoring (the
//!   discharge, or the early stop); below 120 the form is not complete (label, REFERENCE §2.4).
//! - Ready to leave: minutes from the first administration to the discharge check's
//!   ready-to-leave time (REFERENCE §2.6 item 6).
//! - Vitals acceptable: the last reading before dosing, and the last reading after dosing up
//!   to the end of monitoring, are not above the session's hold thresholds and raise no alert —
//!   the same test the discharge check applies.
//! - Blood pressure ~40 min after administration (REFERENCE §2.4, BP peaks ≈40 min): the reading
//!   with a BP nearest to 40 min after the first administration within
//!   [`BP_40_WINDOW_FROM`]–[`BP_40_WINDOW_TO`] minutes (earlier on a tie).
//! - Sedation: any MOAA/S below 5 after dosing, or a `sedation` side effect (REFERENCE §2.4,
//!   §6.8). Dissociation: a CADSS total above the pre-dose value, or a `dissociation` /
//!   `perceptual_changes` side effect (REFERENCE §4.4, §6.7). Respiratory depression: SpO2 or
//!   respiratory rate below the session's alert thresholds after dosing, or a
//!   `respiratory_depression` side effect (REFERENCE §2.4 pulse oximetry). Each is resolved when
//!   the last measurement after the last sign of it is back to normal (MOAA/S 5; CADSS at or
//!   below the pre-dose value or a nurse's `dissociation_resolved` attestation; SpO2 and RR not
//!   below the thresholds).
//! - Serious adverse event: an event of the session whose payload has
//!   `"serious_adverse_event": true` (its `text`, `note` or `description` describes it);
//!   otherwise the answer staff record on the form.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::record::{SessionEventRecord, VitalReading};
use super::state::SessionEvent;
use super::thresholds::{PreDoseCheck, Thresholds, Vitals};
use crate::eligibility::DrugClass;
use crate::person::Sex;

/// mg per esketamine device (REFERENCE §2.2).
pub const DEVICE_MG: u32 = 28;
/// The label's minimum monitoring, in minutes (REFERENCE §2.4).
pub const MIN_DURATION_MINUTES: i64 = 120;
/// The form is due this many days after the treatment date (REFERENCE §2.5).
pub const DUE_DAYS: i8 = 7;
/// Earliest reading (minutes after the first administration) taken as the "40 min" BP.
pub const BP_40_WINDOW_FROM: i64 = 30;
/// Latest reading (minutes after the first administration) taken as the "40 min" BP.
pub const BP_40_WINDOW_TO: i64 = 50;

/// The patient as the chart has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientFacts {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Date,
    pub sex: Sex,
}

/// The HCP who conducted the monitoring: the staff account that discharged (or stopped) the
/// session. Staff accounts hold one display name; the form's first name is everything before
/// the last word and the last name is the last word (a one-word name leaves the first name
/// missing). Staff accounts carry no telephone, so the telephone is the clinic's (`[clinic]
/// phone`), where the HCP is reached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HcpFacts {
    pub display_name: String,
    pub telephone: String,
    pub email: String,
}

/// The certified healthcare setting (`[clinic]` name and address).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SettingFacts {
    pub name: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

/// What staff answered on the form itself (only what the record cannot establish).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffAnswers {
    pub serious_adverse_event: Option<bool>,
    pub sae_description: Option<String>,
}

/// Everything the form is built from.
#[derive(Debug, Clone)]
pub struct FormInputs<'a> {
    pub patient: PatientFacts,
    /// Esketamine treatments of this patient dosed before this session.
    pub prior_treatments: u64,
    /// A REMS patient enrolment is in the chart, dated on or before the treatment date.
    pub rems_enrolled: bool,
    /// Classes of the patient's active medications (chart medication list).
    pub medication_classes: &'a BTreeSet<DrugClass>,
    pub hcp: HcpFacts,
    pub setting: SettingFacts,
    /// The clinic's time zone (the treatment date is clinic-local).
    pub timezone: &'a TimeZone,
    pub thresholds: &'a Thresholds,
    /// The session's events in time order.
    pub events: &'a [SessionEventRecord],
    /// The session's readings in time order.
    pub vitals: &'a [VitalReading],
    /// MOAA/S levels recorded on the session, in time order.
    pub moaas: &'a [(Timestamp, u32)],
    /// CADSS totals recorded on the session, in time order.
    pub cadss: &'a [(Timestamp, u32)],
    /// The discharge check's ready-to-leave time, stored on the discharge event.
    pub ready_to_leave_at: Option<Timestamp>,
    pub staff: StaffAnswers,
}

/// A required item the record does not establish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// Dotted path of the item, e.g. `treatment.lot_numbers`.
    pub field: &'static str,
    pub message: String,
}

/// The form and what is missing from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuiltForm {
    pub form: RemsForm,
    pub missing: Vec<Missing>,
}

impl BuiltForm {
    /// Complete: every required item is filled and the duration meets the label minimum.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

fn miss(missing: &mut Vec<Missing>, field: &'static str, message: impl Into<String>) {
    missing.push(Missing { field, message: message.into() });
}

/// Blank text is absent.
fn present(raw: &str) -> Option<String> {
    Some(raw.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn minutes(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs().div_euclid(60)
}

/// Whether a set of readings is acceptable (discharge check's test, `discharge.rs`).
fn acceptable(t: &Thresholds, v: &Vitals) -> Option<bool> {
    match t.pre_dose(v) {
        PreDoseCheck::Missing => None,
        check => Some(check != PreDoseCheck::Hold && t.alerts(v).is_empty()),
    }
}

fn text_of(payload: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| payload.get(*k).and_then(serde_json::Value::as_str).and_then(present))
}

fn side_effects<'a>(events: &'a [SessionEventRecord], effects: &'a [&str]) -> impl Iterator<Item = Timestamp> + 'a {
    events
        .iter()
        .filter(|e| e.event == SessionEvent::SideEffect)
        .filter(move |e| e.payload.get("effect").and_then(serde_json::Value::as_str).is_some_and(|x| effects.contains(&x)))
        .map(|e| e.at)
}

/// Builds the form.
pub fn build(input: &FormInputs<'_>) -> BuiltForm {
    let mut missing = Vec::new();

    // 1. Patient.
    let sex = match input.patient.sex {
        Sex::Male => Some("male"),
        Sex::Female => Some("female"),
        Sex::Other => Some("other"),
        Sex::Unknown => None,
    };
    if sex.is_none() {
        miss(&mut missing, "patient.sex", "the chart records the sex as unknown; the form needs male, female or other");
    }
    let first_treatment = input.prior_treatments == 0;
    let patient = PatientSection {
        first_name: input.patient.given_name.clone(),
        middle_initial: None,
        last_name: input.patient.family_name.clone(),
        birth_date: input.patient.birth_date,
        sex,
        first_treatment,
        rems_enrolled: first_treatment.then_some(input.rems_enrolled),
    };
    if first_treatment && !input.rems_enrolled {
        miss(
            &mut missing,
            "patient.rems_enrolled",
            "first treatment without a REMS patient enrolment in the chart (REFERENCE §2.5: enrol before the first treatment)",
        );
    }

    // 2. Concomitant medication classes.
    let has = |c: DrugClass| input.medication_classes.contains(&c);
    let concomitant_medications = Concomitant {
        benzodiazepines: has(DrugClass::Benzodiazepine),
        non_benzodiazepine_sedative_hypnotics: has(DrugClass::SedativeHypnotic),
        psychostimulants: has(DrugClass::Psychostimulant),
        maois: has(DrugClass::Maoi),
        opioids: has(DrugClass::Opioid),
    };

    // 3. HCP.
    let name = input.hcp.display_name.trim();
    let (first, last) = match name.rsplit_once(char::is_whitespace) {
        Some((f, l)) => (present(f), present(l)),
        None => (None, present(name)),
    };
    let hcp = HcpSection { first_name: first, last_name: last, telephone: present(&input.hcp.telephone), email: present(&input.hcp.email) };
    for (field, value, message) in [
        ("hcp.first_name", &hcp.first_name, "the monitoring HCP's account name has no first name"),
        ("hcp.last_name", &hcp.last_name, "the monitoring HCP's account has no name"),
        ("hcp.telephone", &hcp.telephone, "set the clinic telephone ([clinic] phone)"),
        ("hcp.email", &hcp.email, "the monitoring HCP's account has no e-mail"),
    ] {
        if value.is_none() {
            miss(&mut missing, field, message);
        }
    }

    // 4. Setting.
    let s = &input.setting;
    let setting = SettingSection {
        name: present(&s.name),
        address_1: present(&s.address_1),
        address_2: present(&s.address_2),
        city: present(&s.city),
        state: present(&s.state),
        zip: present(&s.zip),
    };
    for (field, value, key) in [
        ("setting.name", &setting.name, "name"),
        ("setting.address_1", &setting.address_1, "address_1"),
        ("setting.city", &setting.city, "city"),
        ("setting.state", &setting.state, "state"),
        ("setting.zip", &setting.zip, "zip"),
    ] {
        if value.is_none() {
            miss(&mut missing, field, format!("set the clinic's {key} ([clinic] {key})"));
        }
    }

    // 5. Treatment.
    let events = input.events;
    let devices: Vec<&SessionEventRecord> = events.iter().filter(|e| e.event == SessionEvent::DeviceAdministered).collect();
    let started = events.iter().find(|e| e.event == SessionEvent::AdministrationStarted);
    let first_at = [devices.first().map(|e| e.at), started.map(|e| e.at)].into_iter().flatten().min();
    let end_at = events.iter().find(|e| matches!(e.event, SessionEvent::Discharged | SessionEvent::StoppedEarly)).map(|e| e.at);
    let dose = if devices.is_empty() {
        started.and_then(|e| e.payload.get("dose_mg").and_then(serde_json::Value::as_u64)).and_then(|mg| u32::try_from(mg).ok()).map(|mg| Dose {
            mg,
            devices: 0,
            choice: "other",
        })
    } else {
        let n = u32::try_from(devices.len()).unwrap_or(u32::MAX);
        let mg = n.saturating_mul(DEVICE_MG);
        Some(Dose {
            mg,
            devices: n,
            choice: if mg == 56 {
                "56"
            } else if mg == 84 {
                "84"
            } else {
                "other"
            },
        })
    };
    let mut lots = Vec::new();
    for e in devices.iter().copied().chain(started) {
        if let Some(lot) = text_of(&e.payload, &["lot"])
            && !lots.contains(&lot)
        {
            lots.push(lot);
        }
    }
    let duration = first_at.zip(end_at).map(|(a, b)| minutes(a, b));
    let treatment = TreatmentSection {
        date: first_at.map(|t| t.to_zoned(input.timezone.clone()).date()),
        dose,
        lot_numbers: lots,
        first_administration_at: first_at,
        monitoring_ended_at: end_at,
        duration_minutes: duration,
    };
    if first_at.is_none() {
        miss(&mut missing, "treatment.date", "no administration recorded");
    }
    if dose.is_none() {
        miss(&mut missing, "treatment.dose", "no device (or administration dose) recorded");
    }
    if treatment.lot_numbers.is_empty() {
        miss(&mut missing, "treatment.lot_numbers", "no lot number on the administration events");
    }
    match duration {
        None => miss(&mut missing, "treatment.duration_minutes", "monitoring has not ended (no discharge)"),
        Some(d) if d < MIN_DURATION_MINUTES => {
            miss(&mut missing, "treatment.duration_minutes", format!("{d} minutes; the label requires at least {MIN_DURATION_MINUTES} (REFERENCE §2.4)"));
        }
        Some(_) => {}
    }

    // 6. Ready to leave.
    let ready_to_leave_minutes = first_at.zip(input.ready_to_leave_at).map(|(a, r)| minutes(a, r).max(0));
    if ready_to_leave_minutes.is_none() {
        miss(&mut missing, "ready_to_leave_minutes", "the discharge recorded no ready-to-leave time");
    }

    // 7, 8. Vital signs and blood pressure.
    let t = input.thresholds;
    let before: Vec<&VitalReading> = input.vitals.iter().filter(|r| first_at.is_some_and(|f| r.at < f)).collect();
    let after: Vec<&VitalReading> = input.vitals.iter().filter(|r| first_at.is_some_and(|f| r.at >= f) && end_at.is_none_or(|e| r.at <= e)).collect();
    let bp = |r: &VitalReading| -> Option<Bp> {
        let f = first_at?;
        Some(Bp { systolic: r.vitals.systolic?, diastolic: r.vitals.diastolic?, at: r.at, minutes_after_administration: minutes(f, r.at) })
    };
    let vitals_acceptable = VitalsAcceptable {
        before_administration: before.iter().rev().find_map(|r| acceptable(t, &r.vitals)),
        before_completion: after.iter().rev().find_map(|r| acceptable(t, &r.vitals)),
    };
    if vitals_acceptable.before_administration.is_none() {
        miss(&mut missing, "vitals_acceptable.before_administration", "no blood pressure before the first administration");
    }
    if vitals_acceptable.before_completion.is_none() {
        miss(&mut missing, "vitals_acceptable.before_completion", "no blood pressure after dosing");
    }
    let at_40 = after
        .iter()
        .filter_map(|r| bp(r))
        .filter(|b| (BP_40_WINDOW_FROM..=BP_40_WINDOW_TO).contains(&b.minutes_after_administration))
        .min_by_key(|b| ((b.at.duration_since(first_at.unwrap_or(b.at)) - SignedDuration::from_mins(40)).abs(), b.at));
    let blood_pressure = BloodPressure {
        before_administration: before.iter().rev().find_map(|r| bp(r)),
        post_administration_40_min: at_40,
        before_completion: after.iter().rev().find_map(|r| bp(r)),
    };
    if blood_pressure.before_administration.is_none() {
        miss(&mut missing, "blood_pressure.before_administration", "no blood pressure before the first administration");
    }
    if blood_pressure.post_administration_40_min.is_none() {
        miss(&mut missing, "blood_pressure.post_administration_40_min", "no blood pressure 30–50 minutes after the first administration");
    }
    if blood_pressure.before_completion.is_none() {
        miss(&mut missing, "blood_pressure.before_completion", "no blood pressure after dosing");
    }

    // 9. Adverse events.
    let in_window = |at: Timestamp| first_at.is_some_and(|f| at >= f) && end_at.is_none_or(|e| at <= e);
    let moaas: Vec<(Timestamp, u32)> = input.moaas.iter().copied().filter(|(at, _)| in_window(*at)).collect();
    let sedation_signs: Vec<Timestamp> =
        moaas.iter().filter(|(_, l)| *l < 5).map(|(at, _)| *at).chain(side_effects(events, &["sedation"]).filter(|at| in_window(*at))).collect();
    let sedation = finding(&sedation_signs, !moaas.is_empty(), moaas.iter().map(|(at, l)| (*at, *l == 5)));
    report(&mut missing, "adverse_events.sedation", sedation, "no MOAA/S recorded on the session after dosing");

    let baseline = input.cadss.iter().rev().find(|(at, _)| first_at.is_some_and(|f| *at < f)).map(|(_, v)| *v);
    let cadss: Vec<(Timestamp, u32)> = input.cadss.iter().copied().filter(|(at, _)| in_window(*at)).collect();
    let dissociation_signs: Vec<Timestamp> = cadss
        .iter()
        .filter(|(_, v)| baseline.is_some_and(|b| *v > b))
        .map(|(at, _)| *at)
        .chain(side_effects(events, &["dissociation", "perceptual_changes"]).filter(|at| in_window(*at)))
        .collect();
    let attested = events.iter().filter(|e| e.event == SessionEvent::DissociationResolved).map(|e| (e.at, true));
    let mut dissociation_checks: Vec<(Timestamp, bool)> =
        cadss.iter().filter_map(|(at, v)| baseline.map(|b| (*at, *v <= b))).chain(attested.filter(|(at, _)| in_window(*at))).collect();
    dissociation_checks.sort_by_key(|(at, _)| *at);
    let dissociation = finding(&dissociation_signs, baseline.is_some() && !cadss.is_empty(), dissociation_checks.into_iter());
    report(&mut missing, "adverse_events.dissociation", dissociation, "no CADSS before and after dosing on the session");

    let low = |v: &Vitals| v.spo2.is_some_and(|s| s < t.alert_spo2_low) || v.resp_rate.is_some_and(|r| r < t.alert_rr_low);
    let oximetry: Vec<&&VitalReading> = after.iter().filter(|r| r.vitals.spo2.is_some() || r.vitals.resp_rate.is_some()).collect();
    let respiratory_signs: Vec<Timestamp> =
        oximetry.iter().filter(|r| low(&r.vitals)).map(|r| r.at).chain(side_effects(events, &["respiratory_depression"]).filter(|at| in_window(*at))).collect();
    let respiratory = finding(&respiratory_signs, oximetry.iter().any(|r| r.vitals.spo2.is_some()), oximetry.iter().map(|r| (r.at, !low(&r.vitals))));
    report(&mut missing, "adverse_events.respiratory_depression", respiratory, "no pulse oximetry after dosing");
    let adverse_events = AdverseEvents { sedation, dissociation, respiratory_depression: respiratory };

    // 10. Serious adverse event.
    let from_session = events.iter().find(|e| e.payload.get("serious_adverse_event").and_then(serde_json::Value::as_bool) == Some(true));
    let serious_adverse_event = match (from_session, input.staff.serious_adverse_event) {
        (Some(e), _) => {
            SeriousAdverseEvent { occurred: Some(true), description: text_of(&e.payload, &["description", "text", "note"]), source: Some("session") }
        }
        (None, Some(answer)) => {
            SeriousAdverseEvent { occurred: Some(answer), description: input.staff.sae_description.as_deref().and_then(present), source: Some("staff") }
        }
        (None, None) => SeriousAdverseEvent { occurred: None, description: None, source: None },
    };
    match serious_adverse_event.occurred {
        None => {
            missing.push(Missing { field: "serious_adverse_event", message: "staff have not answered whether a serious adverse event occurred".to_owned() })
        }
        Some(true) if serious_adverse_event.description.is_none() => {
            missing.push(Missing { field: "serious_adverse_event.description", message: "describe the serious adverse event".to_owned() });
        }
        _ => {}
    }

    BuiltForm {
        form: RemsForm {
            patient,
            concomitant_medications,
            hcp,
            setting,
            treatment,
            ready_to_leave_minutes,
            vitals_acceptable,
            blood_pressure,
            adverse_events,
            serious_adverse_event,
        },
        missing,
    }
}

/// A finding from its signs (times), whether it was measured at all, and the measurements
/// (time, normal?) in time order: it occurred when there is a sign, did not when it was
/// measured without a sign, and is unknown otherwise; it resolved when the last measurement
/// after the last sign is normal (unknown with no measurement after it).
fn finding(signs: &[Timestamp], measured: bool, checks: impl Iterator<Item = (Timestamp, bool)>) -> Finding {
    let Some(last_sign) = signs.iter().max().copied() else {
        return Finding { occurred: measured.then_some(false), resolved_before_discharge: None };
    };
    let resolved = checks.filter(|(at, _)| *at > last_sign).last().map(|(_, normal)| normal);
    Finding { occurred: Some(true), resolved_before_discharge: resolved }
}

fn report(missing: &mut Vec<Missing>, field: &'static str, f: Finding, unmeasured: &str) {
    match f {
        Finding { occurred: None, .. } => missing.push(Missing { field, message: unmeasured.to_owned() }),
        Finding { occurred: Some(true), resolved_before_discharge: None } => missing.push(Missing {
            field: match field {
                "adverse_events.sedation" => "adverse_events.sedation.resolved_before_discharge",
                "adverse_events.dissociation" => "adverse_events.dissociation.resolved_before_discharge",
                _ => "adverse_events.respiratory_depression.resolved_before_discharge",
            },
            message: "no measurement after the last sign of it shows whether it resolved".to_owned(),
        }),
        _ => {}
    }
}

mod sections;
mod submission;

pub use sections::*;
pub use submission::*;

#[cfg(test)]
mod tests;
