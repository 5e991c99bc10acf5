//! `docs/permissions.md` shows the permission matrix; this test fails when the code and the
//! document disagree, printing the table the document should contain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests: a failed step should stop the test loudly")]

use ketaclinic_app::permissions::{Permission, allows};
use ketaclinic_domain::staff::Role;

fn rendered() -> String {
    let mut out = String::from("| Permission | What it allows |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n| --- | --- |");
    for _ in Role::ALL {
        out.push_str(" :-: |");
    }
    for p in Permission::ALL {
        out.push_str(&format!("\n| `{}` | {} |", p.as_str(), p.describe()));
        for role in Role::ALL {
            out.push_str(if allows(role, p) { " ✓ |" } else { " – |" });
        }
    }
    out.push('\n');
    out
}

#[test]
fn docs_show_the_matrix_the_code_enforces() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/permissions.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let begin = "<!-- matrix:begin -->\n";
    let end = "<!-- matrix:end -->";
    let start = doc.find(begin).unwrap() + begin.len();
    let stop = doc.find(end).unwrap();
    assert_eq!(&doc[start..stop], rendered(), "docs/permissions.md is out of date; replace the table with the one above");
}

#[test]
fn auditor_changes_nothing() {
    for p in [Permission::PatientRegister, Permission::PatientUpdate, Permission::PatientMarkEnteredInError, Permission::UserManage] {
        assert!(!allows(Role::Auditor, p), "auditor must not have {}", p.as_str());
    }
    assert!(allows(Role::Auditor, Permission::AuditRead));
}
