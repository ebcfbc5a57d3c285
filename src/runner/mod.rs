//! Orchestration only: turns properties and exception cases into libtest-mimic trials and
//! runs them against a target — generation, concurrent sending, checking, shrinking,
//! regressions replay — leaving a [`TrialRecord`] per trial and emitting events while it
//! goes. Properties are in [`property`] and [`shrink`], cases in [`case`], one request's
//! verdict in [`evaluate`], and how a trial ends in [`conclude`]. Comparison runs (two
//! targets, or a cassette replayed to one) are in [`compare`] and [`replay`].

mod case;
mod compare;
mod conclude;
mod evaluate;
mod options;
mod paired;
mod property;
mod replay;
mod shrink;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use libtest_mimic::{Completion, Trial};

pub use compare::{comparison_trial_names, comparison_trials, Comparison};
pub use options::{RunOptions, UsernameTag};
pub use replay::Replay;

use crate::check::Rule;
use crate::contract::schema::Schemas;
use crate::http::Client;
use crate::input::cases::Case;
use crate::input::property::Property;
use crate::input::regressions::Regressions;
use crate::report::coverage::{CoverageTally, InputCoverage};
use crate::report::event::{Event, Reporters};
use crate::report::matrix::PlannedCase;
use crate::report::record::{TrialKind, TrialRecord};
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
    tags: AtomicU64,
    /// What the properties' inputs covered so far.
    coverage: CoverageTally,
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
            tags: AtomicU64::new(0),
            coverage: CoverageTally::default(),
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

    /// The input coverage table: what the properties' inputs covered.
    pub fn coverage(&self) -> InputCoverage {
        self.coverage.table()
    }

    /// Keeps a trial's record and tells the reporters.
    fn keep(&self, record: TrialRecord) {
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
