//! Which questionnaires are due around treatment events (issue 4, item 5).
//!
//! The protocol is data: a list of [`ScheduleRule`]s, each saying which instrument becomes due
//! after which kind of [`TreatmentEvent`] and how late it may be. Events arrive from outside —
//! today an approved eligibility decision starts a course, and the session module records
//! sessions through the same `treatment event` port — so adding sessions changes nothing here.
//!
//! Defaults (REFERENCE §6.11, clinic settings): PHQ-9, GAD-7 and the C-SSRS screener at
//! baseline and the clinician's MADRS; PHQ-9 before every session; PHQ-9 24 h after the first
//! and after the last induction session; MADRS at the end of induction; PHQ-9 weekly in
//! maintenance.
//!
//! An item is **satisfied** by any assessment of its instrument administered from the item's
//! window start on; it is **overdue** once `due_at + grace` has passed without one.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Something that happened in a patient's treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TreatmentEvent {
    /// A treatment course begins (baseline measurements are due).
    CourseStarted { at: Timestamp },
    /// A session is booked for `at` (pre-session questionnaires are due by then).
    SessionScheduled { at: Timestamp },
    /// A session ended at `at`; `first_of_induction` / `last_of_induction` mark the induction's
    /// ends.
    SessionCompleted {
        at: Timestamp,
        #[serde(default)]
        first_of_induction: bool,
        #[serde(default)]
        last_of_induction: bool,
    },
    /// The induction phase ended (end-of-induction review).
    InductionEnded { at: Timestamp },
    /// Maintenance began; weekly questionnaires run until the course ends.
    MaintenanceStarted { at: Timestamp },
    /// The course ended (completed or stopped): nothing further becomes due.
    CourseEnded { at: Timestamp },
}

impl TreatmentEvent {
    /// When it happened.
    pub fn at(&self) -> Timestamp {
        match *self {
            Self::CourseStarted { at }
            | Self::SessionScheduled { at }
            | Self::SessionCompleted { at, .. }
            | Self::InductionEnded { at }
            | Self::MaintenanceStarted { at }
            | Self::CourseEnded { at } => at,
        }
    }

    /// The wire name of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CourseStarted { .. } => "course_started",
            Self::SessionScheduled { .. } => "session_scheduled",
            Self::SessionCompleted { .. } => "session_completed",
            Self::InductionEnded { .. } => "induction_ended",
            Self::MaintenanceStarted { .. } => "maintenance_started",
            Self::CourseEnded { .. } => "course_ended",
        }
    }
}

/// What makes a rule fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Baseline,
    BeforeEverySession,
    AfterFirstInductionSession,
    AfterLastInductionSession,
    EndOfInduction,
    WeeklyInMaintenance,
}

/// One protocol line: `instrument` is due `delay` after a `trigger` event, may be answered from
/// `early` before that, and is overdue `grace` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduleRule {
    pub instrument: &'static str,
    pub trigger: Trigger,
    pub delay: SignedDuration,
    pub early: SignedDuration,
    pub grace: SignedDuration,
    /// Why it is due, for the list.
    pub reason: &'static str,
}

const H: i64 = 3600;
const fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_secs(h * H)
}

/// The default protocol (REFERENCE §6.11).
pub const DEFAULT_RULES: &[ScheduleRule] = &[
    ScheduleRule { instrument: "phq9", trigger: Trigger::Baseline, delay: hours(0), early: hours(24 * 14), grace: hours(24 * 7), reason: "baseline" },
    ScheduleRule { instrument: "gad7", trigger: Trigger::Baseline, delay: hours(0), early: hours(24 * 14), grace: hours(24 * 7), reason: "baseline" },
    ScheduleRule { instrument: "cssrs_screener", trigger: Trigger::Baseline, delay: hours(0), early: hours(24 * 14), grace: hours(24 * 7), reason: "baseline" },
    ScheduleRule {
        instrument: "madrs",
        trigger: Trigger::Baseline,
        delay: hours(0),
        early: hours(24 * 14),
        grace: hours(24 * 7),
        reason: "baseline (clinician)",
    },
    ScheduleRule { instrument: "phq9", trigger: Trigger::BeforeEverySession, delay: hours(0), early: hours(48), grace: hours(0), reason: "before the session" },
    ScheduleRule {
        instrument: "phq9",
        trigger: Trigger::AfterFirstInductionSession,
        delay: hours(24),
        early: hours(12),
        grace: hours(24),
        reason: "24 h after the first induction session",
    },
    ScheduleRule {
        instrument: "phq9",
        trigger: Trigger::AfterLastInductionSession,
        delay: hours(24),
        early: hours(12),
        grace: hours(24),
        reason: "24 h after the last induction session",
    },
    ScheduleRule {
        instrument: "madrs",
        trigger: Trigger::EndOfInduction,
        delay: hours(0),
        early: hours(24 * 3),
        grace: hours(24 * 7),
        reason: "end of induction (clinician)",
    },
    ScheduleRule {
        instrument: "phq9",
        trigger: Trigger::WeeklyInMaintenance,
        delay: hours(24 * 7),
        early: hours(24 * 2),
        grace: hours(24 * 3),
        reason: "weekly in maintenance",
    },
];

/// One questionnaire that is (or was) due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueItem {
    pub instrument: &'static str,
    pub reason: &'static str,
    /// From when an answer counts.
    pub window_start: Timestamp,
    pub due_at: Timestamp,
    pub overdue: bool,
}

/// Items due at `now` and not yet satisfied by `assessments` (instrument, administered at),
/// earliest due first. `events` may be in any order.
pub fn due(rules: &[ScheduleRule], events: &[TreatmentEvent], assessments: &[(String, Timestamp)], now: Timestamp) -> Vec<DueItem> {
    let mut events = events.to_vec();
    events.sort_by_key(TreatmentEvent::at);
    let ended = events.iter().rev().find_map(|e| matches!(e, TreatmentEvent::CourseEnded { .. }).then(|| e.at()));
    let last_course = events.iter().rev().find_map(|e| matches!(e, TreatmentEvent::CourseStarted { .. }).then(|| e.at()));
    // Only the current course counts: events before the latest start belong to an old course,
    // and a course that has ended asks for nothing more.
    let current: Vec<TreatmentEvent> = match (last_course, ended) {
        (Some(start), Some(end)) if end >= start => return Vec::new(),
        (Some(start), _) => events.into_iter().filter(|e| e.at() >= start).collect(),
        (None, _) => return Vec::new(),
    };
    let mut items = Vec::new();
    for rule in rules {
        for anchor in anchors(rule.trigger, &current, now) {
            let due_at = anchor.saturating_add(rule.delay).unwrap_or(anchor);
            let window_start = due_at.saturating_sub(rule.early).unwrap_or(due_at);
            if window_start > now {
                continue;
            }
            let answered = assessments.iter().any(|(i, at)| i == rule.instrument && *at >= window_start);
            if answered {
                continue;
            }
            let overdue = now > due_at.saturating_add(rule.grace).unwrap_or(due_at);
            items.push(DueItem { instrument: rule.instrument, reason: rule.reason, window_start, due_at, overdue });
        }
    }
    items.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(a.instrument.cmp(b.instrument)));
    items.dedup_by(|a, b| a.instrument == b.instrument && a.window_start == b.window_start);
    items
}

/// The instants a rule counts from.
fn anchors(trigger: Trigger, events: &[TreatmentEvent], now: Timestamp) -> Vec<Timestamp> {
    use TreatmentEvent as E;
    match trigger {
        Trigger::Baseline => events.iter().filter(|e| matches!(e, E::CourseStarted { .. })).map(E::at).collect(),
        // Only the next or most recent booked session: older ones are history.
        Trigger::BeforeEverySession => {
            let sessions: Vec<Timestamp> = events.iter().filter(|e| matches!(e, E::SessionScheduled { .. })).map(E::at).collect();
            let next = sessions.iter().copied().filter(|at| *at >= now).min();
            next.or_else(|| sessions.iter().copied().max()).into_iter().collect()
        }
        Trigger::AfterFirstInductionSession => events.iter().filter(|e| matches!(e, E::SessionCompleted { first_of_induction: true, .. })).map(E::at).collect(),
        Trigger::AfterLastInductionSession => events.iter().filter(|e| matches!(e, E::SessionCompleted { last_of_induction: true, .. })).map(E::at).collect(),
        Trigger::EndOfInduction => events.iter().filter(|e| matches!(e, E::InductionEnded { .. })).map(E::at).collect(),
        // Weekly from the start of maintenance: the current week's anchor only.
        Trigger::WeeklyInMaintenance => events
            .iter()
            .rev()
            .find(|e| matches!(e, E::MaintenanceStarted { .. }))
            .map(|e| {
                let start = e.at();
                let week = 7 * 24 * H;
                let weeks = (now.as_second() - start.as_second()).div_euclid(week).max(0);
                // The week that has most recently begun is anchored at the one before (delay = 1 week).
                start.saturating_add(SignedDuration::from_secs(weeks.saturating_sub(1).max(0) * week)).unwrap_or(start)
            })
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hours_from_start: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + hours_from_start * H).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn names(items: &[DueItem]) -> Vec<(&'static str, &'static str, bool)> {
        items.iter().map(|i| (i.instrument, i.reason, i.overdue)).collect()
    }

    #[test]
    fn baseline_is_due_at_the_start_of_a_course_and_answers_satisfy_it() {
        let events = [TreatmentEvent::CourseStarted { at: t(0) }];
        let got = due(DEFAULT_RULES, &events, &[], t(1));
        assert_eq!(
            names(&got),
            vec![("cssrs_screener", "baseline", false), ("gad7", "baseline", false), ("madrs", "baseline (clinician)", false), ("phq9", "baseline", false)]
        );
        // A PHQ-9 from a week before the start counts (window 14 days); after 7 days of grace
        // the rest is overdue.
        let answered = [("phq9".to_owned(), t(-24 * 7))];
        let later = due(DEFAULT_RULES, &events, &answered, t(24 * 8));
        assert_eq!(later.iter().map(|i| (i.instrument, i.overdue)).collect::<Vec<_>>(), vec![("cssrs_screener", true), ("gad7", true), ("madrs", true)]);
        assert!(due(DEFAULT_RULES, &[], &[], t(1)).is_empty(), "no course, nothing due");
    }

    #[test]
    fn sessions_and_induction() {
        let all_baseline: Vec<(String, Timestamp)> = ["phq9", "gad7", "cssrs_screener", "madrs"].iter().map(|i| ((*i).to_owned(), t(0))).collect();
        let events = [
            TreatmentEvent::CourseStarted { at: t(0) },
            TreatmentEvent::SessionScheduled { at: t(72) },
            TreatmentEvent::SessionCompleted { at: t(74), first_of_induction: true, last_of_induction: false },
        ];
        // 40 h before the session: the pre-session PHQ-9 is due (window 48 h) but not overdue.
        let before = due(DEFAULT_RULES, &events[..2], &all_baseline, t(32));
        assert_eq!(names(&before), vec![("phq9", "before the session", false)]);
        // 20 h after the first session the pre-session PHQ-9 was missed (overdue) and the
        // 24 h follow-up window (opens 12 h early) is open.
        let after = due(DEFAULT_RULES, &events, &all_baseline, t(94));
        assert_eq!(names(&after), vec![("phq9", "before the session", true), ("phq9", "24 h after the first induction session", false)]);
        // One PHQ-9 at 90 h satisfies both (answers from the window start on count).
        let answered = [all_baseline.clone(), vec![("phq9".to_owned(), t(90))]].concat();
        assert!(due(DEFAULT_RULES, &events, &answered, t(94)).is_empty(), "one PHQ-9 in both windows satisfies both");
    }

    #[test]
    fn maintenance_is_weekly_and_a_course_end_stops_everything() {
        let baseline: Vec<(String, Timestamp)> = ["phq9", "gad7", "cssrs_screener", "madrs"].iter().map(|i| ((*i).to_owned(), t(0))).collect();
        let start = TreatmentEvent::CourseStarted { at: t(0) };
        let maintenance = TreatmentEvent::MaintenanceStarted { at: t(24 * 30) };
        // Day 36: the first weekly PHQ-9 (due day 37) is open from day 35.
        let got = due(DEFAULT_RULES, &[start, maintenance], &baseline, t(24 * 36));
        assert_eq!(names(&got), vec![("phq9", "weekly in maintenance", false)]);
        assert_eq!(got[0].due_at, t(24 * 37));
        let done = [baseline.clone(), vec![("phq9".to_owned(), t(24 * 36))]].concat();
        assert!(due(DEFAULT_RULES, &[start, maintenance], &done, t(24 * 36 + 1)).is_empty());
        let ended = TreatmentEvent::CourseEnded { at: t(24 * 40) };
        assert!(due(DEFAULT_RULES, &[start, maintenance, ended], &baseline, t(24 * 50)).is_empty());
    }
}
