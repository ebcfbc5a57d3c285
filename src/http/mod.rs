//! The signed HTTP exchange: a [`Call`] becomes a signed request, sent to the target with a
//! bounded number in flight, paced, within the budget, the user cap, the per-request timeout
//! and the run's deadline; the answer comes back as an [`Exchange`], or as [`Unanswered`]
//! with a [`TransportError`] saying clearly what went wrong on the wire. Transport failures
//! are never contract violations.

mod call;
mod client;
pub mod curl;
mod error;
mod exchange;
mod pacing;
mod prepare;
mod raw;
mod retry;
mod send;
pub mod tamper;

pub use call::{Call, CallBody, CallPurpose, OffRoute};
pub use client::{default_reqwest_client, Client};
pub use error::{error_chain, TransportError, TransportErrorKind};
pub use exchange::{Exchange, ReceivedResponse, SentRequest, Unanswered};
pub use pacing::ClientStats;
pub use raw::RawProbe;
pub(crate) use retry::retry_after;
pub use retry::{is_transient, MAX_RETRY_AFTER, MAX_THROTTLE_RETRIES, MAX_TRANSIENT_ATTEMPTS};
pub use send::{response_cap, Retried, MAX_BODY_BYTES};
