//! Appointment types: how long each kind of visit takes and what it needs.
//!
//! Issue 8, item 1 gives the defaults, which are clinic settings: consult 60 min; evaluation 90
//! (a prescriber: the psychiatric and medical evaluation is theirs, PRODUCT "Who uses it"); IV
//! ketamine session 120 + chair + nurse; esketamine session 150 + chair + nurse + a prescriber on
//! site; integration therapy 60 + room + therapist; follow-up 30 (prescriber).
//!
//! A clinic may change the durations, not the resources: the resources are what makes a slot
//! safe, and for esketamine they are binding — the SPRAVATO REMS requires a prescriber on site
//! during administration and monitoring (REFERENCE §2.4). For the same reason an esketamine slot
//! cannot be shorter than the label's two hours of monitoring after the dose (REFERENCE §2.4;
//! the REMS Patient Monitoring Form's "treatment duration must be ≥ 120", §2.6 item 5).

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::staff::Role;

use super::resource::SpaceKind;

/// The kinds of visit the scheduler knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentKind {
    Consult,
    Evaluation,
    IvKetamineSession,
    EsketamineSession,
    IntegrationTherapy,
    FollowUp,
}

impl AppointmentKind {
    /// Every kind, in the order of the issue.
    pub const ALL: [Self; 6] = [Self::Consult, Self::Evaluation, Self::IvKetamineSession, Self::EsketamineSession, Self::IntegrationTherapy, Self::FollowUp];

    /// A session in which a drug is given (readiness and nurse capacity apply).
    pub fn is_drug_session(self) -> bool {
        matches!(self, Self::IvKetamineSession | Self::EsketamineSession)
    }

    /// What a visit of this kind needs; fixed (see the module docs).
    pub fn needs(self) -> Needs {
        let nothing = Needs { space: None, attending: None, nurse: false, prescriber_on_site: false };
        match self {
            Self::Consult => nothing,
            Self::Evaluation | Self::FollowUp => Needs { attending: Some(Role::Prescriber), ..nothing },
            Self::IvKetamineSession => Needs { space: Some(SpaceKind::Chair), nurse: true, ..nothing },
            Self::EsketamineSession => Needs { space: Some(SpaceKind::Chair), nurse: true, prescriber_on_site: true, ..nothing },
            Self::IntegrationTherapy => Needs { space: Some(SpaceKind::Room), attending: Some(Role::Therapist), ..nothing },
        }
    }

    /// The issue's default length in minutes.
    fn default_minutes(self) -> u16 {
        match self {
            Self::Consult | Self::IntegrationTherapy => 60,
            Self::Evaluation => 90,
            Self::IvKetamineSession => 120,
            Self::EsketamineSession => 150,
            Self::FollowUp => 30,
        }
    }

    /// Shortest length a clinic may set.
    fn min_minutes(self) -> u16 {
        match self {
            Self::EsketamineSession => 120,
            _ => 5,
        }
    }
}

/// What an appointment needs besides the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// A chair or a room of this kind.
    pub space: Option<SpaceKind>,
    /// A staff member of this role who attends exclusively (cannot be in two places).
    pub attending: Option<Role>,
    /// A nurse running the chair, who may run several chairs at once (see `NurseCapacity`).
    pub nurse: bool,
    /// A prescriber on site and working for the whole slot, who may supervise several
    /// concurrent sessions (REMS; REFERENCE §2.4).
    pub prescriber_on_site: bool,
}

/// The length of one kind of appointment: whole minutes, at most 8 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppointmentLength(u16);

impl AppointmentLength {
    /// Longest appointment: a clinic day.
    pub const MAX_MINUTES: u16 = 480;

    /// Minutes.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// As a duration.
    pub fn duration(self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.0))
    }
}

/// The clinic's appointment lengths (a setting); [`Default`] is the issue's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppointmentTypes {
    /// Indexed like [`AppointmentKind::ALL`].
    minutes: [u16; 6],
}

impl Default for AppointmentTypes {
    fn default() -> Self {
        Self { minutes: AppointmentKind::ALL.map(AppointmentKind::default_minutes) }
    }
}

impl AppointmentTypes {
    /// The same settings with `kind` lasting `minutes`; refused above 8 hours, below 5 minutes,
    /// and for esketamine below the 120 minutes of monitoring the label requires.
    pub fn with_minutes(self, kind: AppointmentKind, minutes: u16) -> Result<Self, FieldError> {
        let min = kind.min_minutes();
        if !(min..=AppointmentLength::MAX_MINUTES).contains(&minutes) {
            return Err(FieldError::new("duration_minutes", format!("must be between {min} and {} minutes", AppointmentLength::MAX_MINUTES)));
        }
        let mut minutes_of = self.minutes;
        if let Some(slot) = minutes_of.get_mut(index(kind)) {
            *slot = minutes;
        }
        Ok(Self { minutes: minutes_of })
    }

    /// How long `kind` lasts.
    pub fn length(&self, kind: AppointmentKind) -> AppointmentLength {
        AppointmentLength(self.minutes.get(index(kind)).copied().unwrap_or_else(|| kind.default_minutes()))
    }
}

fn index(kind: AppointmentKind) -> usize {
    AppointmentKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_defaults() {
        let types = AppointmentTypes::default();
        let minutes = AppointmentKind::ALL.map(|k| types.length(k).minutes());
        assert_eq!(minutes, [60, 90, 120, 150, 60, 30]);
        assert_eq!(types.length(AppointmentKind::EsketamineSession).duration(), SignedDuration::from_mins(150));
        let esk = AppointmentKind::EsketamineSession.needs();
        assert_eq!((esk.space, esk.nurse, esk.prescriber_on_site), (Some(SpaceKind::Chair), true, true));
        let iv = AppointmentKind::IvKetamineSession.needs();
        assert_eq!((iv.space, iv.nurse, iv.prescriber_on_site), (Some(SpaceKind::Chair), true, false));
        assert_eq!(AppointmentKind::IntegrationTherapy.needs().attending, Some(Role::Therapist));
        assert_eq!(AppointmentKind::IntegrationTherapy.needs().space, Some(SpaceKind::Room));
        assert_eq!(AppointmentKind::Evaluation.needs().attending, Some(Role::Prescriber));
        assert_eq!(AppointmentKind::FollowUp.needs().attending, Some(Role::Prescriber));
        assert!(AppointmentKind::ALL.iter().filter(|k| k.is_drug_session()).count() == 2);
    }

    #[test]
    fn lengths_are_overridable_within_limits() {
        let types = AppointmentTypes::default().with_minutes(AppointmentKind::IvKetamineSession, 100).unwrap();
        assert_eq!(types.length(AppointmentKind::IvKetamineSession).minutes(), 100);
        assert_eq!(types.length(AppointmentKind::Consult).minutes(), 60, "others unchanged");
        // The label's two hours of monitoring are a floor for esketamine.
        assert!(types.with_minutes(AppointmentKind::EsketamineSession, 119).is_err());
        assert!(types.with_minutes(AppointmentKind::EsketamineSession, 120).is_ok());
        assert!(types.with_minutes(AppointmentKind::FollowUp, 4).is_err());
        assert!(types.with_minutes(AppointmentKind::FollowUp, 481).is_err());
    }
}
