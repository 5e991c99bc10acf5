//! From OBX observations to vital-sign readings: code and unit mapping, grouping by time and
//! device.
//!
//! Codes (OBX-3, or its alternate coding OBX-3.4–3.6):
//!
//! - LOINC, only the codes verified in `../shared/clinical/REFERENCE.md` §9.1 (the FHIR R4
//!   vital-signs codes): systolic 8480-6, diastolic 8462-4, heart rate 8867-4, SpO2 59408-5
//!   (pulse oximetry) and 2708-6 (arterial O2 saturation), respiratory rate 9279-1. The BP
//!   panel 85354-9 carries no value of its own (it is the OBR-4 or a grouping OBX).
//! - IEEE 11073-10101 (MDC) codes, each checked against public sources before mapping (the
//!   sources are named at [`CODES`]).
//!
//! Units (OBX-6.1 or OBX-6.2) must match the kind: `mm[Hg]`/`mmHg` for pressures, `/min` or
//! `{beats}/min` for heart rate, `/min` or `{breaths}/min` for respiratory rate, `%` for
//! SpO2 — or the MDC unit codes the same sources use. A mapped observation with other units,
//! or with a value that is not a plain decimal number, makes the whole message unusable
//! (nothing is recorded: no partial writes). Observations with other codes (temperature,
//! mean pressure, device descriptions …) are ignored, as are those with status X, D or W.
//!
//! Values are rounded to whole units (half up), as typed vitals are.

use std::collections::BTreeMap;

use crate::error::MapError;
use crate::oru::{Observation, OruR01};
use crate::time::Hl7Time;

/// A vital sign we record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VitalKind {
    Systolic,
    Diastolic,
    HeartRate,
    Spo2,
    RespRate,
}

impl VitalKind {
    /// Accepted units (UCUM as written in OBX-6, and the MDC unit codes and names).
    fn units(self) -> &'static [&'static str] {
        match self {
            // MDC_DIM_MMHG 266016, as in IHE PCD-01 messages (e.g. `266016^MDC_DIM_MMHG^MDC`).
            Self::Systolic | Self::Diastolic => &["mm[Hg]", "mmHg", "266016", "MDC_DIM_MMHG"],
            // MDC_DIM_BEAT_PER_MIN 264864.
            Self::HeartRate => &["/min", "{beats}/min", "264864", "MDC_DIM_BEAT_PER_MIN"],
            // MDC_DIM_PERCENT 262688.
            Self::Spo2 => &["%", "262688", "MDC_DIM_PERCENT"],
            // MDC_DIM_RESP_PER_MIN 264928.
            Self::RespRate => &["/min", "{breaths}/min", "264928", "MDC_DIM_RESP_PER_MIN"],
        }
    }

    fn expected_units(self) -> &'static str {
        match self {
            Self::Systolic | Self::Diastolic => "mm[Hg]",
            Self::HeartRate => "/min",
            Self::Spo2 => "%",
            Self::RespRate => "/min",
        }
    }
}

/// A code system as OBX-3.3 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSystem {
    Loinc,
    Mdc,
}

impl CodeSystem {
    fn matches(self, name: &str) -> bool {
        let name = name.trim();
        match self {
            Self::Loinc => ["LN", "LOINC", "http://loinc.org", ""].iter().any(|n| n.eq_ignore_ascii_case(name)),
            Self::Mdc => ["MDC", "urn:iso:std:iso:11073:10101", ""].iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }
}

/// (system, code, kind, rank): when one reading gets the same kind twice, the lower rank wins
/// (ECG heart rate before the oximeter's pulse rate; 59408-5 before 2708-6).
///
/// MDC codes, checked with the code search of public repositories (2026-11):
/// - 150021 MDC_PRESS_BLD_NONINV_SYS and 150022 MDC_PRESS_BLD_NONINV_DIA: the IEEE 11073
///   CodeSystem of a Danish FHIR IG (FSH, `$IEEEx73#150021 "MDC_PRESS_BLD_NONINV_SYS"`,
///   "Pressure of the blood, obtained noninvasively, at the systolic phase"), and IHE PCD-01
///   test messages (`OBX|…|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|…|266016^MDC_DIM_MMHG^MDC`).
/// - 150456 MDC_PULS_OXIM_SAT_O2: the US Core pulse-oximetry example Observation
///   (`urn:iso:std:iso:11073:10101` 150456 beside LOINC 2708-6 and 59408-5) and a Philips
///   HL7 gateway table (150456 MDC_PULS_OXIM_SAT_O2 → 2708-6).
/// - 147842 MDC_ECG_HEART_RATE and 151562 MDC_RESP_RATE: the same gateway table (→ 8867-4,
///   → 9279-1) and a Mindray parser (`147842^MDC_ECG_HEART_RATE^MDC`); 151562 also in a FHIR
///   FSH instance (`code.coding[IEEE11073].code = #151562`, display MDC_RESP_RATE).
/// - 149530 is MDC_PULS_OXIM_PULS_RATE (the oximeter's pulse rate), per the gateway table and
///   the Mindray parser — not MDC_PULS_RATE (149514). Mapped to heart rate at a lower rank.
///
/// Not mapped, unverified or without a field of ours: MDC_PRESS_BLD_NONINV_MEAN (150023),
/// MDC_PULS_RATE_NON_INV (149546), MDC_TTHOR_RESP_RATE, temperatures.
pub const CODES: [(CodeSystem, &str, VitalKind, u8); 12] = [
    (CodeSystem::Loinc, "8480-6", VitalKind::Systolic, 0),
    (CodeSystem::Loinc, "8462-4", VitalKind::Diastolic, 0),
    (CodeSystem::Loinc, "8867-4", VitalKind::HeartRate, 0),
    (CodeSystem::Loinc, "59408-5", VitalKind::Spo2, 0),
    (CodeSystem::Loinc, "2708-6", VitalKind::Spo2, 1),
    (CodeSystem::Loinc, "9279-1", VitalKind::RespRate, 0),
    (CodeSystem::Mdc, "150021", VitalKind::Systolic, 0),
    (CodeSystem::Mdc, "150022", VitalKind::Diastolic, 0),
    (CodeSystem::Mdc, "147842", VitalKind::HeartRate, 0),
    (CodeSystem::Mdc, "149530", VitalKind::HeartRate, 2),
    (CodeSystem::Mdc, "150456", VitalKind::Spo2, 0),
    (CodeSystem::Mdc, "151562", VitalKind::RespRate, 0),
];

/// The kind and rank of an observation's code (primary coding, else the alternate one).
pub fn kind_of(obs: &Observation) -> Option<(VitalKind, u8)> {
    let lookup = |code: &str, system: &str| CODES.iter().find(|(s, c, _, _)| *c == code && s.matches(system)).map(|(_, _, kind, rank)| (*kind, *rank));
    lookup(&obs.code, &obs.system).or_else(|| lookup(&obs.alt_code, &obs.alt_system))
}

/// A plain decimal (`128`, `97.6`, `+80`) rounded half up to a whole number.
pub fn parse_whole(value: &str) -> Option<u32> {
    let value = value.trim();
    let value = value.strip_prefix('+').unwrap_or(value);
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int = int.trim_start_matches('0');
    if int.len() > 6 {
        return None;
    }
    let whole: u32 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let up = frac.bytes().next().is_some_and(|d| d >= b'5');
    whole.checked_add(u32::from(up))
}

/// One reading: the values a device measured at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedReading {
    pub at: Hl7Time,
    pub device_id: String,
    pub systolic: Option<u32>,
    pub diastolic: Option<u32>,
    pub heart_rate: Option<u32>,
    pub spo2: Option<u32>,
    pub resp_rate: Option<u32>,
}

/// Longest device id kept.
pub const DEVICE_ID_MAX_CHARS: usize = 64;

fn clean(id: &str) -> String {
    id.chars().filter(|c| !c.is_control()).take(DEVICE_ID_MAX_CHARS).collect::<String>().trim().to_owned()
}

/// The device of observations without OBX-18: the sending application and facility.
pub fn default_device(oru: &OruR01) -> String {
    let parts: Vec<&str> = [oru.sending_application.trim(), oru.sending_facility.trim()].into_iter().filter(|p| !p.is_empty()).collect();
    let id = clean(&parts.join("/"));
    if id.is_empty() { "hl7".to_owned() } else { id }
}

/// Maps the message's observations to readings, one per (time, device), in time order.
pub fn map_vitals(oru: &OruR01) -> Result<Vec<MappedReading>, MapError> {
    let device = default_device(oru);
    // (time, device) → kind → (rank, value)
    let mut groups: BTreeMap<(Hl7Time, String), BTreeMap<VitalKind, (u8, u32)>> = BTreeMap::new();
    for obs in &oru.observations {
        let Some((kind, rank)) = kind_of(obs) else { continue };
        if matches!(obs.status.to_ascii_uppercase().as_str(), "X" | "D" | "W") || obs.value.is_empty() {
            continue;
        }
        let code = if obs.code.is_empty() { clean(&obs.alt_code) } else { clean(&obs.code) };
        let set_id = clean(&obs.set_id);
        if !kind.units().iter().any(|u| *u == obs.units || *u == obs.units_text) {
            return Err(MapError::Units { set_id, code, expected: kind.expected_units() });
        }
        let value = parse_whole(&obs.value).ok_or_else(|| MapError::NotNumeric { set_id: set_id.clone(), code: code.clone() })?;
        if value > 1000 {
            return Err(MapError::OutOfRange { set_id, code });
        }
        let at = if obs.time_raw.is_empty() { oru.message_time } else { Hl7Time::parse(&obs.time_raw) };
        let at = at.ok_or(MapError::Time { set_id })?;
        let device_id = if obs.equipment.is_empty() { device.clone() } else { clean(&obs.equipment) };
        let slot = groups.entry((at, device_id)).or_default();
        match slot.get(&kind) {
            Some((held, _)) if *held <= rank => {}
            _ => {
                slot.insert(kind, (rank, value));
            }
        }
    }
    if groups.is_empty() {
        return Err(MapError::NothingToRecord);
    }
    Ok(groups
        .into_iter()
        .map(|((at, device_id), values)| {
            let get = |k: VitalKind| values.get(&k).map(|(_, v)| *v);
            MappedReading {
                at,
                device_id,
                systolic: get(VitalKind::Systolic),
                diastolic: get(VitalKind::Diastolic),
                heart_rate: get(VitalKind::HeartRate),
                spo2: get(VitalKind::Spo2),
                resp_rate: get(VitalKind::RespRate),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn oru(obx: &str) -> OruR01 {
        let text = format!("MSH|^~\\&|MON|ICU|KC|CLINIC|20260315093000||ORU^R01|1|P|2.5\rPID|1||KC-1^^^^MR\r{obx}");
        OruR01::read(&Message::parse_str(&text).unwrap()).unwrap()
    }

    #[test]
    fn numbers_round_half_up() {
        for (text, want) in
            [("128", Some(128)), ("97.5", Some(98)), ("97.49", Some(97)), ("+80", Some(80)), ("0.4", Some(0)), (".6", Some(1)), ("007", Some(7))]
        {
            assert_eq!(parse_whole(text), want, "{text}");
        }
        for bad in ["", ".", "-5", "1e3", "12a", "1.2.3", "99999999999", "１２"] {
            assert_eq!(parse_whole(bad), None, "{bad}");
        }
    }

    #[test]
    fn loinc_and_mdc_group_by_time_and_device() {
        let o = oru("OBX|1|NM|8480-6^SBP^LN||190|mm[Hg]|||||F|||20260315092900\r\
OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||95.4|266016^MDC_DIM_MMHG^MDC|||||F|||20260315092900\r\
OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC||70|/min|||||F\r\
OBX|4|NM|147842^MDC_ECG_HEART_RATE^MDC||72|{beats}/min|||||F\r\
OBX|5|NM|59408-5^SpO2^LN||97|%|||||F\r\
OBX|6|NM|9279-1^RR^LN||14|/min|||||F|||||||BED2\r\
OBX|7|NM|150344^MDC_TEMP^MDC||37.0|268192^MDC_DIM_DEGC^MDC|||||F\r\
OBX|8|NM|8867-4^HR^LN||99|/min|||||X\r");
        let got = map_vitals(&o).unwrap();
        let t = |s: &str| Hl7Time::parse(s).unwrap();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got[0].at, got[0].device_id.as_str(), got[0].systolic, got[0].diastolic), (t("20260315092900"), "MON/ICU", Some(190), Some(95)));
        assert_eq!((got[1].at, got[1].device_id.as_str(), got[1].heart_rate, got[1].spo2), (t("20260315093000"), "BED2", None, None));
        assert_eq!(got[1].resp_rate, Some(14));
        assert_eq!(
            (got[2].device_id.as_str(), got[2].heart_rate, got[2].spo2),
            ("MON/ICU", Some(72), Some(97)),
            "ECG rate ranks above pulse rate; X is skipped"
        );
    }

    #[test]
    fn unusable_values_refuse_the_whole_message() {
        let wrong_units = map_vitals(&oru("OBX|1|NM|8480-6^SBP^LN||120|kPa|||||F\r"));
        assert!(matches!(wrong_units, Err(MapError::Units { expected: "mm[Hg]", .. })), "{wrong_units:?}");
        let no_units = map_vitals(&oru("OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97||||||F\r"));
        assert!(matches!(no_units, Err(MapError::Units { .. })));
        assert!(matches!(map_vitals(&oru("OBX|1|NM|8867-4^HR^LN||fast|/min|||||F\r")), Err(MapError::NotNumeric { .. })));
        assert!(matches!(map_vitals(&oru("OBX|1|NM|8867-4^HR^LN||72|/min|||||F|||2026\r")), Err(MapError::Time { .. })));
        assert_eq!(map_vitals(&oru("OBX|1|NM|150344^MDC_TEMP^MDC||37|Cel|||||F\r")), Err(MapError::NothingToRecord));
        assert_eq!(map_vitals(&oru("")), Err(MapError::NothingToRecord));
    }

    #[test]
    fn a_code_in_the_wrong_system_is_not_mapped_but_the_alternate_coding_is() {
        assert_eq!(map_vitals(&oru("OBX|1|NM|8480-6^SBP^MDC||120|mmHg|||||F\r")), Err(MapError::NothingToRecord));
        let alt = map_vitals(&oru("OBX|1|NM|0002-4a05^NBPs^PHILIPS^150021^MDC_PRESS_BLD_NONINV_SYS^MDC||120|mmHg|||||F\r")).unwrap();
        assert_eq!(alt[0].systolic, Some(120));
    }
}
