//! Vital signs as Observations per the FHIR R4 vital-signs profile: category `vital-signs`,
//! LOINC codes from REFERENCE §9.1, UCUM units. Blood pressure is one panel (85354-9) with the
//! systolic (8480-6) and diastolic (8462-4) as components; SpO2 carries both 59408-5 and the
//! 2708-6 the oxygen-saturation profile requires.

use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::session::VitalReading;

use crate::codes::{LOINC, OBSERVATION_CATEGORY, UCUM, VITAL_SIGNS_PROFILE, vitals};
use crate::resources::{Observation, ObservationComponent};
use crate::types::{CodeableConcept, Coding, Meta, Quantity, Reference};

/// Which vital sign an Observation holds (part of its id, so each reading's Observations have
/// stable, distinct ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VitalKind {
    BloodPressure,
    HeartRate,
    Spo2,
    RespiratoryRate,
}

impl VitalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BloodPressure => "bp",
            Self::HeartRate => "hr",
            Self::Spo2 => "spo2",
            Self::RespiratoryRate => "rr",
        }
    }

    /// The LOINC code searches match on (`Observation?code=…`): every code the Observation
    /// carries, components included.
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            Self::BloodPressure => &[vitals::BP_PANEL.0, vitals::SYSTOLIC.0, vitals::DIASTOLIC.0],
            Self::HeartRate => &[vitals::HEART_RATE.0],
            Self::Spo2 => &[vitals::SPO2_PULSE_OX.0, vitals::SPO2_ARTERIAL.0],
            Self::RespiratoryRate => &[vitals::RESP_RATE.0],
        }
    }
}

fn loinc(code: (&str, &str)) -> CodeableConcept {
    CodeableConcept::of(vec![Coding::new(LOINC, code.0, "")], code.1)
}

fn quantity(value: u32, unit: &str) -> Quantity {
    Quantity { value: Some(value.into()), unit: Some(unit.to_owned()), system: Some(UCUM.to_owned()), code: Some(unit.to_owned()) }
}

/// The kinds of vital sign a reading holds (each becomes one Observation), in a fixed order.
pub fn kinds(reading: &VitalReading) -> impl Iterator<Item = VitalKind> + use<> {
    let v = reading.vitals;
    [
        (VitalKind::BloodPressure, v.systolic.is_some() || v.diastolic.is_some()),
        (VitalKind::HeartRate, v.heart_rate.is_some()),
        (VitalKind::Spo2, v.spo2.is_some()),
        (VitalKind::RespiratoryRate, v.resp_rate.is_some()),
    ]
    .into_iter()
    .filter_map(|(kind, present)| present.then_some(kind))
}

/// The Observation of one kind of a reading (`None` when the reading does not hold it). A
/// search builds only the Observations on its page, so this maps one at a time.
pub fn vital_sign(reading: &VitalReading, kind: VitalKind, patient: PatientId, session: TreatmentSessionId) -> Option<Observation> {
    let base = Observation {
        meta: Some(Meta { profile: vec![VITAL_SIGNS_PROFILE.to_owned()], ..Meta::default() }),
        status: "final".to_owned(),
        category: vec![CodeableConcept::of(vec![Coding::new(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")], "Vital Signs")],
        subject: Some(Reference::to("Patient", patient)),
        encounter: Some(Reference::to("Encounter", session)),
        effective_date_time: Some(super::instant(reading.at)),
        device: (!reading.device_id.is_empty()).then(|| Reference { reference: None, display: Some(reading.device_id.clone()) }),
        ..Observation::default()
    };
    let v = &reading.vitals;
    match kind {
        VitalKind::BloodPressure => {
            let mut bp = Vec::new();
            if let Some(s) = v.systolic {
                bp.push(ObservationComponent { code: loinc(vitals::SYSTOLIC), value_quantity: Some(quantity(s, "mm[Hg]")) });
            }
            if let Some(d) = v.diastolic {
                bp.push(ObservationComponent { code: loinc(vitals::DIASTOLIC), value_quantity: Some(quantity(d, "mm[Hg]")) });
            }
            (!bp.is_empty()).then(|| Observation { code: loinc(vitals::BP_PANEL), component: bp, ..base })
        }
        VitalKind::HeartRate => v.heart_rate.map(|hr| Observation { code: loinc(vitals::HEART_RATE), value_quantity: Some(quantity(hr, "/min")), ..base }),
        VitalKind::Spo2 => v.spo2.map(|o2| {
            let code = CodeableConcept::of(
                vec![Coding::new(LOINC, vitals::SPO2_PULSE_OX.0, ""), Coding::new(LOINC, vitals::SPO2_ARTERIAL.0, "")],
                vitals::SPO2_PULSE_OX.1,
            );
            Observation { code, value_quantity: Some(quantity(o2, "%")), ..base }
        }),
        VitalKind::RespiratoryRate => v.resp_rate.map(|rr| Observation { code: loinc(vitals::RESP_RATE), value_quantity: Some(quantity(rr, "/min")), ..base }),
    }
}

/// The Observations of one reading, each with its kind (no ids: the caller gives them).
pub fn vital_signs(reading: &VitalReading, patient: PatientId, session: TreatmentSessionId) -> Vec<(VitalKind, Observation)> {
    kinds(reading).filter_map(|kind| Some((kind, vital_sign(reading, kind, patient, session)?))).collect()
}
