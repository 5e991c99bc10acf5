//! Finding patients (live search) and registering new ones.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::patients::PatientInput;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::{AppError, Permission};
use ketaclinic_domain::patient::Patient;
use ketaclinic_domain::person::Sex;
use ketaclinic_domain::record::RecordStatus;
use serde::Deserialize;

use super::forms::{ErrorLink, Field, PageForm, PageQuery, apply_errors};
use super::{Ctx, Layout, PageResult, Section, encode};

/// A row of the patient list.
#[derive(Debug, Clone)]
pub(crate) struct PatientRow {
    pub href: String,
    pub mrn: String,
    pub name: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub entered_in_error: bool,
}

impl From<&Patient> for PatientRow {
    fn from(p: &Patient) -> Self {
        Self {
            href: format!("/patients/{}", p.id),
            mrn: p.mrn.as_str().to_owned(),
            name: format!("{}, {}", p.details.family_name.as_str(), p.details.given_name.as_str()),
            birth_date: p.details.birth_date.date().to_string(),
            sex: sex_label(p.details.sex),
            entered_in_error: p.status == RecordStatus::EnteredInError,
        }
    }
}

/// A person-facing label of administrative sex.
pub(crate) fn sex_label(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "Female",
        Sex::Male => "Male",
        Sex::Other => "Other",
        Sex::Unknown => "Unknown",
    }
}

/// The results region (swapped by htmx as the user types).
#[derive(Debug, Clone)]
pub(crate) struct Results {
    pub q: String,
    pub rows: Vec<PatientRow>,
    pub next_href: Option<String>,
    /// Shown instead of the table when there are no rows.
    pub empty: String,
    /// A refused search (e.g. too long).
    pub error: Option<String>,
    pub can_register: bool,
    pub first_page: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "patients.html")]
struct ListPage {
    layout: Layout,
    results: Results,
    include_all: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "patients_results.html")]
struct ResultsPartial {
    results: Results,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListQuery {
    q: String,
    cursor: Option<String>,
    /// `1`: include records entered in error.
    all: Option<String>,
}

/// `GET /patients`: search by name, MRN or birth date; the results alone for htmx.
pub(crate) async fn list(ctx: Ctx, headers: HeaderMap, PageQuery(query): PageQuery<ListQuery>) -> PageResult {
    let grant = ctx.grant::<perm::PatientRead>().await?;
    let include_all = query.all.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
    let cursor = query.cursor.as_deref().filter(|c| !c.is_empty());
    let q = query.q.trim().to_owned();
    let mut results = Results {
        q: q.clone(),
        rows: Vec::new(),
        next_href: None,
        empty: String::new(),
        error: None,
        can_register: ctx.can(Permission::PatientRegister),
        first_page: cursor.is_none(),
    };
    match ctx.state.app.search_patients(&grant, &q, cursor, None, include_all).await {
        Ok(page) => {
            results.rows = page.items.iter().map(PatientRow::from).collect();
            results.next_href = page.next_cursor.map(|c| {
                let all = if include_all { "&all=1" } else { "" };
                format!("/patients?q={}&cursor={}{all}", encode(&q), encode(&c))
            });
        }
        Err(AppError::Invalid(errors)) => {
            results.error =
                Some(errors.0.iter().map(|e| super::sentence(&format!("{} {}", super::forms::label_of(&e.field), e.message))).collect::<Vec<_>>().join(" "));
        }
        Err(other) => return Err(ctx.fail(other)),
    }
    results.empty = match (q.is_empty(), results.first_page) {
        (true, true) => "No patients yet.".to_owned(),
        (false, true) => format!("No patients match “{q}”."),
        (_, false) => "No more patients.".to_owned(),
    };
    let partial = headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request");
    let mut response = if partial {
        ResultsPartial { results }.into_response()
    } else {
        ListPage { layout: ctx.layout("Patients", Section::Patients), results, include_all }.into_response()
    };
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("HX-Request"));
    Ok(response)
}

/// The demographic fields of the register and edit forms, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct PatientFormValues {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: String,
    pub email: String,
    pub mrn: String,
}

impl PatientFormValues {
    pub fn input(&self) -> PatientInput {
        PatientInput {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            phone: Some(self.phone.clone()),
            email: Some(self.email.clone()),
        }
    }

    pub fn of(p: &Patient) -> Self {
        let d = &p.details;
        Self {
            given_name: d.given_name.as_str().to_owned(),
            family_name: d.family_name.as_str().to_owned(),
            birth_date: d.birth_date.date().to_string(),
            sex: d.sex.as_str().to_owned(),
            phone: d.phone.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            email: d.email.as_ref().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            mrn: p.mrn.as_str().to_owned(),
        }
    }
}

/// The demographic controls; `with_mrn` adds the optional MRN (registration only).
pub(crate) fn patient_fields(v: &PatientFormValues, with_mrn: bool) -> Vec<Field> {
    let mut sexes = vec![(String::new(), "Choose…".to_owned())];
    sexes.extend(Sex::ALL.into_iter().map(|s| (s.as_str().to_owned(), sex_label(s).to_owned())));
    let mut fields = vec![
        Field::new("given_name", "Given name", "text").value(&v.given_name).maxlength(100),
        Field::new("family_name", "Family name", "text").value(&v.family_name).maxlength(100),
        Field::new("birth_date", "Date of birth", "date").value(&v.birth_date).hint("As on the patient's ID document."),
        Field::new("sex", "Sex", "select").value(&v.sex).options(sexes).hint("Administrative sex, as on the patient's documents."),
        Field::new("phone", "Phone", "tel").value(&v.phone).optional().inputmode("tel").maxlength(32),
        Field::new("email", "E-mail", "email").value(&v.email).optional().inputmode("email").maxlength(254),
    ];
    if with_mrn {
        fields.push(
            Field::new("mrn", "MRN", "text")
                .value(&v.mrn)
                .optional()
                .maxlength(32)
                .hint("Leave empty and the clinic assigns the next number. Fill in only when another system already gave one."),
        );
    }
    fields
}

#[derive(Template, WebTemplate)]
#[template(path = "patient_new.html")]
struct NewPage {
    layout: Layout,
    fields: Vec<Field>,
    errors: Vec<ErrorLink>,
}

/// `GET /patients/new`.
pub(crate) async fn new_form(ctx: Ctx) -> PageResult {
    ctx.grant::<perm::PatientRegister>().await?;
    let fields = patient_fields(&PatientFormValues::default(), true);
    Ok(NewPage { layout: ctx.layout("Register a patient", Section::Register), fields, errors: Vec::new() }.into_response())
}

/// `POST /patients`: registers, then shows the new record.
pub(crate) async fn create(ctx: Ctx, PageForm(form): PageForm<PatientFormValues>) -> PageResult {
    let grant = ctx.grant::<perm::PatientRegister>().await?;
    match ctx.state.app.register_patient(&grant, &form.input(), Some(form.mrn.as_str())).await {
        Ok(patient) => Ok(Redirect::to(&format!("/patients/{}?notice=created", patient.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut fields = patient_fields(&form, true);
            let errors = apply_errors(&mut fields, &errors.0);
            let page = NewPage { layout: ctx.layout("Register a patient — check the form", Section::Register), fields, errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(ctx.fail(other)),
    }
}
