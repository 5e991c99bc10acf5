//! Inventory counts (issue 6): the list with the form that starts one (`/register/counts`) and
//! the count sheet (`/register/counts/{id}`): one row per container with a large input for what
//! was found (devices: present or not), the book value, a resolution note that signing requires
//! where count and book differ, and "adjust the book to the count". Save keeps the draft (the
//! sheet's version travels with the form, so two tablets cannot overwrite each other); Sign
//! saves and locks. A signed sheet is read-only with its discrepancies highlighted.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{ContainerView, CountInput, CountLineInput, StockFilter};
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::FieldError;
use ketaclinic_domain::ids::{CountId, LocationId};
use ketaclinic_domain::register::count::{Count, CountStatus, CountTiming};
use ketaclinic_domain::register::product::ProductForm;
use ketaclinic_domain::register::quantity::{Qty, parse_ml};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{PageForm, PageQuery};
use super::register::location_options;
use super::register_forms::refusal_messages;
use super::{Ctx, Layout, PageResult, Section, sentence};

fn ml(ul: u64) -> String {
    Qty { ul, ug: 0 }.ml_decimal()
}

fn timing_label(t: CountTiming) -> &'static str {
    match t {
        CountTiming::OpeningOfBusiness => "Opening of business",
        CountTiming::CloseOfBusiness => "Close of business",
    }
}

/// One count in the list.
struct CountRow {
    id: String,
    kind: &'static str,
    timing: &'static str,
    taken_on: String,
    location: String,
    signed: bool,
    lines: usize,
    discrepancies: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "register_counts.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<CountRow>,
    locations: Vec<(String, String)>,
    can_count: bool,
    errors: Vec<String>,
    kind: String,
    timing: String,
    location: String,
}

/// What the start form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StartForm {
    kind: String,
    timing: String,
    location_id: String,
}

async fn list_page(ctx: &Ctx, form: &StartForm, errors: Vec<String>) -> Result<ListPage, Response> {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let app = &ctx.state.app;
    let locations = app.register_locations(&grant).await.map_err(|e| ctx.fail(e))?;
    let mut counts = app.counts(&grant).await.map_err(|e| ctx.fail(e))?;
    counts.sort_by_key(|c| std::cmp::Reverse(c.started_at));
    let place = |l: Option<LocationId>| match l {
        None => "All locations".to_owned(),
        Some(l) => locations.iter().find(|x| x.id == l).map(|x| x.name.clone()).unwrap_or_default(),
    };
    let rows = counts
        .iter()
        .map(|c| CountRow {
            id: c.id.to_string(),
            kind: c.kind.label(),
            timing: timing_label(c.timing),
            taken_on: c.taken_on.to_string(),
            location: place(c.location_id),
            signed: c.status == CountStatus::Signed,
            lines: c.lines.len(),
            discrepancies: c.discrepancies().count(),
        })
        .collect();
    Ok(ListPage {
        layout: ctx.layout("Inventory counts", Section::Substances),
        rows,
        locations: location_options(&locations),
        can_count: ctx.can(Permission::InventoryCount),
        errors,
        kind: if form.kind.is_empty() { "ad_hoc".to_owned() } else { form.kind.clone() },
        timing: if form.timing.is_empty() { "close_of_business".to_owned() } else { form.timing.clone() },
        location: form.location_id.clone(),
    })
}

/// `GET /register/counts`.
pub(crate) async fn list(ctx: Ctx) -> PageResult {
    Ok(list_page(&ctx, &StartForm::default(), Vec::new()).await?.into_response())
}

/// `POST /register/counts`: starts a sheet and opens it.
pub(crate) async fn start(ctx: Ctx, PageForm(form): PageForm<StartForm>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryCount>().await?;
    let location_id = Uuid::parse_str(form.location_id.trim()).ok().map(LocationId);
    let input = CountInput { kind: form.kind.clone(), timing: form.timing.clone(), location_id };
    match ctx.state.app.start_count(&grant, input).await {
        Ok(count) => Ok(Redirect::to(&format!("/register/counts/{}", count.id)).into_response()),
        Err(e) => match refusal_messages(&e) {
            Some((status, messages)) => Ok((status, list_page(&ctx, &form, messages).await?).into_response()),
            None => Err(ctx.fail(e)),
        },
    }
}

/// One row of the sheet.
struct SheetRow {
    id: String,
    label: String,
    container_href: String,
    product: String,
    lot: String,
    location: String,
    device: bool,
    book_ml: String,
    counted: String,
    resolution: String,
    adjust: bool,
    difference: String,
    discrepancy: bool,
    errors: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "register_count.html")]
struct SheetPage {
    layout: Layout,
    id: String,
    title: String,
    timing: &'static str,
    taken_on: String,
    version: u32,
    signed: bool,
    signed_at: String,
    rows: Vec<SheetRow>,
    discrepancies: usize,
    counted: usize,
    can_count: bool,
    can_manage: bool,
    notice: Option<String>,
    errors: Vec<String>,
}

/// What a counter typed on one line (kept when the sheet is refused).
#[derive(Debug, Clone, Default)]
struct Typed {
    counted: String,
    resolution: String,
    adjust: bool,
}

/// `?done=saved|signed`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SheetQuery {
    done: String,
}

async fn sheet_page(
    ctx: &Ctx,
    id: CountId,
    typed: Option<&HashMap<String, Typed>>,
    field_errors: &[FieldError],
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<SheetPage, Response> {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let app = &ctx.state.app;
    let count: Count = app.count_sheet(&grant, id).await.map_err(|e| ctx.fail(e))?;
    let views = app.stock(&grant, &StockFilter { include_empty: true, ..StockFilter::default() }).await.map_err(|e| ctx.fail(e))?;
    let signed = count.status == CountStatus::Signed;
    let mut summary = errors;
    let rows: Vec<SheetRow> = count
        .lines
        .iter()
        .map(|line| {
            let key = line.container_id.to_string();
            let view: Option<&ContainerView> = views.iter().find(|v| v.container.id == line.container_id);
            let device = view.is_some_and(|v| v.product.form == ProductForm::NasalDevice);
            let saved = Typed {
                counted: match line.counted_ul {
                    None => String::new(),
                    Some(ul) if device => {
                        if ul > 0 {
                            "present".to_owned()
                        } else {
                            "absent".to_owned()
                        }
                    }
                    Some(ul) => ml(ul),
                },
                resolution: line.resolution.clone().unwrap_or_default(),
                adjust: line.adjust,
            };
            let shown = typed.and_then(|t| t.get(&key)).cloned().unwrap_or(saved);
            let label = view.map(|v| v.container.label.clone()).unwrap_or_else(|| key.clone());
            let mine: Vec<String> = field_errors
                .iter()
                .filter(|e| e.field == format!("lines.{key}") || e.field.starts_with(&format!("lines.{key}.")))
                .map(|e| sentence(&format!("{label} {}", e.message)))
                .collect();
            let difference =
                line.discrepancy_ul().filter(|d| *d != 0).map(|d| format!("{}{} mL", if d < 0 { "−" } else { "+" }, ml(d.unsigned_abs()))).unwrap_or_default();
            SheetRow {
                container_href: format!("/register/containers/{key}"),
                product: view.map(super::register::short_name).unwrap_or_default(),
                lot: view.map(|v| v.container.lot.clone()).unwrap_or_default(),
                location: view.and_then(|v| v.location.as_ref().map(|l| l.name.clone())).unwrap_or_default(),
                device,
                book_ml: ml(line.book_ul),
                counted: shown.counted,
                resolution: shown.resolution,
                adjust: shown.adjust,
                discrepancy: !difference.is_empty(),
                difference,
                errors: mine,
                label,
                id: key,
            }
        })
        .collect();
    for row in &rows {
        summary.extend(row.errors.iter().cloned());
    }
    Ok(SheetPage {
        layout: ctx.layout(format!("{} of {}", count.kind.label(), count.taken_on), Section::Substances),
        id: count.id.to_string(),
        title: count.kind.label().to_owned(),
        timing: timing_label(count.timing),
        taken_on: count.taken_on.to_string(),
        version: count.version,
        signed,
        signed_at: count.signed_at.map(|t| ctx.time(t)).unwrap_or_default(),
        discrepancies: count.discrepancies().count(),
        counted: count.lines.iter().filter(|l| l.counted_ul.is_some()).count(),
        rows,
        can_count: ctx.can(Permission::InventoryCount) && !signed,
        can_manage: ctx.can(Permission::InventoryManage),
        notice,
        errors: summary,
    })
}

/// `GET /register/counts/{id}`.
pub(crate) async fn sheet(ctx: Ctx, Path(id): Path<String>, PageQuery(q): PageQuery<SheetQuery>) -> PageResult {
    let id = CountId(ctx.path_id(&id)?);
    let notice = match q.done.as_str() {
        "saved" => Some("The count is saved as a draft.".to_owned()),
        "signed" => Some("The count is signed and locked.".to_owned()),
        _ => None,
    };
    Ok(sheet_page(&ctx, id, None, &[], notice, Vec::new()).await?.into_response())
}

/// The typed lines of a sheet form: `counted.{container}`, `resolution.{container}`,
/// `adjust.{container}`.
fn typed_lines(fields: &[(String, String)]) -> HashMap<String, Typed> {
    let mut out: HashMap<String, Typed> = HashMap::new();
    for (name, value) in fields {
        let Some((kind, container)) = name.split_once('.') else { continue };
        let line = out.entry(container.to_owned()).or_default();
        match kind {
            "counted" => line.counted = value.clone(),
            "resolution" => line.resolution = value.clone(),
            "adjust" => line.adjust = !value.is_empty(),
            _ => {}
        }
    }
    out
}

/// `POST /register/counts/{id}`: `action=save` keeps the draft, `action=sign` saves and signs.
pub(crate) async fn save(ctx: Ctx, Path(id): Path<String>, PageForm(fields): PageForm<Vec<(String, String)>>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryCount>().await?;
    let read = ctx.grant::<perm::InventoryRead>().await?;
    let id = CountId(ctx.path_id(&id)?);
    let value = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let sign = value("action") == "sign";
    let typed = typed_lines(&fields);
    let app = &ctx.state.app;
    let count = app.count_sheet(&read, id).await.map_err(|e| ctx.fail(e))?;
    let views = app.stock(&read, &StockFilter { include_empty: true, ..StockFilter::default() }).await.map_err(|e| ctx.fail(e))?;
    let Ok(version) = value("version").parse::<u32>() else {
        return Ok((StatusCode::CONFLICT, sheet_page(&ctx, id, None, &[], None, vec!["The form had no version of the sheet: reload it.".to_owned()]).await?)
            .into_response());
    };
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for line in &count.lines {
        let key = line.container_id.to_string();
        let Some(t) = typed.get(&key) else { continue };
        let raw = t.counted.trim();
        if raw.is_empty() {
            continue;
        }
        let view = views.iter().find(|v| v.container.id == line.container_id);
        let counted_ul = match (view.map(|v| v.product.form), raw) {
            (Some(ProductForm::NasalDevice), "present") => view.map_or(line.book_ul, |v| v.product.container_ul),
            (Some(ProductForm::NasalDevice), _) => 0,
            (_, raw) if raw.trim_start_matches('0').trim_start_matches('.').trim_start_matches('0').is_empty() => 0,
            (_, raw) => match parse_ml(&format!("lines.{key}"), raw, 1000) {
                Ok(ul) => ul,
                Err(e) => {
                    problems.push(FieldError::new(e.field, "counted must be a volume in mL (0 to 1000, up to 3 decimals)"));
                    continue;
                }
            },
        };
        let resolution = Some(t.resolution.clone()).filter(|r| !r.trim().is_empty());
        lines.push(CountLineInput { container_id: line.container_id, counted_ul, resolution, adjust: t.adjust });
    }
    if !problems.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, sheet_page(&ctx, id, Some(&typed), &problems, None, Vec::new()).await?).into_response());
    }
    let mut version = version;
    if !lines.is_empty() {
        match app.record_count_lines(&grant, id, version, lines).await {
            Ok(saved) => version = saved.version,
            Err(e) => return refused(&ctx, id, Some(&typed), e).await,
        }
    }
    if !sign {
        return Ok(Redirect::to(&format!("/register/counts/{id}?done=saved")).into_response());
    }
    match app.sign_count(&grant, id, version).await {
        Ok(_) => Ok(Redirect::to(&format!("/register/counts/{id}?done=signed")).into_response()),
        // What was typed is saved now: the sheet shows it with the reasons it cannot be signed.
        Err(e) => refused(&ctx, id, None, e).await,
    }
}

async fn refused(ctx: &Ctx, id: CountId, typed: Option<&HashMap<String, Typed>>, err: AppError) -> PageResult {
    let (status, field_errors, general) = match err {
        AppError::Invalid(errors) => {
            let (lines, other): (Vec<FieldError>, Vec<FieldError>) = errors.0.into_iter().partition(|e| e.field.starts_with("lines."));
            (StatusCode::UNPROCESSABLE_ENTITY, lines, other.iter().map(|e| sentence(&format!("{} {}", e.field, e.message))).collect())
        }
        AppError::Conflict(m) => (StatusCode::CONFLICT, Vec::new(), vec![sentence(&m)]),
        AppError::Forbidden(what) => (
            StatusCode::FORBIDDEN,
            Vec::new(),
            vec![sentence(&format!("adjusting the book needs a role that may {what}: untick \"adjust\" or ask a prescriber to sign"))],
        ),
        other => return Err(ctx.fail(other)),
    };
    Ok((status, sheet_page(ctx, id, typed, &field_errors, None, general).await?).into_response())
}
