//! Starting the server: logs, metrics, storage, HTTP (optionally TLS), graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use ketaclinic_app::App;
use ketaclinic_app::clock::SystemClock;
use ketaclinic_web::{AppState, WebConfig};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::config::Config;
use crate::storage::{self, Backend};

/// How long in-flight requests get to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Installs the log subscriber: human text, or JSON lines for log shippers. Application logs
/// never carry PHI: handlers log request metadata and error causes, not bodies.
pub fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KETACLINIC_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

fn metrics_handle() -> Option<PrometheusHandle> {
    let buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
    PrometheusBuilder::new().set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".to_owned()), &buckets).ok()?.install_recorder().ok()
}

/// Builds the app and router for `config`.
pub async fn build(config: &Config) -> anyhow::Result<(Router, App)> {
    let backend = Backend::from_config(config)?;
    tracing::info!(backend = %backend.describe(), "opening database");
    let opened = storage::open(&backend).await?;
    let app = App::new(opened.store, Arc::new(SystemClock), config.settings()?);
    let secure = config.secure_cookies || config.tls_cert.is_some();
    // The public base URL (FHIR fullUrls, local code systems): configured, else the listen address.
    let public_url = match config.public_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("{}://{}", if config.tls_cert.is_some() { "https" } else { "http" }, config.listen),
    };
    let web = WebConfig { secure_cookies: secure, clinic_name: config.clinic.name.clone(), public_url, export: config.fhir.export_settings(&config.data_dir) };
    let state = AppState::new(app.clone(), web, metrics_handle());
    Ok((ketaclinic_web::router(state), app))
}

/// Runs until SIGTERM / Ctrl-C, then lets in-flight requests (and HL7 messages) finish.
pub async fn serve(config: Config, banner: Option<String>) -> anyhow::Result<()> {
    let started = Instant::now();
    let (router, app) = build(&config).await?;
    // One shutdown signal for every listener.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    // The MLLP listener is bound before HTTP answers, so "ready" covers both.
    let hl7 = match config.hl7_listen {
        Some(addr) => Some(crate::hl7_listener::start(addr, &config.hl7, app.clone(), stopping.clone()).await?),
        None => None,
    };
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await.context("cannot load the TLS certificate or key")?;
            let handle = axum_server::Handle::new();
            let shutdown = handle.clone();
            let signal = stopping.clone();
            tokio::spawn(async move {
                stopped(signal).await;
                shutdown.graceful_shutdown(Some(SHUTDOWN_GRACE));
            });
            announce(&format!("https://{}", config.listen), started, banner.as_deref());
            axum_server::bind_rustls(config.listen, tls).handle(handle).serve(service).await.context("server failed")?;
        }
        _ => {
            let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
            announce(&format!("http://{}", listener.local_addr()?), started, banner.as_deref());
            axum::serve(listener, service).with_graceful_shutdown(stopped(stopping.clone())).await.context("server failed")?;
        }
    }
    if let Some(hl7) = hl7 {
        hl7.finish(SHUTDOWN_GRACE).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves once the shutdown signal has been given.
async fn stopped(mut signal: tokio::sync::watch::Receiver<bool>) {
    if signal.wait_for(|stop| *stop).await.is_err() {
        // The signal task ended without a signal (it cannot): never shut down on that.
        std::future::pending::<()>().await;
    }
}

fn announce(url: &str, started: Instant, banner: Option<&str>) {
    tracing::info!(%url, ready_ms = started.elapsed().as_millis(), "ketaclinic is ready");
    if let Some(banner) = banner {
        println!("{banner}");
    }
    println!("ketaclinic listening on {url}");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
