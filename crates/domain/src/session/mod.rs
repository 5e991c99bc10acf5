//! The chairside session (issue 5): its state machine and the vital-sign thresholds of the
//! clinic protocol. Pure rules; storage, the API and the chair board build on them.

pub mod checkpoint;
pub mod discharge;
pub mod precheck;
pub mod record;
pub mod rems_form;
pub mod state;
pub mod thresholds;

pub use record::{Session, SessionAlert, SessionAlertAck, SessionEventRecord, VitalReading};
pub use state::{SessionEvent, SessionState, TransitionError};
pub use thresholds::{PreDoseCheck, Thresholds, VitalAlert, Vitals};
