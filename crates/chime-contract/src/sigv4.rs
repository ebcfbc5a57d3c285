//! AWS Signature Version 4 for CreateUser, both ways: the harness signs requests and the
//! reference mock verifies them by recomputing the signature with its configured test
//! credentials. The algorithm itself is the `aws-sigv4` crate's; this module only parses the
//! `Authorization` header and feeds the crate the same inputs a client fed it.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const DATE_HEADER: &str = "x-amz-date";
/// The header a session token travels in.
pub const TOKEN_HEADER: &str = "x-amz-security-token";

/// How a request is signed, relative to the target's own credentials. The vocabulary of
/// the `credentials` key of exception cases; the HTTP client carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMode {
    /// As the target is configured.
    #[serde(rename = "target")]
    AsTarget,
    /// No signature at all.
    Unsigned,
    /// Signed with the target's access key and a wrong secret.
    WrongSecret,
    /// Signed with an access key the target cannot know.
    UnknownAccessKey,
    /// Signed more than 15 minutes ago.
    Stale,
    /// Dated more than 15 minutes in the future.
    Future,
    /// Scoped to another service than `chime`.
    OtherService,
    /// Scoped to another region than the target's.
    OtherRegion,
    /// The body changed after signing (still a valid body).
    BodyChanged,
    /// The path (its account) changed after signing.
    PathChanged,
    /// A signed header's value changed after signing.
    HeaderAltered,
    /// A signed header dropped after signing.
    HeaderDropped,
    /// `X-Amz-Date` dropped after signing.
    DateMissing,
    /// The session token dropped after signing.
    TokenMissing,
    /// The session token changed after signing.
    TokenAltered,
    /// A query parameter added to the URL after signing.
    QueryAdded,
    /// A query parameter that was signed removed from the URL after signing.
    QueryRemoved,
}

impl SignatureMode {
    /// The modes in which a valid signature was made and then no longer binds the request
    /// it travels with: no such request may create a user.
    pub const TAMPERED: [SignatureMode; 13] = [
        SignatureMode::Stale,
        SignatureMode::Future,
        SignatureMode::OtherService,
        SignatureMode::OtherRegion,
        SignatureMode::BodyChanged,
        SignatureMode::PathChanged,
        SignatureMode::HeaderAltered,
        SignatureMode::HeaderDropped,
        SignatureMode::DateMissing,
        SignatureMode::TokenMissing,
        SignatureMode::TokenAltered,
        SignatureMode::QueryAdded,
        SignatureMode::QueryRemoved,
    ];

    /// The mode's name, as the `credentials` key of a case names it.
    pub fn label(self) -> &'static str {
        match self {
            SignatureMode::AsTarget => "target",
            SignatureMode::Unsigned => "unsigned",
            SignatureMode::WrongSecret => "wrong_secret",
            SignatureMode::UnknownAccessKey => "unknown_access_key",
            SignatureMode::Stale => "stale",
            SignatureMode::Future => "future",
            SignatureMode::OtherService => "other_service",
            SignatureMode::OtherRegion => "other_region",
            SignatureMode::BodyChanged => "body_changed",
            SignatureMode::PathChanged => "path_changed",
            SignatureMode::HeaderAltered => "header_altered",
            SignatureMode::HeaderDropped => "header_dropped",
            SignatureMode::DateMissing => "date_missing",
            SignatureMode::TokenMissing => "token_missing",
            SignatureMode::TokenAltered => "token_altered",
            SignatureMode::QueryAdded => "query_added",
            SignatureMode::QueryRemoved => "query_removed",
        }
    }

    /// True for a signature that does not bind its request (see [`SignatureMode::TAMPERED`]).
    pub fn is_tampered(self) -> bool {
        SignatureMode::TAMPERED.contains(&self)
    }
}

#[cfg(test)]
mod mode_tests {
    use super::SignatureMode;

    #[test]
    fn a_mode_s_label_is_its_name_in_a_case_file() {
        for mode in SignatureMode::TAMPERED {
            let named = serde_json::to_value(mode).unwrap();
            assert_eq!(named, mode.label(), "{mode:?}");
        }
    }
}

/// How far a request's date may be from the verifier's clock, as AWS allows.
pub const MAX_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// A key pair (and optional session token) to sign with or verify against.
#[derive(Clone)]
pub struct SigningCredentials {
    /// The access key id, named in the credential scope.
    pub access_key_id: String,
    /// The secret access key the signing key is derived from (never printed).
    pub secret_access_key: String,
    /// The session token sent as `X-Amz-Security-Token`, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for SigningCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

impl SigningCredentials {
    /// A key pair without a session token.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        SigningCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// The same credentials with this session token (or none).
    pub fn with_session_token(mut self, token: Option<String>) -> Self {
        self.session_token = token;
        self
    }

    fn identity(&self) -> Identity {
        Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            self.session_token.clone(),
            None,
            "chime-conformance",
        )
        .into()
    }
}

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
#[error("failed to sign the request: {0}")]
pub struct SignError(String);

/// Signs a request; returns the headers to add (`authorization`, `x-amz-date`, and
/// `x-amz-security-token` when the credentials carry one).
///
/// `url` is the full, already percent-encoded URL; `headers` are the request's other
/// headers, all of which are signed.
pub fn sign_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: &SigningCredentials,
    region: &str,
    time: SystemTime,
) -> Result<Vec<(String, String)>, SignError> {
    let scope = Scope {
        region,
        service: crate::SIGNING_SERVICE,
        time,
    };
    sign_request_in(method, url, headers, body, credentials, &scope)
}

/// Where and when a signature is scoped.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The region the credential scope names.
    pub region: &'a str,
    /// The signing name the credential scope names (`chime` for CreateUser).
    pub service: &'a str,
    /// The signing time (`X-Amz-Date` and the scope's date).
    pub time: SystemTime,
}

/// Like [`sign_request`], scoped to any region, service and time (for tampered probes).
pub fn sign_request_in(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: &SigningCredentials,
    scope: &Scope<'_>,
) -> Result<Vec<(String, String)>, SignError> {
    let signed =
        sign_with_aws_sigv4(method, url, headers, body, credentials, scope).map_err(SignError)?;
    Ok(signed
        .output()
        .headers()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect())
}

/// The one call into `aws-sigv4`, for signing and verifying alike: header signing for
/// service `chime` with the default settings the AWS SDKs use. The signer is not written
/// for hostile input (the mock verifies whatever arrives), so a panic in it is caught.
fn sign_with_aws_sigv4(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: &SigningCredentials,
    scope: &Scope<'_>,
) -> Result<aws_sigv4::SigningOutput<aws_sigv4::http_request::SigningInstructions>, String> {
    let identity = credentials.identity();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope.region)
        .name(scope.service)
        .time(scope.time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sign(request, &params)))
        .map_err(|_| "the signer rejected the request".to_string())?
        .map_err(|e| e.to_string())
}

/// The parts of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The access key id of the `Credential` component.
    pub access_key_id: String,
    /// The credential scope's date, `YYYYMMDD`.
    pub date: String,
    /// The credential scope's region.
    pub region: String,
    /// The credential scope's service.
    pub service: String,
    /// The `SignedHeaders` names, in the order sent (always including `host`).
    pub signed_headers: Vec<String>,
    /// The `Signature`, 64 hex digits, lowercased.
    pub signature: String,
}

/// Why a request was not authenticated. Messages never contain the signature or secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The request has no `Authorization` header.
    #[error("missing Authorization header")]
    Missing,
    /// The `Authorization` header, a signed header, `X-Amz-Date` or `Host` is missing or
    /// unparsable, or the request cannot be canonicalized; the text says which.
    #[error("malformed Authorization header: {0}")]
    Malformed(String),
    /// The access key id is not among the known credentials.
    #[error("the security token included in the request is invalid: unknown access key")]
    UnknownAccessKey,
    /// The recomputed signature differs from the one sent.
    #[error("the request signature does not match the signature computed with the credentials for this access key")]
    SignatureMismatch,
    /// The request's `X-Amz-Date` (given) is more than [`MAX_CLOCK_SKEW`] from the
    /// verifier's clock.
    #[error("signature expired: the request is dated {0}, more than 15 minutes from now")]
    Expired(String),
    /// The credential scope names another region than the verifier's.
    #[error("credential scope names region {found:?}, expected {expected:?}")]
    WrongRegion {
        /// The region the scope names.
        found: String,
        /// The verifier's region.
        expected: String,
    },
    /// The credential scope names another service than `chime`.
    #[error("credential scope names service {found:?}, expected {expected:?}")]
    WrongService {
        /// The service the scope names.
        found: String,
        /// The signing name expected, `chime`.
        expected: String,
    },
    /// The credential scope's date is not the date of `X-Amz-Date`.
    #[error("credential scope date does not match X-Amz-Date")]
    ScopeDateMismatch,
}

/// What a verifier checks besides the signature itself.
#[derive(Debug, Clone, Copy)]
pub struct Verification<'a> {
    /// The region the credential scope must name.
    pub region: &'a str,
    /// The verifier's clock.
    pub now: SystemTime,
    /// What this verifier forgets to check (none, for a correct one).
    pub lapses: Lapses,
}

/// The bindings a verifier can forget, one flag each: all `false` for a correct verifier.
/// The reference mock's defects turn one on, so that the harness can show it notices each
/// way a signature may fail to bind its request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lapses {
    /// A request dated more than [`MAX_CLOCK_SKEW`] away is accepted.
    pub clock_skew: bool,
    /// The credential scope's service is not checked: the signature is recomputed for the
    /// service the scope names.
    pub scope_service: bool,
    /// The credential scope's region is not checked: the signature is recomputed for the
    /// region the scope names.
    pub scope_region: bool,
    /// Whitespace around the body is not bound: a signature over the body with its
    /// surrounding whitespace trimmed is accepted too.
    pub body_whitespace: bool,
    /// The parameters of a signed `Content-Type` (`; charset=...`) are not bound: a
    /// signature over its media type alone is accepted too.
    pub content_type_parameters: bool,
    /// A request missing a header it signed (other than `X-Amz-Date` and the session
    /// token) is let through without its signature being compared.
    pub signed_header_presence: bool,
    /// A request without `X-Amz-Date` is let through without its signature being compared.
    pub date_presence: bool,
    /// A request missing the session token it signed is let through without its signature
    /// being compared.
    pub token_presence: bool,
    /// A request carrying a session token is let through on the token alone: its signature
    /// is not compared.
    pub token_trusted: bool,
    /// Query parameters other than the route's `operation` are not bound: a signature over
    /// the path with only the `operation` parameters of the query is accepted too.
    pub query_parameters: bool,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, AuthError> {
    let malformed = |what: &str| AuthError::Malformed(what.to_string());
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or_else(|| malformed("algorithm is not AWS4-HMAC-SHA256"))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("expected key=value components"))?;
        match key {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed_headers = Some(val),
            "Signature" => signature = Some(val),
            _ => return Err(malformed("unknown component")),
        }
    }
    let credential = credential.ok_or_else(|| malformed("no Credential component"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
        return Err(malformed(
            "Credential is not ACCESS_KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    };
    let signed_headers: Vec<String> = signed_headers
        .ok_or_else(|| malformed("no SignedHeaders component"))?
        .split(';')
        .map(str::to_string)
        .collect();
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(malformed("SignedHeaders does not include host"));
    }
    let signature = signature.ok_or_else(|| malformed("no Signature component"))?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("Signature is not 64 hex digits"));
    }
    Ok(ParsedAuthorization {
        access_key_id: access_key_id.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// A received request, as the verifier needs it.
pub struct ReceivedRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The raw path and query as received (still percent-encoded).
    pub path_and_query: &'a str,
    /// The headers as received (`Authorization`, `Host`, `X-Amz-Date` among them).
    pub headers: &'a http::HeaderMap,
    /// The body bytes as received.
    pub body: &'a [u8],
}

/// The headers the client signed, as the signer is fed them: it adds host, x-amz-date and
/// the session token itself, so those are left out.
fn client_signed_headers<'h>(
    headers: &'h http::HeaderMap,
    names: &'h [String],
) -> Result<Vec<(&'h str, &'h str)>, AuthError> {
    let mut signed = Vec::new();
    for name in names {
        if matches!(name.as_str(), "host" | DATE_HEADER | TOKEN_HEADER) {
            continue;
        }
        for value in headers.get_all(name.as_str()) {
            let value = value
                .to_str()
                .map_err(|_| AuthError::Malformed(format!("signed header {name} is not ASCII")))?;
            signed.push((name.as_str(), value));
        }
    }
    Ok(signed)
}

/// Verifies a request's SigV4 signature against the known credentials, and its scope (the
/// service, the verifier's region, a date within [`MAX_CLOCK_SKEW`]). The session token,
/// if any, is taken from the request (the mock accepts any token with a known key). A
/// [`Lapses`] flag turned on skips or loosens the check it names.
pub fn verify(
    request: &ReceivedRequest<'_>,
    known: &[SigningCredentials],
    checks: &Verification<'_>,
) -> Result<(), AuthError> {
    let lapses = checks.lapses;
    let header = request
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Malformed("not visible ASCII".into()))?;
    let parsed = parse_authorization(header)?;
    let secret = known
        .iter()
        .find(|c| c.access_key_id == parsed.access_key_id)
        .ok_or(AuthError::UnknownAccessKey)?;
    check_scope(&parsed, checks)?;
    let header_str = |name: &str| -> Result<Option<&str>, AuthError> {
        request
            .headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .map_err(|_| AuthError::Malformed(format!("header {name} is not ASCII")))
            })
            .transpose()
    };
    let token = header_str(TOKEN_HEADER)?.map(str::to_string);
    if lapses_let_through(
        request.headers,
        &parsed.signed_headers,
        lapses,
        token.is_some(),
    ) {
        return Ok(());
    }
    let Some(amz_date) = header_str(DATE_HEADER)? else {
        return if lapses.date_presence {
            Ok(())
        } else {
            Err(AuthError::Malformed("missing X-Amz-Date header".into()))
        };
    };
    let time = parse_amz_date(amz_date)
        .ok_or_else(|| AuthError::Malformed("X-Amz-Date is not YYYYMMDD'T'HHMMSS'Z'".into()))?;
    check_skew(amz_date, time, checks)?;
    if !amz_date.starts_with(&parsed.date) {
        return Err(AuthError::ScopeDateMismatch);
    }
    let host = header_str("host")?.ok_or_else(|| AuthError::Malformed("missing Host".into()))?;

    let mut signed = client_signed_headers(request.headers, &parsed.signed_headers)?;
    signed.push(("host", host));
    let url = format!("http://{host}{}", request.path_and_query);
    let credentials = SigningCredentials {
        session_token: token,
        ..secret.clone()
    };
    let scope = Scope {
        region: &parsed.region,
        service: if lapses.scope_service {
            &parsed.service
        } else {
            crate::SIGNING_SERVICE
        },
        time,
    };
    let matches = |headers: &[(&str, &str)], body: &[u8]| -> Result<bool, AuthError> {
        let recomputed =
            recompute_signature(request.method, &url, headers, body, &credentials, &scope)?;
        Ok(constant_time_eq(
            recomputed.as_bytes(),
            parsed.signature.as_bytes(),
        ))
    };
    if matches(&signed, request.body)? {
        return Ok(());
    }
    // A verifier that binds less than the bytes received: what it accepts besides.
    let trimmed = request.body.trim_ascii();
    if lapses.body_whitespace && trimmed.len() != request.body.len() && matches(&signed, trimmed)? {
        return Ok(());
    }
    if lapses.query_parameters {
        let route_only = route_query_only(request.path_and_query);
        if route_only != request.path_and_query {
            let url = format!("http://{host}{route_only}");
            let recomputed = recompute_signature(
                request.method,
                &url,
                &signed,
                request.body,
                &credentials,
                &scope,
            )?;
            if constant_time_eq(recomputed.as_bytes(), parsed.signature.as_bytes()) {
                return Ok(());
            }
        }
    }
    if lapses.content_type_parameters {
        let media_types: Vec<(&str, &str)> = signed
            .iter()
            .map(|&(name, value)| match value.split_once(';') {
                Some((media_type, _)) if name == "content-type" => (name, media_type.trim()),
                _ => (name, value),
            })
            .collect();
        if media_types != signed && matches(&media_types, request.body)? {
            return Ok(());
        }
    }
    Err(AuthError::SignatureMismatch)
}

/// The path and query with only the query's `operation` parameters kept (what a verifier
/// that binds the route's parameter alone signs over).
fn route_query_only(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| pair.split('=').next() == Some("operation"))
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Whether a lapse lets the request through before its signature is compared: a header it
/// signed is missing (the date's own lapse is applied where the date is read), or it
/// carries a session token that is taken on trust.
fn lapses_let_through(
    headers: &http::HeaderMap,
    signed_headers: &[String],
    lapses: Lapses,
    carries_token: bool,
) -> bool {
    if lapses.token_trusted && carries_token {
        return true;
    }
    let missing = |name: &String| !headers.contains_key(name.as_str());
    signed_headers.iter().filter(|n| missing(n)).any(|name| {
        if name == TOKEN_HEADER {
            lapses.token_presence
        } else {
            name != DATE_HEADER && name != "host" && lapses.signed_header_presence
        }
    })
}

/// The credential scope names `chime` and the verifier's region (unless a lapse skips it).
fn check_scope(parsed: &ParsedAuthorization, checks: &Verification<'_>) -> Result<(), AuthError> {
    if parsed.service != crate::SIGNING_SERVICE && !checks.lapses.scope_service {
        return Err(AuthError::WrongService {
            found: parsed.service.clone(),
            expected: crate::SIGNING_SERVICE.to_string(),
        });
    }
    if parsed.region != checks.region && !checks.lapses.scope_region {
        return Err(AuthError::WrongRegion {
            found: parsed.region.clone(),
            expected: checks.region.to_string(),
        });
    }
    Ok(())
}

/// The request's date is within [`MAX_CLOCK_SKEW`] of the verifier's clock (unless a lapse
/// skips it).
fn check_skew(
    amz_date: &str,
    time: SystemTime,
    checks: &Verification<'_>,
) -> Result<(), AuthError> {
    let skew = match time.duration_since(checks.now) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    if !checks.lapses.clock_skew && skew > MAX_CLOCK_SKEW {
        return Err(AuthError::Expired(amz_date.to_string()));
    }
    Ok(())
}

/// The signature `aws-sigv4` makes for these inputs, as the client would have.
fn recompute_signature(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: &SigningCredentials,
    scope: &Scope<'_>,
) -> Result<String, AuthError> {
    sign_with_aws_sigv4(method, url, headers, body, credentials, scope)
        .map(|signed| signed.signature().to_string())
        .map_err(|e| AuthError::Malformed(format!("request cannot be canonicalized: {e}")))
}

/// Parses an `X-Amz-Date` value, `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let parsed = chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").ok()?;
    Some(SystemTime::from(parsed.and_utc()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A received POST, as the verifier sees it.
    fn post<'a>(
        path_and_query: &'a str,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> ReceivedRequest<'a> {
        ReceivedRequest {
            method: "POST",
            path_and_query,
            headers,
            body,
        }
    }

    fn creds() -> SigningCredentials {
        SigningCredentials::new("AKIDTEST", "secret")
    }

    /// Puts the signer's headers into a request's header map.
    fn insert_all(map: &mut http::HeaderMap, added: Vec<(String, String)>) {
        for (n, v) in added {
            map.insert(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
    }

    fn checks() -> Verification<'static> {
        Verification {
            region: "us-east-1",
            now: SystemTime::now(),
            lapses: Lapses::default(),
        }
    }

    /// A request signed as `sign` says, for the scope and skew tests.
    fn signed_in(scope: &Scope<'_>) -> (http::HeaderMap, &'static str) {
        let path = "/accounts/a/users?operation=create";
        let url = format!("http://127.0.0.1:9{path}");
        let added = sign_request_in("POST", &url, &[], b"{}", &creds(), scope).unwrap();
        let mut map = http::HeaderMap::new();
        map.insert("host", "127.0.0.1:9".parse().unwrap());
        insert_all(&mut map, added);
        (map, path)
    }

    #[test]
    fn a_stale_future_or_misscoped_signature_does_not_verify() {
        let now = SystemTime::now();
        let minutes = |m: u64| std::time::Duration::from_secs(m * 60);
        let scope = |region, service, time| Scope {
            region,
            service,
            time,
        };
        for (s, expired) in [
            (scope("us-east-1", "chime", now - minutes(20)), true),
            (scope("us-east-1", "chime", now + minutes(20)), true),
            (scope("us-east-1", "chime", now - minutes(10)), false),
        ] {
            let (headers, path) = signed_in(&s);
            let result = verify(&post(path, &headers, b"{}"), &[creds()], &checks());
            assert_eq!(
                matches!(result, Err(AuthError::Expired(_))),
                expired,
                "{result:?}"
            );
            let lenient = Verification {
                lapses: Lapses {
                    clock_skew: true,
                    ..Lapses::default()
                },
                ..checks()
            };
            assert_eq!(
                verify(&post(path, &headers, b"{}"), &[creds()], &lenient),
                Ok(())
            );
        }
        let (headers, path) = signed_in(&scope("us-west-2", "chime", now));
        let result = verify(&post(path, &headers, b"{}"), &[creds()], &checks());
        assert!(
            matches!(result, Err(AuthError::WrongRegion { .. })),
            "{result:?}"
        );
        let (headers, path) = signed_in(&scope("us-east-1", "s3", now));
        let result = verify(&post(path, &headers, b"{}"), &[creds()], &checks());
        assert!(
            matches!(result, Err(AuthError::WrongService { .. })),
            "{result:?}"
        );
    }

    fn signed_request(body: &[u8], signer: &SigningCredentials) -> (http::HeaderMap, &'static str) {
        let path = "/accounts/a%20b/users?operation=create";
        let url = format!("http://127.0.0.1:9/{}", &path[1..]);
        let headers = [("content-type", "application/json")];
        let added = sign_request(
            "POST",
            &url,
            &headers,
            body,
            signer,
            "us-east-1",
            SystemTime::now(),
        )
        .unwrap();
        let mut map = http::HeaderMap::new();
        map.insert("host", "127.0.0.1:9".parse().unwrap());
        map.insert("content-type", "application/json".parse().unwrap());
        insert_all(&mut map, added);
        (map, path)
    }

    #[test]
    fn a_signed_request_verifies() {
        let body = br#"{"Email":"a@b.c"}"#;
        let (headers, path) = signed_request(body, &creds());
        let req = post(path, &headers, body);
        assert_eq!(verify(&req, &[creds()], &checks()), Ok(()));
    }

    #[test]
    fn a_session_token_is_signed_and_verifies() {
        let body = b"{}";
        let signer = creds().with_session_token(Some("token".into()));
        let (headers, path) = signed_request(body, &signer);
        assert!(headers.contains_key(TOKEN_HEADER));
        let req = post(path, &headers, body);
        assert_eq!(verify(&req, &[creds()], &checks()), Ok(()));
    }

    #[test]
    fn a_wrong_secret_or_tampered_body_does_not_verify() {
        let body = b"{}";
        let (headers, path) = signed_request(body, &SigningCredentials::new("AKIDTEST", "wrong"));
        let req = post(path, &headers, body);
        assert_eq!(
            verify(&req, &[creds()], &checks()),
            Err(AuthError::SignatureMismatch)
        );
        let (headers, path) = signed_request(body, &creds());
        let req = post(path, &headers, b"{ }");
        assert_eq!(
            verify(&req, &[creds()], &checks()),
            Err(AuthError::SignatureMismatch)
        );
    }

    #[test]
    fn unknown_key_missing_and_malformed_are_told_apart() {
        let body = b"{}";
        let (headers, path) = signed_request(body, &SigningCredentials::new("OTHER", "secret"));
        let req = post(path, &headers, body);
        assert_eq!(
            verify(&req, &[creds()], &checks()),
            Err(AuthError::UnknownAccessKey)
        );
        let empty = http::HeaderMap::new();
        let req = post(path, &empty, body);
        assert_eq!(verify(&req, &[creds()], &checks()), Err(AuthError::Missing));
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential=a/b",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=zz",
        ] {
            assert!(matches!(
                parse_authorization(bad),
                Err(AuthError::Malformed(_))
            ));
        }
    }
}
