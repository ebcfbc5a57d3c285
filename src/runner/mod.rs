//! Orchestration only: turns properties and exception cases into libtest-mimic trials and
//! runs them against a target — generation, concurrent sending, checking, shrinking,
//! regressions replay — leaving a [`TrialRecord`] per trial and emitting events while it
//! goes. Properties are in [`property`] and [`shrink`], cases in [`case`], the fixed probes
//! in [`malformed`], [`trace`] (refusals that must leave no trace) and [`route`] (other
//! methods, labels and queries), one request's verdict in [`evaluate`], and how a trial
//! ends in [`conclude`]. Comparison runs (two
//! targets, or a cassette replayed to one) are in [`compare`] and [`replay`].

mod case;
mod compare;
mod conclude;
mod evaluate;
mod gathered;
mod malformed;
mod options;
mod paired;
mod property;
mod replay;
mod route;
mod shrink;
mod trace;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Completion, Trial};

pub use compare::{comparison_trial_names, comparison_trials, Comparison};
pub use options::{ExpectedFailure, RunOptions, UsernameTag};
pub use replay::Replay;

use crate::check::Rule;
use crate::check::{check_response, Checked, Expectation};
use crate::contract::schema::Schemas;
use crate::contract::Exception;
use crate::http::Client;
use crate::http::Exchange;
use crate::input::cases::Case;
use crate::input::malformed::Malformed;
use crate::input::property::Property;
use crate::input::regressions::Regressions;
use crate::input::route::RouteFamily;
use crate::input::trace::Refusal;
use crate::report::coverage::ProbeFamily;
use crate::report::event::{Event, Reporters};
use crate::report::matrix::PlannedCase;
use crate::report::record::{TrialKind, TrialRecord};

/// The state every trial of a run shares.
pub struct Run {
    runtime: tokio::runtime::Handle,
    client: Client,
    schemas: Schemas,
    options: RunOptions,
    regressions: Option<Regressions>,
    reporters: Reporters,
    /// Every UserId a 201 returned in this run (the check that each is new needs them).
    user_ids: Mutex<HashSet<String>>,
    tags: AtomicU64,
}

impl Run {
    pub fn new(
        runtime: tokio::runtime::Handle,
        client: Client,
        schemas: Schemas,
        options: RunOptions,
        reporters: Reporters,
    ) -> Arc<Run> {
        let regressions = options.regressions.clone().map(Regressions::new);
        Arc::new(Run {
            runtime,
            client,
            schemas,
            options,
            regressions,
            reporters,
            user_ids: Mutex::default(),
            tags: AtomicU64::new(0),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Tells every reporter of the run.
    pub fn report(&self, event: &Event<'_>) {
        self.reporters.report(event);
    }

    /// Tells the reporters a fixed probe of `family` was answered with `status`.
    pub(crate) fn probed(&self, family: ProbeFamily, probe: &'static str, status: Option<u16>) {
        self.report(&Event::Probed {
            family,
            probe,
            status,
        });
    }

    /// Notes a documented exception a trial's answer named, for the matrix.
    pub(crate) fn saw_exception(&self, trial: &str, exception: Exception) {
        self.report(&Event::ExceptionNamed { trial, exception });
    }

    /// Checks an answer against what it was expected to be, and settles its observations
    /// (see [`Run::settle`]).
    pub(crate) fn judge(
        &self,
        trial: &str,
        expectation: Expectation<'_>,
        exchange: &Exchange,
        injected_fault: Option<Exception>,
    ) -> Checked {
        let mut checked = check_response(
            expectation,
            &exchange.response,
            injected_fault,
            &self.schemas,
        );
        self.settle(trial, &mut checked, exchange);
        checked
    }

    /// Tallies the open choices an answer met, and under `--strict` makes its restrictions
    /// and notes violations.
    pub(crate) fn settle(&self, trial: &str, checked: &mut Checked, exchange: &Exchange) {
        if checked.observations.is_empty() {
            return;
        }
        self.report(&Event::Observed {
            trial,
            observations: &checked.observations,
            request: &exchange.request,
            response: Some(&exchange.response),
        });
        if self.options.strict {
            checked.violations = checked.failures(true);
        }
    }

    /// Tells the reporters a trial ended.
    fn keep(&self, record: TrialRecord) {
        self.report(&Event::TrialFinished(&record));
    }

    /// Runs one trial: `body` with a started event before and a record after.
    fn trial(
        &self,
        name: &str,
        kind: TrialKind,
        planned_requests: Option<u64>,
        body: impl FnOnce(&AtomicU64) -> Result<Completion, conclude::TrialFailure>,
    ) -> Result<Completion, libtest_mimic::Failed> {
        self.report(&Event::TrialStarted {
            name,
            planned_requests,
        });
        let started = Instant::now();
        let sent = AtomicU64::new(0);
        let result = body(&sent);
        self.conclude(name, kind, result, sent.load(Ordering::Relaxed), started)
    }
}

/// The trials of a run: every property, then every case, sorted by name.
pub fn trials(run: &Arc<Run>, cases: &[Case]) -> Vec<Trial> {
    let mut trials = Vec::new();
    for property in Property::ALL {
        let run = Arc::clone(run);
        trials.push(Trial::ignorable_test(property.trial_name(), move || {
            let planned =
                u64::from(run.options.cases_per_property) + property.coverage().len() as u64;
            run.trial(
                property.trial_name(),
                TrialKind::Property,
                Some(planned),
                |sent| {
                    run.run_property(property, sent)
                        .map(|()| Completion::Completed)
                },
            )
        }));
    }
    trials.extend(malformed::malformed_trials(run));
    trials.extend(trace::no_trace_trials(run));
    trials.extend(route::route_trials(run));
    for case in cases {
        let run = Arc::clone(run);
        let case = case.clone();
        trials.push(Trial::ignorable_test(case.name.clone(), move || {
            let kind = TrialKind::Case {
                exception: case.exception,
                trigger: case.trigger,
            };
            run.trial(&case.name, kind, None, |sent| run.run_case(&case, sent))
        }));
    }
    trials.sort_by(|a, b| a.name().cmp(b.name()));
    trials
}

/// The trial names, without a run (for `--list`).
pub fn trial_names(cases: &[Case]) -> Vec<String> {
    let mut names: Vec<String> = Property::ALL
        .iter()
        .map(|p| p.trial_name().to_string())
        .chain(Malformed::ALL.iter().map(|m| m.trial_name()))
        .chain(Refusal::ALL.iter().map(|r| r.trial_name()))
        .chain(RouteFamily::ALL.iter().map(|f| f.trial_name()))
        .chain(cases.iter().map(|c| c.name.clone()))
        .collect();
    names.sort();
    names
}

/// The cases as the exception matrix knows them.
pub fn planned_cases(cases: &[Case]) -> Vec<PlannedCase> {
    cases
        .iter()
        .map(|c| PlannedCase {
            name: c.name.clone(),
            exception: c.exception,
            trigger: c.trigger,
        })
        .collect()
}

/// The rules of a set of violations, sorted and each once.
fn sorted_rules(rules: impl IntoIterator<Item = Rule>) -> Vec<Rule> {
    let mut rules: Vec<Rule> = rules.into_iter().collect();
    rules.sort();
    rules.dedup();
    rules
}
