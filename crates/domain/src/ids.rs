//! Typed identifiers. All ids are UUIDv7 (time-ordered, so they index well, and valid FHIR ids);
//! they are generated in `app`, never here.

use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A patient.
    PatientId
);
id_type!(
    /// A staff account.
    UserId
);
id_type!(
    /// A browser login session.
    SessionId
);
id_type!(
    /// An API bearer token (the id, never the secret).
    TokenId
);
id_type!(
    /// An audit event.
    AuditEventId
);
id_type!(
    /// A scored assessment (one administration of an instrument).
    AssessmentId
);
id_type!(
    /// A safety alert.
    AlertId
);
id_type!(
    /// An enquiry (a request to be called back).
    EnquiryId
);
id_type!(
    /// One logged attempt to contact an enquirer.
    ContactAttemptId
);
id_type!(
    /// A chart entry (all its versions share the id).
    ChartEntryId
);
id_type!(
    /// A one-time self-report link.
    SelfReportLinkId
);
id_type!(
    /// A recorded treatment event (course started, session completed …).
    TreatmentEventId
);
id_type!(
    /// A task for the care team (e.g. review a booster after relapse).
    TaskId
);
id_type!(
    /// A treatment session in the chair (not a login session).
    TreatmentSessionId
);
id_type!(
    /// One event of a treatment session.
    SessionEventId
);
id_type!(
    /// One vital-sign alert raised during a treatment session.
    SessionAlertId
);
id_type!(
    /// A treatment course (induction, review, maintenance) of one patient.
    CourseId
);
id_type!(
    /// One event of a treatment course (created, signed, phase changed).
    CourseEventId
);
id_type!(
    /// A storage location of controlled substances (a safe, a locked cabinet).
    LocationId
);
id_type!(
    /// A receipt of controlled substances from a supplier (one invoice or order).
    ReceiptId
);
id_type!(
    /// One commercial container of a controlled substance: a vial or a nasal spray device.
    ContainerId
);
id_type!(
    /// One row of the controlled-substance ledger (a draw's id is its ledger entry's id).
    LedgerEntryId
);
id_type!(
    /// An inventory count (initial, biennial or ad hoc).
    CountId
);
id_type!(
    /// A reported loss or theft of controlled substances and its DEA deadlines.
    LossReportId
);
id_type!(
    /// One captured charge line (billing).
    ChargeId
);
id_type!(
    /// An invoice of a patient's charges.
    InvoiceId
);
id_type!(
    /// A payment or refund recorded against an invoice.
    PaymentId
);
id_type!(
    /// An entry on the scheduling waitlist.
    WaitlistEntryId
);
id_type!(
    /// A calendar feed (a secret iCalendar URL).
    CalendarFeedId
);
