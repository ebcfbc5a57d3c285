//! The pure checks: from the contract, what a request expected and the response it got, to
//! a list of violated rules. No I/O here, so every rule is unit-tested without a server.
//! Each rule has a stable name (`Rule::name`) used in failure text, reports and the
//! rule-to-mutant table in the README.

use std::collections::HashSet;
use std::fmt;

use serde_json::Value;

use crate::contract::{
    resolve_error_type, ErrorKind, Exception, ResolvedErrorType, SUCCESS_STATUS,
};
use crate::exchange::ReceivedResponse;
use crate::schema::{SchemaName, Schemas};

/// Every rule the harness checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    SuccessStatus,
    SuccessContentType,
    SuccessBodyJson,
    SuccessSchema,
    InvariantAccountId,
    InvariantPrimaryEmail,
    InvariantUserType,
    InvariantUserIdUnique,
    ErrorTypeHeader,
    ErrorTypeDocumented,
    ErrorStatus,
    ErrorSchema,
    ErrorUnexpectedFault,
    InputRejected,
    CaseExpectedException,
    AwsCommonError,
}

/// Whether breaking a rule is a departure from the CreateUser contract or something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleClass {
    /// The endpoint departs from the CreateUser contract.
    Contract,
    /// The endpoint answered with an error common to all AWS services (a front door's
    /// `RequestExpired`, `InvalidClientTokenId`, ...): not a CreateUser exception, and not
    /// evidence about the contract either.
    AwsCommon,
}

impl Rule {
    pub const ALL: [Rule; 16] = [
        Rule::SuccessStatus,
        Rule::SuccessContentType,
        Rule::SuccessBodyJson,
        Rule::SuccessSchema,
        Rule::InvariantAccountId,
        Rule::InvariantPrimaryEmail,
        Rule::InvariantUserType,
        Rule::InvariantUserIdUnique,
        Rule::ErrorTypeHeader,
        Rule::ErrorTypeDocumented,
        Rule::ErrorStatus,
        Rule::ErrorSchema,
        Rule::ErrorUnexpectedFault,
        Rule::InputRejected,
        Rule::CaseExpectedException,
        Rule::AwsCommonError,
    ];

    /// The stable name of the rule.
    pub fn name(self) -> &'static str {
        match self {
            Rule::SuccessStatus => "success.status",
            Rule::SuccessContentType => "success.content_type",
            Rule::SuccessBodyJson => "success.body_json",
            Rule::SuccessSchema => "success.schema",
            Rule::InvariantAccountId => "invariant.account_id",
            Rule::InvariantPrimaryEmail => "invariant.primary_email",
            Rule::InvariantUserType => "invariant.user_type",
            Rule::InvariantUserIdUnique => "invariant.user_id_unique",
            Rule::ErrorTypeHeader => "error.type_header",
            Rule::ErrorTypeDocumented => "error.type_documented",
            Rule::ErrorStatus => "error.status",
            Rule::ErrorSchema => "error.schema",
            Rule::ErrorUnexpectedFault => "error.unexpected_fault",
            Rule::InputRejected => "input.rejected",
            Rule::CaseExpectedException => "case.expected_exception",
            Rule::AwsCommonError => "aws.common_error",
        }
    }

    /// What the rule demands, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Rule::SuccessStatus => "a valid request is answered 201",
            Rule::SuccessContentType => "a 201 carries Content-Type: application/json",
            Rule::SuccessBodyJson => "a 201 body is JSON",
            Rule::SuccessSchema => "a 201 body validates against schemas/create-user-response.json",
            Rule::InvariantAccountId => "User.AccountId equals the account in the path",
            Rule::InvariantPrimaryEmail => "User.PrimaryEmail equals the sent Email, ignoring case",
            Rule::InvariantUserType => "User.UserType equals the sent UserType",
            Rule::InvariantUserIdUnique => "every UserId in the run is unique",
            Rule::ErrorTypeHeader => "every error carries an X-Amzn-ErrorType header",
            Rule::ErrorTypeDocumented => "the error type (header, then `code`, then `__type`) is one of the eight documented exceptions",
            Rule::ErrorStatus => "the HTTP status is the one the model gives the error type",
            Rule::ErrorSchema => "an error body is JSON and validates against schemas/error.json",
            Rule::ErrorUnexpectedFault => "no 5xx unless a fault was injected",
            Rule::InputRejected => "a request that breaks a model constraint gets 400 BadRequestException",
            Rule::CaseExpectedException => "an exception case's trigger yields its exception",
            Rule::AwsCommonError => "no AWS common error (RequestExpired, InvalidClientTokenId, ...) in place of CreateUser's own",
        }
    }

    pub fn class(self) -> RuleClass {
        match self {
            Rule::AwsCommonError => RuleClass::AwsCommon,
            _ => RuleClass::Contract,
        }
    }

    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken rule, with what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: Rule,
    pub detail: String,
}

impl Violation {
    fn new(rule: Rule, detail: impl Into<String>) -> Violation {
        Violation {
            rule,
            detail: detail.into(),
        }
    }
}

/// What a response is expected to be.
#[derive(Debug, Clone, Copy)]
pub enum Expect<'a> {
    /// A valid request: 201 and the echo invariants.
    Created(&'a SentFacts<'a>),
    /// A request that must be refused with `exception`; if it is not, `rule` is broken.
    Rejected { exception: Exception, rule: Rule },
    /// Any outcome; only the rules every error obeys apply.
    AnyError,
}

/// The members of a valid request that the response must echo.
#[derive(Debug, Clone, Copy)]
pub struct SentFacts<'a> {
    pub account_id: &'a str,
    pub email: Option<&'a str>,
    pub user_type: Option<&'a str>,
}

/// What came of checking one response.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub violations: Vec<Violation>,
    /// The created user's id, when the response created one.
    pub user_id: Option<String>,
    /// The error type, when the response is an error that names one.
    pub error_type: Option<ResolvedErrorType>,
}

impl Checked {
    /// The documented exception this response is, by its resolved type.
    pub fn exception(&self) -> Option<Exception> {
        match self.error_type.as_ref()?.kind() {
            ErrorKind::Documented(e) => Some(e),
            _ => None,
        }
    }
}

/// Checks one response against what it was expected to be.
pub fn check_response(
    expect: Expect<'_>,
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    match expect {
        Expect::Created(facts) if response.is_success() => check_created(facts, response, schemas),
        Expect::Created(_) => {
            let mut checked = check_error(response, injected_fault, schemas);
            // An AWS common error is its own class (`aws.common_error`), not evidence that
            // the valid request was refused by CreateUser.
            if response.status < 500 && !is_aws_common(&checked) {
                checked.violations.insert(
                    0,
                    Violation::new(
                        Rule::SuccessStatus,
                        format!(
                            "a valid request was answered {} {}",
                            response.status,
                            describe_type(checked.error_type.as_ref())
                        ),
                    ),
                );
            }
            checked
        }
        Expect::Rejected { exception, rule } if response.is_success() => Checked {
            violations: vec![Violation::new(
                rule,
                format!(
                    "expected {exception} (HTTP {}), but the request was accepted with {}",
                    exception.http_status(),
                    response.status
                ),
            )],
            ..Checked::default()
        },
        Expect::Rejected { exception, rule } => {
            let mut checked = check_error(response, injected_fault, schemas);
            if !is_exception(&checked, response.status, exception) && !is_aws_common(&checked) {
                checked.violations.push(Violation::new(
                    rule,
                    format!(
                        "expected {exception} (HTTP {}), got HTTP {} {}",
                        exception.http_status(),
                        response.status,
                        describe_type(checked.error_type.as_ref())
                    ),
                ));
            }
            checked
        }
        Expect::AnyError if response.is_success() => Checked::default(),
        Expect::AnyError => check_error(response, injected_fault, schemas),
    }
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

/// The rules every error response obeys.
pub fn check_error(
    response: &ReceivedResponse,
    injected_fault: Option<Exception>,
    schemas: &Schemas,
) -> Checked {
    let mut violations = Vec::new();
    let body = response.json();
    let header = response.error_type_header();
    if header.is_none() {
        violations.push(Violation::new(
            Rule::ErrorTypeHeader,
            format!(
                "HTTP {} error without an X-Amzn-ErrorType header (the AWS SDK for Rust cannot tell which exception it is)",
                response.status
            ),
        ));
    }
    let error_type = resolve_error_type(header, body.as_ref().ok());
    if !(400..600).contains(&response.status) {
        violations.push(Violation::new(
            Rule::ErrorStatus,
            format!(
                "HTTP {} is neither 201 nor a documented error status",
                response.status
            ),
        ));
    }
    match error_type.as_ref().map(ResolvedErrorType::kind) {
        Some(ErrorKind::Documented(e)) if e.http_status() != response.status => {
            violations.push(Violation::new(
                Rule::ErrorStatus,
                format!(
                    "{e} must be HTTP {}, was HTTP {}",
                    e.http_status(),
                    response.status
                ),
            ))
        }
        Some(ErrorKind::AwsCommon(name)) => violations.push(Violation::new(
            Rule::AwsCommonError,
            format!(
                "HTTP {} {name}: an error common to AWS front doors, not a CreateUser exception",
                response.status
            ),
        )),
        Some(ErrorKind::Undocumented(name)) => violations.push(Violation::new(
            Rule::ErrorTypeDocumented,
            format!("error type {name:?} is not one of CreateUser's eight exceptions"),
        )),
        _ => {}
    }
    match &body {
        Err(why) => violations.push(Violation::new(Rule::ErrorSchema, why.clone())),
        Ok(value) => violations.extend(
            schemas
                .violations(SchemaName::Error, value)
                .into_iter()
                .map(|v| Violation::new(Rule::ErrorSchema, v.to_string())),
        ),
    }
    if response.status >= 500 && injected_fault.is_none() {
        violations.push(Violation::new(
            Rule::ErrorUnexpectedFault,
            format!("HTTP {} without an injected fault", response.status),
        ));
    }
    Checked {
        violations,
        user_id: None,
        error_type,
    }
}

fn check_created(facts: &SentFacts<'_>, response: &ReceivedResponse, schemas: &Schemas) -> Checked {
    let mut violations = Vec::new();
    if response.status != SUCCESS_STATUS {
        violations.push(Violation::new(
            Rule::SuccessStatus,
            format!(
                "success must be HTTP {SUCCESS_STATUS}, was HTTP {}",
                response.status
            ),
        ));
    }
    if !is_json_media_type(response.header("content-type")) {
        violations.push(Violation::new(
            Rule::SuccessContentType,
            format!(
                "Content-Type is {:?}, expected application/json",
                response.header("content-type").unwrap_or("(none)")
            ),
        ));
    }
    let body = match response.json() {
        Ok(body) => body,
        Err(why) => {
            violations.push(Violation::new(Rule::SuccessBodyJson, why));
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
            .map(|v| Violation::new(Rule::SuccessSchema, v.to_string())),
    );
    let user = body.get("User");
    let member = |name: &str| user.and_then(|u| u.get(name)).and_then(Value::as_str);
    if let Some(echoed) = member("AccountId") {
        if echoed != facts.account_id {
            violations.push(Violation::new(
                Rule::InvariantAccountId,
                format!(
                    "User.AccountId is {echoed:?}, the path account is {:?}",
                    facts.account_id
                ),
            ));
        }
    }
    if let (Some(sent), Some(echoed)) = (facts.email, member("PrimaryEmail")) {
        if sent.to_lowercase() != echoed.to_lowercase() {
            violations.push(Violation::new(
                Rule::InvariantPrimaryEmail,
                "User.PrimaryEmail differs from the sent Email (values masked)",
            ));
        }
    }
    if let (Some(sent), Some(echoed)) = (facts.user_type, member("UserType")) {
        if sent != echoed {
            violations.push(Violation::new(
                Rule::InvariantUserType,
                format!("User.UserType is {echoed:?}, the request sent {sent:?}"),
            ));
        }
    }
    Checked {
        violations,
        user_id: member("UserId").map(str::to_string),
        error_type: None,
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
            format!("UserId {user_id:?} was already returned earlier in this run"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn response(status: u16, headers: &[(&str, &str)], body: Value) -> ReceivedResponse {
        ReceivedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.to_string().into_bytes(),
            elapsed: Duration::ZERO,
        }
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
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), Vec::<&str>::new());
        assert_eq!(c.user_id.as_deref(), Some("u1"));
    }

    #[test]
    fn optional_members_absent_are_fine() {
        let r = created(json!({"UserId": "u1"}));
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), Vec::<&str>::new());
    }

    #[test]
    fn each_invariant_is_reported_by_name() {
        let r = created(json!({"UserId": "u1", "AccountId": "other",
            "PrimaryEmail": "bob@example.com", "UserType": "PrivateUser"}));
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
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
    fn status_content_type_and_schema_are_separate_rules() {
        let r = response(
            200,
            &[("content-type", "application/json")],
            json!({"User": {"UserId": "u"}}),
        );
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.status"]);
        let r = response(
            201,
            &[("content-type", "text/plain")],
            json!({"User": {"UserId": "u"}}),
        );
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.content_type"]);
        let r = created(json!({"UserId": 5}));
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.schema"]);
        let mut r = created(json!({}));
        r.body = b"{oops".to_vec();
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
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
                Expect::Rejected {
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
        let any =
            |r: &ReceivedResponse, fault| rules(&check_response(Expect::AnyError, r, fault, &s));
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
        let c = check_response(Expect::Created(&FACTS), &expired, None, &s);
        assert_eq!(
            rules(&c),
            ["aws.common_error"],
            "its own class, not success.status"
        );
    }

    #[test]
    fn the_type_may_come_from_the_body_but_the_header_is_still_required() {
        let r = error(404, None, json!({"__type": "aws#NotFoundException"}));
        let c = check_response(Expect::AnyError, &r, None, &schemas());
        assert_eq!(rules(&c), ["error.type_header"]);
        assert_eq!(c.exception(), Some(Exception::NotFound));
    }

    #[test]
    fn accepted_invalid_input_and_wrong_exceptions_break_the_given_rule() {
        let s = schemas();
        let expect = Expect::Rejected {
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
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["error.unexpected_fault"]);
        let r = error(404, Some("NotFoundException"), json!({"Code": "NotFound"}));
        let c = check_response(Expect::Created(&FACTS), &r, None, &schemas());
        assert_eq!(rules(&c), ["success.status"]);
    }

    #[test]
    fn user_ids_must_be_unique() {
        let mut seen = HashSet::new();
        assert_eq!(check_user_id_unique("a", &mut seen), None);
        assert_eq!(check_user_id_unique("b", &mut seen), None);
        let v = check_user_id_unique("a", &mut seen).unwrap();
        assert_eq!(v.rule, Rule::InvariantUserIdUnique);
    }

    #[test]
    fn rule_names_are_unique_and_round_trip() {
        let names: HashSet<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert_eq!(Rule::from_name(r.name()), Some(r));
        }
    }
}
