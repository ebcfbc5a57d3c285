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
pub const AWS_COMMON_ERRORS: [&str; 13] = [
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
    "SignatureDoesNotMatch",
];

/// The AWS common errors that refuse a request's authentication: acceptable answers, beside
/// `UnauthorizedClientException`, to a request whose signature does not bind it.
pub const AWS_AUTH_ERRORS: [&str; 9] = [
    "AccessDeniedException",
    "ExpiredTokenException",
    "IncompleteSignature",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
    "RequestExpired",
    "SignatureDoesNotMatch",
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

/// True when `email` matches the model's `EmailAddress` pattern `.+@.+\..+` as Smithy
/// states patterns: ECMA-262, not anchored, so a match anywhere in the string will do. `.`
/// excludes line terminators, so the match lies within one line. Linear in the length.
pub fn is_valid_email(email: &str) -> bool {
    email.split(is_line_terminator).any(line_matches)
}

/// `.+@.+\..+` within one line: an '@' with a character before it, then at least one
/// character, a '.', and at least one character. '@' and '.' are ASCII, so byte offsets
/// count characters well enough: "at least one character" is "at least one byte".
fn line_matches(line: &str) -> bool {
    let bytes = line.as_bytes();
    let Some(at) = bytes.iter().skip(1).position(|&b| b == b'@') else {
        return false;
    };
    let at = at + 1;
    bytes[..bytes.len().saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'.')
        .is_some_and(|dot| dot >= at + 2)
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// True when `account_id` satisfies `NonEmptyString` (`.*\S.*`).
pub fn is_valid_account_id(account_id: &str) -> bool {
    account_id.chars().any(|c| !c.is_whitespace())
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
