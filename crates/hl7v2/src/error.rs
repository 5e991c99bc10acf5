//! Errors. [`Error`] means the message is malformed or not one we take (the listener answers
//! AR); [`MapError`] means a well-formed message carries a value we cannot use (AE). Each
//! message is written for the sender's operator: it names the segment and field, never a
//! value that could be patient data.

/// A malformed or unsupported message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("empty message")]
    Empty,
    #[error("the message does not start with an MSH segment")]
    NoMsh,
    #[error("MSH-1/MSH-2: {0}")]
    Separators(&'static str),
    #[error("segment {index}: not a segment id (three upper-case letters or digits)")]
    SegmentId { index: usize },
    #[error("{segment}-{field} is required")]
    Missing { segment: &'static str, field: usize },
    #[error("{segment}-{field}: {reason}")]
    Invalid { segment: &'static str, field: usize, reason: &'static str },
    #[error("message type {0} is not accepted (only ORU^R01)")]
    MessageType(String),
    #[error("HL7 version {0} is not accepted (2.3 to 2.6)")]
    Version(String),
    #[error("PID segment is missing")]
    NoPatient,
    #[error("more than one patient in the message (one PID per message)")]
    SeveralPatients,
}

impl Error {
    /// The HL7 table 0357 error condition code and its name, for the ERR segment.
    pub fn condition(&self) -> (&'static str, &'static str) {
        match self {
            Self::Empty | Self::NoMsh | Self::Separators(_) | Self::SegmentId { .. } | Self::NoPatient | Self::SeveralPatients => {
                ("100", "Segment sequence error")
            }
            Self::Missing { .. } => ("101", "Required field missing"),
            Self::Invalid { .. } => ("102", "Data type error"),
            Self::MessageType(_) => ("200", "Unsupported message type"),
            Self::Version(_) => ("203", "Unsupported version id"),
        }
    }
}

/// A well-formed message whose values cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error("OBX {set_id}: {code} needs units {expected}")]
    Units { set_id: String, code: String, expected: &'static str },
    #[error("OBX {set_id}: {code} value is not a number")]
    NotNumeric { set_id: String, code: String },
    #[error("OBX {set_id}: {code} value is out of range")]
    OutOfRange { set_id: String, code: String },
    #[error("OBX {set_id}: observation time (OBX-14, else MSH-7) is not a valid date and time")]
    Time { set_id: String },
    #[error("no vital sign we record (blood pressure, heart rate, SpO2, respiratory rate) in the message")]
    NothingToRecord,
}
