//! Scheduling (issue 8 items 1, 2 and 4): chairs, rooms and staff working hours kept by the
//! admin, and appointments booked, moved, cancelled and marked as no-shows.
//!
//! Every booking and move runs the domain's [`check`] against the clinic as stored now and
//! the active bookings overlapping the slot, *inside* the store's write transaction (see
//! [`ketaclinic_store::booking_port`]), so two desks can never both take the same chair. Errors
//! refuse the booking and are all reported at once, each under its violation code; readiness
//! findings (consent, eligibility, REMS) are warnings returned with the booking, because the
//! issue says "warn before, block at check-in". Every write is audited; so is reading the
//! appointment book, which names patients.

use jiff::SignedDuration;
use jiff::civil::{Time, Weekday};
use ketaclinic_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use ketaclinic_domain::booking::appointment::{Appointment, Booking, BookingId, BookingStatus};
use ketaclinic_domain::booking::appointment_type::{AppointmentKind, AppointmentTypes};
use ketaclinic_domain::booking::clinic::{Clinic, NurseCapacity};
use ketaclinic_domain::booking::constraint::check;
use ketaclinic_domain::booking::resource::{Readiness, ResourceName, Space, SpaceId, StaffMember, WorkingHours};
use ketaclinic_domain::booking::slot::Slot;
use ketaclinic_domain::booking::violation::{Findings, Violation};
use ketaclinic_domain::calendar::OpeningHours;
use ketaclinic_domain::chart::consent::DecisionOutcome;
use ketaclinic_domain::chart::{ChartBody, ChartKind};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::{PatientId, UserId};
use ketaclinic_domain::record::{ChangeReason, RecordStatus};
use ketaclinic_domain::{FieldError, ValidationErrors};
use ketaclinic_store::booking_port::{BookingCheck, parse_kind, parse_presence, parse_space_kind};
/// The stored scheduling records the web edge shows.
pub use ketaclinic_store::booking_port::{BookingQuery, BookingRecord, SpaceRecord, StaffHoursRecord, kind_str, presence_str, space_kind_str, status_str};

use crate::App;
use crate::actor::Actor;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::{ScheduleManage, ScheduleRead, ScheduleResources};

/// Longest range one listing may cover: two months, enough for any calendar view.
pub const MAX_RANGE_DAYS: i64 = 62;

/// A chair or room as typed.
#[derive(Debug, Clone)]
pub struct SpaceInput {
    pub name: String,
    /// `chair` or `room`.
    pub kind: String,
    pub active: bool,
    pub reason: String,
}

/// One working day as typed: a weekday name (`monday` …) and `HH:MM` times.
#[derive(Debug, Clone)]
pub struct WorkingDayInput {
    pub day: String,
    pub open: String,
    pub close: String,
}

/// A staff member's scheduling settings as typed.
#[derive(Debug, Clone)]
pub struct StaffHoursInput {
    pub days: Vec<WorkingDayInput>,
    /// `on_site` or `remote`.
    pub presence: String,
    pub reason: String,
}

/// An appointment as typed; the slot was checked (start before end) when it was parsed.
#[derive(Debug, Clone)]
pub struct AppointmentInput {
    pub patient: PatientId,
    pub kind: String,
    pub slot: Slot,
    pub space: Option<SpaceId>,
    pub attending: Option<UserId>,
    pub nurse: Option<UserId>,
    pub prescriber: Option<UserId>,
}

/// A stored booking and the readiness warnings found when it was booked or moved.
#[derive(Debug, Clone)]
pub struct Booked {
    pub record: BookingRecord,
    pub warnings: Vec<Violation>,
}

fn parse_weekday(raw: &str) -> Option<Weekday> {
    let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    names.iter().position(|n| *n == raw).and_then(|i| Weekday::Monday.cycle_forward().nth(i))
}

fn parse_hours(days: &[WorkingDayInput], errors: &mut ValidationErrors) -> WorkingHours {
    let mut week = [None; 7];
    for (i, d) in days.iter().enumerate() {
        let Some(day) = parse_weekday(&d.day) else {
            errors.0.push(FieldError::new(format!("days[{i}].day"), "must be a weekday name (monday … sunday)"));
            continue;
        };
        let time = |raw: &str, field: &str| raw.parse::<Time>().map_err(|_| FieldError::new(format!("days[{i}].{field}"), "must be a time HH:MM"));
        let (Some(open), Some(close)) = (errors.collect("open", time(&d.open, "open")), errors.collect("close", time(&d.close, "close"))) else { continue };
        let index = usize::try_from(day.to_monday_zero_offset()).unwrap_or(0);
        match (OpeningHours::new(open, close), week.get_mut(index)) {
            (Ok(_), Some(Some(_))) => errors.0.push(FieldError::new(format!("days[{i}].day"), "is listed twice")),
            (Ok(h), Some(slot)) => *slot = Some(h),
            (Err(_), _) => errors.0.push(FieldError::new(format!("days[{i}].close"), "must be after the opening time")),
            (Ok(_), None) => {}
        }
    }
    WorkingHours::new(week)
}

/// The errors of `findings` as a 422, one entry per violation, under its code; the message is
/// the violation's JSON (which booking it collides with, which staff member …).
fn refuse_errors(findings: &Findings) -> AppResult<()> {
    if findings.is_bookable() {
        return Ok(());
    }
    let errors = findings.errors().map(|v| FieldError::new(v.code().as_str(), serde_json::to_string(v).unwrap_or_default())).collect();
    Err(AppError::Invalid(ValidationErrors(errors)))
}

fn audit(app: &App, actor: &Actor, action: AuditAction, patient: Option<PatientId>, detail: String) -> AuditEvent {
    let mut event = match patient {
        Some(p) => actor.patient_event(app, action, AuditOutcome::Success, p),
        None => actor.event(app, action, AuditOutcome::Success),
    };
    event.detail = Some(detail);
    event
}

fn modality(kind: AppointmentKind) -> Modality {
    if kind == AppointmentKind::EsketamineSession { Modality::EsketamineNasal } else { Modality::IvKetamine }
}

impl App {
    /// The clinic as the scheduler sees it now: the calendar from settings, active chairs and
    /// rooms, and enabled staff who have working hours.
    pub(crate) async fn clinic(&self) -> AppResult<Clinic> {
        let spaces = self.store.spaces().await?.into_iter().filter(|s| s.active).map(|s| s.space).collect();
        let users = self.store.list_users().await?;
        let staff = self
            .store
            .staff_hours()
            .await?
            .into_iter()
            .filter_map(|h| {
                let user = users.iter().find(|u| u.id == h.user_id && !u.disabled)?;
                let shown: String = user.display_name.as_str().chars().take(60).collect();
                let name = ResourceName::parse(&shown).ok()?;
                Some(StaffMember { id: user.id, name, role: user.role, hours: h.hours, presence: h.presence })
            })
            .collect();
        Ok(Clinic { calendar: self.settings().calendar.clone(), spaces, staff, types: AppointmentTypes::default(), nurse_capacity: NurseCapacity::default() })
    }

    /// What the patient has in place for `kind`: an approved, active eligibility decision for
    /// its modality, a signed consent for it, and (any) REMS enrolment. Visits without a drug
    /// need nothing.
    pub(crate) async fn readiness(&self, patient: PatientId, kind: AppointmentKind) -> AppResult<Readiness> {
        if !kind.is_drug_session() {
            return Ok(Readiness::READY);
        }
        let modality = modality(kind);
        let consent = self.consent_status(patient, modality).await?;
        let decisions = self.store.chart_entries(Some(patient), &[ChartKind::EligibilityDecision], false).await?;
        let approved = decisions.iter().rev().find_map(|e| match &e.body {
            ChartBody::EligibilityDecision(d) if d.modality == modality && e.status == RecordStatus::Active => Some(d.outcome == DecisionOutcome::Approved),
            _ => None,
        });
        Ok(Readiness {
            eligibility_decided: approved.unwrap_or(false),
            consent_signed: consent.consent.is_some(),
            rems_enrolled: consent.rems_enrollment.is_some(),
        })
    }

    /// Adds a chair or room (`id` none) or changes one, with the reason in the audit log.
    pub async fn save_space(&self, grant: &Granted<ScheduleResources>, id: Option<SpaceId>, input: SpaceInput) -> AppResult<SpaceRecord> {
        let mut errors = ValidationErrors::default();
        let name = errors.collect("name", ResourceName::parse(&input.name));
        let kind = errors.collect("kind", parse_space_kind(&input.kind).ok_or_else(|| FieldError::new("kind", "must be chair or room")));
        let reason = errors.collect("reason", ChangeReason::parse(&input.reason));
        errors.clone().into_result()?;
        let (Some(name), Some(kind), Some(reason)) = (name, kind, reason) else { return Err(errors.into()) };
        if let Some(id) = id
            && !self.store.spaces().await?.iter().any(|s| s.space.id == id)
        {
            return Err(AppError::NotFound);
        }
        let space = Space { id: id.unwrap_or_else(|| SpaceId(new_id())), name, kind };
        let record = SpaceRecord { space, active: input.active, by: grant.actor().user_id, at: self.now() };
        let detail = format!("{} {} ({}, active {}): {}", record.space.id, record.space.name.as_str(), input.kind, input.active, reason.as_str());
        self.store.save_space(&record, audit(self, grant.actor(), AuditAction::ScheduleResourceChanged, None, detail)).await?;
        Ok(record)
    }

    /// Every chair and room, retired ones included.
    pub async fn spaces(&self, _grant: &Granted<ScheduleRead>) -> AppResult<Vec<SpaceRecord>> {
        Ok(self.store.spaces().await?)
    }

    /// Sets a staff member's weekly hours and presence, with the reason in the audit log.
    pub async fn save_staff_hours(&self, grant: &Granted<ScheduleResources>, user: UserId, input: StaffHoursInput) -> AppResult<StaffHoursRecord> {
        let mut errors = ValidationErrors::default();
        let hours = parse_hours(&input.days, &mut errors);
        let presence = errors.collect("presence", parse_presence(&input.presence).ok_or_else(|| FieldError::new("presence", "must be on_site or remote")));
        let reason = errors.collect("reason", ChangeReason::parse(&input.reason));
        errors.clone().into_result()?;
        let (Some(presence), Some(reason)) = (presence, reason) else { return Err(errors.into()) };
        let record = StaffHoursRecord { user_id: user, hours, presence, by: grant.actor().user_id, at: self.now() };
        let detail = format!("staff {user} {}: {}", presence_str(presence), reason.as_str());
        self.store.save_staff_hours(&record, audit(self, grant.actor(), AuditAction::ScheduleResourceChanged, None, detail)).await?;
        Ok(record)
    }

    /// Every staff member's hours and presence.
    pub async fn staff_hours(&self, _grant: &Granted<ScheduleRead>) -> AppResult<Vec<StaffHoursRecord>> {
        Ok(self.store.staff_hours().await?)
    }

    /// Books one appointment (see the module docs); `NotFound` for an unknown patient.
    pub async fn book_appointment(&self, grant: &Granted<ScheduleManage>, input: AppointmentInput) -> AppResult<Booked> {
        let kind = parse_kind(&input.kind).ok_or_else(|| ValidationErrors::from(FieldError::new("kind", "is not an appointment kind")))?;
        let appointment = Appointment {
            patient: input.patient,
            kind,
            slot: input.slot,
            space: input.space,
            attending: input.attending,
            nurse: input.nurse,
            prescriber: input.prescriber,
        };
        let now = self.now();
        let record = BookingRecord {
            booking: Booking { id: BookingId(new_id()), appointment, status: BookingStatus::Booked },
            reason: None,
            booked_by: grant.actor().user_id,
            booked_at: now,
            updated_at: now,
        };
        let detail = format!("booked {} {} at {}", record.booking.id, kind_str(kind), input.slot.start());
        let event = audit(self, grant.actor(), AuditAction::AppointmentBooked, Some(input.patient), detail);
        let check = self.checked(appointment).await?;
        let findings = self.store.book(&record, check, event).await?;
        refuse_errors(&findings)?;
        Ok(Booked { record, warnings: findings.warnings().copied().collect() })
    }

    /// The domain check over the clinic now, to run inside the write.
    async fn checked(&self, appointment: Appointment) -> AppResult<BookingCheck> {
        let clinic = self.clinic().await?;
        let readiness = self.readiness(appointment.patient, appointment.kind).await?;
        Ok(Box::new(move |existing: &[Booking]| check(&clinic, existing, &appointment, readiness)))
    }

    /// Moves a booked appointment to `slot`, re-checked like a new booking.
    pub async fn move_appointment(&self, grant: &Granted<ScheduleManage>, id: BookingId, slot: Slot) -> AppResult<Booked> {
        let current = self.store.booking(id).await?.ok_or(AppError::NotFound)?;
        let appointment = Appointment { slot, ..current.booking.appointment };
        let detail = format!("moved {id} from {} to {}", current.booking.appointment.slot.start(), slot.start());
        let event = audit(self, grant.actor(), AuditAction::AppointmentChanged, Some(appointment.patient), detail);
        let check = self.checked(appointment).await?;
        let findings = self.store.move_booking(id, slot, self.now(), check, event).await?;
        refuse_errors(&findings)?;
        let record = self.store.booking(id).await?.ok_or(AppError::NotFound)?;
        Ok(Booked { record, warnings: findings.warnings().copied().collect() })
    }

    /// Cancels an appointment or records a no-show, with the reason; frees its resources.
    pub async fn close_appointment(&self, grant: &Granted<ScheduleManage>, id: BookingId, status: BookingStatus, reason: &str) -> AppResult<BookingRecord> {
        let reason = ChangeReason::parse(reason).map_err(ValidationErrors::from)?;
        if status == BookingStatus::Booked {
            return Err(ValidationErrors::from(FieldError::new("status", "must be cancelled or no_show")).into());
        }
        let current = self.store.booking(id).await?.ok_or(AppError::NotFound)?;
        let detail = format!("{id} {}: {}", status_str(status), reason.as_str());
        let event = audit(self, grant.actor(), AuditAction::AppointmentChanged, Some(current.booking.appointment.patient), detail);
        self.store.close_booking(id, status, reason.as_str(), self.now(), event).await?;
        self.store.booking(id).await?.ok_or(AppError::NotFound)
    }

    /// The appointments overlapping `[from, to)` (at most [`MAX_RANGE_DAYS`]), optionally of one
    /// chair or room, staff member or patient: the day-by-chair, week-by-staff and patient views.
    pub async fn appointments(&self, grant: &Granted<ScheduleRead>, query: BookingQuery) -> AppResult<Vec<BookingRecord>> {
        if query.to <= query.from {
            return Err(ValidationErrors::from(FieldError::new("to", "must be after from")).into());
        }
        if query.to.duration_since(query.from) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS) {
            return Err(ValidationErrors::from(FieldError::new("to", format!("the range may cover at most {MAX_RANGE_DAYS} days"))).into());
        }
        let found = self.store.bookings(&query).await?;
        let detail = format!("{} to {}, {} appointments", query.from, query.to, found.len());
        self.store.append_audit(vec![audit(self, grant.actor(), AuditAction::ScheduleRead, query.patient, detail)]).await?;
        Ok(found)
    }
}
