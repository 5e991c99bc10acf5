//! The engine's result as the pages show it: the decision (word, icon and colour), every
//! finding with its kind, explanation, source and basis, the TRD panel (per-trial verdicts,
//! unassessable trials, Maudsley and Thase–Rush), and the compact per-modality summary the
//! evaluation page carries.

use ketaclinic_domain::eligibility::rules::{Basis, rule};
use ketaclinic_domain::eligibility::{EligibilityResult, Evaluation, Finding, FindingKind, MaudsleyBand, Modality, TrdAssessment, TrialVerdict};
use ketaclinic_domain::ids::PatientId;

use super::Ctx;
use super::evaluation_labels::{self as labels, DecisionBadge};

/// One finding.
#[derive(Debug, Clone)]
pub(crate) struct FindingView {
    pub rule: String,
    /// `contraindication`, `exclusion`, `caution`, `missing` (CSS modifier).
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub message: String,
    pub source: String,
    /// `Product label` or `Clinic policy`.
    pub basis: &'static str,
    /// Contraindication, exclusion or missing: approving needs an override with a reason.
    pub blocking: bool,
    /// A label contraindication: no override possible.
    pub locked: bool,
}

impl FindingView {
    pub fn of(modality: Modality, f: &Finding) -> Self {
        let basis = rule(&f.rule).map(|r| r.cell(modality).basis);
        let locked = basis == Some(Basis::Label) && f.kind == FindingKind::Contraindication;
        Self {
            rule: f.rule.clone(),
            kind: f.kind.as_str(),
            kind_label: labels::kind(f.kind),
            message: f.message.clone(),
            source: f.source.clone(),
            basis: if basis == Some(Basis::Label) { "Product label" } else { "Clinic policy" },
            blocking: f.kind != FindingKind::Caution,
            locked,
        }
    }
}

/// One trial as the TRD assessment judged it.
#[derive(Debug, Clone)]
pub(crate) struct TrialVerdictView {
    pub number: usize,
    pub drug: String,
    /// `Matched venlafaxine (SNRI), minimum adequate dose 150 mg/day`; empty when not matched.
    pub matched: String,
    pub verdict: &'static str,
    /// `failed`, `responded`, … (CSS modifier).
    pub verdict_key: &'static str,
    pub reasons: Vec<String>,
}

/// The TRD panel.
#[derive(Debug, Clone)]
pub(crate) struct TrdView {
    pub is_trd: bool,
    pub failed_trials: u32,
    pub failed_drugs: u32,
    pub min_failed: u32,
    pub min_weeks: u32,
    pub trials: Vec<TrialVerdictView>,
    pub unassessable: Vec<(usize, String, String)>,
    pub maudsley_score: String,
    pub maudsley_band: &'static str,
    pub components: Vec<(&'static str, String)>,
    pub maudsley_missing: String,
    pub maudsley_note: String,
    pub thase_rush: String,
    pub thase_rush_reason: String,
}

/// The result of one check.
#[derive(Debug, Clone)]
pub(crate) struct ResultView {
    pub decision: DecisionBadge,
    pub findings: Vec<FindingView>,
    pub counts: String,
    pub trd: TrdView,
}

/// Domain text names codes in backticks; on a page, quotes read better.
fn unquote(text: &str) -> String {
    text.replace('`', "\"")
}

fn points(p: Option<u8>) -> String {
    p.map_or_else(|| "not scored".to_owned(), |p| p.to_string())
}

fn trd_view(ctx: &Ctx, t: &TrdAssessment) -> TrdView {
    let policy = &ctx.state.app.settings().eligibility.trd;
    let trials = t
        .trials
        .iter()
        .map(|a| {
            let mut matched = a.matched_drug.clone().map(|m| format!("Matched {m}")).unwrap_or_default();
            if let Some(class) = a.class {
                matched.push_str(&format!(" ({})", labels::drug_class(class)));
            }
            if let Some(min) = a.min_adequate_daily_dose_mg {
                matched.push_str(&format!(", minimum adequate dose {min} mg/day"));
            }
            let verdict_key = match a.verdict {
                TrialVerdict::Failed => "failed",
                TrialVerdict::Responded => "responded",
                TrialVerdict::NotTolerated => "not_tolerated",
                TrialVerdict::Inadequate => "inadequate",
                TrialVerdict::Unassessable => "unassessable",
            };
            TrialVerdictView {
                number: a.index + 1,
                drug: a.drug.clone(),
                matched,
                verdict: labels::verdict(a.verdict),
                verdict_key,
                reasons: a.reasons.iter().map(|r| unquote(r)).collect(),
            }
        })
        .collect();
    let m = &t.maudsley;
    let c = &m.components;
    TrdView {
        is_trd: t.is_trd,
        failed_trials: t.adequate_failed_trials,
        failed_drugs: t.adequate_failed_drugs,
        min_failed: policy.min_failed_trials,
        min_weeks: policy.min_weeks,
        trials,
        unassessable: t.unassessable.iter().map(|u| (u.index + 1, u.drug.clone(), unquote(&u.reason))).collect(),
        maudsley_score: m.score.map_or_else(|| "No score".to_owned(), |s| format!("{s} of 15")),
        maudsley_band: match m.band {
            Some(MaudsleyBand::Mild) => "mild resistance (3–6)",
            Some(MaudsleyBand::Moderate) => "moderate resistance (7–10)",
            Some(MaudsleyBand::Severe) => "severe resistance (11–15)",
            None => "",
        },
        components: vec![
            ("Episode duration", points(c.duration)),
            ("Severity", points(c.severity)),
            (
                "Failed medications",
                format!("{} ({} failed in the episode)", c.treatment_failures.map_or_else(|| "not scored".to_owned(), |p| p.to_string()), m.failed_medications),
            ),
            ("Augmentation", c.augmentation.to_string()),
            ("ECT", c.ect.to_string()),
        ],
        maudsley_missing: m
            .missing
            .iter()
            .map(|f| match f.as_str() {
                "episode_duration_months" => "episode length",
                "severity" => "severity",
                other => other,
            })
            .collect::<Vec<_>>()
            .join(", "),
        maudsley_note: m.note.clone().unwrap_or_default(),
        thase_rush: t.thase_rush_stage.map_or_else(|| "Not staged".to_owned(), |s| format!("Stage {}", labels::roman(s))),
        thase_rush_reason: t.thase_rush_reason.clone(),
    }
}

/// `1 exclusion, 2 cautions`; `No findings`.
fn counts(r: &EligibilityResult) -> String {
    let parts: Vec<String> = FindingKind::ALL
        .iter()
        .filter_map(|k| {
            let n = r.findings.iter().filter(|f| f.kind == *k).count();
            (n > 0).then(|| format!("{n} {}", labels::kind(*k).to_lowercase()))
        })
        .collect();
    if parts.is_empty() { "No findings".to_owned() } else { parts.join(", ") }
}

pub(crate) fn result_view(ctx: &Ctx, modality: Modality, r: &EligibilityResult) -> ResultView {
    ResultView {
        decision: labels::decision(r.decision),
        findings: r.findings.iter().map(|f| FindingView::of(modality, f)).collect(),
        counts: counts(r),
        trd: trd_view(ctx, &r.trd),
    }
}

/// The result for one modality, in short.
#[derive(Debug, Clone)]
pub(crate) struct Compact {
    pub label: &'static str,
    pub decision: DecisionBadge,
    pub counts: String,
    pub trd: String,
    pub rules: String,
    pub href: String,
}

/// The live result of `doc` for every modality (nothing stored, nothing audited beyond the
/// page's own read).
pub(crate) fn compact(ctx: &Ctx, patient: PatientId, doc: &Evaluation) -> Vec<Compact> {
    Modality::ALL
        .iter()
        .filter_map(|m| {
            let r = ctx.state.app.eligibility_result(*m, doc).ok()?;
            let trd = if r.trd.is_trd {
                format!("Treatment-resistant: {} adequate failed trials", r.trd.adequate_failed_trials)
            } else {
                format!("Not established as treatment-resistant ({} adequate failed trials)", r.trd.adequate_failed_trials)
            };
            Some(Compact {
                label: labels::modality(*m),
                decision: labels::decision(r.decision),
                counts: counts(&r),
                trd,
                rules: r.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>().join(", "),
                href: format!("/patients/{patient}/eligibility?modality={}", m.as_str()),
            })
        })
        .collect()
}
