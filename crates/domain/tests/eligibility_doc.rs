//! `docs/eligibility.md` shows the rule table and the drug table the code uses; this test fails
//! when they disagree and prints what the document should contain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use ketaclinic_domain::eligibility::{Basis, Cell, DrugTable, RULES};

fn cell(c: &Cell) -> String {
    match c.kind {
        None => "—".to_owned(),
        Some(kind) => format!("{} ({})", kind.as_str(), if c.basis == Basis::Label { "label" } else { "policy" }),
    }
}

fn rules_table() -> String {
    let mut out = String::from("| Rule | esketamine_nasal | iv_ketamine / im_ketamine | Message |\n| --- | --- | --- | --- |\n");
    for r in RULES {
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", r.rule, cell(&r.esketamine_nasal), cell(&r.racemic_ketamine), r.message));
    }
    out
}

fn drug_table() -> String {
    let mut out = String::from("| Drug | Brands | Classes | Minimum adequate dose (mg/day) | Confidence | Source |\n| --- | --- | --- | --- | --- | --- |\n");
    for d in DrugTable::bundled().entries() {
        let classes: Vec<&str> = d.classes.iter().map(|c| c.as_str()).collect();
        let (dose, confidence, source) = match &d.min_adequate_dose {
            Some(m) => (m.daily_mg.to_string(), format!("{:?}", m.confidence).to_lowercase(), m.source.clone()),
            None => ("—".to_owned(), "—".to_owned(), "—".to_owned()),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            d.name,
            d.brands.join(", "),
            classes.join(", "),
            dose,
            confidence,
            source.replace('|', "\\|")
        ));
    }
    out
}

fn section(doc: &str, name: &str) -> String {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let start = doc.find(&begin).unwrap_or_else(|| panic!("no {begin}")) + begin.len();
    let stop = doc.find(&end).unwrap_or_else(|| panic!("no {end}"));
    doc[start..stop].to_owned()
}

#[test]
fn docs_show_the_rules_and_drugs_the_code_uses() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/eligibility.md")).unwrap();
    let rules = rules_table();
    assert_eq!(section(&doc, "rules"), rules, "docs/eligibility.md rule table is out of date; replace it with:\n{rules}");
    let drugs = drug_table();
    assert_eq!(section(&doc, "drugs"), drugs, "docs/eligibility.md drug table is out of date; replace it with:\n{drugs}");
}
