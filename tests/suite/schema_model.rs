//! The JSON Schemas in `schemas/` agree with the vendored AWS model
//! (`contract/chime-2018-05-01-createuser.model.json`) member by member: names, required
//! members, types, enums, patterns and timestamp formats. A model update makes these tests
//! list exactly what drifted. The model itself is pinned by its SHA-256 in
//! `contract/SHA256SUMS`, so it changes only on purpose.

use serde_json::{json, Value};

use chime_conformance::contract::schema::SCHEMA_SOURCES;

fn model() -> Value {
    serde_json::from_str(include_str!(
        "../../contract/chime-2018-05-01-createuser.model.json"
    ))
    .expect("the vendored model is JSON")
}

fn schema(file: &str) -> Value {
    let text = SCHEMA_SOURCES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("no schema {file}"));
    serde_json::from_str(text).expect("schema is JSON")
}

/// Resolves a `$ref` to another schema file.
fn deref(node: &Value) -> Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(file) => schema(file),
        None => node.clone(),
    }
}

/// Every difference between a model shape and a schema node, as `path: what`.
fn drift(
    model: &Value,
    shape_name: &str,
    node: &Value,
    path: &str,
    skip_members: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    let shape = &model["shapes"][shape_name];
    let node = deref(node);
    let kind = shape["type"].as_str().unwrap_or("?");
    let want_type = match kind {
        "structure" => "object",
        "string" | "timestamp" => "string",
        "boolean" => "boolean",
        other => other,
    };
    if node["type"] != json!(want_type) {
        out.push(format!(
            "{path}: type is {} in the schema, {kind} ({want_type}) in the model",
            node["type"]
        ));
    }
    match kind {
        "structure" => {
            let members = shape["members"].as_object().cloned().unwrap_or_default();
            let properties = node["properties"].as_object().cloned().unwrap_or_default();
            for (name, member) in &members {
                if skip_members.contains(&name.as_str()) {
                    continue;
                }
                match properties.get(name) {
                    None => out.push(format!(
                        "{path}.{name}: in the model, missing from the schema"
                    )),
                    Some(p) => out.extend(drift(
                        model,
                        member["shape"].as_str().unwrap_or("?"),
                        p,
                        &format!("{path}.{name}"),
                        &[],
                    )),
                }
            }
            for name in properties.keys() {
                if !members.contains_key(name) {
                    out.push(format!("{path}.{name}: in the schema, not in the model"));
                }
            }
            let mut model_required: Vec<&str> = shape["required"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            model_required.retain(|m| !skip_members.contains(m));
            let mut schema_required: Vec<&str> = node["required"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            model_required.sort();
            schema_required.sort();
            // The schemas may require more than the model (a documented choice), never less.
            for m in &model_required {
                if !schema_required.contains(m) {
                    out.push(format!(
                        "{path}: the model requires {m}, the schema does not"
                    ));
                }
            }
        }
        "string" => {
            if shape["enum"] != node["enum"] && !(shape["enum"].is_null() && node["enum"].is_null())
            {
                out.push(format!(
                    "{path}: enum is {} in the schema, {} in the model",
                    node["enum"], shape["enum"]
                ));
            }
            if shape["pattern"] != node["pattern"]
                && !(shape["pattern"].is_null() && node["pattern"].is_null())
            {
                out.push(format!(
                    "{path}: pattern is {} in the schema, {} in the model",
                    node["pattern"], shape["pattern"]
                ));
            }
        }
        "timestamp" if shape["timestampFormat"] != "iso8601" || node["format"] != "date-time" => {
            out.push(format!(
                "{path}: timestamp format {} in the model, format {} in the schema",
                shape["timestampFormat"], node["format"]
            ));
        }
        _ => {}
    }
    out
}

/// The drift of every schema against a model.
fn all_drift(model: &Value) -> Vec<String> {
    let mut out = drift(model, "User", &schema("user.json"), "User", &[]);
    out.extend(drift(
        model,
        "CreateUserResponse",
        &schema("create-user-response.json"),
        "CreateUserResponse",
        &[],
    ));
    // AccountId is bound to the URI label, not the body.
    out.extend(drift(
        model,
        "CreateUserRequest",
        &schema("create-user-request.json"),
        "CreateUserRequest",
        &["AccountId"],
    ));
    for error in model["operation"]["errors"].as_array().unwrap() {
        let name = error["shape"].as_str().unwrap();
        out.extend(drift(model, name, &schema("error.json"), name, &[]));
    }
    out
}

#[test]
fn every_schema_agrees_with_the_vendored_model() {
    let drifted = all_drift(&model());
    assert!(
        drifted.is_empty(),
        "schemas drifted from the model:\n{}",
        drifted.join("\n")
    );
}

/// The vendored model's file name, in `contract/`.
const MODEL_FILE: &str = "chime-2018-05-01-createuser.model.json";

/// `contract/` of this repository.
fn contract_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contract")
}

/// The lowercase hex SHA-256 of `bytes`, as `sha256sum` prints it.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `(digest, file)` entries of a `sha256sum` listing (`<digest>  <file>`, or
/// `<digest> *<file>` in binary mode). Files must be plain names inside `contract/`.
fn parse_sums(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {line:?}", index + 1);
        let (digest, rest) = line
            .split_once(' ')
            .ok_or_else(|| bad("not `<digest>  <file>`"))?;
        let file = rest
            .strip_prefix(' ')
            .or_else(|| rest.strip_prefix('*'))
            .ok_or_else(|| bad("not `<digest>  <file>`"))?;
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("not a SHA-256 digest"));
        }
        if file.is_empty() || file.contains('/') || file.contains('\\') || file == ".." {
            return Err(bad("not a file directly in contract/"));
        }
        entries.push((digest.to_ascii_lowercase(), file.to_string()));
    }
    Ok(entries)
}

/// `None` when `bytes` hash to `recorded`; otherwise what differs, naming the file and both
/// digests.
fn pin_mismatch(file: &str, recorded: &str, bytes: &[u8]) -> Option<String> {
    let actual = sha256_hex(bytes);
    (actual != recorded).then(|| {
        format!(
            "contract/{file} has SHA-256 {actual}, but contract/SHA256SUMS records {recorded} \
             (if the model was updated on purpose, re-record it: \
             `cd contract && sha256sum {file} > SHA256SUMS`)"
        )
    })
}

#[test]
fn the_vendored_model_is_pinned_by_its_sha256() {
    let dir = contract_dir();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS"))
        .unwrap_or_else(|e| panic!("failed to read contract/SHA256SUMS: {e}"));
    let entries = parse_sums(&sums).unwrap_or_else(|e| panic!("contract/SHA256SUMS: {e}"));
    assert!(
        entries.iter().any(|(_, file)| file == MODEL_FILE),
        "contract/SHA256SUMS does not list {MODEL_FILE}"
    );
    let mismatches: Vec<String> = entries
        .iter()
        .filter_map(|(recorded, file)| {
            let bytes = std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("failed to read contract/{file}: {e}"));
            pin_mismatch(file, recorded, &bytes)
        })
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_pin_catches_one_changed_byte() {
    // A known vector first, so the hex formatting is right.
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let sums = std::fs::read_to_string(contract_dir().join("SHA256SUMS")).unwrap();
    let (recorded, _) = parse_sums(&sums)
        .unwrap()
        .into_iter()
        .find(|(_, file)| file == MODEL_FILE)
        .expect("the model is listed");
    // In memory only: the file on disk is never touched.
    let mut bytes = std::fs::read(contract_dir().join(MODEL_FILE)).unwrap();
    assert_eq!(pin_mismatch(MODEL_FILE, &recorded, &bytes), None);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let changed = sha256_hex(&bytes);
    let message = pin_mismatch(MODEL_FILE, &recorded, &bytes).expect("one byte is caught");
    for part in [MODEL_FILE, recorded.as_str(), changed.as_str()] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
}

#[test]
fn a_malformed_sums_line_is_rejected() {
    let digest = "a".repeat(64);
    assert_eq!(
        parse_sums(&format!("{digest} *{MODEL_FILE}\n")),
        Ok(vec![(digest.clone(), MODEL_FILE.to_string())])
    );
    for line in [
        format!("{digest} {MODEL_FILE}"),
        format!("{}  {MODEL_FILE}", "a".repeat(63)),
        format!("{}  {MODEL_FILE}", "g".repeat(64)),
        format!("{digest}  ../shared/contract/{MODEL_FILE}"),
    ] {
        assert!(parse_sums(&line).is_err(), "{line:?} accepted");
    }
}

#[test]
fn a_model_change_is_reported_member_by_member() {
    let mut changed = model();
    let shapes = &mut changed["shapes"];
    shapes["License"]["enum"] = json!(["Basic", "Plus", "Pro", "ProTrial", "Enterprise"]);
    shapes["User"]["members"]["Nickname"] = json!({"shape": "String"});
    shapes["User"]["required"] = json!(["UserId", "AccountId"]);
    shapes["EmailAddress"]["pattern"] = json!(".+@.+");
    let drifted = all_drift(&changed).join("\n");
    for expected in [
        "User.LicenseType: enum is",
        "User.Nickname: in the model, missing from the schema",
        "User: the model requires AccountId, the schema does not",
        "User.PrimaryEmail: pattern is",
        "CreateUserRequest.Email: pattern is",
    ] {
        assert!(
            drifted.contains(expected),
            "{expected:?} not reported in:\n{drifted}"
        );
    }
}
