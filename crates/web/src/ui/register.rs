//! The controlled-substance register (issue 6): the stock overview (`/register`), a lot's
//! containers (`/register/lots/{lot}`) and one container with its running balance
//! (`/register/containers/{id}`). The forms that move stock are in `register_forms`, counts in
//! `register_counts`, reports in `register_reports`.
//!
//! Quantities are integer µL / µg in the domain; pages show mL and mg as plain decimals.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{ContainerDetail, ContainerView, EntryLine, StockFilter};
use ketaclinic_app::{App, Permission};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{ContainerId, LocationId};
use ketaclinic_domain::register::movement::Movement;
use ketaclinic_domain::register::product::{Location, ProductForm};
use ketaclinic_domain::register::quantity::Qty;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::PageQuery;
use super::register_forms::ActionForm;
use super::{Ctx, Layout, PageResult, Section, encode};

/// One container as a table row.
pub(crate) struct ContainerRow {
    pub id: String,
    /// The container page (with `?session=` when the overview was opened to draw for one).
    pub href: String,
    pub label: String,
    pub product: String,
    /// `Ketamine 50 mg/mL, 10 mL vial`: short enough for a tablet's table.
    pub short: String,
    pub lot: String,
    pub lot_href: String,
    pub expiry: String,
    pub location: String,
    pub status: &'static str,
    pub remaining_ml: String,
    pub remaining_mg: String,
    /// Percent of a full container left (0–100), for the inline bar.
    pub percent: u64,
    pub in_syringes_ml: String,
    pub beyond_use: String,
    pub past_beyond_use: bool,
    pub expired: bool,
}

pub(crate) fn lot_href(lot: &str) -> String {
    format!("/register/lots/{}", encode(lot).replace('+', "%20"))
}

/// The drug and its strength (the catalogue's vials are ketamine, its devices esketamine).
pub(crate) fn short_name(v: &ContainerView) -> String {
    let drug = match v.product.form {
        ProductForm::Vial => "Ketamine",
        ProductForm::NasalDevice => "Esketamine",
    };
    format!("{drug} {}", v.product.strength())
}

pub(crate) fn container_row(v: &ContainerView) -> ContainerRow {
    let full = v.product.container_ul.max(1);
    let left = v.balance.in_syringes();
    ContainerRow {
        id: v.container.id.to_string(),
        href: format!("/register/containers/{}", v.container.id),
        label: v.container.label.clone(),
        product: v.product.name.clone(),
        short: short_name(v),
        lot: v.container.lot.clone(),
        lot_href: lot_href(&v.container.lot),
        expiry: v.container.expiry.to_string(),
        location: v.location.as_ref().map(|l| l.name.clone()).unwrap_or_else(|| "—".to_owned()),
        status: v.status(),
        remaining_ml: v.balance.remaining.ml_decimal(),
        remaining_mg: v.balance.remaining.mg_decimal(),
        percent: (v.balance.remaining.ul.saturating_mul(100) / full).min(100),
        in_syringes_ml: if left.is_zero() { String::new() } else { left.ml_decimal() },
        beyond_use: v.beyond_use.map(|d| d.to_string()).unwrap_or_default(),
        past_beyond_use: v.past_beyond_use && !v.balance.remaining.is_zero(),
        expired: v.expired && !v.balance.remaining.is_zero(),
    }
}

/// `(value, label)` choices of the storage locations.
pub(crate) fn location_options(locations: &[Location]) -> Vec<(String, String)> {
    locations.iter().filter(|l| l.active).map(|l| (l.id.to_string(), l.name.clone())).collect()
}

/// Stock on hand of one product.
pub(crate) struct SummaryRow {
    pub product: String,
    pub containers: usize,
    pub ml: String,
    pub mg: String,
}

/// An open DEA deadline of a loss or theft.
pub(crate) struct DeadlineRow {
    pub report_id: String,
    pub container_id: String,
    pub container: String,
    pub kind: &'static str,
    pub amount: String,
    pub task: &'static str,
    pub task_label: &'static str,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct OverviewPage {
    layout: Layout,
    summary: Vec<SummaryRow>,
    rows: Vec<ContainerRow>,
    products: Vec<(String, String)>,
    locations: Vec<(String, String)>,
    product_filter: String,
    location_filter: String,
    include_empty: bool,
    filtered: bool,
    deadlines: Vec<DeadlineRow>,
    biennial: String,
    biennial_overdue: bool,
    can_receive: bool,
    can_count: bool,
    can_manage: bool,
    notice: Option<String>,
}

/// `?product=&location=&empty=1` and the outcome of a post.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct OverviewQuery {
    product: String,
    location: String,
    empty: String,
    received: String,
    lot: String,
    done: String,
    /// Opened from a session's page to draw for it.
    session: String,
}

/// `GET /register`.
pub(crate) async fn overview(ctx: Ctx, PageQuery(q): PageQuery<OverviewQuery>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let app = &ctx.state.app;
    let location_id = Uuid::parse_str(q.location.trim()).ok().map(LocationId);
    let product_id = Some(q.product.trim().to_owned()).filter(|p| !p.is_empty());
    let filter = StockFilter { include_empty: q.empty == "1", product_id: product_id.clone(), location_id };
    let views = app.stock(&grant, &filter).await.map_err(|e| ctx.fail(e))?;
    let products = app.register_products(&grant).await.map_err(|e| ctx.fail(e))?;
    let locations = app.register_locations(&grant).await.map_err(|e| ctx.fail(e))?;
    let mut summary: Vec<SummaryRow> = Vec::new();
    for p in &products {
        let mine: Vec<&ContainerView> = views.iter().filter(|v| v.product.id == p.id && !v.balance.remaining.is_zero()).collect();
        if mine.is_empty() {
            continue;
        }
        let total = mine.iter().fold(Qty::ZERO, |acc, v| acc.checked_add(v.balance.remaining).unwrap_or(acc));
        summary.push(SummaryRow { product: p.name.clone(), containers: mine.len(), ml: total.ml_decimal(), mg: total.mg_decimal() });
    }
    let now = app.now();
    let mut deadlines = Vec::new();
    for report in app.loss_reports(&grant).await.map_err(|e| ctx.fail(e))? {
        let label = views.iter().find(|v| v.container.id == report.container_id).map(|v| v.container.label.clone()).unwrap_or_else(|| "a container".to_owned());
        for (task, due) in report.open_tasks() {
            deadlines.push(DeadlineRow {
                report_id: report.id.to_string(),
                container_id: report.container_id.to_string(),
                container: label.clone(),
                kind: if report.kind.as_str() == "theft" { "Theft" } else { "Loss" },
                amount: format!("{} mL ({} mg)", report.qty.ml_decimal(), report.qty.mg_decimal()),
                task: task.as_str(),
                task_label: task.label(),
                due: ctx.time(due),
                overdue: due < now,
            });
        }
    }
    let counts = app.counts(&grant).await.map_err(|e| ctx.fail(e))?;
    let today = app.now().to_zoned(app.settings().timezone.clone()).date();
    let (biennial, biennial_overdue) = match App::biennial_due(&counts) {
        Some(due) => (format!("Next biennial inventory due by {due}."), due < today),
        None => ("No initial inventory yet: take one before the first receipt is used.".to_owned(), false),
    };
    let session = Uuid::parse_str(q.session.trim()).ok();
    let mut rows: Vec<ContainerRow> = views.iter().map(container_row).collect();
    if let Some(sid) = session {
        for r in &mut rows {
            r.href = format!("{}?session={sid}", r.href);
        }
    }
    let notice = match (q.received.as_str(), q.done.as_str()) {
        _ if session.is_some() => Some("Choose the container to draw from for the session.".to_owned()),
        (n, _) if !n.is_empty() => Some(format!("Received {n} container(s) of lot {} into stock.", q.lot)),
        (_, "location") => Some("The storage location is added.".to_owned()),
        (_, "task") => Some("The deadline is marked done.".to_owned()),
        _ => None,
    };
    let page = OverviewPage {
        layout: ctx.layout("Controlled substances", Section::Substances),
        summary,
        filtered: product_id.is_some() || location_id.is_some() || q.empty == "1",
        rows,
        products: products.iter().map(|p| (p.id.clone(), p.name.clone())).collect(),
        locations: location_options(&locations),
        product_filter: product_id.unwrap_or_default(),
        location_filter: location_id.map(|l| l.to_string()).unwrap_or_default(),
        include_empty: q.empty == "1",
        deadlines,
        biennial,
        biennial_overdue,
        can_receive: ctx.can(Permission::InventoryReceive),
        can_count: ctx.can(Permission::InventoryCount),
        can_manage: ctx.can(Permission::InventoryManage),
        notice,
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "register_lot.html")]
struct LotPage {
    layout: Layout,
    lot: String,
    rows: Vec<ContainerRow>,
    total_ml: String,
    total_mg: String,
}

/// `GET /register/lots/{lot}`: every container of a lot, emptied ones too.
pub(crate) async fn lot(ctx: Ctx, Path(lot): Path<String>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let filter = StockFilter { include_empty: true, ..StockFilter::default() };
    let views: Vec<ContainerView> =
        ctx.state.app.stock(&grant, &filter).await.map_err(|e| ctx.fail(e))?.into_iter().filter(|v| v.container.lot == lot).collect();
    if views.is_empty() {
        return Err(ctx.not_found());
    }
    let total = views.iter().fold(Qty::ZERO, |acc, v| acc.checked_add(v.balance.remaining).unwrap_or(acc));
    let page = LotPage {
        layout: ctx.layout(format!("Lot {lot}"), Section::Substances),
        rows: views.iter().map(container_row).collect(),
        total_ml: total.ml_decimal(),
        total_mg: total.mg_decimal(),
        lot,
    };
    Ok(page.into_response())
}

/// One ledger row with the balance after it.
pub(crate) struct EntryRow {
    pub at: String,
    pub what: &'static str,
    pub detail: String,
    pub session_href: String,
    pub amount: String,
    pub remaining_ml: String,
    pub remaining_mg: String,
    pub who: String,
    pub witnesses: String,
}

/// A draw and what became of it.
pub(crate) struct DrawRow {
    pub id: String,
    pub at: String,
    pub session_href: String,
    pub drawn: String,
    pub administered: String,
    pub wasted: String,
    pub returned: String,
    pub outstanding_ml: String,
    pub outstanding_mg: String,
    pub settled: bool,
    /// Errors of this draw's administer / return / waste form, and which.
    pub errors: Vec<String>,
    pub errors_for: &'static str,
    /// The volume the forms start with (what is left, or what was typed).
    pub volume: String,
}

fn amount(q: Qty) -> String {
    format!("{} mL ({} mg)", q.ml_decimal(), q.mg_decimal())
}

fn entry_row(ctx: &Ctx, line: &EntryLine, locations: &[Location]) -> EntryRow {
    let m = &line.entry.entry.movement;
    let place = |id: &LocationId| locations.iter().find(|l| l.id == *id).map(|l| l.name.clone()).unwrap_or_else(|| "?".to_owned());
    let delta = m.container_delta();
    let q = m.qty();
    let amount_text = match m {
        Movement::Transfer { .. } | Movement::Count { .. } => "—".to_owned(),
        Movement::Administer { .. } | Movement::Waste { .. } => format!("{} (from the syringe)", amount(q)),
        _ if delta.ul < 0 => format!("−{}", amount(q)),
        _ => format!("+{}", amount(q)),
    };
    let detail = match m {
        Movement::Receipt { location_id, .. } => format!("into {}", place(location_id)),
        Movement::Draw { .. } | Movement::Administer { .. } => "for the session".to_owned(),
        Movement::Waste { reason, .. } => reason.clone(),
        Movement::Return { .. } => "back into the container".to_owned(),
        Movement::Dispose { details, .. } => format!("{}: {}", details.method.label(), details.reason),
        Movement::Loss { description, .. } => description.clone(),
        Movement::Transfer { from, to } => format!("{} → {}", place(from), place(to)),
        Movement::Adjust { reason, .. } => reason.clone(),
        Movement::Count { book_ul, counted_ul, .. } => {
            format!("book {} mL, counted {} mL", Qty { ul: *book_ul, ug: 0 }.ml_decimal(), Qty { ul: *counted_ul, ug: 0 }.ml_decimal())
        }
    };
    EntryRow {
        at: ctx.time(line.entry.entry.at),
        what: m.label(),
        detail,
        session_href: m.session_id().map(|s| format!("/sessions/{s}")).unwrap_or_default(),
        amount: amount_text,
        remaining_ml: line.remaining_after.ml_decimal(),
        remaining_mg: line.remaining_after.mg_decimal(),
        who: line.recorded_by.clone(),
        witnesses: line.witnesses.join(", "),
    }
}

/// The container page.
#[derive(Template, WebTemplate)]
#[template(path = "register_container.html")]
pub(crate) struct ContainerPage {
    pub layout: Layout,
    pub c: ContainerRow,
    pub device: bool,
    pub full_ml: String,
    pub receipt: String,
    pub entries: Vec<EntryRow>,
    pub draws: Vec<DrawRow>,
    /// Open sessions the product suits: id and description.
    pub sessions: Vec<(String, String)>,
    pub sessions_visible: bool,
    pub locations: Vec<(String, String)>,
    pub can_draw: bool,
    pub can_receive: bool,
    pub can_manage: bool,
    pub notice: Option<String>,
    /// Errors of one of the container's own forms (`draw`, `transfer`, `loss`, `dispose`, `adjust`).
    pub errors: Vec<String>,
    pub errors_for: &'static str,
    /// What was typed into the refused form (never the password).
    pub kept: ActionForm,
    pub now_local: String,
}

/// `?done=` after a post.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ContainerQuery {
    done: String,
    /// The session to preselect in the draw form.
    session: String,
}

fn done_notice(done: &str) -> Option<String> {
    let text = match done {
        "drawn" => "The draw is recorded. Record what was given, and waste or return the rest.",
        "administered" => "The administration is recorded.",
        "returned" => "The volume is back in the container.",
        "wasted" => "The witnessed waste is recorded.",
        "transferred" => "The container is moved.",
        "loss" => "The loss is recorded; its DEA deadlines are on the register page.",
        "disposed" => "The disposal is recorded.",
        "adjusted" => "The book is adjusted.",
        _ => return None,
    };
    Some(text.to_owned())
}

/// `GET /register/containers/{id}`.
pub(crate) async fn container(ctx: Ctx, Path(id): Path<String>, PageQuery(q): PageQuery<ContainerQuery>) -> PageResult {
    let id = ContainerId(ctx.path_id(&id)?);
    let preselect = (!q.session.is_empty()).then(|| Refusal {
        target: "",
        draw: None,
        messages: Vec::new(),
        kept: ActionForm { session_id: q.session.clone(), ..ActionForm::default() },
    });
    let page = container_page(&ctx, id, done_notice(&q.done), preselect).await?;
    Ok(page.into_response())
}

/// A refused action: which form, the messages, what was typed, and the draw it concerned.
pub(crate) struct Refusal {
    pub target: &'static str,
    pub draw: Option<String>,
    pub messages: Vec<String>,
    pub kept: ActionForm,
}

/// The container page, optionally with a refused form's errors.
pub(crate) async fn container_page(ctx: &Ctx, id: ContainerId, notice: Option<String>, refusal: Option<Refusal>) -> Result<ContainerPage, Response> {
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let app = &ctx.state.app;
    let detail: ContainerDetail = app.container_detail(&grant, id).await.map_err(|e| ctx.fail(e))?;
    let locations = app.register_locations(&grant).await.map_err(|e| ctx.fail(e))?;
    let view = &detail.view;
    let device = view.product.form == ProductForm::NasalDevice;
    let can_draw = ctx.can(Permission::InventoryDraw);
    let (sessions, sessions_visible) = if can_draw && ctx.can(Permission::ClinicalRead) && !view.balance.remaining.is_zero() {
        let clinical = ctx.grant::<perm::ClinicalRead>().await?;
        let rows = app.board(&clinical).await.map_err(|e| ctx.fail(e))?;
        let suits = |m: Modality| if device { m == Modality::EsketamineNasal } else { m != Modality::EsketamineNasal };
        let options = rows
            .into_iter()
            .filter(|r| suits(r.modality))
            .map(|r| {
                let modality = match r.modality {
                    Modality::IvKetamine => "IV ketamine",
                    Modality::ImKetamine => "IM ketamine",
                    Modality::EsketamineNasal => "Esketamine",
                };
                let chair = r.chair.unwrap_or_else(|| "No chair".to_owned());
                (r.session_id.to_string(), format!("{chair} · {} · {modality} · {}", r.initials, r.state.label()))
            })
            .collect();
        (options, true)
    } else {
        (Vec::new(), false)
    };
    let (target, refused_draw, messages, kept) = match refusal {
        Some(r) => (r.target, r.draw, r.messages, r.kept),
        None => ("", None, Vec::new(), ActionForm::default()),
    };
    let draws = detail
        .draws
        .iter()
        .rev()
        .map(|d| {
            let mine = refused_draw.as_deref() == Some(d.id.to_string().as_str());
            let left = d.outstanding();
            DrawRow {
                id: d.id.to_string(),
                at: ctx.time(d.at),
                session_href: format!("/sessions/{}", d.session_id),
                drawn: amount(d.drawn),
                administered: amount(d.administered),
                wasted: amount(d.wasted),
                returned: amount(d.returned),
                outstanding_ml: left.ml_decimal(),
                outstanding_mg: left.mg_decimal(),
                settled: left.is_zero(),
                errors: if mine { messages.clone() } else { Vec::new() },
                errors_for: if mine { target } else { "" },
                volume: if mine && !kept.volume.trim().is_empty() { kept.volume.clone() } else { left.ml_decimal() },
            }
        })
        .collect();
    let receipt = detail
        .receipt
        .as_ref()
        .map(|r| format!("Received {} from {} (DEA {}), invoice {}", r.received_on, r.supplier_name, r.supplier_dea, r.invoice))
        .unwrap_or_default();
    let tz = app.settings().timezone.clone();
    Ok(ContainerPage {
        layout: ctx.layout(format!("{} · controlled substances", view.container.label), Section::Substances),
        c: container_row(view),
        device,
        full_ml: Qty { ul: view.product.container_ul, ug: 0 }.ml_decimal(),
        receipt,
        entries: detail.entries.iter().rev().map(|l| entry_row(ctx, l, &locations)).collect(),
        draws,
        sessions,
        sessions_visible,
        locations: location_options(&locations).into_iter().filter(|(l, _)| Some(l.clone()) != view.balance.location_id.map(|x| x.to_string())).collect(),
        can_draw,
        can_receive: ctx.can(Permission::InventoryReceive),
        can_manage: ctx.can(Permission::InventoryManage),
        notice,
        errors: if refused_draw.is_none() { messages } else { Vec::new() },
        errors_for: if refused_draw.is_none() { target } else { "" },
        kept,
        now_local: app.now().to_zoned(tz).strftime("%Y-%m-%dT%H:%M").to_string(),
    })
}
