//! `ketaclinic demo`: a fictional clinic to click through. Every name, date and number here is
//! invented; none describes a real person.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use ketaclinic_app::clock::SystemClock;
use ketaclinic_app::patients::PatientInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::users::NewUserInput;
use ketaclinic_app::{Actor, App, ClientInfo};
use ketaclinic_domain::staff::Role;

use crate::config::{Config, Overrides};
use crate::storage::{self, Backend};

/// The demo accounts: (role, e-mail, name, password). Printed at start; demo only.
pub(crate) const STAFF: [(Role, &str, &str, &str); 6] = [
    (Role::FrontDesk, "frontdesk@demo.ketaclinic.test", "Robin Front", "demo-frontdesk-pass"),
    (Role::Nurse, "nurse@demo.ketaclinic.test", "Noor Chairside", "demo-nurse-pass-1"),
    (Role::Prescriber, "prescriber@demo.ketaclinic.test", "Dr Petra Scribe", "demo-prescriber-pass"),
    (Role::Therapist, "therapist@demo.ketaclinic.test", "Theo Listen", "demo-therapist-pass"),
    (Role::Admin, "admin@demo.ketaclinic.test", "Ada Minister", "demo-admin-pass-1"),
    (Role::Auditor, "auditor@demo.ketaclinic.test", "Aud Itor", "demo-auditor-pass"),
];

/// Fictional patients: given, family, birth date, sex, phone.
const PATIENTS: [(&str, &str, &str, &str, &str); 10] = [
    ("Marlow", "Fenwick", "1979-04-12", "female", "+1 555 010 0101"),
    ("Juniper", "Ashdown", "1988-11-30", "female", "+1 555 010 0102"),
    ("Tobias", "Wrenfield", "1965-02-08", "male", "+1 555 010 0103"),
    ("Sable", "Okonkwo-Hart", "1992-07-19", "other", "+1 555 010 0104"),
    ("Everett", "Quillan", "1971-09-03", "male", "+1 555 010 0105"),
    ("Priya", "Lindqvist", "1984-01-25", "female", "+1 555 010 0106"),
    ("Casimir", "Dunmore", "1958-06-14", "male", "+1 555 010 0107"),
    ("Wren", "Halloway", "1999-12-01", "unknown", "+1 555 010 0108"),
    ("Odessa", "Marchetti", "1976-03-22", "female", "+1 555 010 0109"),
    ("Lucan", "Brightwater", "1969-10-10", "male", "+1 555 010 0110"),
];

/// Seeds a fresh demo database (skipped when it already has staff).
pub(crate) async fn seed(app: &App) -> anyhow::Result<()> {
    let console = Actor::console();
    let grant = app.authorize::<perm::UserManage>(&console).await?;
    if !app.list_users(&grant).await?.is_empty() {
        return Ok(());
    }
    for (role, email, name, password) in STAFF {
        let input = NewUserInput { email: email.to_owned(), display_name: name.to_owned(), role: role.as_str().to_owned(), password: password.to_owned() };
        app.create_user(&grant, input).await?;
    }
    let desk = staff_actor(app, &grant, 0).await?;
    let register = app.authorize::<perm::PatientRegister>(&desk).await?;
    for (given, family, born, sex, phone) in PATIENTS {
        let input = PatientInput {
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            birth_date: born.to_owned(),
            sex: sex.to_owned(),
            phone: Some(phone.to_owned()),
            email: Some(format!("{}.{}@example.org", given.to_lowercase(), family.to_lowercase().replace('-', ""))),
        };
        app.register_patient(&register, &input, None).await?;
    }
    seed_assessments(app, &grant).await?;
    crate::demo_chart::seed(app, &grant).await?;
    let chairs = crate::demo_sessions::seed(app, &grant).await?;
    crate::demo_register::seed(app, &grant, &chairs).await
}

/// The demo account `STAFF[index]` as an acting member of staff (for seeding through the same
/// use cases the UI calls, so seeded data is audited like any other).
pub(crate) async fn staff_actor(app: &App, grant: &ketaclinic_app::Granted<perm::UserManage>, index: usize) -> anyhow::Result<Actor> {
    let (role, email, _, _) = STAFF.get(index).copied().context("no such demo account")?;
    let user = app.user_by_email(grant, email).await?;
    Ok(Actor {
        user_id: user.id,
        email: user.email.as_str().to_owned(),
        display_name: user.display_name.as_str().to_owned(),
        role,
        via: ketaclinic_app::AuthVia::Console,
        csrf_token: None,
        client: ClientInfo::new(None, Some("ketaclinic demo seeding")),
    })
}

/// Fictional PHQ-9 courses, one point a week for six weeks (totals), with what they show:
/// remission, no response, response then relapse, steady response. The last patient reports
/// suicidal ideation today, which raises an open safety alert for the prescribers.
const PHQ9_COURSES: [(&str, [u32; 6]); 4] =
    [("Fenwick", [21, 15, 9, 6, 4, 3]), ("Ashdown", [19, 18, 17, 18, 16, 17]), ("Wrenfield", [22, 10, 6, 8, 13, 15]), ("Okonkwo-Hart", [16, 13, 11, 10, 9, 8])];

/// PHQ-9 answers adding up to `total` (items 1–8 in order, item 9 as given).
fn phq9_answers(total: u32, item9: u32) -> serde_json::Value {
    let mut left = total.saturating_sub(item9);
    let mut answers = serde_json::Map::new();
    for item in 1..=8 {
        let value = left.min(3);
        left -= value;
        answers.insert(item.to_string(), serde_json::Value::from(value));
    }
    answers.insert("9".to_owned(), serde_json::Value::from(item9));
    serde_json::Value::Object(answers)
}

async fn seed_assessments(app: &App, admin: &ketaclinic_app::Granted<perm::UserManage>) -> anyhow::Result<()> {
    let nurse = staff_actor(app, admin, 1).await?;
    let record = app.authorize::<perm::AssessmentRecord>(&nurse).await?;
    let read = app.authorize::<perm::PatientRead>(&nurse).await?;
    let now = app.now();
    let week = jiff::SignedDuration::from_hours(24 * 7);
    for (family, totals) in PHQ9_COURSES {
        let found = app.search_patients(&read, family, None, Some(1), false).await?;
        let Some(patient) = found.items.first() else { continue };
        for (i, total) in totals.iter().enumerate() {
            let weeks_ago = i32::try_from(6 - i).unwrap_or(0);
            let input = ketaclinic_app::assessments::AssessmentInput {
                instrument: "phq9".to_owned(),
                answers: phq9_answers(*total, 0),
                administered_at: Some(now.checked_sub(week * weeks_ago).unwrap_or(now)),
                session_id: None,
            };
            app.record_assessment(&record, patient.id, input).await?;
        }
    }
    let found = app.search_patients(&read, "Lindqvist", None, Some(1), false).await?;
    if let Some(patient) = found.items.first() {
        let input = ketaclinic_app::assessments::AssessmentInput {
            instrument: "phq9".to_owned(),
            answers: phq9_answers(14, 1),
            administered_at: None,
            session_id: None,
        };
        app.record_assessment(&record, patient.id, input).await?;
    }
    Ok(())
}

/// Seeds and serves the demo clinic.
pub async fn run(config_file: Option<&Path>, mut overrides: Overrides) -> anyhow::Result<()> {
    // A throwaway directory unless the operator chose one: the demo never touches real data.
    let temp = if overrides.data_dir.is_none() && overrides.database_url.is_none() {
        let dir = std::env::temp_dir().join(format!("ketaclinic-demo-{}", uuid::Uuid::now_v7().simple()));
        overrides.data_dir = Some(dir.clone());
        Some(dir)
    } else {
        None
    };
    let mut config = Config::load(config_file, &overrides)?;
    if config.clinic.name == "Example Clinic" {
        "Riverside Ketamine Clinic (demo)".clone_into(&mut config.clinic.name);
    }
    crate::serve::init_tracing(&config.log_format);
    let opened = storage::open(&Backend::from_config(&config)?).await?;
    let app = App::new(opened.store, Arc::new(SystemClock), config.settings()?);
    seed(&app).await.context("cannot seed the demo clinic")?;
    drop(app);
    let mut banner = String::from("\nketaclinic demo — fictional clinic, fictional patients.\n");
    if let Some(dir) = &temp {
        banner.push_str(&format!("Data (throwaway): {}\n", dir.display()));
    }
    banner.push_str("Demo logins (role, e-mail, password):\n");
    for (role, email, _, password) in STAFF {
        banner.push_str(&format!("  {:<11} {:<34} {}\n", role.as_str(), email, password));
    }
    banner
        .push_str(&format!("Open http://{}/ and log in as frontdesk to register patients and convert the booked enquiry (Ione Carrow); as nurse to open the chair board (three chairs in use), acknowledge Fenwick's blood-pressure alert and see the controlled-substance register (stock in two safes, today's draws); as prescriber to see PHQ-9 trends (Fenwick, Wrenfield), Fenwick's signed evaluation and eligibility, and acknowledge the open safety alert; as auditor to see who opened each chart.\n", config.listen));
    crate::serve::serve(config, Some(banner)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use ketaclinic_app::register::{ReportKind, ReportPeriod};

    /// The demo seeds on a fresh database, and its register reconciles with its sessions and
    /// verifies (the demo is what a new user sees first; it must be consistent).
    #[tokio::test]
    async fn the_demo_seeds_and_its_register_reconciles() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(ketaclinic_store_sqlite::SqliteStore::open(&dir.path().join("demo.db")).await?);
        let app = App::new(store, Arc::new(SystemClock), ketaclinic_app::Settings::default());
        seed(&app).await?;
        let report = app.verify_ledger().await?.map_err(|e| anyhow::anyhow!(e))?;
        assert_eq!(report.containers, 5 + 6 + 2, "five vials, three kits of two devices, two vials");
        let admin = app.authorize::<perm::UserManage>(&Actor::console()).await?;
        let prescriber = staff_actor(&app, &admin, 2).await?;
        let read = app.authorize::<perm::InventoryRead>(&prescriber).await?;
        let today = app.settings().timezone.to_datetime(app.now()).date();
        let period = ReportPeriod::parse(None, None, today).map_err(|e| anyhow::anyhow!(e))?;
        let reconciliation = app.register_report(&read, ReportKind::Reconciliation, period).await?;
        assert!(reconciliation.rows.is_empty(), "{:?}", reconciliation.rows);
        let log = app.register_report(&read, ReportKind::Administrations, period).await?;
        assert_eq!(log.rows.len(), 3, "Chair 1's infusion and Chair 2's two devices");
        Ok(())
    }
}
