//! The clinic's outcome dashboard, as JSON or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ketaclinic_app::dashboard::Dashboard;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::dashboard::GroupSummary;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::ApiActor;
use crate::extract::ApiQuery;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Which dashboard and in which form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DashboardParams {
    /// `phq9` (default), `gad7`, `qids_sr16` or `madrs`.
    pub instrument: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// With `format=csv`: `groups` (default) or `relapse_curve`.
    pub table: Option<String>,
}

/// One Kaplan–Meier step.
#[derive(Debug, Serialize, ToSchema)]
pub struct KmStepOut {
    pub day: u32,
    pub at_risk: u32,
    pub events: u32,
    pub censored: u32,
    pub survival: f64,
}

/// One group (a modality, or `unassigned`).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub group: String,
    pub patients: u32,
    pub evaluable: u32,
    pub responders: u32,
    pub remitters: u32,
    pub response_rate: Option<f64>,
    pub remission_rate: Option<f64>,
    pub median_days_to_response: Option<f64>,
    /// Days from first response to relapse (Kaplan–Meier).
    pub relapse_curve: Vec<KmStepOut>,
}

/// The dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardOut {
    pub instrument: String,
    pub groups: Vec<GroupOut>,
}

fn group_out(g: GroupSummary) -> GroupOut {
    GroupOut {
        group: g.group,
        patients: g.patients,
        evaluable: g.evaluable,
        responders: g.responders,
        remitters: g.remitters,
        response_rate: g.response_rate,
        remission_rate: g.remission_rate,
        median_days_to_response: g.median_days_to_response,
        relapse_curve: g
            .relapse_curve
            .into_iter()
            .map(|s| KmStepOut { day: s.day, at_risk: s.at_risk, events: s.events, censored: s.censored, survival: s.survival })
            .collect(),
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The dashboard as CSV (RFC 4180; group names are fixed words, so nothing needs quoting).
pub(crate) fn csv(d: &Dashboard, table: &str) -> Option<String> {
    let mut out = String::new();
    match table {
        "groups" => {
            out.push_str("instrument,group,patients,evaluable,responders,remitters,response_rate,remission_rate,median_days_to_response\r\n");
            for g in &d.groups {
                out.push_str(&format!(
                    "{},{},{},{},{},{},{},{},{}\r\n",
                    d.instrument,
                    g.group,
                    g.patients,
                    g.evaluable,
                    g.responders,
                    g.remitters,
                    opt(g.response_rate),
                    opt(g.remission_rate),
                    opt(g.median_days_to_response)
                ));
            }
        }
        "relapse_curve" => {
            out.push_str("instrument,group,day,at_risk,events,censored,survival\r\n");
            for g in &d.groups {
                for s in &g.relapse_curve {
                    out.push_str(&format!("{},{},{},{},{},{},{:.4}\r\n", d.instrument, g.group, s.day, s.at_risk, s.events, s.censored, s.survival));
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// A CSV download response.
pub(crate) fn csv_response(body: String, name: &str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// The outcome dashboard.
#[utoipa::path(get, path = "/api/v1/dashboard/outcomes", tag = "assessments", params(DashboardParams),
    responses((status = 200, body = DashboardOut, description = "JSON, or text/csv with format=csv"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn outcomes(State(state): State<AppState>, ApiActor(actor): ApiActor, ApiQuery(p): ApiQuery<DashboardParams>) -> ApiResult<Response> {
    let grant = state.app.authorize::<perm::DashboardRead>(&actor).await?;
    let bad = |field: &str, message: &str| Problem::from(ketaclinic_app::AppError::Invalid(ketaclinic_domain::ValidationErrors::one(field, message)));
    let format = p.format.as_deref().unwrap_or("json");
    if !["json", "csv"].contains(&format) {
        return Err(bad("format", "must be json or csv"));
    }
    let d = state.app.outcome_dashboard(&grant, p.instrument.as_deref().unwrap_or("phq9")).await?;
    if format == "csv" {
        let table = p.table.as_deref().unwrap_or("groups");
        let body = csv(&d, table).ok_or_else(|| bad("table", "must be groups or relapse_curve"))?;
        return Ok(csv_response(body, &format!("ketaclinic-{}-{table}.csv", d.instrument)));
    }
    Ok(Json(DashboardOut { instrument: d.instrument.to_owned(), groups: d.groups.into_iter().map(group_out).collect() }).into_response())
}
