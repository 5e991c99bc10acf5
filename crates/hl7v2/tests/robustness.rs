//! Never panics: arbitrary bytes, and arbitrary mutations of valid messages, through the
//! de-framer, the parser, the ORU reader, the mapping and the ACK builder.

use ketaclinic_hl7v2::ack::{AckCode, AckError, build_ack};
use ketaclinic_hl7v2::{Deframer, Received, frame, receive};
use proptest::prelude::*;

const VALID: [&str; 3] = [
    "MSH|^~\\&|MON|ICU|KC|CLINIC|20260315093000+0000||ORU^R01^ORU_R01|MSG1|P|2.5\rPID|1||KC-000042^^^KC^MR\rOBX|1|NM|8480-6^SBP^LN||128|mm[Hg]|||||F|||20260315092930+0000\rOBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC||81|266016^MDC_DIM_MMHG^MDC|||||F||||||||BED2\r",
    "MSH|^~\\&|MON\\T\\X|BAY\\F\\2|KC|CLINIC|20260315093000||ORU^R01|MSG\\S\\4|P|2.4\r\nPID|1||11\\E\\22^^^O^PI~KC-8^^^KC^MR\r\nOBX|1|NM|8867-4^HR^LN||72.5|{beats}/min|||||F\r\n",
    "MSH#*@!%#MON#BAY#KC#CLINIC#20260315093000##ORU*R01#MSG5#P#2.3.1\rPID#1##KC-9****MR\rOBX#1#NM#150456*SpO2*MDC##97#%#####F\r",
];

/// Everything a connection does with some bytes.
fn exercise(bytes: &[u8], chunk: usize) {
    let (info, received) = receive(bytes);
    let code = match received {
        Received::Vitals { .. } => AckCode::Accept,
        Received::Unusable { .. } => AckCode::Error,
        Received::Malformed(_) => AckCode::Reject,
    };
    let text = String::from_utf8_lossy(bytes);
    let error = AckError { code: "100", name: &text, text: &text };
    let _ = build_ack(&info, code, &text, &text, Some(&error));
    let mut d = Deframer::new(256);
    for piece in bytes.chunks(chunk.max(1)) {
        d.push(piece);
        while let Some(frame) = d.next_frame() {
            if let Ok(body) = frame {
                let _ = receive(&body);
            }
        }
    }
    assert!(d.pending() <= 256 + chunk.max(1), "the de-framer holds at most the limit plus one read");
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let special = prop_oneof![Just(b'|'), Just(b'^'), Just(b'~'), Just(b'\\'), Just(b'&'), Just(b'\r'), Just(b'\n'), Just(0x0B), Just(0x1C), any::<u8>()];
    prop_oneof![
        (any::<usize>(), special.clone()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), special).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), 0..40_usize).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len();
        match *e {
            Edit::Insert(i, b) => bytes.insert(i % (len + 1), b),
            Edit::Delete(i) if len > 0 => {
                bytes.remove(i % len);
            }
            Edit::Replace(i, b) if len > 0 => bytes[i % len] = b,
            Edit::Duplicate(i, n) if len > 0 => {
                let at = i % len;
                let end = (at + n).min(len);
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1_500), chunk in 1..64_usize) {
        exercise(&bytes, chunk);
    }

    #[test]
    fn arbitrary_text_after_msh_never_panics(tail in "\\PC{0,400}", chunk in 1..64_usize) {
        exercise(format!("MSH|^~\\&|{tail}").as_bytes(), chunk);
    }

    #[test]
    fn mutated_valid_messages_never_panic(which in 0..VALID.len(), edits in proptest::collection::vec(edit(), 1..12), chunk in 1..64_usize) {
        let bytes = apply(VALID[which].as_bytes().to_vec(), &edits);
        exercise(&bytes, chunk);
        exercise(&frame(&bytes), chunk);
    }

    #[test]
    fn frames_survive_any_split(messages in proptest::collection::vec(proptest::collection::vec(0x20_u8..0x7F, 0..200), 1..5), cuts in proptest::collection::vec(any::<usize>(), 0..6), junk in proptest::collection::vec(0x20_u8..0x7F, 0..20)) {
        let mut stream = Vec::new();
        for m in &messages {
            stream.extend(&junk);
            stream.extend(frame(m));
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        points.sort_unstable();
        let mut d = Deframer::new(1 << 16);
        let mut got = Vec::new();
        let mut last = 0;
        for p in points.into_iter().chain([stream.len()]) {
            d.push(&stream[last..p]);
            last = p;
            while let Some(f) = d.next_frame() {
                got.push(f);
            }
        }
        let want: Vec<_> = messages.into_iter().map(Ok).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn the_valid_messages_still_map(which in 0..VALID.len()) {
        let (_, received) = receive(VALID[which].as_bytes());
        prop_assert!(matches!(received, Received::Vitals { .. }), "{:?}", received);
    }
}
