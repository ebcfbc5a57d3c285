//! One HTTP exchange with a CreateUser endpoint, as data: what was sent and what came back.
//! The checks read these; the reporters render them (masked).

use std::time::Duration;

use serde_json::Value;

use crate::contract::sigv4::SignatureMode;
use crate::contract::{Exception, ERROR_TYPE_HEADER};

/// A request as it went on the wire.
#[derive(Debug, Clone)]
pub struct SentRequest {
    pub method: String,
    /// The full URL, percent-encoded as sent.
    pub url: String,
    /// The account id the request addressed (before encoding).
    pub account_id: String,
    /// Headers as sent, including any signature (rendering masks it).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The exception the request asked the target to inject, if any.
    pub injected_fault: Option<Exception>,
    /// How it was signed, relative to the target's credentials.
    pub signature: SignatureMode,
}

/// A response as it came off the wire.
#[derive(Debug, Clone)]
pub struct ReceivedResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// When the harness read the answer, by its own clock: what the answer's timestamps
    /// are judged against when it carries no `Date` header.
    pub received_at: std::time::SystemTime,
}

impl ReceivedResponse {
    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `X-Amzn-ErrorType` header, if present and not blank.
    pub fn error_type_header(&self) -> Option<&str> {
        self.header(ERROR_TYPE_HEADER)
            .filter(|v| !v.trim().is_empty())
    }

    /// The body parsed as JSON, or why it is not JSON.
    pub fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Err("the body is empty".into());
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("the body is not JSON: {e}"))
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request and the response it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: SentRequest,
    pub response: ReceivedResponse,
}

/// A request that got no complete answer, and why.
#[derive(Debug, Clone)]
pub struct Unanswered {
    pub request: SentRequest,
    pub error: super::TransportError,
}

impl ReceivedResponse {
    /// A response with these headers and a JSON body, for the checks' tests.
    #[cfg(test)]
    pub(crate) fn for_test(status: u16, headers: &[(&str, &str)], body: Value) -> ReceivedResponse {
        ReceivedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.to_string().into_bytes(),
            elapsed: Duration::ZERO,
            received_at: std::time::SystemTime::now(),
        }
    }
}

impl SentRequest {
    /// What stands for a call's request when it could not be made (its URL from the error
    /// that kept it from being sent): no headers, no body.
    pub fn stand_in(call: &super::Call, url: &str) -> SentRequest {
        SentRequest {
            method: call
                .off_route
                .as_ref()
                .map_or_else(|| "POST".into(), |r| r.method.clone()),
            url: url.to_string(),
            account_id: call.account_id.clone(),
            headers: Vec::new(),
            body: Vec::new(),
            injected_fault: call.fault,
            signature: call.signature,
        }
    }

    /// A signed request carrying every kind of secret (signature, session token, email),
    /// for tests that check nothing of it leaks.
    #[cfg(test)]
    pub(crate) fn sample_with_secrets() -> SentRequest {
        SentRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:9/accounts/acct/users?operation=create".into(),
            account_id: "acct".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    "authorization".into(),
                    "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=deadbeef".into(),
                ),
                ("x-amz-date".into(), "20260101T000000Z".into()),
                ("x-amz-security-token".into(), "tok3n".into()),
            ],
            body: br#"{"Email":"alice@example.com"}"#.to_vec(),
            injected_fault: None,
            signature: SignatureMode::AsTarget,
        }
    }
}
