//! Transport failures: what went wrong on the wire when no complete HTTP answer came back.
//! Never contract violations; reported as their own class.

/// What went wrong on the wire.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportErrorKind {
    /// No connection could be made (refused, DNS, TLS handshake).
    Connect,
    /// No complete answer within the timeout.
    Timeout,
    /// The connection broke, or the answer was not valid HTTP.
    Protocol,
    /// The body exceeded the response cap ([`response_cap`](super::response_cap)).
    BodyTooLarge,
    /// The target answered with a redirect, which is not followed.
    Redirect,
    /// The request could not be built or signed.
    Request,
    /// The run's overall deadline (`--deadline`) passed.
    Deadline,
    /// Not sent: the run's request budget or user cap is used up.
    Budget,
}

/// A failure to get a complete HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transport failure ({kind:?}) for {url}: {message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub url: String,
    pub message: String,
}

/// Turns a reqwest error into a clear transport failure.
pub(crate) fn classify(url: &str, error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_builder() {
        TransportErrorKind::Request
    } else {
        TransportErrorKind::Protocol
    };
    TransportError {
        kind,
        url: url.to_string(),
        message: error_chain(&error),
    }
}

pub use crate::util::error_chain;
