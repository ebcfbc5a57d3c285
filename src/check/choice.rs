//! The contract's open choices, in one registry: every place where the model, restJson1, an
//! RFC or the AWS SDKs' behaviour allow more than one answer, with the answers allowed and
//! the source that leaves the choice open. A check that meets one records an
//! [`Observation`] (which answer the target chose) instead of a violation; the reports
//! count them in a "choices and restrictions" section. Restrictions and notes pass unless
//! the run is `--strict`, where [`Observation::strict_violation`] turns them into failures.

use std::fmt;

use serde::Serialize;

use super::{Rule, Violation};

/// What a judgement of an answer concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A client can notice: the answer fails.
    Departure,
    /// One of several conforming answers: passes, and the report says which one.
    Choice,
    /// A documented refusal of input the model allows: passes with a note (fails under
    /// `--strict`).
    Restriction,
    /// A protocol MUST that no client can notice: passes with a note (fails under
    /// `--strict`).
    Note,
}

impl Verdict {
    /// The verdict's stable name, as in the reports.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Departure => "departure",
            Verdict::Choice => "choice",
            Verdict::Restriction => "restriction",
            Verdict::Note => "note",
        }
    }
}

/// What leaves a choice open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The service model (what it states, or leaves unstated).
    Model,
    /// The Smithy restJson1 protocol specification.
    RestJson1,
    /// An RFC.
    Rfc,
    /// How the AWS SDKs and AWS front doors behave.
    Sdk,
}

impl Source {
    /// The source's name, as in the reports.
    pub fn name(self) -> &'static str {
        match self {
            Source::Model => "model",
            Source::RestJson1 => "restJson1",
            Source::Rfc => "RFC",
            Source::Sdk => "SDK behaviour",
        }
    }
}

/// Declares [`OpenChoice`] with its names, verdicts, sources, allowed answers and reasons.
macro_rules! open_choices {
    ($($variant:ident = $name:literal, $verdict:ident, $source:ident, $rule:ident:
        $question:literal, [$($answer:literal),+ $(,)?], $why:literal;)+) => {
        /// A place where the contract leaves the answer open.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OpenChoice {
            $($variant,)+
        }

        impl OpenChoice {
            /// Every open choice, in declaration order.
            pub const ALL: &'static [OpenChoice] = &[$(OpenChoice::$variant,)+];

            /// The stable name, as in the reports and `diff::choice`.
            pub fn name(self) -> &'static str {
                match self { $(OpenChoice::$variant => $name,)+ }
            }

            /// Whether meeting it is a choice, a restriction or a note.
            pub fn verdict(self) -> Verdict {
                match self { $(OpenChoice::$variant => Verdict::$verdict,)+ }
            }

            /// What leaves it open.
            pub fn source(self) -> Source {
                match self { $(OpenChoice::$variant => Source::$source,)+ }
            }

            /// The rule that would otherwise judge the answer (and does under `--strict`,
            /// for a restriction or a note).
            pub fn rule(self) -> Rule {
                match self { $(OpenChoice::$variant => Rule::$rule,)+ }
            }

            /// What is being answered, in a few words.
            pub fn question(self) -> &'static str {
                match self { $(OpenChoice::$variant => $question,)+ }
            }

            /// The answers that conform.
            pub fn allowed(self) -> &'static [&'static str] {
                match self { $(OpenChoice::$variant => &[$($answer),+],)+ }
            }

            /// Why the answer is open, citing the source.
            pub fn why(self) -> &'static str {
                match self { $(OpenChoice::$variant => $why,)+ }
            }
        }
    };
}

open_choices! {
    BodySize = "body_size", Choice, Model, InputMalformedRefused:
        "a 2 MiB body that is one valid JSON object",
        ["201 (accepted)", "413", "400", "another 4xx",
         "a close after a refusal was sent"],
        "the model sets no size limit for any member or the body; front doors and Smithy servers set their own (a 5xx, a hang or a reset before any answer still fail)";
    PatternDialect = "pattern_dialect", Choice, Model, InputRejected:
        "an Email or AccountId that one regex dialect matches and another does not",
        ["201 (the server's dialect matches it)",
         "400 BadRequestException (ECMA-262 or the server's dialect does not)",
         "404 NotFoundException (an AccountId the server's dialect takes as an id)"],
        "Smithy states `pattern` in ECMA-262, where `.` matches no line terminator; smithy-rs validates with Rust's regex, others with Go RE2, Python re or Java, which differ on `.` and `\\s`";
    EmailCase = "email_case", Choice, Rfc, CaseExpectedException:
        "the same Email again, in another case",
        ["409 ConflictException (addresses compared ignoring case)",
         "201 (addresses compared exactly)"],
        "RFC 5321 makes the local part case-sensitive in principle; most services compare ignoring case; the model states neither";
    EmailEcho = "email_echo", Choice, Rfc, InvariantPrimaryEmail:
        "User.PrimaryEmail for the Email sent",
        ["as sent", "in another case", "NFC-normalised", "NFKC-normalised"],
        "RFC 6532 recommends NFC for internationalised addresses, RFC 5321 leaves the domain's case free; the model states no normalisation";
    AuthRefusal = "auth_refusal", Choice, Sdk, CaseExpectedException:
        "a request whose credentials or signature are missing or do not verify",
        ["401 UnauthorizedClientException",
         "a front door's authentication error (MissingAuthenticationToken[Exception], IncompleteSignature[Exception], InvalidSignatureException, SignatureDoesNotMatch, UnrecognizedClientException, InvalidClientTokenId, RequestExpired, ExpiredTokenException, AccessDeniedException)"],
        "AWS front doors refuse authentication before the service sees the request, with the AWS common names (an `Exception` suffix on JSON front doors); every SDK surfaces either";
    ErrorTypeSource = "error_type_source", Choice, RestJson1, ErrorTypeHeader:
        "where an error names its type",
        ["X-Amzn-ErrorType header", "body member `code`", "body member `__type`"],
        "restJson1: clients MUST accept the header, a body `code` or a body `__type`";
    ErrorTypeHeaderMissing = "error_type_header_missing", Note, RestJson1, ErrorTypeHeader:
        "an error without X-Amzn-ErrorType whose body names its type",
        ["the header sent as well"],
        "restJson1: new servers MUST send the header, but clients MUST accept `code` or `__type`, so no client can notice";
    MediaType = "media_type", Choice, RestJson1, InputMalformedRefused:
        "valid JSON under a missing or non-JSON Content-Type",
        ["201 (parsed)", "415 UnsupportedMediaTypeException", "another 4xx"],
        "Smithy servers answer 415; the model documents no media-type error, and a lenient server may parse the body";
    MalformedRefusal = "malformed_refusal", Choice, RestJson1, ErrorTypeDocumented:
        "a body that is not one JSON object",
        ["400 BadRequestException", "400 SerializationException",
         "413 RequestEntityTooLargeException", "415 UnsupportedMediaTypeException"],
        "Smithy restJson1 servers refuse a body they cannot deserialize with SerializationException; the model documents only BadRequestException";
    NullMember = "null_member", Choice, RestJson1, SuccessStatus:
        "a request member that is JSON null",
        ["201 (null taken as absent)", "400 BadRequestException"],
        "restJson1 servers may take null as absent or refuse it; the AWS SDKs never send null";
    TransientRetry = "transient_retry", Choice, Sdk, ErrorUnexpectedFault:
        "a transient 5xx to a request that injected no fault",
        ["an answer on the first attempt",
         "a 500, 502, 503 or 504, then a conforming answer on a retry"],
        "the AWS SDKs' standard retry mode retries HTTP 500, 502, 503 and 504 (3 attempts, exponential backoff with jitter); only a persistent one reaches the caller";
    RouteRefusal = "route_refusal", Choice, RestJson1, RouteRefused:
        "a probe of the route: another method, an odd path label or query string",
        ["404 UnknownOperationException", "405 Method Not Allowed with Allow",
         "400 BadRequestException", "another 4xx", "501 Not Implemented for an unknown method",
         "a 2xx with no User where another Chime operation lives (ListUsers, BatchUpdateUser, UpdateAccount, BatchSuspendUser)",
         "201 under exactly the decoded label, or with unknown query parameters ignored"],
        "restJson1 routers answer a request no operation matches with UnknownOperationException (404), HTTP servers with 405 and Allow, or 501 to a method they do not know (RFC 9110); the Chime API has other operations on the same paths, and restJson1 servers ignore query parameters they do not know (a 5xx still fails, and so does a user created by no CreateUser call)";
    ServiceRestriction = "service_restriction", Restriction, Model, SuccessStatus:
        "a valid request outside the common forms (a Username over 128 characters or not printable ASCII, an Email not plain ASCII)",
        ["201", "400 BadRequestException"],
        "Chime documents BadRequestException as \"the input parameters don't match the service's restrictions\": a service may refuse input the model allows";
}

impl OpenChoice {
    /// The open choice with this stable name.
    pub fn from_name(name: &str) -> Option<OpenChoice> {
        OpenChoice::ALL.iter().copied().find(|c| c.name() == name)
    }
}

impl fmt::Display for OpenChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One open choice met by one answer, and the answer the target chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub choice: OpenChoice,
    /// The answer chosen, in a few words that are the same for the same answer (they are
    /// counted), e.g. "409 ConflictException".
    pub answer: String,
}

impl Observation {
    pub fn new(choice: OpenChoice, answer: impl Into<String>) -> Observation {
        Observation {
            choice,
            answer: answer.into(),
        }
    }

    /// The failure this observation is under `--strict`: a restriction or a note becomes a
    /// violation of the rule it relaxed; a choice never fails.
    pub fn strict_violation(&self) -> Option<Violation> {
        matches!(self.choice.verdict(), Verdict::Restriction | Verdict::Note).then(|| {
            Violation::new(
                self.choice.rule(),
                format!(
                    "no {} {} under --strict ({})",
                    self.choice.verdict().name(),
                    self.choice.name(),
                    self.choice.allowed()[0]
                ),
                format!(
                    "{} {}: {}",
                    self.choice.verdict().name(),
                    self.choice,
                    self.answer
                ),
            )
        })
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.choice,
            self.choice.verdict().name(),
            self.answer
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_choice_has_a_unique_name_answers_and_a_reason() {
        let names: HashSet<_> = OpenChoice::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), OpenChoice::ALL.len());
        for c in OpenChoice::ALL {
            assert!(!c.allowed().is_empty() && !c.why().is_empty(), "{c}");
            assert_ne!(c.verdict(), Verdict::Departure, "{c}");
        }
    }

    #[test]
    fn only_restrictions_and_notes_fail_under_strict() {
        let restriction =
            Observation::new(OpenChoice::ServiceRestriction, "400 BadRequestException");
        let v = restriction.strict_violation().unwrap();
        assert_eq!(v.rule, Rule::SuccessStatus);
        assert!(v.seen.contains("service_restriction"), "{v}");
        let note = Observation::new(OpenChoice::ErrorTypeHeaderMissing, "body member `__type`");
        assert_eq!(note.strict_violation().unwrap().rule, Rule::ErrorTypeHeader);
        let choice = Observation::new(OpenChoice::EmailCase, "201");
        assert_eq!(choice.strict_violation(), None);
    }
}
