//! The CreateUser model's facts: the route, the signing name, the enums and patterns of its
//! members, which members are sensitive, and the errors common to all AWS services.
//! Derived from `contract/chime-2018-05-01-createuser.model.json`; no I/O.

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
pub const AWS_COMMON_ERRORS: [&str; 15] = [
    "AccessDeniedException",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "InternalFailure",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "RequestExpired",
    "ServiceUnavailable",
    "ThrottlingException",
    "ValidationError",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
];

/// The AWS common errors that refuse a request's authentication: acceptable answers, beside
/// `UnauthorizedClientException`, to a request whose signature does not bind it.
/// JSON front doors (API Gateway, the JSON protocols) name them with an `Exception` suffix.
pub const AWS_AUTH_ERRORS: [&str; 11] = [
    "AccessDeniedException",
    "ExpiredTokenException",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "RequestExpired",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
];

/// The path of CreateUser for an account id, with the id percent-encoded as a URI label.
pub fn create_user_path(account_id: &str) -> String {
    format!(
        "/accounts/{}/users?{OPERATION_QUERY}",
        encode_label(account_id)
    )
}

/// A URI label as a client encodes it: every character but RFC 3986's unreserved ones
/// percent-encoded (UTF-8).
pub fn encode_label(label: &str) -> String {
    percent_encoding::utf8_percent_encode(label, LABEL_ENCODE_SET).to_string()
}

/// Characters left as they are in a URI label: RFC 3986 unreserved.
const LABEL_ENCODE_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// True when `email` matches the model's `EmailAddress` pattern `.+@.+\..+` as Smithy
/// states patterns: ECMA-262, not anchored. Other dialects a server may validate with are
/// in [`crate::pattern`].
pub fn is_valid_email(email: &str) -> bool {
    super::pattern::email_matches(super::pattern::Dialect::Ecma262, email)
}

/// True when `account_id` satisfies `NonEmptyString` (`.*\S.*`) under ECMA-262.
pub fn is_valid_account_id(account_id: &str) -> bool {
    super::pattern::account_id_matches(super::pattern::Dialect::Ecma262, account_id)
}

/// The longest Username of the common form (see [`is_common_username`]).
pub const COMMON_USERNAME_MAX_CHARS: usize = 128;

/// True when a Username has the common form every service takes: at most
/// [`COMMON_USERNAME_MAX_CHARS`] characters, all printable ASCII. The model allows any
/// string; a service may refuse the others as a documented restriction
/// (BadRequestException: "the input parameters don't match the service's restrictions").
pub fn is_common_username(username: &str) -> bool {
    username.chars().count() <= COMMON_USERNAME_MAX_CHARS
        && username.chars().all(|c| (' '..='~').contains(&c))
}

/// True when an Email has the common form every service takes: ASCII, at most 254
/// characters, a local part of 1 to 64 of `A-Z a-z 0-9 . _ % + -`, and a domain of two or
/// more labels of `A-Z a-z 0-9 -`. A pattern-valid Email of another form (quoted, IDN,
/// astral-plane, text around it) may be refused as a documented restriction.
pub fn is_common_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let label =
        |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    email.len() <= 254
        && (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        && domain.split('.').count() >= 2
        && domain.split('.').all(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_pattern_matches_the_model() {
        let ok = [
            "a@b.c",
            "x y@z.w.q",
            "ü@ß.de",
            "a@b@c.d",
            "@@a.b",
            "note\na@b.c",
            "a@b.c\r\nbye",
            "😀@😀.😀",
        ];
        for ok in ok {
            assert!(is_valid_email(ok), "{ok} should match");
        }
        let bad = [
            "",
            "a@b",
            "@b.c",
            "a@.c",
            "a@b.",
            "ab.c",
            "a\n@b.c",
            "a@b\u{2028}.c",
        ];
        for bad in bad {
            assert!(!is_valid_email(bad), "{bad:?} should not match");
        }
    }

    #[test]
    fn the_common_forms_are_plain_ascii() {
        assert!(is_common_email("alice+run-1@example.co.uk"));
        for unusual in ["\"a b\"@x.y", "ü@x.y", "a@b", "a@b..c", "a b@x.y"] {
            assert!(!is_common_email(unusual), "{unusual:?}");
        }
        assert!(is_common_username("Alice (chime-conformance 1a2b)"));
        assert!(!is_common_username(&"x".repeat(129)));
        assert!(!is_common_username("Zoë"));
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
