//! The official FHIR R4 JSON Schema (see `README.md` beside it), compiled once. Shared by the
//! fhir crate's schema tests and the demo-export test of the `ketaclinic` crate (`#[path]`).

use std::io::Read;
use std::sync::LazyLock;

pub static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let gz = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fhir/tests/schema/fhir.schema.json.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice()).read_to_string(&mut text).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // This copy refers to two definitions it does not define: `Resource` (in every `contained`;
    // the HL7 original points those at `ResourceList`) and `integer64` (an R5 type that leaked
    // into `Extension.value[x]`; R5 writes it as a string of digits). Both are aliased so the
    // schema compiles; nothing else is changed, and we emit neither.
    for missing in ["Resource", "integer64"] {
        assert!(schema["definitions"].get(missing).is_none(), "{missing} is now defined: drop the alias");
    }
    schema["definitions"]["Resource"] = serde_json::json!({"$ref": "#/definitions/ResourceList"});
    schema["definitions"]["integer64"] = serde_json::json!({"type": "string", "pattern": "^-?([0]|([1-9][0-9]*))$"});
    jsonschema::draft6::new(&schema).unwrap()
});

/// Every way `json` breaks the schema, with where (empty when valid).
pub fn schema_errors(json: &serde_json::Value) -> Vec<String> {
    VALIDATOR.iter_errors(json).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}
