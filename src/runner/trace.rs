//! The no-trace trials (`no_trace::<kind>`, see [`crate::input::trace`]): a create refused
//! for one reason, then a valid create of the same Email, which must get 201; a
//! ConflictException there is the refusal's trace (`state.refusal_left_no_trace`). The
//! refused create is judged as its refusal (an accepted one breaks the rule its own case
//! names, and leaves nothing to judge after it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use libtest_mimic::{Completion, Trial};
use serde_json::{json, Value};

use super::conclude::TrialFailure;
use super::evaluate::{Answer, Evaluation};
use super::{sorted_rules, Run, UsernameTag};
use crate::check::{Expectation, Rule, SentFacts};
use crate::contract::Exception;
use crate::http::{Call, CallBody, CallPurpose, Exchange};
use crate::input::cases::AccountRef;
use crate::input::trace::{Refusal, THROTTLE_BURST};
use crate::report::coverage::ProbeFamily;
use crate::report::event::ExchangeRole;
use crate::report::record::TrialKind;

/// The first failing answer of a trial, if any.
type Verdict = Option<Evaluation>;

impl Run {
    /// Runs one no-trace trial.
    fn run_no_trace(&self, refusal: Refusal, sent: &AtomicU64) -> Result<Completion, TrialFailure> {
        if let Some(reason) = refusal.unmet_need(self.client.target(), self.options.disruption) {
            return Ok(Completion::ignored_with(reason));
        }
        let trial = refusal.trial_name();
        let verdict = self.runtime.block_on(async {
            match refusal {
                Refusal::Throttled => self.throttled_then_retried(&trial, sent).await,
                _ => self.refused_then_created(refusal, &trial, sent).await,
            }
        });
        match verdict {
            Some(mut evaluation) => {
                evaluation.context = Some(format!(
                    "a refused create leaves no trace: {} (refused with {})",
                    refusal.label(),
                    refusal.describe()
                ));
                Err(self.failure(&trial, &evaluation, None))
            }
            None => Ok(Completion::Completed),
        }
    }

    /// The body of a create of `email` (with the run's Username where the target is
    /// shared).
    pub(super) fn trace_body(&self, email: &str) -> Value {
        let mut body = json!({ "Email": email });
        if self.options.usernames == UsernameTag::RunId {
            body["Username"] = json!(format!("chime-conformance {}", self.options.run_id));
        }
        body
    }

    /// A refused create of a fresh Email, then a valid create of it.
    async fn refused_then_created(
        &self,
        refusal: Refusal,
        trial: &str,
        sent: &AtomicU64,
    ) -> Verdict {
        let email = format!("chime-conformance+{}@example.com", self.next_tag());
        let valid = self.trace_body(&email);
        let mut refused_body = valid.clone();
        if refusal == Refusal::InvalidInput {
            refused_body["UserType"] = json!("Administrator");
        }
        let call = Call {
            account_id: self.step_account(refusal.account()),
            body: CallBody::Json(refused_body),
            signature: refusal.signature(),
            fault: refusal.fault(),
            purpose: CallPurpose::Probe,
            off_route: None,
        };
        let expectation = match refusal {
            Refusal::InvalidInput => Expectation::Rejected {
                exception: Exception::BadRequest,
                rule: Rule::InputRejected,
            },
            Refusal::ForbiddenAccount => Expectation::Rejected {
                exception: Exception::Forbidden,
                rule: Rule::CaseExpectedException,
            },
            Refusal::InjectedFault => Expectation::Rejected {
                exception: Exception::ServiceFailure,
                rule: Rule::CaseExpectedException,
            },
            Refusal::TamperedSignature | Refusal::Throttled => Expectation::AuthRefused,
        };
        sent.fetch_add(1, Ordering::Relaxed);
        let refused = match self.exchange(trial, &call, false).await {
            Ok(exchange) => exchange,
            Err(unanswered) => {
                self.report_trace(trial, refusal.account(), 1, &unanswered.request, None, &[]);
                return Some(Evaluation::new(None, Answer::Unanswered(unanswered)));
            }
        };
        let checked = self.judge_trace(
            trial,
            refusal.account(),
            1,
            expectation,
            &refused,
            call.fault,
        );
        if !checked.is_empty() || refused.response.is_success() {
            // A refusal that broke a rule, or none at all: nothing after it to judge.
            return failed(refused, checked);
        }
        self.created_after(refusal, trial, valid, sent).await
    }

    /// The valid create after a refusal, in the kind's account, judged.
    async fn created_after(
        &self,
        refusal: Refusal,
        trial: &str,
        body: Value,
        sent: &AtomicU64,
    ) -> Verdict {
        let account = refusal.follow_up_account();
        let call = Call::create(self.step_account(account), body);
        sent.fetch_add(1, Ordering::Relaxed);
        match self.exchange(trial, &call, false).await {
            Ok(exchange) => self.judge_created_after(refusal, trial, &call, exchange),
            Err(unanswered) => {
                self.coverage
                    .probe(ProbeFamily::Refusal, refusal.label(), None);
                self.report_trace(trial, account, 2, &unanswered.request, None, &[]);
                Some(Evaluation::new(None, Answer::Unanswered(unanswered)))
            }
        }
    }

    /// Judges the create sent after a refusal of its Email.
    fn judge_created_after(
        &self,
        refusal: Refusal,
        trial: &str,
        call: &Call,
        exchange: Exchange,
    ) -> Verdict {
        let facts = SentFacts::of(&call.account_id, call.body.json());
        let expectation = Expectation::CreatedAfterRefusal {
            facts: &facts,
            refusal: refusal.describe(),
        };
        self.coverage.probe(
            ProbeFamily::Refusal,
            refusal.label(),
            Some(exchange.response.status),
        );
        let checked = self.judge_trace(
            trial,
            refusal.follow_up_account(),
            2,
            expectation,
            &exchange,
            None,
        );
        failed(exchange, checked)
    }

    /// A burst against the low-limit account, then the first create refused with a 429
    /// retried after its `Retry-After`.
    async fn throttled_then_retried(&self, trial: &str, sent: &AtomicU64) -> Verdict {
        let account = Refusal::Throttled.account();
        let calls: Vec<Call> = (0..THROTTLE_BURST)
            .map(|_| {
                let email = format!("chime-conformance+{}@example.com", self.next_tag());
                Call::create(self.step_account(account), self.trace_body(&email))
            })
            .collect();
        sent.fetch_add(calls.len() as u64, Ordering::Relaxed);
        let answers = self.exchange_together(trial, &calls, true).await;
        let mut failures = Vec::new();
        let mut throttled = None;
        for (call, answer) in calls.iter().zip(answers) {
            let exchange = match answer {
                Ok(exchange) => exchange,
                Err(unanswered) => {
                    self.report_trace(trial, account, 1, &unanswered.request, None, &[]);
                    failures.push(Evaluation::new(None, Answer::Unanswered(unanswered)));
                    continue;
                }
            };
            let facts = SentFacts::of(&call.account_id, call.body.json());
            let expectation = if exchange.response.is_success() {
                Expectation::Created(&facts)
            } else {
                Expectation::AnyError
            };
            let violations = self.judge_trace(trial, account, 1, expectation, &exchange, None);
            if !violations.is_empty() {
                failures.extend(failed(exchange, violations));
            } else if exchange.response.status == 429 && throttled.is_none() {
                throttled = Some((call.clone(), exchange));
            }
        }
        if !failures.is_empty() {
            let others: Vec<Rule> = failures[1..].iter().flat_map(|e| e.rules()).collect();
            let mut first = failures.swap_remove(0);
            first.also_broken = sorted_rules(others);
            return Some(first);
        }
        // A burst that drew no 429 leaves nothing to judge (the throttle case reports it).
        let (call, exchange) = throttled?;
        sent.fetch_add(1, Ordering::Relaxed);
        let retried = match self.client.retry_as_sdk(&call, exchange, true).await {
            Ok((exchange, _)) => exchange,
            Err(unanswered) => {
                self.coverage
                    .probe(ProbeFamily::Refusal, Refusal::Throttled.label(), None);
                self.report_trace(trial, account, 2, &unanswered.request, None, &[]);
                return Some(Evaluation::new(None, Answer::Unanswered(unanswered)));
            }
        };
        if retried.response.status == 429 {
            // Still throttled after every retry an SDK makes: nothing to judge.
            self.coverage
                .probe(ProbeFamily::Refusal, Refusal::Throttled.label(), Some(429));
            let violations =
                self.judge_trace(trial, account, 2, Expectation::AnyError, &retried, None);
            return failed(retried, violations);
        }
        self.judge_created_after(Refusal::Throttled, trial, &call, retried)
    }

    /// Judges one answer of a no-trace trial, notes a user it created, and tells the
    /// reporters; the violations.
    fn judge_trace(
        &self,
        trial: &str,
        account: AccountRef,
        step: usize,
        expectation: Expectation<'_>,
        exchange: &Exchange,
        injected_fault: Option<Exception>,
    ) -> Vec<crate::check::Violation> {
        let mut checked = self.judge(trial, expectation, exchange, injected_fault);
        if exchange.response.is_success() {
            self.note_user_id(&mut checked, &exchange.response);
        }
        let response = Some(&exchange.response);
        self.report_trace(
            trial,
            account,
            step,
            &exchange.request,
            response,
            &checked.violations,
        );
        checked.violations
    }

    fn report_trace(
        &self,
        trial: &str,
        account: AccountRef,
        step: usize,
        request: &crate::http::SentRequest,
        response: Option<&crate::http::ReceivedResponse>,
        violations: &[crate::check::Violation],
    ) {
        let role = ExchangeRole {
            account,
            step: Some(step),
        };
        self.report_exchange(trial, role, request, response, violations);
    }
}

/// The evaluation of an answer that broke rules, or `None`.
fn failed(exchange: Exchange, violations: Vec<crate::check::Violation>) -> Verdict {
    (!violations.is_empty()).then(|| {
        Evaluation::new(
            None,
            Answer::Checked {
                exchange,
                violations,
            },
        )
    })
}

/// The no-trace trials, one per kind of refusal.
pub(super) fn no_trace_trials(run: &Arc<Run>) -> Vec<Trial> {
    Refusal::ALL
        .iter()
        .map(|&refusal| {
            let run = Arc::clone(run);
            Trial::ignorable_test(refusal.trial_name(), move || {
                let planned = Some(refusal.planned_requests());
                run.trial(&refusal.trial_name(), TrialKind::Probe, planned, |sent| {
                    run.run_no_trace(refusal, sent)
                })
            })
        })
        .collect()
}
