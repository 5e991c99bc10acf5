//! Reading a vital-sign Observation a client posts (`POST /fhir/Observation`) into the
//! domain's [`Vitals`]: the codes we emit (REFERENCE §9.1) in, their UCUM units checked, a
//! whole-number value, an instant with a time zone, and the patient. Thresholds, physiologic
//! ranges and alerts are the caller's, through the same use case as typed vitals.

use jiff::Timestamp;
use ketaclinic_domain::session::Vitals;

use crate::codes::{LOINC, UCUM, vitals};
use crate::map::reference_id;
use crate::map::vitals::VitalKind;
use crate::questionnaire_response::InputError;
use crate::resources::Observation;
use crate::types::{CodeableConcept, Quantity};

/// Longest device name kept (the reading's device id).
const DEVICE_MAX: usize = 64;

/// A vital sign read from an incoming Observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingVitals {
    /// The patient's id (from `subject`).
    pub patient: String,
    pub at: Timestamp,
    /// `device.display` (or its reference), else `fhir`: with the time, what makes a resent
    /// Observation a duplicate rather than a second reading.
    pub device: String,
    pub kind: VitalKind,
    pub vitals: Vitals,
}

fn has_loinc(code: &CodeableConcept, wanted: &str) -> bool {
    code.coding.iter().any(|c| c.system.as_deref() == Some(LOINC) && c.code.as_deref() == Some(wanted))
}

/// The kind of vital sign an Observation's code names.
fn kind_of(code: &CodeableConcept) -> Option<VitalKind> {
    [
        (vitals::BP_PANEL.0, VitalKind::BloodPressure),
        (vitals::HEART_RATE.0, VitalKind::HeartRate),
        (vitals::SPO2_PULSE_OX.0, VitalKind::Spo2),
        (vitals::SPO2_ARTERIAL.0, VitalKind::Spo2),
        (vitals::RESP_RATE.0, VitalKind::RespiratoryRate),
    ]
    .into_iter()
    .find(|(loinc, _)| has_loinc(code, loinc))
    .map(|(_, kind)| kind)
}

/// A quantity's whole-number value in `unit` (UCUM).
fn whole(q: Option<&Quantity>, unit: &str, at: &str, errors: &mut Vec<InputError>) -> Option<u32> {
    let Some(q) = q else {
        errors.push(InputError::new(at, "is required (a valueQuantity)"));
        return None;
    };
    if q.system.as_deref().is_some_and(|s| s != UCUM) {
        errors.push(InputError::new(&format!("{at}.system"), "must be UCUM (http://unitsofmeasure.org)"));
    }
    let given = q.code.as_deref().or(q.unit.as_deref());
    if given.is_some_and(|u| u != unit) {
        errors.push(InputError::new(&format!("{at}.code"), &format!("must be the UCUM unit {unit}")));
        return None;
    }
    // `70` and `70.0` are the same reading; `70.5` is not a whole number. (An f64 prints
    // without a fraction exactly when it has none.)
    let value = q.value.as_ref().and_then(|n| n.as_u64().and_then(|v| u32::try_from(v).ok()).or_else(|| n.as_f64()?.to_string().parse().ok()));
    match value {
        Some(v) => Some(v),
        None => {
            errors.push(InputError::new(&format!("{at}.value"), "must be a non-negative whole number"));
            None
        }
    }
}

/// Reads a posted vital-sign Observation; every problem is reported at once.
pub fn incoming_vitals(o: &Observation) -> Result<IncomingVitals, Vec<InputError>> {
    let mut errors = Vec::new();
    if !matches!(o.status.as_str(), "final" | "amended" | "corrected" | "preliminary") {
        errors.push(InputError::new("Observation.status", "must be final, amended, corrected or preliminary"));
    }
    let patient = o.subject.as_ref().and_then(|s| s.reference.as_deref()).filter(|r| r.contains("Patient/")).map(|r| reference_id(r, "Patient").to_owned());
    if patient.is_none() {
        errors.push(InputError::new("Observation.subject", "is required: a reference to the Patient (Patient/{id})"));
    }
    let at = match o.effective_date_time.as_deref().map(str::parse::<Timestamp>) {
        Some(Ok(at)) => Some(at),
        Some(Err(_)) => {
            errors.push(InputError::new("Observation.effectiveDateTime", "must be a date-time with seconds and a time zone (e.g. 2026-11-22T10:15:00Z)"));
            None
        }
        None => {
            errors.push(InputError::new("Observation.effectiveDateTime", "is required: when the reading was taken"));
            None
        }
    };
    let device = o.device.as_ref().and_then(|d| d.display.as_deref().or(d.reference.as_deref())).map(str::trim).filter(|d| !d.is_empty()).unwrap_or("fhir");
    if device.chars().count() > DEVICE_MAX {
        errors.push(InputError::new("Observation.device", &format!("must be at most {DEVICE_MAX} characters")));
    }
    let mut v = Vitals::default();
    let kind = kind_of(&o.code);
    match kind {
        Some(VitalKind::BloodPressure) => {
            let part = |loinc: &str| o.component.iter().position(|c| has_loinc(&c.code, loinc));
            for (loinc, slot, name) in [(vitals::SYSTOLIC.0, &mut v.systolic, "systolic"), (vitals::DIASTOLIC.0, &mut v.diastolic, "diastolic")] {
                match part(loinc) {
                    Some(i) => {
                        *slot = whole(o.component[i].value_quantity.as_ref(), "mm[Hg]", &format!("Observation.component[{i}].valueQuantity"), &mut errors)
                    }
                    None => errors.push(InputError::new("Observation.component", &format!("needs the {name} component (LOINC {loinc})"))),
                }
            }
        }
        Some(VitalKind::HeartRate) => v.heart_rate = whole(o.value_quantity.as_ref(), "/min", "Observation.valueQuantity", &mut errors),
        Some(VitalKind::Spo2) => v.spo2 = whole(o.value_quantity.as_ref(), "%", "Observation.valueQuantity", &mut errors),
        Some(VitalKind::RespiratoryRate) => v.resp_rate = whole(o.value_quantity.as_ref(), "/min", "Observation.valueQuantity", &mut errors),
        None => errors.push(InputError::new(
            "Observation.code",
            "must be a LOINC vital sign this server records in a session: 85354-9 (blood pressure panel), 8867-4, 59408-5 or 2708-6, 9279-1",
        )),
    }
    match (patient, at, kind, errors.is_empty()) {
        (Some(patient), Some(at), Some(kind), true) => Ok(IncomingVitals { patient, at, device: device.to_owned(), kind, vitals: v }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::vitals::vital_signs;
    use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
    use ketaclinic_domain::session::VitalReading;

    fn emitted(vitals: Vitals) -> Vec<Observation> {
        let reading = VitalReading { at: "2026-11-22T10:15:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH), device_id: "mon-7".to_owned(), vitals };
        vital_signs(&reading, PatientId(uuid::Uuid::nil()), TreatmentSessionId(uuid::Uuid::nil())).into_iter().map(|(_, o)| o).collect()
    }

    #[test]
    fn what_we_emit_reads_back_as_the_same_vitals() {
        let all = Vitals { systolic: Some(190), diastolic: Some(95), heart_rate: Some(88), spo2: Some(97), resp_rate: Some(14) };
        let mut back = Vitals::default();
        for o in emitted(all) {
            let read = incoming_vitals(&o).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!((read.device.as_str(), read.at.to_string().as_str()), ("mon-7", "2026-11-22T10:15:00Z"));
            assert_eq!(read.patient, uuid::Uuid::nil().to_string());
            let v = read.vitals;
            back = Vitals {
                systolic: v.systolic.or(back.systolic),
                diastolic: v.diastolic.or(back.diastolic),
                heart_rate: v.heart_rate.or(back.heart_rate),
                spo2: v.spo2.or(back.spo2),
                resp_rate: v.resp_rate.or(back.resp_rate),
            };
        }
        assert_eq!(back, all);
    }

    #[test]
    fn bad_observations_are_refused_with_every_reason() {
        let mut hr = emitted(Vitals { heart_rate: Some(70), ..Vitals::default() }).remove(0);
        hr.value_quantity =
            Some(Quantity { value: Some(serde_json::Number::from_f64(70.5).unwrap_or(0.into())), unit: Some("beats/min".to_owned()), ..Quantity::default() });
        hr.effective_date_time = Some("2026-11-22".to_owned());
        hr.subject = None;
        let errors = incoming_vitals(&hr).err().unwrap_or_default();
        let at: Vec<&str> = errors.iter().map(|e| e.expression.as_str()).collect();
        assert_eq!(at, ["Observation.subject", "Observation.effectiveDateTime", "Observation.valueQuantity.code"]);

        let mut weight = emitted(Vitals { heart_rate: Some(70), ..Vitals::default() }).remove(0);
        weight.code = CodeableConcept::of(vec![crate::types::Coding::new(LOINC, vitals::BODY_WEIGHT.0, "")], "Body weight");
        assert_eq!(incoming_vitals(&weight).err().unwrap_or_default()[0].expression, "Observation.code");

        let mut bp = emitted(Vitals { systolic: Some(120), diastolic: Some(80), ..Vitals::default() }).remove(0);
        bp.component.truncate(1);
        let errors = incoming_vitals(&bp).err().unwrap_or_default();
        assert!(errors[0].message.contains("diastolic"), "{errors:?}");
    }
}
