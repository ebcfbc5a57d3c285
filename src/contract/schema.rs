//! The project's JSON Schemas (`schemas/*.json`, draft 2020-12), compiled once into
//! validators with format assertion on, and schema violations reported by JSON path with
//! sensitive values masked.

use std::fmt;
use std::sync::Arc;

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

use crate::contract::redact::is_sensitive_member;

/// Base URI of the schemas' `$id`s; `$ref`s between them resolve against it.
pub const SCHEMA_BASE: &str = "https://chime-conformance.invalid/schemas/";

/// The schema files, embedded at build time, by file name.
pub const SCHEMA_SOURCES: [(&str, &str); 4] = [
    ("user.json", include_str!("../../schemas/user.json")),
    (
        "create-user-response.json",
        include_str!("../../schemas/create-user-response.json"),
    ),
    (
        "create-user-request.json",
        include_str!("../../schemas/create-user-request.json"),
    ),
    ("error.json", include_str!("../../schemas/error.json")),
];

/// Which schema a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaName {
    User,
    CreateUserResponse,
    CreateUserRequest,
    Error,
}

impl SchemaName {
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaName::User => "user.json",
            SchemaName::CreateUserResponse => "create-user-response.json",
            SchemaName::CreateUserRequest => "create-user-request.json",
            SchemaName::Error => "error.json",
        }
    }
}

/// One way a document departs from a schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaViolation {
    /// JSON Pointer to the offending value in the document (`""` is the document itself).
    pub instance_path: String,
    /// JSON Pointer to the schema keyword that failed.
    pub schema_path: String,
    /// What is wrong; values under sensitive members are masked.
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "at {at}: {} (schema {})", self.message, self.schema_path)
    }
}

/// Why the schemas could not be compiled (only a broken build or a bad schema file).
#[derive(Debug, thiserror::Error)]
#[error("failed to compile schema {file}: {reason}")]
pub struct SchemaError {
    pub file: String,
    pub reason: String,
}

/// The four compiled validators. Cheap to clone; build once per run.
#[derive(Clone)]
pub struct Schemas {
    inner: Arc<[Validator; 4]>,
}

impl Schemas {
    /// Compiles the embedded schemas.
    pub fn compile() -> Result<Schemas, SchemaError> {
        let documents = SCHEMA_SOURCES
            .iter()
            .map(|(file, text)| {
                serde_json::from_str::<Value>(text)
                    .map(|doc| (*file, doc))
                    .map_err(|e| SchemaError {
                        file: file.to_string(),
                        reason: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let registry = documents
            .iter()
            .try_fold(
                Registry::new().draft(Draft::Draft202012),
                |registry, (file, doc)| registry.add(format!("{SCHEMA_BASE}{file}"), doc),
            )
            .and_then(|registry| registry.prepare())
            .map_err(|e| SchemaError {
                file: "schemas/".to_string(),
                reason: e.to_string(),
            })?;
        let build = |name: SchemaName| -> Result<Validator, SchemaError> {
            let err = |reason: String| SchemaError {
                file: name.file_name().to_string(),
                reason,
            };
            let root = documents
                .iter()
                .find(|(file, _)| *file == name.file_name())
                .map(|(_, doc)| doc)
                .ok_or_else(|| err("not embedded".into()))?;
            jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(true)
                .with_registry(&registry)
                .build(root)
                .map_err(|e| err(e.to_string()))
        };
        Ok(Schemas {
            inner: Arc::new([
                build(SchemaName::User)?,
                build(SchemaName::CreateUserResponse)?,
                build(SchemaName::CreateUserRequest)?,
                build(SchemaName::Error)?,
            ]),
        })
    }

    fn validator(&self, name: SchemaName) -> &Validator {
        let index = match name {
            SchemaName::User => 0,
            SchemaName::CreateUserResponse => 1,
            SchemaName::CreateUserRequest => 2,
            SchemaName::Error => 3,
        };
        &self.inner[index]
    }

    /// Every way `instance` departs from the schema; empty when it conforms.
    pub fn violations(&self, name: SchemaName, instance: &Value) -> Vec<SchemaViolation> {
        self.validator(name)
            .iter_errors(instance)
            .map(|error| {
                let instance_path = error.instance_path().as_str().to_string();
                let may_hold_secrets = path_is_sensitive(&instance_path)
                    || error.instance().is_object()
                    || error.instance().is_array();
                let message = if may_hold_secrets {
                    error.masked_with("***").to_string()
                } else {
                    error.to_string()
                };
                SchemaViolation {
                    instance_path,
                    schema_path: error.schema_path().as_str().to_string(),
                    message,
                }
            })
            .collect()
    }

    pub fn is_valid(&self, name: SchemaName, instance: &Value) -> bool {
        self.validator(name).is_valid(instance)
    }
}

/// True when any segment of a JSON Pointer names a sensitive member.
fn path_is_sensitive(pointer: &str) -> bool {
    pointer.split('/').any(is_sensitive_member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> Schemas {
        Schemas::compile().expect("embedded schemas compile")
    }

    #[test]
    fn a_full_response_is_valid() {
        let body = json!({"User": {
            "UserId": "u", "AccountId": "a", "PrimaryEmail": "x@y.z", "LicenseType": "Pro",
            "UserType": "SharedDevice", "UserRegistrationStatus": "Registered",
            "UserInvitationStatus": "Accepted", "InvitedOn": "2026-11-28T12:00:00Z",
            "RegisteredOn": "2026-11-28T12:00:00.123+01:00",
            "AlexaForBusinessMetadata": {"IsAlexaForBusinessEnabled": false},
            "PersonalPIN": "1234", "SomeFutureMember": [1]
        }});
        assert_eq!(
            schemas().violations(SchemaName::CreateUserResponse, &body),
            vec![]
        );
    }

    #[test]
    fn violations_carry_their_json_paths() {
        let body = json!({"User": {"UserId": 7, "LicenseType": "Enterprise",
            "InvitedOn": "yesterday", "PrimaryEmail": "secret-no-at"}});
        let v = schemas().violations(SchemaName::CreateUserResponse, &body);
        let paths: Vec<&str> = v.iter().map(|v| v.instance_path.as_str()).collect();
        for want in [
            "/User/UserId",
            "/User/LicenseType",
            "/User/InvitedOn",
            "/User/PrimaryEmail",
        ] {
            assert!(paths.contains(&want), "{want} missing from {paths:?}");
        }
        let text = format!("{v:?}");
        assert!(
            text.contains("Enterprise"),
            "non-sensitive values are shown"
        );
        assert!(
            !text.contains("secret-no-at"),
            "sensitive values are masked: {text}"
        );
    }

    #[test]
    fn missing_user_id_is_reported_at_the_user() {
        let v = schemas().violations(SchemaName::CreateUserResponse, &json!({"User": {}}));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].instance_path, "/User");
        assert!(v[0].schema_path.ends_with("/required"), "{:?}", v[0]);
    }

    #[test]
    fn error_bodies_and_requests_are_checked() {
        let s = schemas();
        assert!(s.is_valid(
            SchemaName::Error,
            &json!({"Code": "Conflict", "Message": "m"})
        ));
        assert!(!s.is_valid(SchemaName::Error, &json!({"Code": 42, "Message": null})));
        assert!(!s.is_valid(SchemaName::Error, &json!({"Code": "Teapot"})));
        assert!(s.is_valid(SchemaName::CreateUserRequest, &json!({"Email": "a@b.c"})));
        assert!(!s.is_valid(SchemaName::CreateUserRequest, &json!({"UserType": "Admin"})));
    }
}
