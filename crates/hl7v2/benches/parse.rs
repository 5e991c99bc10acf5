//! Parse + map throughput of the monitor feed (issue 7, item 5), in process, no I/O: MLLP
//! de-framing, the HL7 v2 parse, the ORU^R01 read, the code/unit mapping into readings and the
//! ACK. A typical monitor message: one patient, a BP (systolic, diastolic), heart rate, SpO2 and
//! respiratory rate, plus a temperature and a device OBX that are ignored.
//!
//! Run: `cargo bench -p ketaclinic-hl7v2 --bench parse`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark: a failed setup should stop loudly")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ketaclinic_hl7v2::ack::{AckCode, AckInfo, build_ack};
use ketaclinic_hl7v2::{Deframer, Message, OruR01, frame, map_vitals};

const MESSAGE: &str = "MSH|^~\\&|MONITOR^0123456789ABCDEF^EUI-64|ICU|KETACLINIC|CLINIC|20260315093000+0000||ORU^R01^ORU_R01|MSG000123|P|2.6\r\
PID|1||KC-000042^^^KC^MR||Doe^Jane\r\
PV1|1|O|CHAIR2\r\
OBR|1|||85354-9^Blood pressure panel^LN|||20260315093000+0000\r\
OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X\r\
OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|128|266016^MDC_DIM_MMHG^MDC|||||F|||20260315092930+0000\r\
OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.1.2|81|266016^MDC_DIM_MMHG^MDC|||||F|||20260315092930+0000\r\
OBX|4|NM|8867-4^Heart rate^LN||72|/min|||||F|||20260315093000+0000\r\
OBX|5|NM|59408-5^SpO2^LN||97|%|||||F|||20260315093000+0000\r\
OBX|6|NM|9279-1^Respiratory rate^LN||14|/min|||||F|||20260315093000+0000\r\
OBX|7|NM|150344^MDC_TEMP^MDC||36.8|268192^MDC_DIM_DEGC^MDC|||||F|||20260315093000+0000\r";

fn one(bytes: &[u8]) -> usize {
    let mut d = Deframer::new(1 << 20);
    d.push(bytes);
    let mut n = 0;
    while let Some(Ok(body)) = d.next_frame() {
        let m = Message::parse(&body).unwrap();
        let oru = OruR01::read(&m).unwrap();
        let readings = map_vitals(&oru).unwrap();
        let ack = build_ack(&AckInfo::from_message(&m), AckCode::Accept, "ACK1", "20260315093001", None);
        n += readings.len() + usize::from(!ack.is_empty());
    }
    n
}

fn bench(c: &mut Criterion) {
    let framed = frame(MESSAGE.as_bytes());
    let mut group = c.benchmark_group("hl7v2");
    group.throughput(Throughput::Elements(1));
    group.bench_function("deframe+parse+map+ack, one ORU^R01", |b| b.iter(|| one(std::hint::black_box(&framed))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
