//! What every handler can reach.

use std::sync::Arc;

use ketaclinic_app::App;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::assets::Assets;
use crate::board_hub::BoardHub;
use crate::fhir_export_job::{ExportJobs, ExportSettings};

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Add `Secure` to cookies (set when serving over TLS or behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// Shown in the page header and titles.
    pub clinic_name: String,
    /// The server's public base URL (`https://clinic.example.org`): FHIR fullUrls and the
    /// canonical URLs of local code systems hang off it, so it must be stable for a clinic.
    pub public_url: String,
    /// Where Bulk Data export files go and how long they are kept.
    pub export: ExportSettings,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { secure_cookies: false, clinic_name: "ketaclinic".to_owned(), public_url: "http://127.0.0.1:8080".to_owned(), export: ExportSettings::default() }
    }
}

/// Router state: the application and the edge's own pieces.
#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    pub web: Arc<WebConfig>,
    pub metrics: Option<PrometheusHandle>,
    pub assets: Arc<Assets>,
    /// Fan-out of session changes to chair boards and open session pages.
    pub board_hub: Arc<BoardHub>,
    /// This process's Bulk Data export jobs.
    pub exports: Arc<ExportJobs>,
}

impl AppState {
    /// State for `app` with `web` settings and an optional Prometheus handle.
    pub fn new(app: App, web: WebConfig, metrics: Option<PrometheusHandle>) -> Self {
        let exports = Arc::new(ExportJobs::new(web.export.clone()));
        Self { app, web: Arc::new(web), metrics, assets: Arc::new(Assets::load()), board_hub: Arc::new(BoardHub::default()), exports }
    }
}
