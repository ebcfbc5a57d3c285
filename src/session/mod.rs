//! A whole conformance run as a library call: settings resolved once into a [`Plan`], then
//! [`Session::run`], which reaches the target (starting the embedded reference mock when
//! the plan names no endpoint), runs the trials, emits [events](crate::report::event) to
//! the reporters it is given, and returns the [`RunRecord`] that an
//! [`Aggregator`](crate::report::aggregate::Aggregator) built from those events. Nothing
//! here prints or knows the command line; the trials' own lines are libtest-mimic's, in
//! the format the plan's libtest arguments ask for.
//!
//! The whole run against the embedded reference mock, as a test of your own would make
//! it (a few inputs per property here, to keep the example quick; `examples/in_your_tests.rs`
//! points it at an endpoint):
//!
//! ```
//! use chime_conformance::report::console::render_console;
//! use chime_conformance::session::{Plan, Session, Settings};
//!
//! let settings = Settings { seed: Some(7), cases_per_property: 16, ..Settings::default() };
//! let record = Session::new(Plan::resolve(settings)?).run()?;
//! assert_eq!(record.summary.failed, 0, "{}", render_console(&record));
//! assert_eq!(record.summary.exceptions_observed, 8);
//! # Ok::<(), chime_conformance::session::SessionError>(())
//! ```

mod plan;
mod target;

use std::sync::Arc;

pub use plan::{Plan, Setting, Settings, Work, DEFAULT_CASES_PER_PROPERTY};

use crate::contract::schema::Schemas;
use crate::endpoint::builder::TargetSettings;
use crate::endpoint::TargetOrigin;
use crate::http::Client;
use crate::report::aggregate::Aggregator;
use crate::report::event::{Event, Reporter, Reporters, RequestCounts, RunAbout};
use crate::report::record::RunRecord;
use crate::runner::{
    comparison_trials, planned_cases, trials, Comparison, ExpectedFailure, Replay, Run, RunOptions,
    UsernameTag,
};

/// Why a run could not be made (a wrong setting, an unreachable target) or could not go
/// on. Each keeps its cause as its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A setting is wrong: a file that cannot be read or parsed, a value out of range.
    #[error("{setting}: {source}")]
    Setting {
        setting: Setting,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The target could not be reached at all (connection refused, DNS, TLS).
    #[error("target unreachable: {url}: {message}")]
    Unreachable { url: String, message: String },
    /// Something the harness needs could not start (the async runtime, the embedded mock).
    #[error("failed to start {what}")]
    Start {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A fault of the harness itself (an embedded schema or case that does not load).
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl SessionError {
    fn setting(setting: Setting, source: Box<dyn std::error::Error + Send + Sync>) -> Self {
        SessionError::Setting { setting, source }
    }

    fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        SessionError::Internal(Box::new(source))
    }
}

/// A run about to happen: a plan and the reporters that will hear its events.
pub struct Session {
    plan: Plan,
    reporters: Vec<Arc<dyn Reporter>>,
}

impl Session {
    /// A session for `plan`, with no reporter but the record's own aggregator.
    pub fn new(plan: Plan) -> Session {
        Session {
            plan,
            reporters: Vec::new(),
        }
    }

    /// Adds a reporter: it hears every event of the run (live progress, a cassette).
    pub fn reporter(mut self, reporter: Arc<dyn Reporter>) -> Session {
        self.reporters.push(reporter);
        self
    }

    /// Runs the plan to the end and returns its record. Fails only before the first trial
    /// (a setting, the target); a trial that fails is in the record, not an error.
    pub fn run(self) -> Result<RunRecord, SessionError> {
        let Session { plan, reporters } = self;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| SessionError::Start {
                what: "the async runtime",
                source: Box::new(e),
            })?;
        let aggregator = Arc::new(Aggregator::new(planned_cases(&plan.cases)));
        let mut listeners: Vec<Arc<dyn Reporter>> = reporters;
        listeners.push(aggregator.clone());
        let comparing = !matches!(plan.work, Work::Conformance);
        let left = Side {
            settings: &plan.target,
            origin: plan.origin.clone(),
            expected_failures: plan.expected_failures.clone(),
            reporters: Reporters::new(listeners),
            run_id: plan.run_id.clone(),
            comparing,
        };
        // The embedded mocks, if any, live as long as this function.
        let (run, _mock) = build_run(&plan, left, &runtime)?;
        let (trials, comparison, _right_mock) = match &plan.work {
            Work::Conformance => (trials(&run, &plan.cases), None, None),
            Work::Differential { settings, origin } => {
                let right = Side {
                    settings,
                    origin: origin.clone(),
                    expected_failures: Default::default(),
                    reporters: Reporters::default(),
                    run_id: format!("{}b", plan.run_id),
                    comparing: true,
                };
                let (right, mock) = build_run(&plan, right, &runtime)?;
                let comparison = Comparison::differential(run.clone(), right, plan.cases.clone());
                (comparison_trials(&comparison), Some(comparison), mock)
            }
            Work::Replay { cassette, source } => {
                let replay = Replay::new((**cassette).clone(), source.clone());
                let comparison = Comparison::replay(run.clone(), replay, plan.cases.clone());
                (comparison_trials(&comparison), Some(comparison), None)
            }
        };
        run.report(&Event::RunStarted {
            trials: trials.iter().filter(|t| plan.selects(t.name())).count(),
        });
        let _conclusion = libtest_mimic::run(&plan.trials, trials);
        if let Some(comparison) = &comparison {
            run.report(&Event::Compared(comparison.drift()));
        }
        let stats = run.client().stats();
        let load = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
        run.report(&Event::Counted(&RequestCounts {
            requests: load(&stats.requests),
            throttle_retries: load(&stats.throttle_retries),
            transient_retries: load(&stats.transient_retries),
            transient_backoff_ms: load(&stats.transient_backoff_ms),
        }));
        run.report(&Event::RunFinished);
        Ok(aggregator.finish())
    }
}

/// One side of a run: its target's settings, and what the run reports to.
struct Side<'a> {
    settings: &'a TargetSettings,
    origin: TargetOrigin,
    expected_failures: std::collections::BTreeMap<String, ExpectedFailure>,
    reporters: Reporters,
    run_id: String,
    /// Whether the run compares targets: then both sides tag usernames alike, so that a
    /// `DisplayName` is there on both or on neither.
    comparing: bool,
}

/// A run against one side's target: the target reached, the client, the schemas.
fn build_run(
    plan: &Plan,
    side: Side<'_>,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Arc<Run>, Option<target::EmbeddedMockServer>), SessionError> {
    let bounds = side
        .settings
        .run_bounds()
        .map_err(|e| SessionError::setting(Setting::Target, e.into()))?;
    let deadline = std::time::Instant::now() + bounds.deadline;
    let (target, mock) = target::resolve(side.settings, side.origin, runtime)?;
    let about = RunAbout {
        run_id: side.run_id.clone(),
        seed: plan.seed,
        endpoint: target.endpoint.clone(),
        embedded: target.is_embedded(),
        limits: target.limits,
    };
    let client = Client::new(target)
        .map_err(|e| SessionError::setting(Setting::CaCert, e.message.into()))?
        .with_deadline(deadline);
    if !client.target().is_embedded() {
        target::preflight(runtime, &client, &side.run_id)?;
    }
    let options = RunOptions {
        seed: plan.seed,
        cases_per_property: plan.cases_per_property,
        regressions: plan.regressions.clone(),
        disruption: bounds.disruption,
        run_id: side.run_id,
        usernames: if client.target().is_embedded() && !side.comparing {
            UsernameTag::Untagged
        } else {
            UsernameTag::RunId
        },
        expected_failures: side.expected_failures,
        strict: plan.strict,
    };
    let schemas = Schemas::compile().map_err(SessionError::internal)?;
    side.reporters.report(&Event::TargetReady(&about));
    let run = Run::new(
        runtime.handle().clone(),
        client,
        schemas,
        options,
        side.reporters,
    );
    Ok((run, mock))
}
