//! The reference mock: a stateful implementation of CreateUser on wiremock, faithful to the
//! model, that the harness runs against by default and client implementers test against.
//!
//! A request under `/_chime-mock/` goes to the control plane (when it is on). Any other
//! goes through the checks in this order: body over the cap (400, before the rest is read)
//! → route (404 `UnknownOperationException`, as a Smithy restJson1 server answers) → SigV4
//! auth (401) → fault header, then control-plane fault rules, then the random fault rate
//! (the named exception) → blank account id (400) → unknown account (404) → forbidden
//! account (403) → throttle (429) → body (400) → email conflict (409) → create (201).
//! Two variants add a step after the body: a service restriction (400) and a transient
//! fault (503).
//!
//! Beside the answer, two settings look at or shape every CreateUser-side request (not
//! the control plane's): with [`MockConfig::judge_clients`] each request is also judged as
//! a client's against the contract ([`ClientRule`]: serialisation, signing, retries) and
//! each departure kept as a [`Verdict`] (`GET /_chime-mock/verdicts`); with
//! [`MockConfig::vary_responses`] each answer takes forms the contract allows ([`Form`]),
//! drawn from the seeded generator and journaled with the request. Neither changes which
//! answer a request gets.
//!
//! Error policy: nothing a client sends makes the mock panic or answer 5xx; only an
//! injected fault (or [`Variant::TransientUnavailable`]'s, once per request) is a 5xx. Starting can fail (bad settings, address in use) and returns a
//! [`MockError`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), chime_mock::MockError> {
//! use chime_mock::{MockConfig, ReferenceMock};
//! let mock = ReferenceMock::start(MockConfig::default()).await?;
//! let fixtures = mock.fixtures();
//! // Point a client at mock.uri(), sign with fixtures.credentials,
//! // create users in fixtures.account_id.
//! # Ok(()) }
//! ```

#![warn(missing_docs, unreachable_pub)]

mod checks;
mod choices;
mod config;
mod control;
mod defect;
mod faults;
mod journal;
mod judge;
mod persist;
mod random;
mod reply;
mod request;
mod respond;
mod server;
mod state;
mod switch;
mod throttle;
mod transient;
mod user;
mod variant;
mod vary;

pub use config::{
    default_credentials, Fixtures, MockConfig, MockLimits, RequestLog, ThrottleConfig,
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, DEFAULT_FAULT_HEADER, DEFAULT_FORBIDDEN_ACCOUNT_ID,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_JOURNAL_SIZE, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HEADER_BYTES, DEFAULT_SECRET_ACCESS_KEY,
    DEFAULT_THROTTLED_ACCOUNT_ID, LARGE_BODY_BYTES,
};
pub use defect::{Defect, UnknownDefect};
pub use faults::{MAX_LATENCY_MS, MAX_RULES};
pub use journal::MAX_KEPT_BODY_BYTES;
pub use judge::{
    ClientReport, ClientRule, Verdict, HOT_RETRY, MAX_ATTEMPTS, MAX_CLIENT_CLOCK_SKEW,
    MAX_KEPT_VERDICTS, MAX_TRACKED_REQUESTS, NOT_RETRYABLE, RETRY_WINDOW,
};
pub use persist::{SavedState, StateFileError};
pub use reply::UNKNOWN_OPERATION;
pub use request::{CONTROL_PREFIX, EXPECTED_ROUTE, MAX_BODY_BYTES};
pub use server::{MockError, ReferenceMock};
pub use state::{AccountKind, SavedAccount};
pub use variant::{UnknownVariant, Variant};
pub use vary::Form;

#[cfg(test)]
mod defect_tests;
#[cfg(test)]
mod judge_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod variant_tests;
#[cfg(test)]
mod vary_tests;
