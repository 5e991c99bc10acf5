//! An instrument definition as a `Questionnaire` whose answers the QuestionnaireResponse create
//! endpoint accepts as they are: each item's `linkId` is the instrument's item id (the native
//! API's answer key), a choice item is `integer` with the scored values as `answerOption`
//! `valueInteger` (answered with `valueInteger`), a yes/no item is `boolean` (answered with
//! `valueBoolean`). The C-SSRS skip logic is `enableWhen`.
//!
//! Texts are the definition's own: full published wording where its licence allows, the short
//! labels otherwise (`Instrument::wording`); nothing is added here. Option labels have no place
//! on an R4 `valueInteger` option and are left to `GET /api/v1/instruments/{id}`. Codes are the
//! definition's verified LOINC codes: the panel code on the Questionnaire (only PHQ-9's
//! 44249-1 is recorded as verified in the definitions; GAD-7's and the C-SSRS's panel codes are
//! marked only `[M]` there and so left out) and the item codes on items.

use ketaclinic_domain::instruments::{AnswerKind, Asked, Instrument};

use crate::ServerBase;
use crate::codes::LOINC;
use crate::questionnaire::{AnswerOption, EnableWhen, Questionnaire, QuestionnaireItem};
use crate::questionnaire_response::questionnaire_url;
use crate::types::Coding;

fn item(i: &ketaclinic_domain::instruments::Item) -> QuestionnaireItem {
    let (type_, answer_option) = match i.answer {
        AnswerKind::Choice { options } => ("integer", options.iter().map(|o| AnswerOption { value_integer: i64::from(o.value) }).collect()),
        AnswerKind::YesNo => ("boolean", Vec::new()),
    };
    let (required, enable_when) = match i.asked {
        Asked::Always => (true, Vec::new()),
        Asked::Optional | Asked::AtLeastOneOf { .. } => (false, Vec::new()),
        Asked::WhenYes { item } => (true, vec![EnableWhen { question: item.to_owned(), operator: "=".to_owned(), answer_boolean: true }]),
    };
    QuestionnaireItem {
        link_id: i.id.to_owned(),
        code: i.loinc.iter().map(|l| Coding::new(LOINC, l.as_str(), "")).collect(),
        text: Some(i.text.to_owned()),
        type_: type_.to_owned(),
        enable_when,
        required: Some(required),
        answer_option,
    }
}

/// The FHIR id of an instrument's Questionnaire: its key with `_` written `-` (`qids-sr16`),
/// because FHIR ids allow no underscore. The canonical URL keeps the key itself (it is what
/// QuestionnaireResponses name and the create endpoint reads), and the read endpoint accepts
/// both spellings, so the canonical URL resolves.
pub fn questionnaire_id(instrument_key: &str) -> String {
    instrument_key.replace('_', "-")
}

/// The instrument as a Questionnaire: id [`questionnaire_id`], `url` its canonical URL (the
/// one a QuestionnaireResponse names), status `active`.
pub fn questionnaire(instrument: &Instrument, base: &ServerBase) -> Questionnaire {
    Questionnaire {
        id: questionnaire_id(instrument.id),
        url: questionnaire_url(base, instrument.id),
        name: instrument.id.to_ascii_uppercase(),
        title: instrument.title.to_owned(),
        status: "active".to_owned(),
        subject_type: vec!["Patient".to_owned()],
        description: (!instrument.instructions.is_empty()).then(|| instrument.instructions.to_owned()),
        copyright: (!instrument.licence.is_empty()).then(|| instrument.licence.to_owned()),
        code: instrument.codes.panel.iter().map(|l| Coding::new(LOINC, l.as_str(), "")).collect(),
        item: instrument.items.iter().map(item).collect(),
    }
}
