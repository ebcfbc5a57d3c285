//! How a restJson1 client learns which error it got: the `X-Amzn-ErrorType` header, then the
//! body's `code`, then `__type`, cleaned up and classified as documented, AWS-common or
//! undocumented.

use std::fmt;

use super::{Exception, AWS_COMMON_ERRORS};

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
    /// Where the client found it.
    pub source: ErrorTypeSource,
}

impl ResolvedErrorType {
    /// What the cleaned name names: documented, AWS-common or undocumented.
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
}
