//! Choosing the backend from the database URL.
//!
//! `sqlite://PATH` (or nothing: `DATA_DIR/ketaclinic.db`) opens the embedded database;
//! `postgres://` / `postgresql://` opens PostgreSQL. Anything else is an error, so a typo never
//! silently creates an empty database somewhere.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use ketaclinic_store::Storage;
use ketaclinic_store_postgres::PgStore;
use ketaclinic_store_sqlite::SqliteStore;
use secrecy::ExposeSecret;

use crate::config::Config;

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Backend {
    /// Reads the configured URL (or the default SQLite file in the data dir).
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let Some(url) = &config.database_url else { return Ok(Self::Sqlite(config.data_dir.join("ketaclinic.db"))) };
        let url = url.expose_secret();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(path) = SqliteStore::path_from_url(url) {
            return Ok(Self::Sqlite(path.to_path_buf()));
        }
        let scheme = url.split(':').next().unwrap_or_default();
        bail!("unrecognised database URL scheme {scheme:?}: use sqlite://PATH or postgres://…")
    }

    /// Describes the backend without secrets.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite at {}", path.display()),
            Self::Postgres(_) => "PostgreSQL (URL not shown)".to_owned(),
        }
    }
}

/// An opened, migrated store, with the concrete SQLite handle when it is SQLite (for backup).
#[derive(Clone)]
pub struct Opened {
    pub store: Arc<dyn Storage>,
    pub sqlite: Option<Arc<SqliteStore>>,
}

/// Opens the backend and runs pending migrations.
pub async fn open(backend: &Backend) -> anyhow::Result<Opened> {
    match backend {
        Backend::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create data directory {}", dir.display()))?;
            }
            let store = Arc::new(SqliteStore::open(path).await.with_context(|| format!("cannot open SQLite database {}", path.display()))?);
            Ok(Opened { store: store.clone(), sqlite: Some(store) })
        }
        Backend::Postgres(url) => {
            let store = PgStore::connect(url).await.context("cannot open PostgreSQL database")?;
            Ok(Opened { store: Arc::new(store), sqlite: None })
        }
    }
}
