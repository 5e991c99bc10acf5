//! `POST /patients/{id}/assessments/entered-in-error`: marks one assessment entered in error
//! (with the reason) from the patient page, then back to the assessments.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use ketaclinic_app::AppError;
use ketaclinic_app::permissions::perm;
use ketaclinic_domain::ids::{AssessmentId, PatientId};
use serde::Deserialize;

use super::forms::PageForm;
use super::{Ctx, PageResult, error_page, sentence};

/// What the form sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CorrectionForm {
    assessment_id: String,
    reason: String,
}

/// Marks the chosen assessment; a missing reason is a 422 page that says so.
pub(crate) async fn mark(ctx: Ctx, Path(id): Path<String>, PageForm(form): PageForm<CorrectionForm>) -> PageResult {
    let grant = ctx.grant::<perm::AssessmentRecord>().await?;
    let patient = PatientId(ctx.path_id(&id)?);
    let assessment = AssessmentId(ctx.path_id(&form.assessment_id)?);
    match ctx.state.app.mark_assessment_entered_in_error(&grant, patient, assessment, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{patient}?corrected=1#assessments")).into_response()),
        Err(AppError::Invalid(e)) => {
            let text = e.0.iter().map(|f| sentence(&format!("{}: {}", f.field, f.message))).collect::<Vec<_>>().join(" ");
            Err(error_page(StatusCode::UNPROCESSABLE_ENTITY, "Say why the entry is wrong", &format!("{text} Go back and add a reason.")))
        }
        Err(other) => Err(ctx.fail(other)),
    }
}
