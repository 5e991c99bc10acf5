//! Demo chairside sessions, so the chair board and the session page have something to show:
//! Fenwick mid-infusion in Chair 1 (IV ketamine, one blood pressure above the alert line not yet
//! acknowledged), Okonkwo-Hart observed after two esketamine devices in Chair 2, and Ashdown just
//! checked in to Chair 3. Everything goes through the same use cases the UI calls, with times
//! in the recent past (documented as if by the nurse), so it is audited like any other record.

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use ketaclinic_app::App;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::session_prechecks::PrecheckInput;
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_domain::session::{VitalReading, Vitals};
use serde_json::json;

use crate::demo::staff_actor;

fn reading(at: Timestamp, systolic: u32, diastolic: u32, heart_rate: u32, spo2: u32) -> VitalReading {
    VitalReading {
        at,
        device_id: "demo-monitor".to_owned(),
        vitals: Vitals { systolic: Some(systolic), diastolic: Some(diastolic), heart_rate: Some(heart_rate), spo2: Some(spo2), resp_rate: Some(14) },
    }
}

/// A patient's id by family name.
async fn patient(app: &App, actor: &ketaclinic_app::Actor, family: &str) -> anyhow::Result<ketaclinic_domain::ids::PatientId> {
    let read = app.authorize::<perm::PatientRead>(actor).await?;
    let found = app.search_patients(&read, family, None, Some(1), false).await?;
    found.items.first().map(|p| p.id).with_context(|| format!("demo patient {family}"))
}

/// The dosed demo sessions, for the register's draws.
pub struct DosedChairs {
    /// Chair 1: IV ketamine, 40 mg from a 10 mg/mL vial.
    pub iv: TreatmentSessionId,
    /// Chair 2: esketamine, two devices.
    pub esketamine: TreatmentSessionId,
}

/// Seeds the open sessions.
pub async fn seed(app: &App, admin: &ketaclinic_app::Granted<perm::UserManage>) -> anyhow::Result<DosedChairs> {
    let nurse = staff_actor(app, admin, 1).await?;
    let prescriber = staff_actor(app, admin, 2).await?;
    let write = app.authorize::<perm::ClinicalWrite>(&nurse).await?;
    let override_grant = app.authorize::<perm::ClinicalWrite>(&prescriber).await?;
    let now = app.now();
    let ago = |minutes: i64| now.checked_sub(SignedDuration::from_mins(minutes)).unwrap_or(now);
    let escort = |name: &str, phone: &str| Some((name.to_owned(), phone.to_owned()));

    // Chair 1: Fenwick, IV ketamine 0.5 mg/kg over 40 min, 30 minutes in.
    let fenwick = patient(app, &nurse, "Fenwick").await?;
    let s = app.create_session(&write, fenwick, "iv_ketamine", None, Some("Chair 1")).await?;
    let iv = s.id;
    app.record_session_event(&write, s.id, "checked_in", Some(ago(45)), json!({})).await?;
    app.record_vitals(&write, s.id, vec![reading(ago(42), 128, 82, 72, 98)]).await?;
    let checks = PrecheckInput {
        identity_confirmed: true,
        fasting_confirmed: None,
        escort: escort("Hollis Fenwick", "+1 212 555 0151"),
        medications_reviewed: true,
        pregnancy: Some("not_pregnant".to_owned()),
        overrides: Vec::new(),
        at: Some(ago(38)),
    };
    prechecks(app, &write, s.id, &checks).await?;
    app.record_session_event(
        &write,
        s.id,
        "administration_started",
        Some(ago(30)),
        json!({"dose_mg": 40, "lot": "DEMO-K-0425", "concentration_mg_per_ml": 10, "drawn_volume_ml": 4, "rate_ml_per_hour": 156}),
    )
    .await?;
    let infusion = [(25, 138, 86, 80, 97), (20, 152, 90, 84, 97), (15, 184, 97, 90, 96), (10, 166, 92, 86, 97), (5, 158, 88, 84, 98)];
    app.record_vitals(&write, s.id, infusion.iter().map(|(m, sys, dia, hr, o2)| reading(ago(*m), *sys, *dia, *hr, *o2)).collect()).await?;

    // Chair 2: Okonkwo-Hart, esketamine 56 mg (two devices), observed since.
    let hart = patient(app, &nurse, "Okonkwo-Hart").await?;
    let s = app.create_session(&write, hart, "esketamine_nasal", None, Some("Chair 2")).await?;
    let esketamine = s.id;
    app.record_session_event(&write, s.id, "checked_in", Some(ago(95)), json!({})).await?;
    app.record_vitals(&write, s.id, vec![reading(ago(92), 124, 78, 70, 99)]).await?;
    let checks = PrecheckInput {
        identity_confirmed: true,
        fasting_confirmed: Some(true),
        escort: escort("Remy Hart", "+1 212 555 0154"),
        medications_reviewed: true,
        pregnancy: Some("not_applicable".to_owned()),
        overrides: vec![("eligibility_current".to_owned(), "Demo: the decision was made at the consult and is being entered.".to_owned())],
        at: Some(ago(88)),
    };
    prechecks(app, &override_grant, s.id, &checks).await?;
    for minutes in [80, 75] {
        app.record_session_event(&write, s.id, "device_administered", Some(ago(minutes)), json!({"dose_mg": 28, "lot": "DEMO-S-1187"})).await?;
    }
    app.record_session_event(&write, s.id, "administration_stopped", Some(ago(74)), json!({})).await?;
    let observed = [(65, 134, 84, 76, 98), (50, 148, 90, 80, 97), (40, 142, 88, 78, 98), (25, 132, 82, 74, 98)];
    app.record_vitals(&write, s.id, observed.iter().map(|(m, sys, dia, hr, o2)| reading(ago(*m), *sys, *dia, *hr, *o2)).collect()).await?;
    app.record_session_event(&write, s.id, "side_effect", Some(ago(60)), json!({"effect": "dissociation", "severity": "mild"})).await?;

    // Chair 3: Ashdown, just arrived.
    let ashdown = patient(app, &nurse, "Ashdown").await?;
    let s = app.create_session(&write, ashdown, "iv_ketamine", None, Some("Chair 3")).await?;
    app.record_session_event(&write, s.id, "checked_in", Some(ago(3)), json!({})).await?;
    Ok(DosedChairs { iv, esketamine })
}

async fn prechecks(app: &App, grant: &ketaclinic_app::Granted<perm::ClinicalWrite>, id: TreatmentSessionId, input: &PrecheckInput) -> anyhow::Result<()> {
    match app.complete_prechecks(grant, id, input).await? {
        Ok(_) => Ok(()),
        Err(refused) => anyhow::bail!("demo pre-checks refused: {:?}", refused.unmet),
    }
}
