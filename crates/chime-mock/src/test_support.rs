//! Test support for the mock's own unit tests: one signed (or unsigned, or tampered)
//! CreateUser sent to a live mock, and its answer read in full.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::{default_credentials, ReferenceMock};
use chime_contract::sigv4::{sign_request, sign_request_in, Scope, SignatureMode};
use chime_contract::{resolve_error_type, ERROR_TYPE_HEADER, SIGNING_SERVICE};

/// A `reqwest` client for the tests. The tree's rustls has ring as its one provider, which
/// is installed first (`reqwest` is built without a provider of its own).
pub(super) fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// An answer, read in full.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    /// The body as text.
    pub text: String,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Answer {
    /// A member of the created `User`.
    pub(crate) fn user_member(&self, member: &str) -> Option<&Value> {
        self.body.get("User").and_then(|u| u.get(member))
    }

    /// A string member of the created `User` (`""` when absent or not a string).
    pub(crate) fn user_str(&self, member: &str) -> &str {
        self.user_member(member)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A top-level string member of the body.
    pub(crate) fn body_str(&self, member: &str) -> Option<&str> {
        self.body.get(member).and_then(Value::as_str)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The resolved error type, by the restJson1 rules.
    pub(crate) fn error_type(&self) -> Option<String> {
        resolve_error_type(self.header(ERROR_TYPE_HEADER), Some(&self.body)).map(|t| t.name)
    }
}

/// Sends a CreateUser for `account` with `body`, signed with the default test credentials
/// when `signed`, with the fault header when `fault` names an exception.
pub(super) async fn send(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
    signed: bool,
    fault: Option<&str>,
) -> Answer {
    let signed_at = signed.then(SystemTime::now);
    send_signed_at(client, mock, account, body, signed_at, fault).await
}

/// Like [`send`], but a request that got no answer (the connection closed or reset)
/// gives status 0 and an empty body instead of failing the test.
pub(super) async fn send_or_status_0(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
) -> Answer {
    let content_type = Some("application/json");
    try_send(
        client,
        mock,
        account,
        body,
        Some(SystemTime::now()),
        None,
        content_type,
    )
    .await
    .unwrap_or(Answer {
        status: 0,
        headers: reqwest::header::HeaderMap::new(),
        text: String::new(),
        body: Value::Null,
    })
}

/// Like [`send`], signed as at `signed_at` (unsigned when `None`).
pub(super) async fn send_signed_at(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
    signed_at: Option<SystemTime>,
    fault: Option<&str>,
) -> Answer {
    let content_type = Some("application/json");
    try_send(client, mock, account, body, signed_at, fault, content_type)
        .await
        .expect("the mock answers")
}

/// Like [`send`], signed, with `content_type` as the `Content-Type` (none when `None`).
pub(super) async fn send_with_content_type(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
    content_type: Option<&str>,
) -> Answer {
    let now = Some(SystemTime::now());
    try_send(client, mock, account, body, now, None, content_type)
        .await
        .expect("the mock answers")
}

async fn try_send(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
    signed_at: Option<SystemTime>,
    fault: Option<&str>,
    content_type: Option<&str>,
) -> reqwest::Result<Answer> {
    let url = format!(
        "{}{}",
        mock.uri(),
        chime_contract::create_user_path(account)
    );
    let mut headers: Vec<(&str, &str)> = content_type
        .map(|value| ("content-type", value))
        .into_iter()
        .collect();
    if let Some(fault) = fault {
        headers.push(("x-chime-fault", fault));
    }
    let mut request = client.post(&url).body(body.to_string());
    if let Some(time) = signed_at {
        let added = sign_request(
            "POST",
            &url,
            &headers,
            body.as_bytes(),
            &default_credentials(),
            "us-east-1",
            time,
        )
        .expect("signing a test request");
        for (name, value) in added {
            request = request.header(name, value);
        }
    }
    for (name, value) in headers {
        request = request.header(name, value);
    }
    read_answer(request).await
}

/// The header signed and then dropped under [`SignatureMode::HeaderDropped`].
const DROPPED_HEADER: &str = "x-signed-then-dropped";

/// Sends a valid CreateUser for `account` with `body`, signed with the default test
/// credentials in a way that does not bind it, as `mode` says (one of
/// [`SignatureMode::TAMPERED`]): the harness's tampering, made again here since the mock
/// may not use the harness's HTTP layer.
pub(super) async fn send_tampered(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
    mode: SignatureMode,
) -> Answer {
    let url = format!(
        "{}{}",
        mock.uri(),
        chime_contract::create_user_path(account)
    );
    let other_url = format!(
        "{}{}",
        mock.uri(),
        chime_contract::create_user_path(&format!("{account}-signed-for"))
    );
    let now = SystemTime::now();
    let skew = Duration::from_secs(20 * 60);
    let mut credentials = default_credentials();
    let mut scope = Scope {
        region: "us-east-1",
        service: SIGNING_SERVICE,
        time: now,
    };
    let with_query = format!("{url}&added=1");
    let mut signed_url = url.as_str();
    let mut sent_url = url.as_str();
    let mut signed_headers = vec![("content-type", "application/json")];
    match mode {
        SignatureMode::Stale => scope.time = now - skew,
        SignatureMode::Future => scope.time = now + skew,
        SignatureMode::OtherService => scope.service = "s3",
        SignatureMode::OtherRegion => scope.region = "us-west-2",
        SignatureMode::PathChanged => signed_url = &other_url,
        SignatureMode::QueryAdded => sent_url = &with_query,
        SignatureMode::QueryRemoved => signed_url = &with_query,
        SignatureMode::HeaderDropped => signed_headers.push((DROPPED_HEADER, "1")),
        SignatureMode::TokenMissing | SignatureMode::TokenAltered => {
            credentials.session_token = Some("test-probe-token".into());
        }
        _ => {}
    }
    let added = sign_request_in(
        "POST",
        signed_url,
        &signed_headers,
        body.as_bytes(),
        &credentials,
        &scope,
    )
    .expect("signing a test request");
    let mut headers: Vec<(String, String)> = signed_headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .chain(added)
        .collect();
    let mut body = body.as_bytes().to_vec();
    let drop = |headers: &mut Vec<(String, String)>, name: &str| headers.retain(|(n, _)| n != name);
    match mode {
        SignatureMode::BodyChanged => body.push(b' '),
        SignatureMode::HeaderAltered => {
            for (name, value) in headers.iter_mut() {
                if name == "content-type" {
                    value.push_str("; charset=utf-8");
                }
            }
        }
        SignatureMode::HeaderDropped => drop(&mut headers, DROPPED_HEADER),
        SignatureMode::DateMissing => drop(&mut headers, "x-amz-date"),
        SignatureMode::TokenMissing => drop(&mut headers, "x-amz-security-token"),
        SignatureMode::TokenAltered => {
            for (name, value) in headers.iter_mut() {
                if name == "x-amz-security-token" {
                    value.push_str("-altered");
                }
            }
        }
        _ => {}
    }
    let mut request = client.post(sent_url).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    read_answer(request).await.expect("the mock answers")
}

/// Sends `method` (any token) to the CreateUser route of `account`, signed, with no body.
pub(super) async fn send_method(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    method: &str,
    account: &str,
) -> Answer {
    let url = format!(
        "{}{}",
        mock.uri(),
        chime_contract::create_user_path(account)
    );
    let added = sign_request(
        method,
        &url,
        &[],
        b"",
        &default_credentials(),
        "us-east-1",
        SystemTime::now(),
    )
    .expect("signing a test request");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method token");
    let mut request = client.request(method, &url);
    for (name, value) in added {
        request = request.header(name, value);
    }
    read_answer(request).await.expect("the mock answers")
}

/// Sends a request and reads its answer in full.
async fn read_answer(request: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    })
}
