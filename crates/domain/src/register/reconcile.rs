//! Reconciliation of the sessions' administration records against the ledger.
//!
//! A session's chart says what was given (the `dose_mg` of `administration_started` for IV/IM,
//! 28 mg per `device_administered` for esketamine); the ledger says what was drawn for the
//! session and administered from those draws. They must agree. Four kinds of mismatch:
//! - a session with an administration but no draw at all;
//! - a draw for a session that has no administration recorded in the session;
//! - a session whose charted dose differs from what the ledger says was administered;
//! - a draw that still holds drug (not administered, wasted or returned).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::ids::{LedgerEntryId, PatientId, TreatmentSessionId};
use crate::register::ledger::DrawBalance;
use crate::register::quantity::Qty;
use crate::session::SessionEvent;

/// Milligrams in one SPRAVATO device (REFERENCE §2.1).
const DEVICE_UG: u64 = 28_000;

/// What a session's chart says was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartedAdministration {
    pub session_id: TreatmentSessionId,
    pub patient_id: PatientId,
    /// When the first dose went in.
    pub at: Timestamp,
    /// The charted amount in micrograms.
    pub ug: u64,
}

/// The charted amount from a session's events: `(at, event, payload)` in time order. `None`
/// when nothing was administered.
pub fn charted_ug(events: &[(Timestamp, SessionEvent, &serde_json::Value)]) -> Option<(Timestamp, u64)> {
    let mut first = None;
    let mut ug: u64 = 0;
    for (at, event, payload) in events {
        let add = match event {
            SessionEvent::AdministrationStarted => payload.get("dose_mg").and_then(serde_json::Value::as_f64).map(mg_to_ug),
            SessionEvent::DeviceAdministered => Some(DEVICE_UG),
            _ => None,
        };
        if let Some(add) = add {
            first.get_or_insert(*at);
            ug = ug.saturating_add(add);
        }
    }
    first.map(|at| (at, ug))
}

/// Milligrams (as charted, e.g. 37.5) to whole micrograms.
fn mg_to_ug(mg: f64) -> u64 {
    if !mg.is_finite() || mg <= 0.0 {
        return 0;
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "finite, positive, and charted doses are below 1000 mg")]
    let ug = (mg * 1000.0).round().min(1e15) as u64;
    ug
}

/// One mismatch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    AdministeredWithoutDraw { session_id: TreatmentSessionId, patient_id: PatientId, at: Timestamp, charted: u64 },
    DrawWithoutAdministration { session_id: TreatmentSessionId, draw_id: LedgerEntryId, at: Timestamp, drawn: Qty },
    AmountsDiffer { session_id: TreatmentSessionId, patient_id: PatientId, at: Timestamp, charted: u64, ledger: u64 },
    OpenDraw { session_id: TreatmentSessionId, draw_id: LedgerEntryId, at: Timestamp, outstanding: Qty },
}

impl Mismatch {
    pub fn label(&self) -> &'static str {
        match self {
            Self::AdministeredWithoutDraw { .. } => "Administered, but nothing drawn in the register",
            Self::DrawWithoutAdministration { .. } => "Drawn for a session with no administration charted",
            Self::AmountsDiffer { .. } => "Charted dose differs from the register",
            Self::OpenDraw { .. } => "Drawn drug not yet administered, wasted or returned",
        }
    }

    pub fn session_id(&self) -> TreatmentSessionId {
        match self {
            Self::AdministeredWithoutDraw { session_id, .. }
            | Self::DrawWithoutAdministration { session_id, .. }
            | Self::AmountsDiffer { session_id, .. }
            | Self::OpenDraw { session_id, .. } => *session_id,
        }
    }
}

/// Compares charted administrations with the draws of the same period. `draws` are the draws
/// made for the sessions under review (and any other draws of the period).
pub fn reconcile<'a>(charted: &[ChartedAdministration], draws: impl IntoIterator<Item = &'a DrawBalance>) -> Vec<Mismatch> {
    let mut by_session: BTreeMap<TreatmentSessionId, Vec<&DrawBalance>> = BTreeMap::new();
    for d in draws {
        by_session.entry(d.session_id).or_default().push(d);
    }
    let mut out = Vec::new();
    for c in charted {
        match by_session.get(&c.session_id) {
            None => out.push(Mismatch::AdministeredWithoutDraw { session_id: c.session_id, patient_id: c.patient_id, at: c.at, charted: c.ug }),
            Some(draws) => {
                let ledger: u64 = draws.iter().map(|d| d.administered.ug).sum();
                if ledger != c.ug {
                    out.push(Mismatch::AmountsDiffer { session_id: c.session_id, patient_id: c.patient_id, at: c.at, charted: c.ug, ledger });
                }
            }
        }
    }
    let charted_sessions: std::collections::BTreeSet<_> = charted.iter().map(|c| c.session_id).collect();
    for (session, draws) in &by_session {
        for d in draws {
            if !charted_sessions.contains(session) {
                out.push(Mismatch::DrawWithoutAdministration { session_id: *session, draw_id: d.id, at: d.at, drawn: d.drawn });
            }
            if !d.outstanding().is_zero() {
                out.push(Mismatch::OpenDraw { session_id: *session, draw_id: d.id, at: d.at, outstanding: d.outstanding() });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ContainerId;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn sid(n: u128) -> TreatmentSessionId {
        TreatmentSessionId(uuid::Uuid::from_u128(n))
    }

    fn draw(n: u128, session: u128, drawn_ul: u64, administered_ul: u64, wasted_ul: u64) -> DrawBalance {
        let q = |ul: u64| Qty { ul, ug: ul * 50 };
        DrawBalance {
            id: LedgerEntryId(uuid::Uuid::from_u128(n)),
            container_id: ContainerId(uuid::Uuid::nil()),
            session_id: sid(session),
            at: ts(0),
            drawn: q(drawn_ul),
            administered: q(administered_ul),
            wasted: q(wasted_ul),
            returned: Qty::ZERO,
        }
    }

    fn charted(session: u128, ug: u64) -> ChartedAdministration {
        ChartedAdministration { session_id: sid(session), patient_id: PatientId(uuid::Uuid::from_u128(session)), at: ts(60), ug }
    }

    #[test]
    fn charted_amounts() {
        let dose = serde_json::json!({"dose_mg": 37.5});
        let none = serde_json::json!({});
        assert_eq!(charted_ug(&[(ts(0), SessionEvent::CheckedIn, &none), (ts(5), SessionEvent::AdministrationStarted, &dose)]), Some((ts(5), 37_500)));
        let devices = [
            (ts(0), SessionEvent::DeviceAdministered, &none),
            (ts(300), SessionEvent::DeviceAdministered, &none),
            (ts(600), SessionEvent::DeviceAdministered, &none),
        ];
        assert_eq!(charted_ug(&devices), Some((ts(0), 84_000)));
        assert_eq!(charted_ug(&[(ts(0), SessionEvent::CheckedIn, &none)]), None);
    }

    #[test]
    fn finds_each_kind_of_mismatch() {
        // Session 1 reconciles: 40 mg charted, 40 mg administered, the rest wasted.
        // Session 2 charted but never drawn. Session 3 drawn, nothing charted.
        // Session 4 charted 40 mg, ledger says 35 mg. Session 5 balanced but a draw is still open.
        let draws = [draw(11, 1, 1_000, 800, 200), draw(13, 3, 800, 0, 800), draw(14, 4, 800, 700, 100), draw(15, 5, 1_000, 800, 0)];
        let found = reconcile(&[charted(1, 40_000), charted(2, 40_000), charted(4, 40_000), charted(5, 40_000)], &draws);
        let kinds: Vec<(&str, TreatmentSessionId)> = found
            .iter()
            .map(|m| {
                let k = match m {
                    Mismatch::AdministeredWithoutDraw { .. } => "no_draw",
                    Mismatch::DrawWithoutAdministration { .. } => "no_admin",
                    Mismatch::AmountsDiffer { charted, ledger, .. } => {
                        assert_eq!((*charted, *ledger), (40_000, 35_000));
                        "differs"
                    }
                    Mismatch::OpenDraw { outstanding, .. } => {
                        assert_eq!(outstanding.ul, 200);
                        "open"
                    }
                };
                (k, m.session_id())
            })
            .collect();
        assert_eq!(kinds, vec![("no_draw", sid(2)), ("differs", sid(4)), ("no_admin", sid(3)), ("open", sid(5))]);
        assert!(reconcile(&[charted(1, 40_000)], &draws[..1]).is_empty(), "a balanced session reconciles");
    }
}
