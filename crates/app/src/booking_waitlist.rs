//! The waitlist (issue 8 item 5): patients waiting for a kind of appointment, with preferred
//! weekdays and times and an urgency; when a slot frees up, the ones who fit it and are ready
//! (consent, eligibility, REMS — read from the chart now, not when they were added), most
//! urgent first, by [`candidates`]. The shortlist is a suggestion: booking one of them goes
//! through the ordinary booking check.

use jiff::civil::Time;
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::booking::resource::SpaceId;
use ketaclinic_domain::booking::slot::{Slot, TimeWindow};
use ketaclinic_domain::booking::waitlist::{FreedSlot, WaitlistEntry, candidates};
use ketaclinic_domain::ids::{PatientId, WaitlistEntryId};
use ketaclinic_domain::record::ChangeReason;
use ketaclinic_domain::{FieldError, ValidationErrors};
/// The waitlist records the web edge shows.
pub use ketaclinic_store::booking_port::{WaitlistRecord, urgency_str};
use ketaclinic_store::booking_port::{parse_kind, parse_urgency};

use crate::App;
use crate::booking_series::weekdays;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ScheduleManage, ScheduleRead};

/// A waitlist entry as typed.
#[derive(Debug, Clone)]
pub struct WaitlistInput {
    pub patient: PatientId,
    pub kind: String,
    /// Weekday names; empty means any day.
    pub days: Vec<String>,
    /// Clinic-local `(from, to)` windows; empty means any time.
    pub windows: Vec<(Time, Time)>,
    /// `routine`, `soon` or `urgent`.
    pub urgency: String,
}

impl App {
    /// Puts a patient on the waitlist; `NotFound` for an unknown patient.
    pub async fn add_to_waitlist(&self, grant: &Granted<ScheduleManage>, input: WaitlistInput) -> AppResult<WaitlistRecord> {
        let mut errors = ValidationErrors::default();
        let kind = errors.collect("kind", parse_kind(&input.kind).ok_or_else(|| FieldError::new("kind", "is not an appointment kind")));
        let days = weekdays(&input.days, "days", &mut errors);
        let windows: Vec<TimeWindow> =
            input.windows.iter().enumerate().filter_map(|(i, (from, to))| errors.collect(&format!("windows[{i}]"), TimeWindow::new(*from, *to))).collect();
        let urgency = errors.collect("urgency", parse_urgency(&input.urgency).ok_or_else(|| FieldError::new("urgency", "must be routine, soon or urgent")));
        errors.clone().into_result()?;
        let (Some(kind), Some(urgency)) = (kind, urgency) else { return Err(errors.into()) };
        let record = WaitlistRecord {
            id: WaitlistEntryId(new_id()),
            patient: input.patient,
            kind,
            days,
            windows,
            urgency,
            added_by: grant.actor().user_id,
            added_at: self.now(),
        };
        let mut event = grant.actor().patient_event(self, AuditAction::AppointmentChanged, AuditOutcome::Success, input.patient);
        event.detail = Some(format!("waitlist add {} ({})", record.id, urgency_str(urgency)));
        self.store.add_waitlist(&record, event).await?;
        Ok(record)
    }

    /// Takes an entry off the waitlist, with the reason.
    pub async fn remove_from_waitlist(&self, grant: &Granted<ScheduleManage>, id: WaitlistEntryId, reason: &str) -> AppResult<()> {
        let reason = ChangeReason::parse(reason).map_err(ValidationErrors::from)?;
        let entry = self.store.waitlist().await?.into_iter().find(|e| e.id == id);
        let mut event = match &entry {
            Some(e) => grant.actor().patient_event(self, AuditAction::AppointmentChanged, AuditOutcome::Success, e.patient),
            None => grant.actor().event(self, AuditAction::AppointmentChanged, AuditOutcome::Success),
        };
        event.detail = Some(format!("waitlist remove {id}: {}", reason.as_str()));
        self.store.remove_waitlist(id, reason.as_str(), self.now(), event).await?;
        Ok(())
    }

    /// Everyone still waiting, oldest first.
    pub async fn waitlist(&self, _grant: &Granted<ScheduleRead>) -> AppResult<Vec<WaitlistRecord>> {
        Ok(self.store.waitlist().await?)
    }

    /// The waiting patients who fit `slot` (in `space`, if it holds one) and are ready, most
    /// urgent first, then longest waiting. `NotFound` for an unknown space.
    pub async fn waitlist_candidates(&self, grant: &Granted<ScheduleRead>, slot: Slot, space: Option<SpaceId>) -> AppResult<Vec<WaitlistRecord>> {
        let clinic = self.clinic().await?;
        let space = match space {
            Some(id) => Some(self.store.spaces().await?.into_iter().find(|s| s.space.id == id).ok_or(AppError::NotFound)?.space.kind),
            None => None,
        };
        let records = self.store.waitlist().await?;
        let mut entries = Vec::with_capacity(records.len());
        for r in &records {
            let readiness = self.readiness(r.patient, r.kind).await?;
            entries.push(WaitlistEntry {
                patient: r.patient,
                kind: r.kind,
                days: r.days.clone(),
                windows: r.windows.clone(),
                urgency: r.urgency,
                readiness,
                added_at: r.added_at,
            });
        }
        let found: Vec<WaitlistRecord> = candidates(&clinic, &entries, FreedSlot { slot, space })
            .into_iter()
            .filter_map(|c| entries.iter().position(|e| std::ptr::eq(e, c)).and_then(|i| records.get(i)).cloned())
            .collect();
        let mut event = grant.actor().event(self, AuditAction::ScheduleRead, AuditOutcome::Success);
        event.detail = Some(format!("waitlist candidates for {}: {}", slot.start(), found.len()));
        self.store.append_audit(vec![event]).await?;
        Ok(found)
    }
}
