//! ketaclinic use cases: one method per thing a user does.
//!
//! This is the layer that knows *who* is acting. Every privileged use case takes a
//! [`Granted<P>`](permissions::Granted) that only [`App::authorize`] can produce, so a call that
//! skipped the permission check does not compile. Every read or write of patient data writes an
//! audit event; writes put it in the same transaction as the change, reads wait until their
//! event is durable (group-committed) before returning data.
//!
//! The clock and id generator are injected, so use cases are deterministic under test.

pub mod actor;
pub mod alerts;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod billing_capture;
pub mod board;
pub mod booking;
pub mod booking_series;
pub mod booking_waitlist;
pub mod calendar_feeds;
pub mod chart;
pub mod clock;
pub mod consents;
pub mod courses;
pub mod dashboard;
pub mod enquiries;
pub mod error;
pub mod evaluations;
pub mod export;
pub mod instruments;
pub mod monitor_feed;
pub mod observations;
pub mod patients;
pub mod permissions;
pub mod pk;
pub mod protocols;
pub mod register;
pub mod rems_forms;
pub mod safety_plan;
pub mod schedules;
pub mod secrets;
pub mod self_report;
pub mod session_alerts;
pub mod session_feed;
pub mod session_prechecks;
pub mod session_regimen;
pub mod sessions;
pub mod settings;
pub mod tasks;
pub mod treatment_history;
pub mod users;

use std::sync::Arc;

use ketaclinic_store::Storage;

pub use actor::{Actor, AuthVia, ClientInfo};
pub use error::{AppError, AppResult};
pub use ketaclinic_store::{ApiToken, AuditFilter, StaffUser};
pub use permissions::{Granted, Permission};
pub use settings::Settings;

use crate::auth::LoginLimiter;
use crate::clock::Clock;

/// The application: storage, clock, settings and the in-memory login limiter.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    limiter: Arc<LoginLimiter>,
    /// Per-address limit of public enquiry submissions (same mechanism as the login limit).
    enquiry_limiter: Arc<LoginLimiter>,
    /// Per-address limit of opening and submitting self-report links.
    self_report_limiter: Arc<LoginLimiter>,
    /// Announces session changes to the chair board and open session pages.
    feed: session_feed::SessionFeed,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("backend", &self.store.backend()).field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl App {
    /// Wires the application to a storage backend and a clock.
    pub fn new(store: Arc<dyn Storage>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let limiter = Arc::new(LoginLimiter::new(settings.auth.login_attempts_per_minute_per_ip));
        let enquiry_limiter = Arc::new(LoginLimiter::new(settings.enquiries_per_minute_per_ip));
        let self_report_limiter = Arc::new(LoginLimiter::new(settings.self_report_per_minute_per_ip));
        Self { store, clock, settings: Arc::new(settings), limiter, enquiry_limiter, self_report_limiter, feed: session_feed::SessionFeed::default() }
    }

    /// The settings the app runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The storage backend (for health checks and metrics).
    pub fn store(&self) -> &Arc<dyn Storage> {
        &self.store
    }

    /// The current instant from the injected clock, cut to whole microseconds: that is what
    /// storage keeps, so what a use case returns equals what a later read returns.
    pub fn now(&self) -> jiff::Timestamp {
        let now = self.clock.now();
        jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now)
    }
}
