//! The events a run emits while it happens, and the [`Reporter`] trait of their consumers
//! (the nextest model: the runner emits, reporters consume). The end-of-run writers read
//! the [`RunRecord`](super::record::RunRecord) instead; live ones (progress) read events.

use std::sync::Arc;

use super::record::TrialRecord;
use crate::check::Rule;
use crate::http::{ReceivedResponse, SentRequest};
use crate::input::cases::AccountRef;

/// Something that happened in a run.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
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
    /// A trial ended.
    TrialFinished(&'a TrialRecord),
    /// The run ended.
    RunFinished,
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
