//! The HL7 v2 feed's parsers on arbitrary input: the MLLP de-framer (fed in two reads), the
//! message parser, the ORU^R01 reader, the vitals mapping and the ACK builder.
//!
//! Run (nightly): `cd fuzz && cargo +nightly fuzz run hl7 corpus/hl7`. The seed corpus is also
//! replayed on stable by `cargo test -p ketaclinic-hl7v2 --test corpus`.

#![no_main]

use ketaclinic_hl7v2::ack::{AckCode, AckError, build_ack};
use ketaclinic_hl7v2::{Deframer, Received, receive};
use libfuzzer_sys::fuzz_target;

fn one(bytes: &[u8]) {
    let (info, received) = receive(bytes);
    let code = match received {
        Received::Vitals { .. } => AckCode::Accept,
        Received::Unusable { .. } => AckCode::Error,
        Received::Malformed(_) => AckCode::Reject,
    };
    let error = AckError { code: "100", name: "Segment sequence error", text: "fuzz" };
    let _ = build_ack(&info, code, "ACK", "20260101000000", Some(&error));
}

fuzz_target!(|data: &[u8]| {
    one(data);
    let (a, b) = data.split_at(data.len() / 2);
    let mut d = Deframer::new(4096);
    for part in [a, b] {
        d.push(part);
        while let Some(frame) = d.next_frame() {
            if let Ok(body) = frame {
                one(&body);
            }
        }
    }
});
