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
use crate::report::choices::{ChoiceSummary, ChoiceTally};
use crate::report::coverage::{CoverageTally, InputCoverage};
use crate::report::event::{Event, Reporters};
use crate::report::matrix::PlannedCase;
use crate::report::record::{HealthWarning, TrialKind, TrialOutcome, TrialRecord};
use crate::util::lock;

/// The state every trial of a run shares.
pub struct Run {
    runtime: tokio::runtime::Handle,
    client: Client,
    schemas: Schemas,
    options: RunOptions,
    regressions: Option<Regressions>,
    reporters: Reporters,
    /// Every UserId a 201 returned in this run.
    user_ids: Mutex<HashSet<String>>,
    records: Mutex<Vec<TrialRecord>>,
    /// Statuses answered to each trial's requests (`None`: no answer), for run health.
    statuses:
        Mutex<std::collections::HashMap<String, std::collections::BTreeMap<Option<u16>, u64>>>,
    tags: AtomicU64,
    /// What the properties' inputs covered so far.
    coverage: CoverageTally,
    /// The open choices the answers met so far.
    choices: ChoiceTally,
    /// The documented exceptions each case's answers named.
    exceptions: Mutex<std::collections::BTreeMap<String, std::collections::BTreeSet<Exception>>>,
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
            records: Mutex::default(),
            statuses: Mutex::default(),
            tags: AtomicU64::new(0),
            coverage: CoverageTally::default(),
            choices: ChoiceTally::default(),
            exceptions: Mutex::default(),
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

    /// Records of the trials that ran, sorted by name.
    pub fn records(&self) -> Vec<TrialRecord> {
        let mut records = lock(&self.records).clone();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }

    /// Every UserId a 201 returned in this run, sorted.
    pub fn created_users(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.user_ids).iter().cloned().collect();
        ids.sort();
        ids
    }

    /// Notes a documented exception a trial's answer named, for the matrix.
    pub(crate) fn saw_exception(&self, trial: &str, exception: Exception) {
        lock(&self.exceptions)
            .entry(trial.to_string())
            .or_default()
            .insert(exception);
    }

    /// Counts a status answered to one of a trial's requests.
    pub(crate) fn count_status(&self, trial: &str, status: Option<u16>) {
        *lock(&self.statuses)
            .entry(trial.to_string())
            .or_default()
            .entry(status)
            .or_default() += 1;
    }

    /// Signs the run could not judge its properties: most of a property's answers (80% or
    /// more, of 10 or more) share a status that points at the harness's set-up.
    pub fn health(&self) -> Vec<HealthWarning> {
        let statuses = lock(&self.statuses);
        let mut warnings: Vec<HealthWarning> = Property::ALL
            .iter()
            .filter_map(|p| {
                let counts = statuses.get(p.trial_name())?;
                health_warning(p.trial_name(), counts)
            })
            .collect();
        warnings.sort_by(|a, b| a.trial.cmp(&b.trial));
        // A constraint without a probe means something only when every property ran.
        let all_ran = Property::ALL.iter().all(|p| {
            lock(&self.records).iter().any(|r| {
                r.name == p.trial_name() && !matches!(r.outcome, TrialOutcome::Ignored { .. })
            })
        });
        let coverage = if all_ran {
            self.coverage()
        } else {
            InputCoverage::default()
        };
        warnings.extend(coverage.gaps().map(|row| HealthWarning {
            trial: "input_coverage".to_string(),
            status: None,
            count: 0,
            total: 0,
            hint: format!(
                "{} ({}) got no answered {} probe",
                row.member,
                row.constraint,
                if row.valid.answered == 0 {
                    "valid"
                } else {
                    "invalid"
                }
            ),
        }));
        warnings
    }

    /// The open choices the run met, for the reports.
    pub fn choices(&self) -> Vec<ChoiceSummary> {
        self.choices.summaries()
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
        self.choices.note(
            trial,
            &checked.observations,
            &exchange.request,
            Some(&exchange.response),
        );
        if self.options.strict {
            checked.violations = checked.failures(true);
        }
    }

    /// The input coverage table: what the properties' inputs covered.
    pub fn coverage(&self) -> InputCoverage {
        self.coverage.table()
    }

    /// Keeps a trial's record and tells the reporters.
    fn keep(&self, mut record: TrialRecord) {
        record.notes = self
            .choices
            .take_trial_notes(&record.name)
            .into_iter()
            .collect();
        if let Some(seen) = lock(&self.exceptions).remove(&record.name) {
            record.exceptions = seen.into_iter().collect();
        }
        self.report(&Event::TrialFinished(&record));
        lock(&self.records).push(record);
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

/// The warning a property's status counts give, if one status is most of them.
fn health_warning(
    trial: &str,
    counts: &std::collections::BTreeMap<Option<u16>, u64>,
) -> Option<HealthWarning> {
    let total: u64 = counts.values().sum();
    let (status, hint) = [
        (
            401,
            "the credentials are not accepted (check the keys, the clock, the region)",
        ),
        (
            403,
            "the account is not one the caller may use (check --account-id)",
        ),
        (
            404,
            "the account is unknown to the target (check --account-id)",
        ),
        (
            429,
            "the target throttles the run (lower --rate or --concurrency)",
        ),
    ]
    .into_iter()
    .find(|(s, _)| {
        counts
            .get(&Some(*s))
            .is_some_and(|n| total >= 10 && n * 10 >= total * 8)
    })?;
    Some(HealthWarning {
        trial: trial.to_string(),
        status: Some(status),
        count: counts[&Some(status)],
        total,
        hint: hint.to_string(),
    })
}

/// The rules of a set of violations, sorted and each once.
fn sorted_rules(rules: impl IntoIterator<Item = Rule>) -> Vec<Rule> {
    let mut rules: Vec<Rule> = rules.into_iter().collect();
    rules.sort();
    rules.dedup();
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn one_status_for_most_answers_is_a_health_warning() {
        let counts =
            |pairs: &[(Option<u16>, u64)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
        let w = health_warning("p", &counts(&[(Some(401), 9), (Some(201), 1)])).unwrap();
        assert_eq!((w.status, w.count, w.total), (Some(401), 9, 10));
        assert!(health_warning("p", &counts(&[(Some(401), 7), (Some(201), 3)])).is_none());
        assert!(
            health_warning("p", &counts(&[(Some(404), 5)])).is_none(),
            "too few answers"
        );
        assert!(
            health_warning("p", &counts(&[(Some(400), 100)])).is_none(),
            "400 is expected"
        );
        let w = health_warning("p", &counts(&[(Some(429), 80), (None, 20)])).unwrap();
        assert_eq!(w.status, Some(429));
    }
}
