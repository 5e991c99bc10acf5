//! `ketaclinic`: the one binary. Wiring only — every rule lives in the library crates.

mod commands;
mod config;
mod demo;
mod demo_chart;
#[cfg(test)]
mod demo_export_check;
mod demo_register;
mod demo_sessions;
mod hl7_listener;
mod serve;
mod storage;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Overrides;

/// Runs a ketamine / esketamine therapy clinic: one binary, SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "ketaclinic", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// TOML configuration file.
    #[arg(long, global = true, env = "KETACLINIC_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, exports). Default ./ketaclinic-data.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data directory).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Log format: text or json.
    #[arg(long, global = true)]
    log_format: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Serve a clinic full of fictional demo data and print the demo logins.
    Demo {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The controlled-substance ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Pharmacokinetic model estimates (no database needed).
    #[command(subcommand)]
    Pk(PkCommand),
    /// Write a consistent copy of the SQLite database (safe while the server runs).
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty data directory.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Address of the HL7 v2 MLLP listener for patient monitors.
    #[arg(long)]
    hl7_listen: Option<SocketAddr>,
    /// TLS certificate chain (PEM); with --tls-key, serve HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a staff account. Without --password-stdin a strong password is generated and printed once.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// front_desk, nurse, prescriber, therapist, admin or auditor.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a new API bearer token acting as the account (alone on its line).
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum PkCommand {
    /// Same model and output as `POST /api/v1/pk/simulate`, JSON on stdout. Give the request
    /// document with --request (a file, or - for stdin), or one dose with the flags.
    Simulate(commands::PkArgs),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Exit 0 when the hash chain is intact; otherwise name the first bad row and exit 1.
    Verify,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Exit 0 when the ledger's hash chain is intact and every balance adds up (none negative;
    /// per container received = drawn + disposed + lost + remaining with returns and
    /// adjustments; per draw drawn = administered + wasted + returned); otherwise name the first
    /// bad row and exit 1.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut overrides = Overrides {
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
        log_format: cli.global.log_format.clone(),
        ..Overrides::default()
    };
    match cli.command {
        Command::Serve(args) => {
            overrides.listen = args.listen;
            overrides.hl7_listen = args.hl7_listen;
            overrides.tls_cert = args.tls_cert;
            overrides.tls_key = args.tls_key;
            let config = config::Config::load(cli.global.config.as_deref(), &overrides)?;
            serve::init_tracing(&config.log_format);
            serve::serve(config, None).await?;
        }
        Command::Demo { listen } => {
            overrides.listen = listen;
            demo::run(cli.global.config.as_deref(), overrides).await?;
        }
        Command::Migrate => commands::migrate(&load(&cli.global, &overrides)?).await?,
        Command::User(UserCommand::Add { email, name, role, password_stdin }) => {
            commands::user_add(&load(&cli.global, &overrides)?, &email, &name, &role, password_stdin).await?;
        }
        Command::Token(TokenCommand::Create { email, name }) => commands::token_create(&load(&cli.global, &overrides)?, &email, &name).await?,
        Command::Audit(AuditCommand::Verify) => return commands::audit_verify(&load(&cli.global, &overrides)?).await,
        Command::Ledger(LedgerCommand::Verify) => return commands::ledger_verify(&load(&cli.global, &overrides)?).await,
        Command::Pk(PkCommand::Simulate(args)) => return commands::pk_simulate(&args),
        Command::Backup { to } => commands::backup(&load(&cli.global, &overrides)?, &to).await?,
        Command::Restore { from } => commands::restore(&load(&cli.global, &overrides)?, &from).await?,
    }
    Ok(ExitCode::SUCCESS)
}

fn load(global: &GlobalArgs, overrides: &Overrides) -> anyhow::Result<config::Config> {
    config::Config::load(global.config.as_deref(), overrides)
}
