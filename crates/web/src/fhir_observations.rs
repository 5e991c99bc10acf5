//! `Observation` read and search at `/fhir`: vital signs (one Observation per vital sign per
//! reading, the vital-signs profile) and instrument scores. Search parameters: `patient` /
//! `subject` (required for now), `code`, `category`, `date` (repeatable, with prefixes), `_sort`
//! (`date` or `-date`, default `date`), `_count` (1–100, default 20), `_total=accurate`, and the
//! keyset `_cursor` the `next` link carries. An unknown parameter is refused (400) rather than
//! silently ignored, so a client never mistakes an unfiltered page for a filtered one.
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
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::ids::TreatmentSessionId;
use ketaclinic_domain::session::VitalReading;
use ketaclinic_fhir::map::assessment::score_observations;
use ketaclinic_fhir::map::vitals::{VitalKind, vital_signs};
use ketaclinic_fhir::map::{owned_id, parse_owned_id, reference_id};
use ketaclinic_fhir::resources::BundleSearch;
use ketaclinic_fhir::{Bundle, BundleEntry, BundleLink, Observation, OperationOutcome, OutcomeIssue, Resource, ServerBase};
use sha2::{Digest, Sha256};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_search::{DateParam, ParamError, Token, cursor, parse_cursor};
use crate::state::AppState;

const COUNT_DEFAULT: usize = 20;
const COUNT_MAX: usize = 100;

/// One Observation with what search filters and sorts on.
pub(crate) struct Candidate {
    /// When it was observed (search's `date`).
    pub(crate) at: Timestamp,
    /// When it was recorded (an export's `_since`).
    pub(crate) changed: Timestamp,
    pub(crate) id: String,
    pub(crate) observation: Observation,
}

impl Candidate {
    fn codes(&self) -> impl Iterator<Item = (&str, &str)> {
        let own = self.observation.code.coding.iter();
        let components = self.observation.component.iter().flat_map(|c| c.code.coding.iter());
        own.chain(components).filter_map(|c| Some((c.system.as_deref()?, c.code.as_deref()?)))
    }

    fn categories(&self) -> impl Iterator<Item = (&str, &str)> {
        self.observation.category.iter().flat_map(|c| c.coding.iter()).filter_map(|c| Some((c.system.as_deref()?, c.code.as_deref()?)))
    }
}

fn short_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes())).chars().take(6).collect()
}

/// The id of one vital sign of a reading: `{kind}-{session}-{time µs}-{device hash}`.
pub(crate) fn vital_id(kind: VitalKind, session: TreatmentSessionId, reading: &VitalReading) -> String {
    let session_id = owned_id(session.0, uuid::Uuid::nil()).get(..22).map(str::to_owned).unwrap_or_default();
    format!("{}-{session_id}-{}-{}", kind.as_str(), reading.at.as_microsecond(), short_hash(&reading.device_id))
}

/// Every Observation of a patient, with ids (the bulk export uses it too).
pub(crate) fn candidates(patient: PatientId, found: &PatientObservations, base: &ServerBase) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (session, reading) in &found.vitals {
        for (kind, mut observation) in vital_signs(reading, patient, *session) {
            let id = vital_id(kind, *session, reading);
            observation.id = Some(id.clone());
            out.push(Candidate { at: reading.at, changed: reading.at, id, observation });
        }
    }
    for (assessment, corrected) in &found.assessments {
        for (part, mut observation) in score_observations(assessment, *corrected, base) {
            let id = format!("{}-{}", part.as_str(), owned_id(patient.0, assessment.id.0));
            observation.id = Some(id.clone());
            out.push(Candidate { at: assessment.administered_at, changed: assessment.recorded_at, id, observation });
        }
    }
    out
}

/// The parsed search.
struct Search {
    patient: String,
    codes: Option<Vec<Token>>,
    categories: Option<Vec<Token>>,
    dates: Vec<DateParam>,
    descending: bool,
    count: usize,
    total: bool,
    after: Option<(Timestamp, String)>,
}

fn parse(query: &str) -> Result<Search, Vec<ParamError>> {
    let mut errors = Vec::new();
    let mut s =
        Search { patient: String::new(), codes: None, categories: None, dates: Vec::new(), descending: false, count: COUNT_DEFAULT, total: false, after: None };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = value.trim().to_owned();
        match key.as_ref() {
            "patient" | "subject" => s.patient = reference_id(&value, "Patient").to_owned(),
            "code" => match Token::parse_list("code", &value) {
                Ok(list) => s.codes = Some(list),
                Err(e) => errors.push(e),
            },
            "category" => match Token::parse_list("category", &value) {
                Ok(list) => s.categories = Some(list),
                Err(e) => errors.push(e),
            },
            "date" => match DateParam::parse(&value) {
                Ok(d) => s.dates.push(d),
                Err(e) => errors.push(e),
            },
            "_sort" => match value.as_str() {
                "date" => s.descending = false,
                "-date" => s.descending = true,
                _ => errors.push(ParamError::new("_sort", "must be date or -date")),
            },
            "_count" => match value.parse::<usize>() {
                Ok(n) if (1..=COUNT_MAX).contains(&n) => s.count = n,
                _ => errors.push(ParamError::new("_count", format!("must be a number from 1 to {COUNT_MAX}"))),
            },
            "_total" => match value.as_str() {
                "accurate" => s.total = true,
                "none" | "estimate" => s.total = false,
                _ => errors.push(ParamError::new("_total", "must be none, estimate or accurate")),
            },
            "_cursor" => match parse_cursor(&value) {
                Ok(c) => s.after = Some(c),
                Err(e) => errors.push(e),
            },
            "_format" if value.contains("json") => {}
            other => errors.push(ParamError::new(other, "is not a supported Observation search parameter (see /fhir/metadata)")),
        }
    }
    if s.patient.is_empty() {
        errors.push(ParamError::new("patient", "is required: this server searches one patient's Observations at a time"));
    }
    if errors.is_empty() { Ok(s) } else { Err(errors) }
}

fn refused(errors: Vec<ParamError>) -> Outcome {
    let issue = errors
        .into_iter()
        .map(|e| OutcomeIssue {
            severity: "error".to_owned(),
            code: "invalid".to_owned(),
            diagnostics: Some(format!("{}: {}", e.param, e.message)),
            expression: vec![e.param],
        })
        .collect();
    Outcome::with(StatusCode::BAD_REQUEST, OperationOutcome { issue })
}

/// The candidates that match, in sort order.
fn select(mut all: Vec<Candidate>, s: &Search) -> Vec<Candidate> {
    all.retain(|c| {
        s.codes.as_ref().is_none_or(|tokens| c.codes().any(|(system, code)| tokens.iter().any(|t| t.matches(system, code))))
            && s.categories.as_ref().is_none_or(|tokens| c.categories().any(|(system, code)| tokens.iter().any(|t| t.matches(system, code))))
            && s.dates.iter().all(|d| d.matches(c.at))
    });
    all.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    if s.descending {
        all.reverse();
    }
    all
}

/// `GET /fhir/Observation?…`: a searchset Bundle, one page.
pub async fn search(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query).map_err(refused)?;
    let patient = s.patient.parse::<uuid::Uuid>().map(PatientId).map_err(|_| Outcome::from(AppError::NotFound))?;
    let grant = state.app.authorize::<perm::ClinicalRead>(&actor).await?;
    let found = state.app.patient_observations(&grant, patient).await?;
    let base = ServerBase::new(&state.web.public_url);
    let matching = select(candidates(patient, &found, &base), &s);
    let total = s.total.then(|| u64::try_from(matching.len()).unwrap_or(u64::MAX));
    let start = match &s.after {
        None => 0,
        Some((at, id)) => {
            matching.iter().position(|c| if s.descending { (c.at, &c.id) < (*at, id) } else { (c.at, &c.id) > (*at, id) }).unwrap_or(matching.len())
        }
    };
    let page: Vec<Candidate> = matching.into_iter().skip(start).take(s.count + 1).collect();
    let more = page.len() > s.count;
    let page: Vec<Candidate> = page.into_iter().take(s.count).collect();
    let self_url = format!("{}/Observation?{query}", base.fhir());
    let mut link = vec![BundleLink { relation: "self".to_owned(), url: self_url }];
    if let (true, Some(last)) = (more, page.last()) {
        let kept: Vec<(String, String)> =
            form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "_cursor").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let mut next = form_urlencoded::Serializer::new(String::new());
        next.extend_pairs(kept);
        next.append_pair("_cursor", &cursor(last.at, &last.id));
        link.push(BundleLink { relation: "next".to_owned(), url: format!("{}/Observation?{}", base.fhir(), next.finish()) });
    }
    let entry = page
        .into_iter()
        .map(|c| BundleEntry {
            full_url: Some(format!("{}/Observation/{}", base.fhir(), c.id)),
            resource: Resource::Observation(Box::new(c.observation)),
            search: Some(BundleSearch { mode: "match".to_owned() }),
        })
        .collect();
    Ok(Fhir(StatusCode::OK, Resource::Bundle(Bundle { type_: "searchset".to_owned(), total, link, entry })))
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
