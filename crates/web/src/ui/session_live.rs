//! The session page's live region (`templates/session_live.html`, re-fetched from
//! `/sessions/{id}/live` when the session changes): the latest reading, the vitals chart, alerts,
//! the next checkpoint, the discharge criteria, the timeline and the predicted plasma curve of
//! what was given, as view models built from a session's state.

use jiff::Timestamp;
use ketaclinic_app::session_prechecks::PrecheckStatus;
use ketaclinic_app::sessions::SessionView;
use ketaclinic_domain::session::SessionEvent;
use ketaclinic_domain::session::checkpoint::Item;
use ketaclinic_domain::session::precheck::Precheck;

use super::session_curve::{CurveView, recorded_curve};
use super::vitals_chart::{self, VitalsChart};
use super::{Ctx, sentence};

/// One timeline line.
pub(crate) struct TimelineRow {
    pub time: String,
    pub what: String,
    pub detail: String,
    pub warning: bool,
}

/// One alert.
pub(crate) struct AlertRow {
    pub id: String,
    pub time: String,
    pub message: String,
    /// "Acknowledged 14:05 — rechecked, 150/90" once acknowledged.
    pub acknowledged: Option<String>,
}

/// The next checkpoint, in words.
pub(crate) struct CheckpointRow {
    pub what: String,
    pub due: String,
    pub label: String,
    pub overdue: bool,
}

/// One pre-check line.
pub(crate) struct PrecheckRow {
    pub id: &'static str,
    pub label: &'static str,
    /// `passed`, `passed_with_warning`, `failed`, `not_applicable`.
    pub outcome: &'static str,
    pub message: String,
    pub overridable: bool,
}

/// One discharge criterion.
pub(crate) struct CriterionRow {
    pub label: &'static str,
    pub met: bool,
    pub detail: String,
}

/// The live region: everything that changes while the patient sits in the chair.
pub(crate) struct Live {
    pub id: String,
    pub state_label: &'static str,
    pub chart: Option<VitalsChart>,
    pub latest: Option<LatestVitals>,
    pub alerts: Vec<AlertRow>,
    pub open_alerts: usize,
    pub checkpoint: Option<CheckpointRow>,
    pub closed: bool,
    pub csrf: String,
    pub criteria: Vec<CriterionRow>,
    pub discharge_ready: bool,
    pub ready_to_leave: Option<String>,
    pub minimum_until: Option<String>,
    pub timeline: Vec<TimelineRow>,
    /// The predicted plasma curve of what was given, with its pauses and rate changes (none
    /// before dosing; the session's dose calculator shows the planned curve until then).
    pub curve: Option<CurveView>,
}

/// The latest reading, large.
pub(crate) struct LatestVitals {
    pub time: String,
    pub bp: String,
    pub heart_rate: String,
    pub spo2: String,
    pub resp_rate: String,
}

pub(super) fn criterion_label(id: &str) -> &'static str {
    match id {
        "minimum_observation" => "Minimum observation time",
        "vitals_acceptable" => "Vital signs acceptable",
        "moaas_5" => "Fully alert (MOAA/S 5)",
        "dissociation_resolved" => "Dissociation resolved",
        "escort_confirmed" => "Escort confirmed",
        _ => "Criterion",
    }
}

fn checkpoint_item(i: Item) -> &'static str {
    match i {
        Item::BloodPressure => "blood pressure",
        Item::Moaas => "MOAA/S",
        Item::Cadss => "CADSS",
    }
}

pub(super) fn precheck_label(c: Precheck) -> &'static str {
    match c {
        Precheck::IdentityConfirmed => "Identity confirmed",
        Precheck::ConsentValid => "Consent valid",
        Precheck::RemsEnrolled => "SPRAVATO REMS enrolment",
        Precheck::EligibilityCurrent => "Eligibility decision current",
        Precheck::Fasting => "Fasting (no food 2 h, no liquids 30 min)",
        Precheck::EscortConfirmed => "Escort confirmed",
        Precheck::MedicationsReviewed => "New medications reviewed",
        Precheck::PregnancyStatus => "Pregnancy status",
        Precheck::PreSessionPhq9 => "Pre-session PHQ-9",
        Precheck::PreDoseVitals => "Pre-dose vital signs",
    }
}

pub(super) fn precheck_rows(status: &PrecheckStatus) -> Vec<PrecheckRow> {
    status
        .checks
        .iter()
        .map(|r| PrecheckRow {
            id: r.check.id(),
            label: precheck_label(r.check),
            outcome: r.outcome.name(),
            message: r.outcome.message().map(sentence).unwrap_or_default(),
            overridable: r.check.overridable(),
        })
        .collect()
}

fn event_label(e: SessionEvent) -> &'static str {
    match e {
        SessionEvent::CheckedIn => "Checked in",
        SessionEvent::PrechecksCompleted => "Pre-checks completed",
        SessionEvent::AdministrationStarted => "Administration started",
        SessionEvent::DeviceAdministered => "Device given (28 mg)",
        SessionEvent::AdministrationPaused => "Paused",
        SessionEvent::AdministrationResumed => "Resumed",
        SessionEvent::RateChanged => "Rate changed",
        SessionEvent::AdministrationStopped => "Administration stopped",
        SessionEvent::SideEffect => "Side effect",
        SessionEvent::Intervention => "Intervention",
        SessionEvent::Note => "Note",
        SessionEvent::EscortConfirmed => "Escort confirmed",
        SessionEvent::DissociationResolved => "Dissociation resolved (nurse)",
        SessionEvent::Discharged => "Discharged",
        SessionEvent::StoppedEarly => "Stopped early",
    }
}

/// The payload's fields in words (`dose_mg: 40`, `lot: K123` …), skipping bookkeeping.
fn payload_words(payload: &serde_json::Value) -> String {
    let Some(map) = payload.as_object() else { return String::new() };
    map.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "warning" | "unmet" | "prechecks"))
        .filter_map(|(k, v)| {
            let value = match v {
                serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
                _ => return None,
            };
            Some(format!("{}: {value}", k.replace('_', " ")))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn show(v: Option<u32>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| x.to_string())
}

pub(crate) fn live(ctx: &Ctx, view: &SessionView) -> Live {
    let now = ctx.state.app.now();
    let first = |kinds: &[SessionEvent]| view.events.iter().find(|e| kinds.contains(&e.event)).map(|e| e.at);
    let dosed = first(&[SessionEvent::AdministrationStarted, SessionEvent::DeviceAdministered]);
    let stopped = view.events.iter().rev().find(|e| e.event == SessionEvent::AdministrationStopped).map(|e| e.at);
    let start: Option<Timestamp> = [view.events.first().map(|e| e.at), view.vitals.iter().map(|r| r.at).min()].into_iter().flatten().min();
    let chart = start
        .filter(|_| !view.vitals.is_empty())
        .map(|s| vitals_chart::layout(&view.vitals, &view.session.thresholds, s, now, dosed.map(|d| (d, stopped.filter(|t| *t >= d)))));
    let latest = view.vitals.iter().max_by_key(|r| r.at).map(|r| LatestVitals {
        time: ctx.time(r.at),
        bp: format!("{}/{}", show(r.vitals.systolic), show(r.vitals.diastolic)),
        heart_rate: show(r.vitals.heart_rate),
        spo2: show(r.vitals.spo2),
        resp_rate: show(r.vitals.resp_rate),
    });
    let d = &view.discharge;
    let mut criteria: Vec<CriterionRow> = d.met.iter().map(|c| CriterionRow { label: criterion_label(c.id()), met: true, detail: String::new() }).collect();
    criteria.extend(d.unmet.iter().map(|(c, why)| CriterionRow { label: criterion_label(c.id()), met: false, detail: sentence(why) }));
    Live {
        id: view.session.id.to_string(),
        state_label: view.session.state.label(),
        chart,
        latest,
        alerts: view
            .alerts
            .iter()
            .rev()
            .map(|a| AlertRow {
                id: a.id.to_string(),
                time: ctx.time(a.at),
                message: sentence(&a.message),
                acknowledged: a.acknowledgement.as_ref().map(|k| {
                    let note = k.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
                    format!("Acknowledged {}{note}", ctx.time(k.at))
                }),
            })
            .collect(),
        open_alerts: view.alerts.iter().filter(|a| a.acknowledgement.is_none()).count(),
        checkpoint: view.next_checkpoint.as_ref().map(|c| CheckpointRow {
            what: c.what.iter().map(|i| checkpoint_item(*i)).collect::<Vec<_>>().join(", "),
            due: ctx.time(c.due_at),
            label: c.label.clone(),
            overdue: c.overdue,
        }),
        closed: view.session.state.is_closed(),
        csrf: ctx.actor.csrf_token.clone().unwrap_or_default(),
        criteria,
        discharge_ready: d.ready,
        ready_to_leave: d.ready_to_leave_at.map(|t| ctx.time(t)),
        minimum_until: d.minimum_until.map(|t| ctx.time(t)),
        curve: recorded_curve(ctx, view.session.modality, &view.events, now),
        timeline: view
            .events
            .iter()
            .rev()
            .map(|e| TimelineRow {
                time: ctx.time(e.at),
                what: event_label(e.event).to_owned(),
                detail: payload_words(&e.payload),
                warning: e.payload.get("warning").is_some(),
            })
            .collect(),
    }
}
