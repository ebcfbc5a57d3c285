//! The rules of a 201: status, `Content-Type`, a JSON body valid against
//! `schemas/create-user-response.json`, and the members that must echo the request.

use serde_json::Value;

use unicode_normalization::UnicodeNormalization;

use crate::contract::pattern::Validity;

use super::{is_json_media_type, Checked, Observation, OpenChoice, Rule, SentFacts, Violation};
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
    let mut observations = Vec::new();
    violations.extend(
        schemas
            .violations(SchemaName::CreateUserResponse, &body)
            .into_iter()
            .filter(|v| !echoes_a_disputed_email(v, &body, &mut observations))
            .map(|v| {
                Violation::new(
                    Rule::SuccessSchema,
                    "valid against schemas/create-user-response.json",
                    v.to_string(),
                )
            }),
    );
    let user = body.get("User");
    violations.extend(echo_violations(facts, user, &mut observations));
    Checked {
        violations,
        observations,
        user_id: user
            .and_then(|u| u.get("UserId"))
            .and_then(Value::as_str)
            .map(str::to_string),
        error_type: None,
    }
}

/// Whether a schema violation is only `User.PrimaryEmail` failing the ECMA-262 pattern while
/// another regex dialect matches it (an address the server took as valid): then it is
/// recorded as [`OpenChoice::PatternDialect`] instead.
fn echoes_a_disputed_email(
    v: &crate::contract::schema::SchemaViolation,
    body: &Value,
    observations: &mut Vec<Observation>,
) -> bool {
    let email = body
        .pointer("/User/PrimaryEmail")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let disputed = v.instance_path == "/User/PrimaryEmail"
        && v.schema_path.ends_with("/pattern")
        && Validity::of_email(email).is_disputed();
    if disputed {
        observations.push(Observation::new(
            OpenChoice::PatternDialect,
            "PrimaryEmail a dialect other than ECMA-262 matches",
        ));
    }
    disputed
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

/// The members of `User` that must echo what was sent, and the form the Email was echoed
/// in ([`OpenChoice::EmailEcho`]).
fn echo_violations(
    facts: &SentFacts<'_>,
    user: Option<&Value>,
    observations: &mut Vec<Observation>,
) -> Vec<Violation> {
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
        match email_echo(sent, echoed) {
            Some(form) => observations.push(Observation::new(OpenChoice::EmailEcho, form)),
            None => violations.push(Violation::new(
                Rule::InvariantPrimaryEmail,
                "User.PrimaryEmail equal to the sent Email, as sent or in another case, NFC or NFKC, or with its domain in IDNA A-labels (values masked)",
                "a different User.PrimaryEmail (values masked)",
            )),
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

/// The form in which `echoed` is the `sent` Email, if it is one the contract leaves open:
/// as sent, in another case, NFC- or NFKC-normalised (RFC 6532), or with the domain in
/// IDNA A-labels (each also ignoring case). `None`: another address.
pub(super) fn email_echo(sent: &str, echoed: &str) -> Option<&'static str> {
    if sent == echoed {
        return Some("as sent");
    }
    let (sent_lower, echoed_lower) = (sent.to_lowercase(), echoed.to_lowercase());
    if sent_lower == echoed_lower {
        return Some("in another case");
    }
    let nfc = |s: &str| s.nfc().collect::<String>().to_lowercase();
    if nfc(sent) == nfc(echoed) {
        return Some("NFC-normalised");
    }
    let nfkc = |s: &str| s.nfkc().collect::<String>().to_lowercase();
    if nfkc(sent) == nfkc(echoed) {
        return Some("NFKC-normalised");
    }
    let a_labels = |s: &str| {
        let (local, domain) = s.rsplit_once('@')?;
        match url::Host::parse(domain).ok()? {
            url::Host::Domain(ascii) => Some(format!("{}@{ascii}", nfc(local))),
            _ => None,
        }
    };
    (a_labels(sent).is_some() && a_labels(sent) == a_labels(echoed))
        .then_some("domain in IDNA A-labels")
}

#[cfg(test)]
mod tests {
    use super::email_echo;

    #[test]
    fn an_email_may_be_echoed_in_any_normal_form_but_not_changed() {
        assert_eq!(email_echo("a@b.c", "a@b.c"), Some("as sent"));
        assert_eq!(email_echo("Ab@B.c", "ab@b.C"), Some("in another case"));
        // "é" as e + combining acute, echoed precomposed.
        assert_eq!(
            email_echo("e\u{301}@x.y", "\u{e9}@x.y"),
            Some("NFC-normalised")
        );
        assert_eq!(
            email_echo("\u{fb01}@x.y", "fi@x.y"),
            Some("NFKC-normalised")
        );
        assert_eq!(
            email_echo("a@b\u{fc}cher.de", "a@xn--bcher-kva.de"),
            Some("domain in IDNA A-labels")
        );
        assert_eq!(email_echo("\u{1f600}@x.y", "\u{fffd}@x.y"), None);
        assert_eq!(email_echo("a@b.c", "b@b.c"), None);
    }
}
