//! Durability: SIGKILL the server in the middle of a stream of patient registrations; after a
//! restart every registration that was answered `201 Created` is there, and the audit chain is
//! intact. (SQLite, `synchronous=FULL` with group commit — see docs/operations.md.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Server, data_args, ok, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_create_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(dir.path());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let token = seed(&refs);
    let server = Server::start(&refs);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..16 {
        let (client, acked, stop, base, token) = (client.clone(), acked.clone(), stop.clone(), server.base.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body =
                    serde_json::json!({"given_name": format!("W{w}"), "family_name": format!("Durable{n}"), "birth_date": "1970-01-01", "sex": "unknown"});
                let Ok(res) = client.post(format!("{base}/api/v1/patients")).bearer_auth(&token).json(&body).send().await else { break };
                if res.status() != reqwest::StatusCode::CREATED {
                    break;
                }
                let Ok(json) = res.json::<serde_json::Value>().await else { break };
                acked.lock().unwrap().push(json["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "the stream was running when the server died ({} acknowledged)", acked.len());

    let restarted = Server::start(&refs);
    let mut missing = Vec::new();
    for id in &acked {
        let res = client.get(format!("{}/api/v1/patients/{id}", restarted.base)).bearer_auth(&token).send().await.unwrap();
        if res.status() != reqwest::StatusCode::OK {
            missing.push(id.clone());
        }
    }
    assert!(missing.is_empty(), "{} of {} acknowledged creates were lost: {missing:?}", missing.len(), acked.len());
    drop(restarted);
    let mut verify = refs.clone();
    verify.extend(["audit", "verify"]);
    let out = ok(&verify, None);
    assert!(out.contains("audit chain intact"), "{out}");
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "durability: {} acknowledged creates, all present after SIGKILL and restart", acked.len());
}
