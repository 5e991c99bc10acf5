//! `Observation` read and search at `/fhir`: vital signs (one Observation per vital sign per
//! reading, the vital-signs profile) and instrument scores. Search parameters: `patient` /
//! `subject` (required), `code`, `category`, `date` (repeatable, with prefixes), `_sort`
//! (`date` or `-date`, default `date`), `_count` (1–100, default 20), `_total=accurate`, and the
//! keyset `_cursor` the `next` link carries, through the shared `fhir_paging`. An unknown
//! parameter is refused (400) rather than silently ignored.
//!
//! Ids are stable and readable back without a table of their own (uuids in unpadded base64url,
//! so every id fits FHIR's 64 characters): a vital sign is
//! `{kind}-{session}-{time µs}-{device hash}` and a score `{part}-{patient}{assessment}`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::AppError;
use ketaclinic_app::observations::PatientObservations;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::{PatientId, TreatmentSessionId};
use ketaclinic_domain::session::VitalReading;
use ketaclinic_fhir::codes::{LOINC, OBSERVATION_CATEGORY};
use ketaclinic_fhir::map::assessment::score_observations;
use ketaclinic_fhir::map::vitals::{VitalKind, kinds, vital_sign};
use ketaclinic_fhir::map::{owned_id, parse_owned_id, reference_id};
use ketaclinic_fhir::{Observation, Resource, ServerBase};
use sha2::{Digest, Sha256};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_paging::{Lazy, Parsed, Spec, page_lazy, parse, refused};
use crate::fhir_search::{ParamError, Token};
use crate::state::AppState;

/// One built Observation with its id and when it was recorded.
pub(crate) struct Candidate {
    /// When it was recorded (an export's `_since`).
    pub(crate) changed: Timestamp,
    pub(crate) id: String,
    pub(crate) observation: Observation,
}

fn short_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes())).chars().take(6).collect()
}

/// What every vital sign of one reading shares in its id: `{session}-{time µs}-{device hash}`.
fn reading_key(session: TreatmentSessionId, reading: &VitalReading) -> String {
    let session_id = owned_id(session.0, uuid::Uuid::nil()).get(..22).map(str::to_owned).unwrap_or_default();
    format!("{session_id}-{}-{}", reading.at.as_microsecond(), short_hash(&reading.device_id))
}

/// The id of one vital sign of a reading: `{kind}-{session}-{time µs}-{device hash}`.
pub(crate) fn vital_id(kind: VitalKind, session: TreatmentSessionId, reading: &VitalReading) -> String {
    format!("{}-{}", kind.as_str(), reading_key(session, reading))
}

/// An Observation of a patient before it is built: a vital sign (built from its reading only
/// if it lands on the page) or a score (few, built at once).
enum Source<'a> {
    Vital { session: TreatmentSessionId, reading: &'a VitalReading, kind: VitalKind },
    Score(Box<Observation>),
}

/// Every Observation of a patient, unbuilt, each with its observation time, recording time and id.
fn sources<'a>(patient: PatientId, found: &'a PatientObservations, base: &ServerBase) -> Vec<(Timestamp, Timestamp, String, Source<'a>)> {
    let mut out = Vec::new();
    for (session, reading) in &found.vitals {
        let key = reading_key(*session, reading);
        for kind in kinds(reading) {
            out.push((reading.at, reading.at, format!("{}-{key}", kind.as_str()), Source::Vital { session: *session, reading, kind }));
        }
    }
    for (assessment, corrected) in &found.assessments {
        for (part, observation) in score_observations(assessment, *corrected, base) {
            let id = format!("{}-{}", part.as_str(), owned_id(patient.0, assessment.id.0));
            out.push((assessment.administered_at, assessment.recorded_at, id, Source::Score(Box::new(observation))));
        }
    }
    out
}

/// Builds one Observation with its id.
fn build(patient: PatientId, id: String, source: Source<'_>) -> Option<Observation> {
    let mut observation = match source {
        Source::Vital { session, reading, kind } => vital_sign(reading, kind, patient, session)?,
        Source::Score(observation) => *observation,
    };
    observation.id = Some(id);
    Some(observation)
}

/// Every Observation of a patient, built, with ids (the bulk export and reads use it).
pub(crate) fn candidates(patient: PatientId, found: &PatientObservations, base: &ServerBase) -> Vec<Candidate> {
    sources(patient, found, base)
        .into_iter()
        .filter_map(|(_, changed, id, source)| Some(Candidate { changed, id: id.clone(), observation: build(patient, id, source)? }))
        .collect()
}

const OBSERVATION: Spec = Spec { resource_type: "Observation", params: &["patient", "subject", "code", "category"], dates: &["date"], patient_required: false };

/// `(system, code)` of every coding of an Observation's code and its components'.
fn codes(o: &Observation) -> impl Iterator<Item = (&str, &str)> {
    let components = o.component.iter().flat_map(|c| c.code.coding.iter());
    o.code.coding.iter().chain(components).filter_map(|c| Some((c.system.as_deref()?, c.code.as_deref()?)))
}

fn categories(o: &Observation) -> impl Iterator<Item = (&str, &str)> {
    o.category.iter().flat_map(|c| c.coding.iter()).filter_map(|c| Some((c.system.as_deref()?, c.code.as_deref()?)))
}

/// The codes and categories of an unbuilt Observation: a vital sign's are known from its kind
/// (exactly what `vital_sign` writes), so filtering needs no Observation.
fn source_matches(source: &Source<'_>, codes_wanted: Option<&[Token]>, categories_wanted: Option<&[Token]>) -> bool {
    match source {
        Source::Vital { kind, .. } => {
            any_token(codes_wanted, kind.codes().iter().map(|c| (LOINC, *c)))
                && any_token(categories_wanted, std::iter::once((OBSERVATION_CATEGORY, "vital-signs")))
        }
        Source::Score(o) => any_token(codes_wanted, codes(o)) && any_token(categories_wanted, categories(o)),
    }
}

/// Whether one of `have` matches one of `wanted` (no `wanted`: no filter).
fn any_token<'a>(wanted: Option<&[Token]>, mut have: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    wanted.is_none_or(|tokens| have.any(|(system, code)| tokens.iter().any(|t| t.matches(system, code))))
}

/// A comma-separated token parameter (`None` when absent).
fn tokens(s: &Parsed, name: &str) -> Result<Option<Vec<Token>>, Outcome> {
    s.get(name).map(|raw| Token::parse_list(name, raw)).transpose().map_err(|e| refused(vec![e]))
}

/// `GET /fhir/Observation?…`: a searchset Bundle, one page. `patient` (or its alias
/// `subject`) is required: this server searches one patient's Observations at a time.
pub async fn search(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query, &OBSERVATION)?;
    let raw = s.get("patient").or_else(|| s.get("subject")).filter(|p| !p.is_empty());
    let raw = raw.ok_or_else(|| refused(vec![ParamError::new("patient", "is required: this server searches one patient's Observations at a time")]))?;
    let (codes_wanted, categories_wanted) = (tokens(&s, "code")?, tokens(&s, "category")?);
    let patient = reference_id(raw, "Patient").parse::<uuid::Uuid>().map(PatientId).map_err(|_| Outcome::from(AppError::NotFound))?;
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let found = state.app.patient_observations(&grant, patient).await?;
    let base = ServerBase::new(&state.web.public_url);
    // Filter and page on what is known before building; build only the page's Observations.
    let all = sources(patient, &found, &base)
        .into_iter()
        .filter(|(.., source)| source_matches(source, codes_wanted.as_deref(), categories_wanted.as_deref()))
        .map(|(at, _, id, source)| Lazy { at, id, source })
        .collect();
    let built = |id: &str, source| build(patient, id.to_owned(), source).map(|o| Resource::Observation(Box::new(o)));
    Ok(Fhir(StatusCode::OK, page_lazy(all, &s, &OBSERVATION, &query, &base, built)))
}

/// `GET /fhir/Observation/{id}` (`clinical.read`). `patient` is read from the id's session or
/// assessment, so the read is audited against the right patient.
pub async fn read(State(state): State<AppState>, FhirActor(actor): FhirActor, Path(id): Path<String>) -> Result<Fhir, Outcome> {
    let not_found = || Outcome::from(AppError::NotFound);
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    // Vital signs name their session, scores their patient (both 22 characters of base64url).
    let (_, rest) = id.split_once('-').ok_or_else(not_found)?;
    let (owner, _) = rest.get(..22).and_then(parse_owned_id).ok_or_else(not_found)?;
    let patient = if rest.len() == 44 { PatientId(owner) } else { state.app.patient_of_session(&grant, TreatmentSessionId(owner)).await? };
    let found = state.app.patient_observations(&grant, patient).await?;
    let base = ServerBase::new(&state.web.public_url);
    let hit = candidates(patient, &found, &base).into_iter().find(|c| c.id == id).ok_or_else(not_found)?;
    Ok(Fhir(StatusCode::OK, Resource::Observation(Box::new(hit.observation))))
}
