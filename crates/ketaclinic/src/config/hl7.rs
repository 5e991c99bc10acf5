//! The HL7 v2 monitor feed's settings (`[hl7]`).

use anyhow::bail;
use serde::{Deserialize, Serialize};

/// The HL7 v2 monitor feed (`[hl7]`), served with `--hl7-listen ADDR`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Hl7Config {
    /// The staff account (with `clinical.write`) the feed records as, e.g.
    /// `monitor-gateway@clinic`. Required with `--hl7-listen`.
    pub account: String,
    /// Peers allowed to connect: IP addresses or CIDR networks. Default loopback only.
    pub allowed_peers: Vec<String>,
    /// Largest message accepted (bytes); a larger one is answered AR and the connection closed.
    pub max_message_bytes: usize,
    /// A connection silent this long is closed.
    pub idle_timeout_seconds: u64,
}

impl Default for Hl7Config {
    fn default() -> Self {
        Self {
            account: String::new(),
            allowed_peers: vec!["127.0.0.1/32".to_owned(), "::1/128".to_owned()],
            max_message_bytes: 1024 * 1024,
            idle_timeout_seconds: 300,
        }
    }
}

impl Hl7Config {
    /// Checks the section; the account itself is resolved when the listener starts.
    pub fn check(&self, listening: bool) -> anyhow::Result<()> {
        crate::hl7_listener::parse_peers(&self.allowed_peers)?;
        if !(1024..=64 * 1024 * 1024).contains(&self.max_message_bytes) {
            bail!("hl7.max_message_bytes must be between 1024 and 67108864");
        }
        if !(1..=86_400).contains(&self.idle_timeout_seconds) {
            bail!("hl7.idle_timeout_seconds must be between 1 and 86400");
        }
        if listening && self.account.trim().is_empty() {
            bail!("--hl7-listen needs hl7.account (KETACLINIC_HL7__ACCOUNT): the staff account, with clinical.write, the monitor feed records as");
        }
        Ok(())
    }
}
