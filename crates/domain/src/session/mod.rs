//! The chairside session (issue 5): its state machine and the vital-sign thresholds of the
//! clinic protocol. Pure rules; storage, the API and the chair board build on them.

pub mod discharge;
pub mod record;
pub mod state;
pub mod thresholds;

pub use record::{Session, SessionEventRecord, VitalReading};
pub use state::{SessionEvent, SessionState, TransitionError};
pub use thresholds::{PreDoseCheck, Thresholds, VitalAlert, Vitals};
