//! The register's reports (`/register/reports`): choose a report and a period, read the table,
//! print it (`@media print` leaves out the navigation and the form) or download it as CSV
//! (`/register/reports/{kind}.csv?from=&to=`). The reconciliation of sessions against the
//! register is one of the reports.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{ReportKind, ReportPeriod, to_csv};
use serde::Deserialize;

use super::forms::PageQuery;
use super::{Ctx, Layout, PageResult, Section, encode, sentence};

#[derive(Template, WebTemplate)]
#[template(path = "register_reports.html")]
struct ReportsPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    from: String,
    to: String,
    title: String,
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    csv_href: String,
    generated: String,
    errors: Vec<String>,
}

/// `?kind=&from=&to=`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReportQuery {
    kind: String,
    from: String,
    to: String,
}

fn today(ctx: &Ctx) -> jiff::civil::Date {
    ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).date()
}

/// `GET /register/reports`.
pub(crate) async fn show(ctx: Ctx, PageQuery(q): PageQuery<ReportQuery>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let kind_raw = if q.kind.trim().is_empty() { "inventory" } else { q.kind.trim() };
    let mut page = ReportsPage {
        layout: ctx.layout("Register reports", Section::Substances),
        kinds: ReportKind::ALL.iter().map(|k| (k.as_str(), k.title())).collect(),
        kind: kind_raw.to_owned(),
        from: q.from.clone(),
        to: q.to.clone(),
        title: String::new(),
        columns: Vec::new(),
        rows: Vec::new(),
        csv_href: String::new(),
        generated: String::new(),
        errors: Vec::new(),
    };
    let Some(kind) = ReportKind::parse(kind_raw) else {
        page.errors.push("Report: choose one of the reports in the list.".to_owned());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let period = match ReportPeriod::parse(Some(&q.from), Some(&q.to), today(&ctx)) {
        Ok(p) => p,
        Err(errors) => {
            page.errors = errors.0.iter().map(|e| sentence(&format!("{} {}", super::forms::label_of(&e.field), e.message))).collect();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    page.from = period.from.to_string();
    page.to = period.to.to_string();
    let report = match ctx.state.app.register_report(&grant, kind, period).await {
        Ok(r) => r,
        Err(AppError::Forbidden(what)) => {
            page.errors.push(sentence(&format!("this report names patients; your role may not {what}. Choose another report")));
            return Ok((StatusCode::FORBIDDEN, page).into_response());
        }
        Err(e) => return Err(ctx.fail(e)),
    };
    page.title = kind.title().to_owned();
    page.columns = report.columns.iter().map(|(_, label)| *label).collect();
    page.rows = report.rows;
    page.generated = ctx.time(report.generated_at);
    page.csv_href = format!("/register/reports/{}.csv?from={}&to={}", kind.as_str(), encode(&page.from), encode(&page.to));
    Ok(page.into_response())
}

/// `GET /register/reports/{kind}.csv?from=&to=`.
pub(crate) async fn csv(ctx: Ctx, Path(file): Path<String>, PageQuery(q): PageQuery<ReportQuery>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let kind = file.strip_suffix(".csv").and_then(ReportKind::parse).ok_or_else(|| ctx.not_found())?;
    let period = ReportPeriod::parse(Some(&q.from), Some(&q.to), today(&ctx)).map_err(|e| ctx.fail(e.into()))?;
    let report = ctx.state.app.register_report(&grant, kind, period).await.map_err(|e| ctx.fail(e))?;
    let name = format!("attachment; filename=\"register-{}-{}-{}.csv\"", kind.as_str(), period.from, period.to);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], to_csv(&report)).into_response())
}
