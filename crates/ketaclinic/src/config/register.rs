//! The controlled-substance register's settings (`[register]`).

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// The controlled-substance register (`[register]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RegisterConfig {
    /// Days an opened multiple-dose vial may be used after its first puncture (default 28).
    pub beyond_use_days: u32,
    /// The clinic's DEA registration number, printed on the reports (optional).
    pub dea_registration: String,
    /// Who may do what in the register, replacing the default roles of a permission, e.g.
    /// `"inventory.witness" = ["nurse", "prescriber"]`. Only `inventory.*` permissions.
    pub permissions: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for RegisterConfig {
    fn default() -> Self {
        Self {
            beyond_use_days: ketaclinic_domain::register::container::DEFAULT_BEYOND_USE_DAYS,
            dea_registration: String::new(),
            permissions: std::collections::BTreeMap::new(),
        }
    }
}

/// The register's checked settings.
#[derive(Debug)]
pub struct RegisterSettings {
    pub beyond_use_days: u32,
    pub dea_registration: String,
    pub permission_overrides: ketaclinic_app::permissions::PermissionOverrides,
}

impl RegisterConfig {
    /// Checks the section: the beyond-use period, the DEA number's check digit, and the
    /// permission changes (only `inventory.*`, never a write for the auditor).
    pub fn settings(&self) -> anyhow::Result<RegisterSettings> {
        if !(1..=365).contains(&self.beyond_use_days) {
            bail!("register.beyond_use_days must be between 1 and 365");
        }
        let dea_registration = match self.dea_registration.trim() {
            "" => String::new(),
            raw => ketaclinic_domain::register::container::check_dea_number("register.dea_registration", raw)
                .map_err(|e| anyhow::anyhow!("register.dea_registration {}", e.message))?,
        };
        let permission_overrides = ketaclinic_app::permissions::PermissionOverrides::parse(self.permissions.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
            .map_err(|e| anyhow::anyhow!("register.permissions: {e}"))?;
        Ok(RegisterSettings { beyond_use_days: self.beyond_use_days, dea_registration, permission_overrides })
    }
}
