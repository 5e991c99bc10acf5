//! The catalogue, storage locations, receipts, and stock as derived from the ledger.

use jiff::civil::Date;
use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::{ContainerId, LedgerEntryId, LocationId, ReceiptId};
use ketaclinic_domain::register::container::{Container, Receipt, beyond_use_date, check_dea_number};
use ketaclinic_domain::register::ledger::{ContainerBalance, DrawBalance, Ledger};
use ketaclinic_domain::register::movement::{LedgerEntry, Movement, NewEntry};
use ketaclinic_domain::register::product::{Location, Ndc, Product, ProductForm};
use ketaclinic_domain::register::quantity::{Concentration, Qty};
use ketaclinic_domain::{FieldError, ValidationErrors};

use super::{refused, register_event};
use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{InventoryManage, InventoryRead, InventoryReceive};

/// Most packages on one receipt line (a clinic's order, not a wholesaler's).
const MAX_PACKAGES: u32 = 200;
/// Longest free-text field of a receipt.
const MAX_TEXT: usize = 200;

/// A product as the clinic adds it.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub id: String,
    pub name: String,
    pub form: String,
    pub ndc: Option<String>,
    pub concentration_mg_per_ml: u64,
    pub container_ul: u64,
    pub units_per_package: u32,
    pub multi_dose: bool,
}

/// A receipt as staff type it from the invoice or packing slip.
#[derive(Debug, Clone)]
pub struct ReceiptInput {
    pub supplier_name: String,
    pub supplier_address: String,
    pub supplier_dea: String,
    pub invoice: String,
    pub received_on: String,
    pub product_id: String,
    pub lot: String,
    pub expiry: String,
    pub packages: u32,
    pub location_id: LocationId,
}

/// A stored receipt with the containers it created.
#[derive(Debug, Clone)]
pub struct ReceiptView {
    pub receipt: Receipt,
    pub containers: Vec<Container>,
}

/// Which containers a stock list shows.
#[derive(Debug, Clone, Default)]
pub struct StockFilter {
    /// Also containers with nothing left (emptied, disposed of, lost).
    pub include_empty: bool,
    pub product_id: Option<String>,
    pub location_id: Option<LocationId>,
}

/// One container with its product, place and balance.
#[derive(Debug, Clone)]
pub struct ContainerView {
    pub container: Container,
    pub product: Product,
    pub location: Option<Location>,
    pub balance: ContainerBalance,
    /// When an opened multiple-dose vial must no longer be used.
    pub beyond_use: Option<Date>,
    pub expired: bool,
    pub past_beyond_use: bool,
}

impl ContainerView {
    /// `sealed`, `opened`, `empty`, `expired` (with stock left).
    pub fn status(&self) -> &'static str {
        if self.balance.remaining.is_zero() {
            "empty"
        } else if self.expired {
            "expired"
        } else if self.balance.first_draw_at.is_some() {
            "opened"
        } else {
            "sealed"
        }
    }
}

/// One ledger row with the container's balance after it and the people named.
#[derive(Debug, Clone)]
pub struct EntryLine {
    pub entry: LedgerEntry,
    pub remaining_after: Qty,
    pub recorded_by: String,
    pub witnesses: Vec<String>,
}

/// A container with its whole history.
#[derive(Debug, Clone)]
pub struct ContainerDetail {
    pub view: ContainerView,
    pub receipt: Option<Receipt>,
    pub entries: Vec<EntryLine>,
    pub draws: Vec<DrawBalance>,
}

fn text(errors: &mut ValidationErrors, field: &str, raw: &str) -> String {
    let value = raw.trim().to_owned();
    if value.is_empty() || value.chars().count() > MAX_TEXT {
        errors.0.push(FieldError::new(field, format!("is required (at most {MAX_TEXT} characters)")));
    }
    value
}

fn date(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Date> {
    let parsed = raw.trim().parse::<Date>().ok();
    if parsed.is_none() {
        errors.0.push(FieldError::new(field, "must be a date (YYYY-MM-DD)"));
    }
    parsed
}

impl App {
    /// The catalogue.
    pub async fn register_products(&self, _grant: &Granted<InventoryRead>) -> AppResult<Vec<Product>> {
        Ok(self.store.cs_products().await?)
    }

    /// Adds a product to the catalogue.
    pub async fn add_register_product(&self, grant: &Granted<InventoryManage>, input: ProductInput) -> AppResult<Product> {
        let mut errors = ValidationErrors::default();
        let form = ProductForm::parse(&input.form);
        if form.is_none() {
            errors.0.push(FieldError::new("form", "must be vial or nasal_device"));
        }
        let ndc = input.ndc.as_deref().filter(|n| !n.trim().is_empty()).map(Ndc::new).transpose().map_err(|e| errors.0.push(e)).ok().flatten();
        let concentration = errors.collect("concentration_mg_per_ml", Concentration::new(input.concentration_mg_per_ml.saturating_mul(1000)));
        let (Some(form), Some(concentration)) = (form, concentration) else { return Err(errors.into()) };
        let product = Product {
            id: input.id.trim().to_owned(),
            name: input.name.trim().to_owned(),
            form,
            ndc,
            concentration,
            container_ul: input.container_ul,
            units_per_package: input.units_per_package,
            multi_dose: input.multi_dose,
            active: true,
        };
        if let Err(more) = product.validate() {
            errors.0.extend(more);
        }
        errors.into_result()?;
        let audit = register_event(self, grant.actor(), AuditAction::InventoryCatalogueChanged, ("Product", product.id.clone()), "product added".to_owned());
        self.store.insert_cs_product(&product, audit).await.map_err(|e| match e {
            ketaclinic_store::StoreError::Conflict(_) => AppError::Conflict(format!("a product with id {} exists", product.id)),
            other => other.into(),
        })?;
        Ok(product)
    }

    pub async fn register_locations(&self, _grant: &Granted<InventoryRead>) -> AppResult<Vec<Location>> {
        Ok(self.store.cs_locations().await?)
    }

    /// Adds a storage location (a safe or locked cabinet).
    pub async fn add_register_location(&self, grant: &Granted<InventoryManage>, name: &str) -> AppResult<Location> {
        let mut errors = ValidationErrors::default();
        let name = text(&mut errors, "name", name);
        errors.into_result()?;
        let location = Location { id: LocationId(new_id()), name, active: true };
        let audit =
            register_event(self, grant.actor(), AuditAction::InventoryCatalogueChanged, ("Location", location.id.to_string()), "location added".to_owned());
        self.store.insert_cs_location(&location, grant.actor().user_id, self.now(), audit).await.map_err(|e| match e {
            ketaclinic_store::StoreError::Conflict(_) => AppError::Conflict(format!("a location named {:?} exists", location.name)),
            other => other.into(),
        })?;
        Ok(location)
    }

    /// Receives a delivery: one container per unit (a kit of three devices makes three), each
    /// full, at the given location.
    pub async fn receive_stock(&self, grant: &Granted<InventoryReceive>, input: ReceiptInput) -> AppResult<ReceiptView> {
        let mut errors = ValidationErrors::default();
        let supplier_name = text(&mut errors, "supplier_name", &input.supplier_name);
        let supplier_address = text(&mut errors, "supplier_address", &input.supplier_address);
        let supplier_dea = errors.collect("supplier_dea", check_dea_number("supplier_dea", &input.supplier_dea)).unwrap_or_default();
        let invoice = text(&mut errors, "invoice", &input.invoice);
        let lot = text(&mut errors, "lot", &input.lot);
        let received_on = date(&mut errors, "received_on", &input.received_on);
        let expiry = date(&mut errors, "expiry", &input.expiry);
        if input.packages == 0 || input.packages > MAX_PACKAGES {
            errors.0.push(FieldError::new("packages", format!("must be between 1 and {MAX_PACKAGES}")));
        }
        let product = self.store.cs_products().await?.into_iter().find(|p| p.id == input.product_id && p.active);
        if product.is_none() {
            errors.0.push(FieldError::new("product_id", "is not a product in the catalogue"));
        }
        if !self.store.cs_locations().await?.iter().any(|l| l.id == input.location_id && l.active) {
            errors.0.push(FieldError::new("location_id", "is not a storage location"));
        }
        let today = self.clinic_today();
        if let Some(day) = received_on.filter(|d| *d > today) {
            errors.0.push(FieldError::new("received_on", format!("{day} is in the future")));
        }
        if let (Some(exp), Some(rec)) = (expiry, received_on)
            && exp < rec
        {
            errors.0.push(FieldError::new("expiry", "is before the date of receipt: expired stock cannot be received into use"));
        }
        let (Some(product), Some(received_on), Some(expiry)) = (product, received_on, expiry) else { return Err(errors.into()) };
        errors.into_result()?;
        let now = self.now();
        let actor = grant.actor();
        let receipt = Receipt {
            id: ReceiptId(new_id()),
            supplier_name,
            supplier_address,
            supplier_dea,
            invoice,
            received_on,
            received_at: now,
            received_by: actor.user_id,
            product_id: product.id.clone(),
            lot,
            expiry,
            packages: input.packages,
            location_id: input.location_id,
        };
        let units = input.packages.saturating_mul(product.units_per_package);
        let containers = (0..units)
            .map(|_| {
                let container = Container {
                    id: ContainerId(new_id()),
                    number: 0,
                    label: String::new(),
                    product_id: product.id.clone(),
                    receipt_id: receipt.id,
                    lot: receipt.lot.clone(),
                    expiry,
                };
                let entry = NewEntry {
                    id: LedgerEntryId(new_id()),
                    at: now,
                    container_id: container.id,
                    recorded_by: actor.user_id,
                    movement: Movement::Receipt { receipt_id: receipt.id, location_id: receipt.location_id, qty: product.container_qty() },
                };
                (container, entry)
            })
            .collect();
        let detail = format!("{units} × {} lot {} from invoice {}", product.id, receipt.lot, receipt.invoice);
        let audit = register_event(self, actor, AuditAction::InventoryReceived, ("Receipt", receipt.id.to_string()), detail);
        let (containers, _) = self.store.insert_receipt(&receipt, containers, product.form.label_prefix(), audit).await?;
        Ok(ReceiptView { receipt, containers })
    }

    /// Receipts, newest first.
    pub async fn register_receipts(&self, _grant: &Granted<InventoryRead>) -> AppResult<Vec<Receipt>> {
        let mut receipts = self.store.cs_receipts().await?;
        receipts.sort_by_key(|r| std::cmp::Reverse(r.received_at));
        Ok(receipts)
    }

    /// Containers with their balances, by label.
    pub async fn stock(&self, grant: &Granted<InventoryRead>, filter: &StockFilter) -> AppResult<Vec<ContainerView>> {
        let views = self.container_views(&[]).await?;
        let out: Vec<ContainerView> = views
            .into_iter()
            .filter(|v| filter.include_empty || !v.balance.remaining.is_zero() || !v.balance.in_syringes().is_zero())
            .filter(|v| filter.product_id.as_ref().is_none_or(|p| *p == v.product.id))
            .filter(|v| filter.location_id.is_none_or(|l| v.balance.location_id == Some(l)))
            .collect();
        let audit = register_event(self, grant.actor(), AuditAction::InventoryRead, ("Stock", "stock".to_owned()), format!("{} containers", out.len()));
        self.store.append_audit(vec![audit]).await?;
        Ok(out)
    }

    /// One container and its ledger with the running balance.
    pub async fn container_detail(&self, grant: &Granted<InventoryRead>, id: ContainerId) -> AppResult<ContainerDetail> {
        let view = self.container_views(&[id]).await?.into_iter().next().ok_or(AppError::NotFound)?;
        let rows = self.store.ledger_entries_of(&[id]).await?;
        let names = self.staff_names().await?;
        let name = |u| names.get(&u).cloned().unwrap_or_else(|| "(unknown account)".to_owned());
        let mut ledger = Ledger::default();
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            ledger.apply(&row.entry).map_err(|e| AppError::Unavailable(format!("the stored ledger of {} does not add up: {e}", view.container.label)))?;
            let remaining_after = ledger.container(id).map(|b| b.remaining).unwrap_or_default();
            entries.push(EntryLine {
                recorded_by: name(row.entry.recorded_by),
                witnesses: row.entry.movement.witnesses().into_iter().map(name).collect(),
                remaining_after,
                entry: row,
            });
        }
        let receipt = self.store.cs_receipts().await?.into_iter().find(|r| r.id == view.container.receipt_id);
        let draws = ledger.draws().cloned().collect();
        let audit = register_event(self, grant.actor(), AuditAction::InventoryRead, ("Container", id.to_string()), view.container.label.clone());
        self.store.append_audit(vec![audit]).await?;
        Ok(ContainerDetail { view, receipt, entries, draws })
    }

    /// Views of some containers (all when `ids` is empty), by number.
    pub(crate) async fn container_views(&self, ids: &[ContainerId]) -> AppResult<Vec<ContainerView>> {
        let containers: Vec<Container> = match ids {
            [] => self.store.cs_containers().await?,
            ids => {
                let mut found = Vec::new();
                for id in ids {
                    if let Some(c) = self.store.cs_container(*id).await? {
                        found.push(c);
                    }
                }
                found
            }
        };
        let rows = self.store.ledger_entries_of(ids).await?;
        let ledger = Ledger::from_entries(rows.iter().map(|r| &r.entry))
            .map_err(|(id, e)| AppError::Unavailable(format!("the stored ledger does not add up at entry {id}: {e}")))?;
        let products = self.store.cs_products().await?;
        let locations = self.store.cs_locations().await?;
        let today = self.clinic_today();
        let tz = &self.settings().timezone;
        let mut out = Vec::with_capacity(containers.len());
        for container in containers {
            let Some(product) = products.iter().find(|p| p.id == container.product_id).cloned() else { continue };
            let balance = ledger.container(container.id).cloned().unwrap_or_default();
            let location = balance.location_id.and_then(|l| locations.iter().find(|x| x.id == l).cloned());
            let beyond_use = beyond_use_date(&product, balance.first_draw_at.map(|t| tz.to_datetime(t).date()), self.settings().beyond_use_days);
            out.push(ContainerView {
                expired: today > container.expiry,
                past_beyond_use: beyond_use.is_some_and(|b| today > b),
                beyond_use,
                container,
                product,
                location,
                balance,
            });
        }
        Ok(out)
    }

    /// Moves a container to another location.
    pub async fn transfer_container(&self, grant: &Granted<InventoryReceive>, id: ContainerId, to: LocationId) -> AppResult<LedgerEntry> {
        let view = self.container_views(&[id]).await?.into_iter().next().ok_or(AppError::NotFound)?;
        if !self.store.cs_locations().await?.iter().any(|l| l.id == to && l.active) {
            return Err(ValidationErrors::one("to_location_id", "is not a storage location").into());
        }
        let from = view.balance.location_id.ok_or_else(|| AppError::Conflict("the container has no location".to_owned()))?;
        let movement = Movement::Transfer { from, to };
        let mut rows = self.post_one(grant.actor(), id, movement, None, None).await?;
        rows.pop().ok_or_else(|| AppError::Unavailable("the ledger row was not returned".to_owned()))
    }

    /// Checks a movement against the current ledger (so an impossible one is refused with its
    /// reason before any witness is asked to sign), then posts it.
    pub(crate) async fn post_one(
        &self,
        actor: &crate::actor::Actor,
        container: ContainerId,
        movement: Movement,
        patient: Option<ketaclinic_domain::ids::PatientId>,
        loss: Option<ketaclinic_domain::register::loss::LossReport>,
    ) -> AppResult<Vec<LedgerEntry>> {
        let entry = NewEntry { id: LedgerEntryId(new_id()), at: self.now(), container_id: container, recorded_by: actor.user_id, movement };
        let entry = match loss {
            Some(ref report) => NewEntry { id: report.entry_id, ..entry },
            None => entry,
        };
        self.precheck(&entry).await?;
        let mut audit = register_event(
            self,
            actor,
            AuditAction::InventoryMovement,
            ("LedgerEntry", entry.id.to_string()),
            format!("{} of {}", entry.movement.kind(), container),
        );
        if let Some(patient) = patient {
            audit.patient_id = Some(patient);
        }
        Ok(self.store.post_movements(vec![entry], loss, vec![audit]).await?)
    }

    /// Applies `entry` to the container's current ledger without writing.
    pub(crate) async fn precheck(&self, entry: &NewEntry) -> AppResult<()> {
        let rows = self.store.ledger_entries_of(&[entry.container_id]).await?;
        if rows.is_empty() {
            return Err(AppError::NotFound);
        }
        let mut ledger = Ledger::from_entries(rows.iter().map(|r| &r.entry))
            .map_err(|(id, e)| AppError::Unavailable(format!("the stored ledger does not add up at entry {id}: {e}")))?;
        ledger.apply(entry).map_err(|e| refused(&e))
    }
}

/// A draw made for a session, with its container and what became of it.
#[derive(Debug, Clone)]
pub struct SessionDraw {
    pub container: ContainerView,
    pub draw: DrawBalance,
}

impl App {
    /// The draws made for a session (for the session page and the API).
    pub async fn session_draws(&self, _grant: &Granted<InventoryRead>, session: ketaclinic_domain::ids::TreatmentSessionId) -> AppResult<Vec<SessionDraw>> {
        let rows = self.store.ledger_for_session(session).await?;
        let mut ids: Vec<ContainerId> = rows.iter().map(|r| r.entry.container_id).collect();
        ids.sort();
        ids.dedup();
        let ledger = Ledger::from_entries(rows.iter().map(|r| &r.entry))
            .map_err(|(id, e)| AppError::Unavailable(format!("the stored ledger does not add up at entry {id}: {e}")))?;
        let views = self.container_views(&ids).await?;
        Ok(ledger
            .draws()
            .filter(|d| d.session_id == session)
            .filter_map(|d| views.iter().find(|v| v.container.id == d.container_id).map(|v| SessionDraw { container: v.clone(), draw: d.clone() }))
            .collect())
    }
}
