//! Tampered signatures: a valid SigV4 signature made for something other than the request
//! it travels with — another time, scope, body, path or header set — or a request altered
//! after signing. Each [`SignatureMode`] that [`SignatureMode::is_tampered`] names one way;
//! the signing itself is always `aws-sigv4`'s, never re-implemented here.

use std::time::{Duration, SystemTime};

use crate::contract::sigv4::{Scope, SignatureMode, SigningCredentials};

/// How far a stale or future signature is dated from now (beyond the 15 minutes allowed).
pub const SKEW: Duration = Duration::from_secs(20 * 60);
/// The header signed and then dropped under [`SignatureMode::HeaderDropped`].
pub const DROPPED_HEADER: &str = "x-chime-conformance-signed";
/// The query parameter added after signing under [`SignatureMode::QueryAdded`], and signed
/// then removed under [`SignatureMode::QueryRemoved`].
pub const TAMPERED_QUERY: &str = "chime-conformance=tampered";
/// The session token signed and then dropped or altered when the credentials have none.
const PROBE_TOKEN: &str = "chime-conformance-probe-token";

/// What is signed: the URL, the headers and the scope, for a request to `url` with
/// `headers`, signed as `mode` says.
pub struct Signed<'a> {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub credentials: SigningCredentials,
    pub scope: Scope<'a>,
}

/// The inputs of the signature a `mode` makes.
pub fn signing_inputs<'a>(
    mode: SignatureMode,
    url: &str,
    other_account_url: &str,
    headers: &[(String, String)],
    credentials: SigningCredentials,
    region: &'a str,
) -> Signed<'a> {
    let now = SystemTime::now();
    let mut signed = Signed {
        url: url.to_string(),
        headers: headers.to_vec(),
        credentials,
        scope: Scope {
            region,
            service: crate::contract::SIGNING_SERVICE,
            time: now,
        },
    };
    match mode {
        SignatureMode::Stale => signed.scope.time = now - SKEW,
        SignatureMode::Future => signed.scope.time = now + SKEW,
        SignatureMode::OtherService => signed.scope.service = "s3",
        SignatureMode::OtherRegion => signed.scope.region = other_region(region),
        SignatureMode::PathChanged => signed.url = other_account_url.to_string(),
        SignatureMode::QueryRemoved => signed.url = with_query_parameter(url),
        SignatureMode::HeaderDropped => signed.headers.push((DROPPED_HEADER.into(), "1".into())),
        SignatureMode::TokenMissing | SignatureMode::TokenAltered
            if signed.credentials.session_token.is_none() =>
        {
            signed.credentials.session_token = Some(PROBE_TOKEN.into());
        }
        _ => {}
    }
    signed
}

/// The request as it is sent after signing: `headers` (signed ones included) and `body`
/// altered as `mode` says.
pub fn after_signing(mode: SignatureMode, headers: &mut Vec<(String, String)>, body: &mut Vec<u8>) {
    let drop = |headers: &mut Vec<(String, String)>, name: &str| {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    };
    match mode {
        // Still a valid body, byte for byte different from the one signed.
        SignatureMode::BodyChanged => body.push(b' '),
        SignatureMode::HeaderAltered => match headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            Some((_, value)) => value.push_str("; charset=utf-8"),
            None => headers.push(("content-type".into(), "application/json".into())),
        },
        SignatureMode::HeaderDropped => drop(headers, DROPPED_HEADER),
        SignatureMode::DateMissing => drop(headers, "x-amz-date"),
        SignatureMode::TokenMissing => drop(headers, "x-amz-security-token"),
        SignatureMode::TokenAltered => {
            for (name, value) in headers.iter_mut() {
                if name.eq_ignore_ascii_case("x-amz-security-token") {
                    value.push_str("-altered");
                }
            }
        }
        _ => {}
    }
}

/// The URL a request is sent to, for one signed for `url` as `mode` says: with a query
/// parameter added after signing under [`SignatureMode::QueryAdded`], else `url`.
pub fn sent_url(mode: SignatureMode, url: &str) -> String {
    match mode {
        SignatureMode::QueryAdded => with_query_parameter(url),
        _ => url.to_string(),
    }
}

/// `url` with [`TAMPERED_QUERY`] added to its query.
fn with_query_parameter(url: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{TAMPERED_QUERY}")
}

/// A region other than `region`.
fn other_region(region: &str) -> &'static str {
    if region == "us-west-2" {
        "eu-west-1"
    } else {
        "us-west-2"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> SigningCredentials {
        SigningCredentials::new("AK", "secret")
    }

    fn signed(mode: SignatureMode) -> Signed<'static> {
        let headers = vec![("content-type".to_string(), "application/json".to_string())];
        let creds = SigningCredentials::new("AK", "secret");
        signing_inputs(
            mode,
            "http://h/accounts/a",
            "http://h/accounts/b",
            &headers,
            creds,
            "us-east-1",
        )
    }

    #[test]
    fn each_mode_signs_something_else_or_alters_the_request() {
        let now = SystemTime::now();
        assert!(signed(SignatureMode::Stale).scope.time < now - Duration::from_secs(15 * 60));
        assert!(signed(SignatureMode::Future).scope.time > now + Duration::from_secs(15 * 60));
        assert_eq!(signed(SignatureMode::OtherService).scope.service, "s3");
        assert_ne!(signed(SignatureMode::OtherRegion).scope.region, "us-east-1");
        assert_eq!(
            signed(SignatureMode::PathChanged).url,
            "http://h/accounts/b"
        );
        let route = "http://h/accounts/a/users?operation=create";
        let query_removed = SignatureMode::QueryRemoved;
        assert_eq!(
            signing_inputs(query_removed, route, route, &[], creds(), "us-east-1").url,
            format!("{route}&{TAMPERED_QUERY}"),
            "signed with the parameter"
        );
        assert_eq!(sent_url(query_removed, route), route, "sent without it");
        assert_eq!(
            sent_url(SignatureMode::QueryAdded, route),
            format!("{route}&{TAMPERED_QUERY}")
        );
        assert_eq!(
            signing_inputs(
                SignatureMode::QueryAdded,
                route,
                route,
                &[],
                creds(),
                "us-east-1"
            )
            .url,
            route
        );
        assert!(signed(SignatureMode::TokenMissing)
            .credentials
            .session_token
            .is_some());
        let plain = signed(SignatureMode::AsTarget);
        assert_eq!(plain.url, "http://h/accounts/a");
        assert_eq!(plain.scope.service, "chime");

        let headers = || {
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("x-amz-date".to_string(), "d".to_string()),
                ("x-amz-security-token".to_string(), "t".to_string()),
                (DROPPED_HEADER.to_string(), "1".to_string()),
            ]
        };
        for (mode, changed_body) in [
            (SignatureMode::BodyChanged, true),
            (SignatureMode::HeaderAltered, false),
            (SignatureMode::HeaderDropped, false),
            (SignatureMode::DateMissing, false),
            (SignatureMode::TokenMissing, false),
            (SignatureMode::TokenAltered, false),
        ] {
            let (mut h, mut body) = (headers(), b"{}".to_vec());
            after_signing(mode, &mut h, &mut body);
            assert_eq!(body != b"{}", changed_body, "{mode:?}");
            assert!(changed_body || h != headers(), "{mode:?} changed nothing");
        }
    }
}
