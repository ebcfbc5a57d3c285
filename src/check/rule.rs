//! Every rule the harness checks, each with a stable name (used in failure text, reports,
//! the JSON report's `rules` and the README's rule-to-mutant table), a one-line statement
//! and a class. The list of rules is generated with the enum, so a new rule cannot be left
//! out of [`Rule::ALL`].

use std::fmt;

use serde::Serialize;

/// Whether breaking a rule is a departure from the CreateUser contract or something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleClass {
    /// The endpoint departs from the CreateUser contract.
    Contract,
    /// The endpoint did something no client may rely on it not doing: a security finding,
    /// shown first in every report.
    Security,
    /// The endpoint answered with an error common to all AWS services (a front door's
    /// `RequestExpired`, `InvalidClientTokenId`, ...): not a CreateUser exception, and not
    /// evidence about the contract either.
    AwsCommon,
}

impl RuleClass {
    /// The class's stable name, as in the reports.
    pub fn name(self) -> &'static str {
        match self {
            RuleClass::Contract => "contract",
            RuleClass::Security => "security",
            RuleClass::AwsCommon => "aws-common",
        }
    }
}

/// Declares [`Rule`] with its stable names, statements and classes, and `Rule::ALL`.
macro_rules! rules {
    ($($variant:ident = $name:literal, $class:ident: $description:literal;)+) => {
        /// Every rule the harness checks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($variant,)+
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)+];

            /// The stable name of the rule.
            pub fn name(self) -> &'static str {
                match self {
                    $(Rule::$variant => $name,)+
                }
            }

            /// What the rule demands, in one line.
            pub fn description(self) -> &'static str {
                match self {
                    $(Rule::$variant => $description,)+
                }
            }

            /// Whether breaking it departs from the contract or is something else.
            pub fn class(self) -> RuleClass {
                match self {
                    $(Rule::$variant => RuleClass::$class,)+
                }
            }
        }
    };
}

rules! {
    SuccessStatus = "success.status", Contract:
        "a valid request is answered 201";
    SuccessContentType = "success.content_type", Contract:
        "a 201 carries Content-Type: application/json";
    SuccessBodyJson = "success.body_json", Contract:
        "a 201 body is JSON";
    SuccessSchema = "success.schema", Contract:
        "a 201 body validates against schemas/create-user-response.json";
    InvariantAccountId = "invariant.account_id", Contract:
        "User.AccountId equals the account in the path";
    InvariantPrimaryEmail = "invariant.primary_email", Contract:
        "User.PrimaryEmail equals the sent Email, ignoring case";
    InvariantUserType = "invariant.user_type", Contract:
        "User.UserType equals the sent UserType";
    InvariantUserIdUnique = "invariant.user_id_unique", Contract:
        "every UserId in the run is unique";
    ErrorTypeHeader = "error.type_header", Contract:
        "every error names its type so a client can resolve it: the X-Amzn-ErrorType header (a body `code` or `__type` alone is a note)";
    ErrorTypeDocumented = "error.type_documented", Contract:
        "the error type (header, then `code`, then `__type`) is one of the eight documented exceptions";
    ErrorStatus = "error.status", Contract:
        "the HTTP status is the one the model gives the error type";
    ErrorSchema = "error.schema", Contract:
        "an error body is JSON and validates against schemas/error.json";
    ErrorUnexpectedFault = "error.unexpected_fault", Contract:
        "no 5xx unless a fault was injected";
    InputRejected = "input.rejected", Contract:
        "a request that breaks a model constraint gets 400 BadRequestException";
    InputMalformedRefused = "input.malformed_refused", Contract:
        "a body that is not one JSON object (trailing data, comments, trailing commas, single quotes, another top-level shape, invalid UTF-8, deep nesting) is refused with a 4xx, never accepted; a body larger than the target reads gets an answer (a 201 or a 4xx) before the connection closes";
    CaseExpectedException = "case.expected_exception", Contract:
        "an exception case's trigger yields its exception";
    ConcurrencyOutcomeCounts = "concurrency.outcome_counts", Contract:
        "simultaneous requests get the answers in the counts the case states (one Email: exactly one 201, a ConflictException for each other)";
    RouteRefused = "route.refused", Contract:
        "a probe of the route that is no CreateUser call (another method, no or another operation, a label that is not UTF-8) creates no user: a 4xx, or a 2xx with no User where another Chime operation lives";
    RouteNoServerError = "route.no_server_error", Contract:
        "no probe of the route (another method, an odd path label or query string) is answered with a 5xx (a 501 to an unknown method aside)";
    StateRefusalLeftNoTrace = "state.refusal_left_no_trace", Contract:
        "a refused create leaves nothing behind: the same Email created afterwards gets 201, and a create retried after a 429 never meets a ConflictException for itself";
    PlausibleValues = "plausible.values", Contract:
        "User.InvitedOn and User.RegisteredOn lie within a day of the answer's Date header (of the harness's clock without one), and User.UserId is not empty";
    AwsCommonError = "aws.common_error", AwsCommon:
        "no AWS common error (RequestExpired, InvalidClientTokenId, ...) in place of CreateUser's own";
    SecuritySignatureBinding = "security.signature_binding", Security:
        "a request whose signature does not bind it (stale, mis-scoped, or altered after signing) never creates a user";
}

impl Rule {
    /// The rule with this stable name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_names_are_unique_and_round_trip() {
        let names: HashSet<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), Rule::ALL.len());
        for &r in Rule::ALL {
            assert_eq!(Rule::from_name(r.name()), Some(r));
        }
    }

    #[test]
    fn only_the_aws_common_and_security_rules_are_outside_the_contract() {
        let outside: Vec<_> = Rule::ALL
            .iter()
            .filter(|r| r.class() != RuleClass::Contract)
            .collect();
        assert_eq!(
            outside,
            [&Rule::AwsCommonError, &Rule::SecuritySignatureBinding]
        );
    }
}
