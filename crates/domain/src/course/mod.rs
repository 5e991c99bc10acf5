//! Treatment protocols and treatment courses (issue 5, items 1–2).
//!
//! A **protocol** is the clinic's versioned setting per modality: the dose rule, the induction
//! series, the maintenance schedule, the vital-sign thresholds, the minimum observation and
//! which optional pre-checks apply. A **course** is one patient's treatment under one protocol
//! version: a draft until a prescriber signs it, then moved through its phases only by phase
//! events (induction → end-of-induction review → maintenance → completed, or stopped).
//!
//! Both are pure data and rules here; storage, use cases and the API build on them.

#[expect(clippy::module_inception, reason = "the issue names the file course/course.rs; the module holds the course itself")]
pub mod course;
pub mod protocol;

pub use course::{Course, CourseEvent, CourseEventKind, CoursePhase, CourseStatus, PhaseError, ReviewOutcome};
pub use protocol::{
    DoseRule, Induction, MaintenanceStep, MaintenanceSteps, MgPerKg, ObservationFrom, OptionalPrechecks, Protocol, ProtocolBody, Revision, WeekRange,
};
