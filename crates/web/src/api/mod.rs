//! The JSON API under `/api/v1` (described by `/api/openapi.json`).

pub mod alerts;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod billing_charges;
pub mod board;
pub mod booking;
pub mod booking_resources;
pub mod booking_series;
pub mod booking_waitlist;
pub mod calendar_feeds;
pub mod chart;
pub mod consents;
pub mod courses;
pub mod dashboard;
pub mod dosing;
pub mod enquiries;
pub mod evaluations;
pub mod instruments;
pub mod inventory;
pub mod inventory_counts;
pub mod inventory_movements;
pub mod inventory_reports;
pub mod inventory_stock;
pub mod patients;
pub mod pk;
pub mod protocols;
pub mod rems_forms;
pub mod safety_plan;
pub mod self_report;
pub mod session_prechecks;
pub mod sessions;
pub mod users;
pub mod worklist;

use axum::Router;
use axum::routing::{delete, get, post, put};
use ketaclinic_app::AppError;
use uuid::Uuid;

use crate::problem::Problem;
use crate::state::AppState;

/// Every `/api/v1` route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/auth/password", post(auth::change_password))
        .route("/api/v1/patients", post(patients::create).get(patients::search))
        .route("/api/v1/patients/{id}", get(patients::read).put(patients::update))
        .route("/api/v1/patients/{id}/status", post(patients::set_status))
        .route("/api/v1/patients/{id}/history", get(patients::history))
        .route("/api/v1/patients/{id}/access-report", get(audit::access_report))
        .route("/api/v1/audit-events", get(audit::list))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{id}/disable", post(users::disable))
        .route("/api/v1/users/{id}/enable", post(users::enable))
        .route("/api/v1/users/{id}/revoke-sessions", post(users::revoke_sessions))
        .route("/api/v1/users/{id}/tokens", get(users::list_tokens).post(users::create_token))
        .route("/api/v1/tokens/{id}", delete(users::revoke_token))
        .route("/api/v1/patients/{id}/assessments", post(assessments::create).get(assessments::list))
        .route("/api/v1/patients/{id}/outcomes", get(assessments::outcomes))
        .route("/api/v1/patients/{id}/assessments/{assessment_id}/entered-in-error", post(assessments::mark_entered_in_error))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/api/v1/enquiries", post(enquiries::create).get(enquiries::list))
        .route("/api/v1/enquiries/{id}/attempts", post(enquiries::attempt))
        .route("/api/v1/enquiries/{id}/status", post(enquiries::set_status))
        .route("/api/v1/enquiries/{id}/convert", post(enquiries::convert))
        .route("/api/v1/patients/{id}/chart", get(chart::list))
        .route("/api/v1/patients/{id}/chart/{kind}", post(chart::create))
        .route("/api/v1/chart-entries/{id}", put(chart::revise))
        .route("/api/v1/chart-entries/{id}/history", get(chart::history))
        .route("/api/v1/eligibility/check", post(evaluations::check))
        .route("/api/v1/patients/{id}/evaluations", post(evaluations::create).get(evaluations::list))
        .route("/api/v1/evaluations/{id}", put(evaluations::amend))
        .route("/api/v1/evaluations/{id}/sign", post(evaluations::sign))
        .route("/api/v1/patients/{id}/eligibility", get(evaluations::patient_eligibility))
        .route("/api/v1/patients/{id}/eligibility-decisions", post(evaluations::decide))
        .route("/api/v1/consent-templates", get(consents::list_templates).post(consents::create_template))
        .route("/api/v1/consent-templates/{id}", put(consents::revise_template))
        .route("/api/v1/patients/{id}/consents", post(consents::sign))
        .route("/api/v1/patients/{id}/rems-enrollment", post(consents::rems_enrollment))
        .route("/api/v1/patients/{id}/safety-plan", get(safety_plan::read).put(safety_plan::save))
        .route("/api/v1/patients/{id}/self-report-links", post(self_report::create).get(self_report::list))
        .route("/api/v1/self-report-links/{id}/revoke", post(self_report::revoke))
        .route("/api/v1/dashboard/outcomes", get(dashboard::outcomes))
        .route("/api/v1/patients/{id}/treatment-events", post(worklist::record_event))
        .route("/api/v1/patients/{id}/due-assessments", get(worklist::patient_due))
        .route("/api/v1/due-assessments", get(worklist::clinic_due))
        .route("/api/v1/tasks", get(worklist::tasks))
        .route("/api/v1/board", get(board::read))
        .route("/api/v1/board/stream", get(board::stream))
        .route("/api/v1/tasks/{id}/close", post(worklist::close))
        .route("/api/v1/dose-calculations", post(dosing::calculate))
        .route("/api/v1/sessions", post(sessions::create))
        .route("/api/v1/sessions/{id}", get(sessions::read))
        .route("/api/v1/sessions/{id}/events", post(sessions::event))
        .route("/api/v1/sessions/{id}/vitals", post(sessions::vitals))
        .route("/api/v1/sessions/{id}/discharge", post(sessions::discharge))
        .route("/api/v1/sessions/{id}/prechecks", get(session_prechecks::status).post(session_prechecks::complete))
        .route("/api/v1/sessions/{id}/alerts/{alert_id}/acknowledge", post(sessions::acknowledge_alert))
        .route("/api/v1/sessions/{id}/rems-form", get(rems_forms::read))
        .route("/api/v1/rems-forms", get(rems_forms::queue))
        .route("/api/v1/rems-forms/{session_id}/status", post(rems_forms::set_status))
        .route("/api/v1/rems-forms/{session_id}/answers", put(rems_forms::answers))
        .route("/api/v1/protocols", get(protocols::current))
        .route("/api/v1/protocols/{modality}", put(protocols::revise))
        .route("/api/v1/protocols/{modality}/versions", get(protocols::versions))
        .route("/api/v1/patients/{id}/courses", post(courses::create).get(courses::list))
        .route("/api/v1/courses/{id}", get(courses::read))
        .route("/api/v1/courses/{id}/sign", post(courses::sign))
        .route("/api/v1/courses/{id}/phase", post(courses::phase))
        .route("/api/v1/courses/{id}/estimate", get(billing_charges::estimate))
        .route("/api/v1/billing/fee-schedule", get(billing::fee_schedule).put(billing::revise_fee_schedule))
        .route("/api/v1/billing/fee-schedule/versions", get(billing::fee_schedule_versions))
        .route("/api/v1/billing/patients/{id}/settings", put(billing::set_settings))
        .route("/api/v1/billing/patients/{id}/account", get(billing::account))
        .route("/api/v1/billing/patients/{id}/invoices", post(billing::create_invoice))
        .route("/api/v1/billing/invoices/{id}", get(billing::invoice))
        .route("/api/v1/billing/invoices/{id}/payments", post(billing::pay))
        .route("/api/v1/billing/invoices/{id}/refunds", post(billing::refund))
        .route("/api/v1/billing/sessions/{id}/charges", post(billing_charges::capture).get(billing_charges::session_charges))
        .route("/api/v1/schedule/spaces", get(booking_resources::spaces).post(booking_resources::add_space))
        .route("/api/v1/schedule/spaces/{id}", put(booking_resources::update_space))
        .route("/api/v1/schedule/staff", get(booking_resources::staff))
        .route("/api/v1/schedule/staff/{id}", put(booking_resources::set_staff))
        .route("/api/v1/appointments", post(booking::book).get(booking::list))
        .route("/api/v1/appointments/{id}/cancel", post(booking::cancel))
        .route("/api/v1/appointments/{id}/no-show", post(booking::no_show))
        .route("/api/v1/appointments/{id}/move", post(booking::move_to))
        .route("/api/v1/courses/{id}/series", post(booking_series::series))
        .route("/api/v1/waitlist", get(booking_waitlist::list).post(booking_waitlist::add))
        .route("/api/v1/waitlist/{id}/remove", post(booking_waitlist::remove))
        .route("/api/v1/waitlist/candidates", get(booking_waitlist::candidates))
        .route("/api/v1/calendar-feeds", get(calendar_feeds::list).post(calendar_feeds::create))
        .route("/api/v1/calendar-feeds/{id}/revoke", post(calendar_feeds::revoke))
        .route("/calendar/{file}", get(calendar_feeds::ics))
        .route("/api/v1/pk/models", get(pk::models))
        .route("/api/v1/pk/simulate", post(pk::simulate))
        .route("/api/v1/instruments", get(instruments::list))
        .route("/api/v1/instruments/{instrument}", get(instruments::read))
        .route("/api/v1/instruments/{instrument}/score", post(instruments::score))
        .route("/api/v1/inventory/products", get(inventory::products).post(inventory::add_product))
        .route("/api/v1/inventory/locations", get(inventory::locations).post(inventory::add_location))
        .route("/api/v1/inventory/receipts", get(inventory::receipts).post(inventory::receive))
        .route("/api/v1/inventory/containers", get(inventory_stock::containers))
        .route("/api/v1/inventory/containers/{id}", get(inventory_stock::container))
        .route("/api/v1/inventory/balance", get(inventory_stock::balance))
        .route("/api/v1/inventory/sessions/{session_id}/draws", get(inventory_stock::session_draws))
        .route("/api/v1/inventory/containers/{id}/draws", post(inventory_movements::draw))
        .route("/api/v1/inventory/containers/{id}/draws/{draw_id}/administer", post(inventory_movements::administer))
        .route("/api/v1/inventory/containers/{id}/draws/{draw_id}/waste", post(inventory_movements::waste))
        .route("/api/v1/inventory/containers/{id}/draws/{draw_id}/return", post(inventory_movements::return_draw))
        .route("/api/v1/inventory/containers/{id}/transfer", post(inventory_movements::transfer))
        .route("/api/v1/inventory/containers/{id}/disposal", post(inventory_movements::dispose))
        .route("/api/v1/inventory/containers/{id}/loss", post(inventory_movements::report_loss))
        .route("/api/v1/inventory/containers/{id}/adjustments", post(inventory_movements::adjust))
        .route("/api/v1/inventory/loss-reports", get(inventory_counts::loss_reports))
        .route("/api/v1/inventory/loss-reports/{id}/tasks/{task}", post(inventory_counts::complete_task))
        .route("/api/v1/inventory/counts", get(inventory_counts::counts).post(inventory_counts::start))
        .route("/api/v1/inventory/counts/{id}", get(inventory_counts::count))
        .route("/api/v1/inventory/counts/{id}/lines", put(inventory_counts::record_lines))
        .route("/api/v1/inventory/counts/{id}/sign", post(inventory_counts::sign))
        .route("/api/v1/inventory/ledger", get(inventory_reports::ledger))
        .route("/api/v1/inventory/reports/{kind}", get(inventory_reports::report))
}

/// Parses a path id; anything that is not a UUID names no record (404).
pub(crate) fn path_id(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::from(AppError::NotFound))
}
