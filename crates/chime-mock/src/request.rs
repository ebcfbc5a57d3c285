//! The CreateUser request as the mock receives it: the route (method, path label, query)
//! and the JSON body, each checked against the model, and which paths are the control
//! plane's instead. Pure functions: bytes in, a parsed
//! request or a reason it is a `BadRequestException` out.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use chime_contract::pattern::{email_matches, Dialect};
use chime_contract::{EMAIL_PATTERN, USER_TYPES};

/// Bodies larger than this are refused by default (`MockLimits::max_body_bytes` sets it).
pub const MAX_BODY_BYTES: usize = crate::DEFAULT_MAX_BODY_BYTES;

/// Every control-plane path starts with this (no CreateUser path does).
pub const CONTROL_PREFIX: &str = "/_chime-mock";

/// True for a path the control plane answers (when it is on).
/// The request's path and query as they came (what a signature covers and a client's
/// request is known by).
pub(crate) fn path_and_query(request: &wiremock::Request) -> String {
    request.url[url::Position::BeforePath..url::Position::AfterQuery].to_string()
}

pub(crate) fn is_control_path(path: &str) -> bool {
    path.strip_prefix(CONTROL_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The route every other request is told about.
pub const EXPECTED_ROUTE: &str = "POST /accounts/{accountId}/users?operation=create";

/// The members of a CreateUser request body. `None` when the member was absent or null.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CreateUserRequest {
    pub username: Option<String>,
    pub email: Option<String>,
    pub user_type: Option<String>,
}

/// Which body checks are on (a [`Defect`](crate::Defect) turns one off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyRules {
    pub check_email_pattern: bool,
    pub check_user_type_enum: bool,
    /// Whether anything after the JSON document is refused (as it must be).
    pub refuse_trailing_data: bool,
    /// A member that is JSON `null` counts as absent (else it is refused: a
    /// [`Variant`](crate::Variant) does that, as a strict server may).
    pub null_is_absent: bool,
    /// Larger bodies are refused.
    pub max_body_bytes: usize,
    /// The regex dialect the Email pattern is judged in (the model's is ECMA-262).
    pub dialect: Dialect,
    /// Whether a body without a `Content-Type` is refused (else it is read as JSON).
    pub require_content_type: bool,
}

impl Default for BodyRules {
    fn default() -> Self {
        BodyRules {
            check_email_pattern: true,
            check_user_type_enum: true,
            refuse_trailing_data: true,
            null_is_absent: true,
            max_body_bytes: MAX_BODY_BYTES,
            dialect: Dialect::Ecma262,
            require_content_type: false,
        }
    }
}

/// Why a request is not CreateUser or breaks the model. Messages name the member or the
/// header at fault, never the value sent (it may be an email, or a megabyte).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RequestError {
    #[error("no operation answers {method} on this path; CreateUser is {EXPECTED_ROUTE}")]
    Route { method: String },
    #[error("the accountId label is not valid percent-encoded UTF-8")]
    AccountIdEncoding,
    #[error("the body is {size} bytes, over the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("the body has Content-Type {0:?}; expected application/json")]
    ContentType(String),
    #[error("the body has no Content-Type; expected application/json")]
    MissingContentType,
    #[error("the body is not valid JSON")]
    NotJson,
    #[error("the body is not a JSON object")]
    NotObject,
    #[error("member {0} must be a string")]
    NotString(&'static str),
    #[error("member {0} must be a string, or left out; it is null")]
    NullMember(&'static str),
    #[error("member Email does not match the pattern {EMAIL_PATTERN}")]
    EmailPattern,
    #[error("member UserType must be one of {}", USER_TYPES.join(", "))]
    UserTypeEnum,
}

/// Matches `METHOD path?query` against the CreateUser route; returns the percent-decoded
/// `accountId` label (possibly blank: that is checked later, after auth).
pub(crate) fn route_account_id(
    method: &str,
    path: &str,
    query: Option<&str>,
) -> Result<String, RequestError> {
    let route_error = || RequestError::Route {
        method: method.chars().take(32).collect(),
    };
    if method != "POST" {
        return Err(route_error());
    }
    let label = path
        .strip_prefix("/accounts/")
        .and_then(|rest| rest.strip_suffix("/users"))
        .filter(|label| !label.contains('/'))
        .ok_or_else(route_error)?;
    let mut operations = query
        .unwrap_or("")
        .split('&')
        .filter(|pair| pair.split('=').next() == Some("operation"));
    if operations.next() != Some("operation=create") || operations.next().is_some() {
        return Err(route_error());
    }
    percent_decode_str(label)
        .decode_utf8()
        .map(|label| label.into_owned())
        .map_err(|_| RequestError::AccountIdEncoding)
}

/// Parses and checks a CreateUser body. An empty body counts as `{}` (whatever its
/// `Content-Type`); unknown members are ignored; null members count as absent.
pub(crate) fn parse_body(
    content_type: Option<&[u8]>,
    body: &[u8],
    rules: BodyRules,
) -> Result<CreateUserRequest, RequestError> {
    if body.len() > rules.max_body_bytes {
        return Err(RequestError::TooLarge {
            size: body.len(),
            max: rules.max_body_bytes,
        });
    }
    if body.is_empty() {
        return Ok(CreateUserRequest::default());
    }
    match content_type {
        Some(content_type) if !is_json_media_type(content_type) => {
            let shown: String = String::from_utf8_lossy(content_type)
                .chars()
                .take(64)
                .collect();
            return Err(RequestError::ContentType(shown));
        }
        None if rules.require_content_type => return Err(RequestError::MissingContentType),
        _ => {}
    }
    let value: Value = if rules.refuse_trailing_data {
        serde_json::from_slice(body).map_err(|_| RequestError::NotJson)?
    } else {
        // The first JSON document, whatever follows it.
        serde_json::Deserializer::from_slice(body)
            .into_iter::<Value>()
            .next()
            .and_then(Result::ok)
            .ok_or(RequestError::NotJson)?
    };
    let Value::Object(members) = value else {
        return Err(RequestError::NotObject);
    };
    let request = CreateUserRequest {
        username: string_member(&members, "Username", rules)?,
        email: string_member(&members, "Email", rules)?,
        user_type: string_member(&members, "UserType", rules)?,
    };
    if rules.check_email_pattern {
        if let Some(email) = &request.email {
            if !email_matches(rules.dialect, email) {
                return Err(RequestError::EmailPattern);
            }
        }
    }
    if rules.check_user_type_enum {
        if let Some(user_type) = &request.user_type {
            if !USER_TYPES.contains(&user_type.as_str()) {
                return Err(RequestError::UserTypeEnum);
            }
        }
    }
    Ok(request)
}

fn string_member(
    members: &Map<String, Value>,
    name: &'static str,
    rules: BodyRules,
) -> Result<Option<String>, RequestError> {
    match members.get(name) {
        Some(Value::Null) if !rules.null_is_absent => Err(RequestError::NullMember(name)),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(RequestError::NotString(name)),
    }
}

/// True for `application/json`, in any case, with or without parameters.
fn is_json_media_type(content_type: &[u8]) -> bool {
    let Ok(value) = std::str::from_utf8(content_type) else {
        return false;
    };
    value
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&[u8]> = Some(b"application/json");

    fn parse(body: &str) -> Result<CreateUserRequest, RequestError> {
        parse_body(JSON, body.as_bytes(), BodyRules::default())
    }

    #[test]
    fn only_the_reserved_prefix_is_the_control_plane() {
        assert!(is_control_path("/_chime-mock/health"));
        assert!(is_control_path("/_chime-mock"));
        assert!(!is_control_path("/_chime-mockery/health"));
        assert!(!is_control_path("/accounts/_chime-mock/users"));
    }

    #[test]
    fn the_create_user_route_is_matched_and_its_label_decoded() {
        assert_eq!(
            route_account_id("POST", "/accounts/a%20b/users", Some("operation=create")),
            Ok("a b".to_string())
        );
        assert_eq!(
            route_account_id("POST", "/accounts//users", Some("operation=create")),
            Ok(String::new())
        );
        assert_eq!(
            route_account_id("POST", "/accounts/x/users", Some("a=1&operation=create")),
            Ok("x".to_string())
        );
        let not_routes = [
            ("GET", "/accounts/x/users", Some("operation=create")),
            ("POST", "/accounts/x/users", Some("operation=suspend")),
            ("POST", "/accounts/x/users", None),
            (
                "POST",
                "/accounts/x/users",
                Some("operation=create&operation=suspend"),
            ),
            ("POST", "/accounts/x/users/", Some("operation=create")),
            ("POST", "/accounts/x/y/users", Some("operation=create")),
            ("POST", "/", Some("operation=create")),
        ];
        for (method, path, query) in not_routes {
            assert!(
                matches!(
                    route_account_id(method, path, query),
                    Err(RequestError::Route { .. })
                ),
                "{method} {path} {query:?}"
            );
        }
        assert_eq!(
            route_account_id("POST", "/accounts/%FF/users", Some("operation=create")),
            Err(RequestError::AccountIdEncoding)
        );
    }

    #[test]
    fn valid_bodies_parse_and_unknown_or_null_members_are_ignored() {
        let escaped = r#"{"\u0045mail":"z\u00F6\uD83D\uDE00@b\u00FCcher.de","X":{"Y":[null]}}"#;
        assert_eq!(
            parse(escaped).unwrap().email.as_deref(),
            Some("zö😀@bücher.de")
        );
        let long = format!(
            r#"{{"Username":"{}","Email":"{}@example.com"}}"#,
            "😀".repeat(6000),
            "a".repeat(6000)
        );
        assert!(parse(&long).is_ok());
        assert_eq!(parse(""), Ok(CreateUserRequest::default()));
        assert_eq!(parse("{}"), Ok(CreateUserRequest::default()));
        assert_eq!(
            parse(r#"{"Username":"u","Email":"a@b.co","UserType":"SharedDevice","Extra":[1]}"#),
            Ok(CreateUserRequest {
                username: Some("u".into()),
                email: Some("a@b.co".into()),
                user_type: Some("SharedDevice".into()),
            })
        );
        assert_eq!(parse(r#"{"Email":null}"#), Ok(CreateUserRequest::default()));
        assert!(parse_body(
            Some(b"Application/JSON; charset=utf-8"),
            b"{}",
            BodyRules::default()
        )
        .is_ok());
        assert!(parse_body(None, b"{}", BodyRules::default()).is_ok());
        assert!(parse_body(Some(b"text/plain"), b"", BodyRules::default()).is_ok());
    }

    #[test]
    fn bodies_that_break_the_model_are_refused_naming_the_member() {
        assert_eq!(parse("{"), Err(RequestError::NotJson));
        assert_eq!(parse("[]"), Err(RequestError::NotObject));
        assert_eq!(parse("\"x\""), Err(RequestError::NotObject));
        assert_eq!(
            parse(r#"{"Email":7}"#),
            Err(RequestError::NotString("Email"))
        );
        assert_eq!(
            parse(r#"{"Username":true}"#),
            Err(RequestError::NotString("Username"))
        );
        assert_eq!(
            parse(r#"{"UserType":{}}"#),
            Err(RequestError::NotString("UserType"))
        );
        assert_eq!(
            parse(r#"{"Email":"secret-at-example"}"#),
            Err(RequestError::EmailPattern)
        );
        assert_eq!(
            parse(r#"{"UserType":"Admin"}"#),
            Err(RequestError::UserTypeEnum)
        );
        assert_eq!(
            parse_body(Some(b"text/plain"), b"{}", BodyRules::default()),
            Err(RequestError::ContentType("text/plain".into()))
        );
        assert_eq!(
            parse_body(JSON, &[0xff, 0xfe], BodyRules::default()),
            Err(RequestError::NotJson)
        );
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            parse_body(JSON, &huge, BodyRules::default()),
            Err(RequestError::TooLarge {
                size: MAX_BODY_BYTES + 1,
                max: MAX_BODY_BYTES
            })
        );
        let message = parse(r#"{"Email":"secret-at-example"}"#)
            .unwrap_err()
            .to_string();
        assert!(message.contains("Email") && !message.contains("secret"));
    }

    #[test]
    fn rules_turn_the_pattern_and_enum_checks_off() {
        let lax = BodyRules {
            check_email_pattern: false,
            check_user_type_enum: false,
            ..BodyRules::default()
        };
        let parsed = parse_body(JSON, br#"{"Email":"nope","UserType":"Admin"}"#, lax).unwrap();
        assert_eq!(parsed.email.as_deref(), Some("nope"));
        assert_eq!(parsed.user_type.as_deref(), Some("Admin"));
        // Wrong JSON types are still refused.
        assert!(parse_body(JSON, br#"{"UserType":1}"#, lax).is_err());
        let strict = BodyRules {
            null_is_absent: false,
            ..BodyRules::default()
        };
        assert_eq!(
            parse_body(JSON, br#"{"Email":null}"#, strict),
            Err(RequestError::NullMember("Email"))
        );
        assert!(parse_body(JSON, br#"{"Email":"a@b.c"}"#, strict).is_ok());
    }

    #[test]
    fn rules_choose_the_dialect_and_whether_a_content_type_is_required() {
        // JSON escapes: U+2028 LINE SEPARATOR and U+0085 NEXT LINE.
        let separated = br#"{"Email":"a@b\u2028.c"}"#;
        let next_line = br#"{"Email":"a@b\u0085.c"}"#;
        let under = |dialect| BodyRules {
            dialect,
            ..BodyRules::default()
        };
        assert_eq!(
            parse_body(JSON, separated, BodyRules::default()),
            Err(RequestError::EmailPattern)
        );
        assert!(parse_body(JSON, separated, under(Dialect::RustRegex)).is_ok());
        assert!(parse_body(JSON, next_line, BodyRules::default()).is_ok());
        assert_eq!(
            parse_body(JSON, next_line, under(Dialect::Java)),
            Err(RequestError::EmailPattern)
        );
        let required = BodyRules {
            require_content_type: true,
            ..BodyRules::default()
        };
        assert_eq!(
            parse_body(None, b"{}", required),
            Err(RequestError::MissingContentType)
        );
        assert!(parse_body(None, b"", required).is_ok());
        assert!(parse_body(JSON, b"{}", required).is_ok());
    }
}
