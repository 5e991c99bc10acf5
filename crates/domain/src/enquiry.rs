//! Enquiries: people who asked the clinic to call them back, and the call-backs made.
//!
//! Issue 3 (item 1). An enquiry arrives from the public web form or is logged by staff for a
//! phone call or voicemail; it is due for a call-back by [`contact_due_by`](crate::calendar).
//! Its status is a small state machine with explicit transitions; an illegal move is an error,
//! never a silent overwrite:
//!
//! ```text
//! new ──► attempted ──► reached ──► consult_booked ──► converted
//!  │          │  ▲         ▲              │
//!  │          └──┘ (again) │              │
//!  └───────────────────────┘              │
//!  any open status ──► closed (with a reason)
//! ```
//!
//! `converted` and `closed` are final. Converting creates the patient, so that move belongs to
//! the conversion use case, not to a plain status change (see `app::enquiries`).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{ContactAttemptId, EnquiryId, UserId};
use crate::person::{Email, PersonName};
use crate::phone::E164;

/// Longest free-text message on an enquiry or note on an attempt.
pub const MESSAGE_MAX_CHARS: usize = 2000;
/// Longest "best time to call".
pub const BEST_TIME_MAX_CHARS: usize = 100;
/// Longest reason for closing.
pub const CLOSE_REASON_MAX_CHARS: usize = 500;

/// Optional free text: trimmed, empty means absent, at most `max` characters, no control
/// characters other than line breaks and tabs.
pub fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(Some(text.to_owned()))
}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            /// Every value, in the order a form lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The wire and storage name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Parses the wire name; the error lists the accepted names.
            pub fn parse(raw: &str) -> Result<Self, FieldError> {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw.trim()).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    FieldError::new($field, format!("must be one of {}", names.join(", ")))
                })
            }
        }
    };
}

wire_enum!(
    /// Where an enquiry stands.
    EnquiryStatus, "status" {
        New => "new",
        Attempted => "attempted",
        Reached => "reached",
        ConsultBooked => "consult_booked",
        Converted => "converted",
        Closed => "closed",
    }
);

wire_enum!(
    /// How the enquiry came in.
    EnquirySource, "source" { WebForm => "web_form", Staff => "staff" }
);

wire_enum!(
    /// How the clinic tried to reach the person.
    ContactChannel, "channel" { Phone => "phone", Sms => "sms", Email => "email" }
);

wire_enum!(
    /// What came of a contact attempt.
    ContactOutcome, "outcome" {
        Reached => "reached",
        NoAnswer => "no_answer",
        LeftVoicemail => "left_voicemail",
        MessageSent => "message_sent",
        WrongNumber => "wrong_number",
    }
);

/// A status change the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an enquiry cannot go from {} to {}", from.as_str(), to.as_str())]
pub struct InvalidTransition {
    pub from: EnquiryStatus,
    pub to: EnquiryStatus,
}

impl EnquiryStatus {
    /// Still in the call-back queue (not converted or closed).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Converted | Self::Closed)
    }

    /// The statuses shown in the queue by default.
    pub const OPEN: [Self; 4] = [Self::New, Self::Attempted, Self::Reached, Self::ConsultBooked];

    /// Checks a move to `to` (see the module diagram).
    pub fn transition(self, to: Self) -> Result<Self, InvalidTransition> {
        use EnquiryStatus as S;
        let allowed = match (self, to) {
            (S::New, S::Attempted | S::Reached) | (S::Attempted, S::Attempted | S::Reached) => true,
            (S::Reached, S::ConsultBooked) | (S::ConsultBooked, S::Converted) => true,
            (from, S::Closed) => from.is_open(),
            _ => false,
        };
        if allowed { Ok(to) } else { Err(InvalidTransition { from: self, to }) }
    }

    /// The status after a contact attempt with `outcome`: reaching the person moves a new or
    /// attempted enquiry to `reached`, any other outcome to `attempted`; later statuses keep
    /// theirs (a follow-up call after booking does not move the enquiry back). Attempts on a
    /// converted or closed enquiry are refused.
    pub fn after_attempt(self, outcome: ContactOutcome) -> Result<Self, InvalidTransition> {
        match self {
            Self::New | Self::Attempted => {
                let to = if outcome == ContactOutcome::Reached { Self::Reached } else { Self::Attempted };
                self.transition(to)
            }
            Self::Reached | Self::ConsultBooked => Ok(self),
            Self::Converted | Self::Closed => Err(InvalidTransition { from: self, to: Self::Attempted }),
        }
    }
}

/// One logged contact attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactAttempt {
    pub id: ContactAttemptId,
    pub at: Timestamp,
    pub channel: ContactChannel,
    pub outcome: ContactOutcome,
    pub note: Option<String>,
    pub by: UserId,
}

/// What the person (or staff on their behalf) told the clinic, every field parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnquiryDetails {
    pub name: PersonName,
    pub phone: E164,
    pub email: Option<Email>,
    pub message: Option<String>,
    pub best_time: Option<String>,
    /// Always `true` for a stored enquiry: the form refuses submission without consent, and
    /// the stored flag is the record that it was given.
    pub consent_to_contact: bool,
}

/// An enquiry with its contact history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enquiry {
    pub id: EnquiryId,
    pub details: EnquiryDetails,
    pub source: EnquirySource,
    /// The member of staff who logged it; `None` for the public form.
    pub recorded_by: Option<UserId>,
    pub received_at: Timestamp,
    pub contact_due_by: Timestamp,
    pub status: EnquiryStatus,
    /// Why it was closed (only when `status` is `closed`).
    pub closed_reason: Option<String>,
    pub updated_at: Timestamp,
    /// Oldest first.
    pub attempts: Vec<ContactAttempt>,
    /// The patient it was converted into (status `converted`).
    pub patient_id: Option<crate::ids::PatientId>,
}

impl Enquiry {
    /// Still open and past its due time at `now`: shown as overdue in the queue. Once someone
    /// has reached the person the call-back promise is kept, so only `new` and `attempted`
    /// enquiries can be overdue.
    pub fn overdue(&self, now: Timestamp) -> bool {
        matches!(self.status, EnquiryStatus::New | EnquiryStatus::Attempted) && now > self.contact_due_by
    }
}

/// A change to an enquiry's status, checked, with what storage must write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnquiryChange {
    /// The status the change was computed from; storage refuses the write if it moved since.
    pub expected: EnquiryStatus,
    pub status: EnquiryStatus,
    pub closed_reason: Option<String>,
    pub at: Timestamp,
    /// The attempt to append, if the change records one.
    pub attempt: Option<ContactAttempt>,
}

/// Why a status change request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Field(FieldError),
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
}

impl From<FieldError> for ChangeError {
    fn from(err: FieldError) -> Self {
        Self::Field(err)
    }
}

impl Enquiry {
    /// A plain status change (not an attempt): `closed` needs a reason, other moves take none.
    pub fn change_status(&self, to: EnquiryStatus, reason: Option<&str>, at: Timestamp) -> Result<EnquiryChange, ChangeError> {
        let reason = optional_text("reason", reason, CLOSE_REASON_MAX_CHARS)?;
        let status = self.status.transition(to)?;
        match (status, &reason) {
            (EnquiryStatus::Closed, None) => return Err(FieldError::new("reason", "must say why the enquiry is closed").into()),
            (s, Some(_)) if s != EnquiryStatus::Closed => return Err(FieldError::new("reason", "is only recorded when closing").into()),
            _ => {}
        }
        Ok(EnquiryChange { expected: self.status, status, closed_reason: reason, at, attempt: None })
    }

    /// A contact attempt and the status it leads to.
    pub fn record_attempt(&self, attempt: ContactAttempt) -> Result<EnquiryChange, ChangeError> {
        let status = self.status.after_attempt(attempt.outcome)?;
        Ok(EnquiryChange { expected: self.status, status, closed_reason: None, at: attempt.at, attempt: Some(attempt) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EnquiryStatus as S;

    #[test]
    fn legal_and_illegal_moves() {
        let legal = [
            (S::New, S::Attempted),
            (S::New, S::Reached),
            (S::Attempted, S::Attempted),
            (S::Attempted, S::Reached),
            (S::Reached, S::ConsultBooked),
            (S::ConsultBooked, S::Converted),
            (S::New, S::Closed),
            (S::ConsultBooked, S::Closed),
        ];
        for from in S::ALL {
            for to in S::ALL {
                let expected = legal.contains(&(*from, *to)) || (*to == S::Closed && from.is_open());
                assert_eq!(from.transition(*to).is_ok(), expected, "{from:?} → {to:?}");
            }
        }
        assert_eq!(S::Closed.transition(S::New), Err(InvalidTransition { from: S::Closed, to: S::New }));
    }

    #[test]
    fn attempts_move_the_status_forward_only() {
        assert_eq!(S::New.after_attempt(ContactOutcome::NoAnswer), Ok(S::Attempted));
        assert_eq!(S::Attempted.after_attempt(ContactOutcome::Reached), Ok(S::Reached));
        assert_eq!(S::ConsultBooked.after_attempt(ContactOutcome::NoAnswer), Ok(S::ConsultBooked));
        assert!(S::Closed.after_attempt(ContactOutcome::Reached).is_err());
    }

    #[test]
    fn wire_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(S::parse("booked").map_err(|e| e.message), Err("must be one of new, attempted, reached, consult_booked, converted, closed".to_owned()));
        assert_eq!(ContactOutcome::parse(" no_answer "), Ok(ContactOutcome::NoAnswer));
    }

    #[test]
    fn optional_text_rules() {
        assert_eq!(optional_text("m", Some("  "), 5), Ok(None));
        assert_eq!(optional_text("m", Some(" hi\nthere "), 20), Ok(Some("hi\nthere".to_owned())));
        assert!(optional_text("m", Some("123456"), 5).is_err());
        assert!(optional_text("m", Some("a\u{7}b"), 5).is_err());
    }
}
