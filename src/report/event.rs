//! The events a run emits while it happens, and the [`Reporter`] trait of their consumers
//! (the nextest model: the runner emits, reporters consume). The run's record is built
//! from these events by one more consumer, the [`Aggregator`](super::aggregate::Aggregator);
//! the end-of-run writers read that [`RunRecord`](super::record::RunRecord), live ones
//! (progress, the cassette recorder) read the events.

use std::sync::Arc;

use super::coverage::ProbeFamily;
use super::drift::DriftReport;
use super::record::TrialRecord;
use crate::check::{Observation, Rule};
use crate::contract::Exception;
use crate::endpoint::Limits;
use crate::http::{ReceivedResponse, SentRequest};
use crate::input::cases::AccountRef;
use crate::input::coverage::Facets;

/// Something that happened in a run.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The target is reached and the run is about to start: what the run is.
    TargetReady(&'a RunAbout),
    /// The run starts with this many trials.
    RunStarted { trials: usize },
    /// A trial starts; `planned_requests` is known for properties.
    TrialStarted {
        name: &'a str,
        planned_requests: Option<u64>,
    },
    /// A request of a trial got its verdict.
    RequestFinished { trial: &'a str, failed: bool },
    /// A request and its answer (none when it got no complete answer), with the role it
    /// played and the rules it broke: what a cassette records.
    Exchange(&'a ExchangeEvent<'a>),
    /// An answer made one of the contract's open choices (or a restriction, or a note).
    Observed {
        trial: &'a str,
        observations: &'a [Observation],
        request: &'a SentRequest,
        response: Option<&'a ReceivedResponse>,
    },
    /// A generated input with these facets was answered with this status (`None`: no answer).
    InputCovered { facets: Facets, status: Option<u16> },
    /// A fixed probe of a family was answered with this status (`None`: no answer).
    Probed {
        family: ProbeFamily,
        probe: &'static str,
        status: Option<u16>,
    },
    /// An answer to one of a trial's requests named a documented exception.
    ExceptionNamed {
        trial: &'a str,
        exception: Exception,
    },
    /// A 201 returned this UserId.
    UserCreated { user_id: &'a str },
    /// Something the run could not do but went on without (a regressions file that could
    /// not be written or read, a trial listed as an expected failure that passed).
    Warning(&'a str),
    /// A trial ended.
    TrialFinished(&'a TrialRecord),
    /// A comparison run compared its two sides.
    Compared(&'a DriftReport),
    /// The requests the run sent, in all, once every trial ended.
    Counted(&'a RequestCounts),
    /// The run ended.
    RunFinished,
}

/// What a run is: its id and seed, and the target it runs against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunAbout {
    pub run_id: String,
    pub seed: u64,
    pub endpoint: String,
    /// The target is the embedded reference mock.
    pub embedded: bool,
    pub limits: Limits,
}

/// The requests a run sent and retried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub requests: u64,
    /// 429s retried after their Retry-After.
    pub throttle_retries: u64,
    /// Transient 5xx answers retried as the SDKs' standard mode does.
    pub transient_retries: u64,
    /// Milliseconds waited before those retries, in all.
    pub transient_backoff_ms: u64,
}

/// What role a request played in its trial, so that it can be mapped onto another target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExchangeRole {
    /// Which of the target's accounts it addressed.
    pub account: AccountRef,
    /// For a case, the step (from 1); `None` for a property's generated input.
    pub step: Option<usize>,
}

/// One request of a trial and what came of it.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeEvent<'a> {
    pub trial: &'a str,
    pub role: ExchangeRole,
    pub request: &'a SentRequest,
    pub response: Option<&'a ReceivedResponse>,
    /// The rules it broke (empty when it conforms or got no answer).
    pub rules: &'a [Rule],
}

/// A consumer of a run's events. Called from the run's threads; must be cheap.
pub trait Reporter: Send + Sync {
    fn report(&self, event: &Event<'_>);
}

/// The reporters of a run, each given every event in turn.
#[derive(Clone, Default)]
pub struct Reporters(Vec<Arc<dyn Reporter>>);

impl Reporters {
    pub fn new(reporters: Vec<Arc<dyn Reporter>>) -> Reporters {
        Reporters(reporters)
    }

    /// True when no reporter listens (events need not be made).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn report(&self, event: &Event<'_>) {
        for reporter in &self.0 {
            reporter.report(event);
        }
    }
}

impl std::fmt::Debug for Reporters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reporters({})", self.0.len())
    }
}
