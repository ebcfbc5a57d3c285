//! Test support for the mock's own unit tests: one signed (or unsigned) CreateUser sent
//! to a live mock, and its answer read in full.

use std::time::SystemTime;

use serde_json::Value;

use crate::contract::sigv4::sign_request;
use crate::contract::{resolve_error_type, ERROR_TYPE_HEADER};
use crate::mock::{default_credentials, ReferenceMock};

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
    pub fn user_member(&self, member: &str) -> Option<&Value> {
        self.body.get("User").and_then(|u| u.get(member))
    }

    /// A string member of the created `User` (`""` when absent or not a string).
    pub fn user_str(&self, member: &str) -> &str {
        self.user_member(member)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A top-level string member of the body.
    pub fn body_str(&self, member: &str) -> Option<&str> {
        self.body.get(member).and_then(Value::as_str)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The resolved error type, by the restJson1 rules.
    pub fn error_type(&self) -> Option<String> {
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
    send_request(client, mock, account, body, signed_at, fault, content_type).await
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
    send_request(client, mock, account, body, now, None, content_type).await
}

async fn send_request(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
    signed_at: Option<SystemTime>,
    fault: Option<&str>,
    content_type: Option<&str>,
) -> Answer {
    let url = format!(
        "{}{}",
        mock.uri(),
        crate::contract::create_user_path(account)
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
    let response = request.send().await.expect("the mock answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}
