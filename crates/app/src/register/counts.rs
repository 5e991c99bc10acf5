//! Inventory counts: start a sheet of every container with stock, record what is found, sign.
//! See `ketaclinic_domain::register::count` for the rules.

use jiff::civil::Date;
use ketaclinic_domain::audit::AuditAction;
use ketaclinic_domain::ids::{ContainerId, CountId, LedgerEntryId, LocationId};
use ketaclinic_domain::register::count::{Count, CountKind, CountLine, CountStatus, CountTiming};
use ketaclinic_domain::register::movement::{Movement, NewEntry};
use ketaclinic_domain::{FieldError, ValidationErrors};

use super::register_event;
use crate::App;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::perm::{InventoryCount, InventoryRead};
use crate::permissions::{Granted, Permission};

/// A new count sheet.
#[derive(Debug, Clone)]
pub struct CountInput {
    pub kind: String,
    pub timing: String,
    pub location_id: Option<LocationId>,
}

/// What was found for one container.
#[derive(Debug, Clone)]
pub struct CountLineInput {
    pub container_id: ContainerId,
    pub counted_ul: u64,
    pub resolution: Option<String>,
    pub adjust: bool,
}

impl App {
    /// Starts a count sheet listing every container with stock (at one location, or all). A
    /// second initial inventory is refused.
    pub async fn start_count(&self, grant: &Granted<InventoryCount>, input: CountInput) -> AppResult<Count> {
        let mut errors = ValidationErrors::default();
        let kind = CountKind::parse(&input.kind);
        if kind.is_none() {
            errors.0.push(FieldError::new("kind", "must be initial, biennial or ad_hoc"));
        }
        let timing = CountTiming::parse(&input.timing);
        if timing.is_none() {
            errors.0.push(FieldError::new("timing", "must be opening_of_business or close_of_business"));
        }
        if let Some(l) = input.location_id
            && !self.store.cs_locations().await?.iter().any(|x| x.id == l)
        {
            errors.0.push(FieldError::new("location_id", "is not a storage location"));
        }
        let (Some(kind), Some(timing), true) = (kind, timing, errors.0.is_empty()) else { return Err(errors.into()) };
        let existing = self.store.cs_counts().await?;
        if kind == CountKind::Initial && existing.iter().any(|c| c.kind == CountKind::Initial) {
            return Err(AppError::Conflict("the clinic already has an initial inventory; take a biennial or ad-hoc count".to_owned()));
        }
        let lines = self
            .container_views(&[])
            .await?
            .into_iter()
            .filter(|v| !v.balance.remaining.is_zero())
            .filter(|v| input.location_id.is_none_or(|l| v.balance.location_id == Some(l)))
            .map(|v| CountLine { container_id: v.container.id, book_ul: v.balance.remaining.ul, counted_ul: None, resolution: None, adjust: false })
            .collect();
        let actor = grant.actor();
        let count = Count {
            id: CountId(new_id()),
            kind,
            timing,
            location_id: input.location_id,
            taken_on: self.clinic_today(),
            started_at: self.now(),
            started_by: actor.user_id,
            status: CountStatus::Draft,
            lines,
            signed_by: None,
            signed_at: None,
            version: 1,
        };
        let audit = register_event(
            self,
            actor,
            AuditAction::InventoryCountChanged,
            ("Count", count.id.to_string()),
            format!("{} started, {} lines", kind.as_str(), count.lines.len()),
        );
        self.store.insert_count(&count, audit).await?;
        Ok(count)
    }

    /// Count sheets, newest first.
    pub async fn counts(&self, _grant: &Granted<InventoryRead>) -> AppResult<Vec<Count>> {
        Ok(self.store.cs_counts().await?)
    }

    pub async fn count_sheet(&self, grant: &Granted<InventoryRead>, id: CountId) -> AppResult<Count> {
        let count = self.store.cs_count(id).await?.ok_or(AppError::NotFound)?;
        let audit = register_event(self, grant.actor(), AuditAction::InventoryRead, ("Count", id.to_string()), count.status.as_str().to_owned());
        self.store.append_audit(vec![audit]).await?;
        Ok(count)
    }

    /// When the next biennial inventory is due: two years after the latest signed initial or
    /// biennial one (21 CFR 1304.11, REFERENCE §7.5). `None` before the initial inventory.
    pub fn biennial_due(counts: &[Count]) -> Option<Date> {
        counts
            .iter()
            .filter(|c| c.status == CountStatus::Signed && matches!(c.kind, CountKind::Initial | CountKind::Biennial))
            .map(|c| c.taken_on)
            .max()
            .and_then(|d| d.checked_add(jiff::Span::new().years(2)).ok())
    }

    /// Records what was found on some lines of a draft. `expected_version` is the version the
    /// counter saw (two tablets on one sheet cannot overwrite each other).
    pub async fn record_count_lines(
        &self,
        grant: &Granted<InventoryCount>,
        id: CountId,
        expected_version: u32,
        lines: Vec<CountLineInput>,
    ) -> AppResult<Count> {
        let mut count = self.store.cs_count(id).await?.ok_or(AppError::NotFound)?;
        if count.version != expected_version {
            return Err(AppError::Conflict("the count sheet changed since you opened it; reload it".to_owned()));
        }
        if count.status == CountStatus::Signed {
            return Err(AppError::Conflict("the count is signed and locked".to_owned()));
        }
        let mut errors = ValidationErrors::default();
        for line in lines {
            if line.counted_ul > 1_000_000 {
                errors.0.push(FieldError::new(format!("lines.{}", line.container_id), "must be at most 1000 mL"));
                continue;
            }
            if let Err(mut e) = count.record(line.container_id, line.counted_ul, line.resolution, line.adjust) {
                e.field = format!("lines.{}.{}", line.container_id, e.field);
                errors.0.push(e);
            }
        }
        errors.into_result()?;
        count.version += 1;
        let audit = register_event(self, grant.actor(), AuditAction::InventoryCountChanged, ("Count", id.to_string()), "lines recorded".to_owned());
        self.store.save_count(&count, audit).await?;
        Ok(count)
    }

    /// Signs and locks a count: every line counted, every discrepancy resolved. Writes one
    /// `count` row per line and, where asked, an adjustment of the book to the count (which
    /// needs `inventory.manage`). Refused when stock moved since the sheet was made.
    pub async fn sign_count(&self, grant: &Granted<InventoryCount>, id: CountId, expected_version: u32) -> AppResult<Count> {
        let mut count = self.store.cs_count(id).await?.ok_or(AppError::NotFound)?;
        if count.version != expected_version {
            return Err(AppError::Conflict("the count sheet changed since you opened it; reload it".to_owned()));
        }
        let problems = count.sign_problems();
        if !problems.is_empty() {
            return Err(ValidationErrors(problems).into());
        }
        let actor = grant.actor();
        if count.lines.iter().any(|l| l.adjust) && !self.allows(actor.role, Permission::InventoryManage) {
            return Err(AppError::Forbidden(Permission::InventoryManage.describe()));
        }
        let now = self.now();
        let views = self.container_views(&count.lines.iter().map(|l| l.container_id).collect::<Vec<_>>()).await?;
        let mut entries = Vec::new();
        for line in &count.lines {
            let counted = line.counted_ul.unwrap_or(line.book_ul);
            let entry = |movement| NewEntry { id: LedgerEntryId(new_id()), at: now, container_id: line.container_id, recorded_by: actor.user_id, movement };
            entries.push(entry(Movement::Count { count_id: count.id, book_ul: line.book_ul, counted_ul: counted }));
            if line.adjust
                && let Some(view) = views.iter().find(|v| v.container.id == line.container_id)
            {
                let delta = i64::try_from(counted).unwrap_or(i64::MAX) - i64::try_from(line.book_ul).unwrap_or(i64::MAX);
                let reason = format!("count {}: {}", count.id, line.resolution.clone().unwrap_or_default());
                entries.push(entry(Movement::Adjust { delta: view.product.concentration.of_delta(delta), reason }));
            }
        }
        count.status = CountStatus::Signed;
        count.signed_by = Some(actor.user_id);
        count.signed_at = Some(now);
        count.version += 1;
        let detail = format!("{} signed, {} lines, {} discrepancies", count.kind.as_str(), count.lines.len(), count.discrepancies().count());
        let audit = register_event(self, actor, AuditAction::InventoryCountChanged, ("Count", id.to_string()), detail);
        self.store.sign_count(&count, entries, audit).await?;
        Ok(count)
    }
}
