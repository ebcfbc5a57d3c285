//! The CreateUser contract as data: the route, the eight documented exceptions with their
//! HTTP statuses and error codes, and the restJson1 rules a client uses to learn which
//! error it got. Everything here is derived from `contract/chime-2018-05-01-createuser.model.json`
//! and the Smithy restJson1 specification; nothing here does I/O.

use std::fmt;

/// SigV4 signing name of the service.
pub const SIGNING_SERVICE: &str = "chime";
/// The region Chime was reached through (a global service with one endpoint).
pub const DEFAULT_REGION: &str = "us-east-1";
/// HTTP status of a successful CreateUser.
pub const SUCCESS_STATUS: u16 = 201;
/// The header a restJson1 server must send to name the error shape.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";
/// The header carrying the request id on every response.
pub const REQUEST_ID_HEADER: &str = "x-amzn-requestid";
/// The query that selects CreateUser among the operations sharing its path.
pub const OPERATION_QUERY: &str = "operation=create";
/// `EmailAddress` pattern from the model.
pub const EMAIL_PATTERN: &str = ".+@.+\\..+";
/// `UserType` enum from the model.
pub const USER_TYPES: [&str; 2] = ["PrivateUser", "SharedDevice"];
/// `UserType` a service assigns when the request names none.
pub const DEFAULT_USER_TYPE: &str = "PrivateUser";
/// `License` enum from the model.
pub const LICENSE_TYPES: [&str; 4] = ["Basic", "Plus", "Pro", "ProTrial"];
/// `RegistrationStatus` enum from the model.
pub const REGISTRATION_STATUSES: [&str; 3] = ["Unregistered", "Registered", "Suspended"];
/// `InviteStatus` enum from the model.
pub const INVITE_STATUSES: [&str; 3] = ["Pending", "Accepted", "Failed"];
/// Members of `User` whose values must never be printed in clear. The model marks all but
/// `PersonalPIN` sensitive; a PIN is a secret all the same.
pub const SENSITIVE_USER_MEMBERS: [&str; 5] = [
    "PrimaryEmail",
    "PrimaryProvisionedNumber",
    "DisplayName",
    "AlexaForBusinessRoomArn",
    "PersonalPIN",
];
/// Request members whose values must never be printed in clear.
pub const SENSITIVE_REQUEST_MEMBERS: [&str; 1] = ["Email"];

/// Errors common to all AWS services that a real front door can answer with. They are not
/// CreateUser's own exceptions and are reported as their own class.
pub const AWS_COMMON_ERRORS: [&str; 12] = [
    "AccessDeniedException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "RequestExpired",
    "ServiceUnavailable",
    "ThrottlingException",
    "ValidationError",
    "ExpiredTokenException",
    "UnrecognizedClientException",
];

/// The path of CreateUser for an account id, with the id percent-encoded as a URI label.
pub fn create_user_path(account_id: &str) -> String {
    format!(
        "/accounts/{}/users?{OPERATION_QUERY}",
        percent_encoding::utf8_percent_encode(account_id, LABEL_ENCODE_SET)
    )
}

/// Characters left as they are in a URI label: RFC 3986 unreserved.
const LABEL_ENCODE_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// True when `email` matches the model's `EmailAddress` pattern `.+@.+\..+`
/// (`.` excludes line terminators, as in the ECMAScript regexes Smithy patterns use).
pub fn is_valid_email(email: &str) -> bool {
    let chars: Vec<char> = email.chars().collect();
    if chars.iter().any(|c| is_line_terminator(*c)) {
        return false;
    }
    // `.+@.+\..+`: some '@' with at least one char before it, and after it at least one
    // char, then a '.', then at least one char.
    chars.iter().enumerate().any(|(at, c)| {
        *c == '@'
            && at >= 1
            && chars
                .iter()
                .enumerate()
                .any(|(dot, d)| *d == '.' && dot >= at + 2 && dot + 1 < chars.len())
    })
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// True when `account_id` satisfies `NonEmptyString` (`.*\S.*`).
pub fn is_valid_account_id(account_id: &str) -> bool {
    account_id.chars().any(|c| !c.is_whitespace())
}

/// How an exception is triggered, as the contract classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerClass {
    Input,
    Credentials,
    State,
    Load,
    Fault,
}

impl fmt::Display for TriggerClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriggerClass::Input => "input",
            TriggerClass::Credentials => "credentials",
            TriggerClass::State => "state",
            TriggerClass::Load => "load",
            TriggerClass::Fault => "fault",
        })
    }
}

/// The eight documented exceptions of CreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exception {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Throttled,
    ServiceFailure,
    ServiceUnavailable,
}

impl Exception {
    /// All eight, in the order of the contract's table.
    pub const ALL: [Exception; 8] = [
        Exception::BadRequest,
        Exception::Unauthorized,
        Exception::Forbidden,
        Exception::NotFound,
        Exception::Conflict,
        Exception::Throttled,
        Exception::ServiceFailure,
        Exception::ServiceUnavailable,
    ];

    /// The shape name, as sent in `X-Amzn-ErrorType`.
    pub fn shape_name(self) -> &'static str {
        match self {
            Exception::BadRequest => "BadRequestException",
            Exception::Unauthorized => "UnauthorizedClientException",
            Exception::Forbidden => "ForbiddenException",
            Exception::NotFound => "NotFoundException",
            Exception::Conflict => "ConflictException",
            Exception::Throttled => "ThrottledClientException",
            Exception::ServiceFailure => "ServiceFailureException",
            Exception::ServiceUnavailable => "ServiceUnavailableException",
        }
    }

    /// The HTTP status the model gives the shape.
    pub fn http_status(self) -> u16 {
        match self {
            Exception::BadRequest => 400,
            Exception::Unauthorized => 401,
            Exception::Forbidden => 403,
            Exception::NotFound => 404,
            Exception::Conflict => 409,
            Exception::Throttled => 429,
            Exception::ServiceFailure => 500,
            Exception::ServiceUnavailable => 503,
        }
    }

    /// The `ErrorCode` value a Chime service puts in the body's `Code`.
    pub fn error_code(self) -> &'static str {
        match self {
            Exception::BadRequest => "BadRequest",
            Exception::Unauthorized => "Unauthorized",
            Exception::Forbidden => "Forbidden",
            Exception::NotFound => "NotFound",
            Exception::Conflict => "Conflict",
            Exception::Throttled => "Throttled",
            Exception::ServiceFailure => "ServiceFailure",
            Exception::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// True for server faults (5xx), which a conforming server only answers when failing.
    pub fn is_fault(self) -> bool {
        matches!(
            self,
            Exception::ServiceFailure | Exception::ServiceUnavailable
        )
    }

    /// How the contract says this exception is triggered.
    pub fn trigger_class(self) -> TriggerClass {
        match self {
            Exception::BadRequest => TriggerClass::Input,
            Exception::Unauthorized | Exception::Forbidden => TriggerClass::Credentials,
            Exception::NotFound | Exception::Conflict => TriggerClass::State,
            Exception::Throttled => TriggerClass::Load,
            Exception::ServiceFailure | Exception::ServiceUnavailable => TriggerClass::Fault,
        }
    }

    /// The exception with this shape name, if it is one of the eight.
    pub fn from_shape_name(name: &str) -> Option<Exception> {
        Exception::ALL.into_iter().find(|e| e.shape_name() == name)
    }

    /// The documented exception answered with this status, if any.
    pub fn from_status(status: u16) -> Option<Exception> {
        Exception::ALL
            .into_iter()
            .find(|e| e.http_status() == status)
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shape_name())
    }
}

/// Where a client found the error type, in the order restJson1 says to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ErrorTypeSource {
    /// The `X-Amzn-ErrorType` header.
    Header,
    /// A top-level body member `code` (matched case-sensitively, as the Rust SDK does).
    BodyCode,
    /// A top-level body member `__type`.
    BodyType,
}

impl fmt::Display for ErrorTypeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorTypeSource::Header => "X-Amzn-ErrorType header",
            ErrorTypeSource::BodyCode => "body member `code`",
            ErrorTypeSource::BodyType => "body member `__type`",
        })
    }
}

/// What an error type names, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// One of CreateUser's eight exceptions.
    Documented(Exception),
    /// An error common to all AWS services (see [`AWS_COMMON_ERRORS`]).
    AwsCommon(String),
    /// Anything else: not documented for this operation.
    Undocumented(String),
}

/// The error type of a response as a restJson1 client resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedErrorType {
    /// The value as it was sent.
    pub raw: String,
    /// The value after the `:` and `#` clean-up.
    pub name: String,
    pub source: ErrorTypeSource,
}

impl ResolvedErrorType {
    pub fn kind(&self) -> ErrorKind {
        classify_error_name(&self.name)
    }
}

/// Classifies a cleaned error type name.
pub fn classify_error_name(name: &str) -> ErrorKind {
    if let Some(exception) = Exception::from_shape_name(name) {
        ErrorKind::Documented(exception)
    } else if AWS_COMMON_ERRORS.contains(&name) {
        ErrorKind::AwsCommon(name.to_string())
    } else {
        ErrorKind::Undocumented(name.to_string())
    }
}

/// The restJson1 clean-up of an error type value: keep what precedes the first `:`, then
/// what follows the first `#`.
pub fn sanitize_error_type(raw: &str) -> &str {
    let before_colon = raw.split(':').next().unwrap_or(raw);
    match before_colon.split_once('#') {
        Some((_, after)) => after,
        None => before_colon,
    }
}

/// Resolves the error type from the `X-Amzn-ErrorType` header value and the parsed body,
/// in the restJson1 order: header, then body `code`, then body `__type`. Empty values are
/// skipped. `None` when no source names a type.
pub fn resolve_error_type(
    header: Option<&str>,
    body: Option<&serde_json::Value>,
) -> Option<ResolvedErrorType> {
    let body_member = |member: &str| {
        body.and_then(|b| b.get(member))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let candidates = [
        (header.map(str::to_string), ErrorTypeSource::Header),
        (body_member("code"), ErrorTypeSource::BodyCode),
        (body_member("__type"), ErrorTypeSource::BodyType),
    ];
    candidates.into_iter().find_map(|(raw, source)| {
        let raw = raw?;
        let name = sanitize_error_type(raw.trim()).to_string();
        (!name.is_empty()).then_some(ResolvedErrorType { raw, name, source })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_exception_round_trips_through_its_name_and_status() {
        for e in Exception::ALL {
            assert_eq!(Exception::from_shape_name(e.shape_name()), Some(e));
            assert_eq!(Exception::from_status(e.http_status()), Some(e));
        }
    }

    #[test]
    fn sanitize_follows_the_restjson1_rules() {
        let cases = [
            ("ConflictException", "ConflictException"),
            (
                "com.amazonaws.chime#ConflictException:http://internal.example/",
                "ConflictException",
            ),
            ("com.amazonaws.chime#ConflictException", "ConflictException"),
            (
                "ConflictException:http://internal.example/",
                "ConflictException",
            ),
            ("aws.protocoltests#Foo#Bar", "Foo#Bar"),
        ];
        for (raw, want) in cases {
            assert_eq!(sanitize_error_type(raw), want, "for {raw}");
        }
    }

    #[test]
    fn resolution_prefers_header_then_code_then_type() {
        let body = json!({"code": "NotFoundException", "__type": "aws#ForbiddenException"});
        let r = resolve_error_type(Some("ConflictException"), Some(&body)).unwrap();
        assert_eq!(
            (r.name.as_str(), r.source),
            ("ConflictException", ErrorTypeSource::Header)
        );
        let r = resolve_error_type(None, Some(&body)).unwrap();
        assert_eq!(
            (r.name.as_str(), r.source),
            ("NotFoundException", ErrorTypeSource::BodyCode)
        );
        let body = json!({"__type": "aws#ForbiddenException:x"});
        let r = resolve_error_type(Some(""), Some(&body)).unwrap();
        assert_eq!(
            (r.name.as_str(), r.source),
            ("ForbiddenException", ErrorTypeSource::BodyType)
        );
    }

    #[test]
    fn chime_body_code_does_not_name_the_error() {
        // `Code` (capital C) is the Chime ErrorCode, not the restJson1 `code` member.
        let body = json!({"Code": "Conflict", "Message": "exists"});
        assert_eq!(resolve_error_type(None, Some(&body)), None);
    }

    #[test]
    fn classification_separates_documented_common_and_undocumented() {
        assert_eq!(
            classify_error_name("ThrottledClientException"),
            ErrorKind::Documented(Exception::Throttled)
        );
        assert_eq!(
            classify_error_name("RequestExpired"),
            ErrorKind::AwsCommon("RequestExpired".into())
        );
        assert_eq!(
            classify_error_name("TeapotException"),
            ErrorKind::Undocumented("TeapotException".into())
        );
    }

    #[test]
    fn email_pattern_matches_the_model() {
        for ok in ["a@b.c", "x y@z.w.q", "ü@ß.de", "a@b@c.d", "@@a.b"] {
            assert!(is_valid_email(ok), "{ok} should match");
        }
        for bad in ["", "a@b", "@b.c", "a@.c", "a@b.", "ab.c", "a\n@b.c"] {
            assert!(!is_valid_email(bad), "{bad:?} should not match");
        }
    }

    #[test]
    fn account_id_must_have_a_non_space() {
        assert!(is_valid_account_id(" x "));
        assert!(!is_valid_account_id(""));
        assert!(!is_valid_account_id(" \t\n"));
    }

    #[test]
    fn path_percent_encodes_the_label() {
        assert_eq!(
            create_user_path("a b/c"),
            "/accounts/a%20b%2Fc/users?operation=create"
        );
    }
}
