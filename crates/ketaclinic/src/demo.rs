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
const STAFF: [(Role, &str, &str, &str); 6] = [
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
async fn seed(app: &App) -> anyhow::Result<()> {
    let console = Actor::console();
    let grant = app.authorize::<perm::UserManage>(&console).await?;
    if !app.list_users(&grant).await?.is_empty() {
        return Ok(());
    }
    for (role, email, name, password) in STAFF {
        let input = NewUserInput { email: email.to_owned(), display_name: name.to_owned(), role: role.as_str().to_owned(), password: password.to_owned() };
        app.create_user(&grant, input).await?;
    }
    let front_desk = app.user_by_email(&grant, STAFF[0].1).await?;
    let desk = Actor {
        user_id: front_desk.id,
        email: front_desk.email.as_str().to_owned(),
        display_name: front_desk.display_name.as_str().to_owned(),
        role: Role::FrontDesk,
        via: ketaclinic_app::AuthVia::Console,
        csrf_token: None,
        client: ClientInfo::new(None, Some("ketaclinic demo seeding")),
    };
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
        .push_str(&format!("Open http://{}/ and log in as frontdesk to register and find patients; as auditor to see who opened each chart.\n", config.listen));
    crate::serve::serve(config, Some(banner)).await
}
