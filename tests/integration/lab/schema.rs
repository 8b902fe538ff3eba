//! The JSON contract (doc/json.md): every record a test sees is checked against its schema
//! under doc/schema/, so a field renamed, retyped or added without the schema fails a test.
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

fn validators() -> &'static HashMap<String, jsonschema::Validator> {
    static V: OnceLock<HashMap<String, jsonschema::Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/schema");
        let mut map = HashMap::new();
        for entry in std::fs::read_dir(&dir).expect("doc/schema is there") {
            let path = entry.expect("a directory entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a schema file reads");
            let schema: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let v = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("{}: not a valid schema: {e}", path.display()));
            map.insert(name, v);
        }
        map
    })
}

/// Why `record` breaks the contract, or `None` when it keeps it.
pub fn violation(record: &Value) -> Option<String> {
    let Some(ty) = record.get("type").and_then(Value::as_str) else {
        return Some(format!("no \"type\" field: {record}"));
    };
    let Some(v) = validators().get(ty) else {
        return Some(format!("record type {ty:?} has no schema in doc/schema/"));
    };
    let errors: Vec<String> = v
        .iter_errors(record)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    (!errors.is_empty()).then(|| format!("{ty}: {}", errors.join("; ")))
}

/// Panics with every broken field when `record` breaks the contract. With
/// `SOCKDIAG_JSON_SAMPLES=FILE` the record is appended to FILE instead of checked: the
/// records a whole run sees, to review a schema change against.
pub fn check(record: &Value) {
    if let Some(file) = std::env::var_os("SOCKDIAG_JSON_SAMPLES") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .expect("the samples file opens");
        writeln!(f, "{record}").expect("a sample is written");
        return;
    }
    if let Some(why) = violation(record) {
        panic!("JSON contract broken (doc/json.md, doc/schema/): {why}\nrecord: {record}");
    }
}
