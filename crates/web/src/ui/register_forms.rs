//! The register's forms: receiving a delivery (`/register/receive`), adding a storage location,
//! and what happens to a container — a draw for a session, its administration, return or
//! witnessed waste, transfer, loss or theft, disposal with a witness, adjustment — and marking a
//! loss report's DEA deadline done. A refused container action re-renders the container page
//! with the errors in the form (or dialog) that was sent.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::DateTime;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{AdjustInput, DisposalInput, DrawInput, LossInput, ReceiptInput, WasteInput, WitnessCredentials};
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::ids::{ContainerId, LedgerEntryId, LocationId, LossReportId, TreatmentSessionId};
use ketaclinic_domain::register::quantity::parse_ml;
use ketaclinic_domain::{FieldError, ValidationErrors};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{ErrorLink, Field, PageForm, apply_errors};
use super::register::{Refusal, container_page, location_options};
use super::{Ctx, Layout, PageResult, Section, encode, sentence};

/// Largest volume a form accepts, in mL.
const MAX_ML: u64 = 1000;

#[derive(Template, WebTemplate)]
#[template(path = "register_receive.html")]
struct ReceivePage {
    layout: Layout,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
    has_locations: bool,
    can_manage: bool,
    location_error: Option<String>,
}

/// What the receipt form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReceiveForm {
    supplier_name: String,
    supplier_address: String,
    supplier_dea: String,
    invoice: String,
    received_on: String,
    product_id: String,
    lot: String,
    expiry: String,
    packages: String,
    location_id: String,
}

async fn receive_page(ctx: &Ctx, form: &ReceiveForm, errors: &[FieldError], location_error: Option<String>) -> Result<ReceivePage, Response> {
    ctx.grant::<perm::InventoryReceive>().await?;
    let read = ctx.grant::<perm::InventoryRead>().await?;
    let products = ctx.state.app.register_products(&read).await.map_err(|e| ctx.fail(e))?;
    let locations = ctx.state.app.register_locations(&read).await.map_err(|e| ctx.fail(e))?;
    let today = ctx.state.app.now().to_zoned(ctx.state.app.settings().timezone.clone()).date().to_string();
    let received_on = if form.received_on.is_empty() { today } else { form.received_on.clone() };
    let mut product_options = vec![(String::new(), "Choose a product".to_owned())];
    product_options.extend(products.iter().filter(|p| p.active).map(|p| (p.id.clone(), format!("{} — {}", p.name, p.strength()))));
    let mut fields = vec![
        Field::new("supplier_name", "Supplier", "text").value(&form.supplier_name).maxlength(200).autocomplete("organization"),
        Field::new("supplier_address", "Supplier's address", "textarea").value(&form.supplier_address).maxlength(200),
        Field::new("supplier_dea", "Supplier's DEA registration number", "text")
            .value(&form.supplier_dea)
            .hint("2 letters and 7 digits, from the invoice")
            .maxlength(9),
        Field::new("invoice", "Invoice or order number", "text").value(&form.invoice).maxlength(200),
        Field::new("received_on", "Date received", "date").value(received_on),
        Field::new("product_id", "Product", "select").value(&form.product_id).options(product_options),
        Field::new("lot", "Lot", "text").value(&form.lot).maxlength(200),
        Field::new("expiry", "Expiry date", "date").value(&form.expiry),
        Field::new("packages", "Number of packages", "text")
            .value(&form.packages)
            .inputmode("numeric")
            .hint("Boxes or kits; a kit of devices makes one container per device")
            .maxlength(3),
        Field::new("location_id", "Storage location", "select").value(&form.location_id).options(location_options(&locations)),
    ];
    let errors = apply_errors(&mut fields, errors);
    Ok(ReceivePage {
        layout: ctx.layout("Receive a delivery", Section::Substances),
        fields,
        errors,
        has_locations: !locations.is_empty(),
        can_manage: ctx.can(Permission::InventoryManage),
        location_error,
    })
}

/// `GET /register/receive`.
pub(crate) async fn receive_form(ctx: Ctx) -> PageResult {
    Ok(receive_page(&ctx, &ReceiveForm::default(), &[], None).await?.into_response())
}

/// `POST /register/receive`: to the register with a notice, or the form with its errors (422).
pub(crate) async fn receive(ctx: Ctx, PageForm(form): PageForm<ReceiveForm>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryReceive>().await?;
    // Unreadable numbers go to the use case as values it refuses, so every error shows at once.
    let packages = form.packages.trim().parse::<u32>().unwrap_or(0);
    let location = Uuid::parse_str(form.location_id.trim()).map(LocationId).unwrap_or(LocationId(Uuid::nil()));
    let input = ReceiptInput {
        supplier_name: form.supplier_name.clone(),
        supplier_address: form.supplier_address.clone(),
        supplier_dea: form.supplier_dea.clone(),
        invoice: form.invoice.clone(),
        received_on: form.received_on.clone(),
        product_id: form.product_id.clone(),
        lot: form.lot.clone(),
        expiry: form.expiry.clone(),
        packages,
        location_id: location,
    };
    match ctx.state.app.receive_stock(&grant, input).await {
        Ok(view) => Ok(Redirect::to(&format!("/register?received={}&lot={}", view.containers.len(), encode(&view.receipt.lot))).into_response()),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, receive_page(&ctx, &form, &errors.0, None).await?).into_response()),
        Err(e) => Err(ctx.fail(e)),
    }
}

/// What the location form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LocationForm {
    name: String,
    back: String,
}

/// `POST /register/locations`: back to the receipt form (or the register).
pub(crate) async fn add_location(ctx: Ctx, PageForm(form): PageForm<LocationForm>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryManage>().await?;
    match ctx.state.app.add_register_location(&grant, &form.name).await {
        Ok(_) if form.back == "receive" => Ok(Redirect::to("/register/receive").into_response()),
        Ok(_) => Ok(Redirect::to("/register?done=location").into_response()),
        Err(e) => match refusal_messages(&e) {
            Some((status, messages)) => Ok((status, receive_page(&ctx, &ReceiveForm::default(), &[], Some(messages.join(" "))).await?).into_response()),
            None => Err(ctx.fail(e)),
        },
    }
}

/// Every container form's fields (each form sends the ones it has).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct ActionForm {
    pub draw_id: String,
    pub session_id: String,
    pub volume: String,
    pub reason: String,
    pub witness_email: String,
    pub witness_password: String,
    pub to_location_id: String,
    pub kind: String,
    pub discovered_at: String,
    pub description: String,
    pub method: String,
    pub place: String,
    pub destruction_method: String,
    pub reverse_distributor_name: String,
    pub reverse_distributor_dea: String,
    pub delta: String,
}

impl ActionForm {
    fn witness(&self) -> WitnessCredentials {
        WitnessCredentials { email: self.witness_email.trim().to_owned(), password: self.witness_password.clone() }
    }

    /// The typed volume in µL; blank is `None` (the use case's default: all that is left).
    fn volume_ul(&self) -> Result<Option<u64>, AppError> {
        let raw = self.volume.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        parse_ml("volume", raw, MAX_ML).map(Some).map_err(|e| AppError::Invalid(ValidationErrors(vec![e])))
    }

    fn draw(&self) -> Result<LedgerEntryId, AppError> {
        Uuid::parse_str(self.draw_id.trim()).map(LedgerEntryId).map_err(|_| ValidationErrors::one("draw_id", "is not a draw of this container").into())
    }
}

/// Which action a post is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Draw,
    Administer,
    Return,
    Waste,
    Transfer,
    Loss,
    Dispose,
    Adjust,
}

impl Action {
    fn target(self) -> &'static str {
        match self {
            Self::Draw => "draw",
            Self::Administer => "administer",
            Self::Return => "return",
            Self::Waste => "waste",
            Self::Transfer => "transfer",
            Self::Loss => "loss",
            Self::Dispose => "dispose",
            Self::Adjust => "adjust",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Self::Draw => "drawn",
            Self::Administer => "administered",
            Self::Return => "returned",
            Self::Waste => "wasted",
            Self::Transfer => "transferred",
            Self::Loss => "loss",
            Self::Dispose => "disposed",
            Self::Adjust => "adjusted",
        }
    }

    fn settles_a_draw(self) -> bool {
        matches!(self, Self::Administer | Self::Return | Self::Waste)
    }
}

/// Runs one action; `Ok` on success.
async fn run(ctx: &Ctx, action: Action, id: ContainerId, form: &ActionForm) -> Result<(), AppError> {
    let app = &ctx.state.app;
    match action {
        Action::Draw => {
            let grant = app.authorize::<perm::InventoryDraw>(&ctx.actor).await?;
            let session = Uuid::parse_str(form.session_id.trim())
                .map(TreatmentSessionId)
                .map_err(|_| ValidationErrors::one("session_id", "is required: choose the session"))?;
            let volume_ul = form.volume_ul()?;
            app.draw_for_session(&grant, id, DrawInput { session_id: session, volume_ul }).await.map(|_| ())
        }
        Action::Administer => {
            let grant = app.authorize::<perm::InventoryDraw>(&ctx.actor).await?;
            app.administer_draw(&grant, id, form.draw()?, form.volume_ul()?).await.map(|_| ())
        }
        Action::Return => {
            let grant = app.authorize::<perm::InventoryDraw>(&ctx.actor).await?;
            app.return_draw(&grant, id, form.draw()?, form.volume_ul()?).await.map(|_| ())
        }
        Action::Waste => {
            let grant = app.authorize::<perm::InventoryDraw>(&ctx.actor).await?;
            let input = WasteInput { volume_ul: form.volume_ul()?, reason: form.reason.clone(), witness: form.witness() };
            app.waste_draw(&grant, id, form.draw()?, input).await.map(|_| ())
        }
        Action::Transfer => {
            let grant = app.authorize::<perm::InventoryReceive>(&ctx.actor).await?;
            let to = Uuid::parse_str(form.to_location_id.trim())
                .map(LocationId)
                .map_err(|_| ValidationErrors::one("to_location_id", "is required: choose where it goes"))?;
            app.transfer_container(&grant, id, to).await.map(|_| ())
        }
        Action::Loss => {
            let grant = app.authorize::<perm::InventoryDraw>(&ctx.actor).await?;
            let volume_ul = form.volume_ul()?.ok_or_else(|| ValidationErrors::one("volume", "is required: how much is missing"))?;
            let discovered_at = match form.discovered_at.trim() {
                "" => app.now(),
                raw => raw
                    .parse::<DateTime>()
                    .ok()
                    .and_then(|dt| dt.to_zoned(app.settings().timezone.clone()).ok())
                    .map(|z| z.timestamp())
                    .ok_or_else(|| ValidationErrors::one("discovered_at", "must be a date and time"))?,
            };
            let input = LossInput { volume_ul, kind: form.kind.clone(), discovered_at, description: form.description.clone() };
            app.report_loss(&grant, id, input).await.map(|_| ())
        }
        Action::Dispose => {
            let grant = app.authorize::<perm::InventoryManage>(&ctx.actor).await?;
            let blank = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let input = DisposalInput {
                volume_ul: form.volume_ul()?,
                method: form.method.clone(),
                reason: form.reason.clone(),
                destruction_method: blank(&form.destruction_method),
                place: form.place.clone(),
                reverse_distributor_name: blank(&form.reverse_distributor_name),
                reverse_distributor_dea: blank(&form.reverse_distributor_dea),
                witness: form.witness(),
            };
            app.dispose_stock(&grant, id, input).await.map(|_| ())
        }
        Action::Adjust => {
            let grant = app.authorize::<perm::InventoryManage>(&ctx.actor).await?;
            let raw = form.delta.trim();
            let (sign, digits) = match raw.strip_prefix('-').or_else(|| raw.strip_prefix('−')) {
                Some(rest) => (-1, rest),
                None => (1, raw.strip_prefix('+').unwrap_or(raw)),
            };
            let ul = parse_ml("delta", digits, MAX_ML).map_err(|e| AppError::Invalid(ValidationErrors(vec![e])))?;
            let delta_ul = i64::try_from(ul).unwrap_or(i64::MAX) * sign;
            app.adjust_stock(&grant, id, AdjustInput { delta_ul, reason: form.reason.clone() }).await.map(|_| ())
        }
    }
}

/// The permission an action needs (checked first, so a refusal writes only its denial).
async fn check(ctx: &Ctx, action: Action) -> Result<(), Response> {
    match action {
        Action::Draw | Action::Administer | Action::Return | Action::Waste | Action::Loss => ctx.grant::<perm::InventoryDraw>().await.map(|_| ()),
        Action::Transfer => ctx.grant::<perm::InventoryReceive>().await.map(|_| ()),
        Action::Dispose | Action::Adjust => ctx.grant::<perm::InventoryManage>().await.map(|_| ()),
    }
}

async fn act(ctx: Ctx, action: Action, raw_id: &str, mut form: ActionForm) -> PageResult {
    check(&ctx, action).await?;
    let id = ContainerId(ctx.path_id(raw_id)?);
    match run(&ctx, action, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/register/containers/{id}?done={}", action.done())).into_response()),
        Err(e) => {
            let Some((status, messages)) = refusal_messages(&e) else { return Err(ctx.fail(e)) };
            form.witness_password.clear();
            let draw = action.settles_a_draw().then(|| form.draw_id.trim().to_owned());
            let refusal = Refusal { target: action.target(), draw, messages, kept: form };
            Ok((status, container_page(&ctx, id, None, Some(refusal)).await?).into_response())
        }
    }
}

/// `POST /register/containers/{id}/draw`.
pub(crate) async fn draw(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Draw, &id, form).await
}

/// `POST /register/containers/{id}/administer`.
pub(crate) async fn administer(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Administer, &id, form).await
}

/// `POST /register/containers/{id}/return`.
pub(crate) async fn return_to_stock(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Return, &id, form).await
}

/// `POST /register/containers/{id}/waste`: the witness signs in inside the dialog.
pub(crate) async fn waste(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Waste, &id, form).await
}

/// `POST /register/containers/{id}/transfer`.
pub(crate) async fn transfer(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Transfer, &id, form).await
}

/// `POST /register/containers/{id}/loss`.
pub(crate) async fn loss(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Loss, &id, form).await
}

/// `POST /register/containers/{id}/dispose`.
pub(crate) async fn dispose(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Dispose, &id, form).await
}

/// `POST /register/containers/{id}/adjust`.
pub(crate) async fn adjust(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<ActionForm>) -> PageResult {
    act(ctx, Action::Adjust, &id, form).await
}

/// What the deadline form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TaskForm {
    task: String,
    reference: String,
}

/// `POST /register/losses/{id}/tasks`: a loss report's deadline done, with its reference.
pub(crate) async fn complete_task(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<TaskForm>) -> PageResult {
    let grant = ctx.grant::<perm::InventoryManage>().await?;
    let id = LossReportId(ctx.path_id(&id)?);
    ctx.state.app.complete_loss_task(&grant, id, &form.task, &form.reference).await.map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to("/register?done=task").into_response())
}

/// The label people see for a field a register use case names.
pub(crate) fn field_label(field: &str) -> String {
    let label = match field {
        "volume_ul" | "volume" => "Volume",
        "session_id" => "Session",
        "reason" => "Reason",
        "to_location_id" => "New location",
        "kind" => "Loss or theft",
        "discovered_at" => "Discovered at",
        "description" => "Description",
        "method" => "Method",
        "place" => "Place",
        "destruction_method" => "How it was destroyed",
        "reverse_distributor_name" => "Reverse distributor",
        "reverse_distributor_dea" => "Reverse distributor's DEA number",
        "delta_ul" | "delta" => "Change",
        "draw_id" => "Draw",
        other => return super::forms::label_of(other).replace('_', " "),
    };
    label.to_owned()
}

/// A refusal in words (422 input, 409 conflict with the stock); other errors are not a form's.
pub(crate) fn refusal_messages(err: &AppError) -> Option<(StatusCode, Vec<String>)> {
    match err {
        AppError::Invalid(errors) => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .0
                .iter()
                .map(|e| if e.field == "witness" { sentence(&e.message) } else { sentence(&format!("{} {}", field_label(&e.field), e.message)) })
                .collect(),
        )),
        AppError::Conflict(message) => Some((StatusCode::CONFLICT, vec![sentence(message)])),
        _ => None,
    }
}
