//! The ACK reply: MSH with sender and receiver swapped, MSA with the acknowledgment code and
//! the received control id, and for AE / AR an ERR segment carrying an HL7 table 0357 code
//! and a human-readable message (ERR-8 from v2.5, ERR-1 before; MSA-3 too, which older
//! gateways show). The ACK is written with the standard delimiters `|^~\&`.

use crate::message::{Message, Separators};
use crate::oru::VERSIONS;

/// MSA-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckCode {
    /// Application accept: the message was processed.
    Accept,
    /// Application error: well-formed, but it could not be processed (unknown patient, no
    /// active session, unusable value); sending it again unchanged will not help.
    Error,
    /// Application reject: malformed, or a message type or version we do not take.
    Reject,
}

impl AckCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "AA",
            Self::Error => "AE",
            Self::Reject => "AR",
        }
    }
}

/// What the ACK echoes from the received message (each value already in the ACK's encoding).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AckInfo {
    pub sending_application: String,
    pub sending_facility: String,
    pub receiving_application: String,
    pub receiving_facility: String,
    /// MSH-10 of the received message (MSA-2).
    pub control_id: String,
    /// MSH-9.2, e.g. `R01`.
    pub trigger: String,
    /// MSH-11.1, e.g. `P`.
    pub processing_id: String,
    /// MSH-12.1 when it is a version we take.
    pub version: String,
}

/// The first repetition of a field, each component decoded and re-encoded for the ACK.
fn reencode(m: &Message, field: &str) -> String {
    let ours = Separators::default();
    let theirs = m.separators();
    let first = theirs.repetitions(field).next().unwrap_or("");
    let parts: Vec<String> = first.split(theirs.component).take(3).map(|c| ours.encode(&theirs.decode(c).chars().take(64).collect::<String>())).collect();
    parts.join("^").trim_end_matches('^').to_owned()
}

impl AckInfo {
    /// Reads what the ACK needs from a parsed message (whatever its type).
    pub fn from_message(m: &Message) -> Self {
        let Some(msh) = m.msh() else { return Self::default() };
        let short = |field: usize, comp: usize, max: usize| Separators::default().encode(&m.value(msh, field, 0, comp).chars().take(max).collect::<String>());
        let one = |field: usize| short(field, 1, 199);
        let version = m.value(msh, 12, 0, 1);
        Self {
            sending_application: reencode(m, msh.field(3)),
            sending_facility: reencode(m, msh.field(4)),
            receiving_application: reencode(m, msh.field(5)),
            receiving_facility: reencode(m, msh.field(6)),
            control_id: one(10),
            trigger: short(9, 2, 10),
            processing_id: one(11),
            version: if VERSIONS.contains(&version.as_str()) { version } else { String::new() },
        }
    }

    /// Best effort for bytes that may not parse: the header if there is one, else nothing.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Message::parse(bytes).map(|m| Self::from_message(&m)).unwrap_or_default()
    }
}

/// The HL7 table 0357 code, its name, and the message for a person, for AE / AR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckError<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub text: &'a str,
}

/// Builds the ACK. `control_id` is the ACK's own MSH-10; `now` its MSH-7 (an HL7 DTM).
pub fn build_ack(info: &AckInfo, code: AckCode, control_id: &str, now: &str, error: Option<&AckError<'_>>) -> String {
    let s = Separators::default();
    let version = if info.version.is_empty() { "2.5" } else { info.version.as_str() };
    let trigger = if info.trigger.is_empty() { "R01" } else { info.trigger.as_str() };
    let kind = if version == "2.3" { format!("ACK^{trigger}") } else { format!("ACK^{trigger}^ACK") };
    let processing = if info.processing_id.is_empty() { "P" } else { info.processing_id.as_str() };
    let mut out = format!(
        "MSH|^~\\&|{}|{}|{}|{}|{}||{}|{}|{}|{}\r",
        info.receiving_application,
        info.receiving_facility,
        info.sending_application,
        info.sending_facility,
        s.encode(now),
        kind,
        s.encode(control_id),
        processing,
        version
    );
    let text = error.filter(|_| code != AckCode::Accept);
    match text {
        Some(e) => out.push_str(&format!("MSA|{}|{}|{}\r", code.as_str(), info.control_id, s.encode(e.text))),
        None => out.push_str(&format!("MSA|{}|{}\r", code.as_str(), info.control_id)),
    }
    if let Some(e) = text {
        let (c, n, t) = (s.encode(e.code), s.encode(e.name), s.encode(e.text));
        if matches!(version, "2.3" | "2.3.1" | "2.4") {
            // ERR-1 (CM/ELD): segment^sequence^field^code&text&table.
            out.push_str(&format!("ERR|^^^{c}&{n}&HL70357\r"));
        } else {
            // ERR-3 HL7 error code, ERR-4 severity, ERR-8 user message.
            out.push_str(&format!("ERR|||{c}^{n}^HL70357|E||||{t}\r"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORU: &str = "MSH|^~\\&|MON^1.2^ISO|ICU|KC|CLINIC|20260315093000||ORU^R01^ORU_R01|ABC-1|P|2.5\rPID|1||X\r";

    #[test]
    fn accept_swaps_sender_and_receiver() {
        let info = AckInfo::from_message(&Message::parse_str(ORU).unwrap());
        let ack = build_ack(&info, AckCode::Accept, "K1", "20260315093001", None);
        assert_eq!(ack, "MSH|^~\\&|KC|CLINIC|MON^1.2^ISO|ICU|20260315093001||ACK^R01^ACK|K1|P|2.5\rMSA|AA|ABC-1\r");
    }

    #[test]
    fn errors_carry_an_err_segment_in_the_version_s_shape() {
        let info = AckInfo::from_message(&Message::parse_str(ORU).unwrap());
        let e = AckError { code: "204", name: "Unknown key identifier", text: "no patient with that MRN | ok" };
        let ack = build_ack(&info, AckCode::Error, "K2", "20260315093001", Some(&e));
        let lines: Vec<&str> = ack.split('\r').collect();
        assert_eq!(lines[1], "MSA|AE|ABC-1|no patient with that MRN \\F\\ ok");
        assert_eq!(lines[2], "ERR|||204^Unknown key identifier^HL70357|E||||no patient with that MRN \\F\\ ok");
        let old = AckInfo::from_message(&Message::parse_str(&ORU.replace("|2.5\r", "|2.3.1\r")).unwrap());
        let ack = build_ack(&old, AckCode::Reject, "K3", "20260315093001", Some(&e));
        assert!(ack.contains("\rERR|^^^204&Unknown key identifier&HL70357\r"), "{ack}");
        let parsed = Message::parse_str(&ack).unwrap();
        assert_eq!(parsed.segments().len(), 3);
    }

    #[test]
    fn unparseable_input_still_gets_an_ack() {
        let info = AckInfo::from_bytes(b"\xff\xfe garbage");
        let e = AckError { code: "100", name: "Segment sequence error", text: "not HL7" };
        let ack = build_ack(&info, AckCode::Reject, "K4", "20260315093001", Some(&e));
        assert!(ack.starts_with("MSH|^~\\&|||||20260315093001||ACK^R01^ACK|K4|P|2.5\rMSA|AR||not HL7\r"), "{ack}");
    }

    #[test]
    fn other_delimiters_are_re_encoded() {
        let m = Message::parse_str("MSH#*@!%#MON*A|B#ICU#KC#CL#2026031509##ORU*R01#ID|7#P#2.4\r").unwrap();
        let info = AckInfo::from_message(&m);
        assert_eq!(info.sending_application, "MON^A\\F\\B");
        assert_eq!(info.control_id, "ID\\F\\7");
    }
}
