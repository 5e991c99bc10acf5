//! Settings the use cases read (the binary loads them from flags, env and TOML).

use jiff::SignedDuration;
use ketaclinic_domain::calendar::BusinessCalendar;
use ketaclinic_domain::instruments::ScoringSettings;
use ketaclinic_domain::outcome::RemissionThresholds;
use ketaclinic_domain::patient::MrnPrefix;
use ketaclinic_domain::phone::PhoneRegion;

/// Authentication policy. Defaults follow the platform issue: 30 min idle, 12 h absolute,
/// lockout after 5 failures for 15 min.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub session_idle: SignedDuration,
    pub session_absolute: SignedDuration,
    pub lockout_threshold: u32,
    pub lockout_duration: SignedDuration,
    pub login_attempts_per_minute_per_ip: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle: SignedDuration::from_mins(30),
            session_absolute: SignedDuration::from_hours(12),
            lockout_threshold: 5,
            lockout_duration: SignedDuration::from_mins(15),
            login_attempts_per_minute_per_ip: 20,
        }
    }
}

/// The certified healthcare setting as the SPRAVATO REMS monitoring form names it (`[clinic]`
/// name, address and telephone; REFERENCE §2.6 items 3–4). A blank value is not configured and
/// the form reports it as missing; nothing is invented. The name the configuration ships with
/// ([`PLACEHOLDER_CLINIC_NAME`]) counts as not configured.
#[derive(Debug, Clone, Default)]
pub struct ClinicIdentity {
    pub name: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// Where the monitoring HCP is reached (staff accounts carry no telephone).
    pub phone: String,
}

/// The clinic name of the default configuration: a placeholder, never a real setting's name.
pub const PLACEHOLDER_CLINIC_NAME: &str = "Example Clinic";

/// Everything the use cases are configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub auth: AuthSettings,
    pub mrn_prefix: MrnPrefix,
    /// The clinic's IANA time zone (for "today" in date checks).
    pub timezone: jiff::tz::TimeZone,
    /// Clinic-protocol thresholds of instrument scoring (PCL-5 cut-off, MADRS item 10).
    pub scoring: ScoringSettings,
    /// Clinic-protocol remission thresholds per instrument.
    pub remission: RemissionThresholds,
    /// An unacknowledged safety alert is escalated after this long (default 15 min).
    pub alert_escalation: SignedDuration,
    /// The clinic's business calendar (`[clinic]` time zone, hours, holidays): when an enquiry
    /// is due for a call-back. Default Monday–Friday 09:00–17:00 UTC.
    pub calendar: BusinessCalendar,
    /// How phone numbers without a country code are read (`clinic.phone_region`, default US).
    pub phone_region: PhoneRegion,
    /// Public enquiries accepted per minute from one address (0 turns the limit off).
    pub enquiries_per_minute_per_ip: u32,
    /// The eligibility protocol: drug table, TRD policy and the clinic's changes to policy
    /// rules (label rules cannot be changed).
    pub eligibility: ketaclinic_domain::eligibility::Protocol,
    /// Opening or submitting self-report links: attempts per minute from one address (0 turns
    /// the limit off). Tokens are 256-bit, so this is about load and log noise, not guessing odds.
    pub self_report_per_minute_per_ip: u32,
    /// How long a new self-report link stays open unless staff choose otherwise (72 h).
    pub self_report_validity: SignedDuration,
    /// End of induction for the outcome dashboard, days after baseline: racemic ketamine
    /// (6 infusions over 2–3 weeks, REFERENCE §1.3) and esketamine (week 4, REFERENCE §2.3).
    pub induction_days_ketamine: i64,
    pub induction_days_esketamine: i64,
    /// Vital-sign thresholds of the session protocol (issue 5 defaults; clinic settings).
    pub session_thresholds: ketaclinic_domain::session::Thresholds,
    /// The protocol asks for a PHQ-9 on the day of each session before dosing (a pre-check;
    /// default off).
    pub pre_session_phq9: bool,
    /// The setting's name, address and telephone for the REMS form.
    pub clinic: ClinicIdentity,
    /// Days an opened multiple-dose vial may be used after its first puncture (issue 6
    /// default 28; `[register] beyond_use_days`).
    pub beyond_use_days: u32,
    /// The clinic's changes to who may do what in the register.
    pub permission_overrides: crate::permissions::PermissionOverrides,
    /// The clinic's DEA registration number (for DEA Form 41 and the reports; may be blank).
    pub dea_registration: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            auth: AuthSettings::default(),
            mrn_prefix: MrnPrefix::default(),
            timezone: jiff::tz::TimeZone::UTC,
            scoring: ScoringSettings::default(),
            remission: RemissionThresholds::default(),
            alert_escalation: SignedDuration::from_mins(15),
            calendar: BusinessCalendar::weekdays_nine_to_five(jiff::tz::TimeZone::UTC),
            phone_region: PhoneRegion::Nanp,
            eligibility: ketaclinic_domain::eligibility::Protocol::default(),
            self_report_per_minute_per_ip: 30,
            self_report_validity: ketaclinic_domain::self_report::DEFAULT_VALIDITY,
            induction_days_ketamine: 21,
            induction_days_esketamine: 28,
            session_thresholds: ketaclinic_domain::session::Thresholds::default(),
            pre_session_phq9: false,
            clinic: ClinicIdentity::default(),
            enquiries_per_minute_per_ip: 20,
            beyond_use_days: ketaclinic_domain::register::container::DEFAULT_BEYOND_USE_DAYS,
            permission_overrides: crate::permissions::PermissionOverrides::default(),
            dea_registration: String::new(),
        }
    }
}
