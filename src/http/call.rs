//! One CreateUser call to make, as the runner asks for it: the account, the body, how it is
//! signed, a fault to inject, whether it is meant to create a user, and, for a probe of the
//! route itself, another method or another path and query.

use serde_json::Value;

use crate::contract::sigv4::SignatureMode;
use crate::contract::Exception;

/// The body of a call.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CallBody {
    /// A JSON document, sent with `Content-Type: application/json`.
    Json(Value),
    /// Bytes sent as they are, with the given Content-Type (none if `None`).
    Raw {
        bytes: Vec<u8>,
        content_type: Option<String>,
    },
}

impl CallBody {
    /// The JSON document, for a JSON body.
    pub fn json(&self) -> Option<&Value> {
        match self {
            CallBody::Json(v) => Some(v),
            CallBody::Raw { .. } => None,
        }
    }
}

/// Whether a call is meant to create a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPurpose {
    /// Meant to create a user: it reserves one of the run's `--max-users` first.
    Create,
    /// Meant to be refused (or to probe); a user it creates anyway is still counted.
    Probe,
}

/// A request off the plain CreateUser route (`POST /accounts/{accountId}/users?operation=create`):
/// another method, or another path and query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffRoute {
    /// The method, as sent: any token.
    pub method: String,
    /// The path and query as sent, already percent-encoded, byte for byte (dot segments
    /// included); `None` for the CreateUser route of the call's account.
    pub path_and_query: Option<String>,
}

/// One CreateUser call to make.
#[derive(Debug, Clone)]
pub struct Call {
    pub account_id: String,
    pub body: CallBody,
    pub signature: SignatureMode,
    /// Ask the target to inject this exception through its fault header.
    pub fault: Option<Exception>,
    /// Whether the call is meant to create a user (and so counts against `--max-users`).
    pub purpose: CallPurpose,
    /// Another method, path or query than CreateUser's (a route probe); `None` for a call
    /// to the CreateUser route.
    pub off_route: Option<OffRoute>,
}

impl Call {
    /// A call with a JSON body that is not meant to create a user.
    pub fn json(account_id: impl Into<String>, body: Value) -> Call {
        Call {
            account_id: account_id.into(),
            body: CallBody::Json(body),
            signature: SignatureMode::AsTarget,
            fault: None,
            purpose: CallPurpose::Probe,
            off_route: None,
        }
    }

    /// A call meant to create a user.
    pub fn create(account_id: impl Into<String>, body: Value) -> Call {
        Call {
            purpose: CallPurpose::Create,
            ..Call::json(account_id, body)
        }
    }
}
