//! Perez-Ruixo et al. 2021 (Clin Pharmacokinet 60:501, doi:10.1007/s40262-020-00953-4), the
//! SPRAVATO population model: esketamine + noresketamine (PK.md §1.2, confidence H).
//!
//! Read in nlmixr2lib `PerezRuixo_2020_esketamine.R` (every value annotated with its Table 3
//! row). Structure: esketamine central + two peripherals + a hepato-portal (liver) compartment
//! with well-stirred first pass (elimination `kel` + metabolism `kmet` from the liver);
//! noresketamine two "apparent" compartments. Intranasal: a nasal depot (fraction FRn,
//! first-order `ka_n` into central) plus a swallowed part (`(1 − FRn)·Fgut`, zero-order over
//! `Dsw` into a gut depot, then `ka_sw` into the liver). Oral solution: `Fgut`, zero-order over
//! `Dpo`, then `ka_po` into the liver. Table 3 prints rate constants as "L/h"; they are 1/h.
//! Everything here is converted to minutes.

use super::{Confidence, Drug, ModelId, ModelInfo, Parameter};
use crate::eigen::symmetric_eigen;
use crate::linear::{LinInput, LinearSystem};
use crate::math::{inv_logit, logit};
use crate::modal::{DEPOTS, Depot, MODES, Modal};
use crate::rng::SplitMix64;
use crate::{PkError, RegimenEntry, Route};

/// State indices of the linear system.
pub(crate) const CENTRAL: usize = 0;
const PERIPHERAL1: usize = 1;
const PERIPHERAL2: usize = 2;
const LIVER: usize = 3;
const NASAL: usize = 4;
const SWALLOWED: usize = 5;
const ORAL: usize = 6;
// The population fast path (`modal.rs`) takes the block states, then the depots, in this order.
const _: () = assert!(LIVER + 1 == MODES && NASAL == MODES && ORAL + 1 == MODES + DEPOTS);
pub(crate) const NOR_CENTRAL: usize = 7;
const NOR_PERIPHERAL: usize = 8;
pub(crate) const STATES: usize = 9;

// Table 3 typical values (per hour, L, L/h; h for durations).
const VC: f64 = 192.0;
const Q1: f64 = 84.3;
const VP1: f64 = 143.0;
const Q2: f64 = 37.6;
const VP2: f64 = 417.0;
const QH: f64 = 151.0;
/// Qh falls by 2.19 L/h per year of age above 60.
const QH_AGE_SLOPE: f64 = 2.19;
const VH: f64 = 101.0;
const KEL: f64 = 1.11;
const KEL_ASIAN: f64 = 0.36;
const KMET: f64 = 2.77;
/// Fraction of a 28-mg device absorbed nasally; ×1.34 Japanese; ×0.62 for each later device.
const FRN: f64 = 0.54;
const FRN_JAPANESE: f64 = 1.34;
const FRN_LATER_DEVICE: f64 = 0.62;
const KA_N: f64 = 2.93;
const DSW_H: f64 = 0.53;
const KA_SW: f64 = 1.45;
const FGUT: f64 = 0.64;
const DPO_H: f64 = 0.32;
const KA_PO: f64 = 0.97;
const VCN: f64 = 70.0;
const CLN: f64 = 38.0;
const CLN_ASIAN: f64 = 0.81;
const Q3: f64 = 26.1;
const VPN: f64 = 115.0;

/// Devices more than this far apart start a new session, resetting the later-device effect on
/// FRn. ASSUMPTION: the paper defines the effect per dosing session (devices 5 min apart);
/// the gap that ends a session is not published.
pub(crate) const SESSION_GAP_MIN: f64 = 60.0;
/// Largest amount one intranasal regimen entry may hold (one device).
pub(crate) const DEVICE_MG: f64 = 28.0;

/// Ancestry covariates of the model (Table 3: Asian on kel and CLn/F, Japanese on FRn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ancestry {
    #[default]
    NotAsian,
    AsianNotJapanese,
    Japanese,
}

/// Covariates the model uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Covariates {
    pub age_years: f64,
    pub ancestry: Ancestry,
}

/// Individual parameters in L, L/min, 1/min and min.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Params {
    vc: f64,
    q1: f64,
    vp1: f64,
    q2: f64,
    vp2: f64,
    qh: f64,
    vh: f64,
    kel: f64,
    kmet: f64,
    frn: f64,
    ka_n: f64,
    dsw: f64,
    ka_sw: f64,
    fgut: f64,
    dpo: f64,
    ka_po: f64,
    pub vcn: f64,
    cln: f64,
    q3: f64,
    vpn: f64,
}

/// Log-normal `ω` from a CV: `ω² = ln(1 + CV²)` (PK.md §3.3).
fn omega(cv: f64) -> f64 {
    cv.mul_add(cv, 1.0).ln().sqrt()
}

impl Params {
    /// Typical values for the covariates.
    pub(crate) fn typical(cov: Covariates) -> Self {
        let asian = !matches!(cov.ancestry, Ancestry::NotAsian);
        let japanese = matches!(cov.ancestry, Ancestry::Japanese);
        let per_h = 1.0 / 60.0;
        Self {
            vc: VC,
            q1: Q1 * per_h,
            vp1: VP1,
            q2: Q2 * per_h,
            vp2: VP2,
            qh: (QH - QH_AGE_SLOPE * (cov.age_years - 60.0).max(0.0)) * per_h,
            vh: VH,
            kel: KEL * if asian { KEL_ASIAN } else { 1.0 } * per_h,
            kmet: KMET * per_h,
            frn: (FRN * if japanese { FRN_JAPANESE } else { 1.0 }).min(1.0),
            ka_n: KA_N * per_h,
            dsw: DSW_H * 60.0,
            ka_sw: KA_SW * per_h,
            fgut: FGUT,
            dpo: DPO_H * 60.0,
            ka_po: KA_PO * per_h,
            vcn: VCN,
            cln: CLN * if asian { CLN_ASIAN } else { 1.0 } * per_h,
            q3: Q3 * per_h,
            vpn: VPN,
        }
    }

    /// An individual drawn with the published Ω (Table 3; ω(kmet) is missing from the paper and
    /// set to the nlmixr2lib placeholder CV 30 %, labelled in the model caveats).
    pub(crate) fn sample(cov: Covariates, rng: &mut SplitMix64) -> Self {
        let mut p = Self::typical(cov);
        let mut ln = |cv: f64| (omega(cv) * rng.normal()).exp();
        p.vc *= ln(0.275);
        p.vp1 *= ln(0.493);
        p.qh *= ln(0.232);
        p.vh *= ln(0.346);
        p.kel *= ln(1.20);
        p.kmet *= ln(0.30);
        p.ka_n *= ln(0.615);
        p.ka_sw *= ln(1.32);
        p.ka_po *= ln(1.32);
        p.vcn *= ln(0.316);
        p.cln *= ln(0.254);
        // FRn: additive η on the logit scale, SD 0.708; the Japanese factor acts on the linear
        // per-device FRn (nlmixr2lib encoding).
        let japanese = if matches!(cov.ancestry, Ancestry::Japanese) { FRN_JAPANESE } else { 1.0 };
        p.frn = (inv_logit(logit(FRN) + 0.708 * rng.normal()) * japanese).min(1.0);
        p
    }

    /// The 9-state amount system (see module docs).
    pub(crate) fn system(&self) -> LinearSystem {
        let mut s = LinearSystem::zeros(STATES);
        s.flow(CENTRAL, Some(PERIPHERAL1), self.q1 / self.vc);
        s.flow(PERIPHERAL1, Some(CENTRAL), self.q1 / self.vp1);
        s.flow(CENTRAL, Some(PERIPHERAL2), self.q2 / self.vc);
        s.flow(PERIPHERAL2, Some(CENTRAL), self.q2 / self.vp2);
        s.flow(CENTRAL, Some(LIVER), self.qh / self.vc);
        s.flow(LIVER, Some(CENTRAL), self.qh / self.vh);
        s.flow(LIVER, None, self.kel);
        s.flow(LIVER, Some(NOR_CENTRAL), self.kmet);
        s.flow(NASAL, Some(CENTRAL), self.ka_n);
        s.flow(SWALLOWED, Some(LIVER), self.ka_sw);
        s.flow(ORAL, Some(LIVER), self.ka_po);
        s.flow(NOR_CENTRAL, None, self.cln / self.vcn);
        s.flow(NOR_CENTRAL, Some(NOR_PERIPHERAL), self.q3 / self.vcn);
        s.flow(NOR_PERIPHERAL, Some(NOR_CENTRAL), self.q3 / self.vpn);
        s
    }

    pub(crate) fn vc(&self) -> f64 {
        self.vc
    }

    /// Hepatic extraction `E = CLint / (Qh + CLint)`, `CLint = Vh·(kel + kmet)` (PK.md §1.2).
    #[cfg(test)]
    pub(crate) fn extraction(&self) -> f64 {
        let clint = self.vh * (self.kel + self.kmet);
        clint / (self.qh + clint)
    }

    /// Systemic clearance `Qh·E`, L/min.
    #[cfg(test)]
    pub(crate) fn clearance(&self) -> f64 {
        self.qh * self.extraction()
    }

    /// Symmetrised esketamine disposition block `B` (row-major 4×4; central, two peripherals,
    /// liver, the state order) and its volumes: `K = D^{1/2}·(−B)·D^{−1/2}`, `D = diag(V)`
    /// (see [`crate::modal`]).
    fn symmetric_block(&self) -> ([f64; 16], [f64; MODES]) {
        let n = MODES;
        let mut b = [0.0; 16];
        b[0] = (self.q1 + self.q2 + self.qh) / self.vc;
        let others = [(self.q1, self.vp1, 0.0), (self.q2, self.vp2, 0.0), (self.qh, self.vh, self.kel + self.kmet)];
        for (i, &(q, v, k)) in others.iter().enumerate() {
            let j = i + 1;
            b[j * n + j] = q / v + k;
            let off = -q / (self.vc * v).sqrt();
            b[j] = off;
            b[j * n] = off;
        }
        (b, [self.vc, self.vp1, self.vp2, self.vh])
    }

    /// Terminal esketamine half-life (min): slowest exponent of the symmetrised 4-compartment
    /// block (central, two peripherals, liver).
    pub(crate) fn terminal_half_life_min(&self) -> f64 {
        let (b, _) = self.symmetric_block();
        let eig = symmetric_eigen(&b, MODES);
        let slowest = eig.values.iter().copied().fold(f64::INFINITY, f64::min);
        std::f64::consts::LN_2 / slowest
    }

    /// Sum-of-exponentials form of the esketamine states (everything but noresketamine), for
    /// the population bands: `w_ji = U_0i·U_ji / √(Vc·V_j)` (see [`crate::modal`]).
    pub(crate) fn modal(&self) -> Modal {
        let (b, volumes) = self.symmetric_block();
        let eig = symmetric_eigen(&b, MODES);
        let u = |row: usize, col: usize| eig.vectors.get(row * MODES + col).copied().unwrap_or(0.0);
        let weights = std::array::from_fn(|j| std::array::from_fn(|i| u(CENTRAL, i) * u(j, i) / (self.vc * volumes[j]).sqrt()));
        Modal {
            lambdas: std::array::from_fn(|i| eig.values.get(i).copied().unwrap_or(0.0)),
            weights,
            depots: [Depot { ka: self.ka_n, into: CENTRAL }, Depot { ka: self.ka_sw, into: LIVER }, Depot { ka: self.ka_po, into: LIVER }],
        }
    }

    /// Turns the regimen into inputs. Intranasal entries are single devices (≤ 28 mg); within a
    /// session every device after the first has FRn × 0.62 (Table 3, "Dose on FRn").
    pub(crate) fn inputs(&self, regimen: &[RegimenEntry]) -> Result<Vec<LinInput>, PkError> {
        let mut nasal: Vec<(usize, f64)> = regimen.iter().enumerate().filter(|(_, e)| e.route == Route::Intranasal).map(|(i, e)| (i, e.start_min)).collect();
        nasal.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut later_device = vec![false; regimen.len()];
        let mut previous: Option<f64> = None;
        for &(i, t) in &nasal {
            later_device[i] = previous.is_some_and(|p| t - p <= SESSION_GAP_MIN);
            previous = Some(t);
        }
        let mut out = Vec::with_capacity(regimen.len() * 2);
        for (i, e) in regimen.iter().enumerate() {
            let t = e.start_min;
            match e.route {
                Route::IvBolus => out.push(LinInput::Bolus { t, cmt: CENTRAL, amount: e.dose_mg }),
                Route::IvInfusion => {
                    let d = e.duration_min.unwrap_or(0.0);
                    out.push(LinInput::ZeroOrder { t0: t, t1: t + d, cmt: CENTRAL, rate: e.dose_mg / d });
                }
                Route::Intranasal => {
                    let frn = if later_device[i] { self.frn * FRN_LATER_DEVICE } else { self.frn };
                    out.push(LinInput::Bolus { t, cmt: NASAL, amount: frn * e.dose_mg });
                    let swallowed = (1.0 - frn) * self.fgut * e.dose_mg;
                    out.push(LinInput::ZeroOrder { t0: t, t1: t + self.dsw, cmt: SWALLOWED, rate: swallowed / self.dsw });
                }
                Route::Oral => {
                    let amount = self.fgut * e.dose_mg;
                    out.push(LinInput::ZeroOrder { t0: t, t1: t + self.dpo, cmt: ORAL, rate: amount / self.dpo });
                }
                Route::Im => {
                    return Err(PkError::RouteNotSupported { index: i, model: ModelId::PerezRuixo2021.to_string(), route: e.route.to_string() });
                }
            }
        }
        Ok(out)
    }
}

pub(crate) fn info() -> ModelInfo {
    let p = |name: &str, value: f64, unit: &str| Parameter::new(name, value, unit);
    ModelInfo {
        id: ModelId::PerezRuixo2021,
        drug: Drug::Esketamine,
        population: "820 subjects (256 healthy, 564 TRD), age 18–86, weight 39–170 kg; IN 14–112 mg, IV 28 mg, PO 84 mg".to_owned(),
        source: "Perez-Ruixo C et al. Clin Pharmacokinet 2021;60:501, doi:10.1007/s40262-020-00953-4, Table 3. Encoding: nlmixr2lib PerezRuixo_2020_esketamine.R.".to_owned(),
        confidence: Confidence::High,
        routes: vec![Route::IvBolus, Route::IvInfusion, Route::Intranasal, Route::Oral],
        caveats: vec![
            "Model estimate, not a measured level. Between-subject variability is large (kel IIV 120 %, FRn logit SD 0.71): read the bands.".to_owned(),
            "Intranasal: one regimen entry per 28 mg device; later devices of a session (≤ 60 min after the previous one — the 60-min session gap is an ASSUMPTION) absorb FRn × 0.62.".to_owned(),
            "Noresketamine AUC is 1.41–1.55× the published Table 4 although its Cmax matches (known discrepancy): noresketamine beyond the peak is low confidence.".to_owned(),
            "ω(kmet) is missing from Table 3; population bands use the nlmixr2lib placeholder CV 30 % (ASSUMPTION).".to_owned(),
            "Weight is not a covariate of this model; age acts on hepatic blood flow above 60 y (age assumed ≤ 60 if not given).".to_owned(),
        ],
        parameters: vec![
            p("Vc", VC, "L"),
            p("Q1", Q1, "L/h"),
            p("Vp1", VP1, "L"),
            p("Q2", Q2, "L/h"),
            p("Vp2", VP2, "L"),
            p("Qh", QH, "L/h, −2.19 L/h per year of age above 60"),
            p("Vh", VH, "L"),
            p("kel", KEL, "1/h (×0.36 Asian)"),
            p("kmet", KMET, "1/h"),
            p("FRn", FRN, "fraction per 28 mg device (×1.34 Japanese; ×0.62 later devices)"),
            p("ka_n", KA_N, "1/h"),
            p("Dsw", DSW_H, "h (zero-order, swallowed part)"),
            p("ka_sw", KA_SW, "1/h"),
            p("Fgut", FGUT, "fraction"),
            p("Dpo", DPO_H, "h (zero-order, oral solution)"),
            p("ka_po", KA_PO, "1/h"),
            p("Vcn/F", VCN, "L"),
            p("CLn/F", CLN, "L/h (×0.81 Asian)"),
            p("Q3/F", Q3, "L/h"),
            p("Vpn/F", VPN, "L"),
        ],
    }
}
