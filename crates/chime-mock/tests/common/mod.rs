//! Helpers shared by the mock's process tests and the harness's suite (which includes this
//! file by path): raw HTTP requests to a mock, SigV4-signed when credentials are given.

use std::time::SystemTime;

use chime_contract::create_user_path;
use chime_contract::sigv4::{sign_request, SigningCredentials};

/// A `reqwest` client. The tree's rustls has ring as its one provider, which is installed
/// first (`reqwest` is built without a provider of its own).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// An answer, read in full.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends `method base_uri+path_and_query` with `headers` and `body`, signed with
/// `credentials` when given. `path_and_query` is sent as it is (already percent-encoded).
pub async fn send(
    client: &reqwest::Client,
    base_uri: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    credentials: Option<&SigningCredentials>,
) -> reqwest::Result<RawAnswer> {
    let url = format!("{base_uri}{path_and_query}");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let mut request = client.request(method.clone(), &url);
    if let Some(credentials) = credentials {
        let added = sign_request(
            method.as_str(),
            &url,
            headers,
            &body,
            credentials,
            "us-east-1",
            SystemTime::now(),
        )
        .expect("the test request can be signed");
        for (name, value) in added {
            request = request.header(name, value);
        }
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.body(body).send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}

/// A signed CreateUser with a JSON body.
pub async fn create_user(
    client: &reqwest::Client,
    mock_uri: &str,
    account_id: &str,
    body: &serde_json::Value,
    credentials: &SigningCredentials,
) -> reqwest::Result<RawAnswer> {
    send(
        client,
        mock_uri,
        "POST",
        &create_user_path(account_id),
        &[("content-type", "application/json")],
        body.to_string().into_bytes(),
        Some(credentials),
    )
    .await
}
