//! The HL7 v2 monitor feed end to end: the real binary with `--hl7-listen`, a patient and an
//! open session made through the HTTP API, ORU^R01 messages over real TCP sockets with MLLP
//! framing, and the session read back over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Server, data_args, free_port, ok, seed};
use ketaclinic_hl7v2::{Deframer, Message, frame};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GATEWAY: &str = "monitor-gateway@test.example.org";
const NURSE: &str = "nurse@test.example.org";

/// An MLLP client connection.
struct Mllp {
    stream: TcpStream,
    deframer: Deframer,
}

impl Mllp {
    async fn connect(port: u16) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        Self { stream, deframer: Deframer::new(1 << 20) }
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next ACK, or `None` when the server closed the connection.
    async fn ack(&mut self) -> Option<Ack> {
        let mut buf = [0_u8; 4096];
        loop {
            if let Some(frame) = self.deframer.next_frame() {
                return Some(Ack::parse(&frame.unwrap()));
            }
            let n = tokio::time::timeout(Duration::from_secs(20), self.stream.read(&mut buf)).await.expect("no ACK within 20 s").unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.deframer.push(&buf[..n]);
        }
    }

    async fn exchange(&mut self, message: &str) -> Ack {
        self.send_raw(&frame(message.as_bytes())).await;
        self.ack().await.expect("an ACK")
    }
}

/// What the tests read from an ACK.
#[derive(Debug)]
struct Ack {
    code: String,
    control_id: String,
    err_text: String,
    raw: String,
}

impl Ack {
    fn parse(bytes: &[u8]) -> Self {
        let raw = String::from_utf8_lossy(bytes).into_owned();
        let m = Message::parse_str(&raw).unwrap_or_else(|e| panic!("the ACK does not parse ({e}): {raw:?}"));
        let msh = m.msh().unwrap();
        assert_eq!(m.value(msh, 9, 0, 1), "ACK", "{raw:?}");
        let msa = m.segments_named("MSA").next().unwrap_or_else(|| panic!("no MSA: {raw:?}"));
        let err_text = m.segments_named("ERR").next().map(|e| m.value(e, 8, 0, 1)).unwrap_or_default();
        Self { code: m.value(msa, 1, 0, 1), control_id: m.value(msa, 2, 0, 1), err_text, raw }
    }
}

/// An HL7 time `minutes_ago` before now, in UTC with its offset.
fn hl7_time(seconds_ago: i64) -> String {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(seconds_ago);
    t.strftime("%Y%m%d%H%M%S+0000").to_string()
}

/// An ORU^R01 from monitor BAY2 for `mrn` with a BP (LOINC), heart rate and SpO2 (MDC).
fn oru(control_id: &str, mrn: &str, at: &str, sbp: u32) -> String {
    format!(
        "MSH|^~\\&|MON-7|BAY2|KETACLINIC|CLINIC|{at}||ORU^R01^ORU_R01|{control_id}|P|2.5\r\
PID|1||{mrn}^^^CLINIC^MR||Test^Person\r\
OBR|1|||85354-9^Blood pressure panel^LN|||{at}\r\
OBX|1|NM|8480-6^Systolic blood pressure^LN||{sbp}|mm[Hg]|||||F|||{at}\r\
OBX|2|NM|8462-4^Diastolic blood pressure^LN||82|mm[Hg]|||||F|||{at}\r\
OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC||71|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||{at}\r\
OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|262688^MDC_DIM_PERCENT^MDC|||||F|||{at}\r"
    )
}

struct Clinic {
    _dir: tempfile::TempDir,
    server: Server,
    hl7_port: u16,
    client: reqwest::Client,
    nurse: String,
    desk: String,
}

impl Clinic {
    fn start(extra_env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let args = data_args(dir.path());
        let db: Vec<&str> = args.iter().map(String::as_str).collect();
        let desk = seed(&db);
        for (email, role) in [(NURSE, "nurse"), (GATEWAY, "nurse")] {
            let mut add = db.clone();
            add.extend(["user", "add", "--email", email, "--name", "Test Person", "--role", role, "--password-stdin"]);
            ok(&add, Some("a long test password\n"));
        }
        let mut token = db.clone();
        token.extend(["token", "create", "--email", NURSE, "--name", "nurse client"]);
        let nurse = ok(&token, None).trim().to_owned();
        let hl7_port = free_port();
        let hl7 = format!("127.0.0.1:{hl7_port}");
        let mut env = vec![("KETACLINIC_HL7__ACCOUNT", GATEWAY)];
        env.extend(extra_env);
        let server = Server::start_with(&db, &["--hl7-listen", &hl7], &env);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        Self { _dir: dir, server, hl7_port, client, nurse, desk }
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Value {
        let res = self.client.post(format!("{}{path}", self.server.base)).bearer_auth(token).json(&body).send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    async fn patient(&self, mrn: &str) -> String {
        let body = json!({"given_name": "Hal", "family_name": "Seven", "birth_date": "1970-01-01", "sex": "unknown", "mrn": mrn});
        let p = self.post(&self.desk, "/api/v1/patients", body).await;
        assert_eq!(p["mrn"], mrn);
        p["id"].as_str().unwrap().to_owned()
    }

    async fn session_for(&self, patient: &str) -> String {
        let s = self.post(&self.nurse, "/api/v1/sessions", json!({"patient_id": patient, "modality": "iv_ketamine"})).await;
        s["id"].as_str().unwrap().to_owned()
    }

    async fn session(&self, id: &str) -> Value {
        let res = self.client.get(format!("{}/api/v1/sessions/{id}", self.server.base)).bearer_auth(&self.nurse).send().await.unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        res.json().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn monitors_feed_vitals_into_the_open_session() {
    let clinic = Clinic::start(&[("KETACLINIC_HL7__MAX_MESSAGE_BYTES", "4096")]);
    let patient = clinic.patient("HL7-0001").await;
    let session = clinic.session_for(&patient).await;
    let mut conn = Mllp::connect(clinic.hl7_port).await;

    // A valid message: AA, and the reading is on the session.
    let first = oru("M-1", "HL7-0001", &hl7_time(600), 128);
    let ack = conn.exchange(&first).await;
    assert_eq!((ack.code.as_str(), ack.control_id.as_str()), ("AA", "M-1"), "{}", ack.raw);
    assert!(ack.raw.starts_with("MSH|^~\\&|KETACLINIC|CLINIC|MON-7|BAY2|"), "sender and receiver swapped: {}", ack.raw);
    let view = clinic.session(&session).await;
    let vitals = view["vitals"].as_array().unwrap();
    assert_eq!(vitals.len(), 1, "{view}");
    assert_eq!((vitals[0]["systolic"].as_u64(), vitals[0]["diastolic"].as_u64()), (Some(128), Some(82)));
    assert_eq!((vitals[0]["heart_rate"].as_u64(), vitals[0]["spo2"].as_u64()), (Some(71), Some(97)));
    assert_eq!(vitals[0]["device_id"], "MON-7/BAY2");
    assert!(view["alerts"].as_array().unwrap().is_empty(), "128/82 raises nothing");

    // The same message again (a gateway retry): accepted, no second reading.
    let ack = conn.exchange(&first.replace("|M-1|", "|M-1R|")).await;
    assert_eq!(ack.code, "AA", "{}", ack.raw);
    assert_eq!(clinic.session(&session).await["vitals"].as_array().unwrap().len(), 1, "duplicate ignored");

    // SBP 190 raises bp_high, as typed vitals do.
    let ack = conn.exchange(&oru("M-2", "HL7-0001", &hl7_time(540), 190)).await;
    assert_eq!(ack.code, "AA", "{}", ack.raw);
    let view = clinic.session(&session).await;
    let codes: Vec<&str> = view["alerts"].as_array().unwrap().iter().filter_map(|a| a["code"].as_str()).collect();
    assert_eq!(codes, ["bp_high"], "{view}");
    assert_eq!(view["alerts"][0]["device_id"], "MON-7/BAY2");

    // Unknown patient: AE with an ERR text.
    let ack = conn.exchange(&oru("M-3", "NOBODY-9", &hl7_time(500), 120)).await;
    assert_eq!((ack.code.as_str(), ack.control_id.as_str()), ("AE", "M-3"), "{}", ack.raw);
    assert!(ack.err_text.contains("no patient"), "{}", ack.raw);
    assert!(ack.raw.contains("ERR|||204^"), "{}", ack.raw);

    // A patient without an open session: AE.
    clinic.patient("HL7-0002").await;
    let ack = conn.exchange(&oru("M-4", "HL7-0002", &hl7_time(500), 120)).await;
    assert_eq!(ack.code, "AE", "{}", ack.raw);
    assert!(ack.err_text.contains("no open treatment session"), "{}", ack.raw);

    // Unusable values: wrong units, out of range. AE, nothing recorded.
    let ack = conn.exchange(&oru("M-5", "HL7-0001", &hl7_time(480), 120).replace("|mm[Hg]|", "|kPa|")).await;
    assert_eq!(ack.code, "AE", "{}", ack.raw);
    assert!(ack.err_text.contains("needs units mm[Hg]"), "{}", ack.raw);
    let ack = conn.exchange(&oru("M-6", "HL7-0001", &hl7_time(470), 900)).await;
    assert_eq!(ack.code, "AE", "{}", ack.raw);
    assert!(ack.err_text.contains("systolic"), "{}", ack.raw);
    assert_eq!(clinic.session(&session).await["vitals"].as_array().unwrap().len(), 2);

    // Malformed: AR (not HL7; not an ORU; a version we do not take).
    let ack = conn.exchange("this is not HL7").await;
    assert_eq!(ack.code, "AR", "{}", ack.raw);
    let adt = "MSH|^~\\&|ADT|HOSP|KC|CLINIC|20260101000000||ADT^A01|M-7|P|2.5\rPID|1||HL7-0001^^^^MR\r";
    let ack = conn.exchange(adt).await;
    assert_eq!((ack.code.as_str(), ack.control_id.as_str()), ("AR", "M-7"), "{}", ack.raw);
    let ack = conn.exchange(&oru("M-8", "HL7-0001", &hl7_time(460), 120).replace("|P|2.5\r", "|P|2.8\r")).await;
    assert_eq!(ack.code, "AR", "{}", ack.raw);

    // Two messages in one write, with junk before the first: two ACKs in order.
    let mut both = b"\r\n junk".to_vec();
    both.extend(frame(oru("M-9", "HL7-0001", &hl7_time(300), 121).as_bytes()));
    both.extend(frame(oru("M-10", "HL7-0001", &hl7_time(290), 122).as_bytes()));
    conn.send_raw(&both).await;
    let (a, b) = (conn.ack().await.unwrap(), conn.ack().await.unwrap());
    assert_eq!((a.control_id.as_str(), a.code.as_str(), b.control_id.as_str(), b.code.as_str()), ("M-9", "AA", "M-10", "AA"));

    // Many monitors at once: two connections interleaving, each message split across writes.
    let port = clinic.hl7_port;
    let mut tasks = Vec::new();
    for monitor in 0..2_u32 {
        tasks.push(tokio::spawn(async move {
            let mut conn = Mllp::connect(port).await;
            for i in 0..10_u32 {
                let msg = oru(&format!("C{monitor}-{i}"), "HL7-0001", &hl7_time(200 - i64::from(i)), 110 + i)
                    .replace("|MON-7|BAY2|", &format!("|MON-{monitor}|BAY{monitor}|"));
                let framed = frame(msg.as_bytes());
                let (x, y) = framed.split_at(framed.len() / 2);
                conn.send_raw(x).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
                conn.send_raw(y).await;
                let ack = conn.ack().await.unwrap();
                assert_eq!((ack.code.as_str(), ack.control_id.clone()), ("AA", format!("C{monitor}-{i}")), "{}", ack.raw);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(clinic.session(&session).await["vitals"].as_array().unwrap().len(), 4 + 20);

    // Larger than hl7.max_message_bytes: AR, and the connection is closed.
    let big = format!("{}NTE|1||{}\r", oru("M-11", "HL7-0001", &hl7_time(100), 120), "x".repeat(5000));
    conn.send_raw(&frame(big.as_bytes())).await;
    let ack = conn.ack().await.unwrap();
    assert_eq!(ack.code, "AR", "{}", ack.raw);
    assert!(ack.raw.contains("larger than 4096 bytes"), "{}", ack.raw);
    assert!(conn.ack().await.is_none(), "closed after an oversized message");
}

/// Runs `serve` expecting it to refuse to start; returns its stderr.
fn refused_start(db: &[&str], env: &[(&str, &str)]) -> String {
    let hl7 = format!("127.0.0.1:{}", free_port());
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(BIN)
        .args(db)
        .args(["serve", "--listen", &listen, "--hl7-listen", &hl7])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success());
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return err;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started although it should have refused");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_listener_needs_an_account_with_clinical_write() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(dir.path());
    let db: Vec<&str> = args.iter().map(String::as_str).collect();
    seed(&db);
    let err = refused_start(&db, &[]);
    assert!(err.contains("hl7.account"), "{err}");
    let err = refused_start(&db, &[("KETACLINIC_HL7__ACCOUNT", "nobody@test.example.org")]);
    assert!(err.contains("no staff account"), "{err}");
    let err = refused_start(&db, &[("KETACLINIC_HL7__ACCOUNT", "desk@test.example.org")]);
    assert!(err.contains("lacks clinical.write"), "{err}");
}

#[tokio::test]
async fn a_peer_outside_allowed_peers_is_closed_at_once() {
    let clinic = Clinic::start(&[("KETACLINIC_HL7__ALLOWED_PEERS", "[\"10.0.0.0/8\"]")]);
    let mut conn = Mllp::connect(clinic.hl7_port).await;
    // The server may have closed before the write: a failed write is fine too.
    let _ = conn.stream.write_all(&frame(oru("P-1", "HL7-0001", &hl7_time(60), 120).as_bytes())).await;
    assert!(conn.ack().await.is_none(), "closed without an ACK");
}
