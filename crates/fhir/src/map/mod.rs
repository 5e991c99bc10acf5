//! Pure mappings from the domain to FHIR resources.

pub mod assessment;
pub mod chart;
pub mod patient;
pub mod questionnaire;
pub mod session;
pub mod vitals;

/// An instant as a FHIR `instant` / `dateTime` (RFC 3339, UTC).
pub(crate) fn instant(at: jiff::Timestamp) -> String {
    at.to_string()
}

/// The id of a reference (`Patient/{id}`, an absolute URL of it, or a bare id).
pub fn reference_id<'a>(raw: &'a str, resource_type: &str) -> &'a str {
    let raw = raw.trim().trim_end_matches('/');
    let tail = raw.rsplit_once(&format!("{resource_type}/")).map_or(raw, |(_, id)| id);
    tail.rsplit('/').next().unwrap_or(tail)
}

/// The FHIR id of something that belongs to a patient: the patient's and the record's uuids in
/// unpadded base64url (44 characters), so the id alone says whose it is — a read needs no
/// lookup table — and fits FHIR's 64-character limit with room for a prefix. base64url's `_`
/// is not allowed in a FHIR id (`[A-Za-z0-9\-\.]{1,64}`), so it is written `.`.
pub fn owned_id(patient: uuid::Uuid, record: uuid::Uuid) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}{}", engine.encode(patient.as_bytes()), engine.encode(record.as_bytes())).replace('_', ".")
}

/// The (owner, record) uuids of an [`owned_id`]-style id, or of a single 22-character uuid when
/// `record` is absent.
pub fn parse_owned_id(id: &str) -> Option<(uuid::Uuid, Option<uuid::Uuid>)> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let decode = |s: &str| uuid::Uuid::from_slice(&engine.decode(s.replace('.', "_")).ok()?).ok();
    let owner = decode(id.get(..22)?)?;
    match id.len() {
        22 => Some((owner, None)),
        44 => Some((owner, Some(decode(id.get(22..)?)?))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_ids_are_valid_fhir_ids_and_read_back() {
        // All-ones bytes are base64url's `_` (63), which a FHIR id may not hold.
        let (patient, record) = (uuid::Uuid::from_u128(u128::MAX), uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
        let id = owned_id(patient, record);
        assert_eq!(id.len(), 44);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'), "{id}");
        assert_eq!(parse_owned_id(&id), Some((patient, Some(record))));
        assert_eq!(parse_owned_id(id.get(..22).unwrap_or_default()), Some((patient, None)));
        assert_eq!(parse_owned_id("not an id"), None);
    }
}
