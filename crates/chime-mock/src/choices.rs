//! The contract's open choices where a [`Variant`] makes the other choice from the plain
//! mock's: the regex dialect of the patterns, how emails are compared and echoed, how a
//! front door names an authentication refusal, how a malformed body is refused, service
//! restrictions on unusual input, and transient unavailability. The plain mock takes the
//! first branch of each.

use unicode_normalization::UnicodeNormalization;
use wiremock::Request;

use super::request::{CreateUserRequest, RequestError};
use super::respond::{CreateUserResponder, ErrorReply, Outcome};
use super::Variant;
use chime_contract::pattern::Dialect;
use chime_contract::sigv4::{parse_authorization, AuthError, SigningCredentials, TOKEN_HEADER};
use chime_contract::{is_common_email, is_common_username, Exception};

/// The message of a refusal under [`Variant::RestrictUnusualInput`], as Chime documents it.
const RESTRICTION_MESSAGE: &str = "the input parameters don't match the service's restrictions";

impl CreateUserResponder {
    /// The regex dialect the model's patterns are judged in: ECMA-262, as Smithy states
    /// them, unless a variant picks another.
    pub(super) fn dialect(&self) -> Dialect {
        match self.variant {
            Some(Variant::RustRegexPatterns) => Dialect::RustRegex,
            Some(Variant::JavaRegexPatterns) => Dialect::Java,
            _ => Dialect::Ecma262,
        }
    }

    /// How a request (its body, mostly) the mock cannot take is refused:
    /// `BadRequestException`, or as a Smithy server names a malformed body (400 `SerializationException`) or media type (415
    /// `UnsupportedMediaTypeException`) under the variants that say so.
    pub(super) fn request_refusal(&self, error: RequestError) -> Outcome {
        let undocumented = |name, status| Outcome::Undocumented {
            name,
            status,
            message: error.to_string(),
        };
        match (self.variant, &error) {
            (
                Some(Variant::SerializationErrors),
                RequestError::NotJson
                | RequestError::NotObject
                | RequestError::NotString(_)
                | RequestError::NullMember(_),
            ) => undocumented("SerializationException", 400),
            (
                Some(Variant::UnsupportedMediaType),
                RequestError::ContentType(_) | RequestError::MissingContentType,
            ) => undocumented("UnsupportedMediaTypeException", 415),
            _ => Outcome::Failed(ErrorReply::new(Exception::BadRequest, error.to_string())),
        }
    }

    /// How a request whose signature does not bind it is refused: 401
    /// `UnauthorizedClientException`, or under [`Variant::FrontDoorAuthErrors`] the AWS
    /// common error a JSON front door names.
    pub(super) fn auth_refusal(
        &self,
        error: AuthError,
        request: &Request,
        credentials: &[SigningCredentials],
    ) -> Outcome {
        if !self.varies(Variant::FrontDoorAuthErrors) {
            return Outcome::Failed(ErrorReply::new(Exception::Unauthorized, error.to_string()));
        }
        let token_refused =
            error == AuthError::SignatureMismatch && session_token_refused(request, credentials);
        let (name, status, message) = front_door_refusal(&error, token_refused);
        Outcome::Undocumented {
            name,
            status,
            message,
        }
    }

    /// Under [`Variant::RestrictUnusualInput`], refuses a Username or Email that is valid
    /// but not of the common form.
    pub(super) fn check_restrictions(&self, body: &CreateUserRequest) -> Result<(), ErrorReply> {
        if !self.varies(Variant::RestrictUnusualInput) {
            return Ok(());
        }
        let unusual = body
            .username
            .as_deref()
            .is_some_and(|u| !is_common_username(u))
            || body.email.as_deref().is_some_and(|e| !is_common_email(e));
        if unusual {
            return Err(ErrorReply::new(Exception::BadRequest, RESTRICTION_MESSAGE));
        }
        Ok(())
    }

    /// Under [`Variant::TransientUnavailable`], refuses one distinct valid create in
    /// [`TRANSIENT_PERIOD`] with 503, once: the same request again gets through.
    pub(super) fn check_transient(&self, account_id: &str, body: &[u8]) -> Result<(), ErrorReply> {
        if !self.varies(Variant::TransientUnavailable) || !self.transient.refuses(account_id, body)
        {
            return Ok(());
        }
        Err(ErrorReply::new(
            Exception::ServiceUnavailable,
            "the service is briefly unavailable; retry the request",
        ))
    }

    /// The Email as the mock stores, echoes and compares it: as sent, or normalised under
    /// [`Variant::NormalisedEmails`].
    pub(super) fn stored_email(&self, email: Option<String>) -> Option<String> {
        if self.varies(Variant::NormalisedEmails) {
            email.as_deref().map(normalise_email)
        } else {
            email
        }
    }
}

/// An email in Unicode NFC with its domain (after the last `@`) lower-cased in ASCII.
pub(super) fn normalise_email(email: &str) -> String {
    let composed: String = email.nfc().collect();
    match composed.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => composed,
    }
}

/// Whether a request that did not verify was signed with a session token it no longer
/// carries, or carries another token than the one configured for its access key.
fn session_token_refused(request: &Request, credentials: &[SigningCredentials]) -> bool {
    let Some(parsed) = request
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_authorization(v).ok())
    else {
        return false;
    };
    let sent = request.headers.get(TOKEN_HEADER).map(|v| v.as_bytes());
    let signed = parsed.signed_headers.iter().any(|h| h == TOKEN_HEADER);
    let expected = credentials
        .iter()
        .find(|c| c.access_key_id == parsed.access_key_id)
        .and_then(|c| c.session_token.as_deref());
    (signed && sent.is_none()) || expected.is_some_and(|token| sent != Some(token.as_bytes()))
}

/// The AWS common error a JSON front door answers an authentication refusal with: its
/// type, status and message. `token_refused`: the session token is missing or altered.
pub(super) fn front_door_refusal(
    error: &AuthError,
    token_refused: bool,
) -> (&'static str, u16, String) {
    const UNRECOGNIZED: &str = "The security token included in the request is invalid.";
    match error {
        AuthError::Missing => (
            "MissingAuthenticationTokenException",
            403,
            "Missing Authentication Token".to_string(),
        ),
        AuthError::Malformed(_) => ("IncompleteSignatureException", 400, error.to_string()),
        AuthError::UnknownAccessKey => ("UnrecognizedClientException", 403, UNRECOGNIZED.into()),
        AuthError::SignatureMismatch if token_refused => {
            ("UnrecognizedClientException", 403, UNRECOGNIZED.into())
        }
        AuthError::SignatureMismatch
        | AuthError::Expired(_)
        | AuthError::WrongRegion { .. }
        | AuthError::WrongService { .. }
        | AuthError::ScopeDateMismatch => ("InvalidSignatureException", 403, error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_nfc_with_a_lower_case_domain() {
        assert_eq!(
            normalise_email("Jose\u{301}@Example.COM"),
            "Jos\u{e9}@example.com"
        );
        assert_eq!(normalise_email("a@b@C.D"), "a@b@c.d");
        // No domain: composed, case kept.
        assert_eq!(normalise_email("No-At-Sign e\u{301}"), "No-At-Sign \u{e9}");
        assert_eq!(normalise_email("zoe@example.com"), "zoe@example.com");
    }

    #[test]
    fn each_auth_refusal_has_the_front_doors_name() {
        let named = |error: AuthError, token| front_door_refusal(&error, token).0;
        assert_eq!(
            named(AuthError::Missing, false),
            "MissingAuthenticationTokenException"
        );
        assert_eq!(
            named(AuthError::Malformed("x".into()), false),
            "IncompleteSignatureException"
        );
        assert_eq!(
            named(AuthError::UnknownAccessKey, false),
            "UnrecognizedClientException"
        );
        assert_eq!(
            named(AuthError::SignatureMismatch, true),
            "UnrecognizedClientException"
        );
        for invalid in [
            AuthError::SignatureMismatch,
            AuthError::Expired("20260101T000000Z".into()),
            AuthError::ScopeDateMismatch,
            AuthError::WrongRegion {
                found: "x".into(),
                expected: "y".into(),
            },
            AuthError::WrongService {
                found: "s3".into(),
                expected: "chime".into(),
            },
        ] {
            assert_eq!(named(invalid, false), "InvalidSignatureException");
        }
        assert_eq!(
            front_door_refusal(&AuthError::Malformed("x".into()), false).1,
            400
        );
    }

    /// How a request is sent in [`auth_refusals_are_named_as_a_front_door_names_them`]:
    /// signed with `signer` (in `service`), then the headers named in `drop` are dropped
    /// and `alter` applied.
    struct Probe {
        signer: SigningCredentials,
        service: &'static str,
        drop: &'static [&'static str],
        alter: fn(&mut Vec<(String, String)>, &mut String),
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn auth_refusals_are_named_as_a_front_door_names_them() {
        use crate::{default_credentials, MockConfig, ReferenceMock, DEFAULT_ACCOUNT_ID};
        use chime_contract::sigv4::{sign_request_in, Scope};

        let with_token = SigningCredentials::new("AKIDWITHTOKEN", "other-secret")
            .with_session_token(Some("the-token".into()));
        let mock = ReferenceMock::start(MockConfig {
            variant: Some(Variant::FrontDoorAuthErrors),
            credentials: Some(vec![default_credentials(), with_token.clone()]),
            ..MockConfig::default()
        })
        .await
        .expect("mock starts");
        let client = crate::test_support::http_client();
        let url = format!(
            "{}{}",
            mock.uri(),
            chime_contract::create_user_path(DEFAULT_ACCOUNT_ID)
        );
        let probe = |signer, service, drop, alter| Probe {
            signer,
            service,
            drop,
            alter,
        };
        let keep: fn(&mut Vec<(String, String)>, &mut String) = |_, _| {};
        let token = || default_credentials().with_session_token(Some("probe".into()));
        let cases = [
            (probe(with_token.clone(), "chime", &[], keep), 201, None),
            (
                probe(
                    SigningCredentials::new("AKIDUNKNOWN", "s"),
                    "chime",
                    &[],
                    keep,
                ),
                403,
                Some("UnrecognizedClientException"),
            ),
            (
                probe(token(), "chime", &[TOKEN_HEADER], keep),
                403,
                Some("UnrecognizedClientException"),
            ),
            (
                probe(with_token.clone(), "chime", &[], |headers, _| {
                    for (name, value) in headers.iter_mut() {
                        if name == TOKEN_HEADER {
                            value.push_str("-altered");
                        }
                    }
                }),
                403,
                Some("UnrecognizedClientException"),
            ),
            (
                probe(default_credentials(), "chime", &[], |_, body| {
                    body.push(' ')
                }),
                403,
                Some("InvalidSignatureException"),
            ),
            (
                probe(default_credentials(), "s3", &[], keep),
                403,
                Some("InvalidSignatureException"),
            ),
            (
                probe(default_credentials(), "chime", &["x-amz-date"], keep),
                400,
                Some("IncompleteSignatureException"),
            ),
            (
                probe(default_credentials(), "chime", &[], |headers, _| {
                    headers.retain(|(name, _)| name != "authorization");
                    headers.push(("authorization".into(), "Bearer x".into()));
                }),
                400,
                Some("IncompleteSignatureException"),
            ),
        ];
        for (i, (probe, status, error_type)) in cases.into_iter().enumerate() {
            let mut body = format!(r#"{{"Email":"probe{i}@example.com"}}"#);
            let scope = Scope {
                region: "us-east-1",
                service: probe.service,
                time: std::time::SystemTime::now(),
            };
            let content_type = [("content-type", "application/json")];
            let mut headers = sign_request_in(
                "POST",
                &url,
                &content_type,
                body.as_bytes(),
                &probe.signer,
                &scope,
            )
            .expect("signs");
            headers.retain(|(name, _)| !probe.drop.contains(&name.as_str()));
            (probe.alter)(&mut headers, &mut body);
            let mut request = client
                .post(&url)
                .header("content-type", "application/json")
                .body(body);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let response = request.send().await.expect("the mock answers");
            let sent = response.status().as_u16();
            let named = response
                .headers()
                .get(chime_contract::ERROR_TYPE_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let text = response.text().await.expect("a body");
            assert_eq!(
                (sent, named.as_deref()),
                (status, error_type),
                "case {i}: {text}"
            );
            if error_type.is_some() {
                let body: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                assert!(body["message"].is_string(), "case {i}: {text}");
            }
        }
    }
}
