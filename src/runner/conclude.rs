//! How a trial ends: a failing evaluation becomes a [`FailureRecord`] (typed violations,
//! masked exchange, reproducer, rerun command, and the text rendered from them), and every
//! trial a [`TrialRecord`]; a trial listed as an expected failure is turned around here,
//! when every rule its failure broke is one the listing covers.

use std::time::Instant;

use libtest_mimic::{Completion, Failed};

use super::evaluate::{Answer, Evaluation};
use super::{sorted_rules, Run};
use crate::http::curl::curl_command;
use crate::report::event::Event;
use crate::report::failure_text::render_failure;
use crate::report::record::{
    ExchangeRecord, FailureRecord, TransportRecord, TrialKind, TrialOutcome, TrialRecord,
};

/// Why a trial failed, as the trial returns it.
#[derive(Debug, Clone)]
pub(super) struct TrialFailure(pub Box<FailureRecord>);

impl TrialFailure {
    /// A failure of the harness itself to make an input (no request involved).
    pub(super) fn generation(message: String) -> TrialFailure {
        TrialFailure(Box::new(FailureRecord::new(Vec::new(), false, message)))
    }
}

impl Run {
    /// The failure record of a failing evaluation.
    pub(super) fn failure(
        &self,
        trial: &str,
        evaluation: &Evaluation,
        provenance: Option<String>,
    ) -> TrialFailure {
        let target = self.client.target();
        let (violations, exchange, transport_error, request) = match &evaluation.answer {
            Answer::Checked {
                exchange,
                violations,
            } => (
                violations.clone(),
                ExchangeRecord::masked(&exchange.request, Some(&exchange.response)),
                None,
                &exchange.request,
            ),
            Answer::ClosedEarly {
                unanswered,
                violations,
            } => (
                violations.clone(),
                ExchangeRecord::masked(&unanswered.request, None),
                None,
                &unanswered.request,
            ),
            Answer::Unanswered(unanswered) => (
                Vec::new(),
                ExchangeRecord::masked(&unanswered.request, None),
                Some(TransportRecord {
                    kind: unanswered.error.kind.clone(),
                    message: unanswered.error.message.clone(),
                }),
                &unanswered.request,
            ),
        };
        let transport = transport_error.is_some();
        let rules = sorted_rules(
            violations
                .iter()
                .map(|v| v.rule)
                .chain(evaluation.also_broken.iter().copied())
                .collect::<Vec<_>>(),
        );
        let mut record = FailureRecord {
            class: FailureRecord::classify(transport, &rules),
            rules,
            transport,
            violations,
            transport_error,
            context: evaluation.context.clone(),
            provenance,
            exchange: Some(exchange),
            seed: self.options.seed,
            reproduce: Some(curl_command(request, target.region())),
            rerun: target.rerun_command(trial, self.options.seed),
            message: String::new(),
        };
        record.message = render_failure(&record);
        TrialFailure(Box::new(record))
    }

    /// Records how a trial ended and tells libtest, turning a listed expected failure that
    /// failed into an ignored trial (not red), and noting one that passed.
    pub(super) fn conclude(
        &self,
        name: &str,
        kind: TrialKind,
        result: Result<Completion, TrialFailure>,
        requests: u64,
        started: Instant,
    ) -> Result<Completion, Failed> {
        let expected = self.options.expected_failures.get(name);
        let (outcome, verdict) = match (result, expected) {
            (Ok(Completion::Completed), None) => (TrialOutcome::Passed, Ok(Completion::Completed)),
            (Ok(Completion::Ignored { reason }), _) => (
                TrialOutcome::Ignored {
                    reason: reason.clone().unwrap_or_default(),
                },
                Ok(Completion::Ignored { reason }),
            ),
            (Err(TrialFailure(failure)), None) => {
                let message = failure.message.clone();
                (TrialOutcome::Failed(*failure), Err(Failed::from(message)))
            }
            (Err(TrialFailure(mut failure)), Some(expected)) => {
                match expected.uncovered(&failure.rules) {
                    None => (
                        TrialOutcome::ExpectedFailure {
                            reason: expected.reason.clone(),
                            failure: *failure,
                        },
                        Ok(Completion::ignored_with(format!(
                            "expected failure, failed as expected: {}",
                            expected.reason
                        ))),
                    ),
                    Some(rule) => {
                        failure.message = format!(
                            "listed as an expected failure ({}), but the listed expected failure did not cover rule {rule}: a real failure\n{}",
                            expected.reason, failure.message
                        );
                        let message = failure.message.clone();
                        (TrialOutcome::Failed(*failure), Err(Failed::from(message)))
                    }
                }
            }
            (Ok(Completion::Completed), Some(expected)) => {
                let reason = expected.reason.clone();
                self.report(&Event::Warning(&format!(
                    "{name} is listed as an expected failure ({reason}) but passed: remove it from expected_failures"
                )));
                (
                    TrialOutcome::UnexpectedPass { reason },
                    Ok(Completion::Completed),
                )
            }
        };
        self.keep(TrialRecord {
            name: name.to_string(),
            kind,
            outcome,
            requests,
            duration: started.elapsed(),
            notes: Vec::new(),
            exceptions: Vec::new(),
        });
        verdict
    }
}
