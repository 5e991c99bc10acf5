//! A patient's treatment course: which modality, which protocol version, the dose and the
//! induction series the prescriber chose (within the protocol's validation), its status and its
//! phase.
//!
//! - **Status**: `draft` until a prescriber signs it, then `signed`. A signed course changes only
//!   by phase events, so its dose and series are what was signed.
//! - **Phase**: `induction → end_of_induction_review → maintenance → completed`, `completed`
//!   also straight after the review (no maintenance), and `stopped` from any phase that is not
//!   finished. The first phase (induction) needs no reason; every change after it does.
//!   Phases move only on a signed course, except that a draft may be stopped (abandoned).
//! - **End-of-induction review**: SPRAVATO asks for an evaluation of benefit at week 4
//!   (REFERENCE §2.3), and measurement-based care gives one for any modality. The review stores
//!   the primary instrument's baseline and latest totals and the response / remission flags of
//!   the existing outcome rules ([`crate::outcome`]), or "no measurements" when there are none —
//!   a course works without assessments.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::protocol::{DoseRule, Induction, Protocol, validate_dose, validate_induction};
use crate::eligibility::Modality;
use crate::error::{FieldError, ValidationErrors};
use crate::ids::{CourseEventId, CourseId, PatientId, UserId};
use crate::outcome::{Point, PointState, outcome};
use crate::record::ChangeReason;

/// Draft or signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseStatus {
    Draft,
    Signed,
}

impl CourseStatus {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Signed => "signed",
        }
    }

    /// Parses the storage name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "draft" => Ok(Self::Draft),
            "signed" => Ok(Self::Signed),
            _ => Err(FieldError::new("status", "must be draft or signed")),
        }
    }
}

/// Where a course stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoursePhase {
    Induction,
    EndOfInductionReview,
    Maintenance,
    Completed,
    Stopped,
}

impl CoursePhase {
    /// Every phase, in course order.
    pub const ALL: [Self; 5] = [Self::Induction, Self::EndOfInductionReview, Self::Maintenance, Self::Completed, Self::Stopped];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Induction => "induction",
            Self::EndOfInductionReview => "end_of_induction_review",
            Self::Maintenance => "maintenance",
            Self::Completed => "completed",
            Self::Stopped => "stopped",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw.trim())
            .ok_or_else(|| FieldError::new("phase", "must be one of induction, end_of_induction_review, maintenance, completed, stopped"))
    }

    /// Completed or stopped: nothing follows.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Stopped)
    }

    /// Whether the course may move from `self` to `to`.
    pub fn can_move_to(self, to: Self) -> bool {
        use CoursePhase::{Completed, EndOfInductionReview, Induction, Maintenance, Stopped};
        matches!(
            (self, to),
            (Induction, EndOfInductionReview)
                | (EndOfInductionReview, Maintenance | Completed)
                | (Maintenance, Completed)
                | (Induction | EndOfInductionReview | Maintenance, Stopped)
        )
    }
}

/// A refused status or phase change (409 at the edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhaseError {
    #[error("a course in {} cannot move to {}", .from.as_str(), .to.as_str())]
    InvalidTransition { from: CoursePhase, to: CoursePhase },
    #[error("the course is a draft: a prescriber signs it before its phase changes")]
    NotSigned,
    #[error("the course is already signed")]
    AlreadySigned,
    #[error("the course is stopped")]
    Stopped,
    #[error("the end-of-induction review needs its outcome")]
    ReviewMissing,
}

/// The outcome recorded at the end-of-induction review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReviewOutcome {
    /// No total of the instrument was recorded for the course.
    NoMeasurements { instrument: String },
    /// Baseline and latest totals with the outcome rules' flags.
    Measured {
        instrument: String,
        baseline_total: u32,
        baseline_at: Timestamp,
        latest_total: u32,
        latest_at: Timestamp,
        /// `(latest − baseline) / baseline × 100`, one decimal; absent with one point or a
        /// zero baseline.
        change_percent: Option<f64>,
        /// Response (≥ 50 % reduction, or remission) was reached during the induction.
        response: bool,
        /// Remission was reached during the induction.
        remission: bool,
        /// The latest total itself meets response (or remission): benefit at the review.
        latest_responding: bool,
    },
}

impl ReviewOutcome {
    /// The review of `instrument` for a course that started at `start`, from the patient's
    /// totals `points` (time order, entered-in-error ones already left out) up to `at`.
    ///
    /// The course baseline is the latest total at or before `start` (a baseline is taken
    /// before treatment begins, REFERENCE §6.11), or the first one after it when none was
    /// taken before; totals after `at` are ignored.
    pub fn of(instrument: &str, points: &[Point], start: Timestamp, at: Timestamp, remission_max: Option<u32>) -> Self {
        let upto: Vec<Point> = points.iter().copied().filter(|p| p.at <= at).collect();
        let from = upto.iter().rposition(|p| p.at <= start).unwrap_or(0);
        let series = upto.get(from..).unwrap_or_default();
        let result = outcome(series, remission_max);
        match (result.baseline, result.latest) {
            (Some(baseline), Some(latest)) => Self::Measured {
                instrument: instrument.to_owned(),
                baseline_total: baseline.total,
                baseline_at: baseline.at,
                latest_total: latest.total,
                latest_at: latest.at,
                change_percent: result.change_percent,
                response: result.response,
                remission: result.remission,
                latest_responding: series.len() > 1 && result.series.last().is_some_and(|p| matches!(p.state, PointState::Response | PointState::Remission)),
            },
            _ => Self::NoMeasurements { instrument: instrument.to_owned() },
        }
    }
}

/// A course.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub id: CourseId,
    pub patient_id: PatientId,
    pub modality: Modality,
    /// The protocol version it follows (0: the built-in defaults).
    pub protocol_version: u32,
    pub dose: DoseRule,
    pub induction: Induction,
    pub status: CourseStatus,
    pub phase: CoursePhase,
    /// Set when the course enters the end-of-induction review.
    pub review: Option<ReviewOutcome>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub signed_by: Option<UserId>,
    pub signed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// What happened to a course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CourseEventKind {
    Created,
    Signed,
    PhaseChanged { from: CoursePhase, to: CoursePhase, reason: ChangeReason, review: Option<ReviewOutcome> },
}

impl CourseEventKind {
    /// The storage name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Signed => "signed",
            Self::PhaseChanged { .. } => "phase_changed",
        }
    }
}

/// One event of a course (append-only).
#[derive(Debug, Clone, PartialEq)]
pub struct CourseEvent {
    pub id: CourseEventId,
    pub course_id: CourseId,
    pub kind: CourseEventKind,
    pub by: UserId,
    pub at: Timestamp,
}

impl Course {
    /// A draft course under `protocol`: its dose rule and induction unless the prescriber
    /// chose others, which must pass the protocol's validation for the modality.
    pub fn draft(
        id: CourseId,
        patient_id: PatientId,
        protocol: &Protocol,
        dose: Option<DoseRule>,
        induction: Option<Induction>,
        by: UserId,
        at: Timestamp,
    ) -> Result<Self, ValidationErrors> {
        let dose = dose.unwrap_or(protocol.body.dose);
        let induction = induction.unwrap_or(protocol.body.induction);
        let mut errors = ValidationErrors::default();
        validate_dose(protocol.modality, &dose, "dose", &mut errors);
        validate_induction(protocol.modality, induction, "induction", &mut errors);
        errors.into_result()?;
        Ok(Self {
            id,
            patient_id,
            modality: protocol.modality,
            protocol_version: protocol.version,
            dose,
            induction,
            status: CourseStatus::Draft,
            phase: CoursePhase::Induction,
            review: None,
            created_by: by,
            created_at: at,
            signed_by: None,
            signed_at: None,
            updated_at: at,
        })
    }

    /// Signs a draft: the course starts (in induction, the first phase: no reason needed).
    pub fn sign(&self, by: UserId, at: Timestamp) -> Result<Self, PhaseError> {
        match (self.status, self.phase) {
            (_, CoursePhase::Stopped) => Err(PhaseError::Stopped),
            (CourseStatus::Signed, _) => Err(PhaseError::AlreadySigned),
            (CourseStatus::Draft, _) => Ok(Self { status: CourseStatus::Signed, signed_by: Some(by), signed_at: Some(at), updated_at: at, ..self.clone() }),
        }
    }

    /// Moves to `to` with `reason`; `review` is the outcome stored on entering the
    /// end-of-induction review (and ignored otherwise). Returns the course and its event kind.
    pub fn change_phase(
        &self,
        to: CoursePhase,
        reason: ChangeReason,
        review: Option<ReviewOutcome>,
        at: Timestamp,
    ) -> Result<(Self, CourseEventKind), PhaseError> {
        if !self.phase.can_move_to(to) {
            return Err(PhaseError::InvalidTransition { from: self.phase, to });
        }
        if self.status == CourseStatus::Draft && to != CoursePhase::Stopped {
            return Err(PhaseError::NotSigned);
        }
        let review = if to == CoursePhase::EndOfInductionReview { Some(review.ok_or(PhaseError::ReviewMissing)?) } else { None };
        let mut next = Self { phase: to, updated_at: at, ..self.clone() };
        if review.is_some() {
            next.review.clone_from(&review);
        }
        Ok((next, CourseEventKind::PhaseChanged { from: self.phase, to, reason, review }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::protocol::MgPerKg;

    fn ts(sec: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + sec).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn reason(text: &str) -> ChangeReason {
        ChangeReason::parse(text).unwrap_or_else(|_| ChangeReason::parse("x").unwrap_or_else(|_| unreachable!()))
    }

    fn signed(modality: Modality) -> Course {
        let p = Protocol::built_in(modality);
        let by = UserId(uuid::Uuid::nil());
        let draft = Course::draft(CourseId(uuid::Uuid::nil()), PatientId(uuid::Uuid::nil()), &p, None, None, by, ts(0));
        let draft = draft.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((draft.status, draft.phase, draft.protocol_version), (CourseStatus::Draft, CoursePhase::Induction, 0));
        draft.sign(by, ts(1)).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn the_legal_path_and_its_events() {
        let c = signed(Modality::EsketamineNasal);
        assert_eq!(c.sign(c.created_by, ts(2)), Err(PhaseError::AlreadySigned));
        let review = ReviewOutcome::NoMeasurements { instrument: "phq9".to_owned() };
        let (c, kind) =
            c.change_phase(CoursePhase::EndOfInductionReview, reason("week 4"), Some(review.clone()), ts(10)).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.review, Some(review.clone()));
        assert_eq!(
            kind,
            CourseEventKind::PhaseChanged {
                from: CoursePhase::Induction,
                to: CoursePhase::EndOfInductionReview,
                reason: reason("week 4"),
                review: Some(review.clone())
            }
        );
        let (c, _) = c.change_phase(CoursePhase::Maintenance, reason("benefit"), None, ts(11)).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.review, Some(review), "the review stays on the course");
        let (c, _) = c.change_phase(CoursePhase::Completed, reason("six months in remission"), None, ts(12)).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.phase, CoursePhase::Completed);
    }

    #[test]
    fn illegal_moves_are_refused() {
        use CoursePhase::*;
        let legal = [
            (Induction, EndOfInductionReview),
            (Induction, Stopped),
            (EndOfInductionReview, Maintenance),
            (EndOfInductionReview, Completed),
            (EndOfInductionReview, Stopped),
            (Maintenance, Completed),
            (Maintenance, Stopped),
        ];
        for from in CoursePhase::ALL {
            for to in CoursePhase::ALL {
                assert_eq!(from.can_move_to(to), legal.contains(&(from, to)), "{from:?} → {to:?}");
            }
        }
        let c = signed(Modality::IvKetamine);
        assert_eq!(
            c.change_phase(Maintenance, reason("skip the review"), None, ts(5)).err(),
            Some(PhaseError::InvalidTransition { from: Induction, to: Maintenance })
        );
        assert_eq!(c.change_phase(EndOfInductionReview, reason("r"), None, ts(5)).err(), Some(PhaseError::ReviewMissing));
        let (stopped, _) = c.change_phase(Stopped, reason("patient moved away"), None, ts(6)).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(stopped.change_phase(Induction, reason("restart"), None, ts(7)).err(), Some(PhaseError::InvalidTransition { from: Stopped, to: Induction }));
    }

    #[test]
    fn a_draft_only_stops() {
        let p = Protocol::built_in(Modality::IvKetamine);
        let by = UserId(uuid::Uuid::nil());
        let draft = Course::draft(CourseId(uuid::Uuid::nil()), PatientId(uuid::Uuid::nil()), &p, None, None, by, ts(0)).unwrap_or_else(|e| unreachable!("{e}"));
        let none = Some(ReviewOutcome::NoMeasurements { instrument: "phq9".to_owned() });
        assert_eq!(draft.change_phase(CoursePhase::EndOfInductionReview, reason("r"), none, ts(1)).err(), Some(PhaseError::NotSigned));
        let (stopped, _) = draft.change_phase(CoursePhase::Stopped, reason("created in error"), None, ts(1)).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(stopped.sign(by, ts(2)), Err(PhaseError::Stopped));
    }

    #[test]
    fn the_prescriber_may_change_dose_within_validation() {
        let p = Protocol::built_in(Modality::IvKetamine);
        let by = UserId(uuid::Uuid::nil());
        let dose = DoseRule::WeightBased { mg_per_kg: MgPerKg::from_ug_per_kg(750), infusion_minutes: Some(40) };
        let ok = Course::draft(CourseId(uuid::Uuid::nil()), PatientId(uuid::Uuid::nil()), &p, Some(dose), None, by, ts(0));
        assert_eq!(ok.map(|c| c.dose).ok(), Some(dose));
        let too_much = DoseRule::WeightBased { mg_per_kg: MgPerKg::from_ug_per_kg(1500), infusion_minutes: Some(40) };
        let refused = Course::draft(
            CourseId(uuid::Uuid::nil()),
            PatientId(uuid::Uuid::nil()),
            &p,
            Some(too_much),
            Some(Induction { sessions: 20, per_week: 3 }),
            by,
            ts(0),
        );
        let fields: Vec<String> = refused.err().unwrap_or_default().0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["dose.mg_per_kg", "induction.sessions"]);
    }

    #[test]
    fn the_review_uses_the_course_baseline_and_the_outcome_rules() {
        let pt = |sec, total| Point { at: ts(sec), total };
        // An old course's baseline (22), the new baseline before the start (18), then 12 and 8.
        let points = [pt(-900, 22), pt(-10, 18), pt(100, 12), pt(200, 8), pt(900, 3)];
        let review = ReviewOutcome::of("phq9", &points, ts(0), ts(300), Some(4));
        assert_eq!(
            review,
            ReviewOutcome::Measured {
                instrument: "phq9".to_owned(),
                baseline_total: 18,
                baseline_at: ts(-10),
                latest_total: 8,
                latest_at: ts(200),
                change_percent: Some(-55.6),
                response: true,
                remission: false,
                latest_responding: true,
            }
        );
        // No baseline before the start: the first total after it is the baseline.
        let later = ReviewOutcome::of("phq9", &[pt(50, 20), pt(100, 15)], ts(0), ts(300), Some(4));
        assert!(matches!(later, ReviewOutcome::Measured { baseline_total: 20, latest_total: 15, response: false, latest_responding: false, .. }));
        assert_eq!(ReviewOutcome::of("phq9", &[], ts(0), ts(300), Some(4)), ReviewOutcome::NoMeasurements { instrument: "phq9".to_owned() });
        assert_eq!(ReviewOutcome::of("phq9", &[pt(400, 9)], ts(0), ts(300), Some(4)), ReviewOutcome::NoMeasurements { instrument: "phq9".to_owned() });
    }
}
