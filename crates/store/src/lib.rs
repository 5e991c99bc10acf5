//! Storage ports of ketaclinic.
//!
//! The traits here are sized to the use cases in `app`: each method is one thing a use case
//! needs, and every method that changes data takes the audit events that describe the change so
//! the adapter writes both in **one transaction**. Two adapters implement them (`store-sqlite`,
//! `store-postgres`) and both must pass the one [`conformance`] suite written here.
//!
//! [`group_commit`] holds the single-writer loop both adapters use: writes queue up, run one
//! after another inside one database transaction (each in its own savepoint) and are
//! acknowledged only after that transaction commits, so many writes share one fsync without an
//! acknowledged write ever being lost.

pub mod audit_batch;
pub mod billing_port;
pub mod booking_port;
pub mod calendar_feed_port;
pub mod conformance;
pub mod error;
pub mod group_commit;
pub mod ports;
pub mod records;

pub use billing_port::BillingStore;
pub use booking_port::BookingStore;
pub use calendar_feed_port::CalendarFeedStore;
pub use error::{StoreError, StoreResult};
pub use ports::{
    AlertStore, AssessmentStore, AuditStore, AuthStore, ChartStore, CourseStore, DashboardStore, EnquiryStore, HealthStore, PatientStore, RegisterStore,
    RemsFormStore, SelfReportStore, SessionStore, Storage, TaskStore, TreatmentEventStore, UserStore,
};
pub use records::*;
