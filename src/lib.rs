//! chime-conformance: a conformance harness for the Amazon Chime `CreateUser` API and the
//! reference mock it runs against by default.
//!
//! The path of one request through the crate reads as a straight line:
//! [`contract`] → generated request → signed HTTP exchange ([`sigv4`]) → checks → outcome →
//! reporters. The reference mock ([`mock`]) sits beside that line and shares only the
//! contract and the signing code.
//!
//! Error policy: nothing a server, a user or a file sends makes this crate panic. Such
//! failures are values (a `thiserror` type per concern, its message a lowercase "failed
//! to ..." fragment naming the path, flag or value); `anyhow` is used only in the
//! binaries. `expect` is kept for invariants of the program itself (the constant regexes
//! of the generators, the embedded schemas and cases), each covered by a unit test.

pub mod cases;
pub mod checks;
pub mod cli;
pub mod client;
pub mod contract;
pub mod exchange;
pub mod generate;
pub mod junit;
pub mod matrix;
pub mod mock;
pub mod profile;
pub mod redact;
pub mod regressions;
pub mod render;
pub mod report;
pub mod runner;
pub mod schema;
pub mod sigv4;
pub mod summary;
pub mod target;
