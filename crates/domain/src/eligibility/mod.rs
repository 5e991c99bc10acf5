//! Pre-treatment evaluation and eligibility decision support (issue 3, items 3–5).
//!
//! - [`evaluation`]: the structured evaluation document and its validation;
//! - [`drugs`]: the sourced drug table (classes, minimum adequate antidepressant doses);
//! - [`trd`] and [`staging`]: treatment resistance, Maudsley Staging Method, Thase–Rush;
//! - [`rules`] and [`policy`]: the rule table as data and the clinic's permitted changes;
//! - [`engine`]: runs the rules and decides.
//!
//! Clinical facts come from `REFERENCE.md` §2.1, §3, §5 and §8.3 only; each rule and each
//! drug-table dose names its source. Everything is pure and deterministic.

pub mod drugs;
pub mod engine;
pub mod evaluation;
pub mod modality;
pub mod policy;
pub mod rules;
pub mod staging;
pub mod trd;

mod drug_rows;

pub use drugs::{Confidence, DrugClass, DrugEntry, DrugTable, DrugTableError, MinAdequateDose};
pub use engine::{Decision, EligibilityResult, Finding, Protocol, check};
pub use evaluation::{AntidepressantTrial, Condition, Evaluation, Medication, Severity, TrialOutcome, Vitals};
pub use modality::Modality;
pub use policy::{EligibilityPolicy, PolicyError, RuleOverride};
pub use rules::{Basis, Cell, FindingKind, RULES, RuleDefinition, Trigger};
pub use staging::{MaudsleyAssessment, MaudsleyBand, MaudsleyComponents, ThaseRush};
pub use trd::{TrdAssessment, TrdPolicy, TrialAssessment, TrialVerdict, UnassessableTrial};
