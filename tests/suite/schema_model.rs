//! The JSON Schemas in `schemas/` agree with the vendored AWS model
//! (`contract/chime-2018-05-01-createuser.model.json`) member by member: names, required
//! members, types, enums, patterns and timestamp formats. A model update makes these tests
//! list exactly what drifted.

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

#[test]
fn the_vendored_model_is_the_shared_contract() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/contract/chime-2018-05-01-createuser.model.json");
    // The shared copy is beside the repository on developer machines and in CI; elsewhere
    // the vendored copy is the only one.
    if let Ok(text) = std::fs::read_to_string(shared) {
        let shared: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            shared,
            model(),
            "contract/ differs from ../shared/contract/"
        );
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
