//! Configuration: defaults ← TOML file (`--config`) ← `KETACLINIC_*` environment ← flags.
//!
//! Nested keys use a double underscore in the environment (`KETACLINIC_CLINIC__TIMEZONE`).
//! The database URL may hold a password, so it is a [`SecretString`] and never printed.

use ketaclinic_domain::eligibility::{DrugTable, EligibilityPolicy, Protocol, RuleOverride, TrdPolicy};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use jiff::SignedDuration;
use ketaclinic_app::Settings;
use ketaclinic_app::settings::AuthSettings;
use ketaclinic_domain::calendar::{BusinessCalendar, OpeningHours};
use ketaclinic_domain::instruments::ScoringSettings;
use ketaclinic_domain::outcome::RemissionThresholds;
use ketaclinic_domain::patient::MrnPrefix;
use ketaclinic_domain::phone::PhoneRegion;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

mod fhir;
mod hl7;
mod register;

pub use fhir::FhirConfig;
pub use hl7::Hl7Config;
pub use register::RegisterConfig;

/// Clinic calendar and identity (`[clinic]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ClinicConfig {
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Weekday (`mon`…`sun`) → `HH:MM-HH:MM`; a day left out is closed. Parsed and checked
    /// here so a typo fails at start-up. `None` (the key absent) means Monday–Friday
    /// 09:00–17:00. It is an `Option` rather than a defaulted map because figment merges maps
    /// key by key: a defaulted map would keep Tuesday–Friday open in a file that lists only
    /// Monday, contradicting "a day left out is closed".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BTreeMap<String, String>>,
    /// Closed dates (clinic-local, `YYYY-MM-DD`).
    pub holidays: Vec<String>,
    /// Prefix of generated MRNs.
    pub mrn_prefix: String,
    /// Region of phone numbers written without a country code: a North American Numbering
    /// Plan country (`US`, `CA` …) or `international` (every number needs `+`).
    pub phone_region: String,
    /// The setting's address and telephone as the SPRAVATO REMS monitoring form asks for them
    /// (REFERENCE §2.6 items 3–4). Empty by default: a blank value is reported as missing on
    /// the form, never invented.
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    /// A ZIP code is text ("02134" keeps its zero), but an environment variable like
    /// `KETACLINIC_CLINIC__ZIP=62701` arrives as a number: both are read as text.
    #[serde(deserialize_with = "text_or_number")]
    pub zip: String,
    #[serde(deserialize_with = "text_or_number")]
    pub phone: String,
}

/// A string, or a number taken as its digits (values from environment variables).
fn text_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(u64),
    }
    Ok(match Raw::deserialize(deserializer)? {
        Raw::Text(s) => s,
        Raw::Number(n) => n.to_string(),
    })
}

/// Weekday keys of `business_hours`, Monday first (the calendar's index order).
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl ClinicConfig {
    /// Parses hours and holidays into the business calendar, so a typo fails at start-up.
    fn calendar(&self, timezone: jiff::tz::TimeZone) -> anyhow::Result<BusinessCalendar> {
        let Some(business_hours) = &self.business_hours else {
            return Ok(BusinessCalendar::weekdays_nine_to_five(timezone).with_holidays(self.holidays()?));
        };
        let mut hours = [None; 7];
        for (day, span) in business_hours {
            let slot = WEEKDAYS
                .iter()
                .position(|d| d == day)
                .and_then(|i| hours.get_mut(i))
                .with_context(|| format!("clinic.business_hours: unknown day {day:?} (use mon … sun)"))?;
            let (open, close) = span.split_once('-').with_context(|| format!("clinic.business_hours.{day}: expected HH:MM-HH:MM"))?;
            let open: jiff::civil::Time = open.trim().parse().with_context(|| format!("clinic.business_hours.{day}: bad opening time"))?;
            let close: jiff::civil::Time = close.trim().parse().with_context(|| format!("clinic.business_hours.{day}: bad closing time"))?;
            let span = OpeningHours::new(open, close).map_err(|e| anyhow::anyhow!("clinic.business_hours.{day}: {}", e.message))?;
            *slot = Some(span);
        }
        BusinessCalendar::new(timezone, hours, self.holidays()?).map_err(|e| anyhow::anyhow!("clinic.business_hours: {}", e.message))
    }

    fn holidays(&self) -> anyhow::Result<BTreeSet<jiff::civil::Date>> {
        self.holidays
            .iter()
            .map(|day| day.parse::<jiff::civil::Date>().with_context(|| format!("clinic.holidays: {day:?} is not a date (YYYY-MM-DD)")))
            .collect()
    }
}

impl Default for ClinicConfig {
    fn default() -> Self {
        Self {
            name: ketaclinic_app::settings::PLACEHOLDER_CLINIC_NAME.to_owned(),
            timezone: "UTC".to_owned(),
            business_hours: None,
            holidays: Vec::new(),
            mrn_prefix: "KC-".to_owned(),
            phone_region: "US".to_owned(),
            address_1: String::new(),
            address_2: String::new(),
            city: String::new(),
            state: String::new(),
            zip: String::new(),
            phone: String::new(),
        }
    }
}

/// Authentication policy (`[auth]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AuthConfig {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub lockout_threshold: u32,
    pub lockout_minutes: i64,
    /// Login attempts per minute from one address (0 turns the limit off).
    pub login_attempts_per_minute: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { session_idle_minutes: 30, session_absolute_hours: 12, lockout_threshold: 5, lockout_minutes: 15, login_attempts_per_minute: 20 }
    }
}

/// Everything `serve` and the other commands read.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    pub data_dir: PathBuf,
    #[serde(skip_serializing)]
    pub database_url: Option<SecretString>,
    pub listen: SocketAddr,
    pub hl7_listen: Option<SocketAddr>,
    /// `text` or `json`.
    pub log_format: String,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Mark cookies `Secure` even without built-in TLS (behind an HTTPS reverse proxy).
    pub secure_cookies: bool,
    /// The server's public base URL (`https://clinic.example.org`), from which FHIR fullUrls and
    /// the canonical URLs of local code systems are made. Defaults to the listen address; set it
    /// behind a reverse proxy, and keep it stable.
    pub public_url: Option<String>,
    pub clinic: ClinicConfig,
    pub auth: AuthConfig,
    /// Clinic-protocol scoring thresholds (`[instruments] pcl5_cutoff`, `madrs_suicide_item_min`).
    pub instruments: ScoringSettings,
    /// Clinic-protocol remission thresholds (`[remission] phq9_max = 4`, `gad7_max`, `qids_sr16_max`, `madrs_max`).
    pub remission: RemissionThresholds,
    pub alerts: AlertConfig,
    pub enquiries: EnquiryConfig,
    pub eligibility: EligibilityConfig,
    pub self_report: SelfReportConfig,
    pub dashboard: DashboardConfig,
    pub sessions: SessionsConfig,
    pub register: RegisterConfig,
    pub hl7: Hl7Config,
    pub fhir: FhirConfig,
}

/// The chairside session protocol (`[sessions]`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SessionsConfig {
    /// Ask for a PHQ-9 on the day of each session as a pre-check (default off).
    pub pre_session_phq9: bool,
}

/// The outcome dashboard (`[dashboard]`): end of induction, days after baseline, until
/// treatment courses record it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DashboardConfig {
    /// IV/IM ketamine: 6 infusions over 2–3 weeks (REFERENCE §1.3).
    pub induction_days_ketamine: i64,
    /// Esketamine: evaluate at week 4 (REFERENCE §2.3).
    pub induction_days_esketamine: i64,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self { induction_days_ketamine: 21, induction_days_esketamine: 28 }
    }
}

/// Patient self-report links (`[self_report]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SelfReportConfig {
    /// How long a new link stays open, hours (1–168).
    pub validity_hours: i64,
    /// Opening or submitting links: attempts per minute from one address (0 turns it off).
    pub per_minute_per_ip: u32,
}

impl Default for SelfReportConfig {
    fn default() -> Self {
        Self { validity_hours: 72, per_minute_per_ip: 30 }
    }
}

/// The eligibility protocol (`[eligibility]`): TRD thresholds and changes to policy rules.
///
/// ```toml
/// [eligibility]
/// trd = { min_weeks = 6, min_failed_trials = 2 }
/// rules = [{ rule = "psychosis", modality = "iv_ketamine", kind = "caution" }]
/// ```
/// A line that changes a label rule (SPRAVATO contraindications) is refused at start.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EligibilityConfig {
    pub trd: TrdPolicy,
    pub rules: Vec<RuleOverride>,
}

/// The public enquiry form (`[enquiries]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct EnquiryConfig {
    /// Enquiries accepted per minute from one address (0 turns the limit off).
    pub per_minute_per_ip: u32,
}

impl Default for EnquiryConfig {
    fn default() -> Self {
        Self { per_minute_per_ip: 20 }
    }
}

/// Safety alerts (`[alerts]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AlertConfig {
    /// Minutes before an unacknowledged alert is escalated.
    pub escalate_after_minutes: i64,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self { escalate_after_minutes: 15 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./ketaclinic-data"),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            hl7_listen: None,
            log_format: "text".to_owned(),
            tls_cert: None,
            tls_key: None,
            secure_cookies: false,
            public_url: None,
            clinic: ClinicConfig::default(),
            auth: AuthConfig::default(),
            instruments: ScoringSettings::default(),
            remission: RemissionThresholds::default(),
            alerts: AlertConfig::default(),
            enquiries: EnquiryConfig::default(),
            eligibility: EligibilityConfig::default(),
            self_report: SelfReportConfig::default(),
            dashboard: DashboardConfig::default(),
            sessions: SessionsConfig::default(),
            register: RegisterConfig::default(),
            hl7: Hl7Config::default(),
            fhir: FhirConfig::default(),
        }
    }
}

/// Flags that override configuration when given.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hl7_listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
}

impl Config {
    /// Loads defaults, then the TOML file, then the environment, then the flags.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                bail!("configuration file {} does not exist", file.display());
            }
            figment = figment.merge(Toml::file(file));
        }
        let figment = figment
            .merge(Env::prefixed("KETACLINIC_").split("__").ignore(&["config", "test_postgres_url", "require_postgres"]))
            .merge(Serialized::defaults(overrides));
        let config: Config = figment.extract().context("invalid configuration")?;
        config.settings().context("invalid configuration")?;
        config.hl7.check(config.hl7_listen.is_some()).context("invalid configuration")?;
        config.fhir.check().context("invalid configuration")?;
        Ok(config)
    }

    /// The settings the use cases run with, checked.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let timezone =
            jiff::tz::TimeZone::get(&self.clinic.timezone).with_context(|| format!("clinic.timezone: unknown IANA time zone {:?}", self.clinic.timezone))?;
        let mrn_prefix = MrnPrefix::parse(&self.clinic.mrn_prefix).map_err(|e| anyhow::anyhow!("clinic.mrn_prefix {}", e.message))?;
        let calendar = self.clinic.calendar(timezone.clone())?;
        let phone_region = PhoneRegion::parse(&self.clinic.phone_region).map_err(|e| anyhow::anyhow!("clinic.phone_region {}", e.message))?;
        let scoring = &self.instruments;
        if !(1..=80).contains(&scoring.pcl5_cutoff) {
            bail!("instruments.pcl5_cutoff must be between 1 and 80 (the PCL-5 total range)");
        }
        if !(1..=6).contains(&scoring.madrs_suicide_item_min) {
            bail!("instruments.madrs_suicide_item_min must be between 1 and 6 (MADRS item 10 range)");
        }
        if !(1..=24 * 60).contains(&self.alerts.escalate_after_minutes) {
            bail!("alerts.escalate_after_minutes must be between 1 and 1440");
        }
        let a = &self.auth;
        if a.session_idle_minutes < 1 || a.session_absolute_hours < 1 || a.lockout_threshold < 1 || a.lockout_minutes < 1 {
            bail!("auth: durations and the lockout threshold must be at least 1");
        }
        if self.eligibility.trd.min_weeks < 1 || self.eligibility.trd.min_failed_trials < 1 {
            bail!("eligibility.trd: min_weeks and min_failed_trials must be at least 1");
        }
        let rules = EligibilityPolicy::from_overrides(self.eligibility.rules.clone()).map_err(|e| anyhow::anyhow!("eligibility.rules: {e}"))?;
        let d = &self.dashboard;
        if !(1..=365).contains(&d.induction_days_ketamine) || !(1..=365).contains(&d.induction_days_esketamine) {
            bail!("dashboard: induction days must be between 1 and 365");
        }
        let self_report_validity = ketaclinic_domain::self_report::check_validity_hours(self.self_report.validity_hours)
            .map_err(|e| anyhow::anyhow!("self_report.validity_hours {}", e.message))?;
        if let Some(url) = self.public_url.as_deref().map(str::trim).filter(|u| !u.is_empty())
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bail!("public_url must start with https:// or http:// (it is the base of FHIR URLs)");
        }
        let register = self.register.settings()?;
        Ok(Settings {
            beyond_use_days: register.beyond_use_days,
            dea_registration: register.dea_registration,
            permission_overrides: register.permission_overrides,
            auth: AuthSettings {
                session_idle: SignedDuration::from_mins(a.session_idle_minutes),
                session_absolute: SignedDuration::from_hours(a.session_absolute_hours),
                lockout_threshold: a.lockout_threshold,
                lockout_duration: SignedDuration::from_mins(a.lockout_minutes),
                login_attempts_per_minute_per_ip: a.login_attempts_per_minute,
            },
            mrn_prefix,
            timezone,
            scoring: self.instruments,
            remission: self.remission,
            alert_escalation: SignedDuration::from_mins(self.alerts.escalate_after_minutes),
            calendar,
            phone_region,
            enquiries_per_minute_per_ip: self.enquiries.per_minute_per_ip,
            eligibility: Protocol { drugs: DrugTable::default(), trd: self.eligibility.trd, rules },
            self_report_per_minute_per_ip: self.self_report.per_minute_per_ip,
            self_report_validity,
            induction_days_ketamine: d.induction_days_ketamine,
            induction_days_esketamine: d.induction_days_esketamine,
            session_thresholds: ketaclinic_domain::session::Thresholds::default(),
            pre_session_phq9: self.sessions.pre_session_phq9,
            clinic: ketaclinic_app::settings::ClinicIdentity {
                name: self.clinic.name.trim().to_owned(),
                address_1: self.clinic.address_1.trim().to_owned(),
                address_2: self.clinic.address_2.trim().to_owned(),
                city: self.clinic.city.trim().to_owned(),
                state: self.clinic.state.trim().to_owned(),
                zip: self.clinic.zip.trim().to_owned(),
                phone: self.clinic.phone.trim().to_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clinic_address_reaches_the_settings_blank_by_default() -> anyhow::Result<()> {
        let mut config = Config::default();
        config.clinic.address_1 = " 1 Main Street ".to_owned();
        config.clinic.phone = "+12125550100".to_owned();
        let clinic = config.settings()?.clinic;
        assert_eq!((clinic.address_1.as_str(), clinic.phone.as_str()), ("1 Main Street", "+12125550100"));
        assert_eq!((clinic.city.as_str(), clinic.zip.as_str()), ("", ""), "blank by default: the REMS form reports them missing");
        assert_eq!(clinic.name, ketaclinic_app::settings::PLACEHOLDER_CLINIC_NAME, "the shipped name is a placeholder the form does not use");
        Ok(())
    }

    #[test]
    fn register_settings_load_and_the_auditor_cannot_be_given_a_write() -> anyhow::Result<()> {
        use ketaclinic_app::Permission;
        use ketaclinic_domain::staff::Role;
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string("[register]\nbeyond_use_days = 14\n[register.permissions]\n\"inventory.witness\" = [\"prescriber\"]\n"))
            .extract()?;
        let settings = config.settings()?;
        assert_eq!(settings.beyond_use_days, 14);
        assert!(!settings.permission_overrides.allows(Role::Nurse, Permission::InventoryWitness), "the clinic took witnessing from nurses");
        assert!(settings.permission_overrides.allows(Role::Nurse, Permission::InventoryDraw), "other permissions keep their defaults");
        for bad in [
            "[register.permissions]\n\"inventory.draw\" = [\"auditor\"]\n",
            "[register.permissions]\n\"patient.read\" = [\"nurse\"]\n",
            "[register.permissions]\n\"inventory.count\" = [\"janitor\"]\n",
            "[register]\nbeyond_use_days = 0\n",
            "[register]\ndea_registration = \"AB1234564\"\n",
        ] {
            let config: Config = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(bad)).extract()?;
            assert!(config.settings().is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn hl7_section_defaults_and_checks() -> anyhow::Result<()> {
        let config = Config::default();
        assert_eq!(config.hl7.allowed_peers, ["127.0.0.1/32", "::1/128"], "loopback only by default");
        assert_eq!((config.hl7.max_message_bytes, config.hl7.idle_timeout_seconds), (1024 * 1024, 300));
        config.hl7.check(false)?;
        assert!(config.hl7.check(true).is_err(), "listening needs an account");
        let loaded: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(
                "[hl7]\naccount = \"monitor-gateway@clinic\"\nallowed_peers = [\"10.20.0.0/16\", \"192.168.1.7\"]\nidle_timeout_seconds = 60\n",
            ))
            .extract()?;
        loaded.hl7.check(true)?;
        assert_eq!(loaded.hl7.allowed_peers.len(), 2);
        for bad in ["[hl7]\nallowed_peers = [\"10.0.0.0/40\"]\n", "[hl7]\nmax_message_bytes = 10\n", "[hl7]\nidle_timeout_seconds = 0\n"] {
            let config: Config = Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(bad)).extract()?;
            assert!(config.hl7.check(false).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn the_clinic_calendar_reaches_the_settings() -> anyhow::Result<()> {
        let mut config = Config::default();
        config.clinic.timezone = "America/New_York".to_owned();
        let week = ["mon", "tue", "wed", "thu", "fri"].map(|d| (d.to_owned(), "09:00-17:00".to_owned()));
        let mut hours: BTreeMap<String, String> = week.into_iter().collect();
        hours.insert("sat".to_owned(), "10:00-13:00".to_owned());
        config.clinic.business_hours = Some(hours);
        config.clinic.holidays = vec!["2026-12-25".to_owned()];
        let settings = config.settings()?;
        let calendar = &settings.calendar;
        assert_eq!(calendar.time_zone().iana_name(), Some("America/New_York"));
        let saturday = calendar.hours_on(jiff::civil::date(2026, 6, 13)).map(|h| (h.open(), h.close()));
        assert_eq!(saturday, Some((jiff::civil::time(10, 0, 0, 0), jiff::civil::time(13, 0, 0, 0))));
        assert_eq!(calendar.hours_on(jiff::civil::date(2026, 12, 25)), None, "holiday");
        assert_eq!(calendar.hours_on(jiff::civil::date(2026, 6, 14)), None, "Sunday left out");
        Ok(())
    }

    #[test]
    fn calendar_typos_fail_at_start_up() {
        let mut config = Config::default();
        config.clinic.business_hours = Some(BTreeMap::from([("monday".to_owned(), "09:00-17:00".to_owned())]));
        assert!(config.settings().is_err());
        let mut config = Config::default();
        config.clinic.business_hours = Some(BTreeMap::from([("mon".to_owned(), "17:00-09:00".to_owned())]));
        assert!(config.settings().is_err());
        let mut config = Config::default();
        config.clinic.business_hours = Some(BTreeMap::new());
        assert!(config.settings().is_err(), "a clinic that never opens");
        let mut config = Config::default();
        config.clinic.holidays = vec!["2026-02-30".to_owned()];
        assert!(config.settings().is_err());
    }

    /// "A day left out is closed" (API.md): the file's hours replace the default week rather
    /// than being merged into it.
    #[test]
    fn a_zip_code_written_as_a_number_is_read_as_text() -> anyhow::Result<()> {
        // As `KETACLINIC_CLINIC__ZIP=62701` arrives from the environment, or unquoted in TOML.
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("k.toml");
        std::fs::write(&path, "[clinic]\nzip = 62701\nphone = \"+1 217 555 0100\"\n")?;
        let config = Config::load(Some(&path), &Overrides::default())?;
        assert_eq!((config.clinic.zip.as_str(), config.clinic.phone.as_str()), ("62701", "+1 217 555 0100"));
        Ok(())
    }

    #[test]
    fn a_day_left_out_of_the_file_is_closed() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("k.toml");
        std::fs::write(&path, "[clinic]\nbusiness_hours = { mon = \"10:00-14:00\" }\n")?;
        let config = Config::load(Some(&path), &Overrides::default())?;
        let settings = config.settings()?;
        assert!(settings.calendar.hours_on(jiff::civil::date(2026, 6, 15)).is_some(), "Monday open");
        assert_eq!(settings.calendar.hours_on(jiff::civil::date(2026, 6, 16)), None, "Tuesday left out");
        Ok(())
    }

    /// The `[eligibility]` example of docs/eligibility.md loads; a line that changes a label
    /// rule stops the server at start.
    #[test]
    fn eligibility_policy_lines_load_and_label_rules_are_refused() -> anyhow::Result<()> {
        use ketaclinic_domain::eligibility::{FindingKind, Modality, rules::rule};
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("k.toml");
        std::fs::write(
            &path,
            "[eligibility]\ntrd = { min_weeks = 8, min_failed_trials = 2 }\nrules = [{ rule = \"psychosis\", modality = \"iv_ketamine\", kind = \"caution\" },\n  { rule = \"sleep_apnea_untreated\", modality = \"esketamine_nasal\" }]\n",
        )?;
        let settings = Config::load(Some(&path), &Overrides::default())?.settings()?;
        assert_eq!(settings.eligibility.trd.min_weeks, 8);
        let psychosis = rule("psychosis").ok_or_else(|| anyhow::anyhow!("rule"))?;
        assert_eq!(settings.eligibility.rules.kind(psychosis, Modality::IvKetamine), Some(FindingKind::Caution));
        let apnea = rule("sleep_apnea_untreated").ok_or_else(|| anyhow::anyhow!("rule"))?;
        assert_eq!(settings.eligibility.rules.kind(apnea, Modality::EsketamineNasal), None, "turned off");
        std::fs::write(&path, "[eligibility]\nrules = [{ rule = \"arteriovenous_malformation\", modality = \"esketamine_nasal\", kind = \"caution\" }]\n")?;
        let refused = Config::load(Some(&path), &Overrides::default()).and_then(|c| c.settings());
        assert!(refused.is_err_and(|e| format!("{e:#}").contains("set by the product label")));
        Ok(())
    }
}
