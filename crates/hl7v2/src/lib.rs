//! HL7 v2 for the patient-monitor feed (issue 7, item 5). Pure: no I/O, no clock.
//!
//! - [`mllp`]: the Minimal Lower Layer Protocol framing (`0x0B` … `0x1C 0x0D`), with a
//!   streaming de-framer that copes with partial reads, several messages in one read, junk
//!   between frames and a size limit.
//! - [`message`]: the generic HL7 v2 parser (segments, fields, repetitions, components,
//!   sub-components, escape sequences), with the separators taken from MSH-1 and MSH-2.
//! - [`oru`]: the ORU^R01 reader (versions 2.3–2.6): control id, message time, patient
//!   identifiers and observations.
//! - [`vitals`]: maps OBX codes (LOINC, IEEE 11073 MDC) and units to vital signs and groups
//!   them into readings by time and device.
//! - [`ack`]: builds the ACK (AA / AE / AR, with an ERR segment for AE and AR).
//!
//! Error policy: every fallible function returns a typed error ([`Error`]); nothing here
//! panics on any input (a proptest and a fuzz target feed it arbitrary bytes).

pub mod ack;
pub mod error;
pub mod message;
pub mod mllp;
pub mod oru;
pub mod time;
pub mod vitals;

pub use ack::{AckCode, AckInfo, build_ack};
pub use error::{Error, MapError};
pub use message::{Message, Separators};
pub use mllp::{Deframer, Frame, FrameError, frame};
pub use oru::{Identifier, Observation, OruR01};
pub use time::Hl7Time;
pub use vitals::{MappedReading, VitalKind, map_vitals};

/// What one received message amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An ORU^R01 with at least one reading to record.
    Vitals { oru: OruR01, readings: Vec<MappedReading> },
    /// Malformed or not accepted (answer AR).
    Malformed(Error),
    /// Well-formed, but a value cannot be used (answer AE).
    Unusable { oru: OruR01, error: MapError },
}

/// Parses, reads and maps one message (the bytes of one MLLP frame), and returns what its
/// ACK needs alongside.
pub fn receive(bytes: &[u8]) -> (AckInfo, Received) {
    let message = match Message::parse(bytes) {
        Ok(m) => m,
        Err(e) => return (AckInfo::from_bytes(bytes), Received::Malformed(e)),
    };
    let info = AckInfo::from_message(&message);
    let received = match OruR01::read(&message) {
        Err(e) => Received::Malformed(e),
        Ok(oru) => match map_vitals(&oru) {
            Ok(readings) => Received::Vitals { oru, readings },
            Err(error) => Received::Unusable { oru, error },
        },
    };
    (info, received)
}
