//! Search plumbing shared by the FHIR endpoints of chart, treatment and questionnaire
//! resources: parsing the result parameters (`_count`, `_sort`, `_total`, the keyset `_cursor`)
//! and the dated parameter with its prefixes, refusing any parameter a type does not support
//! (400, so a client never mistakes an unfiltered page for a filtered one), and cutting a
//! searchset Bundle page with a `next` link. It mirrors what `fhir_observations` does for
//! Observation, generalised over the resource type.
//!
//! Each type's endpoint loads the patient's records once (one audited use case), maps them all
//! ([`Found`]: the resource, its id and the instant it is dated and sorted by) and lets
//! [`page`] filter, sort and cut. A patient's records are few enough for that (see
//! `ketaclinic_app::observations`), and the ordering key `(instant, id)` is stable, so a
//! `next` link never repeats or skips an entry.

use axum::http::StatusCode;
use jiff::Timestamp;
use ketaclinic_app::AppError;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_fhir::map::reference_id;
use ketaclinic_fhir::resources::BundleSearch;
use ketaclinic_fhir::{Bundle, BundleEntry, BundleLink, OperationOutcome, Resource, ServerBase};

use crate::fhir::Outcome;
use crate::fhir_search::{DateParam, ParamError, cursor, parse_cursor};

const COUNT_DEFAULT: usize = 20;
const COUNT_MAX: usize = 100;

/// One resource a search may return, with the instant it is dated and sorted by (records
/// without a date of their own use the Unix epoch, so they sort by id) and its id. The
/// `_resources` functions of the FHIR endpoints return these; the bulk export keeps
/// [`Found::resource`].
#[derive(Debug, Clone)]
pub struct Found {
    pub at: Timestamp,
    pub id: String,
    pub resource: Resource,
}

/// What a resource type's search accepts.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub resource_type: &'static str,
    /// Parameters the endpoint reads itself (from [`Parsed::params`]).
    pub params: &'static [&'static str],
    /// Names of the dated parameter (aliases; `_sort` takes the first); empty when undated.
    pub dates: &'static [&'static str],
    /// Whether `patient` must be given (every patient-owned type: one patient at a time).
    pub patient_required: bool,
}

/// A parsed search.
#[derive(Debug)]
pub struct Parsed {
    /// The type-specific parameters, in order.
    pub params: Vec<(String, String)>,
    dates: Vec<DateParam>,
    descending: bool,
    count: usize,
    total: bool,
    after: Option<(Timestamp, String)>,
}

impl Parsed {
    /// The last value of a type-specific parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The patient searched (`patient=Patient/{id}`, an absolute URL or a bare id); an id that
    /// cannot be a patient's is simply not found.
    pub fn patient(&self) -> Result<PatientId, Outcome> {
        let raw = self.get("patient").unwrap_or_default();
        reference_id(raw, "Patient").parse::<uuid::Uuid>().map(PatientId).map_err(|_| Outcome::from(AppError::NotFound))
    }
}

/// Refused parameters as a 400 OperationOutcome, one issue each.
pub fn refused(errors: Vec<ParamError>) -> Outcome {
    let issues = errors.into_iter().map(|e| (e.param.clone(), format!("{}: {}", e.param, e.message)));
    Outcome::with(StatusCode::BAD_REQUEST, OperationOutcome::invalid(issues))
}

/// Parses a search query for `spec`, collecting every refusal.
pub fn parse(query: &str, spec: &Spec) -> Result<Parsed, Outcome> {
    let mut errors = Vec::new();
    let mut s = Parsed { params: Vec::new(), dates: Vec::new(), descending: false, count: COUNT_DEFAULT, total: false, after: None };
    let sort_key = spec.dates.first().copied();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let (key, value) = (key.as_ref(), value.trim().to_owned());
        match key {
            k if spec.params.contains(&k) => s.params.push((k.to_owned(), value)),
            k if spec.dates.contains(&k) => match DateParam::parse(&value) {
                Ok(d) => s.dates.push(d),
                Err(e) => errors.push(ParamError::new(k, e.message)),
            },
            "_sort" => match (sort_key, value.strip_prefix('-')) {
                (Some(date), None) if value == date => s.descending = false,
                (Some(date), Some(rest)) if rest == date => s.descending = true,
                (Some(date), _) => errors.push(ParamError::new("_sort", format!("must be {date} or -{date}"))),
                (None, _) => errors.push(ParamError::new("_sort", format!("is not supported for {}", spec.resource_type))),
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
            other => errors.push(ParamError::new(other, format!("is not a supported {} search parameter (see /fhir/metadata)", spec.resource_type))),
        }
    }
    if spec.patient_required && s.get("patient").is_none_or(str::is_empty) {
        errors.push(ParamError::new("patient", format!("is required: this server searches one patient's {} at a time", spec.resource_type)));
    }
    if errors.is_empty() { Ok(s) } else { Err(refused(errors)) }
}

/// A match before its resource is built: the instant and id it sorts by, and what builds it.
/// A search over many records (a patient's vital signs) builds only its page.
#[derive(Debug)]
pub struct Lazy<T> {
    pub at: Timestamp,
    pub id: String,
    pub source: T,
}

/// One page of the matches (`keep` filters on the resource; the dates filter on the instant),
/// as a searchset Bundle with `self` and, while more follow, `next` links.
pub fn page(all: Vec<Found>, s: &Parsed, spec: &Spec, query: &str, base: &ServerBase, keep: impl Fn(&Found) -> bool) -> Resource {
    let lazy = all.into_iter().filter(|f| keep(f)).map(|f| Lazy { at: f.at, id: f.id, source: f.resource }).collect();
    page_lazy(lazy, s, spec, query, base, |_, resource| Some(resource))
}

/// [`page`] over unbuilt matches: the dates filter, sort and cut on the instant and id, and
/// `build` makes the resources of the page alone (one that cannot be built is left out).
pub fn page_lazy<T>(mut all: Vec<Lazy<T>>, s: &Parsed, spec: &Spec, query: &str, base: &ServerBase, build: impl Fn(&str, T) -> Option<Resource>) -> Resource {
    all.retain(|f| s.dates.iter().all(|d| d.matches(f.at)));
    all.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    if s.descending {
        all.reverse();
    }
    let total = s.total.then(|| u64::try_from(all.len()).unwrap_or(u64::MAX));
    let start = match &s.after {
        None => 0,
        Some((at, id)) => all.iter().position(|f| if s.descending { (f.at, &f.id) < (*at, id) } else { (f.at, &f.id) > (*at, id) }).unwrap_or(all.len()),
    };
    let mut rows: Vec<Lazy<T>> = all.into_iter().skip(start).take(s.count + 1).collect();
    let more = rows.len() > s.count;
    rows.truncate(s.count);
    let endpoint = format!("{}/{}", base.fhir(), spec.resource_type);
    let mut link = vec![BundleLink { relation: "self".to_owned(), url: format!("{endpoint}?{query}") }];
    if let (true, Some(last)) = (more, rows.last()) {
        let mut next = form_urlencoded::Serializer::new(String::new());
        next.extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "_cursor"));
        next.append_pair("_cursor", &cursor(last.at, &last.id));
        link.push(BundleLink { relation: "next".to_owned(), url: format!("{endpoint}?{}", next.finish()) });
    }
    let entry = rows
        .into_iter()
        .filter_map(|f| {
            let full_url = Some(format!("{endpoint}/{}", f.id));
            let resource = build(&f.id, f.source)?;
            Some(BundleEntry { full_url, resource, search: Some(BundleSearch { mode: "match".to_owned() }) })
        })
        .collect();
    Resource::Bundle(Bundle { type_: "searchset".to_owned(), total, link, entry })
}
