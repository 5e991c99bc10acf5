//! The auditor's pages: the audit log with filters, and a patient's access report.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, AuditFilter, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::audit::{AuditAction, AuditRecord};
use ketaclinic_domain::ids::{PatientId, UserId};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{ErrorLink, Field, PageQuery, apply_errors};
use super::{Ctx, Layout, PageResult, Section, encode};

/// Rows per page of the audit pages.
const PAGE_SIZE: u32 = 50;

/// A person-facing name of an audit action.
pub(crate) fn action_label(action: &str) -> &str {
    match action {
        "auth.login" => "Signed in",
        "auth.login_failed" => "Sign-in failed",
        "auth.logout" => "Signed out",
        "auth.password_changed" => "Changed password",
        "access.denied" => "Access denied",
        "patient.create" => "Registered patient",
        "patient.read" => "Opened chart",
        "patient.update" => "Changed chart",
        "patient.search" => "Searched patients",
        "patient.history" => "Viewed chart history",
        "patient.access_report" => "Viewed access report",
        "audit.read" => "Read audit log",
        "user.create" => "Created account",
        "user.disable" => "Disabled account",
        "user.enable" => "Enabled account",
        "user.list" => "Listed accounts",
        "user.sessions_revoked" => "Signed account out",
        "token.create" => "Created API token",
        "token.revoke" => "Revoked API token",
        "enquiry.create" => "Logged enquiry",
        "enquiry.list" => "Viewed enquiry queue",
        "enquiry.attempt" => "Logged contact attempt",
        "enquiry.status" => "Changed enquiry status",
        other => other,
    }
}

/// An audit row as the pages show it.
#[derive(Debug, Clone)]
pub(crate) struct EventRow {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    /// Link that filters the log by this actor (audit log only).
    pub actor_href: Option<String>,
    pub role: &'static str,
    pub action: String,
    pub action_code: String,
    pub patient_href: Option<String>,
    pub patient_id: String,
    /// The first block of the id, enough to tell rows apart at a glance.
    pub patient_short: String,
    pub outcome: &'static str,
    pub outcome_class: &'static str,
    pub client: String,
    pub detail: String,
}

fn row(ctx: &Ctx, r: &AuditRecord, chart_links: bool) -> EventRow {
    let e = &r.event;
    let patient_href = e.patient_id.map(|p| if chart_links { format!("/patients/{p}") } else { format!("/patients/{p}/access") });
    EventRow {
        seq: r.seq,
        at: ctx.time(e.at),
        actor: e.actor_label.clone(),
        actor_href: e.actor_id.map(|a| format!("/audit?actor_id={a}")),
        role: e.actor_role.map_or("—", |role| role.label()),
        action: action_label(&e.action).to_owned(),
        action_code: e.action.clone(),
        patient_href,
        patient_id: e.patient_id.map(|p| p.to_string()).unwrap_or_default(),
        patient_short: e.patient_id.map(|p| p.to_string().chars().take(8).collect::<String>() + "…").unwrap_or_default(),
        outcome: match e.outcome.as_str() {
            "success" => "Success",
            "failure" => "Failed",
            _ => "Denied",
        },
        outcome_class: e.outcome.as_str(),
        client: e.client_addr.clone().unwrap_or_default(),
        detail: e.detail.clone().unwrap_or_default(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "access_report.html")]
struct AccessPage {
    layout: Layout,
    patient_id: String,
    chart_href: Option<String>,
    rows: Vec<EventRow>,
    next_href: Option<String>,
    first_page: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CursorQuery {
    cursor: String,
}

/// `GET /patients/{id}/access`: who opened this chart, when, from where.
pub(crate) async fn access_report(ctx: Ctx, Path(id): Path<String>, PageQuery(query): PageQuery<CursorQuery>) -> PageResult {
    let grant = ctx.grant::<perm::AuditRead>().await?;
    let patient = PatientId(ctx.path_id(&id)?);
    let cursor = Some(query.cursor.as_str()).filter(|c| !c.is_empty());
    let page = ctx.state.app.patient_access_report(&grant, patient, cursor, PAGE_SIZE).await.map_err(|e| ctx.fail(e))?;
    let can_read = ctx.can(Permission::PatientRead);
    let rows = page.items.iter().map(|r| row(&ctx, r, can_read)).collect();
    let next_href = page.next_cursor.map(|c| format!("/patients/{patient}/access?cursor={}", encode(&c)));
    let page = AccessPage {
        layout: ctx.layout("Access report", Section::None),
        patient_id: patient.to_string(),
        chart_href: can_read.then(|| format!("/patients/{patient}")),
        rows,
        next_href,
        first_page: cursor.is_none(),
    };
    Ok(page.into_response())
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct LogQuery {
    actor_id: String,
    patient_id: String,
    action: String,
    from: String,
    to: String,
    cursor: String,
}

impl LogQuery {
    /// The query string of these filters (without the cursor).
    fn filters(&self) -> String {
        [("actor_id", &self.actor_id), ("patient_id", &self.patient_id), ("action", &self.action), ("from", &self.from), ("to", &self.to)]
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct LogPage {
    layout: Layout,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
    rows: Vec<EventRow>,
    next_href: Option<String>,
    first_page: bool,
    filtered: bool,
    timezone: String,
}

fn filter_fields(q: &LogQuery) -> Vec<Field> {
    let mut actions = vec![(String::new(), "Any action".to_owned())];
    actions.extend(AuditAction::ALL.into_iter().map(|a| (a.as_str().to_owned(), format!("{} ({})", action_label(a.as_str()), a.as_str()))));
    vec![
        Field::new("actor_id", "Staff account id", "text").value(q.actor_id.trim()).filter(),
        Field::new("patient_id", "Patient id", "text").value(q.patient_id.trim()).filter(),
        Field::new("action", "Action", "select").value(q.action.trim()).filter().options(actions),
        Field::new("from", "From day", "date").value(q.from.trim()).filter(),
        Field::new("to", "To day (inclusive)", "date").value(q.to.trim()).filter(),
    ]
}

/// Parses the filters; every bad one is reported.
fn parse_filter(q: &LogQuery, tz: &jiff::tz::TimeZone) -> Result<AuditFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut id = |field: &str, raw: &str| -> Option<Uuid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        Uuid::parse_str(raw).map_err(|_| errors.push(FieldError::new(field, "must be an id like 0192f0c4-…, as shown in the log"))).ok()
    };
    let actor_id = id("actor_id", &q.actor_id).map(UserId);
    let patient_id = id("patient_id", &q.patient_id).map(PatientId);
    let action = Some(q.action.trim()).filter(|a| !a.is_empty()).map(str::to_owned);
    if let Some(a) = &action
        && !AuditAction::ALL.iter().any(|x| x.as_str() == a)
    {
        errors.push(FieldError::new("action", "is not an action the log records"));
    }
    let mut day = |field: &str, raw: &str, next_day: bool| -> Option<Timestamp> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let date = raw.parse::<Date>().ok().and_then(|d| if next_day { d.tomorrow().ok() } else { Some(d) });
        match date.and_then(|d| d.to_zoned(tz.clone()).ok()) {
            Some(z) => Some(z.timestamp()),
            None => {
                errors.push(FieldError::new(field, "must be a date written YYYY-MM-DD"));
                None
            }
        }
    };
    let from = day("from", &q.from, false);
    let to = day("to", &q.to, true);
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        errors.push(FieldError::new("to", "must not be before From"));
    }
    if errors.is_empty() { Ok(AuditFilter { actor_id, patient_id, action, from, to }) } else { Err(errors) }
}

/// `GET /audit`: the log, newest first, filtered by account, patient, action and days.
pub(crate) async fn log(ctx: Ctx, PageQuery(query): PageQuery<LogQuery>) -> PageResult {
    let grant = ctx.grant::<perm::AuditRead>().await?;
    let tz = ctx.state.app.settings().timezone.clone();
    let timezone = tz.iana_name().unwrap_or("UTC").to_owned();
    let mut fields = filter_fields(&query);
    let filtered = !query.filters().is_empty();
    let cursor = Some(query.cursor.as_str()).filter(|c| !c.is_empty());
    let mut page = LogPage {
        layout: ctx.layout("Audit log", Section::Audit),
        fields: Vec::new(),
        errors: Vec::new(),
        rows: Vec::new(),
        next_href: None,
        first_page: cursor.is_none(),
        filtered,
        timezone,
    };
    let filter = match parse_filter(&query, &tz) {
        Ok(filter) => filter,
        Err(errors) => {
            page.errors = apply_errors(&mut fields, &errors);
            page.fields = fields;
            page.layout.title = "Audit log — check the filters".to_owned();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let result = ctx.state.app.audit_log(&grant, &filter, cursor, PAGE_SIZE).await;
    let records = match result {
        Ok(records) => records,
        Err(AppError::Invalid(errors)) => {
            page.errors = apply_errors(&mut fields, &errors.0);
            page.fields = fields;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(other) => return Err(ctx.fail(other)),
    };
    let chart_links = ctx.can(Permission::PatientRead);
    page.rows = records.items.iter().map(|r| row(&ctx, r, chart_links)).collect();
    let filters = query.filters();
    page.next_href = records
        .next_cursor
        .map(|c| if filters.is_empty() { format!("/audit?cursor={}", encode(&c)) } else { format!("/audit?{filters}&cursor={}", encode(&c)) });
    page.fields = fields;
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_whole_days_in_the_clinic_zone() {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let q = LogQuery { from: "2026-11-21".into(), to: "2026-11-21".into(), ..LogQuery::default() };
        let f = parse_filter(&q, &tz).unwrap();
        assert_eq!(f.from.unwrap().to_string(), "2026-11-20T23:00:00Z");
        assert_eq!(f.to.unwrap().to_string(), "2026-11-21T23:00:00Z");
    }

    #[test]
    fn bad_filters_are_all_reported() {
        let q = LogQuery { actor_id: "bob".into(), from: "2026-02-30".into(), action: "x".into(), ..LogQuery::default() };
        let errors = parse_filter(&q, &jiff::tz::TimeZone::UTC).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["actor_id", "action", "from"]);
    }
}
