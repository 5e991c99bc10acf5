//! The bundled rows of the drug table (see `drugs.rs` for how they are used).
//!
//! Minimum adequate daily doses are the US label's recommended or usual effective adult dose
//! for major depressive disorder; where the label gives a starting step below its therapeutic
//! range (bupropion 150 → 300, imipramine 75 → 150 for outpatients) the target is used. Each
//! `source` names what was read and where. Confidence is `medium` throughout because the label
//! wording was read in copies, not on DailyMed itself; `low` marks a number that is not a US
//! MDD label dose at all (fluvoxamine and clomipramine are labelled for OCD only).
//!
//! Interacting classes (no dose): REFERENCE §3.4 names the classes (benzodiazepines, opioids,
//! sedative hypnotics, psychostimulants — amphetamines, methylphenidate, modafinil,
//! armodafinil —, MAOIs, lamotrigine); membership of each drug is standard pharmacology.

use super::drugs::{Confidence, DrugClass, DrugEntry, MinAdequateDose};

use Confidence::{Low, Medium};
use DrugClass::{Benzodiazepine, Lamotrigine, Maoi, Opioid, OtherAntidepressant, Psychostimulant, SedativeHypnotic, Snri, Ssri, Tca};

/// One bundled row, in `const` form.
#[derive(Debug)]
pub(super) struct Row {
    name: &'static str,
    brands: &'static [&'static str],
    classes: &'static [DrugClass],
    dose: Option<(f64, Confidence, &'static str)>,
}

impl Row {
    pub(super) fn to_entry(&self) -> DrugEntry {
        DrugEntry {
            name: self.name.to_owned(),
            brands: self.brands.iter().map(|b| (*b).to_owned()).collect(),
            classes: self.classes.to_vec(),
            min_adequate_dose: self.dose.map(|(daily_mg, confidence, source)| MinAdequateDose { daily_mg, confidence, source: source.to_owned() }),
        }
    }
}

const fn antidepressant(
    name: &'static str,
    brands: &'static [&'static str],
    classes: &'static [DrugClass],
    mg: f64,
    confidence: Confidence,
    source: &'static str,
) -> Row {
    Row { name, brands, classes, dose: Some((mg, confidence, source)) }
}

const fn interacting(name: &'static str, brands: &'static [&'static str], classes: &'static [DrugClass]) -> Row {
    Row { name, brands, classes, dose: None }
}

pub(super) const BUNDLED: &[Row] = &[
    // SSRIs
    antidepressant(
        "fluoxetine",
        &["prozac"],
        &[Ssri],
        20.0,
        Medium,
        "FDA label fluoxetine (PROZAC), Dosage and Administration, MDD adults: 20 mg/day in the morning recommended as the initial dose; label wording quoted at https://www.droracle.ai/articles/150102/what-is-the-recommended-starting-dose-of-prozac-fluoxetine",
    ),
    antidepressant(
        "sertraline",
        &["zoloft"],
        &[Ssri],
        50.0,
        Medium,
        "FDA label sertraline, Dosage and Administration, MDD: 50 mg once daily (trials 50-200 mg/day); label text read at http://fr.diagnosispro.com/drug_information-for/sertraline-hcl-caremark-l-c-dosage-and-administration/8295-551870.html",
    ),
    antidepressant(
        "paroxetine",
        &["paxil", "pexeva"],
        &[Ssri],
        20.0,
        Medium,
        "FDA label PAXIL, Dosage and Administration, MDD: recommended initial dose 20 mg/day (trials 20-50 mg/day); label wording quoted at https://www.droracle.ai/articles/159810/what-is-the-recommended-dosage-and-treatment-regimen-for",
    ),
    antidepressant(
        "citalopram",
        &["celexa"],
        &[Ssri],
        20.0,
        Medium,
        "Usual adult dose for depression (label-derived): 20 mg once daily, maintenance 20-40 mg; https://www.drugs.com/dosage/citalopram.html",
    ),
    antidepressant(
        "escitalopram",
        &["lexapro"],
        &[Ssri],
        10.0,
        Medium,
        "FDA label escitalopram, 2.1 MDD adults: recommended dose 10 mg once daily; label text read at https://recallguide.org/drug/escitalopram",
    ),
    antidepressant(
        "fluvoxamine",
        &["luvox"],
        &[Ssri],
        100.0,
        Low,
        "Not a US MDD dose: the US label is for OCD only (start 50 mg, effective 100-300 mg/day; http://www.druglib.com/druginfo/fluvoxamine/indications_dosage/); 100 mg/day is the low end of that range",
    ),
    // SNRIs
    antidepressant(
        "venlafaxine",
        &["effexor", "effexor xr"],
        &[Snri],
        75.0,
        Medium,
        "FDA label venlafaxine tablets, Dosage and Administration: recommended starting dose 75 mg/day (outpatients effective 75-225 mg/day); label wording quoted at https://www.droracle.ai/articles/158320/what-is-the-recommended-dosage-and-treatment-plan-for",
    ),
    antidepressant(
        "desvenlafaxine",
        &["pristiq"],
        &[Snri],
        50.0,
        Medium,
        "PRISTIQ: recommended dose 50 mg once daily, no additional benefit above 50 mg/day; Pfizer prescribing information (Malaysia) read at https://prdmimsweb.azurewebsites.net/malaysia/drug/info/pristiq/dosage (US label not read directly)",
    ),
    antidepressant(
        "duloxetine",
        &["cymbalta", "drizalma"],
        &[Snri],
        40.0,
        Medium,
        "FDA label duloxetine, 2.2 MDD adults: recommended dosage 40 mg/day (20 mg twice daily) to 60 mg/day; label wording quoted at https://www.droracle.ai/articles/17295/what-is-the-recommended-dose-of-duloxetine-cymbalta",
    ),
    antidepressant(
        "levomilnacipran",
        &["fetzima"],
        &[Snri],
        40.0,
        Medium,
        "Usual adult dose for depression (label-derived): 20 mg for 2 days, then 40 mg once daily, maintenance 40-120 mg; https://www.drugs.com/dosage/levomilnacipran.html",
    ),
    // Other antidepressants
    antidepressant(
        "bupropion",
        &["wellbutrin", "wellbutrin sr", "wellbutrin xl"],
        &[OtherAntidepressant],
        300.0,
        Medium,
        "FDA label bupropion SR, 2.1: usual adult target dose 300 mg/day (start 150 mg/day); label text read at https://getjapan.org/page/en-bupropion-sr-100mg-twice-a-day-ujstc; immediate-release usual adult dose 300 mg/day (DailyMed copy http://linkedlifedata.com/resource/dailymed-drugs/1785)",
    ),
    antidepressant(
        "mirtazapine",
        &["remeron", "remeronsoltab"],
        &[OtherAntidepressant],
        15.0,
        Medium,
        "REMERON label, Recommended Dosage: starting dose 15 mg once daily, up to 45 mg/day; label text at https://drugs.com/dosage/remeron.html",
    ),
    antidepressant(
        "vortioxetine",
        &["trintellix", "brintellix"],
        &[OtherAntidepressant],
        10.0,
        Medium,
        "TRINTELLIX label: recommended starting dose 10 mg once daily, then 20 mg/day as tolerated (5 mg/day only if higher doses are not tolerated); label text at https://www.drugs.com/dosage/trintellix.html",
    ),
    antidepressant(
        "vilazodone",
        &["viibryd"],
        &[OtherAntidepressant],
        20.0,
        Medium,
        "VIIBRYD: 20 mg therapeutic dose, target 20-40 mg once daily with food; manufacturer page https://www.viibrydhcp.com/dosages (an older label recommended 40 mg)",
    ),
    antidepressant(
        "trazodone",
        &["desyrel", "oleptro"],
        &[OtherAntidepressant],
        150.0,
        Medium,
        "FDA label trazodone (DESYREL), usual adult dosage: initial 150 mg/day in divided doses; label text at https://themeditary.com/dosage-information/desyrel-dosage-282.html and DailyMed copy http://linkedlifedata.com/resource/dailymed-drugs/979",
    ),
    // TCAs
    antidepressant(
        "amitriptyline",
        &["elavil"],
        &[Tca],
        75.0,
        Medium,
        "ELAVIL label, Dosage: for outpatients 75 mg a day in divided doses is usually satisfactory (up to 150 mg); label text at https://globalrph.com/rx-list/elavil-drug",
    ),
    antidepressant(
        "nortriptyline",
        &["pamelor", "aventyl"],
        &[Tca],
        75.0,
        Medium,
        "Nortriptyline label, Usual Adult Dose: 25 mg three or four times daily (75-100 mg/day); label text at https://www.recallguide.org/manufacturer/ranbaxy-laboratories-limited/",
    ),
    antidepressant(
        "imipramine",
        &["tofranil", "tofranil-pm"],
        &[Tca],
        150.0,
        Medium,
        "Imipramine prescribing information: outpatients initially 75 mg/day increased to 150 mg/day (maintenance 50-150); read at https://genesight.com/product/medications-tofranil-imipramine; 150 mg is the outpatient target",
    ),
    antidepressant(
        "desipramine",
        &["norpramin"],
        &[Tca],
        100.0,
        Medium,
        "NORPRAMIN label: usual adult dose 100 to 200 mg per day; label text at http://webmail.druglib.com/druginfo/norpramin/indications_dosage/",
    ),
    antidepressant(
        "clomipramine",
        &["anafranil"],
        &[Tca],
        100.0,
        Low,
        "Not a US MDD dose: the US ANAFRANIL label is for OCD only (25 mg/day raised to about 100 mg/day over 2 weeks; https://www.rxlist.com/consumer_clomipramine_anafranil/drugs-condition.htm)",
    ),
    antidepressant(
        "doxepin",
        &["sinequan"],
        &[Tca],
        75.0,
        Medium,
        "Doxepin hydrochloride capsules US prescribing information (2025), 2.2: starting 75 mg/day, target 75-150 mg/day; read at https://prescriberpoint.com/therapies/doxepin-hydrochloride-fdaf3bd",
    ),
    // MAOIs
    antidepressant(
        "phenelzine",
        &["nardil"],
        &[Maoi],
        60.0,
        Medium,
        "NARDIL label: 15 mg three times a day, increased to at least 60 mg/day; https://www.drugs.com/dosage/phenelzine.html and label copy https://angelfire.com/mn2/illstandbyyou/NARDIL.html",
    ),
    antidepressant(
        "tranylcypromine",
        &["parnate"],
        &[Maoi],
        30.0,
        Medium,
        "Usual adult dose for depression (label-derived): 30 mg/day in divided doses, max 60 mg; https://www.drugs.com/dosage/tranylcypromine.html",
    ),
    antidepressant(
        "isocarboxazid",
        &["marplan"],
        &[Maoi],
        40.0,
        Medium,
        "MARPLAN label: 10 mg twice daily raised to 40 mg/day by the end of the first week, max 60 mg; label wording at https://cms.centerwatch.com/directories/1067-fda-approved-drugs/listing/3809-marplan-isocarboxazid",
    ),
    antidepressant(
        "selegiline transdermal",
        &["emsam", "selegiline transdermal system", "selegiline patch"],
        &[Maoi],
        6.0,
        Medium,
        "EMSAM label: recommended starting and target dose 6 mg/24 hours (daily_dose_mg is mg per 24 h); label text at http://www.druglib.com/druginfo/emsam/indications_dosage/",
    ),
    // Oral selegiline is labelled for Parkinson's disease, not depression: an MAOI for the
    // interaction rule, but no antidepressant dose, so a trial of it cannot be assessed.
    interacting("selegiline", &["eldepryl", "zelapar"], &[Maoi]),
    // Benzodiazepines
    interacting("lorazepam", &["ativan"], &[Benzodiazepine]),
    interacting("alprazolam", &["xanax"], &[Benzodiazepine]),
    interacting("clonazepam", &["klonopin"], &[Benzodiazepine]),
    interacting("diazepam", &["valium"], &[Benzodiazepine]),
    interacting("temazepam", &["restoril"], &[Benzodiazepine]),
    interacting("chlordiazepoxide", &["librium"], &[Benzodiazepine]),
    interacting("oxazepam", &[], &[Benzodiazepine]),
    interacting("triazolam", &["halcion"], &[Benzodiazepine]),
    interacting("clorazepate", &["tranxene"], &[Benzodiazepine]),
    interacting("midazolam", &[], &[Benzodiazepine]),
    // Non-benzodiazepine sedative hypnotics
    interacting("zolpidem", &["ambien", "ambien cr", "edluar", "intermezzo"], &[SedativeHypnotic]),
    interacting("zaleplon", &["sonata"], &[SedativeHypnotic]),
    interacting("eszopiclone", &["lunesta"], &[SedativeHypnotic]),
    // Opioids
    interacting("oxycodone", &["oxycontin", "roxicodone", "percocet"], &[Opioid]),
    interacting("hydrocodone", &["hysingla", "zohydro", "norco", "vicodin"], &[Opioid]),
    interacting("morphine", &["ms contin"], &[Opioid]),
    interacting("hydromorphone", &["dilaudid"], &[Opioid]),
    interacting("oxymorphone", &["opana"], &[Opioid]),
    interacting("codeine", &[], &[Opioid]),
    interacting("tramadol", &["ultram"], &[Opioid]),
    interacting("tapentadol", &["nucynta"], &[Opioid]),
    interacting("buprenorphine", &["subutex", "suboxone", "butrans", "belbuca", "sublocade"], &[Opioid]),
    interacting("methadone", &["dolophine", "methadose"], &[Opioid]),
    interacting("fentanyl", &["duragesic"], &[Opioid]),
    interacting("meperidine", &["demerol"], &[Opioid]),
    // Psychostimulants
    interacting("amphetamine", &["adderall", "evekeo", "adzenys"], &[Psychostimulant]),
    interacting("dextroamphetamine", &["dexedrine", "zenzedi"], &[Psychostimulant]),
    interacting("lisdexamfetamine", &["vyvanse"], &[Psychostimulant]),
    interacting("methamphetamine", &["desoxyn"], &[Psychostimulant]),
    interacting("methylphenidate", &["ritalin", "concerta", "metadate", "daytrana"], &[Psychostimulant]),
    interacting("dexmethylphenidate", &["focalin"], &[Psychostimulant]),
    interacting("modafinil", &["provigil"], &[Psychostimulant]),
    interacting("armodafinil", &["nuvigil"], &[Psychostimulant]),
    // Lamotrigine
    interacting("lamotrigine", &["lamictal"], &[Lamotrigine]),
];
