//! Form plumbing: reading `application/x-www-form-urlencoded` bodies, and the view model of a
//! form field (label, value kept after a refusal, its error next to it, hints, `autocomplete`
//! and `inputmode`) that `templates/macros.html` renders accessibly.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use ketaclinic_domain::FieldError;
use serde::de::DeserializeOwned;

use super::{error_page, sentence};

/// A form body parsed into `T` (whose fields should default, so a missing field is a
/// validation error of the use case rather than an unreadable form).
#[derive(Debug, Clone)]
pub(crate) struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                error_page(StatusCode::PAYLOAD_TOO_LARGE, "Form too large", "The form holds more text than the clinic accepts. Shorten it and try again.")
            } else {
                error_page(StatusCode::BAD_REQUEST, "The form could not be read", "Reload the page and submit it again.")
            }
        })?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| error_page(StatusCode::BAD_REQUEST, "The form could not be read", "Reload the page and submit it again."))
    }
}

/// Query parameters parsed into `T` (fields should default); an unreadable query is a 400 page.
#[derive(Debug, Clone)]
pub(crate) struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
            .map(Self)
            .map_err(|_| error_page(StatusCode::BAD_REQUEST, "The address could not be read", "Go back and try again, or start from the home page."))
    }
}

/// The label people see for a field name the use cases report.
pub(crate) fn label_of(field: &str) -> &str {
    match field {
        "given_name" => "Given name",
        "family_name" => "Family name",
        "birth_date" => "Date of birth",
        "sex" => "Sex",
        "phone" => "Phone",
        "email" => "E-mail",
        "mrn" => "MRN",
        "reason" => "Reason",
        "name" => "Name",
        "role" => "Role",
        "password" => "Password",
        "current_password" => "Current password",
        "new_password" => "New password",
        "confirm_password" => "New password again",
        "q" => "Search",
        "cursor" => "Page link",
        "version" => "Version",
        "status" => "Status",
        "actor_id" => "Staff id",
        "patient_id" => "Patient id",
        "action" => "Action",
        "note" => "Note",
        "at" => "Time",
        "dose_mg" => "Dose (mg)",
        "effect" => "Effect",
        "severity" => "Severity",
        "text" => "Note",
        "level" => "MOAA/S level",
        "message" => "Message",
        "best_time" => "Best time to call",
        "consent_to_contact" => "Consent to contact",
        "channel" => "Channel",
        "outcome" => "Outcome",
        "from" => "From",
        "to" => "To",
        other => other,
    }
}

/// An entry of the error summary at the top of a form.
#[derive(Debug, Clone)]
pub(crate) struct ErrorLink {
    pub href: String,
    pub text: String,
}

/// One form control and its state.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `date`, `email`, `tel`, `password`, `search`, `select` or `textarea`.
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub hint: &'static str,
    pub autocomplete: &'static str,
    pub inputmode: &'static str,
    pub required: bool,
    /// Show "(optional)" after the label of a field that is not required.
    pub mark_optional: bool,
    pub maxlength: usize,
    /// Choices of a `select`: value and label.
    pub options: Vec<(String, String)>,
}

impl Field {
    /// A required control.
    pub fn new(name: &'static str, label: &'static str, kind: &'static str) -> Self {
        Self {
            name,
            label,
            kind,
            value: String::new(),
            error: None,
            hint: "",
            autocomplete: "off",
            inputmode: "",
            required: true,
            mark_optional: true,
            maxlength: 0,
            options: Vec::new(),
        }
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Self {
        self.autocomplete = autocomplete;
        self
    }

    pub fn inputmode(mut self, inputmode: &'static str) -> Self {
        self.inputmode = inputmode;
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Optional without saying so (every field of a filter form is optional).
    pub fn filter(mut self) -> Self {
        self.required = false;
        self.mark_optional = false;
        self
    }

    pub fn maxlength(mut self, maxlength: usize) -> Self {
        self.maxlength = maxlength;
        self
    }

    pub fn options(mut self, options: impl IntoIterator<Item = (String, String)>) -> Self {
        self.options = options.into_iter().collect();
        self
    }

    /// The ids of the hint and error, for `aria-describedby` (empty when neither is shown).
    pub fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }

    /// Whether `value` is the selected choice of a `select`.
    pub fn selected(&self, value: &str) -> bool {
        self.value == value
    }
}

/// Attaches `errors` to `fields` (by name) and returns the error summary, in field order and
/// then any error that names no field on the form.
pub(crate) fn apply_errors(fields: &mut [Field], errors: &[FieldError]) -> Vec<ErrorLink> {
    let mut summary = Vec::new();
    for field in fields.iter_mut() {
        let messages: Vec<&str> = errors.iter().filter(|e| e.field == field.name).map(|e| e.message.as_str()).collect();
        if !messages.is_empty() {
            let text = sentence(&format!("{} {}", field.label, messages.join("; ")));
            summary.push(ErrorLink { href: format!("#{}", field.name), text: text.clone() });
            field.error = Some(text);
        }
    }
    for error in errors.iter().filter(|e| !fields.iter().any(|f| f.name == e.field)) {
        summary.push(ErrorLink { href: "#form-errors".to_owned(), text: sentence(&format!("{} {}", label_of(&error.field), error.message)) });
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_attach_to_their_fields_and_the_summary() {
        let mut fields = vec![Field::new("given_name", "Given name", "text"), Field::new("birth_date", "Date of birth", "date").hint("Year first")];
        let errors = vec![FieldError::new("birth_date", "must not be in the future"), FieldError::new("version", "is stale")];
        let summary = apply_errors(&mut fields, &errors);
        assert_eq!(fields[1].error.as_deref(), Some("Date of birth must not be in the future."));
        assert_eq!(fields[1].describedby(), "birth_date-hint birth_date-error");
        assert!(fields[0].error.is_none());
        assert_eq!(fields[0].describedby(), "");
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].href, "#birth_date");
        assert_eq!(summary[1].text, "Version is stale.");
    }
}
