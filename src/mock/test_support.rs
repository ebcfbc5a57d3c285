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

/// Like [`send`], but a request that got no answer (the connection closed or reset)
/// gives status 0 and an empty body instead of failing the test.
pub(super) async fn send_or_status_0(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    account: &str,
    body: &str,
) -> Answer {
    try_send(client, mock, account, body, Some(SystemTime::now()), None)
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
    try_send(client, mock, account, body, signed_at, fault)
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
) -> reqwest::Result<Answer> {
    let url = format!(
        "{}{}",
        mock.uri(),
        crate::contract::create_user_path(account)
    );
    let mut headers = vec![("content-type", "application/json")];
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
