//! `Patient` search at `/fhir`: `_id`, `identifier` (the MRN, optionally `system|value`),
//! `family`, `given`, `name` (each "starts with", case-insensitive), `birthdate` (repeatable,
//! with `eq` `gt` `ge` `lt` `le`), `_count` (1–100) and the `next` link's cursor. It runs the native patient search (the
//! same index, paging and audit) and applies FHIR's per-field meaning to each page, so a page
//! may hold fewer than `_count` matches; the `next` link is there while more may follow.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::PatientId;
use ketaclinic_domain::patient::Patient as DomainPatient;
use ketaclinic_fhir::map::patient::patient;
use ketaclinic_fhir::resources::BundleSearch;
use ketaclinic_fhir::{Bundle, BundleEntry, BundleLink, Resource, ServerBase};

use crate::fhir::{Fhir, FhirActor, Outcome};
use crate::fhir_search::DateParam;
use crate::fhir_search::ParamError;
use crate::state::AppState;

#[derive(Default)]
struct Search {
    id: Option<String>,
    mrn: Option<(Option<String>, String)>,
    family: Option<String>,
    given: Option<String>,
    name: Option<String>,
    birthdates: Vec<DateParam>,
    count: u32,
    cursor: Option<String>,
}

fn bad(param: &str, message: &str) -> Outcome {
    crate::fhir_paging::refused(vec![ParamError::new(param, message)])
}

fn parse(query: &str) -> Result<Search, Outcome> {
    let mut s = Search { count: 20, ..Search::default() };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = value.trim().to_owned();
        match key.as_ref() {
            "_id" => s.id = Some(value),
            "identifier" => {
                s.mrn = Some(match value.split_once('|') {
                    Some((system, v)) => ((!system.is_empty()).then(|| system.to_owned()), v.to_owned()),
                    None => (None, value),
                });
            }
            "family" => s.family = Some(value.to_lowercase()),
            "given" => s.given = Some(value.to_lowercase()),
            "name" => s.name = Some(value.to_lowercase()),
            "birthdate" => s.birthdates.push(DateParam::parse(&value).map_err(|e| bad("birthdate", &e.message))?),
            "_count" => s.count = value.parse().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| bad("_count", "must be a number from 1 to 100"))?,
            "_cursor" => s.cursor = Some(value),
            "_format" if value.contains("json") => {}
            other => return Err(bad(other, "is not a supported Patient search parameter (see /fhir/metadata)")),
        }
    }
    if s.id.is_none() && s.mrn.is_none() && s.family.is_none() && s.given.is_none() && s.name.is_none() && s.birthdates.is_empty() {
        return Err(bad("_id", "give at least one of _id, identifier, family, given, name, birthdate"));
    }
    Ok(s)
}

fn matches(p: &DomainPatient, s: &Search, base: &ServerBase) -> bool {
    let d = &p.details;
    let (family, given) = (d.family_name.as_str().to_lowercase(), d.given_name.as_str().to_lowercase());
    s.id.as_ref().is_none_or(|id| *id == p.id.to_string())
        && s.mrn.as_ref().is_none_or(|(system, v)| system.as_ref().is_none_or(|sys| *sys == base.mrn_system()) && v.eq_ignore_ascii_case(p.mrn.as_str()))
        && s.family.as_ref().is_none_or(|f| family.starts_with(f.as_str()))
        && s.given.as_ref().is_none_or(|g| given.starts_with(g.as_str()))
        && s.name.as_ref().is_none_or(|n| family.starts_with(n.as_str()) || given.starts_with(n.as_str()))
        && s.birthdates.iter().all(|b| b.matches_day(d.birth_date.date()))
}

/// `GET /fhir/Patient?…` (`patient.read`; audited as a patient search).
pub async fn search(State(state): State<AppState>, FhirActor(actor): FhirActor, RawQuery(query): RawQuery) -> Result<Fhir, Outcome> {
    let query = query.unwrap_or_default();
    let s = parse(&query)?;
    let grant = state.app.authorize::<perm::PatientRead>(&actor).await?;
    let base = ServerBase::new(&state.web.public_url);
    let (items, next_cursor) = if let Some(id) = &s.id {
        let found = match id.parse::<uuid::Uuid>() {
            Ok(uuid) => match state.app.patient(&grant, PatientId(uuid)).await {
                Ok(p) => vec![p],
                Err(AppError::NotFound) => Vec::new(),
                Err(other) => return Err(other.into()),
            },
            Err(_) => Vec::new(),
        };
        (found, None)
    } else {
        // The native search takes name words, an MRN, or a birth date.
        let words: Vec<&str> = [&s.family, &s.given, &s.name].into_iter().flatten().map(String::as_str).collect();
        // A single plain day is looked up directly; a range reads every patient a page at a
        // time and keeps the matches.
        let day = match s.birthdates.as_slice() {
            [one] => one.as_day(),
            _ => None,
        };
        let text = match (&s.mrn, words.is_empty(), day) {
            (Some((_, mrn)), _, _) => mrn.clone(),
            (None, false, _) => words.join(" "),
            (None, true, Some(day)) => day.to_string(),
            (None, true, None) => String::new(),
        };
        let page = state.app.search_patients(&grant, &text, s.cursor.as_deref(), Some(s.count), false).await?;
        (page.items, page.next_cursor)
    };
    let mut link = vec![BundleLink { relation: "self".to_owned(), url: format!("{}/Patient?{query}", base.fhir()) }];
    if let Some(cursor) = next_cursor {
        let mut next = form_urlencoded::Serializer::new(String::new());
        next.extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "_cursor"));
        next.append_pair("_cursor", &cursor);
        link.push(BundleLink { relation: "next".to_owned(), url: format!("{}/Patient?{}", base.fhir(), next.finish()) });
    }
    let entry = items
        .iter()
        .filter(|p| matches(p, &s, &base))
        .map(|p| BundleEntry {
            full_url: Some(format!("{}/Patient/{}", base.fhir(), p.id)),
            resource: Resource::Patient(Box::new(patient(p, &base))),
            search: Some(BundleSearch { mode: "match".to_owned() }),
        })
        .collect();
    Ok(Fhir(StatusCode::OK, Resource::Bundle(Bundle { type_: "searchset".to_owned(), total: None, link, entry })))
}
