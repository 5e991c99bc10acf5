//! The operator commands: migrate, user add, token create, audit verify, ledger verify, backup,
//! restore.

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

/// Verifies the controlled-substance ledger: its hash chain and its balances.
pub async fn ledger_verify(config: &Config) -> anyhow::Result<ExitCode> {
    let (app, _) = app(config).await?;
    match app.verify_ledger().await? {
        Ok(report) => {
            println!("ledger intact: {} rows over {} containers; every balance adds up; head {}", report.rows, report.containers, report.head);
            Ok(ExitCode::SUCCESS)
        }
        Err(problem) => {
            eprintln!("ledger BROKEN: {problem}");
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

/// `ketaclinic pk simulate`: one dose from flags, or a whole request document.
#[derive(Debug, clap::Args)]
pub struct PkArgs {
    /// A request document as for `POST /api/v1/pk/simulate` (`-` reads stdin); overrides the flags.
    #[arg(long)]
    request: Option<std::path::PathBuf>,
    /// domino1984, clements1981, hijazi2003, kamp2020 or perez_ruixo2021.
    #[arg(long, default_value = "domino1984")]
    model: String,
    #[arg(long, default_value_t = 70.0)]
    weight_kg: f64,
    #[arg(long)]
    age_years: Option<f64>,
    /// iv_bolus, iv_infusion, im, intranasal or oral.
    #[arg(long, default_value = "iv_infusion")]
    route: String,
    #[arg(long, default_value_t = 35.0)]
    dose_mg: f64,
    #[arg(long, default_value_t = 0.0)]
    start_min: f64,
    /// Infusion length (iv_infusion only).
    #[arg(long)]
    duration_min: Option<f64>,
    #[arg(long, default_value_t = 240.0)]
    end_min: f64,
    #[arg(long, default_value_t = 1.0)]
    step_min: f64,
}

/// Runs the model and prints the result; exit 1 with the field named on bad input.
pub fn pk_simulate(args: &PkArgs) -> anyhow::Result<ExitCode> {
    let document = match &args.request {
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
            serde_json::from_str(&text).context("the request is not valid JSON")?
        }
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?).context("the request is not valid JSON")?,
        None => {
            let duration = args.duration_min.or_else(|| (args.route == "iv_infusion").then_some(40.0));
            serde_json::json!({
                "model": args.model,
                "patient": {"weight_kg": args.weight_kg, "age_years": args.age_years},
                "regimen": [{"route": args.route, "dose_mg": args.dose_mg, "start_min": args.start_min, "duration_min": duration}],
                "end_min": args.end_min,
                "step_min": args.step_min,
            })
        }
    };
    let request: ketaclinic_pk::SimulationRequest = serde_json::from_value(document).context("the request does not match the simulate schema")?;
    match ketaclinic_pk::simulate(&request) {
        Ok(result) => {
            println!("{}", serde_json::to_string(&result)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("error: {}: {err}", err.field().unwrap_or_else(|| "request".to_owned()));
            Ok(ExitCode::FAILURE)
        }
    }
}
