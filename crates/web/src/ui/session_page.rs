//! The chairside session page (`/sessions/{id}`): what the nurse with one free hand needs —
//! the state and the one or two next actions as large buttons, a vital-signs entry that takes
//! five numbers and a tap, and a live region (chart, alerts, discharge criteria, timeline) that
//! redraws itself when anything about the session changes (`static/app.js` listens to the board
//! stream and fetches `/sessions/{id}/live`). Every form posts to the same use cases as the
//! JSON API and comes back here (post/redirect/get), or shows the refusal in words.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ketaclinic_app::permissions::perm;
use ketaclinic_app::sessions::SIDE_EFFECTS;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::TreatmentSessionId;

use super::session_dose::{DoseCalcForm, DosePrefill};
use super::session_live::{Live, PrecheckRow, live, precheck_rows};
use super::{Ctx, Layout, PageResult, Section, sentence};

/// A modality in words.
pub(crate) fn modality_label(m: Modality) -> &'static str {
    match m {
        Modality::IvKetamine => "IV ketamine",
        Modality::ImKetamine => "IM ketamine",
        Modality::EsketamineNasal => "Esketamine nasal spray",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "session.html")]
pub(super) struct Page {
    layout: Layout,
    patient_id: String,
    patient_name: String,
    mrn: String,
    modality: &'static str,
    esketamine: bool,
    chair: String,
    state: &'static str,
    closed: bool,
    live: Live,
    side_effects: &'static [&'static str],
    can_override: bool,
    can_override_prechecks: bool,
    prechecks: Vec<PrecheckRow>,
    /// The calculator's inputs and, once calculated, the dose that fills the start form.
    pub(super) calc: DoseCalcForm,
    pub(super) dose: Option<DosePrefill>,
    pub(super) error: Option<String>,
    errors: Vec<String>,
    /// What the controlled-substance register holds for this session (`None`: the role may
    /// not see the register).
    draws: Option<Vec<DrawRow>>,
    can_draw: bool,
}

/// One draw made for the session, as the session page lists it.
pub(super) struct DrawRow {
    container_id: String,
    label: String,
    product: String,
    drawn: String,
    administered: String,
    wasted: String,
    returned: String,
    outstanding: String,
    settled: bool,
}

/// The session's draws, for roles that may see the register.
async fn draw_rows(ctx: &Ctx, id: TreatmentSessionId) -> Result<Option<Vec<DrawRow>>, Response> {
    if !ctx.can(Permission::InventoryRead) {
        return Ok(None);
    }
    let grant = ctx.grant::<perm::InventoryRead>().await?;
    let draws = ctx.state.app.session_draws(&grant, id).await.map_err(|e| ctx.fail(e))?;
    let amount = |q: ketaclinic_domain::register::quantity::Qty| format!("{} mL ({} mg)", q.ml_decimal(), q.mg_decimal());
    Ok(Some(
        draws
            .into_iter()
            .map(|d| DrawRow {
                container_id: d.container.container.id.to_string(),
                label: d.container.container.label.clone(),
                product: d.container.product.name.clone(),
                drawn: amount(d.draw.drawn),
                administered: amount(d.draw.administered),
                wasted: amount(d.draw.wasted),
                returned: amount(d.draw.returned),
                outstanding: amount(d.draw.outstanding()),
                settled: d.draw.outstanding().is_zero(),
            })
            .collect(),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "session_live.html")]
struct LivePartial {
    live: Live,
}

pub(super) async fn page(ctx: &Ctx, id: TreatmentSessionId, error: Option<String>, errors: Vec<String>) -> Result<Page, Response> {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let view = ctx.state.app.session_view(&grant, id).await.map_err(|e| ctx.fail(e))?;
    let patient_grant = ctx.grant::<perm::PatientRead>().await?;
    let patient = ctx.state.app.patient(&patient_grant, view.session.patient_id).await.map_err(|e| ctx.fail(e))?;
    let s = &view.session;
    let draws = draw_rows(ctx, id).await?;
    Ok(Page {
        layout: ctx.layout(format!("Session · {}", patient.display_name()), Section::Board),
        patient_id: patient.id.to_string(),
        patient_name: patient.display_name(),
        mrn: patient.mrn.as_str().to_owned(),
        modality: modality_label(s.modality),
        esketamine: s.modality.is_esketamine(),
        chair: s.chair.clone().unwrap_or_default(),
        state: s.state.as_str(),
        closed: s.state.is_closed(),
        live: live(ctx, &view),
        side_effects: &SIDE_EFFECTS,
        can_override: ctx.can(Permission::DischargeOverride),
        can_override_prechecks: ctx.can(Permission::PrecheckOverride),
        prechecks: precheck_rows(&view.prechecks),
        calc: DoseCalcForm::default(),
        dose: None,
        error,
        errors,
        draws,
        can_draw: ctx.can(Permission::InventoryDraw) && !s.state.is_closed(),
    })
}

/// `GET /sessions/{id}`.
pub(crate) async fn show_page(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    Ok(page(&ctx, id, None, Vec::new()).await?.into_response())
}

/// `GET /sessions/{id}/live`: the live region alone, for the page's script to swap in.
pub(crate) async fn live_partial(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let id = TreatmentSessionId(ctx.path_id(&id)?);
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let view = ctx.state.app.session_view(&grant, id).await.map_err(|e| ctx.fail(e))?;
    Ok(LivePartial { live: live(&ctx, &view) }.into_response())
}

/// The page again with the refusal, with the status it deserves.
pub(super) async fn refused(ctx: &Ctx, id: TreatmentSessionId, err: AppError) -> PageResult {
    let (status, message, errors) = match err {
        AppError::Invalid(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nothing was saved — please check:".to_owned(),
            e.0.iter().map(|f| sentence(&format!("{} {}", super::forms::label_of(&f.field), f.message))).collect(),
        ),
        AppError::Conflict(detail) => (StatusCode::CONFLICT, sentence(&detail), Vec::new()),
        other => return Err(ctx.fail(other)),
    };
    Ok((status, page(ctx, id, Some(message), errors).await?).into_response())
}

pub(super) fn back(id: TreatmentSessionId, anchor: &str) -> Response {
    Redirect::to(&format!("/sessions/{id}#{anchor}")).into_response()
}
