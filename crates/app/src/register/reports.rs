//! The register's reports (issue 6 item 8).
//!
//! Every report is one table — columns and rows of text — so the screen, the CSV export and the
//! printable page share one shape. Rows come from the ledger folded in chain order, so running
//! balances and draw outcomes are exactly what the ledger says. Reports that name patients
//! (administrations, reconciliation) also need `patient.read`, and each patient named is
//! recorded in the audit log.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::Date;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::register::count::CountStatus;
use ketaclinic_domain::register::ledger::Ledger;
use ketaclinic_domain::register::movement::{LedgerEntry, Movement};
use ketaclinic_domain::register::product::{DEA_DRUG_CODE, DEA_SCHEDULE, Product};
use ketaclinic_domain::register::quantity::Qty;
use ketaclinic_domain::register::reconcile::{ChartedAdministration, charted_ug, reconcile};
use ketaclinic_domain::{FieldError, ValidationErrors};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::perm::InventoryRead;
use crate::permissions::{Granted, Permission};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Administrations,
    Receipts,
    Waste,
    Disposals,
    Losses,
    Inventory,
    Discrepancies,
    Reconciliation,
}

impl ReportKind {
    pub const ALL: [Self; 8] =
        [Self::Administrations, Self::Receipts, Self::Waste, Self::Disposals, Self::Losses, Self::Inventory, Self::Discrepancies, Self::Reconciliation];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrations => "administrations",
            Self::Receipts => "receipts",
            Self::Waste => "waste",
            Self::Disposals => "disposals",
            Self::Losses => "losses",
            Self::Inventory => "inventory",
            Self::Discrepancies => "discrepancies",
            Self::Reconciliation => "reconciliation",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Administrations => "Administration log",
            Self::Receipts => "Receipts",
            Self::Waste => "Witnessed waste",
            Self::Disposals => "Disposals (DEA Form 41 data)",
            Self::Losses => "Losses and thefts",
            Self::Inventory => "Inventory as of a date",
            Self::Discrepancies => "Count discrepancies",
            Self::Reconciliation => "Reconciliation of sessions against the register",
        }
    }

    /// Reports that name patients.
    fn names_patients(self) -> bool {
        matches!(self, Self::Administrations | Self::Reconciliation)
    }
}

/// The clinic-local dates a report covers, both included; the inventory is as of the end of
/// `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    pub from: Date,
    pub to: Date,
}

impl ReportPeriod {
    /// Parses `from` / `to` (YYYY-MM-DD); `to` defaults to today, `from` to 30 days before it.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut date = |field: &str, raw: Option<&str>, default: Date| match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(default),
            Some(raw) => errors.collect(field, raw.parse::<Date>().map_err(|_| FieldError::new(field, "must be a date (YYYY-MM-DD)"))),
        };
        let to = date("to", to, today);
        let from = date("from", from, to.and_then(|t| t.checked_sub(jiff::Span::new().days(30)).ok()).unwrap_or(today));
        match (from, to) {
            (Some(from), Some(to)) if from <= to => Ok(Self { from, to }),
            (Some(_), Some(_)) => Err(ValidationErrors::one("from", "must not be after to")),
            _ => Err(errors),
        }
    }
}

/// A report as a table.
#[derive(Debug, Clone)]
pub struct RegisterReport {
    pub kind: ReportKind,
    pub period: ReportPeriod,
    /// `(key, label)` per column.
    pub columns: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Vec<String>>,
    pub generated_at: Timestamp,
}

/// Everything a report is built from.
struct Snapshot {
    rows: Vec<LedgerEntry>,
    products: Vec<Product>,
    containers: Vec<ketaclinic_domain::register::container::Container>,
    names: std::collections::HashMap<ketaclinic_domain::ids::UserId, String>,
}

impl Snapshot {
    fn container(&self, id: ketaclinic_domain::ids::ContainerId) -> (String, String, String) {
        let c = self.containers.iter().find(|c| c.id == id);
        let p = c.and_then(|c| self.products.iter().find(|p| p.id == c.product_id));
        (c.map(|c| c.label.clone()).unwrap_or_default(), p.map(|p| p.name.clone()).unwrap_or_default(), c.map(|c| c.lot.clone()).unwrap_or_default())
    }

    fn name(&self, id: ketaclinic_domain::ids::UserId) -> String {
        self.names.get(&id).cloned().unwrap_or_else(|| "(unknown account)".to_owned())
    }
}

impl App {
    /// Builds a report for a period; `to` of the period is the inventory's as-of date.
    pub async fn register_report(&self, grant: &Granted<InventoryRead>, kind: ReportKind, period: ReportPeriod) -> AppResult<RegisterReport> {
        let actor = grant.actor();
        if kind.names_patients() && !self.allows(actor.role, Permission::PatientRead) {
            return Err(AppError::Forbidden(Permission::PatientRead.describe()));
        }
        let snap = Snapshot {
            rows: self.all_ledger_rows().await?,
            products: self.store.cs_products().await?,
            containers: self.store.cs_containers().await?,
            names: self.staff_names().await?,
        };
        let tz = self.settings().timezone.clone();
        let start = period.from.to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|e| AppError::Unavailable(e.to_string()))?;
        let end = period.to.tomorrow().and_then(|d| d.to_zoned(tz.clone())).map(|z| z.timestamp()).map_err(|e| AppError::Unavailable(e.to_string()))?;
        let in_period = |at: Timestamp| at >= start && at < end;
        let local = |at: Timestamp| tz.to_datetime(at).strftime("%Y-%m-%d %H:%M").to_string();
        let mut patients: BTreeSet<PatientId> = BTreeSet::new();
        let (columns, rows): (Vec<(&'static str, &'static str)>, Vec<Vec<String>>) = match kind {
            ReportKind::Administrations => {
                let mut rows = Vec::new();
                for r in snap.rows.iter().filter(|r| in_period(r.entry.at)) {
                    let Movement::Administer { session_id, qty, .. } = &r.entry.movement else { continue };
                    let (label, drug, lot) = snap.container(r.entry.container_id);
                    let patient = self.session_patient(*session_id).await?;
                    if let Some((id, _)) = &patient {
                        patients.insert(*id);
                    }
                    let (who, mrn) = patient.map(|(_, p)| (p.display_name(), p.mrn.as_str().to_owned())).unwrap_or_default();
                    rows.push(vec![
                        local(r.entry.at),
                        who,
                        mrn,
                        drug,
                        format!("{DEA_SCHEDULE} {DEA_DRUG_CODE}"),
                        qty.mg_decimal(),
                        qty.ml_decimal(),
                        label,
                        lot,
                        snap.name(r.entry.recorded_by),
                        session_id.to_string(),
                    ]);
                }
                (
                    vec![
                        ("date", "Date"),
                        ("patient", "Patient"),
                        ("mrn", "MRN"),
                        ("drug", "Drug and strength"),
                        ("schedule", "Schedule / DEA code"),
                        ("mg", "Quantity (mg)"),
                        ("ml", "Volume (mL)"),
                        ("container", "Container"),
                        ("lot", "Lot"),
                        ("administered_by", "Administered by"),
                        ("session", "Session"),
                    ],
                    rows,
                )
            }
            ReportKind::Receipts => {
                let receipts = self.store.cs_receipts().await?;
                let rows = receipts
                    .iter()
                    .filter(|r| r.received_on >= period.from && r.received_on <= period.to)
                    .map(|r| {
                        let product = snap.products.iter().find(|p| p.id == r.product_id);
                        let units = snap.containers.iter().filter(|c| c.receipt_id == r.id).count();
                        vec![
                            r.received_on.to_string(),
                            r.supplier_name.clone(),
                            r.supplier_address.clone(),
                            r.supplier_dea.clone(),
                            r.invoice.clone(),
                            product.map(|p| p.name.clone()).unwrap_or_default(),
                            product.and_then(|p| p.ndc.as_ref().map(|n| n.as_str().to_owned())).unwrap_or_default(),
                            r.packages.to_string(),
                            units.to_string(),
                            r.lot.clone(),
                            r.expiry.to_string(),
                            snap.name(r.received_by),
                        ]
                    })
                    .collect();
                (
                    vec![
                        ("received_on", "Date received"),
                        ("supplier", "Supplier"),
                        ("supplier_address", "Supplier address"),
                        ("supplier_dea", "Supplier DEA no."),
                        ("invoice", "Invoice / order"),
                        ("product", "Product"),
                        ("ndc", "NDC"),
                        ("packages", "Packages"),
                        ("containers", "Containers"),
                        ("lot", "Lot"),
                        ("expiry", "Expiry"),
                        ("received_by", "Received by"),
                    ],
                    rows,
                )
            }
            ReportKind::Waste => {
                let rows = snap
                    .rows
                    .iter()
                    .filter(|r| in_period(r.entry.at))
                    .filter_map(|r| match &r.entry.movement {
                        Movement::Waste { qty, reason, witness_id, draw_id } => {
                            let (label, drug, lot) = snap.container(r.entry.container_id);
                            Some(vec![
                                local(r.entry.at),
                                drug,
                                label,
                                lot,
                                qty.mg_decimal(),
                                qty.ml_decimal(),
                                reason.clone(),
                                snap.name(r.entry.recorded_by),
                                snap.name(*witness_id),
                                draw_id.to_string(),
                            ])
                        }
                        _ => None,
                    })
                    .collect();
                (
                    vec![
                        ("date", "Date"),
                        ("drug", "Drug and strength"),
                        ("container", "Container"),
                        ("lot", "Lot"),
                        ("mg", "Wasted (mg)"),
                        ("ml", "Wasted (mL)"),
                        ("reason", "Reason"),
                        ("wasted_by", "Wasted by"),
                        ("witness", "Witness"),
                        ("draw", "Draw"),
                    ],
                    rows,
                )
            }
            ReportKind::Disposals => {
                let rows = snap
                    .rows
                    .iter()
                    .filter(|r| in_period(r.entry.at))
                    .filter_map(|r| match &r.entry.movement {
                        Movement::Dispose { qty, details } => {
                            let c = snap.containers.iter().find(|c| c.id == r.entry.container_id);
                            let p = c.and_then(|c| snap.products.iter().find(|p| p.id == c.product_id));
                            let full = p.is_some_and(|p| *qty == p.container_qty());
                            Some(vec![
                                local(r.entry.at),
                                p.and_then(|p| p.ndc.as_ref().map(|n| n.as_str().to_owned())).unwrap_or_else(|| DEA_DRUG_CODE.to_owned()),
                                p.map(|p| p.name.clone()).unwrap_or_default(),
                                p.map(Product::strength).unwrap_or_default(),
                                c.map(|c| c.lot.clone()).unwrap_or_default(),
                                c.map(|c| c.label.clone()).unwrap_or_default(),
                                if full { "1" } else { "0" }.to_owned(),
                                if full { String::new() } else { qty.ml_decimal() },
                                qty.mg_decimal(),
                                details.method.label().to_owned(),
                                details
                                    .destruction_method
                                    .clone()
                                    .or_else(|| {
                                        details
                                            .reverse_distributor_name
                                            .clone()
                                            .map(|n| format!("{n} ({})", details.reverse_distributor_dea.clone().unwrap_or_default()))
                                    })
                                    .unwrap_or_default(),
                                details.place.clone(),
                                details.reason.clone(),
                                snap.name(details.witnesses[0]),
                                snap.name(details.witnesses[1]),
                            ])
                        }
                        _ => None,
                    })
                    .collect();
                (
                    vec![
                        ("date", "Date"),
                        ("code", "NDC or DEA code"),
                        ("product", "Name"),
                        ("strength", "Strength and form"),
                        ("lot", "Batch"),
                        ("container", "Container"),
                        ("full_packages", "Full packages"),
                        ("partial_ml", "Partial (mL)"),
                        ("total_mg", "Total destroyed (mg)"),
                        ("method", "Method"),
                        ("how", "How / reverse distributor"),
                        ("place", "Location"),
                        ("reason", "Reason"),
                        ("witness_1", "Witness 1"),
                        ("witness_2", "Witness 2"),
                    ],
                    rows,
                )
            }
            ReportKind::Losses => {
                let reports = self.store.loss_reports().await?;
                let rows = reports
                    .iter()
                    .filter(|l| in_period(l.discovered_at))
                    .map(|l| {
                        let (label, drug, lot) = snap.container(l.container_id);
                        let done = |d: Option<&ketaclinic_domain::register::loss::TaskDone>| {
                            d.map_or_else(|| "open".to_owned(), |d| format!("{} ({})", local(d.at), d.reference))
                        };
                        vec![
                            local(l.discovered_at),
                            l.kind.as_str().to_owned(),
                            drug,
                            label,
                            lot,
                            l.qty.mg_decimal(),
                            l.qty.ml_decimal(),
                            l.description.clone(),
                            local(l.notify_due),
                            done(l.notified.as_ref()),
                            local(l.form106_due),
                            done(l.form106.as_ref()),
                        ]
                    })
                    .collect();
                (
                    vec![
                        ("discovered", "Discovered"),
                        ("kind", "Loss or theft"),
                        ("drug", "Drug and strength"),
                        ("container", "Container"),
                        ("lot", "Lot"),
                        ("mg", "Quantity (mg)"),
                        ("ml", "Volume (mL)"),
                        ("description", "Description"),
                        ("notify_due", "DEA notice due"),
                        ("notified", "Notified"),
                        ("form106_due", "Form 106 due"),
                        ("form106", "Form 106 filed"),
                    ],
                    rows,
                )
            }
            ReportKind::Inventory => {
                let upto: Vec<_> = snap.rows.iter().filter(|r| r.entry.at < end).map(|r| &r.entry).collect();
                let ledger =
                    Ledger::from_entries(upto).map_err(|(id, e)| AppError::Unavailable(format!("the stored ledger does not add up at entry {id}: {e}")))?;
                let mut rows = Vec::new();
                for c in &snap.containers {
                    let Some(b) = ledger.container(c.id) else { continue };
                    if b.remaining.is_zero() {
                        continue;
                    }
                    let p = snap.products.iter().find(|p| p.id == c.product_id);
                    let opened = b.first_draw_at.is_some() || b.remaining != p.map(Product::container_qty).unwrap_or_default();
                    rows.push(vec![
                        c.label.clone(),
                        p.map(|p| p.name.clone()).unwrap_or_default(),
                        p.map(Product::strength).unwrap_or_default(),
                        c.lot.clone(),
                        c.expiry.to_string(),
                        if opened { "opened (estimated measure)" } else { "sealed" }.to_owned(),
                        b.remaining.ml_decimal(),
                        b.remaining.mg_decimal(),
                    ]);
                }
                (
                    vec![
                        ("container", "Container"),
                        ("product", "Substance"),
                        ("form", "Finished form"),
                        ("lot", "Lot"),
                        ("expiry", "Expiry"),
                        ("state", "Sealed or opened"),
                        ("ml", "On hand (mL)"),
                        ("mg", "On hand (mg)"),
                    ],
                    rows,
                )
            }
            ReportKind::Discrepancies => {
                let counts = self.store.cs_counts().await?;
                let mut rows = Vec::new();
                for count in counts.iter().filter(|c| c.status == CountStatus::Signed && c.taken_on >= period.from && c.taken_on <= period.to) {
                    for line in count.discrepancies() {
                        let (label, drug, lot) = snap.container(line.container_id);
                        let book = Qty { ul: line.book_ul, ug: 0 }.ml_decimal();
                        let counted = Qty { ul: line.counted_ul.unwrap_or(0), ug: 0 }.ml_decimal();
                        rows.push(vec![
                            count.taken_on.to_string(),
                            count.kind.label().to_owned(),
                            drug,
                            label,
                            lot,
                            book,
                            counted,
                            line.resolution.clone().unwrap_or_default(),
                            if line.adjust { "yes" } else { "no" }.to_owned(),
                            count.signed_by.map(|u| snap.name(u)).unwrap_or_default(),
                        ]);
                    }
                }
                (
                    vec![
                        ("date", "Date"),
                        ("count", "Count"),
                        ("drug", "Drug and strength"),
                        ("container", "Container"),
                        ("lot", "Lot"),
                        ("book_ml", "Book (mL)"),
                        ("counted_ml", "Counted (mL)"),
                        ("resolution", "Resolution"),
                        ("adjusted", "Book adjusted"),
                        ("signed_by", "Signed by"),
                    ],
                    rows,
                )
            }
            ReportKind::Reconciliation => {
                let mut charted = Vec::new();
                for session in self.store.sessions_dosed_between(start, end).await? {
                    let Some(s) = self.store.treatment_session(session).await? else { continue };
                    let events = self.store.session_events(session).await?;
                    let list: Vec<_> = events.iter().map(|e| (e.at, e.event, &e.payload)).collect();
                    if let Some((at, ug)) = charted_ug(&list) {
                        charted.push(ChartedAdministration { session_id: s.id, patient_id: s.patient_id, at, ug });
                    }
                }
                let ledger = Ledger::from_entries(snap.rows.iter().map(|r| &r.entry))
                    .map_err(|(id, e)| AppError::Unavailable(format!("the stored ledger does not add up at entry {id}: {e}")))?;
                let draws: Vec<_> = ledger.draws().filter(|d| in_period(d.at) || charted.iter().any(|c| c.session_id == d.session_id)).cloned().collect();
                let mut rows = Vec::new();
                for m in reconcile(&charted, &draws) {
                    let patient = self.session_patient(m.session_id()).await?;
                    if let Some((id, _)) = &patient {
                        patients.insert(*id);
                    }
                    let (charted_mg, ledger_mg, at) = match &m {
                        ketaclinic_domain::register::reconcile::Mismatch::AdministeredWithoutDraw { charted, at, .. } => (mg(*charted), String::new(), *at),
                        ketaclinic_domain::register::reconcile::Mismatch::DrawWithoutAdministration { drawn, at, .. } => {
                            (String::new(), format!("drawn {}", drawn.mg_decimal()), *at)
                        }
                        ketaclinic_domain::register::reconcile::Mismatch::AmountsDiffer { charted, ledger, at, .. } => (mg(*charted), mg(*ledger), *at),
                        ketaclinic_domain::register::reconcile::Mismatch::OpenDraw { outstanding, at, .. } => {
                            (String::new(), format!("{} not settled", outstanding.mg_decimal()), *at)
                        }
                    };
                    rows.push(vec![
                        local(at),
                        m.label().to_owned(),
                        patient.map(|(_, p)| p.display_name()).unwrap_or_default(),
                        charted_mg,
                        ledger_mg,
                        m.session_id().to_string(),
                    ]);
                }
                (
                    vec![
                        ("date", "Date"),
                        ("finding", "Finding"),
                        ("patient", "Patient"),
                        ("charted_mg", "Charted (mg)"),
                        ("register_mg", "Register (mg)"),
                        ("session", "Session"),
                    ],
                    rows,
                )
            }
        };
        let mut audit: Vec<_> = patients
            .iter()
            .map(|p| {
                let mut e = actor.patient_event(self, AuditAction::InventoryReportRead, AuditOutcome::Success, *p);
                e.detail = Some(kind.as_str().to_owned());
                e
            })
            .collect();
        let mut summary = actor.event(self, AuditAction::InventoryReportRead, AuditOutcome::Success);
        summary.resource_type = Some("RegisterReport".to_owned());
        summary.resource_id = Some(kind.as_str().to_owned());
        summary.detail = Some(format!("{} to {}, {} rows", period.from, period.to, rows.len()));
        audit.push(summary);
        self.store.append_audit(audit).await?;
        Ok(RegisterReport { kind, period, columns, rows, generated_at: self.now() })
    }

    /// The patient of a session, if both exist.
    async fn session_patient(&self, session: TreatmentSessionId) -> AppResult<Option<(PatientId, ketaclinic_domain::patient::Patient)>> {
        let Some(s) = self.store.treatment_session(session).await? else { return Ok(None) };
        Ok(self.store.patient(s.patient_id).await?.map(|p| (s.patient_id, p)))
    }
}

fn mg(ug: u64) -> String {
    Qty { ul: 0, ug }.mg_decimal()
}

/// Report rows as CSV (RFC 4180: every field quoted, quotes doubled; a leading `=`, `+`, `-` or
/// `@` is prefixed with `'` so a spreadsheet does not run it as a formula).
pub fn to_csv(report: &RegisterReport) -> String {
    let field = |s: &str| {
        let safe = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
        format!("\"{}\"", safe.replace('"', "\"\""))
    };
    let mut out = String::new();
    let header: Vec<String> = report.columns.iter().map(|(_, label)| field(label)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &report.rows {
        let line: Vec<String> = row.iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}
