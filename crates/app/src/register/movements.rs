//! Drawing for a session and settling the draw (administer, waste with a witness, return), and
//! the movements that take stock out of use: disposal, loss or theft, adjustment.

use jiff::Timestamp;
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{ContainerId, LedgerEntryId, LossReportId, TreatmentSessionId};
use ketaclinic_domain::register::container::{DrawRefusal, DrawWarning, check_draw};
use ketaclinic_domain::register::ledger::{DrawBalance, Ledger};
use ketaclinic_domain::register::loss::{LossReport, deadlines};
use ketaclinic_domain::register::movement::{DisposalDetails, DisposalMethod, LedgerEntry, LossKind, Movement};
use ketaclinic_domain::register::product::ProductForm;
use ketaclinic_domain::register::quantity::Qty;
use ketaclinic_domain::{FieldError, ValidationErrors};

use super::stock::ContainerView;
use super::witness::WitnessCredentials;
use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{InventoryDraw, InventoryManage};

/// Longest reason or description.
const MAX_REASON: usize = 1000;

/// A draw for a session. Devices are taken whole, so `volume_ul` may be left out for them.
#[derive(Debug, Clone)]
pub struct DrawInput {
    pub session_id: TreatmentSessionId,
    pub volume_ul: Option<u64>,
}

/// Waste of what is left of a draw (all of it when `volume_ul` is left out).
#[derive(Debug, Clone)]
pub struct WasteInput {
    pub volume_ul: Option<u64>,
    pub reason: String,
    pub witness: WitnessCredentials,
}

/// A disposal of stock (all that remains when `volume_ul` is left out). The recorder is one
/// of the two witnesses DEA Form 41 asks for; the other signs in with `witness`.
#[derive(Debug, Clone)]
pub struct DisposalInput {
    pub volume_ul: Option<u64>,
    pub method: String,
    pub reason: String,
    pub destruction_method: Option<String>,
    pub place: String,
    pub reverse_distributor_name: Option<String>,
    pub reverse_distributor_dea: Option<String>,
    pub witness: WitnessCredentials,
}

/// A loss or theft.
#[derive(Debug, Clone)]
pub struct LossInput {
    pub volume_ul: u64,
    pub kind: String,
    pub discovered_at: Timestamp,
    pub description: String,
}

/// A correction of the book.
#[derive(Debug, Clone)]
pub struct AdjustInput {
    pub delta_ul: i64,
    pub reason: String,
}

/// The rows written and anything staff should know (e.g. a vial past its beyond-use date).
#[derive(Debug, Clone)]
pub struct MovementResult {
    pub entries: Vec<LedgerEntry>,
    pub warnings: Vec<String>,
}

fn reason(errors: &mut ValidationErrors, field: &str, raw: &str) -> String {
    let value = raw.trim().to_owned();
    if value.is_empty() || value.chars().count() > MAX_REASON {
        errors.0.push(FieldError::new(field, format!("is required (at most {MAX_REASON} characters)")));
    }
    value
}

/// One of `options` by its wire name, or an error naming them.
fn choice<T: Copy>(errors: &mut ValidationErrors, field: &str, raw: &str, options: &[(&str, T)]) -> Option<T> {
    let found = options.iter().find(|(name, _)| *name == raw.trim()).map(|(_, v)| *v);
    if found.is_none() {
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        errors.0.push(FieldError::new(field, format!("must be {}", names.join(" or "))));
    }
    found
}

fn volume(view: &ContainerView, field: &str, ul: Option<u64>, default: Qty) -> AppResult<Qty> {
    match ul {
        None => Ok(default),
        Some(0) => Err(ValidationErrors::one(field, "must be more than 0 µL").into()),
        Some(ul) => Ok(view.product.concentration.of(ul)),
    }
}

fn single<T>(rows: Vec<T>) -> AppResult<T> {
    rows.into_iter().next().ok_or_else(|| AppError::Unavailable("the ledger row was not returned".to_owned()))
}

impl App {
    async fn one_view(&self, id: ContainerId) -> AppResult<ContainerView> {
        self.container_views(&[id]).await?.into_iter().next().ok_or(AppError::NotFound)
    }

    /// Checks `movement` against the ledger as it stands, writing nothing (so an impossible
    /// request is refused before a witness is asked for a password).
    async fn probe(&self, actor: &crate::actor::Actor, container: ContainerId, movement: Movement) -> AppResult<()> {
        let entry = ketaclinic_domain::register::movement::NewEntry {
            id: LedgerEntryId(new_id()),
            at: self.now(),
            container_id: container,
            recorded_by: actor.user_id,
            movement,
        };
        self.precheck(&entry).await
    }

    /// The draw `draw` of container `container`, as the ledger stands.
    async fn draw_balance(&self, container: ContainerId, draw: LedgerEntryId) -> AppResult<DrawBalance> {
        let rows = self.store.ledger_entries_of(&[container]).await?;
        let ledger = Ledger::from_entries(rows.iter().map(|r| &r.entry))
            .map_err(|(id, e)| AppError::Unavailable(format!("the stored ledger does not add up at entry {id}: {e}")))?;
        ledger.draw(draw).cloned().ok_or(AppError::NotFound)
    }

    /// Draws from a container for a session that is under way. Expired stock is refused; an
    /// opened vial past its beyond-use date is drawn with a warning. The product must suit the
    /// session (nasal devices for esketamine, vials for IV and IM ketamine).
    pub async fn draw_for_session(&self, grant: &Granted<InventoryDraw>, container: ContainerId, input: DrawInput) -> AppResult<MovementResult> {
        let view = self.one_view(container).await?;
        let session = self.store.treatment_session(input.session_id).await?.ok_or_else(|| ValidationErrors::one("session_id", "is not a session"))?;
        if session.state.is_closed() {
            return Err(AppError::Conflict("the session has ended; nothing more can be drawn for it".to_owned()));
        }
        let suits = match view.product.form {
            ProductForm::NasalDevice => session.modality == Modality::EsketamineNasal,
            ProductForm::Vial => session.modality != Modality::EsketamineNasal,
        };
        if !suits {
            return Err(ValidationErrors::one("session_id", format!("{} does not suit a {} session", view.product.name, session.modality.as_str())).into());
        }
        let qty = match (view.product.form, input.volume_ul) {
            (ProductForm::NasalDevice, Some(ul)) if ul != view.product.container_ul => {
                return Err(ValidationErrors::one("volume_ul", "a nasal device is taken whole; leave the volume out").into());
            }
            (ProductForm::NasalDevice, _) => view.product.container_qty(),
            (ProductForm::Vial, None) => return Err(ValidationErrors::one("volume_ul", "is required: the volume drawn in µL").into()),
            (ProductForm::Vial, Some(ul)) => volume(&view, "volume_ul", Some(ul), Qty::ZERO)?,
        };
        let warnings = check_draw(&view.container, &view.balance, view.beyond_use, self.clinic_today()).map_err(|e| match e {
            DrawRefusal::Expired(on) => AppError::Conflict(format!("{} expired on {on} and cannot be drawn from; dispose of it", view.container.label)),
            DrawRefusal::Empty => AppError::Conflict(format!("{} is empty", view.container.label)),
        })?;
        let warnings = warnings
            .into_iter()
            .map(|w| match w {
                DrawWarning::BeyondUse { since } => {
                    format!("{} was opened more than {} days ago: its beyond-use date was {since}", view.container.label, self.settings().beyond_use_days)
                }
            })
            .collect();
        let entries = self.post_one(grant.actor(), container, Movement::Draw { session_id: session.id, qty }, Some(session.patient_id), None).await?;
        Ok(MovementResult { entries, warnings })
    }

    /// Records that part of a draw (all that is left of it by default) was given to the
    /// session's patient.
    pub async fn administer_draw(
        &self,
        grant: &Granted<InventoryDraw>,
        container: ContainerId,
        draw: LedgerEntryId,
        volume_ul: Option<u64>,
    ) -> AppResult<LedgerEntry> {
        let view = self.one_view(container).await?;
        let balance = self.draw_balance(container, draw).await?;
        let qty = volume(&view, "volume_ul", volume_ul, balance.outstanding())?;
        let session = self.store.treatment_session(balance.session_id).await?;
        let movement = Movement::Administer { draw_id: draw, session_id: balance.session_id, qty };
        single(self.post_one(grant.actor(), container, movement, session.map(|s| s.patient_id), None).await?)
    }

    /// Puts part of a draw (all that is left by default) back into stock.
    pub async fn return_draw(
        &self,
        grant: &Granted<InventoryDraw>,
        container: ContainerId,
        draw: LedgerEntryId,
        volume_ul: Option<u64>,
    ) -> AppResult<LedgerEntry> {
        let view = self.one_view(container).await?;
        let balance = self.draw_balance(container, draw).await?;
        let qty = volume(&view, "volume_ul", volume_ul, balance.outstanding())?;
        single(self.post_one(grant.actor(), container, Movement::Return { draw_id: draw, qty }, None, None).await?)
    }

    /// Wastes part of a draw (all that is left by default), witnessed by a second licensed user
    /// who signs in with their own password. The amount is checked before the witness is asked.
    pub async fn waste_draw(&self, grant: &Granted<InventoryDraw>, container: ContainerId, draw: LedgerEntryId, input: WasteInput) -> AppResult<LedgerEntry> {
        let view = self.one_view(container).await?;
        let balance = self.draw_balance(container, draw).await?;
        let mut errors = ValidationErrors::default();
        let why = reason(&mut errors, "reason", &input.reason);
        errors.into_result()?;
        let qty = volume(&view, "volume_ul", input.volume_ul, balance.outstanding())?;
        let actor = grant.actor();
        let probe = Movement::Waste { draw_id: draw, qty, reason: why.clone(), witness_id: actor.user_id };
        self.probe(actor, container, probe).await?;
        let witness = self.sign_in_witness(actor, "witness", &input.witness).await?;
        let movement = Movement::Waste { draw_id: draw, qty, reason: why, witness_id: witness.user_id };
        single(self.post_one(actor, container, movement, None, None).await?)
    }

    /// Disposes of stock with the DEA Form 41 data; the recorder and a second signed-in witness
    /// are the two witnesses.
    pub async fn dispose_stock(&self, grant: &Granted<InventoryManage>, container: ContainerId, input: DisposalInput) -> AppResult<LedgerEntry> {
        let view = self.one_view(container).await?;
        let mut errors = ValidationErrors::default();
        let method = choice(
            &mut errors,
            "method",
            &input.method,
            &[("reverse_distributor", DisposalMethod::ReverseDistributor), ("destruction", DisposalMethod::Destruction)],
        );
        let why = reason(&mut errors, "reason", &input.reason);
        let place = reason(&mut errors, "place", &input.place);
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let (destruction_method, rd_name) = (blank(&input.destruction_method), blank(&input.reverse_distributor_name));
        let rd_dea = blank(&input.reverse_distributor_dea)
            .and_then(|d| errors.collect("reverse_distributor_dea", ketaclinic_domain::register::container::check_dea_number("reverse_distributor_dea", &d)));
        match method {
            Some(DisposalMethod::Destruction) if destruction_method.is_none() => {
                errors.0.push(FieldError::new("destruction_method", "is required: how it was made non-retrievable"))
            }
            Some(DisposalMethod::ReverseDistributor) if rd_name.is_none() || rd_dea.is_none() => {
                errors.0.push(FieldError::new("reverse_distributor_name", "and its DEA registration are required"));
            }
            _ => {}
        }
        let qty = volume(&view, "volume_ul", input.volume_ul, view.balance.remaining)?;
        let (Some(method), true) = (method, errors.0.is_empty()) else { return Err(errors.into()) };
        let actor = grant.actor();
        let mut details = DisposalDetails {
            method,
            reason: why,
            destruction_method,
            place,
            reverse_distributor_name: rd_name,
            reverse_distributor_dea: rd_dea,
            witnesses: [actor.user_id, actor.user_id],
        };
        self.probe(actor, container, Movement::Dispose { qty, details: details.clone() }).await?;
        if !self.allows(actor.role, crate::Permission::InventoryWitness) {
            return Err(AppError::Forbidden(crate::Permission::InventoryWitness.describe()));
        }
        let witness = self.sign_in_witness(actor, "witness", &input.witness).await?;
        details.witnesses = [actor.user_id, witness.user_id];
        single(self.post_one(actor, container, Movement::Dispose { qty, details }, None, None).await?)
    }

    /// Reports a loss or theft: the stock leaves the book, and the report's two DEA deadlines
    /// (notice within one business day, Form 106 within 45 days) become open tasks.
    pub async fn report_loss(&self, grant: &Granted<InventoryDraw>, container: ContainerId, input: LossInput) -> AppResult<LossReport> {
        let view = self.one_view(container).await?;
        let mut errors = ValidationErrors::default();
        let kind = choice(&mut errors, "kind", &input.kind, &[("loss", LossKind::Loss), ("theft", LossKind::Theft)]);
        let description = reason(&mut errors, "description", &input.description);
        let now = self.now();
        if input.discovered_at > now {
            errors.0.push(FieldError::new("discovered_at", "is in the future"));
        }
        let qty = volume(&view, "volume_ul", Some(input.volume_ul), Qty::ZERO)?;
        let (Some(kind), true) = (kind, errors.0.is_empty()) else { return Err(errors.into()) };
        let (notify_due, form106_due) = deadlines(&self.settings().calendar, input.discovered_at);
        let actor = grant.actor();
        let report = LossReport {
            id: LossReportId(new_id()),
            entry_id: LedgerEntryId(new_id()),
            container_id: container,
            kind,
            qty,
            discovered_at: input.discovered_at,
            description: description.clone(),
            reported_by: actor.user_id,
            notify_due,
            form106_due,
            notified: None,
            form106: None,
        };
        let movement = Movement::Loss { loss_id: report.id, loss: kind, qty, discovered_at: input.discovered_at, description };
        self.post_one(actor, container, movement, None, Some(report.clone())).await?;
        Ok(report)
    }

    /// Corrects the book by `delta_ul` with a reason.
    pub async fn adjust_stock(&self, grant: &Granted<InventoryManage>, container: ContainerId, input: AdjustInput) -> AppResult<LedgerEntry> {
        let view = self.one_view(container).await?;
        let mut errors = ValidationErrors::default();
        let why = reason(&mut errors, "reason", &input.reason);
        if input.delta_ul == 0 || input.delta_ul.unsigned_abs() > 1_000_000 {
            errors.0.push(FieldError::new("delta_ul", "must be a non-zero change of at most 1000 mL"));
        }
        errors.into_result()?;
        let movement = Movement::Adjust { delta: view.product.concentration.of_delta(input.delta_ul), reason: why };
        single(self.post_one(grant.actor(), container, movement, None, None).await?)
    }
}
