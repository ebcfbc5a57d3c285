//! The rules of a 201: status, `Content-Type`, a JSON body valid against
//! `schemas/create-user-response.json`, and the members that must echo the request.

use serde_json::Value;

use super::{is_json_media_type, Checked, Rule, SentFacts, Violation};
use crate::contract::schema::{SchemaName, Schemas};
use crate::contract::SUCCESS_STATUS;
use crate::http::ReceivedResponse;

/// The rules of a response to a valid request that succeeded.
pub(super) fn check_created(
    facts: &SentFacts<'_>,
    response: &ReceivedResponse,
    schemas: &Schemas,
) -> Checked {
    let mut violations = wire_violations(response);
    let body = match response.json() {
        Ok(body) => body,
        Err(why) => {
            violations.push(Violation::new(Rule::SuccessBodyJson, "a JSON body", why));
            return Checked {
                violations,
                ..Checked::default()
            };
        }
    };
    violations.extend(
        schemas
            .violations(SchemaName::CreateUserResponse, &body)
            .into_iter()
            .map(|v| {
                Violation::new(
                    Rule::SuccessSchema,
                    "valid against schemas/create-user-response.json",
                    v.to_string(),
                )
            }),
    );
    let user = body.get("User");
    violations.extend(echo_violations(facts, user));
    Checked {
        violations,
        user_id: user
            .and_then(|u| u.get("UserId"))
            .and_then(Value::as_str)
            .map(str::to_string),
        error_type: None,
    }
}

/// The status and the media type.
fn wire_violations(response: &ReceivedResponse) -> Vec<Violation> {
    let mut violations = Vec::new();
    if response.status != SUCCESS_STATUS {
        violations.push(Violation::new(
            Rule::SuccessStatus,
            format!("HTTP {SUCCESS_STATUS} for a success"),
            format!("HTTP {}", response.status),
        ));
    }
    if !is_json_media_type(response.header("content-type")) {
        violations.push(Violation::new(
            Rule::SuccessContentType,
            "Content-Type: application/json",
            format!(
                "Content-Type {:?}",
                response.header("content-type").unwrap_or("(none)")
            ),
        ));
    }
    violations
}

/// The members of `User` that must echo what was sent.
fn echo_violations(facts: &SentFacts<'_>, user: Option<&Value>) -> Vec<Violation> {
    let member = |name: &str| user.and_then(|u| u.get(name)).and_then(Value::as_str);
    let mut violations = Vec::new();
    if let Some(echoed) = member("AccountId") {
        if echoed != facts.account_id {
            violations.push(Violation::new(
                Rule::InvariantAccountId,
                format!("User.AccountId {:?} (the path's account)", facts.account_id),
                format!("User.AccountId {echoed:?}"),
            ));
        }
    }
    if let (Some(sent), Some(echoed)) = (facts.email, member("PrimaryEmail")) {
        if sent.to_lowercase() != echoed.to_lowercase() {
            violations.push(Violation::new(
                Rule::InvariantPrimaryEmail,
                "User.PrimaryEmail equal to the sent Email, ignoring case (values masked)",
                "a different User.PrimaryEmail (values masked)",
            ));
        }
    }
    if let (Some(sent), Some(echoed)) = (facts.user_type, member("UserType")) {
        if sent != echoed {
            violations.push(Violation::new(
                Rule::InvariantUserType,
                format!("User.UserType {sent:?} (as sent)"),
                format!("User.UserType {echoed:?}"),
            ));
        }
    }
    violations
}
