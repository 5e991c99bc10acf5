//! The OpenAPI 3.1 document of every `/api/v1` endpoint, served at `/api/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))));
    }
}

/// The API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "ketaclinic API", description = "Clinic operations for ketamine / esketamine therapy. Errors are application/problem+json (RFC 9457). Cookie-authenticated state-changing requests must send X-CSRF-Token."),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    paths(
        crate::ops::healthz, crate::ops::readyz,
        api::auth::login, api::auth::logout, api::auth::me, api::auth::change_password,
        api::patients::create, api::patients::search, api::patients::read, api::patients::update, api::patients::set_status, api::patients::history,
        api::audit::list, api::audit::access_report,
        api::users::list, api::users::create, api::users::disable, api::users::enable, api::users::revoke_sessions,
        api::users::list_tokens, api::users::create_token, api::users::revoke_token,
        api::instruments::list, api::instruments::read, api::instruments::score,
        api::assessments::create, api::assessments::list, api::assessments::outcomes, api::assessments::mark_entered_in_error,
        api::self_report::create, api::self_report::list, api::self_report::revoke, api::dashboard::outcomes,
        api::worklist::record_event, api::worklist::patient_due, api::worklist::clinic_due, api::worklist::tasks, api::worklist::close,
        api::alerts::list, api::alerts::acknowledge,
        api::enquiries::create, api::enquiries::list, api::enquiries::attempt, api::enquiries::set_status, api::enquiries::convert,
        api::chart::list, api::chart::create, api::chart::revise, api::chart::history,
        api::evaluations::check, api::evaluations::create, api::evaluations::list, api::evaluations::amend, api::evaluations::sign,
        api::evaluations::patient_eligibility, api::evaluations::decide,
        api::consents::list_templates, api::consents::create_template, api::consents::revise_template, api::consents::sign, api::consents::rems_enrollment,
        api::safety_plan::read, api::safety_plan::save,
        api::dosing::calculate, api::sessions::create, api::sessions::read, api::sessions::event, api::sessions::vitals, api::sessions::discharge, api::sessions::acknowledge_alert, api::session_prechecks::status, api::session_prechecks::complete, api::board::read, api::board::stream,
        api::rems_forms::read, api::rems_forms::queue, api::rems_forms::set_status, api::rems_forms::answers,
        api::pk::models, api::pk::simulate,
        api::protocols::current, api::protocols::versions, api::protocols::revise,
        api::courses::create, api::courses::list, api::courses::read, api::courses::sign, api::courses::phase,
        api::billing::fee_schedule, api::billing::fee_schedule_versions, api::billing::revise_fee_schedule, api::billing::set_settings, api::billing::account,
        api::billing::create_invoice, api::billing::invoice, api::billing::pay, api::billing::refund,
        api::billing_charges::capture, api::billing_charges::session_charges, api::billing_charges::estimate,
        api::booking_resources::spaces, api::booking_resources::add_space, api::booking_resources::update_space, api::booking_resources::staff,
        api::booking_resources::set_staff, api::booking::book, api::booking::list, api::booking::cancel, api::booking::no_show, api::booking::move_to,
        api::booking_series::series, api::booking_waitlist::list, api::booking_waitlist::add, api::booking_waitlist::remove, api::booking_waitlist::candidates,
        api::calendar_feeds::create, api::calendar_feeds::list, api::calendar_feeds::revoke, api::calendar_feeds::ics,
        api::inventory::products, api::inventory::add_product, api::inventory::locations, api::inventory::add_location,
        api::inventory::receipts, api::inventory::receive, api::inventory_stock::containers, api::inventory_stock::container, api::inventory_stock::balance,
        api::inventory_stock::session_draws,
        api::inventory_movements::draw, api::inventory_movements::administer, api::inventory_movements::waste, api::inventory_movements::return_draw,
        api::inventory_movements::transfer, api::inventory_movements::dispose, api::inventory_movements::report_loss, api::inventory_movements::adjust,
        api::inventory_counts::loss_reports, api::inventory_counts::complete_task,
        api::inventory_counts::counts, api::inventory_counts::start, api::inventory_counts::count, api::inventory_counts::record_lines, api::inventory_counts::sign,
        api::inventory_reports::ledger, api::inventory_reports::report,
    ),
    tags((name = "auth"), (name = "patients"), (name = "audit"), (name = "users"), (name = "instruments"), (name = "assessments"), (name = "alerts"), (name = "enquiries"), (name = "chart"), (name = "eligibility"), (name = "consents"), (name = "dosing"), (name = "sessions"), (name = "rems"), (name = "courses"), (name = "inventory", description = "The controlled-substance register: receipts, draws, witnessed waste, disposals, losses, counts and reports. Quantities are integer µL (`ul`) and µg (`ug`)."), (name = "pk"), (name = "billing", description = "Fee schedule, charges captured from discharged sessions, invoices, payments, refunds and course estimates. Money is integer cents (`*_cents`)."), (name = "scheduling", description = "Chairs, rooms, staff working hours and appointments. A booking the constraints refuse answers 422 with one error per violation code; readiness findings come back as warnings."), (name = "operations"))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
