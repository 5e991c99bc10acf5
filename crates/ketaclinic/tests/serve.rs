//! The server process: graceful shutdown on SIGTERM, built-in TLS with a `Secure` cookie,
//! JSON logs, Prometheus metrics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Server, data_args, free_port, seed};

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(dir.path());
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args(&args)
        .args(["--log-format", "json", "serve", "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_port(port);
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit status {:?}", out.status);
    let logs = String::from_utf8_lossy(&out.stderr);
    for line in logs.lines() {
        let _: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("--log-format json writes JSON lines ({e}): {line}"));
    }
    assert!(logs.contains("finishing in-flight requests") && logs.contains("stopped"), "{logs}");
}

#[test]
fn built_in_tls_serves_https_with_a_secure_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed to make a test certificate");
    assert!(made.success());
    let data = dir.path().join("data");
    let args = data_args(&data);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    seed(&refs);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(&refs)
        .args(["serve", "--listen", &listen, "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    let out = Command::new("curl")
        .args(["-sk", "-i", "-H", "Content-Type: application/json", "-d", r#"{"email":"desk@test.example.org","password":"a long test password"}"#])
        .arg(format!("https://localhost:{port}/api/v1/auth/login"))
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/"), "an HTTPS answer: {text}");
    let cookie = text.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).unwrap_or_default();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_audit_events() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(dir.path());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let token = seed(&refs);
    let server = Server::start(&refs);
    let client = reqwest::Client::new();
    let missing = "01900000-0000-7000-8000-000000000000";
    let res = client.get(format!("{}/api/v1/patients/{missing}", server.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::NOT_FOUND);
    let metrics = client.get(format!("{}/metrics", server.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"http_requests_total{method="GET",route="/api/v1/patients/{id}",status="404"} 1"#), "{metrics}");
    assert!(metrics.contains("http_request_duration_seconds_bucket"), "latency histogram");
    assert!(metrics.contains("audit_events_appended_total"), "audit counter");
    assert!(metrics.contains("db_pool_idle_connections"), "pool gauge");
    assert!(!metrics.contains(missing), "no identifiers in metrics");
}
