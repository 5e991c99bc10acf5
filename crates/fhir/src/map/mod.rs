//! Pure mappings from the domain to FHIR resources.

pub mod assessment;
pub mod patient;
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
/// lookup table — and fits FHIR's 64-character limit with room for a prefix.
pub fn owned_id(patient: uuid::Uuid, record: uuid::Uuid) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}{}", engine.encode(patient.as_bytes()), engine.encode(record.as_bytes()))
}

/// The (owner, record) uuids of an [`owned_id`]-style id, or of a single 22-character uuid when
/// `record` is absent.
pub fn parse_owned_id(id: &str) -> Option<(uuid::Uuid, Option<uuid::Uuid>)> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let decode = |s: &str| uuid::Uuid::from_slice(&engine.decode(s).ok()?).ok();
    let owner = decode(id.get(..22)?)?;
    match id.len() {
        22 => Some((owner, None)),
        44 => Some((owner, Some(decode(id.get(22..)?)?))),
        _ => None,
    }
}
