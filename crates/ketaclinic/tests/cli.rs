//! Command-line behaviour: URL typo guard, configuration errors, backup and restore.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

mod common;

use common::{cli, data_args, ok, seed};

#[test]
fn an_unrecognised_database_url_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(&["--database-url", "postgress://typo@localhost/db", "--data-dir", dir.path().to_str().unwrap(), "migrate"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognised database URL scheme \"postgress\""));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was created");
}

#[test]
fn configuration_errors_are_reported_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ketaclinic.toml");
    std::fs::write(&file, "[clinic]\ntimezone = \"Mars/Olympus_Mons\"\n").unwrap();
    let out = cli(&["--config", file.to_str().unwrap(), "--data-dir", dir.path().to_str().unwrap(), "migrate"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("clinic.timezone"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn passwords_shorter_than_twelve_characters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        &["--data-dir", dir.path().to_str().unwrap(), "user", "add", "--email", "a@b.org", "--name", "A", "--role", "nurse", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
}

#[test]
fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(&dir.path().join("live"));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    seed(&refs);
    let backup = dir.path().join("backup.db");
    let mut b = refs.clone();
    b.extend(["backup", "--to", backup.to_str().unwrap()]);
    assert!(ok(&b, None).contains("backup written"));
    assert!(!cli(&b, None).status.success(), "an existing backup file is never overwritten");

    let restored = dir.path().join("restored");
    let out = ok(&["--data-dir", restored.to_str().unwrap(), "restore", "--from", backup.to_str().unwrap()], None);
    assert!(out.contains("audit chain intact (3 rows)"), "{out}");
    let again = cli(&["--data-dir", restored.to_str().unwrap(), "restore", "--from", backup.to_str().unwrap()], None);
    assert!(!again.status.success(), "restore refuses a non-empty data directory");

    std::fs::write(dir.path().join("garbage.db"), b"not a database at all").unwrap();
    let bad = cli(&["--data-dir", dir.path().join("other").to_str().unwrap(), "restore", "--from", dir.path().join("garbage.db").to_str().unwrap()], None);
    assert!(!bad.status.success());
}

#[test]
fn pk_simulate_prints_the_same_model_as_the_api() {
    let out = ok(
        &[
            "pk",
            "simulate",
            "--model",
            "domino1984",
            "--weight-kg",
            "70",
            "--route",
            "iv_infusion",
            "--dose-mg",
            "35",
            "--duration-min",
            "40",
            "--end-min",
            "60",
        ],
        None,
    );
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    let at_40 = result["plasma_ng_ml"][40].as_f64().unwrap();
    assert!((at_40 - 240.33).abs() < 0.01, "PK.md oracle: 240.33 ng/mL at the end of a 35 mg / 40 min infusion, got {at_40}");
    let bad = cli(&["pk", "simulate", "--weight-kg", "900"], None);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("patient.weight_kg"));
}

#[test]
fn ledger_verify_passes_on_an_empty_ledger_and_names_a_tampered_row() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(dir.path());
    let mut refs: Vec<&str> = args.iter().map(String::as_str).collect();
    seed(&refs);
    refs.extend(["ledger", "verify"]);
    let out = ok(&refs, None);
    assert!(out.contains("ledger intact: 0 rows"), "{out}");
    // A row slipped in behind the application's back (no insert trigger exists to stop it; the
    // chain does): verify fails and names it.
    let db = dir.path().join("ketaclinic.db");
    let forged = forge_ledger_row(&db);
    assert!(forged, "forged row inserted");
    let bad = cli(&refs, None);
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("seq=1") && said.contains("unreadable"), "{said}");
}

/// Inserts a forged product, receipt, container and ledger row with plain SQL.
fn forge_ledger_row(db: &std::path::Path) -> bool {
    use sqlx::{Connection, Executor};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        conn.execute(
            "INSERT INTO cs_locations (id, name, active, created_at, created_by) SELECT '01900000-0000-7000-8000-000000000001', 'Forged safe', 1, 0, id FROM users LIMIT 1; \
             INSERT INTO cs_receipts (id, supplier_name, supplier_address, supplier_dea, invoice, received_on, received_at, received_by, product_id, lot, expiry, packages, location_id) \
               SELECT '01900000-0000-7000-8000-000000000002', 'x', 'x', 'AB1234563', 'x', '2026-01-01', 0, id, 'ketamine-50mg-ml-10ml', 'x', '2030-01-01', 1, '01900000-0000-7000-8000-000000000001' FROM users LIMIT 1; \
             INSERT INTO cs_containers (id, number, label, product_id, receipt_id, lot, expiry) VALUES ('01900000-0000-7000-8000-000000000003', 1, 'V-000001', 'ketamine-50mg-ml-10ml', '01900000-0000-7000-8000-000000000002', 'x', '2030-01-01'); \
             INSERT INTO ledger_entries (seq, id, at, container_id, recorded_by, kind, delta_ul, delta_ug, movement, prev_hash, hash) \
               VALUES (1, '01900000-0000-7000-8000-000000000004', 0, '01900000-0000-7000-8000-000000000003', '01900000-0000-7000-8000-000000000005', 'receipt', 10000, 500000, '{}', \
               '0000000000000000000000000000000000000000000000000000000000000000', 'forged')",
        )
        .await
        .is_ok()
    })
}
