//! The operator commands: migrate, user add, token create, audit verify, backup, restore.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use ketaclinic_app::clock::SystemClock;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{Actor, App};

use crate::config::Config;
use crate::storage::{self, Backend};

async fn app(config: &Config) -> anyhow::Result<(App, storage::Opened)> {
    let opened = storage::open(&Backend::from_config(config)?).await?;
    Ok((App::new(opened.store.clone(), Arc::new(SystemClock), config.settings()?), opened))
}

/// Applies pending migrations.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let backend = Backend::from_config(config)?;
    storage::open(&backend).await?;
    println!("migrations applied ({})", backend.describe());
    Ok(())
}

/// A random password for a new account, printed once.
fn generated_password() -> anyhow::Result<String> {
    let hex = ketaclinic_app::secrets::random_hex()?;
    // 20 hex characters = 80 bits, in groups of five for reading aloud.
    Ok(hex.as_bytes().chunks(5).take(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-"))
}

/// Creates a staff account.
pub async fn user_add(config: &Config, email: &str, name: &str, role: &str, password_stdin: bool) -> anyhow::Result<()> {
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generated_password()?, true)
    };
    let (app, _) = app(config).await?;
    let grant = app.authorize::<perm::UserManage>(&Actor::console()).await?;
    let input = NewUserInput { email: email.to_owned(), display_name: name.to_owned(), role: role.to_owned(), password: password.clone() };
    let user = app.create_user(&grant, input).await.map_err(|e| match e {
        ketaclinic_app::AppError::Invalid(errors) => anyhow::anyhow!("{errors}"),
        other => anyhow::anyhow!(other),
    })?;
    println!("created {} ({}) as {}", user.email.as_str(), user.display_name.as_str(), user.role.as_str());
    if generated {
        println!("password: {password}");
        println!("(shown once; the user should change it at first login)");
    }
    Ok(())
}

/// Prints a new API token alone on its line.
pub async fn token_create(config: &Config, email: &str, label: &str) -> anyhow::Result<()> {
    let (app, _) = app(config).await?;
    let grant = app.authorize::<perm::UserManage>(&Actor::console()).await?;
    let user = app.user_by_email(&grant, email).await.with_context(|| format!("no account with e-mail {email}"))?;
    let created = app.create_token(&grant, user.id, label).await?;
    println!("{}", created.secret);
    Ok(())
}

/// Verifies the audit hash chain.
pub async fn audit_verify(config: &Config) -> anyhow::Result<ExitCode> {
    let (app, _) = app(config).await?;
    match app.verify_audit_chain().await? {
        Ok(report) => {
            println!("audit chain intact: {} rows; head {}", report.rows, report.head);
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            eprintln!("audit chain BROKEN at {broken}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Writes a consistent SQLite backup.
pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!("{} already exists; choose a new file", to.display());
    }
    let (app, opened) = app(config).await?;
    let Some(sqlite) = opened.sqlite else { bail!("backup works on the SQLite backend; for PostgreSQL use pg_dump / pg_basebackup") };
    sqlite.backup_to(to).await?;
    let rows = app.verify_audit_chain().await?.map(|r| r.rows).unwrap_or(0);
    println!("backup written to {} ({rows} audit rows at the time of backup)", to.display());
    Ok(())
}

/// Restores a backup into an empty data directory.
pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<()> {
    let Backend::Sqlite(target) = Backend::from_config(config)? else { bail!("restore works on the SQLite backend; for PostgreSQL use pg_restore") };
    if target.exists() {
        bail!("{} already exists: restore only into an empty data directory", target.display());
    }
    ketaclinic_store_sqlite::check_file(from).await.with_context(|| format!("{} is not an intact SQLite database", from.display()))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(from, &target).with_context(|| format!("cannot copy to {}", target.display()))?;
    let (app, _) = app(config).await?;
    match app.verify_audit_chain().await? {
        Ok(report) => println!("restored into {}; audit chain intact ({} rows)", target.display(), report.rows),
        Err(broken) => bail!("restored, but the audit chain is broken at {broken}"),
    }
    Ok(())
}
