//! The JSON contract: doc/schema/ holds one JSON Schema per record type, doc/json.md
//! describes them. Every record type the code defines has a schema; every record in the
//! renderer snapshots and in the docs keeps it; a broken record is caught.
use crate::lab;

use lab::schema::{check, violation};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.to_string_lossy().ends_with(ext) {
            out.push(p);
        }
    }
}

/// The record types the code writes as JSON: every `const TYPE` of a `Record`, and
/// `probe-stats` (a probe record under another type, written by `--count`). `dns-query` is a
/// row of `resolve --explain`'s table only: in JSON a query is an element of the `resolve`
/// record's `explain.queries`, and its schema is there.
fn code_types() -> BTreeSet<String> {
    let mut files = Vec::new();
    files_under(&root().join("src"), ".rs", &mut files);
    let mut types = BTreeSet::from(["probe-stats".to_string()]);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text.lines() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("const TYPE: &'static str = \"") {
                types.insert(rest.trim_end_matches("\";").to_string());
            }
        }
    }
    types.remove("dns-query");
    types
}

fn schema_types() -> BTreeSet<String> {
    std::fs::read_dir(root().join("doc/schema"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_record_type_has_a_schema_and_every_schema_a_record_type() {
    let code = code_types();
    let docs = schema_types();
    assert!(code.len() >= 15, "found only {code:?}");
    assert_eq!(code, docs, "record types in src/ vs schemas in doc/schema/");
    let guide = std::fs::read_to_string(root().join("doc/json.md")).unwrap();
    for t in &code {
        assert!(
            guide.contains(&format!("`{t}`")),
            "doc/json.md does not describe the `{t}` record"
        );
        assert!(
            guide.contains(&format!("\n| `{t}` |")),
            "doc/json.md's record table has no row for `{t}`"
        );
    }
}

/// JSON records written on one line in a file: snapshot bodies, documentation examples.
fn one_line_records(path: &Path) -> Vec<(usize, Value)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("{\"type\":") && l.ends_with('}'))
        .filter_map(|(i, l)| serde_json::from_str(l).ok().map(|v| (i + 1, v)))
        .collect()
}

#[test]
fn every_snapshot_record_keeps_the_contract() {
    let mut snaps = Vec::new();
    files_under(&root().join("src"), ".snap", &mut snaps);
    let mut seen = 0;
    for f in &snaps {
        for (line, v) in one_line_records(f) {
            if let Some(why) = violation(&v) {
                panic!("{}:{line}: {why}", f.display());
            }
            seen += 1;
        }
    }
    assert!(
        seen >= 40,
        "only {seen} records in {} snapshots",
        snaps.len()
    );
}

#[test]
fn every_example_in_the_docs_keeps_the_contract() {
    let mut seen = 0;
    for doc in ["README.md", "doc/json.md", "doc/GUIDE.md"] {
        let path = root().join(doc);
        if !path.exists() {
            continue;
        }
        for (line, v) in one_line_records(&path) {
            if let Some(why) = violation(&v) {
                panic!("{doc}:{line}: {why}");
            }
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} one-line examples in the docs");
}

/// The check can fail: a record with a misspelt state, a missing field, a field the schema
/// does not know, a number as a string, and an unknown type are each refused.
#[test]
fn a_broken_record_is_refused() {
    let good: Value = serde_json::from_str(
        r#"{"type":"probe","target":"h.test","addr":"192.0.2.10","port":22,"proto":"tcp","state":"open","reason":"syn-ack","errno":null,"icmp":null,"rtt_ms":0.4,"tries":1,"local":"192.0.2.1:41234","name":null,"service":null}"#,
    )
    .unwrap();
    check(&good);
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        v
    };
    let cases = [
        broken(&|v| v["state"] = "opne".into()),
        broken(&|v| {
            v.as_object_mut().unwrap().remove("port");
        }),
        broken(&|v| v["surprise"] = 1.into()),
        broken(&|v| v["port"] = "22".into()),
        broken(&|v| v["type"] = "probe-of-no-kind".into()),
    ];
    for c in &cases {
        assert!(violation(c).is_some(), "accepted a broken record: {c}");
    }
}
