//! The events a run emits while it happens, and the [`Reporter`] trait of their consumers
//! (the nextest model: the runner emits, reporters consume). The end-of-run writers read
//! the [`RunRecord`](super::record::RunRecord) instead; live ones (progress) read events.

use std::sync::Arc;

use super::record::TrialRecord;

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
    /// A trial ended.
    TrialFinished(&'a TrialRecord),
    /// The run ended.
    RunFinished,
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
