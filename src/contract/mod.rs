//! The contract as the harness uses it: the shared vocabulary of the `chime-contract` crate
//! (model facts, exceptions, error-type resolution, SigV4, masking), re-exported so every
//! layer names it `contract::…`, and the JSON Schemas ([`schema`]) the checks validate
//! against, which only the harness needs.

pub use chime_contract::*;

pub mod schema;
