//! The run's record, built from its events: one more [`Reporter`], the only place where
//! what the trials did is gathered (the nextest model: the runner emits, an aggregator
//! keeps). Trial records, statuses, input coverage, open choices, exceptions named,
//! created users, request counts and drift all arrive as events; [`Aggregator::finish`]
//! turns them into the [`RunRecord`] every writer reads.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::choices::{counts, ChoiceTally};
use super::coverage::{CoverageTally, InputCoverage};
use super::drift::DriftReport;
use super::event::{Event, Reporter, RequestCounts, RunAbout};
use super::matrix::{build_matrix, PlannedCase};
use super::record::{HealthWarning, RunRecord, Summary, TrialOutcome, TrialRecord};
use crate::contract::Exception;
use crate::input::property::Property;
use crate::util::lock;

/// Builds a run's [`RunRecord`] from the events it is given.
pub struct Aggregator {
    planned: Vec<PlannedCase>,
    state: Mutex<State>,
    coverage: CoverageTally,
    choices: ChoiceTally,
}

#[derive(Default)]
struct State {
    about: Option<RunAbout>,
    records: Vec<TrialRecord>,
    /// Statuses answered to each trial's requests (`None`: no answer), for run health.
    statuses: BTreeMap<String, BTreeMap<Option<u16>, u64>>,
    /// The documented exceptions each trial's answers named, for the matrix.
    exceptions: BTreeMap<String, BTreeSet<Exception>>,
    created: BTreeSet<String>,
    counts: RequestCounts,
    drift: Option<DriftReport>,
}

impl Aggregator {
    /// An aggregator for a run whose exception cases are `planned`.
    pub fn new(planned: Vec<PlannedCase>) -> Aggregator {
        Aggregator {
            planned,
            state: Mutex::default(),
            coverage: CoverageTally::default(),
            choices: ChoiceTally::default(),
        }
    }

    /// The record of the run so far (of the whole run, once `RunFinished` was given).
    pub fn finish(&self) -> RunRecord {
        let state = lock(&self.state);
        let about = state.about.clone().unwrap_or_default();
        let mut record = RunRecord::new(&about.run_id, about.seed, &about.endpoint, about.embedded);
        record.trials = state.records.clone();
        record.trials.sort_by(|a, b| a.name.cmp(&b.name));
        if state.drift.is_none() {
            record.exception_matrix = build_matrix(&self.planned, &record.trials);
        }
        record.drift = state.drift.clone();
        record.input_coverage = self.coverage.table();
        record.created_user_ids = state.created.iter().cloned().collect();
        record.health = health(&state.statuses, &record.trials, &record.input_coverage);
        record.choices = self.choices.summaries();
        record.summary = Summary::of(
            &record.trials,
            &record.exception_matrix,
            state.counts.requests,
            state.counts.throttle_retries,
        );
        record.summary.transient_retries = state.counts.transient_retries;
        record.summary.transient_backoff_ms = state.counts.transient_backoff_ms;
        (
            record.summary.choices,
            record.summary.restrictions,
            record.summary.notes,
        ) = counts(&record.choices);
        record.with_findings()
    }
}

impl Reporter for Aggregator {
    fn report(&self, event: &Event<'_>) {
        match event {
            Event::TargetReady(about) => lock(&self.state).about = Some((*about).clone()),
            Event::Exchange(exchange) => {
                *lock(&self.state)
                    .statuses
                    .entry(exchange.trial.to_string())
                    .or_default()
                    .entry(exchange.response.map(|r| r.status))
                    .or_default() += 1;
            }
            Event::Observed {
                trial,
                observations,
                request,
                response,
            } => self.choices.note(trial, observations, request, *response),
            Event::InputCovered { facets, status } => self.coverage.note(*facets, *status),
            Event::Probed {
                family,
                probe,
                status,
            } => self.coverage.probe(*family, probe, *status),
            Event::ExceptionNamed { trial, exception } => {
                lock(&self.state)
                    .exceptions
                    .entry(trial.to_string())
                    .or_default()
                    .insert(*exception);
            }
            Event::UserCreated { user_id } => {
                lock(&self.state).created.insert(user_id.to_string());
            }
            Event::TrialFinished(record) => {
                let mut record = (*record).clone();
                record.notes = self
                    .choices
                    .take_trial_notes(&record.name)
                    .into_iter()
                    .collect();
                let mut state = lock(&self.state);
                if let Some(seen) = state.exceptions.remove(&record.name) {
                    record.exceptions = seen.into_iter().collect();
                }
                state.records.push(record);
            }
            Event::Compared(drift) => lock(&self.state).drift = Some((*drift).clone()),
            Event::Counted(counts) => lock(&self.state).counts = **counts,
            Event::RunStarted { .. }
            | Event::TrialStarted { .. }
            | Event::RequestFinished { .. }
            | Event::Warning(_)
            | Event::RunFinished => {}
        }
    }
}

/// Signs the run could not judge its properties: most of a property's answers (80% or
/// more, of 10 or more) share a status that points at the harness's set-up; and, when
/// every property ran, each constraint no probe of which was answered.
fn health(
    statuses: &BTreeMap<String, BTreeMap<Option<u16>, u64>>,
    trials: &[TrialRecord],
    coverage: &InputCoverage,
) -> Vec<HealthWarning> {
    let mut warnings: Vec<HealthWarning> = Property::ALL
        .iter()
        .filter_map(|p| health_warning(p.trial_name(), statuses.get(p.trial_name())?))
        .collect();
    warnings.sort_by(|a, b| a.trial.cmp(&b.trial));
    // A constraint without a probe means something only when every property ran.
    let all_ran = Property::ALL.iter().all(|p| {
        trials
            .iter()
            .any(|r| r.name == p.trial_name() && !matches!(r.outcome, TrialOutcome::Ignored { .. }))
    });
    if !all_ran {
        return warnings;
    }
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
