//! chime-conformance: a conformance harness for the Amazon Chime `CreateUser` API and the
//! reference mock it runs against by default.
//!
//! The folders follow the path of one request, and each imports only those before it:
//! [`contract`] (the model's vocabulary: facts, exceptions, schemas, SigV4, masking) →
//! [`target`] (where and how to reach an endpoint) → [`input`] (generated requests,
//! declarative cases, regressions) → [`http`] (the signed exchange) → [`check`] (pure rules)
//! → [`report`] (the run record, its events and its writers) → [`runner`] (orchestration,
//! which emits records and events). The reference mock ([`mock`]) sits beside that line and
//! shares only the contract; [`util`] holds helpers any layer may use. The command line is
//! the binary's own (`src/cli/`), not part of this library.
//!
//! Error policy: nothing a server, a user or a file sends makes this crate panic. Such
//! failures are values (a `thiserror` type per concern, its message a lowercase "failed
//! to ..." fragment naming the path, flag or value); `anyhow` is used only in the
//! binaries. `expect` is kept for invariants of the program itself (the constant regexes
//! of the generators, the embedded schemas and cases), each covered by a unit test.

pub mod check;
pub mod contract;
pub mod http;
pub mod input;
#[cfg(feature = "embedded-mock")]
pub use chime_mock as mock;
pub mod endpoint;
pub mod report;
pub mod runner;
pub mod session;
pub use chime_contract::util;
