//! Throw-away PostgreSQL databases for the tests of this crate.
//!
//! A test that needs PostgreSQL reads `KETACLINIC_TEST_POSTGRES_URL` (an administrator URL such
//! as `postgres://postgres@127.0.0.1:5432/postgres`). Without it the test says on stderr that it
//! was skipped; CI also sets `KETACLINIC_REQUIRE_POSTGRES=1`, which turns the skip into a
//! failure so a missing database can never pass as green.

use std::io::Write;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection};
use uuid::Uuid;

/// Every database this crate's tests create starts with this (the rest is a UUIDv7).
const PREFIX: &str = "ketaclinic_test_";
/// Test databases older than this are dropped by later runs (each holds a few megabytes). A
/// test uses its database for about a second, and one still in use cannot be dropped anyway.
const STALE_AFTER: Duration = Duration::from_secs(600);

/// Fails the test. Tests may panic; the workspace lint exists for production code.
pub fn fail(what: &str) -> ! {
    #[expect(clippy::panic, reason = "a test precondition failed")]
    {
        panic!("{what}")
    }
}

/// Creates an empty database and returns its URL, or `None` (after saying so) when no
/// PostgreSQL is configured and none is required. `what` names the skipped test for the log.
pub async fn fresh_database(what: &str) -> Option<String> {
    let admin_url = match std::env::var("KETACLINIC_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var("KETACLINIC_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
            fail("KETACLINIC_REQUIRE_POSTGRES=1 but KETACLINIC_TEST_POSTGRES_URL is not set")
        }
        _ => {
            // Straight to the process's stderr: `eprintln!` would be captured by the test harness
            // and hidden for a passing test, and a skip must never be silent.
            let _ = writeln!(std::io::stderr(), "SKIPPED: KETACLINIC_TEST_POSTGRES_URL not set ({what} not run)");
            return None;
        }
    };
    let options = PgConnectOptions::from_str(&admin_url).unwrap_or_else(|e| fail(&format!("KETACLINIC_TEST_POSTGRES_URL: {e}")));
    let mut admin = options.disable_statement_logging().connect().await.unwrap_or_else(|e| fail(&format!("connect to {admin_url}: {e}")));
    let name = format!("{PREFIX}{}", Uuid::now_v7().simple());
    // Database names cannot be bound as parameters; this one is ours (letters, digits and
    // underscores), so splicing it into the DDL is safe.
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap_or_else(|e| fail(&format!("CREATE DATABASE {name}: {e}")));
    drop_stale(&mut admin).await;
    let _ = admin.close().await;
    Some(with_database(&admin_url, &name))
}

/// Drops test databases left by earlier runs. Best effort: one still in use is left alone.
async fn drop_stale(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'ketaclinic\\_test\\_%'").fetch_all(&mut *admin).await.unwrap_or_default();
    let cutoff = SystemTime::now().checked_sub(STALE_AFTER).unwrap_or(SystemTime::UNIX_EPOCH);
    for name in names {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|id| Uuid::try_parse(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|t| t.to_unix())
            .map(|(secs, nanos)| SystemTime::UNIX_EPOCH + Duration::new(secs, nanos));
        if created.is_some_and(|at| at < cutoff) {
            let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut *admin).await;
        }
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any `?query`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let end = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{}/{name}{query}", &base[..end])
}
