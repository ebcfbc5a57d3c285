//! The rules every error response obeys: a type a client can resolve (the `X-Amzn-ErrorType`
//! header, or, noted, a body `code` or `__type`), a documented type with the model's status,
//! a body valid against `schemas/error.json`, and no 5xx unless a fault was injected. An AWS
//! common error is its own rule, outside the contract.

use super::{Checked, Observation, OpenChoice, Rule, Violation};
use crate::contract::schema::{SchemaName, Schemas};
use crate::contract::{resolve_error_type, ErrorKind, Exception, ResolvedErrorType};
use crate::http::ReceivedResponse;

/// The rules every error response obeys.
pub fn check_error(
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut violations = Vec::new();
    let mut observations = Vec::new();
    let body = response.json();
    let header = response.error_type_header();
    let error_type = resolve_error_type(header, body.as_ref().ok());
    if let Some(t) = &error_type {
        observations.push(Observation::new(
            OpenChoice::ErrorTypeSource,
            t.source.to_string(),
        ));
    }
    match (&error_type, header) {
        // The body names the type: every client resolves it; the missing header is a note.
        (Some(t), None) => observations.push(Observation::new(
            OpenChoice::ErrorTypeHeaderMissing,
            format!("no header; the type in the {}", t.source),
        )),
        (None, None) => violations.push(Violation::new(
            Rule::ErrorTypeHeader,
            "an X-Amzn-ErrorType header, or a body `code` or `__type`, naming the error",
            format!(
                "HTTP {} naming no type (no AWS SDK can tell which exception it is)",
                response.status
            ),
        )),
        _ => {}
    }
    violations.extend(status_violations(response.status, error_type.as_ref()));
    match &body {
        Err(why) => violations.push(Violation::new(
            Rule::ErrorSchema,
            "a JSON body",
            why.clone(),
        )),
        Ok(value) => violations.extend(
            schemas
                .violations(SchemaName::Error, value)
                .into_iter()
                .map(|v| {
                    Violation::new(
                        Rule::ErrorSchema,
                        "valid against schemas/error.json",
                        v.to_string(),
                    )
                }),
        ),
    }
    if response.status >= 500 && injected_fault.is_none() {
        violations.push(Violation::new(
            Rule::ErrorUnexpectedFault,
            "no 5xx without an injected fault",
            format!("HTTP {}", response.status),
        ));
    }
    Checked {
        violations,
        user_id: None,
        error_type,
        observations,
    }
}

/// The status and the resolved type against each other and the model.
fn status_violations(status: u16, error_type: Option<&ResolvedErrorType>) -> Vec<Violation> {
    let mut violations = Vec::new();
    if !(400..600).contains(&status) {
        violations.push(Violation::new(
            Rule::ErrorStatus,
            "HTTP 201 or a documented error status (4xx, 5xx)",
            format!("HTTP {status}"),
        ));
    }
    match error_type.map(ResolvedErrorType::kind) {
        Some(ErrorKind::Documented(e)) if e.http_status() != status => {
            violations.push(Violation::new(
                Rule::ErrorStatus,
                format!("{e} with HTTP {}", e.http_status()),
                format!("{e} with HTTP {status}"),
            ))
        }
        Some(ErrorKind::AwsCommon(name)) => violations.push(Violation::new(
            Rule::AwsCommonError,
            "one of CreateUser's own answers",
            format!(
                "HTTP {status} {name}: an error common to AWS front doors, not a CreateUser exception"
            ),
        )),
        Some(ErrorKind::Undocumented(name)) => violations.push(Violation::new(
            Rule::ErrorTypeDocumented,
            "one of CreateUser's eight exception names",
            format!("error type {name:?}"),
        )),
        _ => {}
    }
    violations
}
