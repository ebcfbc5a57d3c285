//! chime-conformance: a conformance harness for the Amazon Chime `CreateUser` API and the
//! reference mock it runs against by default.
//!
//! To run the whole suite from your own code, start at [`session`]: settings resolved into a
//! [`session::Plan`], [`session::Session::run`], and the [`report::record::RunRecord`] it
//! returns. The rest is public for the reporters and tools built on the same pieces.
//!
//! The folders follow the path of one request, and each imports only those before it:
//! [`contract`] (the model's vocabulary, from the `chime-contract` crate, and the JSON
//! Schemas) → [`endpoint`] (where and how to reach an endpoint) → [`input`] (generated
//! requests, declarative cases, regressions) → [`http`] (the signed exchange) → [`check`]
//! (pure rules) → [`report`] (the events, the aggregator that builds the run's record from
//! them, and the writers) → [`runner`] (orchestration, which emits events) → [`session`] (a
//! whole run). The reference mock is the `chime-mock` crate (re-exported as `mock` with the
//! default `embedded-mock` feature). The command line is the binary's own (`src/cli/`), not
//! part of this library, and the library prints nothing.
//!
//! Error policy: nothing a server, a user or a file sends makes this crate panic. Such
//! failures are values (a `thiserror` type per concern, its message a lowercase "failed
//! to ..." fragment naming the path, flag or value); `anyhow` is used only in the
//! binaries. `expect` is kept for invariants of the program itself (the constant regexes
//! of the generators, the embedded schemas and cases), each covered by a unit test.

#![warn(unreachable_pub)]

pub mod check;
pub mod contract;
pub mod endpoint;
pub mod http;
pub mod input;
/// The reference mock (the `chime-mock` crate), for `--target mock` and the tests.
#[cfg(feature = "embedded-mock")]
pub use chime_mock as mock;
pub mod report;
pub mod runner;
pub mod session;
/// Small helpers any layer may use (from `chime-contract`).
pub use chime_contract::util;
