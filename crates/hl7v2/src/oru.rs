//! The ORU^R01 reader (unsolicited observation results, versions 2.3 to 2.6): what the
//! monitor feed needs from MSH, PID and OBX. Other segments (SFT, PV1, ORC, OBR, NTE …) are
//! accepted and ignored.

use crate::error::Error;
use crate::message::{Message, Segment};
use crate::time::Hl7Time;

/// Versions accepted in MSH-12.
pub const VERSIONS: [&str; 6] = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6"];

/// One PID-3 identifier (CX).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// CX.1
    pub id: String,
    /// CX.4 (first sub-component: the namespace id).
    pub authority: String,
    /// CX.5, e.g. `MR` for a medical record number.
    pub type_code: String,
}

/// One OBX segment, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// OBX-1
    pub set_id: String,
    /// OBX-2 (`NM` for numbers).
    pub value_type: String,
    /// OBX-3.1, OBX-3.2, OBX-3.3: code, text, coding system (`LN`, `MDC` …).
    pub code: String,
    pub code_text: String,
    pub system: String,
    /// OBX-3.4 and OBX-3.6: the alternate code and its coding system.
    pub alt_code: String,
    pub alt_system: String,
    /// OBX-5 (first repetition, first component).
    pub value: String,
    /// OBX-6.1 and OBX-6.2: unit code and text.
    pub units: String,
    pub units_text: String,
    /// OBX-11 (`F` final, `R` not verified, `C` corrected, `X`/`D`/`W` no usable result …).
    pub status: String,
    /// OBX-14 as written (blank when absent).
    pub time_raw: String,
    /// OBX-18.1, the equipment instance identifier (first repetition).
    pub equipment: String,
}

/// What the monitor feed reads from an ORU^R01.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OruR01 {
    /// MSH-10
    pub control_id: String,
    /// MSH-12.1
    pub version: String,
    /// MSH-3 and MSH-4 (namespace id, else universal id).
    pub sending_application: String,
    pub sending_facility: String,
    /// MSH-7, when it is a date and time with at least minute precision.
    pub message_time: Option<Hl7Time>,
    /// PID-3, every identifier with a value.
    pub patient_ids: Vec<Identifier>,
    pub observations: Vec<Observation>,
}

/// HD: the namespace id, else the universal id.
pub(crate) fn hd(m: &Message, seg: &Segment, field: usize) -> String {
    let ns = m.value(seg, field, 0, 1);
    if ns.trim().is_empty() { m.value(seg, field, 0, 2) } else { ns }
}

impl OruR01 {
    /// Reads an ORU^R01; an error means the message is malformed or not one we take.
    pub fn read(m: &Message) -> Result<Self, Error> {
        let msh = m.msh().ok_or(Error::NoMsh)?;
        let kind = m.value(msh, 9, 0, 1);
        let trigger = m.value(msh, 9, 0, 2);
        if kind.is_empty() {
            return Err(Error::Missing { segment: "MSH", field: 9 });
        }
        if kind != "ORU" || trigger != "R01" {
            return Err(Error::MessageType(format!("{}^{}", printable(&kind), printable(&trigger))));
        }
        let control_id = m.value(msh, 10, 0, 1);
        if control_id.trim().is_empty() {
            return Err(Error::Missing { segment: "MSH", field: 10 });
        }
        let version = m.value(msh, 12, 0, 1);
        if version.is_empty() {
            return Err(Error::Missing { segment: "MSH", field: 12 });
        }
        if !VERSIONS.contains(&version.as_str()) {
            return Err(Error::Version(printable(&version)));
        }
        let mut pids = m.segments_named("PID");
        let pid = pids.next().ok_or(Error::NoPatient)?;
        if pids.next().is_some() {
            return Err(Error::SeveralPatients);
        }
        let patient_ids: Vec<Identifier> = m
            .separators()
            .repetitions(pid.field(3))
            .map(|rep| {
                let s = m.separators();
                Identifier {
                    id: s.decode(s.component(rep, 1)).trim().to_owned(),
                    authority: s.decode(s.subcomponent(s.component(rep, 4), 1)),
                    type_code: s.decode(s.component(rep, 5)).trim().to_owned(),
                }
            })
            .filter(|i| !i.id.is_empty())
            .collect();
        if patient_ids.is_empty() {
            return Err(Error::Missing { segment: "PID", field: 3 });
        }
        let observations = m
            .segments_named("OBX")
            .map(|obx| Observation {
                set_id: m.value(obx, 1, 0, 1),
                value_type: m.value(obx, 2, 0, 1).trim().to_owned(),
                code: m.value(obx, 3, 0, 1).trim().to_owned(),
                code_text: m.value(obx, 3, 0, 2),
                system: m.value(obx, 3, 0, 3).trim().to_owned(),
                alt_code: m.value(obx, 3, 0, 4).trim().to_owned(),
                alt_system: m.value(obx, 3, 0, 6).trim().to_owned(),
                value: m.value(obx, 5, 0, 1).trim().to_owned(),
                units: m.value(obx, 6, 0, 1).trim().to_owned(),
                units_text: m.value(obx, 6, 0, 2).trim().to_owned(),
                status: m.value(obx, 11, 0, 1).trim().to_owned(),
                time_raw: m.value(obx, 14, 0, 1).trim().to_owned(),
                equipment: m.value(obx, 18, 0, 1).trim().to_owned(),
            })
            .collect();
        Ok(Self {
            control_id,
            version,
            sending_application: hd(m, msh, 3),
            sending_facility: hd(m, msh, 4),
            message_time: Hl7Time::parse(&m.value(msh, 7, 0, 1)),
            patient_ids,
            observations,
        })
    }

    /// The MRN: the PID-3 identifier of type `MR`, else the first one.
    pub fn mrn(&self) -> Option<&str> {
        self.patient_ids.iter().find(|i| i.type_code.eq_ignore_ascii_case("MR")).or_else(|| self.patient_ids.first()).map(|i| i.id.as_str())
    }
}

/// A short, printable rendering of a header value for an error text (not patient data).
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(20).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = "MSH|^~\\&|MONITOR^1.2.3^ISO|ICU|KETACLINIC|CLINIC|20260315093000+0000||ORU^R01^ORU_R01|MSG0001|P|2.5\r\
PID|1||9876^^^OTHER^PI~KC-000042^^^KC&1.2&ISO^MR||Doe^Jane\r\
OBR|1|||85354-9^BP panel^LN\r\
OBX|1|NM|8480-6^Systolic^LN||128|mm[Hg]^mmHg^UCUM|||||F|||20260315092900+0000\r\
OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||81|266016^MDC_DIM_MMHG^MDC|||||F|||||||BED7^ACME\r";

    #[test]
    fn reads_header_patient_and_observations() {
        let m = Message::parse_str(SAMPLE).unwrap();
        let oru = OruR01::read(&m).unwrap();
        assert_eq!(oru.control_id, "MSG0001");
        assert_eq!((oru.sending_application.as_str(), oru.sending_facility.as_str()), ("MONITOR", "ICU"));
        assert_eq!(oru.message_time, Hl7Time::parse("20260315093000+0000"));
        assert_eq!(oru.mrn(), Some("KC-000042"), "the MR identifier, not the first");
        assert_eq!(oru.patient_ids[1].authority, "KC");
        assert_eq!(oru.observations.len(), 2);
        let sys = &oru.observations[0];
        assert_eq!((sys.code.as_str(), sys.system.as_str(), sys.value.as_str(), sys.units.as_str()), ("8480-6", "LN", "128", "mm[Hg]"));
        assert_eq!(sys.time_raw, "20260315092900+0000");
        assert_eq!(oru.observations[1].equipment, "BED7");
    }

    #[test]
    fn the_first_identifier_without_an_mr() {
        let m = Message::parse_str(&SAMPLE.replace("^MR|", "^XX|")).unwrap();
        assert_eq!(OruR01::read(&m).unwrap().mrn(), Some("9876"));
    }

    #[test]
    fn refusals() {
        let read = |text: String| OruR01::read(&Message::parse_str(&text).unwrap());
        assert_eq!(read(SAMPLE.replace("ORU^R01^ORU_R01", "ADT^A01")), Err(Error::MessageType("ADT^A01".to_owned())));
        assert_eq!(read(SAMPLE.replace("|2.5\r", "|2.7\r")), Err(Error::Version("2.7".to_owned())));
        for v in VERSIONS {
            assert!(read(SAMPLE.replace("|2.5\r", &format!("|{v}\r"))).is_ok(), "{v}");
        }
        assert_eq!(read(SAMPLE.replace("MSG0001", "")), Err(Error::Missing { segment: "MSH", field: 10 }));
        assert_eq!(read(SAMPLE.replace("PID|1||9876^^^OTHER^PI~KC-000042^^^KC&1.2&ISO^MR", "PID|1||")), Err(Error::Missing { segment: "PID", field: 3 }));
        assert_eq!(read(SAMPLE.replace("PID|", "NTE|")), Err(Error::NoPatient));
        assert_eq!(read(format!("{SAMPLE}PID|2||X\r")), Err(Error::SeveralPatients));
    }
}
