//! Pre-checks before dosing (issue 5): the gate between check-in and administration.
//!
//! Each check is evaluated from [`PrecheckFacts`] — what the chart and the session know, plus the
//! nurse's attestations — to an [`Outcome`]: passed, passed with a warning (shown, not
//! blocking), failed, or not applicable to this modality. A failed check blocks dosing unless a
//! prescriber overrides it with a reason; some checks cannot be overridden (see
//! [`Precheck::overridable`]). The sources are named beside each rule in [`evaluate`].

use serde::{Deserialize, Serialize};

use super::thresholds::{PreDoseCheck, Thresholds, Vitals};
use crate::eligibility::DrugClass;
use crate::error::{FieldError, ValidationErrors};

/// Longest override reason.
pub const REASON_MAX: usize = 500;

/// One pre-check, in the order the checklist shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precheck {
    IdentityConfirmed,
    ConsentValid,
    RemsEnrolled,
    EligibilityCurrent,
    Fasting,
    EscortConfirmed,
    MedicationsReviewed,
    PregnancyStatus,
    PreSessionPhq9,
    PreDoseVitals,
}

impl Precheck {
    /// Every check, in checklist order.
    pub const ALL: [Self; 10] = [
        Self::IdentityConfirmed,
        Self::ConsentValid,
        Self::RemsEnrolled,
        Self::EligibilityCurrent,
        Self::Fasting,
        Self::EscortConfirmed,
        Self::MedicationsReviewed,
        Self::PregnancyStatus,
        Self::PreSessionPhq9,
        Self::PreDoseVitals,
    ];

    /// The wire id.
    pub fn id(self) -> &'static str {
        match self {
            Self::IdentityConfirmed => "identity_confirmed",
            Self::ConsentValid => "consent_valid",
            Self::RemsEnrolled => "rems_enrolled",
            Self::EligibilityCurrent => "eligibility_current",
            Self::Fasting => "fasting",
            Self::EscortConfirmed => "escort_confirmed",
            Self::MedicationsReviewed => "medications_reviewed",
            Self::PregnancyStatus => "pregnancy_status",
            Self::PreSessionPhq9 => "pre_session_phq9",
            Self::PreDoseVitals => "pre_dose_vitals",
        }
    }

    /// Parses a wire id.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == raw)
    }

    /// Whether a prescriber may override a failure. Not these:
    /// - identity: the patient in the chair is who the chart says, or nothing else matters;
    /// - consent: treatment without a signed consent is not the prescriber's to waive;
    /// - REMS enrolment: the SPRAVATO REMS requires every patient enrolled before treatment
    ///   (REFERENCE §2.5), a regulatory condition like the label's contraindications;
    /// - medications reviewed: the review is the check (flagged classes never block), and any
    ///   clinician with the chart can do it and attest.
    pub fn overridable(self) -> bool {
        !matches!(self, Self::IdentityConfirmed | Self::ConsentValid | Self::RemsEnrolled | Self::MedicationsReviewed)
    }
}

/// How a check came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "message", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Passed, with something the nurse and prescriber must see (not blocking).
    PassedWithWarning(String),
    /// Blocks dosing unless overridden.
    Failed(String),
    /// Does not apply to this session (e.g. REMS for IV ketamine).
    NotApplicable,
}

impl Outcome {
    /// The wire name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::PassedWithWarning(_) => "passed_with_warning",
            Self::Failed(_) => "failed",
            Self::NotApplicable => "not_applicable",
        }
    }

    /// The warning or failure text.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::PassedWithWarning(m) | Self::Failed(m) => Some(m),
            Self::Passed | Self::NotApplicable => None,
        }
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed(_))
    }
}

/// The nurse's pregnancy attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pregnancy {
    /// Attested not pregnant (tested or asked per clinic policy, REFERENCE §10).
    NotPregnant,
    /// Not of childbearing potential.
    NotApplicable,
}

/// Who drives the patient home, confirmed before dosing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscortContact {
    pub name: String,
    pub phone: String,
}

/// What the nurse confirms at the chair.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attestations {
    pub identity_confirmed: bool,
    pub fasting_confirmed: bool,
    pub escort: Option<EscortContact>,
    pub medications_reviewed: bool,
    pub pregnancy: Option<Pregnancy>,
}

/// The patient's eligibility decision for the session's modality, as far as pre-checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EligibilityState {
    /// No decision for this modality.
    #[default]
    None,
    /// Approved on the newest version of the newest evaluation.
    Approved,
    /// Approved, but the evaluation has changed since (amended or a newer one written).
    ApprovedOnOlderEvaluation,
    /// The latest decision for this modality declined.
    Declined,
}

/// An active medication in one of the classes the REMS monitoring form asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedMedication {
    pub name: String,
    pub class: DrugClass,
}

/// The classes the SPRAVATO REMS monitoring form asks about (REFERENCE §3.4): benzodiazepines,
/// non-benzodiazepine sedative hypnotics, psychostimulants, MAOIs, and opioids (newer form).
pub const REMS_CLASSES: [DrugClass; 5] =
    [DrugClass::Benzodiazepine, DrugClass::SedativeHypnotic, DrugClass::Psychostimulant, DrugClass::Maoi, DrugClass::Opioid];

/// Everything the checks look at.
#[derive(Debug, Clone, Default)]
pub struct PrecheckFacts {
    pub esketamine: bool,
    pub attestations: Attestations,
    /// A signed consent for this modality is on the chart.
    pub consent_signed: bool,
    /// A SPRAVATO REMS patient enrolment is on the chart.
    pub rems_enrolled: bool,
    pub eligibility: EligibilityState,
    /// Active medications in [`REMS_CLASSES`].
    pub flagged_medications: Vec<FlaggedMedication>,
    /// The clinic's protocol asks for a PHQ-9 before each session (setting, default off).
    pub phq9_required: bool,
    /// A PHQ-9 was recorded for the patient today (clinic date).
    pub phq9_today: bool,
    /// The latest reading with a blood pressure, before dosing.
    pub pre_dose_bp: Option<Vitals>,
    pub thresholds: Thresholds,
}

/// One evaluated check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub check: Precheck,
    pub outcome: Outcome,
}

fn attested(yes: bool, what: &str) -> Outcome {
    if yes { Outcome::Passed } else { Outcome::Failed(format!("{what} not confirmed")) }
}

/// Evaluates every check, in checklist order.
pub fn evaluate(f: &PrecheckFacts) -> Vec<CheckResult> {
    let a = &f.attestations;
    Precheck::ALL
        .into_iter()
        .map(|check| {
            let outcome = match check {
                // Identity before any treatment (clinic standard; the REMS form names the patient).
                Precheck::IdentityConfirmed => attested(a.identity_confirmed, "the patient's identity"),
                // Informed consent for the modality (REFERENCE §10).
                Precheck::ConsentValid if f.consent_signed => Outcome::Passed,
                Precheck::ConsentValid => Outcome::Failed("no signed consent for this modality on the chart".to_owned()),
                // SPRAVATO REMS: enrol every patient before the first treatment (REFERENCE §2.5).
                Precheck::RemsEnrolled if !f.esketamine => Outcome::NotApplicable,
                Precheck::RemsEnrolled if f.rems_enrolled => Outcome::Passed,
                Precheck::RemsEnrolled => Outcome::Failed("no SPRAVATO REMS patient enrolment on the chart (REFERENCE §2.5)".to_owned()),
                // The prescriber's eligibility decision (issue 2), on the evaluation as it stands.
                Precheck::EligibilityCurrent => match f.eligibility {
                    EligibilityState::Approved => Outcome::Passed,
                    EligibilityState::ApprovedOnOlderEvaluation => {
                        Outcome::Failed("the evaluation changed after the eligibility decision: a new decision is needed".to_owned())
                    }
                    EligibilityState::Declined => Outcome::Failed("the latest eligibility decision for this modality declined".to_owned()),
                    EligibilityState::None => Outcome::Failed("no eligibility decision for this modality".to_owned()),
                },
                // SPRAVATO: no food for 2 h and no liquids for 30 min before dosing (label,
                // REFERENCE §2.2). No fasting rule for IV/IM ketamine is in REFERENCE.
                Precheck::Fasting if !f.esketamine => Outcome::NotApplicable,
                Precheck::Fasting => attested(a.fasting_confirmed, "no food for 2 h and no liquids for 30 min (SPRAVATO label)"),
                // A named driver with a phone, verified before dosing (REFERENCE §4.5, §10).
                Precheck::EscortConfirmed => match &a.escort {
                    Some(e) if !e.name.trim().is_empty() && !e.phone.trim().is_empty() => Outcome::Passed,
                    _ => Outcome::Failed("no escort (name and phone) confirmed before dosing".to_owned()),
                },
                // The REMS form asks about these classes (REFERENCE §3.4): they are flagged, and the
                // review attestation is what passes the check.
                Precheck::MedicationsReviewed if !a.medications_reviewed => Outcome::Failed("the medication review is not attested".to_owned()),
                Precheck::MedicationsReviewed if f.flagged_medications.is_empty() => Outcome::Passed,
                Precheck::MedicationsReviewed => Outcome::PassedWithWarning(format!(
                    "CNS depressants, stimulants or MAOIs on the chart — monitor sedation and blood pressure closely: {}",
                    f.flagged_medications.iter().map(|m| format!("{} ({})", m.name, m.class.as_str())).collect::<Vec<_>>().join(", ")
                )),
                // Pregnancy status per policy for people of childbearing potential (REFERENCE §10).
                Precheck::PregnancyStatus => match a.pregnancy {
                    Some(Pregnancy::NotPregnant) => Outcome::Passed,
                    Some(Pregnancy::NotApplicable) => Outcome::NotApplicable,
                    None => Outcome::Failed("pregnancy status not attested (not pregnant, or not applicable)".to_owned()),
                },
                // Only when the clinic's protocol asks for it (setting, default off).
                Precheck::PreSessionPhq9 if !f.phq9_required => Outcome::NotApplicable,
                Precheck::PreSessionPhq9 if f.phq9_today => Outcome::Passed,
                Precheck::PreSessionPhq9 => Outcome::Failed("the protocol asks for a PHQ-9 today and none is recorded".to_owned()),
                // BP before dosing (SPRAVATO label, REFERENCE §2.4): caution above 140/90, hold
                // above the clinic's hold line (default 160/100, REFERENCE §4.2).
                Precheck::PreDoseVitals => {
                    let t = &f.thresholds;
                    match f.pre_dose_bp {
                        None => Outcome::Failed("no blood pressure recorded before dosing".to_owned()),
                        Some(v) => {
                            let bp = format!("{}/{}", v.systolic.unwrap_or(0), v.diastolic.unwrap_or(0));
                            match t.pre_dose(&v) {
                                PreDoseCheck::Ok => Outcome::Passed,
                                PreDoseCheck::Caution => Outcome::PassedWithWarning(format!(
                                    "BP {bp} above {}/{}: weigh the blood-pressure rise against the benefit (SPRAVATO label)",
                                    t.caution_systolic, t.caution_diastolic
                                )),
                                PreDoseCheck::Hold => {
                                    Outcome::Failed(format!("BP {bp} above the hold line {}/{}: do not dose", t.hold_systolic, t.hold_diastolic))
                                }
                                PreDoseCheck::Missing => Outcome::Failed("no blood pressure recorded before dosing".to_owned()),
                            }
                        }
                    }
                }
            };
            CheckResult { check, outcome }
        })
        .collect()
}

/// A prescriber's override of a failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckOverride {
    pub check: Precheck,
    pub reason: String,
}

/// Checks the overrides against the results: each names a check that failed and may be
/// overridden, once, with a reason (422 otherwise). Returns the overrides (reasons trimmed) and
/// the failed checks left without one (409 when any).
pub fn gate(results: &[CheckResult], overrides: &[(String, String)]) -> Result<(Vec<PrecheckOverride>, Vec<CheckResult>), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let mut kept: Vec<PrecheckOverride> = Vec::new();
    for (i, (raw, reason)) in overrides.iter().enumerate() {
        let field = |f: &str| format!("overrides[{i}].{f}");
        let Some(check) = Precheck::parse(raw.trim()) else {
            errors.0.push(FieldError::new(field("check"), format!("`{raw}` is not a pre-check")));
            continue;
        };
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > REASON_MAX {
            errors.0.push(FieldError::new(field("reason"), format!("must say why, in 1–{REASON_MAX} characters")));
        }
        if !check.overridable() {
            errors.0.push(FieldError::new(field("check"), format!("`{}` cannot be overridden", check.id())));
        } else if !results.iter().any(|r| r.check == check && r.outcome.is_failed()) {
            errors.0.push(FieldError::new(field("check"), format!("`{}` did not fail: nothing to override", check.id())));
        } else if kept.iter().any(|o| o.check == check) {
            errors.0.push(FieldError::new(field("check"), format!("`{}` is overridden twice", check.id())));
        } else if !reason.is_empty() && reason.chars().count() <= REASON_MAX {
            kept.push(PrecheckOverride { check, reason: reason.to_owned() });
        }
    }
    errors.into_result()?;
    let unmet = results.iter().filter(|r| r.outcome.is_failed() && !kept.iter().any(|o| o.check == r.check)).cloned().collect();
    Ok((kept, unmet))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bp(s: u32, d: u32) -> Vitals {
        Vitals { systolic: Some(s), diastolic: Some(d), heart_rate: Some(72), ..Vitals::default() }
    }

    /// An esketamine patient with everything in order: BP 128/82, no flagged medicines.
    fn ready() -> PrecheckFacts {
        PrecheckFacts {
            esketamine: true,
            attestations: Attestations {
                identity_confirmed: true,
                fasting_confirmed: true,
                escort: Some(EscortContact { name: "Rae Leave".to_owned(), phone: "+12125550143".to_owned() }),
                medications_reviewed: true,
                pregnancy: Some(Pregnancy::NotPregnant),
            },
            consent_signed: true,
            rems_enrolled: true,
            eligibility: EligibilityState::Approved,
            flagged_medications: vec![],
            phq9_required: false,
            phq9_today: false,
            pre_dose_bp: Some(bp(128, 82)),
            thresholds: Thresholds::default(),
        }
    }

    fn outcome(f: &PrecheckFacts, check: Precheck) -> Outcome {
        evaluate(f).into_iter().find(|r| r.check == check).map(|r| r.outcome).unwrap_or(Outcome::NotApplicable)
    }

    fn names(f: &PrecheckFacts) -> Vec<&'static str> {
        evaluate(f).iter().map(|r| r.outcome.name()).collect()
    }

    #[test]
    fn a_ready_esketamine_patient_passes_every_check() {
        let f = ready();
        assert_eq!(names(&f), ["passed", "passed", "passed", "passed", "passed", "passed", "passed", "passed", "not_applicable", "passed"]);
        let (overrides, unmet) = gate(&evaluate(&f), &[]).unwrap_or_default();
        assert!(overrides.is_empty() && unmet.is_empty());
    }

    #[test]
    fn iv_ketamine_skips_rems_and_fasting() {
        let mut f = ready();
        f.esketamine = false;
        f.rems_enrolled = false;
        f.attestations.fasting_confirmed = false;
        assert_eq!(outcome(&f, Precheck::RemsEnrolled), Outcome::NotApplicable);
        assert_eq!(outcome(&f, Precheck::Fasting), Outcome::NotApplicable);
        f.esketamine = true;
        assert!(outcome(&f, Precheck::RemsEnrolled).is_failed());
        assert!(outcome(&f, Precheck::Fasting).is_failed());
    }

    /// SBP 160 is at the hold line (strict "greater than"): caution, dosing may go ahead with the
    /// warning shown. SBP 161 (or DBP 101) holds. 140/90 is fine, 141/90 cautions.
    #[test]
    fn pre_dose_blood_pressure_boundaries() {
        let mut f = ready();
        for (s, d, expected) in
            [(140, 90, "passed"), (141, 90, "passed_with_warning"), (160, 100, "passed_with_warning"), (161, 80, "failed"), (120, 101, "failed")]
        {
            f.pre_dose_bp = Some(bp(s, d));
            assert_eq!(outcome(&f, Precheck::PreDoseVitals).name(), expected, "{s}/{d}");
        }
        f.pre_dose_bp = Some(bp(160, 80));
        assert_eq!(
            outcome(&f, Precheck::PreDoseVitals),
            Outcome::PassedWithWarning("BP 160/80 above 140/90: weigh the blood-pressure rise against the benefit (SPRAVATO label)".to_owned())
        );
        f.pre_dose_bp = Some(bp(161, 80));
        assert_eq!(outcome(&f, Precheck::PreDoseVitals), Outcome::Failed("BP 161/80 above the hold line 160/100: do not dose".to_owned()));
        f.pre_dose_bp = None;
        assert!(outcome(&f, Precheck::PreDoseVitals).is_failed());
    }

    #[test]
    fn flagged_medicines_warn_and_the_review_gates() {
        let mut f = ready();
        f.flagged_medications = vec![
            FlaggedMedication { name: "Lorazepam".to_owned(), class: DrugClass::Benzodiazepine },
            FlaggedMedication { name: "Methylphenidate".to_owned(), class: DrugClass::Psychostimulant },
        ];
        let warned = outcome(&f, Precheck::MedicationsReviewed);
        assert_eq!(warned.name(), "passed_with_warning");
        assert!(warned.message().is_some_and(|m| m.ends_with("Lorazepam (benzodiazepine), Methylphenidate (psychostimulant)")));
        f.attestations.medications_reviewed = false;
        assert!(outcome(&f, Precheck::MedicationsReviewed).is_failed());
    }

    #[test]
    fn eligibility_escort_pregnancy_and_phq9() {
        let mut f = ready();
        for (state, failed) in [
            (EligibilityState::Approved, false),
            (EligibilityState::ApprovedOnOlderEvaluation, true),
            (EligibilityState::Declined, true),
            (EligibilityState::None, true),
        ] {
            f.eligibility = state;
            assert_eq!(outcome(&f, Precheck::EligibilityCurrent).is_failed(), failed, "{state:?}");
        }
        f.attestations.escort = Some(EscortContact { name: "Rae".to_owned(), phone: " ".to_owned() });
        assert!(outcome(&f, Precheck::EscortConfirmed).is_failed(), "a name without a phone");
        f.attestations.pregnancy = Some(Pregnancy::NotApplicable);
        assert_eq!(outcome(&f, Precheck::PregnancyStatus), Outcome::NotApplicable);
        f.attestations.pregnancy = None;
        assert!(outcome(&f, Precheck::PregnancyStatus).is_failed());
        f.phq9_required = true;
        assert!(outcome(&f, Precheck::PreSessionPhq9).is_failed());
        f.phq9_today = true;
        assert_eq!(outcome(&f, Precheck::PreSessionPhq9), Outcome::Passed);
    }

    #[test]
    fn overrides_cover_failed_overridable_checks_only() {
        let mut f = ready();
        f.pre_dose_bp = Some(bp(165, 95));
        f.attestations.escort = None;
        f.consent_signed = false;
        let results = evaluate(&f);
        let o = |c: &str, r: &str| (c.to_owned(), r.to_owned());
        // Without overrides: three unmet, in checklist order.
        let (_, unmet) = gate(&results, &[]).unwrap_or_default();
        assert_eq!(unmet.iter().map(|r| r.check.id()).collect::<Vec<_>>(), ["consent_valid", "escort_confirmed", "pre_dose_vitals"]);
        // Overriding the BP and the escort leaves the consent, which cannot be overridden.
        let (kept, unmet) = gate(&results, &[o("pre_dose_vitals", " recheck 150/90 after rest "), o("escort_confirmed", "clinic car")]).unwrap_or_default();
        assert_eq!(kept.first().map(|k| k.reason.as_str()), Some("recheck 150/90 after rest"));
        assert_eq!(unmet.iter().map(|r| r.check.id()).collect::<Vec<_>>(), ["consent_valid"]);
        let refused = |overrides: &[(String, String)]| gate(&results, overrides).err().map(|e| e.0.iter().map(|f| f.field.clone()).collect::<Vec<_>>());
        assert_eq!(refused(&[o("consent_valid", "verbal ok")]), Some(vec!["overrides[0].check".to_owned()]), "not overridable");
        assert_eq!(refused(&[o("fasting", "why")]), Some(vec!["overrides[0].check".to_owned()]), "fasting passed: nothing to override");
        assert_eq!(refused(&[o("pre_dose_vitals", " ")]), Some(vec!["overrides[0].reason".to_owned()]));
        assert_eq!(refused(&[o("party", "x")]), Some(vec!["overrides[0].check".to_owned()]));
        assert_eq!(refused(&[o("escort_confirmed", "a"), o("escort_confirmed", "b")]), Some(vec!["overrides[1].check".to_owned()]));
    }
}
