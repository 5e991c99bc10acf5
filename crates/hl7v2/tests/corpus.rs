//! Replays the fuzz corpus (`fuzz/corpus/hl7/*.hl7`) through the de-framer, the parser, the
//! mapping and the ACK builder, so CI runs the corpus without a nightly toolchain. The file
//! name says what each message must come to: `valid_*` readings, `unusable_*` an AE,
//! `malformed_*` an AR; anything else (files the fuzzer adds) only must not panic.

#![allow(clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use std::path::PathBuf;

use ketaclinic_hl7v2::ack::{AckCode, AckError, build_ack};
use ketaclinic_hl7v2::{Deframer, Message, Received, frame, receive};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/hl7");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hl7"))
        .map(|p| (p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), std::fs::read(&p).unwrap_or_default()))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_comes_to_what_its_name_says() {
    let files = corpus();
    assert!(files.len() >= 10, "the seed corpus is in the repository ({} files)", files.len());
    for (name, bytes) in &files {
        let (info, received) = receive(bytes);
        let code = match &received {
            Received::Vitals { readings, .. } => {
                assert!(!readings.is_empty(), "{name}");
                AckCode::Accept
            }
            Received::Unusable { .. } => AckCode::Error,
            Received::Malformed(_) => AckCode::Reject,
        };
        let expected = match name.split('_').next() {
            Some("valid") => Some(AckCode::Accept),
            Some("unusable") => Some(AckCode::Error),
            Some("malformed") => Some(AckCode::Reject),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(code, expected, "{name}: {received:?}");
        }
        let error = AckError { code: "100", name: "Segment sequence error", text: "corpus" };
        let ack = build_ack(&info, code, "ACK1", "20260315093001", Some(&error));
        let parsed = Message::parse_str(&ack).unwrap_or_else(|e| panic!("{name}: our ACK does not parse: {e}"));
        assert_eq!(parsed.segments().get(1).map(|s| s.id()), Some("MSA"), "{name}");
        // Framed, in two reads split mid-message, the de-framer hands back the same bytes.
        let framed = frame(bytes);
        let (a, b) = framed.split_at(framed.len() / 2);
        let mut d = Deframer::new(1 << 20);
        d.push(a);
        assert!(d.next_frame().is_none(), "{name}");
        d.push(b);
        assert_eq!(d.next_frame(), Some(Ok(bytes.clone())), "{name}");
    }
}

#[test]
fn valid_corpus_messages_carry_what_they_say() {
    let files = corpus();
    let get = |n: &str| files.iter().find(|(name, _)| name == n).map(|(_, b)| b.clone()).unwrap_or_default();
    let Received::Vitals { oru, readings } = receive(&get("valid_mdc_pcd01_v26.hl7")).1 else { panic!("valid") };
    assert_eq!(oru.mrn(), Some("KC-000042"));
    let bp = readings.iter().find(|r| r.systolic.is_some()).unwrap_or_else(|| panic!("{readings:?}"));
    assert_eq!((bp.systolic, bp.diastolic, bp.device_id.as_str()), (Some(120), Some(80), "0123456789ABCDEF"));
    let rest = readings.iter().find(|r| r.heart_rate.is_some()).unwrap_or_else(|| panic!("{readings:?}"));
    assert_eq!((rest.heart_rate, rest.spo2, rest.resp_rate, rest.device_id.as_str()), (Some(64), Some(98), Some(12), "AcmeInc"));
    let Received::Vitals { oru, readings } = receive(&get("valid_v24_crlf_escapes.hl7")).1 else { panic!("valid") };
    assert_eq!(oru.control_id, "MSG^0004");
    assert_eq!(oru.patient_ids.first().map(|i| i.id.as_str()), Some("11\\22"));
    assert_eq!(oru.mrn(), Some("KC-000008"));
    assert_eq!(readings.first().map(|r| (r.systolic, r.device_id.as_str())), Some((Some(190), "MON&X/BAY|2")));
    let Received::Vitals { oru, .. } = receive(&get("valid_v231_other_delimiters.hl7")).1 else { panic!("valid") };
    assert_eq!(oru.mrn(), Some("KC-000009"));
}
