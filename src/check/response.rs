//! Checking one response: a 201 against the response schema and the echo invariants, an
//! error against the restJson1 error rules, and either against what the request expected.

use std::collections::HashSet;

use super::choice::{Observation, OpenChoice};
use super::error::check_error;
use super::success::check_created;
use super::{Rule, Violation};
use crate::contract::schema::Schemas;
use crate::contract::{ErrorKind, Exception, ResolvedErrorType, AWS_AUTH_ERRORS, SUCCESS_STATUS};
use crate::http::ReceivedResponse;

/// What a response is expected to be.
#[derive(Debug, Clone, Copy)]
pub enum Expectation<'a> {
    /// A valid request: 201 and the echo invariants.
    Created(&'a SentFacts<'a>),
    /// A request that must be refused with `exception`; if it is not, `rule` is broken.
    Rejected { exception: Exception, rule: Rule },
    /// Any outcome; only the rules every error obeys apply.
    AnyError,
    /// A request that must be refused, with any error that follows restJson1 (an
    /// authentication refusal may come from a front door, and where the body is
    /// `unparsable`, a restJson1 protocol error may refuse it); a 2xx breaks `rule`.
    Refused { rule: Rule, unparsable: bool },
    /// A malformed body: any 4xx (a documented exception, or a restJson1 protocol error
    /// such as `SerializationException`) passes; a 2xx breaks `input.malformed_refused`.
    Malformed,
    /// Valid JSON under a missing or wrong media type: a 201 (checked as a creation) or a
    /// 4xx both pass ([`OpenChoice::MediaType`]).
    ParsedOrRefused(&'a SentFacts<'a>),
    /// A request the model allows that a conforming server may still refuse with 400
    /// BadRequestException (`choice` says why: a null member, a service restriction): a
    /// 201 (checked as a creation) or that refusal both pass.
    CreatedOrRefused {
        facts: &'a SentFacts<'a>,
        choice: OpenChoice,
    },
    /// A body a server cannot parse into the input (not JSON, not an object, a member of
    /// the wrong JSON type): a 400 BadRequestException or a restJson1 protocol error
    /// (`SerializationException`, ...) is the refusal ([`OpenChoice::MalformedRefusal`]);
    /// anything else breaks `rule`.
    RejectedUnparsable { rule: Rule },
    /// An input whose validity depends on the regex dialect
    /// ([`OpenChoice::PatternDialect`]): a 201 (checked as a creation), a 400
    /// BadRequestException, a ConflictException (the address taken as valid, and taken),
    /// or `also` (a NotFoundException for an AccountId taken as an id) all pass.
    Disputed {
        facts: &'a SentFacts<'a>,
        also: Option<Exception>,
    },
    /// A valid create sent after a refusal of a create of the same Email (`refusal` says
    /// which, e.g. "a 429, retried"): checked as [`Expectation::Created`], except that a
    /// ConflictException says the refusal left a trace (`state.refusal_left_no_trace`).
    CreatedAfterRefusal {
        facts: &'a SentFacts<'a>,
        refusal: &'a str,
    },
    /// A request whose signature does not bind it: refused with
    /// `UnauthorizedClientException` or an AWS common authentication error; a 2xx is a
    /// security finding (`security.signature_binding`).
    AuthRefused,
}

/// The members of a valid request that the response must echo.
#[derive(Debug, Clone, Copy)]
pub struct SentFacts<'a> {
    pub account_id: &'a str,
    pub email: Option<&'a str>,
    pub user_type: Option<&'a str>,
}

impl<'a> SentFacts<'a> {
    /// The facts of a request to `account_id` with this body (`None` when not JSON).
    pub fn of(account_id: &'a str, body: Option<&'a serde_json::Value>) -> SentFacts<'a> {
        let member = |m: &str| body.and_then(|b| b.get(m)).and_then(|v| v.as_str());
        SentFacts {
            account_id,
            email: member("Email"),
            user_type: member("UserType"),
        }
    }
}

/// What came of checking one response.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub violations: Vec<Violation>,
    /// The created user's id, when the response created one.
    pub user_id: Option<String>,
    /// The error type, when the response is an error that names one.
    pub error_type: Option<ResolvedErrorType>,
    /// The open choices the answer met, and what it chose (see [`super::choice`]).
    pub observations: Vec<Observation>,
}

impl Checked {
    /// The documented exception this response is, by its resolved type.
    pub fn exception(&self) -> Option<Exception> {
        match self.error_type.as_ref()?.kind() {
            ErrorKind::Documented(e) => Some(e),
            _ => None,
        }
    }

    /// Records that the answer met an open choice.
    pub fn observe(&mut self, choice: OpenChoice, answer: impl Into<String>) {
        self.observations.push(Observation::new(choice, answer));
    }

    /// The failures of the answer: its violations, and under `--strict` its restrictions
    /// and notes too.
    pub fn failures(&self, strict: bool) -> Vec<Violation> {
        let mut failures = self.violations.clone();
        if strict {
            failures.extend(
                self.observations
                    .iter()
                    .filter_map(Observation::strict_violation),
            );
        }
        failures
    }

    /// The answer in a few words: "HTTP 409 ConflictException", "HTTP 201".
    fn answer(&self, status: u16) -> String {
        match &self.error_type {
            Some(t) => format!("{status} {}", t.name),
            None => status.to_string(),
        }
    }
}

/// Checks one response against what it was expected to be.
pub fn check_response(
    expect: Expectation<'_>,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    if response.is_success() {
        check_accepted(expect, response, schemas)
    } else {
        check_answered_error(expect, response, injected_fault, schemas)
    }
}

/// A 2xx against what the request expected: a creation where one may come, else the rule
/// that accepting the request breaks.
fn check_accepted(
    expect: Expectation<'_>,
    response: &ReceivedResponse,
    schemas: &Schemas,
) -> Checked {
    let accepted = |rule: Rule, expected: String| Checked {
        violations: vec![Violation::new(
            rule,
            expected,
            format!("the request accepted with HTTP {}", response.status),
        )],
        ..Checked::default()
    };
    match expect {
        Expectation::Created(facts)
        | Expectation::CreatedOrRefused { facts, .. }
        | Expectation::CreatedAfterRefusal { facts, .. } => check_created(facts, response, schemas),
        Expectation::ParsedOrRefused(facts) => {
            let mut checked = check_created(facts, response, schemas);
            checked.observe(OpenChoice::MediaType, "201 (parsed)");
            checked
        }
        Expectation::Disputed { facts, .. } => {
            let mut checked = check_created(facts, response, schemas);
            checked.observe(OpenChoice::PatternDialect, "201");
            checked
        }
        Expectation::Rejected { exception, rule } => accepted(
            rule,
            format!("{exception} (HTTP {})", exception.http_status()),
        ),
        Expectation::RejectedUnparsable { rule } => accepted(rule, UNPARSABLE_REFUSAL.into()),
        Expectation::Refused { rule, .. } => accepted(rule, "a refusal".into()),
        Expectation::Malformed => accepted(Rule::InputMalformedRefused, "a 4xx refusal".into()),
        Expectation::AuthRefused => accepted(Rule::SecuritySignatureBinding, AUTH_REFUSAL.into()),
        Expectation::AnyError => Checked::default(),
    }
}

/// An error against what the request expected.
fn check_answered_error(
    expect: Expectation<'_>,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let refusal = |choice| check_refusal(choice, response, injected_fault, schemas);
    match expect {
        Expectation::Created(_) => check_refused_valid(None, response, injected_fault, schemas),
        Expectation::CreatedOrRefused { choice, .. } => {
            check_refused_valid(Some(choice), response, injected_fault, schemas)
        }
        Expectation::CreatedAfterRefusal { refusal, .. } => {
            let mut checked = check_refused_valid(None, response, injected_fault, schemas);
            if response.status == Exception::Conflict.http_status()
                && is_exception(&checked, response.status, Exception::Conflict)
            {
                checked.violations.retain(|v| v.rule != Rule::SuccessStatus);
                checked.violations.insert(
                    0,
                    Violation::new(
                        Rule::StateRefusalLeftNoTrace,
                        format!("HTTP {SUCCESS_STATUS}: nothing of the refused create ({refusal}) left behind"),
                        format!(
                            "HTTP {} {}: the refused create's Email is taken",
                            response.status,
                            describe_type(checked.error_type.as_ref())
                        ),
                    ),
                );
            }
            checked
        }
        Expectation::Rejected { exception, rule } => {
            check_rejected(exception, rule, response, injected_fault, schemas)
        }
        Expectation::AuthRefused => check_auth_refused(response, injected_fault, schemas),
        Expectation::RejectedUnparsable { rule } => {
            let mut checked = refusal(OpenChoice::MalformedRefusal);
            // An untyped 400 is judged by its status (the missing type is its own rule).
            let named = is_exception(&checked, response.status, Exception::BadRequest)
                || checked
                    .error_type
                    .as_ref()
                    .is_some_and(|t| PROTOCOL_ERRORS.contains(&t.name.as_str()));
            if !named && response.status < 500 {
                let seen = format!(
                    "HTTP {} {}",
                    response.status,
                    describe_type(checked.error_type.as_ref())
                );
                checked
                    .violations
                    .push(Violation::new(rule, UNPARSABLE_REFUSAL, seen));
            }
            checked
        }
        Expectation::Malformed
        | Expectation::Refused {
            unparsable: true, ..
        } => refusal(OpenChoice::MalformedRefusal),
        Expectation::ParsedOrRefused(_) => refusal(OpenChoice::MediaType),
        Expectation::Disputed { also, .. } => {
            check_disputed(also, response, injected_fault, schemas)
        }
        Expectation::Refused { .. } => {
            let mut checked = check_error(response, injected_fault, schemas);
            accept_front_door(&mut checked, response.status);
            checked
        }
        Expectation::AnyError => check_error(response, injected_fault, schemas),
    }
}

/// What refuses an unparsable body.
const UNPARSABLE_REFUSAL: &str = "BadRequestException (HTTP 400) or a restJson1 protocol error";
/// What refuses a request whose signature does not bind it.
const AUTH_REFUSAL: &str = "a refusal: UnauthorizedClientException or an AWS authentication error";

/// The rules of an error answered to a valid request: those of every error, and, below
/// 500, `success.status` (unless it is an AWS common error, its own class, or a 400
/// BadRequestException where `refusable` names an open choice that allows it).
fn check_refused_valid(
    refusable: Option<OpenChoice>,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut checked = check_error(response, injected_fault, schemas);
    if let Some(choice) = refusable {
        if is_bad_request(&checked, response.status) {
            checked.observe(choice, "400 BadRequestException");
            return checked;
        }
    }
    if response.status < 500 && !is_aws_common(&checked) {
        let seen = format!(
            "HTTP {} {}",
            response.status,
            describe_type(checked.error_type.as_ref())
        );
        let expected = format!("HTTP {SUCCESS_STATUS} for a valid request");
        checked
            .violations
            .insert(0, Violation::new(Rule::SuccessStatus, expected, seen));
    }
    checked
}

/// The rules of a refusal of an input whose validity depends on the regex dialect: a 400
/// BadRequestException, or `also`, is a choice; anything else is judged as the refusal of
/// an invalid input.
fn check_disputed(
    also: Option<Exception>,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut checked = check_error(response, injected_fault, schemas);
    let allowed = |e: Exception| {
        is_exception(&checked, response.status, e) && response.status == e.http_status()
    };
    // A server whose dialect takes the input as valid may also find it exists already.
    match also
        .into_iter()
        .chain([Exception::Conflict])
        .find(|&e| allowed(e))
    {
        Some(_) => {
            let answer = checked.answer(response.status);
            checked.observe(OpenChoice::PatternDialect, answer);
            checked
        }
        _ => check_rejected(
            Exception::BadRequest,
            Rule::InputRejected,
            response,
            injected_fault,
            schemas,
        )
        .observing_refusal(OpenChoice::PatternDialect, response.status),
    }
}

/// True when a checked error is a 400 BadRequestException, by its type or, untyped, its
/// status.
fn is_bad_request(checked: &Checked, status: u16) -> bool {
    status == Exception::BadRequest.http_status()
        && is_exception(checked, status, Exception::BadRequest)
}

impl Checked {
    /// Records the refusal as the answer to `choice`, unless the refusal broke a rule.
    fn observing_refusal(mut self, choice: OpenChoice, status: u16) -> Checked {
        if self.violations.is_empty() {
            let answer = self.answer(status);
            self.observe(choice, answer);
        }
        self
    }
}

/// The rules of an error answered to a request that must be refused with `exception`. An
/// authentication refusal may come from a front door, under its own name
/// ([`OpenChoice::AuthRefusal`]).
fn check_rejected(
    exception: Exception,
    rule: Rule,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut checked = check_error(response, injected_fault, schemas);
    if exception == Exception::Unauthorized && accept_front_door(&mut checked, response.status) {
        return checked;
    }
    if !is_exception(&checked, response.status, exception) && !is_aws_common(&checked) {
        let seen = format!(
            "HTTP {} {}",
            response.status,
            describe_type(checked.error_type.as_ref())
        );
        let expected = format!("{exception} (HTTP {})", exception.http_status());
        checked
            .violations
            .push(Violation::new(rule, expected, seen));
    }
    checked
}

/// An authentication refusal from a front door, in its own names and body shape, is not
/// CreateUser's to judge: its AWS-common and schema violations are dropped and the choice
/// recorded. An `UnauthorizedClientException` is recorded as the other answer. True when
/// the answer was either.
fn accept_front_door(checked: &mut Checked, status: u16) -> bool {
    let kind = checked.error_type.as_ref().map(ResolvedErrorType::kind);
    match kind {
        Some(ErrorKind::AwsCommon(name)) if AWS_AUTH_ERRORS.contains(&name.as_str()) => {
            checked
                .violations
                .retain(|v| !matches!(v.rule, Rule::AwsCommonError | Rule::ErrorSchema));
            checked.observe(OpenChoice::AuthRefusal, format!("{status} {name}"));
            true
        }
        Some(ErrorKind::Documented(Exception::Unauthorized)) => {
            let answer = checked.answer(status);
            checked.observe(OpenChoice::AuthRefusal, answer);
            true
        }
        _ => false,
    }
}

/// The rules of a refusal of a malformed request: those of every error, except that a
/// restJson1 protocol error (`SerializationException`, `UnsupportedMediaTypeException`,
/// ...) may name it, with its own status; only a 4xx passes. The refusal is `choice`'s
/// answer.
fn check_refusal(
    choice: OpenChoice,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut checked = check_error(response, injected_fault, schemas);
    let protocol_error = checked
        .error_type
        .as_ref()
        .is_some_and(|t| PROTOCOL_ERRORS.contains(&t.name.as_str()));
    if protocol_error {
        checked.violations.retain(|v| {
            !matches!(
                v.rule,
                Rule::ErrorTypeDocumented | Rule::ErrorSchema | Rule::ErrorStatus
            )
        });
    }
    if !(400..500).contains(&response.status) && response.status < 500 {
        checked.violations.push(Violation::new(
            Rule::InputMalformedRefused,
            "a 4xx refusal",
            format!("HTTP {}", response.status),
        ));
    }
    checked.observing_refusal(choice, response.status)
}

/// The errors a Smithy restJson1 server answers for a request it cannot deserialize.
const PROTOCOL_ERRORS: [&str; 3] = [
    "SerializationException",
    "UnsupportedMediaTypeException",
    "RequestEntityTooLargeException",
];

/// The rules of an answer to a request whose signature does not bind it.
fn check_auth_refused(
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut checked = check_error(response, injected_fault, schemas);
    let untyped_401 =
        checked.error_type.is_none() && response.status == Exception::Unauthorized.http_status();
    if !accept_front_door(&mut checked, response.status) && !untyped_401 {
        checked.violations.push(Violation::new(
            Rule::CaseExpectedException,
            AUTH_REFUSAL,
            format!(
                "HTTP {} {}",
                response.status,
                describe_type(checked.error_type.as_ref())
            ),
        ));
    }
    checked
}

fn is_aws_common(checked: &Checked) -> bool {
    matches!(
        checked.error_type.as_ref().map(ResolvedErrorType::kind),
        Some(ErrorKind::AwsCommon(_))
    )
}

/// True when a checked error response is `exception`: by its resolved type, or, when the
/// type is missing or undocumented (a fault other rules already report), by its status.
pub fn is_exception(checked: &Checked, status: u16, exception: Exception) -> bool {
    match checked.exception() {
        Some(e) => e == exception,
        None => status == exception.http_status(),
    }
}

fn describe_type(resolved: Option<&ResolvedErrorType>) -> String {
    match resolved {
        Some(t) => format!("{} (from the {})", t.name, t.source),
        None => "with no error type".to_string(),
    }
}

/// True for `application/json`, with or without parameters.
pub fn is_json_media_type(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Records a UserId; a violation if the run has seen it before.
pub fn check_user_id_unique(user_id: &str, seen: &mut HashSet<String>) -> Option<Violation> {
    (!seen.insert(user_id.to_string())).then(|| {
        Violation::new(
            Rule::InvariantUserIdUnique,
            "a UserId not returned before in this run",
            format!("UserId {user_id:?} again"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn response(status: u16, headers: &[(&str, &str)], body: Value) -> ReceivedResponse {
        ReceivedResponse::for_test(status, headers, body)
    }

    fn schemas() -> Schemas {
        Schemas::compile().unwrap()
    }

    /// The rules broken, each once, in order.
    fn rules(checked: &Checked) -> Vec<&'static str> {
        let mut names: Vec<_> = checked.violations.iter().map(|v| v.rule.name()).collect();
        names.dedup();
        names
    }

    const FACTS: SentFacts<'static> = SentFacts {
        account_id: "acct",
        email: Some("Alice@Example.com"),
        user_type: Some("SharedDevice"),
    };

    fn created(user: Value) -> ReceivedResponse {
        response(
            201,
            &[("content-type", "application/json")],
            json!({ "User": user }),
        )
    }

    #[test]
    fn a_conforming_creation_breaks_no_rule() {
        let r = created(json!({"UserId": "u1", "AccountId": "acct",
            "PrimaryEmail": "alice@example.COM", "UserType": "SharedDevice"}));
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), Vec::<&str>::new());
        assert_eq!(c.user_id.as_deref(), Some("u1"));
    }

    #[test]
    fn optional_members_absent_are_fine() {
        let r = created(json!({"UserId": "u1"}));
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), Vec::<&str>::new());
    }

    #[test]
    fn each_invariant_is_reported_by_name() {
        let r = created(json!({"UserId": "u1", "AccountId": "other",
            "PrimaryEmail": "bob@example.com", "UserType": "PrivateUser"}));
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(
            rules(&c),
            [
                "invariant.account_id",
                "invariant.primary_email",
                "invariant.user_type"
            ]
        );
        assert!(!format!("{c:?}").contains("bob@"), "emails stay masked");
    }

    #[test]
    fn timestamps_far_from_the_answer_and_an_empty_user_id_are_implausible() {
        let s = schemas();
        let dated = |user: Value, date: Option<&str>| {
            let mut headers = vec![("content-type", "application/json")];
            if let Some(d) = date {
                headers.push(("date", d));
            }
            response(201, &headers, json!({ "User": user }))
        };
        let date = Some("Sat, 28 Nov 2026 14:10:21 GMT");
        let check =
            |r: &ReceivedResponse| check_response(Expectation::Created(&FACTS), r, None, &s);
        // Within a day of the Date header, in any offset: plausible.
        for invited in [
            "2026-11-28T14:10:21Z",
            "2026-11-28T15:10:21.123+01:00",
            "2026-11-27T20:00:00Z",
        ] {
            let r = dated(json!({"UserId": "u", "InvitedOn": invited}), date);
            assert_eq!(rules(&check(&r)), Vec::<&str>::new(), "{invited}");
        }
        let r = dated(
            json!({"UserId": "u", "InvitedOn": "1970-01-01T00:00:00Z",
                "RegisteredOn": "2026-11-30T14:10:22Z"}),
            date,
        );
        let c = check(&r);
        assert_eq!(rules(&c), ["plausible.values"]);
        assert_eq!(c.violations.len(), 2, "{c:?}");
        let shown = c.violations[0].to_string();
        assert!(
            shown.contains("1970-01-01T00:00:00Z")
                && shown.contains("Sat, 28 Nov 2026 14:10:21 GMT"),
            "both values are shown: {shown}"
        );
        // Without a Date header, the harness's clock when the answer came.
        let now = chrono::Utc::now().to_rfc3339();
        let r = dated(json!({"UserId": "u", "InvitedOn": now}), None);
        assert_eq!(rules(&check(&r)), Vec::<&str>::new());
        let r = dated(
            json!({"UserId": "u", "InvitedOn": "2000-01-01T00:00:00Z"}),
            None,
        );
        let c = check(&r);
        assert_eq!(rules(&c), ["plausible.values"]);
        assert!(
            c.violations[0].to_string().contains("no Date header"),
            "{c:?}"
        );
        // A timestamp that is not one is the schema's; an empty UserId is implausible and
        // not recorded as a UserId (so never as a reused one).
        let r = dated(json!({"UserId": "u", "InvitedOn": "yesterday"}), date);
        assert_eq!(rules(&check(&r)), ["success.schema"]);
        let r = dated(json!({"UserId": " "}), date);
        let c = check(&r);
        assert_eq!(rules(&c), ["plausible.values"]);
        assert_eq!(c.user_id, None);
    }

    #[test]
    fn a_conflict_after_a_refusal_is_its_trace_and_anything_else_a_creation_s_answer() {
        let s = schemas();
        let expect = Expectation::CreatedAfterRefusal {
            facts: &FACTS,
            refusal: "a 403 ForbiddenException",
        };
        let ok = created(json!({"UserId": "u", "AccountId": "acct"}));
        assert_eq!(
            rules(&check_response(expect, &ok, None, &s)),
            Vec::<&str>::new()
        );
        let conflict = error(
            409,
            Some("ConflictException"),
            json!({"Code": "Conflict", "Message": "m"}),
        );
        let c = check_response(expect, &conflict, None, &s);
        assert_eq!(rules(&c), ["state.refusal_left_no_trace"]);
        assert!(
            c.violations[0].to_string().contains("ForbiddenException"),
            "{c:?}"
        );
        let other = error(
            404,
            Some("NotFoundException"),
            json!({"Code": "NotFound", "Message": "m"}),
        );
        assert_eq!(
            rules(&check_response(expect, &other, None, &s)),
            ["success.status"]
        );
        let wrong = created(json!({"UserId": "u", "AccountId": "other"}));
        assert_eq!(
            rules(&check_response(expect, &wrong, None, &s)),
            ["invariant.account_id"]
        );
    }

    #[test]
    fn status_content_type_and_schema_are_separate_rules() {
        let r = response(
            200,
            &[("content-type", "application/json")],
            json!({"User": {"UserId": "u"}}),
        );
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.status"]);
        let r = response(
            201,
            &[("content-type", "text/plain")],
            json!({"User": {"UserId": "u"}}),
        );
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.content_type"]);
        let r = created(json!({"UserId": 5}));
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.schema"]);
        let mut r = created(json!({}));
        r.body = b"{oops".to_vec();
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.body_json"]);
    }

    fn error(status: u16, header: Option<&str>, body: Value) -> ReceivedResponse {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(h) = header {
            headers.push(("x-amzn-errortype", h));
        }
        response(status, &headers, body)
    }

    #[test]
    fn a_conforming_error_breaks_no_rule_whatever_its_decorations() {
        let s = schemas();
        for header in [
            "ConflictException",
            "com.amazonaws.chime#ConflictException:http://internal.example/",
        ] {
            let r = error(
                409,
                Some(header),
                json!({"Code": "Conflict", "Message": "m"}),
            );
            let c = check_response(
                Expectation::Rejected {
                    exception: Exception::Conflict,
                    rule: Rule::CaseExpectedException,
                },
                &r,
                None,
                &s,
            );
            assert_eq!(rules(&c), Vec::<&str>::new(), "{header}");
        }
    }

    #[test]
    fn each_error_rule_is_reported_by_name() {
        let s = schemas();
        let body = json!({"Code": "Conflict", "Message": "m"});
        let any = |r: &ReceivedResponse, fault| {
            rules(&check_response(Expectation::AnyError, r, fault, &s))
        };
        assert_eq!(
            any(&error(409, None, body.clone()), None),
            ["error.type_header"]
        );
        assert_eq!(
            any(&error(400, Some("ConflictException"), body.clone()), None),
            ["error.status"]
        );
        assert_eq!(
            any(&error(409, Some("UserExistsException"), body.clone()), None),
            ["error.type_documented"]
        );
        assert_eq!(
            any(
                &error(409, Some("ConflictException"), json!({"Code": 42})),
                None
            ),
            ["error.schema"]
        );
        let fault = error(
            503,
            Some("ServiceUnavailableException"),
            json!({"Code": "ServiceUnavailable"}),
        );
        assert_eq!(any(&fault, None), ["error.unexpected_fault"]);
        assert_eq!(
            any(&fault, Some(Exception::ServiceUnavailable)),
            Vec::<&str>::new()
        );
        let expired = error(400, Some("RequestExpired"), json!({}));
        assert_eq!(any(&expired, None), ["aws.common_error"]);
        let c = check_response(Expectation::Created(&FACTS), &expired, None, &s);
        assert_eq!(
            rules(&c),
            ["aws.common_error"],
            "its own class, not success.status"
        );
    }

    #[test]
    fn the_type_may_come_from_the_body_with_the_missing_header_a_note() {
        let r = error(404, None, json!({"__type": "aws#NotFoundException"}));
        let c = check_response(Expectation::AnyError, &r, None, &schemas());
        assert_eq!(rules(&c), Vec::<&str>::new(), "every client resolves it");
        assert_eq!(c.exception(), Some(Exception::NotFound));
        let notes: Vec<_> = c.observations.iter().map(|o| o.choice).collect();
        assert!(
            notes.contains(&OpenChoice::ErrorTypeHeaderMissing),
            "{notes:?}"
        );
        let strict: Vec<_> = c.failures(true).iter().map(|v| v.rule).collect();
        assert_eq!(
            strict,
            [Rule::ErrorTypeHeader],
            "a note fails under --strict"
        );
        // With no type anywhere, no client can tell: a departure.
        let r = error(404, None, json!({"Code": "NotFound"}));
        let c = check_response(Expectation::AnyError, &r, None, &schemas());
        assert_eq!(rules(&c), ["error.type_header"]);
    }

    #[test]
    fn accepted_invalid_input_and_wrong_exceptions_break_the_given_rule() {
        let s = schemas();
        let expect = Expectation::Rejected {
            exception: Exception::BadRequest,
            rule: Rule::InputRejected,
        };
        let c = check_response(expect, &created(json!({"UserId": "u"})), None, &s);
        assert_eq!(rules(&c), ["input.rejected"]);
        let r = error(404, Some("NotFoundException"), json!({"Code": "NotFound"}));
        assert_eq!(
            rules(&check_response(expect, &r, None, &s)),
            ["input.rejected"]
        );
        // An unresolvable type is judged by its status (the header rule reports the rest).
        let r = error(400, None, json!({"Code": "BadRequest"}));
        assert_eq!(
            rules(&check_response(expect, &r, None, &s)),
            ["error.type_header"]
        );
    }

    #[test]
    fn a_5xx_on_a_valid_request_is_an_unexpected_fault_only() {
        let r = error(
            500,
            Some("ServiceFailureException"),
            json!({"Code": "ServiceFailure"}),
        );
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["error.unexpected_fault"]);
        let r = error(404, Some("NotFoundException"), json!({"Code": "NotFound"}));
        let c = check_response(Expectation::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.status"]);
    }

    #[test]
    fn a_tampered_request_must_be_refused_and_its_acceptance_is_a_security_finding() {
        let s = schemas();
        let c = check_response(
            Expectation::AuthRefused,
            &created(json!({"UserId": "u"})),
            None,
            &s,
        );
        assert_eq!(rules(&c), ["security.signature_binding"]);
        for (status, name, body) in [
            (
                401,
                "UnauthorizedClientException",
                json!({"Code": "Unauthorized", "Message": "m"}),
            ),
            (
                403,
                "InvalidSignatureException",
                json!({"message": "Signature expired"}),
            ),
            (400, "RequestExpired", json!({"message": "m"})),
            (403, "SignatureDoesNotMatch", json!({"Message": "m"})),
        ] {
            let r = error(status, Some(name), body);
            let c = check_response(Expectation::AuthRefused, &r, None, &s);
            assert_eq!(rules(&c), Vec::<&str>::new(), "{name}");
        }
        let r = error(404, Some("NotFoundException"), json!({"Code": "NotFound"}));
        let c = check_response(Expectation::AuthRefused, &r, None, &s);
        assert_eq!(rules(&c), ["case.expected_exception"]);
    }

    #[test]
    fn a_malformed_body_must_be_refused_with_any_4xx_a_smithy_server_may_send() {
        let s = schemas();
        let c = check_response(
            Expectation::Malformed,
            &created(json!({"UserId": "u"})),
            None,
            &s,
        );
        assert_eq!(rules(&c), ["input.malformed_refused"]);
        for (status, name, body) in [
            (
                400,
                "BadRequestException",
                json!({"Code": "BadRequest", "Message": "m"}),
            ),
            (400, "SerializationException", json!({"message": "m"})),
            (
                415,
                "UnsupportedMediaTypeException",
                json!({"message": "m"}),
            ),
            (
                413,
                "RequestEntityTooLargeException",
                json!({"message": "m"}),
            ),
        ] {
            let r = error(status, Some(name), body);
            let c = check_response(Expectation::Malformed, &r, None, &s);
            assert_eq!(rules(&c), Vec::<&str>::new(), "{name}");
        }
        let r = error(
            500,
            Some("ServiceFailureException"),
            json!({"Code": "ServiceFailure"}),
        );
        let c = check_response(Expectation::Malformed, &r, None, &s);
        assert_eq!(rules(&c), ["error.unexpected_fault"]);
    }

    #[test]
    fn valid_json_under_a_wrong_media_type_may_be_parsed_or_refused() {
        let s = schemas();
        let ok = created(json!({"UserId": "u", "AccountId": "acct"}));
        let c = check_response(Expectation::ParsedOrRefused(&FACTS), &ok, None, &s);
        assert_eq!(rules(&c), Vec::<&str>::new());
        let r = error(
            415,
            Some("UnsupportedMediaTypeException"),
            json!({"message": "m"}),
        );
        let c = check_response(Expectation::ParsedOrRefused(&FACTS), &r, None, &s);
        assert_eq!(rules(&c), Vec::<&str>::new());
        let wrong = created(json!({"UserId": "u", "AccountId": "other"}));
        let c = check_response(Expectation::ParsedOrRefused(&FACTS), &wrong, None, &s);
        assert_eq!(
            rules(&c),
            ["invariant.account_id"],
            "a 201 is checked as a creation"
        );
    }

    #[test]
    fn user_ids_must_be_unique() {
        let mut seen = HashSet::new();
        assert_eq!(check_user_id_unique("a", &mut seen), None);
        assert_eq!(check_user_id_unique("b", &mut seen), None);
        let v = check_user_id_unique("a", &mut seen).unwrap();
        assert_eq!(v.rule, Rule::InvariantUserIdUnique);
    }
}
