//! `Patient`: the MRN as identifier, name, gender, birth date, telecom.

use ketaclinic_domain::patient::Patient as DomainPatient;
use ketaclinic_domain::person::Sex;
use ketaclinic_domain::record::RecordStatus;

use crate::ServerBase;
use crate::resources::Patient;
use crate::types::{ContactPoint, HumanName, Identifier, Meta};

/// FHIR `administrative-gender` for the recorded sex (the four values match one to one).
fn gender(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
        Sex::Unknown => "unknown",
    }
}

/// The patient as FHIR sees them. A record marked entered in error is `active: false`.
pub fn patient(p: &DomainPatient, base: &ServerBase) -> Patient {
    let d = &p.details;
    let mut telecom = Vec::new();
    if let Some(phone) = &d.phone {
        telecom.push(ContactPoint { system: Some("phone".to_owned()), value: Some(phone.as_str().to_owned()) });
    }
    if let Some(email) = &d.email {
        telecom.push(ContactPoint { system: Some("email".to_owned()), value: Some(email.as_str().to_owned()) });
    }
    Patient {
        id: p.id.to_string(),
        meta: Some(Meta { version_id: Some(p.version.0.to_string()), last_updated: Some(super::instant(p.updated_at)), profile: Vec::new() }),
        identifier: vec![Identifier { use_: Some("usual".to_owned()), system: Some(base.mrn_system()), value: Some(p.mrn.as_str().to_owned()) }],
        active: Some(p.status == RecordStatus::Active),
        name: vec![HumanName {
            use_: Some("official".to_owned()),
            family: Some(d.family_name.as_str().to_owned()),
            given: vec![d.given_name.as_str().to_owned()],
        }],
        telecom,
        gender: Some(gender(d.sex).to_owned()),
        birth_date: Some(d.birth_date.date().to_string()),
    }
}
