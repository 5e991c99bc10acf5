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
