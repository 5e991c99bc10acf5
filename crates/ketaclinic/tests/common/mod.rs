//! Runs the real `ketaclinic` binary: CLI commands and a server on a free port.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test harness: a failed setup step should stop the test loudly")]

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ketaclinic");

/// Runs `ketaclinic ARGS` with `stdin` and returns its output.
pub fn cli(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child =
        Command::new(BIN).args(args).env("KETACLINIC_LOG", "warn").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// `cli` that must succeed; returns stdout.
pub fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = cli(args, stdin);
    assert!(out.status.success(), "ketaclinic {args:?} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Creates an admin and a front-desk account and returns a front-desk API token.
pub fn seed(db_args: &[&str]) -> String {
    let add = |email: &str, role: &str| {
        let mut args = db_args.to_vec();
        args.extend(["user", "add", "--email", email, "--name", "Test Person", "--role", role, "--password-stdin"]);
        ok(&args, Some("a long test password\n"));
    };
    add("admin@test.example.org", "admin");
    add("desk@test.example.org", "front_desk");
    let mut args = db_args.to_vec();
    args.extend(["token", "create", "--email", "desk@test.example.org", "--name", "test client"]);
    let out = ok(&args, None);
    let token = out.trim().to_owned();
    assert!(token.starts_with("kc_") && !token.contains('\n'), "token alone on its line: {out:?}");
    token
}

/// A running server process.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn start(db_args: &[&str]) -> Self {
        Self::start_with(db_args, &[], &[])
    }

    /// `start` with more `serve` flags and environment variables.
    pub fn start_with(db_args: &[&str], serve_args: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut args = db_args.to_vec();
        args.extend(["serve", "--listen", &listen]);
        args.extend(serve_args);
        let child = Command::new(BIN)
            .args(&args)
            .env("KETACLINIC_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Self { child, base: format!("http://{listen}") };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(self.base.trim_start_matches("http://")).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not start");
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn data_args(dir: &Path) -> Vec<String> {
    vec!["--data-dir".to_owned(), dir.display().to_string()]
}

/// A fresh PostgreSQL database URL, or `None` (printing SKIPPED) when none is configured.
pub async fn fresh_postgres(test: &str) -> Option<String> {
    let Ok(admin_url) = std::env::var("KETACLINIC_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("KETACLINIC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "KETACLINIC_REQUIRE_POSTGRES=1 but KETACLINIC_TEST_POSTGRES_URL is not set"
        );
        // Straight to stderr: libtest hides `eprintln!` of passing tests, and a skip must show.
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: KETACLINIC_TEST_POSTGRES_URL not set (PostgreSQL test not run)");
        return None;
    };
    use sqlx::Connection;
    let name = format!("ketaclinic_test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let (prefix, _) = admin_url.rsplit_once('/').unwrap();
    Some(format!("{prefix}/{name}"))
}
