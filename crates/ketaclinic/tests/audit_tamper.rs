//! `ketaclinic audit verify` against a real database: it passes untouched, the database itself
//! refuses UPDATE and DELETE of audit rows, and with the triggers dropped every kind of
//! tampering (edit, delete, forged insert) is found and the row named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use std::path::Path;

use common::{cli, data_args, ok, seed};
use sqlx::{Connection, Executor, SqliteConnection};

/// A database with a few audit rows (account creations, a token), written by the CLI.
fn fresh_sqlite(dir: &Path) -> Vec<String> {
    let args = data_args(dir);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    seed(&refs);
    args
}

async fn connect(dir: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", dir.join("ketaclinic.db").display())).await.unwrap()
}

fn verify(args: &[String]) -> (bool, String) {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["audit", "verify"]);
    let out = cli(&all, None);
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

const DROP_TRIGGERS: &str = "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;";

#[tokio::test]
async fn untouched_chain_verifies_and_the_database_refuses_changes() {
    let dir = tempfile::tempdir().unwrap();
    let args = fresh_sqlite(dir.path());
    let (passed, text) = verify(&args);
    assert!(passed, "{text}");
    assert!(text.contains("audit chain intact: 3 rows"), "{text}");
    let mut conn = connect(dir.path()).await;
    let update = conn.execute("UPDATE audit_events SET actor_label = 'mallory' WHERE seq = 2").await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM audit_events WHERE seq = 2").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let versions = conn.execute("DELETE FROM patient_versions").await;
    assert!(versions.is_ok(), "deleting zero rows fires no row trigger");
    assert!(verify(&args).0);
}

#[tokio::test]
async fn an_updated_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let args = fresh_sqlite(dir.path());
    let mut conn = connect(dir.path()).await;
    conn.execute(DROP_TRIGGERS).await.unwrap();
    conn.execute("UPDATE audit_events SET actor_label = 'someone-else@example.org' WHERE seq = 2").await.unwrap();
    conn.close().await.unwrap();
    let (passed, text) = verify(&args);
    assert!(!passed);
    assert!(text.contains("seq=2") && text.contains("altered or forged"), "{text}");
}

#[tokio::test]
async fn a_deleted_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let args = fresh_sqlite(dir.path());
    let mut conn = connect(dir.path()).await;
    conn.execute(DROP_TRIGGERS).await.unwrap();
    conn.execute("DELETE FROM audit_events WHERE seq = 2").await.unwrap();
    conn.close().await.unwrap();
    let (passed, text) = verify(&args);
    assert!(!passed);
    assert!(text.contains("seq=3") && text.contains("expected seq 2"), "{text}");
}

#[tokio::test]
async fn a_forged_row_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let args = fresh_sqlite(dir.path());
    let mut conn = connect(dir.path()).await;
    conn.execute(DROP_TRIGGERS).await.unwrap();
    // A forger copies the last row's hash as prev_hash and invents the rest.
    conn.execute(
        "INSERT INTO audit_events (seq, id, at, actor_label, action, outcome, prev_hash, hash) \
         SELECT seq + 1, '01900000-0000-7000-8000-000000000001', at, 'forger@example.org', 'patient.read', 'success', hash, \
         '0000000000000000000000000000000000000000000000000000000000000abc' FROM audit_events ORDER BY seq DESC LIMIT 1",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();
    let (passed, text) = verify(&args);
    assert!(!passed);
    assert!(text.contains("seq=4") && text.contains("altered or forged"), "{text}");
}

#[tokio::test]
async fn postgres_refuses_changes_and_verify_names_the_tampered_row() {
    let Some(url) = common::fresh_postgres("postgres_refuses_changes_and_verify_names_the_tampered_row").await else { return };
    let args = vec!["--database-url".to_owned(), url.clone()];
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    seed(&refs);
    assert!(verify(&args).0);
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    for sql in ["UPDATE audit_events SET actor_label = 'x' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2", "TRUNCATE audit_events"] {
        let err = conn.execute(sql).await.unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER USER").await.unwrap();
    conn.execute("UPDATE audit_events SET action = 'auth.logout' WHERE seq = 2").await.unwrap();
    let (passed, text) = verify(&args);
    assert!(!passed && text.contains("seq=2"), "{text}");
    let _ = ok;
}
