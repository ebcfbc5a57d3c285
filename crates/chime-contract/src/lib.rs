//! The CreateUser contract as data: the route, the eight documented exceptions with their
//! HTTP statuses and error codes, and the restJson1 rules a client uses to learn which
//! error it got. Everything here is derived from the service model (`contract/chime-2018-05-01-createuser.model.json` in the repository)
//! and the Smithy restJson1 specification; nothing here does I/O.
//!
//! This crate is the I/O-free vocabulary the mock (`chime-mock`) and the harness
//! (`chime-conformance`) share: the model's facts, its eight exceptions, error-type
//! resolution, the patterns under each regex dialect ([`pattern`]), SigV4 ([`sigv4`]) and
//! masking ([`redact`]), plus two small helpers ([`util`]). It has no HTTP client and no
//! schema validator: the JSON Schemas are the harness's.

#![warn(missing_docs, unreachable_pub)]

mod error_type;
mod exception;
mod model;
pub mod pattern;
pub mod redact;
pub mod sigv4;
pub mod util;

pub use error_type::{
    classify_error_name, resolve_error_type, sanitize_error_type, ErrorKind, ErrorTypeSource,
    ResolvedErrorType,
};
pub use exception::{Exception, TriggerClass};
pub use model::*;
