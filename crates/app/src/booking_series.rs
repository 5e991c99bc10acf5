//! Series booking (issue 8 item 3): a course's induction in one step.
//!
//! [`propose`] finds the earliest slots for every session against the bookings stored now. A
//! dry run stops there. Otherwise the whole series is written by one
//! [`book_all`](ketaclinic_store::BookingStore::book_all), whose check re-runs the domain's
//! [`check`] for every session inside the write transaction, against the bookings as they are
//! then and the series' earlier sessions: a booking that landed between the proposal and the
//! write refuses the whole series with a conflict, and nothing is written.

use jiff::civil::{Date, Time, Weekday};
use ketaclinic_domain::audit::{AuditAction, AuditOutcome};
use ketaclinic_domain::booking::appointment::{Appointment, Booking, BookingId, BookingStatus};
use ketaclinic_domain::booking::appointment_type::AppointmentKind;
use ketaclinic_domain::booking::constraint::check;
use ketaclinic_domain::booking::series::{GridStep, Pattern, SeriesError, SeriesRequest, propose};
use ketaclinic_domain::booking::slot::TimeWindow;
use ketaclinic_domain::booking::violation::{Findings, Violation};
use ketaclinic_domain::eligibility::Modality;
use ketaclinic_domain::ids::CourseId;
use ketaclinic_domain::{FieldError, ValidationErrors};
use ketaclinic_store::booking_port::{BookingQuery, BookingRecord};

use crate::App;
use crate::booking::MAX_RANGE_DAYS;
use crate::clock::new_id;
use crate::error::{AppError, AppResult};
use crate::permissions::Granted;
use crate::permissions::perm::ScheduleManage;

/// Which days a series uses, as typed (weekday names `monday` … `sunday`).
#[derive(Debug, Clone)]
pub enum PatternInput {
    /// One session per listed weekday until `count` are placed.
    Weekdays { days: Vec<String>, count: u16 },
    /// `per_week` sessions on the listed weekdays in each of `weeks` weeks.
    TimesPerWeek { per_week: u8, weeks: u8, days: Vec<String> },
}

/// A series request as typed.
#[derive(Debug, Clone)]
pub struct SeriesInput {
    pub pattern: PatternInput,
    pub start: Date,
    pub horizon: Date,
    /// Preferred part of the day, clinic-local.
    pub window: Option<(Time, Time)>,
    /// Spacing of candidate start times (default 15 minutes).
    pub grid_minutes: Option<u8>,
}

/// What a series request gave: the sessions (stored ones with their records) and the readiness
/// warnings that apply to each.
#[derive(Debug, Clone)]
pub struct SeriesOutcome {
    pub sessions: Vec<Appointment>,
    /// Empty on a dry run.
    pub booked: Vec<BookingRecord>,
    pub warnings: Vec<Violation>,
}

/// Parses weekday names, reporting each bad one under `{field}[i]`.
pub(crate) fn weekdays(raw: &[String], field: &str, errors: &mut ValidationErrors) -> Vec<Weekday> {
    let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let mut days = Vec::new();
    for (i, name) in raw.iter().enumerate() {
        match names.iter().position(|n| n == name).and_then(|p| Weekday::Monday.cycle_forward().nth(p)) {
            Some(day) => days.push(day),
            None => errors.0.push(FieldError::new(format!("{field}[{i}]"), "must be a weekday name (monday … sunday)")),
        }
    }
    days
}

fn session_kind(modality: Modality) -> AppResult<AppointmentKind> {
    match modality {
        Modality::IvKetamine => Ok(AppointmentKind::IvKetamineSession),
        Modality::EsketamineNasal => Ok(AppointmentKind::EsketamineSession),
        Modality::ImKetamine => Err(ValidationErrors::from(FieldError::new("course", "intramuscular ketamine sessions are not scheduled as a series")).into()),
    }
}

/// Checks every session against `existing` and the sessions before it: the errors, or the
/// first session's findings (its readiness warnings, the same for every session) when clear.
fn check_series(
    clinic: &ketaclinic_domain::booking::clinic::Clinic,
    existing: &[Booking],
    sessions: &[Booking],
    readiness: ketaclinic_domain::booking::resource::Readiness,
) -> Findings {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let mut others = existing.to_vec();
        others.extend(sessions.iter().take(i).copied());
        let findings = check(clinic, &others, &session.appointment, readiness);
        errors.extend(findings.errors().copied());
        if i == 0 {
            warnings = findings.warnings().copied().collect();
        }
    }
    Findings(if errors.is_empty() { warnings } else { errors })
}

impl App {
    /// Proposes (`dry_run`) or books all sessions of an induction series for course `id`.
    pub async fn book_series(&self, grant: &Granted<ScheduleManage>, id: CourseId, input: SeriesInput, dry_run: bool) -> AppResult<SeriesOutcome> {
        let course = self.store.course(id).await?.ok_or(AppError::NotFound)?;
        let kind = session_kind(course.modality)?;
        let mut errors = ValidationErrors::default();
        let pattern = match input.pattern {
            PatternInput::Weekdays { days, count } => Pattern::Weekdays { days: weekdays(&days, "pattern.days", &mut errors), count },
            PatternInput::TimesPerWeek { per_week, weeks, days } => {
                Pattern::TimesPerWeek { per_week, weeks, days: weekdays(&days, "pattern.days", &mut errors) }
            }
        };
        let window = input.window.and_then(|(from, to)| errors.collect("window", TimeWindow::new(from, to)));
        let grid = input.grid_minutes.map_or(Some(GridStep::default()), |m| errors.collect("grid_minutes", GridStep::new(m)));
        if input.horizon.since(input.start).is_ok_and(|span| i64::from(span.get_days()) > MAX_RANGE_DAYS) {
            errors.0.push(FieldError::new("horizon", format!("must be within {MAX_RANGE_DAYS} days of the start")));
        }
        errors.clone().into_result()?;
        let Some(grid) = grid else { return Err(errors.into()) };
        let clinic = self.clinic().await?;
        let readiness = self.readiness(course.patient_id, kind).await?;
        let tz = clinic.calendar.time_zone().clone();
        let bound = |d: Date| d.to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|e| AppError::Invalid(FieldError::new("start", e.to_string()).into()));
        let after = input.horizon.tomorrow().map_err(|e| AppError::Invalid(FieldError::new("horizon", e.to_string()).into()))?;
        let query = BookingQuery { from: bound(input.start)?, to: bound(after)?, space: None, staff: None, patient: None };
        let existing: Vec<Booking> = self.store.bookings(&query).await?.into_iter().map(|r| r.booking).collect();
        let request = SeriesRequest { patient: course.patient_id, kind, pattern, start: input.start, horizon: input.horizon, window, grid, readiness };
        let proposal = propose(&clinic, &existing, &request).map_err(|e| match e {
            SeriesError::Invalid(field) => AppError::Invalid(field.into()),
            SeriesError::CannotPlace { session, horizon, blocked_by } => {
                let codes: Vec<&str> = blocked_by.iter().map(|c| c.as_str()).collect();
                AppError::Invalid(
                    FieldError::new("series", format!("session {session} could not be placed by {horizon} (blocked by: {})", codes.join(", "))).into(),
                )
            }
        })?;
        if dry_run {
            return Ok(SeriesOutcome { sessions: proposal.sessions, booked: Vec::new(), warnings: proposal.warnings });
        }
        let now = self.now();
        let records: Vec<BookingRecord> = proposal
            .sessions
            .iter()
            .map(|a| BookingRecord {
                booking: Booking { id: BookingId(new_id()), appointment: *a, status: BookingStatus::Booked },
                reason: None,
                booked_by: grant.actor().user_id,
                booked_at: now,
                updated_at: now,
            })
            .collect();
        let mut event = grant.actor().patient_event(self, AuditAction::AppointmentBooked, AuditOutcome::Success, course.patient_id);
        event.detail = Some(format!("series of {} for course {id}", records.len()));
        let sessions: Vec<Booking> = records.iter().map(|r| r.booking).collect();
        let findings =
            self.store.book_all(&records, Box::new(move |existing: &[Booking]| check_series(&clinic, existing, &sessions, readiness)), vec![event]).await?;
        if !findings.is_bookable() {
            let codes: Vec<&str> = findings.errors().map(|v| v.code().as_str()).collect();
            return Err(AppError::Conflict(format!(
                "the schedule changed while the series was proposed ({}); nothing was booked, propose it again",
                codes.join(", ")
            )));
        }
        Ok(SeriesOutcome { sessions: proposal.sessions, booked: records, warnings: proposal.warnings })
    }
}
