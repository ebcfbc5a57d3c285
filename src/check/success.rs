//! The rules of a 201: status, `Content-Type`, a JSON body valid against
//! `schemas/create-user-response.json`, the members that must echo the request, and the
//! plausibility of the values a fresh user has (its timestamps near the answer's time, a
//! `UserId` that is not empty).

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
    violations.extend(plausibility_violations(user, response));
    Checked {
        violations,
        observations,
        // An empty UserId is implausible (reported above), not a reused one.
        user_id: user
            .and_then(|u| u.get("UserId"))
            .and_then(Value::as_str)
            .filter(|id| !id.trim().is_empty())
            .map(str::to_string),
        error_type: None,
    }
}

/// How far a fresh user's `InvitedOn` or `RegisteredOn` may lie from the answer's time: a
/// generous day, room for any clock skew, time zone slip or a queue between the write and
/// the answer, and still far short of the zero dates and wrong epochs of real defects.
pub(super) const PLAUSIBLE_WINDOW: std::time::Duration =
    std::time::Duration::from_secs(24 * 60 * 60);

/// The time an answer was given: its `Date` header (an HTTP-date), or, when it has none or
/// one that does not parse, the harness's clock when it read the answer. With a word on
/// which it is.
fn answer_time(response: &ReceivedResponse) -> (chrono::DateTime<chrono::Utc>, String) {
    let date = response.header("date");
    match date.and_then(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).ok()) {
        Some(time) => (
            time.with_timezone(&chrono::Utc),
            format!("the answer's Date ({})", date.unwrap_or_default().trim()),
        ),
        None => {
            let time = chrono::DateTime::<chrono::Utc>::from(response.received_at);
            let why = match date {
                Some(_) => "an unparsable Date header",
                None => "no Date header",
            };
            (
                time,
                format!(
                    "the harness's clock when the answer came ({}; {why})",
                    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            )
        }
    }
}

/// The values of a fresh user that no working service returns: a timestamp more than
/// [`PLAUSIBLE_WINDOW`] from the answer's time, an empty `UserId`. A timestamp that is not
/// RFC 3339 is the schema's to report, and a reused `UserId` is
/// `invariant.user_id_unique`'s; neither is reported here again. Both values are shown
/// (neither member is sensitive).
fn plausibility_violations(user: Option<&Value>, response: &ReceivedResponse) -> Vec<Violation> {
    let mut violations = Vec::new();
    let Some(user) = user else {
        return violations;
    };
    if let Some(id) = user.get("UserId").and_then(Value::as_str) {
        if id.trim().is_empty() {
            violations.push(Violation::new(
                Rule::PlausibleValues,
                "a User.UserId that is not empty",
                format!("User.UserId {id:?}"),
            ));
        }
    }
    let window = chrono::Duration::from_std(PLAUSIBLE_WINDOW).unwrap_or(chrono::Duration::MAX);
    let mut reference = None;
    for member in ["InvitedOn", "RegisteredOn"] {
        let Some(text) = user.get(member).and_then(Value::as_str) else {
            continue;
        };
        let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) else {
            continue;
        };
        let (now, what) = reference.get_or_insert_with(|| answer_time(response));
        let offset = time.with_timezone(&chrono::Utc) - *now;
        if offset.abs() > window {
            violations.push(Violation::new(
                Rule::PlausibleValues,
                format!("User.{member} within a day of {what}"),
                format!("User.{member} {text:?}, {}", describe_offset(offset)),
            ));
        }
    }
    violations
}

/// An offset in words: "20785 days before", "3 hours after".
fn describe_offset(offset: chrono::Duration) -> String {
    let side = if offset < chrono::Duration::zero() {
        "before"
    } else {
        "after"
    };
    let offset = offset.abs();
    let (count, unit) = if offset.num_days() >= 2 {
        (offset.num_days(), "days")
    } else {
        (offset.num_hours(), "hours")
    };
    format!("{count} {unit} {side}")
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
                match same_domain(sent, echoed) {
                    true => "a different User.PrimaryEmail: its local part differs, its domain is the sent one (values masked)",
                    false => "a different User.PrimaryEmail: its domain is not the sent one in any case or IDNA form (values masked)",
                },
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

/// Whether two addresses have the same domain (after the last `@`): ignoring case, in NFC,
/// or in IDNA A-labels, the forms `email_echo` allows.
fn same_domain(sent: &str, echoed: &str) -> bool {
    let domain = |s: &str| s.rsplit_once('@').map(|(_, d)| d.to_string());
    let (Some(sent), Some(echoed)) = (domain(sent), domain(echoed)) else {
        return false;
    };
    let nfc = |s: &str| s.nfc().collect::<String>().to_lowercase();
    let a_label = |s: &str| match url::Host::parse(s) {
        Ok(url::Host::Domain(ascii)) => Some(ascii),
        _ => None,
    };
    nfc(&sent) == nfc(&echoed) || (a_label(&sent).is_some() && a_label(&sent) == a_label(&echoed))
}

#[cfg(test)]
mod tests {
    use super::{email_echo, same_domain};

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

    #[test]
    fn a_different_address_says_whether_its_domain_is_the_sent_one() {
        assert!(same_domain("a@Example.COM", "b@example.com"));
        assert!(same_domain("a@b\u{fc}cher.de", "b@xn--bcher-kva.de"));
        assert!(!same_domain("a@example.com", "a@example.org"));
        assert!(!same_domain("a@example.com", "no address"));
    }
}
