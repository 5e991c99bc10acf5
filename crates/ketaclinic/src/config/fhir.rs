//! The FHIR endpoint's settings (`[fhir]`): where Bulk Data export files go and how long they
//! are kept.

use std::path::{Path, PathBuf};

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// `[fhir]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct FhirConfig {
    /// Directory for export files; default `{data_dir}/exports`. Export files hold whole
    /// charts: keep this on the same protected disk as the database.
    pub export_dir: Option<PathBuf>,
    /// Minutes a finished export's files are kept for the client to download.
    pub export_retention_minutes: u32,
    /// Exports that may run at once (each reads the whole clinic).
    pub export_max_running: usize,
}

impl Default for FhirConfig {
    fn default() -> Self {
        Self { export_dir: None, export_retention_minutes: 60, export_max_running: 2 }
    }
}

impl FhirConfig {
    /// Checks the section.
    pub fn check(&self) -> anyhow::Result<()> {
        if !(1..=7 * 24 * 60).contains(&self.export_retention_minutes) {
            bail!("fhir.export_retention_minutes must be between 1 and 10080 (a week)");
        }
        if !(1..=16).contains(&self.export_max_running) {
            bail!("fhir.export_max_running must be between 1 and 16");
        }
        Ok(())
    }

    /// The export settings the web layer uses.
    pub fn export_settings(&self, data_dir: &Path) -> ketaclinic_web::fhir_export_job::ExportSettings {
        ketaclinic_web::fhir_export_job::ExportSettings {
            dir: self.export_dir.clone().unwrap_or_else(|| data_dir.join("exports")),
            retention: jiff::SignedDuration::from_mins(i64::from(self.export_retention_minutes)),
            max_running: self.export_max_running,
        }
    }
}
