//! The eight documented exceptions of CreateUser, with their HTTP statuses, error codes and
//! trigger classes, as the model states them.

use std::fmt;

/// How an exception is triggered, as the contract classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerClass {
    /// The request's input breaks the model or a service restriction (`BadRequestException`).
    Input,
    /// The caller's credentials are refused or lack permission (`UnauthorizedClientException`,
    /// `ForbiddenException`).
    Credentials,
    /// The state of the account or its users refuses the request (`NotFoundException`,
    /// `ConflictException`).
    State,
    /// The caller sends requests faster than allowed (`ThrottledClientException`).
    Load,
    /// The server fails (`ServiceFailureException`, `ServiceUnavailableException`).
    Fault,
}

/// A case file names its trigger class in the words [`fmt::Display`] writes.
impl<'de> serde::Deserialize<'de> for TriggerClass {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(d)?;
        [
            TriggerClass::Input,
            TriggerClass::Credentials,
            TriggerClass::State,
            TriggerClass::Load,
            TriggerClass::Fault,
        ]
        .into_iter()
        .find(|t| t.to_string() == text)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "trigger must be input, credentials, state, load or fault, not {text:?}"
            ))
        })
    }
}

impl fmt::Display for TriggerClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriggerClass::Input => "input",
            TriggerClass::Credentials => "credentials",
            TriggerClass::State => "state",
            TriggerClass::Load => "load",
            TriggerClass::Fault => "fault",
        })
    }
}

/// The eight documented exceptions of CreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exception {
    /// `BadRequestException`, HTTP 400: the input breaks the model or a service restriction.
    BadRequest,
    /// `UnauthorizedClientException`, HTTP 401: the client's credentials are refused.
    Unauthorized,
    /// `ForbiddenException`, HTTP 403: the caller may not act on the account.
    Forbidden,
    /// `NotFoundException`, HTTP 404: the account (or resource) named does not exist.
    NotFound,
    /// `ConflictException`, HTTP 409: the request conflicts with existing state (e.g. a user
    /// with that email already exists).
    Conflict,
    /// `ThrottledClientException`, HTTP 429: the client exceeded its request rate.
    Throttled,
    /// `ServiceFailureException`, HTTP 500: a server fault, the service failed.
    ServiceFailure,
    /// `ServiceUnavailableException`, HTTP 503: a server fault, the service is unavailable.
    ServiceUnavailable,
}

impl Exception {
    /// All eight, in the order of the contract's table.
    pub const ALL: [Exception; 8] = [
        Exception::BadRequest,
        Exception::Unauthorized,
        Exception::Forbidden,
        Exception::NotFound,
        Exception::Conflict,
        Exception::Throttled,
        Exception::ServiceFailure,
        Exception::ServiceUnavailable,
    ];

    /// The shape name, as sent in `X-Amzn-ErrorType`.
    pub fn shape_name(self) -> &'static str {
        match self {
            Exception::BadRequest => "BadRequestException",
            Exception::Unauthorized => "UnauthorizedClientException",
            Exception::Forbidden => "ForbiddenException",
            Exception::NotFound => "NotFoundException",
            Exception::Conflict => "ConflictException",
            Exception::Throttled => "ThrottledClientException",
            Exception::ServiceFailure => "ServiceFailureException",
            Exception::ServiceUnavailable => "ServiceUnavailableException",
        }
    }

    /// The HTTP status the model gives the shape.
    pub fn http_status(self) -> u16 {
        match self {
            Exception::BadRequest => 400,
            Exception::Unauthorized => 401,
            Exception::Forbidden => 403,
            Exception::NotFound => 404,
            Exception::Conflict => 409,
            Exception::Throttled => 429,
            Exception::ServiceFailure => 500,
            Exception::ServiceUnavailable => 503,
        }
    }

    /// The `ErrorCode` value a Chime service puts in the body's `Code`.
    pub fn error_code(self) -> &'static str {
        match self {
            Exception::BadRequest => "BadRequest",
            Exception::Unauthorized => "Unauthorized",
            Exception::Forbidden => "Forbidden",
            Exception::NotFound => "NotFound",
            Exception::Conflict => "Conflict",
            Exception::Throttled => "Throttled",
            Exception::ServiceFailure => "ServiceFailure",
            Exception::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// True for server faults (5xx), which a conforming server only answers when failing.
    pub fn is_fault(self) -> bool {
        matches!(
            self,
            Exception::ServiceFailure | Exception::ServiceUnavailable
        )
    }

    /// How the contract says this exception is triggered.
    pub fn trigger_class(self) -> TriggerClass {
        match self {
            Exception::BadRequest => TriggerClass::Input,
            Exception::Unauthorized | Exception::Forbidden => TriggerClass::Credentials,
            Exception::NotFound | Exception::Conflict => TriggerClass::State,
            Exception::Throttled => TriggerClass::Load,
            Exception::ServiceFailure | Exception::ServiceUnavailable => TriggerClass::Fault,
        }
    }

    /// The exception with this shape name, if it is one of the eight.
    pub fn from_shape_name(name: &str) -> Option<Exception> {
        Exception::ALL.into_iter().find(|e| e.shape_name() == name)
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shape_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exception_round_trips_through_its_name() {
        for e in Exception::ALL {
            assert_eq!(Exception::from_shape_name(e.shape_name()), Some(e));
        }
    }
}
