//! The CreateUser contract as data: the route, the eight documented exceptions with their
//! HTTP statuses and error codes, and the restJson1 rules a client uses to learn which
//! error it got. Everything here is derived from `contract/chime-2018-05-01-createuser.model.json`
//! and the Smithy restJson1 specification; nothing here does I/O.
//!
//! This folder is the I/O-free vocabulary every other part shares: the model's facts
//! ([`model`]), its exceptions ([`exception`]), error-type resolution ([`error_type`]), the
//! JSON Schemas ([`schema`]), SigV4 ([`sigv4`]) and masking ([`redact`]).

mod error_type;
mod exception;
mod model;
pub mod pattern;
pub mod redact;
pub mod schema;
pub mod sigv4;

pub use error_type::{
    classify_error_name, resolve_error_type, sanitize_error_type, ErrorKind, ErrorTypeSource,
    ResolvedErrorType,
};
pub use exception::{Exception, TriggerClass};
pub use model::*;
